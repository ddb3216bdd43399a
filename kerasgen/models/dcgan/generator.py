"""The DCGAN generator of Radford et al. 2016, for any resolution 4 * 2^n or 7 * 2^n."""

import keras
from keras import layers


def init():
    # Radford et al.: "All weights were initialized from a zero-centered Normal distribution
    # with standard deviation 0.02."
    return keras.initializers.RandomNormal(0.0, 0.02)


def batch_norm():
    # Radford et al.'s initialisation applied to the scale: gamma ~ N(1, 0.02).
    return layers.BatchNormalization(gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02))


def base_size(image_size):
    """Side of the first feature map: halve while even and above 4 (64 -> 4, 28 -> 7)."""
    size, upsamplings = int(image_size), 0
    while size % 2 == 0 and size > 4:
        size //= 2
        upsamplings += 1
    if upsamplings == 0:
        raise ValueError(
            f"image_size {image_size} cannot be reached by stride-2 upsampling from a small "
            "base; expected e.g. 28, 32, 64 or 128."
        )
    return size, upsamplings


def dcgan_generator(image_size=64, channels=3, latent_dim=100, width=64, num_classes=None,
                    extra_layers=0, name="generator"):
    """z (B, latent_dim) [, labels (B,)] -> images (B, S, S, C) in [-1, 1].

    Project-and-reshape (a matrix multiply, not a hidden layer), then fractionally strided
    convolutions that double the side and halve the width, batchnorm + ReLU everywhere except
    the tanh output. At 64x64 with width 64: 4x4x512 -> 8x8x256 -> 16x16x128 -> 32x32x64 ->
    64x64x3, as in the paper's Figure 1 (which starts at 1024 with width 128).

    `extra_layers` adds that many 3x3 stride-1 conv + batchnorm + ReLU layers at the base
    resolution, right after the projection, so the layout of the whole image is decided by
    convolutions before any upsampling (0 is the paper's network).
    """
    size, n = base_size(image_size)
    z = keras.Input((latent_dim,), name="z")
    inputs, h = [z], z
    if num_classes:
        label = keras.Input((), dtype="int32", name="label")
        inputs.append(label)
        h = layers.Concatenate()([z, layers.CategoryEncoding(num_classes, "one_hot")(label)])
    top = width * 2 ** (n - 1)
    h = layers.Dense(size * size * top, use_bias=False, kernel_initializer=init(),
                     name="project")(h)
    h = layers.Reshape((size, size, top))(h)  # (B, s, s, top)
    h = batch_norm()(h)
    h = layers.ReLU()(h)
    for i in range(int(extra_layers)):  # (B, s, s, top)
        h = layers.Conv2D(top, 3, padding="same", use_bias=False, kernel_initializer=init(),
                          name=f"base{i}")(h)
        h = batch_norm()(h)
        h = layers.ReLU()(h)
    for i in range(n - 1):
        h = layers.Conv2DTranspose(top // 2 ** (i + 1), 4, strides=2, padding="same",
                                   use_bias=False, kernel_initializer=init(),
                                   name=f"up{i}")(h)  # side doubles
        h = batch_norm()(h)
        h = layers.ReLU()(h)
    h = layers.Conv2DTranspose(channels, 4, strides=2, padding="same",
                               kernel_initializer=init(), name="to_image")(h)
    out = layers.Activation("tanh", dtype="float32", name="tanh")(h)  # (B, S, S, C)
    return keras.Model(inputs if num_classes else z, out, name=name)
