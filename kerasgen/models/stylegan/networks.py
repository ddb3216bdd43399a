"""StyleGAN2's networks (Karras et al. 2020, Fig. 7 and Appendix B; the reference code's
MappingNetwork, SynthesisNetwork with the "skip" architecture and Discriminator with the
"resnet" one).

Widths: the features at side r are min(width * image_size / r, max_width), so each scale costs
about the same until the cap (the reference code's channel_base / r with channel_max).
"""

import math

import keras

from kerasgen.layers import MinibatchStdDev
from kerasgen.layers import PixelNormalization
from kerasgen.models.stylegan.layers import Broadcast
from kerasgen.models.stylegan.layers import ConstantInput
from kerasgen.models.stylegan.layers import Conv2DLayer
from kerasgen.models.stylegan.layers import FullyConnected
from kerasgen.models.stylegan.layers import ModulatedConv2D
from kerasgen.models.stylegan.layers import Upsample2x


def log2_size(image_size):
    """log2 of a power-of-two side >= 8, else ValueError."""
    size = int(image_size)
    k = int(round(math.log2(size))) if size > 0 else 0
    if size < 8 or 2 ** k != size:
        raise ValueError(f"image_size must be a power of 2 >= 8 (8, 16, 32, 64, ...); "
                         f"received {image_size}.")
    return k


def num_ws(image_size):
    """Styles the synthesis network takes: two a scale (its two convolutions; each toRGB
    shares the next scale's first style), 2 log2(S) - 2 in all (10 at 64x64)."""
    return 2 * log2_size(image_size) - 2


def channels_at(side, image_size, width, max_width):
    return min(int(width) * int(image_size) // int(side), int(max_width))


def mapping_network(latent_dim=512, w_dim=512, num_layers=8, lr_multiplier=0.01,
                    name="mapping"):
    """z (B, latent_dim) -> w (B, w_dim), float32: z normalised to a unit second moment, then
    `num_layers` equalized dense layers (leaky ReLU) with the learning-rate multiplier."""
    z = keras.Input((latent_dim,), name="z")
    x = PixelNormalization(name="normalize")(z)  # z / sqrt(mean(z^2) + 1e-8)
    for i in range(int(num_layers)):
        x = FullyConnected(w_dim, lr_multiplier=lr_multiplier, activation="lrelu",
                           name=f"fc{i}")(x)
    w = keras.layers.Activation("linear", dtype="float32", name="w")(x)
    return keras.Model(z, w, name=name)


def synthesis_network(image_size=64, channels=3, w_dim=512, width=32, max_width=512,
                      name="synthesis"):
    """ws (B, num_ws, w_dim) -> images (B, S, S, C), float32, about [-1, 1] (not squashed).

    From the learned 4x4 constant, per scale: a modulated 3x3 convolution that upsamples
    (not at 4x4), another one, each with its noise input, and a toRGB (modulated 1x1, no
    demodulation) whose image is added to the upsampled sum of the coarser scales' ("skip").
    """
    log2 = log2_size(image_size)
    ws = keras.Input((num_ws(image_size), w_dim), name="ws")

    def style(i):
        return ws[:, i]  # (B, w_dim)

    def features(side):
        return channels_at(side, image_size, width, max_width)

    x = ConstantInput(features(4), name="const")(style(0))  # (B, 4, 4, C4)
    x = ModulatedConv2D(features(4), 3, resolution=4, name="b4_conv1")([x, style(0)])
    image = ModulatedConv2D(channels, 1, demodulate=False, activation="linear",
                            name="b4_torgb")([x, style(1)])
    index = 1
    for k in range(3, log2 + 1):
        side = 2 ** k
        x = ModulatedConv2D(features(side), 3, up=True, resolution=side,
                            name=f"b{side}_conv0")([x, style(index)])
        x = ModulatedConv2D(features(side), 3, resolution=side,
                            name=f"b{side}_conv1")([x, style(index + 1)])
        rgb = ModulatedConv2D(channels, 1, demodulate=False, activation="linear",
                              name=f"b{side}_torgb")([x, style(index + 2)])
        image = keras.layers.Add(name=f"b{side}_skip")(
            [Upsample2x(name=f"b{side}_up")(image), rgb])
        index += 2
    image = keras.layers.Activation("linear", dtype="float32", name="image")(image)
    return keras.Model(ws, image, name=name)


def stylegan_generator(image_size=64, channels=3, latent_dim=512, w_dim=512,
                       mapping_layers=8, mapping_lr_multiplier=0.01, width=32, max_width=512,
                       name="generator"):
    """z (B, latent_dim) -> images (B, S, S, C): the `mapping` network, its w given to every
    synthesis layer, the `synthesis` network (both reachable with `get_layer`, for style
    mixing and truncation)."""
    mapping = mapping_network(latent_dim, w_dim, mapping_layers, mapping_lr_multiplier)
    synthesis = synthesis_network(image_size, channels, w_dim, width, max_width)
    z = keras.Input((latent_dim,), name="z")
    ws = Broadcast(num_ws(image_size), name="broadcast")(mapping(z))
    return keras.Model(z, synthesis(ws), name=name)


def stylegan_discriminator(image_size=64, channels=3, width=32, max_width=512,
                           group_size=4, name="discriminator"):
    """images (B, S, S, C) -> logits (B, 1), float32: fromRGB, then per scale a residual
    block (two 3x3 convolutions, the second halving the side, beside a 1x1 halving skip, both
    scaled by sqrt(1/2)), then at 4x4 the minibatch standard deviation, a 3x3 convolution and
    two dense layers."""
    log2 = log2_size(image_size)

    def features(side):
        return channels_at(side, image_size, width, max_width)

    image = keras.Input((image_size, image_size, channels), name="image")
    x = Conv2DLayer(features(image_size), 1, name=f"b{image_size}_fromrgb")(image)
    gain = math.sqrt(0.5)
    for k in range(log2, 2, -1):
        side = 2 ** k
        inner, out = features(side), features(side // 2)
        skip = Conv2DLayer(out, 1, activation="linear", use_bias=False, down=True,
                               gain=gain, name=f"b{side}_skip")(x)
        x = Conv2DLayer(inner, 3, name=f"b{side}_conv0")(x)
        x = Conv2DLayer(out, 3, down=True, gain=gain, name=f"b{side}_conv1")(x)
        x = keras.layers.Add(name=f"b{side}_sum")([skip, x])  # (B, side/2, side/2, out)
    x = MinibatchStdDev(group_size, name="mbstd")(x)  # (B, 4, 4, C4 + 1)
    x = Conv2DLayer(features(4), 3, name="b4_conv")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = FullyConnected(features(4), activation="lrelu", name="b4_fc")(x)
    x = FullyConnected(1, name="b4_out")(x)
    logits = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(image, logits, name=name)
