"""GAN objectives as pure functions of discriminator outputs.

Every function returns a per-example loss of shape (B,) so the caller can average over the
*global* batch (see `kerasgen.models.replicas.global_mean`). Inputs are raw discriminator outputs
(logits, or critic scores for the Wasserstein family), cast to float32 first so that
mixed-precision networks never compute a loss in half precision.

References:
- minimax / non_saturating: Goodfellow et al. 2014, "Generative Adversarial Nets", eq. (1)
  and Sec. 3 (the log D(G(z)) trick). Written with softplus for stability:
  -log sigmoid(l) = softplus(-l), -log(1 - sigmoid(l)) = softplus(l).
- least_squares: Mao et al. 2017, "Least Squares GANs", eq. (2) with a=0, b=c=1.
- wasserstein: Arjovsky et al. 2017, "Wasserstein GAN", Algorithm 1 (plus weight clipping).
- wasserstein_gp: Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", eq. (3).
- hinge: Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018, "Spectral Normalization".
- drift: Karras et al. 2018, "Progressive Growing of GANs", Appendix A.1.
"""

import tensorflow as tf

GAN_LOSSES = (
    "minimax",
    "non_saturating",
    "least_squares",
    "wasserstein",
    "wasserstein_gp",
    "hinge",
)


def _flat(logits):
    logits = tf.cast(logits, tf.float32)
    return tf.reshape(logits, [tf.shape(logits)[0], -1])  # (B, K)


def _per_example(x):
    return tf.reduce_mean(x, axis=-1)  # (B, K) -> (B,)


def check_loss_name(loss):
    if loss not in GAN_LOSSES:
        raise ValueError(
            f"Unknown GAN loss {loss!r}; expected one of {', '.join(GAN_LOSSES)}."
        )
    return loss


def discriminator_loss(loss, real_logits, fake_logits, label_smoothing=0.0):
    """Per-example discriminator (critic) loss, to be minimised.

    Args:
        loss: one of `GAN_LOSSES`.
        real_logits: D's raw output on real images, (B, ...).
        fake_logits: D's raw output on generated images, (B, ...).
        label_smoothing: one-sided label smoothing (Salimans et al. 2016): real targets become
            1 - label_smoothing. Only meaningful for `minimax`/`non_saturating`.

    Returns:
        A pair of (B,) tensors: the loss terms on real and on fake examples. Their sum is the
        discriminator loss; they are returned apart so both can be tracked.
    """
    check_loss_name(loss)
    real, fake = _flat(real_logits), _flat(fake_logits)
    if loss in ("minimax", "non_saturating"):
        # BCE with logits: -t log s(l) - (1 - t) log(1 - s(l)) = softplus(l) - t * l.
        target = 1.0 - label_smoothing
        real_term = tf.nn.softplus(real) - target * real
        fake_term = tf.nn.softplus(fake)
    elif loss == "least_squares":
        real_term = 0.5 * tf.square(real - 1.0)
        fake_term = 0.5 * tf.square(fake)
    elif loss in ("wasserstein", "wasserstein_gp"):
        real_term = -real
        fake_term = fake
    else:  # hinge
        real_term = tf.nn.relu(1.0 - real)
        fake_term = tf.nn.relu(1.0 + fake)
    return _per_example(real_term), _per_example(fake_term)


def generator_loss(loss, fake_logits):
    """Per-example generator loss, to be minimised. Returns a (B,) tensor."""
    check_loss_name(loss)
    fake = _flat(fake_logits)
    if loss == "minimax":
        # Minimise log(1 - D(G(z))) = -softplus(l): saturates when D rejects fakes.
        out = -tf.nn.softplus(fake)
    elif loss == "non_saturating":
        # Maximise log D(G(z)), i.e. minimise softplus(-l).
        out = tf.nn.softplus(-fake)
    elif loss == "least_squares":
        out = 0.5 * tf.square(fake - 1.0)
    else:  # wasserstein, wasserstein_gp, hinge all push the critic score up.
        out = -fake
    return _per_example(out)


def gradient_penalty(critic_fn, real, fake, alpha, loss_scale=None):
    """Per-example WGAN-GP penalty (||grad_xhat D(xhat)||_2 - 1)^2, Gulrajani et al. eq. (3).

    Args:
        critic_fn: callable mapping images (B, H, W, C) to scores (B, ...).
        real, fake: image batches of the same shape.
        alpha: (B, 1, 1, 1) interpolation weights drawn from U[0, 1].
        loss_scale: under mixed float16, the optimizer's current loss scale (a scalar): the
            scores are multiplied by it before their gradient is taken and the gradient divided
            by it after, so half-precision gradients through the critic do not underflow. A
            gradient that overflowed gives a penalty of 0 whose own gradient is NaN: the
            LossScaleOptimizer then skips the update and lowers its scale, as for any overflow,
            and the logged loss stays finite.
    """
    real = tf.cast(real, tf.float32)
    fake = tf.cast(fake, tf.float32)
    x_hat = alpha * real + (1.0 - alpha) * fake  # (B, H, W, C)
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = tf.reduce_sum(_flat(critic_fn(x_hat)), axis=-1)  # (B,)
        if loss_scale is not None:
            scores = scores * tf.cast(loss_scale, tf.float32)
    grads = tf.cast(tape.gradient(scores, x_hat), tf.float32)
    if loss_scale is not None:
        grads = grads / tf.cast(loss_scale, tf.float32)
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)  # (B,)
    penalty = tf.square(norms - 1.0)
    return _zero_with_nan_gradient_if_not_finite(penalty) if loss_scale is not None else penalty


@tf.custom_gradient
def _zero_with_nan_gradient_if_not_finite(x):
    finite = tf.math.is_finite(x)

    def grad(upstream):
        return tf.where(finite, upstream, tf.constant(float("nan"), upstream.dtype))

    return tf.where(finite, x, tf.zeros_like(x)), grad


def drift(real_logits):
    """Per-example drift term D(x)^2 on real images (B,): Karras et al. 2018, Appendix A.1,
    weighted by eps_drift = 0.001 there, keeps a Wasserstein critic's scores near 0."""
    return _per_example(tf.square(_flat(real_logits)))
