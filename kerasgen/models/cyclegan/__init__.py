"""CycleGAN (Zhu et al. 2017): unpaired image-to-image translation."""

from kerasgen.models.cyclegan.cyclegan import CycleGAN
