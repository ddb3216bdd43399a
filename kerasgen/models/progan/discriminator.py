"""The progressive discriminator of Karras et al. 2018 (Table 2), the generator's mirror:
fromRGB at each level, blocks that halve the side, minibatch standard deviation before the
last block; the level and fade-in alpha it judges at by default are variables of its own."""

import keras
from keras import ops

from kerasgen.layers.progressive import EqualizedConv2D
from kerasgen.layers.progressive import EqualizedDense
from kerasgen.layers.progressive import MinibatchStdDev
from kerasgen.models.progan import growing
from kerasgen.models.progan.generator import schedule_variables
from kerasgen.models.progan.generator import widths


@keras.saving.register_keras_serializable(package="kerasgen")
class DiscriminatorBlock(keras.layers.Layer):
    """One level of the discriminator above 4x4: two 3x3 convs (the second to the next
    level's width) with leaky ReLU (0.2), then 2x average pooling."""

    def __init__(self, width, out_width, **kwargs):
        super().__init__(**kwargs)
        self.width = int(width)
        self.out_width = int(out_width)
        self.conv0 = EqualizedConv2D(self.width, 3, name="conv0")
        self.conv1 = EqualizedConv2D(self.out_width, 3, name="conv1")

    def build(self, input_shape):
        self.conv0.build(input_shape)
        self.conv1.build(tuple(input_shape[:-1]) + (self.width,))

    def call(self, h):
        h = ops.leaky_relu(self.conv0(h), 0.2)
        h = ops.leaky_relu(self.conv1(h), 0.2)
        return growing.downsample(h, 2)  # (B, H / 2, W / 2, out_width)

    def get_config(self):
        return dict(super().get_config(), width=self.width, out_width=self.out_width)


@keras.saving.register_keras_serializable(package="kerasgen")
class DiscriminatorOutput(keras.layers.Layer):
    """The 4x4 block: minibatch standard deviation (one more feature map), a 3x3 conv, a dense
    layer on the flattened 4x4 map (the official code's 4x4 valid conv), and the linear score."""

    def __init__(self, width, group_size=4, **kwargs):
        super().__init__(**kwargs)
        self.width = int(width)
        self.group_size = int(group_size)
        self.stddev = MinibatchStdDev(self.group_size, name="minibatch_stddev")
        self.conv = EqualizedConv2D(self.width, 3, name="conv")
        self.dense = EqualizedDense(self.width, name="dense")
        self.score = EqualizedDense(1, gain=1.0, name="score")

    def build(self, input_shape):
        self.stddev.build(input_shape)
        self.conv.build((None, 4, 4, input_shape[-1] + 1))
        self.dense.build((None, 16 * self.width))
        self.score.build((None, self.width))

    def call(self, h):
        h = ops.leaky_relu(self.conv(self.stddev(h)), 0.2)  # (B, 4, 4, W)
        h = ops.leaky_relu(self.dense(ops.reshape(h, (-1, 16 * self.width))), 0.2)
        return ops.cast(self.score(h), "float32")  # (B, 1)

    def get_config(self):
        return dict(super().get_config(), width=self.width, group_size=self.group_size)


@keras.saving.register_keras_serializable(package="kerasgen")
class ProGANDiscriminator(keras.Model):
    """images -> scores (B, 1) float32, judged at a level with fade-in alpha: the new level's
    block is blended with the level below's fromRGB of the half-size images, (1 - alpha) *
    fromRGB_old(downsample(x)) + alpha * block(fromRGB_new(x)). Called with a `level`, on
    images at that level's own side; without, on images (B, R, R, C) average-pooled to the
    side of its `level` variable, faded in by its `alpha` variable.

    Args:
        resolution, channels, width_base, max_width: as `ProGANGenerator`'s.
        minibatch_group: group size of the minibatch standard deviation (4).
    """

    def __init__(self, resolution=64, channels=3, width_base=16384, max_width=512,
                 minibatch_group=4, **kwargs):
        super().__init__(**kwargs)
        self.resolution = int(resolution)
        self.num_levels = growing.num_levels(resolution)
        self.channels = int(channels)
        self.width_base = int(width_base)
        self.max_width = int(max_width)
        self.minibatch_group = int(minibatch_group)
        self.widths = widths(resolution, width_base, max_width)
        self.from_rgb = [EqualizedConv2D(w, 1, name=f"from_rgb_{growing.side(k)}")
                         for k, w in enumerate(self.widths)]
        # blocks[k] takes side 4 * 2^k down to half; level 0's is the output block.
        self.blocks = [DiscriminatorOutput(self.widths[0], self.minibatch_group,
                                           name="block_4")]
        self.blocks += [DiscriminatorBlock(w, self.widths[k - 1],
                                           name=f"block_{growing.side(k)}")
                        for k, w in enumerate(self.widths) if k > 0]
        self.level, self.alpha = schedule_variables(self)
        for k, (from_rgb, block) in enumerate(zip(self.from_rgb, self.blocks)):
            r = growing.side(k)
            from_rgb.build((None, r, r, self.channels))
            block.build((None, r, r, self.widths[k]))
        self.built = True

    def level_scores(self, x, level, alpha):
        """Scores (B, 1) of images at `level`'s own side (B, r, r, C), fading the level in by
        `alpha` (a float or a scalar tensor; 1 skips the old path)."""
        h = ops.leaky_relu(self.from_rgb[level](x), 0.2)
        if level > 0:
            h = self.blocks[level](h)  # (B, r / 2, r / 2, W)
            if not (isinstance(alpha, (int, float)) and alpha == 1):
                old = ops.leaky_relu(self.from_rgb[level - 1](growing.downsample(x, 2)), 0.2)
                h = growing.lerp(old, h, alpha)
            for block in reversed(self.blocks[1:level]):
                h = block(h)
        return self.blocks[0](h)

    def call(self, images, training=False, level=None, alpha=None):
        """Scores (B, 1) float32: with `level` (an int) of images at that level's own side,
        fading it in by `alpha` (default 1); without, of images (B, R, R, C) judged at the
        `level` and `alpha` variables."""
        if level is not None:
            return self.level_scores(images, int(level), 1.0 if alpha is None else alpha)
        alpha = self.alpha.value

        def judge(k):
            x = growing.downsample(images, self.resolution // growing.side(k))  # (B, r, r, C)
            return self.level_scores(x, k, alpha)

        return growing.at_level(self.level.value, judge, self.num_levels)

    def get_config(self):
        return dict(super().get_config(), resolution=self.resolution, channels=self.channels,
                    width_base=self.width_base, max_width=self.max_width,
                    minibatch_group=self.minibatch_group)
