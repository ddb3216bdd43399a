"""StyleGAN2's layers (Karras et al. 2020, "Analyzing and Improving the Image Quality of
StyleGAN"), named after the reference code (NVlabs stylegan2-ada-pytorch, training/networks.py).

Equalized learning rate (Karras et al. 2018, Sec. 4.1): every weight is stored as N(0, 1) (over
a learning-rate multiplier) and scaled at run time by lr_multiplier / sqrt(fan_in), so Adam's
steps are the same size relative to every layer's weights. The tensor operations (activation,
resampling, the modulated convolution) are in `ops.py`; the mapping network's input
normalisation and the discriminator's minibatch standard deviation are the shared
`kerasgen.layers.PixelNormalization` and `kerasgen.layers.MinibatchStdDev`.
"""

import contextlib
import math

import keras
import tensorflow as tf

from kerasgen.models import replicas
from kerasgen.models.stylegan.ops import ACTIVATIONS
from kerasgen.models.stylegan.ops import activate
from kerasgen.models.stylegan.ops import downsample_2x
from kerasgen.models.stylegan.ops import filter_2d
from kerasgen.models.stylegan.ops import modulated_conv2d
from kerasgen.models.stylegan.ops import upsample_2x


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; received "
                         f"{activation!r}.")
    return activation


@keras.saving.register_keras_serializable(package="kerasgen")
class FullyConnected(keras.layers.Layer):
    """A dense layer with an equalized learning rate: y = x (W c) + b m, W ~ N(0, 1 / m^2)
    stored, c = m / sqrt(fan_in), m the learning-rate multiplier (0.01 in StyleGAN's mapping
    network, so its weights move 100x slower than the synthesis network's); the reference
    code's FullyConnectedLayer. `kerasgen.layers.EqualizedDense` (the progressive GAN's) has
    no learning-rate multiplier, bias initialisation or activation.

    Args:
        units: output size.
        lr_multiplier: m.
        bias_init: the bias at initialisation (1 for the style affines: s starts at 1).
        activation: "linear" or "lrelu".
    """

    def __init__(self, units, lr_multiplier=1.0, bias_init=0.0, activation="linear",
                 **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.lr_multiplier = float(lr_multiplier)
        self.bias_init = float(bias_init)
        self.activation = _check_activation(activation)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.weight_gain = self.lr_multiplier / math.sqrt(fan_in)
        self.kernel = self.add_weight(
            shape=(fan_in, self.units), name="kernel",
            initializer=keras.initializers.RandomNormal(0.0, 1.0 / self.lr_multiplier))
        self.bias = self.add_weight(
            shape=(self.units,), name="bias",
            initializer=keras.initializers.Constant(self.bias_init / self.lr_multiplier))

    def call(self, x):
        y = tf.matmul(x, self.kernel * tf.cast(self.weight_gain, x.dtype))
        y = y + self.bias * tf.cast(self.lr_multiplier, x.dtype)
        return activate(y, self.activation, clamp=None)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "lr_multiplier": self.lr_multiplier,
                       "bias_init": self.bias_init, "activation": self.activation})
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class Conv2DLayer(keras.layers.Layer):
    """A convolution with an equalized learning rate ("same" size, or halved with `down`): the
    reference code's Conv2dLayer. `kerasgen.layers.EqualizedConv2D` (the progressive GAN's) has
    no downsampling, activation or output gain.

    With `down`, the map is filtered before a stride-2 convolution (the reference code's
    conv2d_resample): a 1x1 kernel sees the filtered map's every other pixel, a 3x3 kernel the
    filtered map padded by 2.

    Args:
        filters: output channels.
        kernel_size: odd int.
        activation: "linear" or "lrelu".
        use_bias: add a bias.
        down: halve the side (kernel_size 1 or 3).
        gain: a factor on the output (sqrt(1/2) on both branches of a residual block).
    """

    def __init__(self, filters, kernel_size, activation="lrelu", use_bias=True, down=False,
                 gain=1.0, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        if down and self.kernel_size not in (1, 3):
            raise ValueError(f"A downsampling Conv2DLayer takes kernel_size 1 or 3; "
                             f"received {kernel_size}.")
        self.activation = _check_activation(activation)
        self.use_bias = bool(use_bias)
        self.down = bool(down)
        self.gain = float(gain)

    def build(self, input_shape):
        fan_in = int(input_shape[-1]) * self.kernel_size ** 2
        self.weight_gain = 1.0 / math.sqrt(fan_in)
        k = self.kernel_size
        self.kernel = self.add_weight(shape=(k, k, int(input_shape[-1]), self.filters),
                                      name="kernel",
                                      initializer=keras.initializers.RandomNormal(0.0, 1.0))
        self.bias = (self.add_weight(shape=(self.filters,), name="bias", initializer="zeros")
                     if self.use_bias else None)

    def call(self, x):
        kernel = self.kernel * tf.cast(self.weight_gain, x.dtype)
        if not self.down:
            x = tf.nn.conv2d(x, kernel, 1, "SAME")
        elif self.kernel_size == 1:
            x = tf.nn.conv2d(downsample_2x(x), kernel, 1, "VALID")
        else:  # 3x3: padded by 2, filtered (side + 1), a stride-2 "valid" conv (side / 2)
            x = tf.nn.conv2d(filter_2d(x, (2, 2)), kernel, 2, "VALID")
        if self.bias is not None:
            x = x + self.bias
        return activate(x, self.activation, self.gain)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, "kernel_size": self.kernel_size,
                       "activation": self.activation, "use_bias": self.use_bias,
                       "down": self.down, "gain": self.gain})
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class ModulatedConv2D(keras.layers.Layer):
    """A synthesis layer: styles s = A(w) from its own affine layer, `modulated_conv2d`, then
    per-pixel noise times a learned strength (noise inputs, StyleGAN Sec. 3.2), bias and
    activation. Called on [x (B, H, W, I), w (B, w_dim)]. The strength is one scalar per layer,
    as in the StyleGAN2 reference code (StyleGAN's was one per channel).

    The noise is drawn afresh in training (stateless draws, distinct per replica); outside
    training it is a fixed map saved with the layer (the reference code's noise_mode="const"),
    so the same latents give the same images, or maps of one's own given with `noise_maps`
    (the projector's). Set `randomize = False` to use the fixed map in training too (tests
    that compare steps).

    Args:
        filters: output channels.
        kernel_size: 3 for the synthesis convolutions, 1 for toRGB.
        demodulate: weight demodulation (off for toRGB, whose output is an image).
        up: upsample by 2 first.
        resolution: side of the output, for the noise map; None for no noise input.
        activation: "lrelu" or "linear" (toRGB).
    """

    def __init__(self, filters, kernel_size=3, demodulate=True, up=False, resolution=None,
                 activation="lrelu", seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.demodulate = bool(demodulate)
        self.up = bool(up)
        self.resolution = None if resolution is None else int(resolution)
        self.activation = _check_activation(activation)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.randomize = True
        self.given_noise = None  # (B, r, r, 1) maps in place of noise_const: `noise_maps`

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        channels, k = int(x_shape[-1]), self.kernel_size
        self.affine = FullyConnected(channels, bias_init=1.0, name="affine")
        self.affine.build(w_shape)
        # toRGB scales its styles by 1/sqrt(fan_in) (no demodulation to normalise them).
        self.style_gain = 1.0 if self.demodulate else 1.0 / math.sqrt(channels * k * k)
        self.weight_gain = 1.0 / math.sqrt(channels * k * k)
        self.kernel = self.add_weight(shape=(k, k, channels, self.filters), name="kernel",
                                      initializer=keras.initializers.RandomNormal(0.0, 1.0))
        self.bias = self.add_weight(shape=(self.filters,), name="bias", initializer="zeros")
        if self.resolution is not None:
            self.noise_strength = self.add_weight(shape=(), name="noise_strength",
                                                  initializer="zeros")
            self.noise_const = self.add_weight(
                shape=(self.resolution, self.resolution, 1), name="noise_const",
                initializer=keras.initializers.RandomNormal(0.0, 1.0), trainable=False)

    def styles(self, w):
        """s = A(w), (B, I)."""
        return self.affine(w) * tf.cast(self.style_gain, w.dtype)

    def call(self, inputs, training=False):
        x, w = inputs
        x = modulated_conv2d(x, self.kernel * tf.cast(self.weight_gain, x.dtype),
                             self.styles(tf.cast(w, x.dtype)), self.demodulate, self.up)
        if self.resolution is not None:
            if training and self.randomize:
                shape = tf.stack([tf.shape(x)[0], self.resolution, self.resolution, 1])
                noise = tf.random.stateless_normal(shape,
                                                   replicas.replica_seed(self.seed_generator),
                                                   dtype=x.dtype)
            elif self.given_noise is not None:
                noise = tf.cast(self.given_noise, x.dtype)  # (B, r, r, 1)
            else:
                noise = tf.cast(self.noise_const, x.dtype)[None]
            x = x + noise * self.noise_strength
        return activate(x + self.bias, self.activation)

    def compute_output_shape(self, input_shape):
        x_shape = input_shape[0]
        scale = 2 if self.up else 1
        side = [None if d is None else d * scale for d in x_shape[1:3]]
        return (x_shape[0], *side, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, "kernel_size": self.kernel_size,
                       "demodulate": self.demodulate, "up": self.up,
                       "resolution": self.resolution, "activation": self.activation,
                       "seed": self.seed})
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class ConstantInput(keras.layers.Layer):
    """The synthesis network's learned 4x4 input (StyleGAN Sec. 2), one per batch: called on
    w (B, w_dim) for the batch size only."""

    def __init__(self, channels, size=4, **kwargs):
        super().__init__(**kwargs)
        self.channels = int(channels)
        self.size = int(size)

    def build(self, input_shape):
        self.const = self.add_weight(shape=(self.size, self.size, self.channels), name="const",
                                     initializer=keras.initializers.RandomNormal(0.0, 1.0))

    def call(self, w):
        const = tf.cast(self.const, self.compute_dtype)[None]
        return tf.tile(const, tf.stack([tf.shape(w)[0], 1, 1, 1]))  # (B, 4, 4, C)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        config = super().get_config()
        config.update({"channels": self.channels, "size": self.size})
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class Upsample2x(keras.layers.Layer):
    """`upsample_2x` as a layer: the skip generator's images go up a scale."""

    def call(self, x):
        return upsample_2x(x)

    def compute_output_shape(self, input_shape):
        side = [None if d is None else 2 * d for d in input_shape[1:3]]
        return (input_shape[0], *side, input_shape[-1])


@keras.saving.register_keras_serializable(package="kerasgen")
class Broadcast(keras.layers.Layer):
    """w (B, w_dim) -> ws (B, num_ws, w_dim): the same w for every synthesis layer."""

    def __init__(self, num_ws, **kwargs):
        super().__init__(**kwargs)
        self.num_ws = int(num_ws)

    def call(self, w):
        return tf.tile(w[:, None, :], [1, self.num_ws, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_ws, input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update({"num_ws": self.num_ws})
        return config


def noise_inputs(network):
    """{name: side} of the layers of `network` (a synthesis network) with a noise input."""
    return {layer.name: layer.resolution for layer in network.layers
            if isinstance(layer, ModulatedConv2D) and layer.resolution is not None}


@contextlib.contextmanager
def noise_maps(network, maps):
    """Within the block, outside training, the layers of `network` named in `maps` add those
    noise maps ((B, r, r, 1) tensors, one per image) in place of their fixed ones. The maps
    are tensors, not variables, so the layers' weights stay as they are (a variable set on a
    layer would become one of its weights)."""
    sides = noise_inputs(network)
    for name, noise in maps.items():
        if name not in sides:
            raise ValueError(f"No noise input named {name!r}; the network's are "
                             f"{', '.join(sides)}.")
        if tuple(noise.shape[1:]) != (sides[name], sides[name], 1):
            raise ValueError(f"Noise map {name!r} must have shape (batch, {sides[name]}, "
                             f"{sides[name]}, 1); received {tuple(noise.shape)}.")
    layers = {layer.name: layer for layer in network.layers if layer.name in maps}
    try:
        for name, layer in layers.items():
            layer.given_noise = tf.convert_to_tensor(maps[name])
        yield
    finally:
        for layer in layers.values():
            layer.given_noise = None
