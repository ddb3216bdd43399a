"""StyleGAN2's tensor operations (Karras et al. 2020; the reference code's bias_act, upfirdn2d
and modulated_conv2d in NVlabs stylegan2-ada-pytorch): activation with gain and clamp, the
[1, 3, 3, 1] FIR filter and resampling with it, and the modulated convolution.

Activations are leaky ReLU (0.2) times sqrt(2), which keeps their second moment, clamped to
[-256, 256] as in the reference code (it keeps float16 activations finite; float32 ones never
get there). Resampling uses the [1, 3, 3, 1] filter with zero padding: zero insertion and the
filter to go up, the filter and a stride of 2 to go down.
"""

import math

import numpy as np
import tensorflow as tf

ACTIVATIONS = ("linear", "lrelu")
LRELU_GAIN = math.sqrt(2.0)
CONV_CLAMP = 256.0
DEMODULATION_EPS = 1e-8


def activate(x, activation, gain=1.0, clamp=CONV_CLAMP):
    """lrelu: leaky ReLU (0.2) x sqrt(2); linear: x; times `gain`, then clamped to
    [-clamp gain, clamp gain] (the reference code's bias_act)."""
    if activation == "lrelu":
        x = tf.nn.leaky_relu(x, 0.2)
        gain = gain * LRELU_GAIN
    if gain != 1.0:
        x = x * tf.cast(gain, x.dtype)
    return tf.clip_by_value(x, -clamp * gain, clamp * gain) if clamp else x


def _fir(channels, dtype, gain=1.0):
    """The separable [1, 3, 3, 1] filter, normalised to sum to `gain`, as a depthwise kernel
    (4, 4, channels, 1)."""
    taps = np.array([1.0, 3.0, 3.0, 1.0])
    kernel = np.outer(taps, taps)
    kernel = kernel / kernel.sum() * gain
    return tf.constant(np.tile(kernel[:, :, None, None], [1, 1, channels, 1]), dtype)


def filter_2d(x, pad, stride=1, gain=1.0):
    """Zero-pad (pad, pad) a (B, H, W, C) map by `pad` = (before, after) and apply the FIR
    filter with `stride`."""
    x = tf.pad(x, [[0, 0], list(pad), list(pad), [0, 0]])
    return tf.nn.depthwise_conv2d(x, _fir(x.shape[-1], x.dtype, gain), [1, stride, stride, 1],
                                  "VALID")


def upsample_2x(x):
    """(B, H, W, C) -> (B, 2H, 2W, C): zeros inserted after every pixel, then the filter with
    gain 4 (bilinear interpolation, zero beyond the border)."""
    shape = tf.shape(x)
    b, h, w, c = shape[0], shape[1], shape[2], x.shape[-1]
    x = tf.reshape(x, [b, h, 1, w, 1, c])
    x = tf.pad(x, [[0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]])
    x = tf.reshape(x, [b, 2 * h, 2 * w, c])
    return filter_2d(x, (2, 1), gain=4.0)


def downsample_2x(x):
    """(B, H, W, C) -> (B, H/2, W/2, C): the filter, then every other pixel."""
    return filter_2d(x, (1, 1), stride=2)


def modulated_conv2d(x, weight, styles, demodulate=True, up=False):
    """StyleGAN2's modulated convolution (Sec. 2.2), computed without a per-sample weight.

    The paper's w'_ijk = s_i w_ijk and, with demodulation, w''_ijk = w'_ijk /
    sqrt(sum_{i,k} w'_ijk^2 + 1e-8) are applied as x * s before a shared convolution and the
    demodulation coefficients after it: the same numbers (the convolution is linear), at the
    cost of one ordinary convolution per layer (the reference code's non-fused path).

    Args:
        x: (B, H, W, I) features.
        weight: (k, k, I, O) kernel, already scaled (equalized learning rate).
        styles: (B, I) per-sample scales s.
        demodulate: divide each output channel by the norm of its modulated weights.
        up: upsample x by 2 before the convolution (the filter's bilinear upsampling).

    Returns:
        (B, H, W, O), or (B, 2H, 2W, O) with `up`.
    """
    styles = tf.cast(styles, x.dtype)
    x = x * styles[:, None, None, :]  # s_i on input channel i
    if up:
        x = upsample_2x(x)
    x = tf.nn.conv2d(x, tf.cast(weight, x.dtype), 1, "SAME")
    if demodulate:
        # sum_{i,k} (s_i w_ijk)^2 = sum_i s_i^2 sum_k w_ijk^2: (B, I) @ (I, O).
        energy = tf.matmul(tf.square(tf.cast(styles, tf.float32)),
                           tf.reduce_sum(tf.square(tf.cast(weight, tf.float32)), axis=[0, 1]))
        x = x * tf.cast(tf.math.rsqrt(energy + DEMODULATION_EPS), x.dtype)[:, None, None, :]
    return x
