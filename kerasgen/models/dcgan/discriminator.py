"""The DCGAN discriminator of Radford et al. 2016 (also the WGAN-GP critic, without BN)."""

import keras
from keras import layers

from kerasgen.models.dcgan.generator import base_size
from kerasgen.models.dcgan.generator import batch_norm
from kerasgen.models.dcgan.generator import init

NORMALIZATIONS = ("batch", "layer", "none")


def dcgan_discriminator(image_size=64, channels=3, width=64, normalization="batch",
                        num_classes=None, extra_layers=0, name="discriminator"):
    """images (B, S, S, C) [, labels (B,)] -> logits (B, 1), float32.

    Strided convolutions (no pooling), LeakyReLU(0.2), normalisation on every conv but the
    first, and a single linear output on the flattened last feature map. `normalization` is
    "batch" (the paper), "layer" (WGAN-GP: a per-example penalty is wrong under batchnorm,
    Gulrajani et al. Sec. 4) or "none". With `num_classes`, the output adds a projection term
    <embed(y), h> (Miyato & Koyama 2018, "cGANs with Projection Discriminator").

    `extra_layers` adds that many 3x3 stride-1 conv + normalisation + LeakyReLU layers on the
    last feature map. In the paper's network the last conv sees only a 3 * 2^n - 2 pixel
    patch (10 pixels at 28x28) and the whole image is judged by the final linear layer; each
    extra layer widens the receptive field by 2^(n+1) pixels (8 at 28x28).
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"Unknown normalization {normalization!r}; expected one of "
                         f"{', '.join(NORMALIZATIONS)}.")
    image = keras.Input((image_size, image_size, channels), name="image")
    inputs = [image]
    h = discriminator_trunk(image, width, normalization, extra_layers)
    h = layers.Flatten()(h)  # (B, s * s * width * 2^(n-1))
    logits = layers.Dense(1, kernel_initializer=init(), dtype="float32", name="logits")(h)
    if num_classes:
        label = keras.Input((), dtype="int32", name="label")
        inputs.append(label)
        embed = layers.Embedding(num_classes, h.shape[-1], embeddings_initializer=init(),
                                 name="class_embedding")(label)  # (B, F)
        projection = layers.Dot(axes=1, dtype="float32")([embed, h])  # (B, 1)
        logits = layers.Add(dtype="float32")([logits, projection])
    return keras.Model(inputs if num_classes else image, logits, name=name)


def discriminator_trunk(image, width=64, normalization="batch", extra_layers=0):
    """The strided-convolution stack of `dcgan_discriminator` on a symbolic image (B, S, S,
    C), down to the base side (4 at 64x64): (B, s, s, width * 2^(n-1)) features, shared with
    the text-conditional discriminator."""
    _, n = base_size(image.shape[1])
    h = image
    for i in range(n):
        h = layers.Conv2D(width * 2 ** i, 4, strides=2, padding="same",
                          use_bias=(i == 0 or normalization == "none"),
                          kernel_initializer=init(), name=f"down{i}")(h)  # side halves
        if i > 0:
            h = _normalize(h, normalization)
        h = layers.LeakyReLU(0.2)(h)
    for i in range(int(extra_layers)):
        h = layers.Conv2D(h.shape[-1], 3, padding="same", use_bias=(normalization == "none"),
                          kernel_initializer=init(), name=f"top{i}")(h)
        h = _normalize(h, normalization)
        h = layers.LeakyReLU(0.2)(h)
    return h


def _normalize(h, normalization):
    if normalization == "batch":
        return batch_norm()(h)
    if normalization == "layer":
        return layers.LayerNormalization(axis=[1, 2, 3])(h)
    return h
