"""Layers and network pieces shared by families (U-Net blocks, PatchGAN discriminators, the
progressive GAN's equalized-learning-rate layers)."""

from kerasgen.layers.blocks import AlwaysDropout
from kerasgen.layers.blocks import normalization
from kerasgen.layers.patchgan import PATCH_SIZES
from kerasgen.layers.patchgan import patchgan_discriminator
from kerasgen.layers.unet import unet_generator
from kerasgen.layers.masked import MaskedConv2D
from kerasgen.layers.progressive import EqualizedConv2D
from kerasgen.layers.progressive import EqualizedDense
from kerasgen.layers.progressive import MinibatchStdDev
from kerasgen.layers.progressive import PixelNormalization
