"""StyleGAN2's regularizers as pure functions (Karras et al. 2020, "Analyzing and Improving the
Image Quality of StyleGAN", Sec. 3.1-3.2; the reference code's training/loss.py).

- R1 (Mescheder et al. 2018, "Which Training Methods for GANs do actually Converge?", Eq. 9):
  (gamma / 2) E_x ||grad_x D(x)||^2 on real images; `r1_penalty` is ||grad_x D(x)||^2 per
  example.
- Path-length regularization (Karras et al. 2020, Eq. 4): E_{w, y} (||J_w^T y||_2 - a)^2, y
  N(0, I) images scaled by 1 / sqrt(H W), a the running mean of the lengths.
- Lazy regularization (Sec. 3.1): a regularizer computed every k steps is weighted by k.

Both penalties are gradients with respect to inputs, taken with an inner `tf.GradientTape`
(Keras has no backend-neutral API for that). Under mixed float16 the inner tape's gradients
can underflow as any other: pass the outer optimizer's loss scale as `loss_scale` and the
inner gradient is taken of the scaled sum and unscaled after (in float32). Every result is
float32 whatever the compute dtype.
"""

import tensorflow as tf


def r1_penalty(discriminator_fn, real, loss_scale=1.0):
    """||grad_x D(x)||^2 per example, (B,) float32.

    Args:
        discriminator_fn: images (B, H, W, C) -> logits (B, ...).
        real: real images (B, H, W, C).
        loss_scale: the optimizer's loss scale (1 outside mixed float16).
    """
    real = tf.cast(real, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(real)
        logits = tf.cast(discriminator_fn(real), tf.float32)
        total = tf.reduce_sum(logits) * tf.cast(loss_scale, tf.float32)
    grads = tf.cast(tape.gradient(total, real), tf.float32) / tf.cast(loss_scale, tf.float32)
    return tf.reduce_sum(tf.square(grads), axis=[1, 2, 3])


def path_lengths(synthesis_fn, ws, noise, loss_scale=1.0):
    """||J_w^T y|| per example, (B,) float32: the gradient of sum(g(w) * y) with respect to
    the styles, its squared norm summed over w_dim and averaged over the layers' styles, then
    the square root (the reference code's pl_lengths).

    Args:
        synthesis_fn: ws (B, num_ws, w_dim) -> images (B, H, W, C).
        ws: styles (B, num_ws, w_dim).
        noise: y, (B, H, W, C), N(0, 1) / sqrt(H W).
        loss_scale: the optimizer's loss scale (1 outside mixed float16).
    """
    ws = tf.cast(ws, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(ws)
        images = tf.cast(synthesis_fn(ws), tf.float32)
        total = tf.reduce_sum(images * tf.cast(noise, tf.float32))
        total = total * tf.cast(loss_scale, tf.float32)
    grads = tf.cast(tape.gradient(total, ws), tf.float32) / tf.cast(loss_scale, tf.float32)
    return tf.sqrt(tf.reduce_mean(tf.reduce_sum(tf.square(grads), axis=2), axis=1))


def path_length_mean(previous, batch_mean, decay=0.01):
    """The running mean a: previous + decay (batch_mean - previous)."""
    return tf.cast(previous, tf.float32) + decay * (tf.cast(batch_mean, tf.float32)
                                                    - tf.cast(previous, tf.float32))


def path_length_penalty(lengths, mean):
    """(||J_w^T y|| - a)^2 per example, (B,) float32."""
    return tf.square(tf.cast(lengths, tf.float32) - tf.cast(mean, tf.float32))
