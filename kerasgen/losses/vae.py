"""VAE likelihoods and ELBO terms with `tfp.distributions` (Kingma & Welling 2014).

`-ELBO = -E_q(z|x)[log p(x|z)] + KL(q(z|x) || p(z))` (Kingma & Welling 2014, eq. (3)); the KL
between the diagonal Gaussian posterior and the N(0, I) prior is analytic
(`tfd.kl_divergence`). The importance-weighted bound of Burda et al. 2016 (IWAE) averages k
importance weights inside the log and tightens towards log p(x) as k grows. All distributions are built in float32, whatever the network's compute
dtype, so mixed precision never evaluates a log-density in half precision.
"""

import functools

import tensorflow as tf


@functools.cache
def _distributions():
    """`tfp.distributions`, imported on first use: TensorFlow Probability takes about 1.5 s of
    CPU time to import, a quarter of `import kerasgen`, and only the VAE's math needs it (every
    command-line call and every serving check paid it otherwise)."""
    import tensorflow_probability as tfp

    return tfp.distributions

LIKELIHOODS = ("bernoulli", "normal", "discretized_logistic")

# Number of decoder output channels per image channel, per likelihood.
PARAMS_PER_CHANNEL = {"bernoulli": 1, "normal": 2, "discretized_logistic": 2}


def check_likelihood(name):
    if name not in LIKELIHOODS:
        raise ValueError(
            f"Unknown likelihood {name!r}; expected one of {', '.join(LIKELIHOODS)}."
        )
    return name


def posterior(params):
    """q(z|x) = N(mu, diag sigma^2) from encoder output (B, 2 * latent_dim)."""
    tfd = _distributions()
    params = tf.cast(params, tf.float32)
    loc, raw_scale = tf.split(params, 2, axis=-1)  # (B, L) each
    scale = tf.nn.softplus(raw_scale) + 1e-4
    return tfd.Independent(tfd.Normal(loc, scale), reinterpreted_batch_ndims=1)


def prior(latent_dim):
    """p(z) = N(0, I)."""
    tfd = _distributions()
    zeros = tf.zeros([latent_dim], tf.float32)
    return tfd.Independent(tfd.Normal(zeros, 1.0), reinterpreted_batch_ndims=1)


def decoder_distribution(likelihood, params):
    """p(x|z) over images in [0, 1], from decoder output (B, H, W, k * C).

    - bernoulli: k = 1 logits; for binarized images.
    - normal: k = 2 (loc, raw scale); for continuous intensities.
    - discretized_logistic: k = 2 (loc, raw scale); a logistic quantized to the 256 levels
      of 8-bit colour (Salimans et al. 2017, PixelCNN++, without the mixture), so log p(x|z)
      is a proper log-probability of the 8-bit image. Its events are integer levels 0..255:
      map images with `to_events` / `from_events` (a bijector would add a Jacobian term,
      which is wrong for a discrete distribution).
    """
    tfd = _distributions()
    check_likelihood(likelihood)
    params = tf.cast(params, tf.float32)
    if likelihood == "bernoulli":
        base = tfd.Bernoulli(logits=params, dtype=tf.float32)
    elif likelihood == "normal":
        loc, raw_scale = tf.split(params, 2, axis=-1)
        base = tfd.Normal(loc, tf.nn.softplus(raw_scale) + 1e-3)
    else:
        loc, raw_scale = tf.split(params, 2, axis=-1)
        # Work on the 0..255 integer grid; bin y covers (y - 1, y], so shift by 0.5 to centre.
        logistic = tfd.Logistic(
            loc=255.0 * loc + 0.5, scale=255.0 * (tf.nn.softplus(raw_scale) + 1e-3)
        )
        base = tfd.QuantizedDistribution(logistic, low=0.0, high=255.0)
    return tfd.Independent(base, reinterpreted_batch_ndims=3)


def to_events(likelihood, x):
    """Images in [0, 1] -> the event space of `decoder_distribution`."""
    x = tf.cast(x, tf.float32)
    if likelihood == "discretized_logistic":
        return tf.round(x * 255.0)
    return x


def from_events(likelihood, events):
    """Events of `decoder_distribution` -> images in [0, 1]."""
    events = tf.cast(events, tf.float32)
    if likelihood == "discretized_logistic":
        events = events / 255.0
    return tf.clip_by_value(events, 0.0, 1.0)


def distribution_mean(likelihood, params):
    """A displayable image in [0, 1] for p(x|z): the mean (Bernoulli) or location."""
    params = tf.cast(params, tf.float32)
    if likelihood == "bernoulli":
        return tf.sigmoid(params)
    loc, _ = tf.split(params, 2, axis=-1)
    return tf.clip_by_value(loc, 0.0, 1.0)


def elbo_terms(likelihood, x, decoder_params, q, latent_dim):
    """Per-example (B,) reconstruction log-likelihood and KL(q || p)."""
    events = to_events(likelihood, x)
    reconstruction = decoder_distribution(likelihood, decoder_params).log_prob(events)  # (B,)
    return reconstruction, kl_to_prior(q, latent_dim)


def kl_to_prior(q, latent_dim):
    """Per-example (B,) KL(q(z|x) || N(0, I)), analytic."""
    tfd = _distributions()
    return tfd.kl_divergence(q, prior(latent_dim))


def importance_weighted_bound(log_weights):
    """(k, B) log importance weights log p(x, z_k) - log q(z_k|x) -> (B,) log mean_k w_k.

    With k = 1 this is a one-sample ELBO estimate; it is the IWAE training objective (Burda et
    al. 2016, eq. (8)) and, with k = 1000+, the usual estimate of log p(x).
    """
    log_weights = tf.cast(log_weights, tf.float32)
    k = tf.cast(tf.shape(log_weights)[0], tf.float32)
    return tf.reduce_logsumexp(log_weights, axis=0) - tf.math.log(k)
