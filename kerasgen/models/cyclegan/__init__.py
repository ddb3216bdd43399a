"""CycleGAN (Zhu et al. 2017): unpaired image-to-image translation."""

from kerasgen.models.cyclegan.cyclegan import CycleGAN
from kerasgen.models.cyclegan import presets  # noqa: F401  (registers the family's zoo entries)
