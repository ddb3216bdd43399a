"""Operations on StyleGAN's intermediate latents w (Karras et al. 2019, Sec. 3.1 and 3.3):
truncation toward the average w, its running average, and style mixing."""

import numbers

import tensorflow as tf


def check_truncation(truncation):
    """A Python number must be in [0, 1] (ValueError naming it); a tensor is checked in the
    graph, by `kerasgen.models.endpoints.check_truncation`."""
    if isinstance(truncation, numbers.Real) and not 0.0 <= float(truncation) <= 1.0:
        raise ValueError(f"truncation must be in [0, 1] (1 is no truncation); received "
                         f"{truncation}.")
    return truncation


def truncate(w, w_avg, psi):
    """w' = w_avg + psi (w - w_avg): psi = 1 leaves w as it is, psi = 0 gives the average.
    `w` (B, w_dim) or (B, num_ws, w_dim); float32."""
    w = tf.cast(w, tf.float32)
    w_avg = tf.cast(w_avg, tf.float32)
    return w_avg + tf.cast(psi, tf.float32) * (w - w_avg)


def moving_average(average, batch_mean, decay):
    """The running average of w after a batch: batch_mean + decay (average - batch_mean)
    (the reference code's w.mean(0).lerp(w_avg, w_avg_beta), beta 0.995)."""
    return batch_mean + decay * (average - batch_mean)


def mix_styles(w_a, w_b, crossover, num_ws):
    """Per-layer styles (B, num_ws, w_dim): layers before `crossover` take w_a, the rest w_b
    (style mixing, Sec. 3.1). `crossover` is a (B,) or scalar int: 0 gives all w_b, num_ws
    all w_a."""
    crossover = tf.cast(crossover, tf.int32)
    if crossover.shape.rank == 0:
        crossover = tf.fill(tf.shape(w_a)[:1], crossover)
    first = tf.range(num_ws)[None, :] < crossover[:, None]  # (B, num_ws)
    return tf.where(first[:, :, None], w_a[:, None, :], w_b[:, None, :])
