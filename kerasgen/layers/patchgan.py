"""PatchGAN discriminators (Isola et al. 2017, Sec. 3.2.2 and Appendix 6.1.2): a fully
convolutional D that scores every N x N patch of (source, target), N = 1, 16, 70 or 286."""

import keras

from kerasgen.layers.blocks import down
from kerasgen.layers.blocks import init

# Receptive field -> (filters, stride) of the Ck blocks before the final 1-channel conv. The
# final conv is 4x4 stride 1 (1x1 for the 1x1 PixelGAN); the fields are those of the paper.
PATCH_SIZES = {
    1: [(64, 1), (128, 1)],
    16: [(64, 2), (128, 1)],
    70: [(64, 2), (128, 2), (256, 2), (512, 1)],
    286: [(64, 2), (128, 2), (256, 2), (512, 2), (512, 2), (512, 1)],
}


def receptive_field(patch_size):
    """The receptive field of the network built for `patch_size` (a check on the table)."""
    field = 1 if patch_size == 1 else 4
    for _, stride in reversed(PATCH_SIZES[patch_size]):
        kernel = 1 if patch_size == 1 else 4
        field = (field - 1) * stride + kernel
    return field


def patchgan_discriminator(image_size=256, source_channels=3, target_channels=3, width=64,
                           patch_size=70, norm="batch", conditional=True,
                           name="patchgan_discriminator"):
    """[source, target] (or target alone with conditional=False) -> patch logits
    (B, h, w, 1), one per receptive field of `patch_size` pixels.

    Widths scale with `width` / 64; no norm on the first block, LeakyReLU 0.2.
    """
    if patch_size not in PATCH_SIZES:
        raise ValueError(f"patch_size must be one of {sorted(PATCH_SIZES)}; received "
                         f"{patch_size!r}.")
    target = keras.Input((image_size, image_size, target_channels), name="target")
    if conditional:
        source = keras.Input((image_size, image_size, source_channels), name="source")
        x = keras.layers.Concatenate(name="pair")([source, target])
        inputs = [source, target]
    else:
        x, inputs = target, target
    kernel = 1 if patch_size == 1 else 4
    for i, (filters, stride) in enumerate(PATCH_SIZES[patch_size]):
        x = down(x, filters * width // 64, "none" if i == 0 else norm, f"block{i + 1}",
                 strides=stride, kernel_size=kernel)
    x = keras.layers.Conv2D(1, kernel, 1, padding="same", kernel_initializer=init(),
                            name="patch_logits")(x)
    outputs = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(inputs, outputs, name=name)
