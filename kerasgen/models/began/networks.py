"""BEGAN's networks (Berthelot et al. 2017, Fig. 1): a convolutional encoder to an embedding h
and a decoder from h (or from z: the generator has the decoder's shape) back to an image.

3x3 convolutions with ELU, two per scale; stride-2 convolutions down, nearest-neighbour
upsampling up; no batch norm. The encoder widens linearly with depth (n, 2n, 3n, ...), the
decoder keeps n filters throughout; both meet at an 8x8 feature map.
"""

import keras
from keras import layers

BASE_SIDE = 8  # side of the feature map at the embedding, as in the paper


def num_scales(image_size):
    """Scales from 8x8 to `image_size` inclusive (64 -> 4: 8, 16, 32, 64)."""
    size, scales = int(image_size), 1
    while size > BASE_SIDE and size % 2 == 0:
        size //= 2
        scales += 1
    if size != BASE_SIDE:
        raise ValueError(f"image_size must be 8 * 2^k (8, 16, 32, 64, 128, ...) for BEGAN's "
                         f"8x8 base; received {image_size}.")
    return scales


def _conv(filters, name, strides=1):
    return layers.Conv2D(filters, 3, strides=strides, padding="same", activation="elu",
                         name=name)


def began_encoder(image_size=64, channels=3, width=64, embedding_dim=64, name="encoder"):
    """images (B, S, S, C) -> embedding h (B, embedding_dim), linear.

    At 64x64 with width n: 64x64xn -> (2 convs) -> down -> 32x32x2n -> down -> 16x16x3n ->
    down -> 8x8x4n -> dense h. Each stride-2 convolution keeps its scale's width; the next
    scale's first convolution widens.
    """
    scales = num_scales(image_size)
    image = keras.Input((image_size, image_size, channels), name="image")
    h = _conv(width, "stem")(image)  # (B, S, S, n)
    for i in range(scales):
        filters = width * (i + 1)
        h = _conv(filters, f"conv{i}a")(h)
        h = _conv(filters, f"conv{i}b")(h)
        if i < scales - 1:
            h = _conv(filters, f"down{i}", strides=2)(h)  # side halves
    h = layers.Flatten()(h)  # (B, 8 * 8 * scales * n)
    embedding = layers.Dense(embedding_dim, name="embedding")(h)  # (B, embedding_dim)
    return keras.Model(image, embedding, name=name)


def began_decoder(image_size=64, channels=3, width=64, input_dim=64, name="decoder"):
    """h or z (B, input_dim) -> images (B, S, S, C), float32, linear (not squashed: the
    autoencoder reconstructs [-1, 1] images under an L1 loss; samples are clipped).

    dense -> 8x8xn, then per scale two 3x3 convs (n filters) and a nearest-neighbour x2
    upsampling, then a 3x3 conv to C channels.
    """
    scales = num_scales(image_size)
    code = keras.Input((input_dim,), name="code")
    h = layers.Dense(BASE_SIDE * BASE_SIDE * width, name="project")(code)
    h = layers.Reshape((BASE_SIDE, BASE_SIDE, width))(h)  # (B, 8, 8, n)
    for i in range(scales):
        h = _conv(width, f"conv{i}a")(h)
        h = _conv(width, f"conv{i}b")(h)
        if i < scales - 1:
            h = layers.UpSampling2D(2, interpolation="nearest", name=f"up{i}")(h)  # side x2
    out = layers.Conv2D(channels, 3, padding="same", dtype="float32", name="to_image")(h)
    return keras.Model(code, out, name=name)  # (B, S, S, C)


def began_discriminator(image_size=64, channels=3, width=64, embedding_dim=64,
                        name="discriminator"):
    """The autoencoder D: images -> reconstructions (B, S, S, C), float32, through an
    `encoder` and a `decoder` sub-model (named so, reachable as layers of D)."""
    image = keras.Input((image_size, image_size, channels), name="image")
    encoder = began_encoder(image_size, channels, width, embedding_dim)
    decoder = began_decoder(image_size, channels, width, embedding_dim)
    return keras.Model(image, decoder(encoder(image)), name=name)
