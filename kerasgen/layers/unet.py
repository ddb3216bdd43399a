"""The pix2pix U-Net generator (Isola et al. 2017, Appendix 6.1.1)."""

import math

import keras

from kerasgen.layers.blocks import down
from kerasgen.layers.blocks import init
from kerasgen.layers.blocks import up


def unet_depth(image_size):
    """Stride-2 downsamplings from `image_size` to 1x1: 8 at 256 px, 6 at 64."""
    depth = math.log2(image_size) if image_size > 0 else 0.5
    if depth != int(depth) or depth < 2:
        raise ValueError(f"image_size must be a power of two >= 4 for the U-Net; received "
                         f"{image_size}.")
    return int(depth)


def unet_generator(image_size=256, in_channels=3, out_channels=3, width=64, norm="batch",
                   dropout=0.5, test_time_dropout=True, name="unet_generator"):
    """x (B, S, S, in_channels) in [-1, 1] -> y (B, S, S, out_channels) in [-1, 1].

    Encoder C64-C128-C256-C512-C512-... to 1x1 (no norm on the first block; at 1x1 the paper's
    own code has no norm either, since batch statistics of a 1x1 map at batch 1 are
    degenerate), decoder with skip connections, dropout on its first three blocks, tanh out.
    Filters scale with `width` (64 in the paper) and are capped at 8 * width.
    """
    depth = unet_depth(image_size)
    filters = [min(width * 2 ** i, width * 8) for i in range(depth)]
    x = inputs = keras.Input((image_size, image_size, in_channels), name="source")
    skips = []
    for i, f in enumerate(filters):
        x = down(x, f, "none" if i in (0, depth - 1) else norm, f"down{i + 1}")
        skips.append(x)
    for i, (f, skip) in enumerate(zip(reversed(filters[:-1]), reversed(skips[:-1]))):
        x = up(x, f, norm, f"up{i + 1}", dropout=dropout if i < 3 else 0.0,
               test_time_dropout=test_time_dropout)
        x = keras.layers.Concatenate(name=f"skip{i + 1}")([x, skip])
    x = keras.layers.Conv2DTranspose(out_channels, 4, 2, padding="same",
                                     kernel_initializer=init(), name="out_conv")(x)
    outputs = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(inputs, outputs, name=name)
