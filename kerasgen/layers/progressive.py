"""The layers of Karras et al. 2018 ("Progressive Growing of GANs", Sec. 3-4.2), shared with the
style-based generators that build on them: equalized learning rate, pixelwise feature
normalization, minibatch standard deviation.

Each computes its statistics in float32 whatever the dtype policy, and returns the layer's
compute dtype.
"""

import math

import keras
from keras import ops


def _he_scale(gain, fan_in):
    # Karras et al. Sec. 4.1: w_hat = w / c with c = sqrt(2 / fan_in) (He's constant); `gain`
    # generalises the sqrt(2), as the official code does (1 for the linear output layers).
    return float(gain) / math.sqrt(float(fan_in))


@keras.saving.register_keras_serializable(package="kerasgen")
class EqualizedDense(keras.layers.Layer):
    """A dense layer with an equalized learning rate: weights drawn from N(0, 1) and scaled at
    run time by gain / sqrt(fan_in), so that Adam's per-weight normalisation gives every layer
    the same effective learning rate (Karras et al. 2018, Sec. 4.1).

    Args:
        units: output features.
        gain: sqrt(2) for layers followed by a (leaky) ReLU, 1 for linear outputs.
        use_bias: add a bias (initialised to zero, not scaled).

    Example:
    >>> layer = kerasgen.layers.EqualizedDense(16)
    >>> y = layer(keras.ops.ones((2, 8)))     # (2, 16)
    """

    def __init__(self, units, gain=math.sqrt(2.0), use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.gain = float(gain)
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.kernel = self.add_weight(shape=(fan_in, self.units),
                                      initializer=keras.initializers.RandomNormal(0.0, 1.0),
                                      name="kernel")
        self.bias = (self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
                     if self.use_bias else None)
        self.scale = _he_scale(self.gain, fan_in)

    def call(self, x):
        y = ops.matmul(x, self.kernel * self.scale)  # (B, units)
        return y + self.bias if self.use_bias else y

    def get_config(self):
        return dict(super().get_config(), units=self.units, gain=self.gain,
                    use_bias=self.use_bias)


@keras.saving.register_keras_serializable(package="kerasgen")
class EqualizedConv2D(keras.layers.Layer):
    """A stride-1 "same" 2-D convolution with an equalized learning rate: kernel from N(0, 1),
    scaled at run time by gain / sqrt(kh * kw * in_channels) (Karras et al. 2018, Sec. 4.1).

    Args:
        filters: output channels.
        kernel_size: odd side of the square kernel (3; 1 for toRGB / fromRGB).
        gain: sqrt(2) before a leaky ReLU, 1 for a linear output (toRGB).
        use_bias: add a bias (zero-initialised, not scaled).

    Example:
    >>> conv = kerasgen.layers.EqualizedConv2D(8, 3)
    >>> y = conv(keras.ops.ones((2, 4, 4, 3)))    # (2, 4, 4, 8)
    """

    def __init__(self, filters, kernel_size=3, gain=math.sqrt(2.0), use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (a 'same' convolution centred on each "
                             f"pixel); received {kernel_size}.")
        self.gain = float(gain)
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        k = self.kernel_size
        self.kernel = self.add_weight(shape=(k, k, channels, self.filters),
                                      initializer=keras.initializers.RandomNormal(0.0, 1.0),
                                      name="kernel")
        self.bias = (self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")
                     if self.use_bias else None)
        self.scale = _he_scale(self.gain, k * k * channels)

    def call(self, x):
        y = ops.conv(x, self.kernel * self.scale, strides=1, padding="same")  # (B, H, W, F)
        return y + self.bias if self.use_bias else y

    def get_config(self):
        return dict(super().get_config(), filters=self.filters, kernel_size=self.kernel_size,
                    gain=self.gain, use_bias=self.use_bias)


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelNormalization(keras.layers.Layer):
    """Pixelwise feature normalization: each pixel's feature vector divided by its root mean
    square, b = a / sqrt(mean_j a_j^2 + epsilon) (Karras et al. 2018, Sec. 4.2, epsilon 1e-8).
    Also normalizes latents (B, D). No weights."""

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, x):
        x32 = ops.cast(x, "float32")  # a float16 square overflows above 256
        norm = ops.rsqrt(ops.mean(ops.square(x32), axis=-1, keepdims=True) + self.epsilon)
        return ops.cast(x32 * norm, self.compute_dtype)

    def get_config(self):
        return dict(super().get_config(), epsilon=self.epsilon)


@keras.saving.register_keras_serializable(package="kerasgen")
class MinibatchStdDev(keras.layers.Layer):
    """Appends one feature map: the standard deviation of each feature at each pixel over a
    group of `group_size` examples, averaged over features and pixels, broadcast to the
    group's examples (Karras et al. 2018, Sec. 3; group 4 in the official code).

    Groups are consecutive examples (0-3, 4-7, ...), not the official code's strided ones
    (i, i + B/4, ...): with shuffled batches both are random groups, and consecutive groups
    give the same statistic whether a batch runs on one device or is split over replicas.
    The batch must be a multiple of `group_size`, or smaller (then one group).

    (B, H, W, C) -> (B, H, W, C + 1).
    """

    def __init__(self, group_size=4, **kwargs):
        super().__init__(**kwargs)
        self.group_size = int(group_size)
        if self.group_size < 1:
            raise ValueError(f"group_size must be >= 1; received {group_size}.")

    def call(self, x):
        import tensorflow as tf

        batch = ops.shape(x)[0]  # an int, or a tensor inside a traced step
        if isinstance(batch, int):
            group = min(self.group_size, batch)
            if batch % group:
                raise ValueError(f"MinibatchStdDev: a batch of {batch} does not split into "
                                 f"groups of {self.group_size}; expected a multiple of "
                                 f"{self.group_size} or fewer examples.")
            checks = []
        else:
            group = ops.minimum(self.group_size, batch)
            checks = [tf.debugging.assert_equal(
                batch % group, 0, message=f"MinibatchStdDev: the batch must be a multiple of "
                                          f"{self.group_size} or smaller")]
        _, h, w, c = x.shape
        with tf.control_dependencies(checks):
            y = ops.reshape(ops.cast(x, "float32"), (-1, group, h, w, c))  # (M, G, H, W, C)
        y = y - ops.mean(y, axis=1, keepdims=True)
        std = ops.sqrt(ops.mean(ops.square(y), axis=1) + 1e-8)  # (M, H, W, C)
        std = ops.repeat(ops.mean(std, axis=(1, 2, 3)), group, axis=0)  # (B,) per group
        feature = ops.zeros_like(x[..., :1]) + ops.cast(std, x.dtype)[:, None, None, None]
        return ops.concatenate([x, feature], axis=-1)  # (B, H, W, C + 1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] + 1,)

    def get_config(self):
        return dict(super().get_config(), group_size=self.group_size)
