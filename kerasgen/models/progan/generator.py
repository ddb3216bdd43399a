"""The progressive generator of Karras et al. 2018 (Table 2): every level built up front; the
level and fade-in alpha it draws at by default are variables of its own."""

import math

import keras
from keras import ops

from kerasgen.layers.progressive import EqualizedConv2D
from kerasgen.layers.progressive import EqualizedDense
from kerasgen.layers.progressive import PixelNormalization
from kerasgen.models.progan import growing


def widths(resolution, width_base, max_width):
    """Feature maps at each level's side r: min(max_width, width_base / r) (the official
    code's nf(), halving with every doubling of the side once below the cap)."""
    return [max(1, min(int(max_width), int(width_base) // growing.side(k)))
            for k in range(growing.num_levels(resolution))]


def schedule_variables(layer):
    """The `level` (int32) and `alpha` (float32, never cast to a half-precision compute
    dtype) a network draws at by default; every replica computes the same values, the
    first one's are kept."""
    level = layer.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False,
                             aggregation="only_first_replica", name="level")
    alpha = layer.add_weight(shape=(), dtype="float32", initializer="ones", trainable=False,
                             autocast=False, aggregation="only_first_replica", name="alpha")
    return level, alpha


@keras.saving.register_keras_serializable(package="kerasgen")
class GeneratorBlock(keras.layers.Layer):
    """One level of the generator: at level 0 the normalized latent -> dense 4x4 -> 3x3 conv;
    at later levels 2x nearest upsampling -> two 3x3 convs; leaky ReLU (0.2) and pixelwise
    normalization after each."""

    def __init__(self, width, first=False, **kwargs):
        super().__init__(**kwargs)
        self.width = int(width)
        self.first = bool(first)
        # The official code's 4x4 layer is a dense layer with gain sqrt(2) / 4 (its fan-in is
        # the latent alone, where a 4x4 transposed convolution's would count 16 taps).
        self.conv0 = (EqualizedDense(16 * self.width, gain=math.sqrt(2.0) / 4.0, name="dense")
                      if self.first else EqualizedConv2D(self.width, 3, name="conv0"))
        self.conv1 = EqualizedConv2D(self.width, 3, name="conv1")
        self.norm = PixelNormalization(name="pixel_norm")

    def build(self, input_shape):
        if self.first:
            self.conv0.build(input_shape)  # (B, latent_dim)
            side = 4
        else:
            side = 2 * input_shape[1]
            self.conv0.build((None, side, side, input_shape[-1]))
        self.conv1.build((None, side, side, self.width))
        self.norm.build((None, side, side, self.width))

    def call(self, h):
        if self.first:
            h = ops.reshape(self.conv0(h), (-1, 4, 4, self.width))  # (B, 4, 4, W)
        else:
            h = self.conv0(growing.upsample(h, 2))  # (B, 2H, 2W, W)
        h = self.norm(ops.leaky_relu(h, 0.2))
        return self.norm(ops.leaky_relu(self.conv1(h), 0.2))

    def get_config(self):
        return dict(super().get_config(), width=self.width, first=self.first)


@keras.saving.register_keras_serializable(package="kerasgen")
class ProGANGenerator(keras.Model):
    """z (B, latent_dim) -> images in about [-1, 1] (linear toRGB, no tanh) at a level with
    fade-in alpha: (1 - alpha) * upsample(toRGB_old(h)) + alpha * toRGB_new(block(h)).
    Called with a `level`, at that level's own side; without, at its `level` and `alpha`
    variables (what the model draws now), nearest-upsampled to (B, R, R, C).

    Args:
        resolution: final side R (4 * 2^k).
        channels: image channels C.
        latent_dim: size of z (normalized to unit RMS on the way in).
        width_base, max_width: feature maps min(max_width, width_base / r) at side r.
    """

    def __init__(self, resolution=64, channels=3, latent_dim=512, width_base=16384,
                 max_width=512, **kwargs):
        super().__init__(**kwargs)
        self.resolution = int(resolution)
        self.num_levels = growing.num_levels(resolution)
        self.channels = int(channels)
        self.latent_dim = int(latent_dim)
        self.width_base = int(width_base)
        self.max_width = int(max_width)
        self.widths = widths(resolution, width_base, max_width)
        self.normalize_latents = PixelNormalization(name="normalize_latents")
        self.blocks = [GeneratorBlock(w, first=(k == 0), name=f"block_{growing.side(k)}")
                       for k, w in enumerate(self.widths)]
        self.to_rgb = [EqualizedConv2D(self.channels, 1, gain=1.0,
                                       name=f"to_rgb_{growing.side(k)}")
                       for k in range(self.num_levels)]
        self.level, self.alpha = schedule_variables(self)
        shape = (None, self.latent_dim)
        self.normalize_latents.build(shape)
        for k, (block, to_rgb) in enumerate(zip(self.blocks, self.to_rgb)):
            block.build(shape)
            shape = (None, growing.side(k), growing.side(k), self.widths[k])
            to_rgb.build(shape)
        self.built = True

    def level_images(self, z, level, alpha):
        """Images at `level`'s own side (B, r, r, C), float32, faded in by `alpha` (a float or
        a scalar tensor; 1 skips the old path)."""
        h = self.blocks[0](self.normalize_latents(z))
        for block in self.blocks[1:level]:
            h = block(h)
        new = ops.cast(self.to_rgb[level](self.blocks[level](h) if level else h), "float32")
        if level == 0 or (isinstance(alpha, (int, float)) and alpha == 1):
            return new
        old = growing.upsample(ops.cast(self.to_rgb[level - 1](h), "float32"), 2)
        return growing.lerp(old, new, alpha)

    def call(self, z, training=False, level=None, alpha=None):
        """Images float32: with `level` (an int) at that level's own side (B, r, r, C), faded
        in by `alpha` (default 1); without, at the `level` and `alpha` variables, nearest-
        upsampled to (B, R, R, C)."""
        if level is not None:
            return self.level_images(z, int(level), 1.0 if alpha is None else alpha)
        alpha = self.alpha.value

        def draw(k):
            return growing.upsample(self.level_images(z, k, alpha),
                                    self.resolution // growing.side(k))

        return growing.at_level(self.level.value, draw, self.num_levels)

    def at_resolution(self, z, resolution):
        """Images (B, r, r, C) float32 from the level of side r, fully faded in."""
        return self.level_images(z, growing.num_levels(resolution) - 1, 1.0)

    def get_config(self):
        return dict(super().get_config(), resolution=self.resolution, channels=self.channels,
                    latent_dim=self.latent_dim, width_base=self.width_base,
                    max_width=self.max_width)
