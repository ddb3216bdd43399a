"""PixelCNN output distributions: per-pixel log-probabilities and inverse-CDF sampling.

log p(x) = sum_i log p(x_i | x_<i) in raster order (van den Oord et al. 2016, "Pixel Recurrent
Neural Networks", eq. (1)); within a pixel the sub-pixels follow R -> G -> B. Three choices of
p(x_i | x_<i):
- "bernoulli": one logit per (binary) sub-pixel.
- "categorical": a 256-way softmax per 8-bit sub-pixel (van den Oord et al. 2016).
- "logistic_mixture": PixelCNN++'s discretized mixture of logistics (Salimans et al. 2017,
  eqs. (2)-(3)): a pixel's channels share the mixture component, and the mean of channel c is
  mu_c + sum_{j<c} coeff_cj * x_j, linear in the channels sampled before it.
Every function here works in float32 whatever the network's compute dtype. 8-bit values come
as integer levels 0..255 (the logistic mixture works on x = level / 127.5 - 1 in [-1, 1]).
"""

import tensorflow as tf

DISTRIBUTIONS = ("bernoulli", "categorical", "logistic_mixture")
LEVELS = 256  # 8-bit sub-pixels
_MIN_LOG_SCALE = -7.0  # PixelCNN++'s floor: a logistic narrower than ~1/1000 of a bin is moot
_EPS = 1e-7  # keeps an inverse-CDF draw off the logistic's infinite ends


def check_distribution(name):
    if name not in DISTRIBUTIONS:
        raise ValueError(f"Unknown distribution {name!r}; expected one of "
                         f"{', '.join(DISTRIBUTIONS)}.")
    return name


def is_binary(distribution):
    return distribution == "bernoulli"


def channel_groups(distribution, channels):
    """How many ordered sub-pixel groups the network masks: one per channel when each
    channel has its own network output (bernoulli, categorical); 1 for the logistic mixture,
    whose channels depend on each other through the mixture's coefficients instead."""
    return 1 if distribution == "logistic_mixture" else int(channels)


def num_params(distribution, channels, num_mixtures=10):
    """Network outputs per pixel. For the grouped distributions they are interleaved (output
    j belongs to sub-pixel j % channels), see `split_params`."""
    if distribution == "bernoulli":
        return channels
    if distribution == "categorical":
        return channels * LEVELS
    # mixture logits, C means, C log-scales, C (C - 1) / 2 coefficients per component
    return num_mixtures * (1 + 2 * channels + channels * (channels - 1) // 2)


def num_uniforms(distribution, channels):
    """Uniform draws per pixel for inverse-CDF sampling (the mixture also draws its component)."""
    return channels + 1 if distribution == "logistic_mixture" else channels


def split_params(distribution, params, channels):
    """Network output (B, H, W, P) -> per-sub-pixel parameters: bernoulli (B, H, W, C)
    logits; categorical (B, H, W, C, 256) logits; the mixture's (B, H, W, P) unchanged."""
    params = tf.cast(params, tf.float32)
    if distribution == "categorical":
        shape = tf.concat([tf.shape(params)[:-1], [LEVELS, channels]], 0)
        return tf.einsum("...kc->...ck", tf.reshape(params, shape))  # (B, H, W, C, 256)
    return params


def bernoulli_log_prob(logits, x):
    """log p of binary images: logits and x (B, H, W, C) -> (B, H, W), summed over C."""
    logits, x = tf.cast(logits, tf.float32), tf.cast(x, tf.float32)
    return -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), -1)


def categorical_log_prob(logits, levels):
    """log p of 8-bit images: logits (B, H, W, C, 256), integer levels (B, H, W, C) ->
    (B, H, W)."""
    levels = tf.cast(levels, tf.int32)
    return -tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=levels, logits=tf.cast(logits, tf.float32)), -1)


def _unpack_mixture(params, channels, num_mixtures):
    """(…, P) -> mixture logits (…, M), means, log-scales (…, C, M), coefficients (…, K, M)
    with K = C (C - 1) / 2 in tanh range, ordered (1, 0), (2, 0), (2, 1), ..."""
    params = tf.cast(params, tf.float32)
    m, c = num_mixtures, channels
    k = c * (c - 1) // 2
    logits, means, log_scales, coeffs = tf.split(params, [m, c * m, c * m, k * m], axis=-1)
    batch = tf.shape(params)[:-1]
    means = tf.reshape(means, tf.concat([batch, [c, m]], 0))
    log_scales = tf.maximum(tf.reshape(log_scales, tf.concat([batch, [c, m]], 0)),
                            _MIN_LOG_SCALE)
    coeffs = tf.tanh(tf.reshape(coeffs, tf.concat([batch, [k, m]], 0)))
    return logits, means, log_scales, coeffs


def _dependent_mean(means, coeffs, x, c):
    """Mean of channel c: mu_c + sum_{j<c} coeff_cj * x_j; means (…, C, M), x (…, C)."""
    mean = means[..., c, :]
    for j in range(c):
        mean = mean + coeffs[..., c * (c - 1) // 2 + j, :] * x[..., j:j + 1]
    return mean  # (…, M)


def logistic_mixture_channel_terms(params, levels, num_mixtures):
    """log p(x_c | component m, x_<c of the pixel) for every channel and component:
    params (…, P), integer levels (…, C) -> (…, C, M)."""
    channels = levels.shape[-1]
    _, means, log_scales, coeffs = _unpack_mixture(params, channels, num_mixtures)
    x = tf.cast(levels, tf.float32) / 127.5 - 1.0  # (…, C) in [-1, 1]
    terms = []
    for c in range(channels):
        centred = x[..., c:c + 1] - _dependent_mean(means, coeffs, x, c)  # (…, M)
        inv_scale = tf.exp(-log_scales[..., c, :])
        plus = inv_scale * (centred + 1.0 / 255.0)  # the bin's upper edge
        minus = inv_scale * (centred - 1.0 / 255.0)  # its lower edge
        log_cdf_plus = plus - tf.nn.softplus(plus)  # log sigmoid: level 0's bin is (-inf, edge]
        log_survival_minus = -tf.nn.softplus(minus)  # level 255's bin is [edge, inf)
        delta = tf.sigmoid(plus) - tf.sigmoid(minus)
        # Where the bin's mass underflows float32 (a very narrow logistic far away), use the
        # density at the bin centre times the bin width, as PixelCNN++ does.
        mid = inv_scale * centred
        log_mid = mid - log_scales[..., c, :] - 2.0 * tf.nn.softplus(mid) - tf.math.log(127.5)
        inner = tf.where(delta > 1e-5, tf.math.log(tf.maximum(delta, 1e-12)), log_mid)
        level = tf.cast(levels[..., c:c + 1], tf.int32)
        terms.append(tf.where(level == 0, log_cdf_plus,
                              tf.where(level == LEVELS - 1, log_survival_minus, inner)))
    return tf.stack(terms, axis=-2)  # (…, C, M)


def logistic_mixture_log_prob(params, levels, num_mixtures):
    """log p of 8-bit images under the discretized logistic mixture: params (B, H, W, P),
    integer levels (B, H, W, C) -> (B, H, W)."""
    channels = levels.shape[-1]
    logits = _unpack_mixture(params, channels, num_mixtures)[0]
    joint = tf.reduce_sum(logistic_mixture_channel_terms(params, levels, num_mixtures), -2)
    return tf.reduce_logsumexp(tf.nn.log_softmax(logits, -1) + joint, axis=-1)  # (B, H, W)


def log_prob_map(distribution, params, targets, num_mixtures=10):
    """Per-pixel log p(x_i | x_<i) in nats, (B, H, W). `params` come from `split_params`;
    `targets` are 0/1 (bernoulli) or integer levels 0..255 (B, H, W, C)."""
    if distribution == "bernoulli":
        return bernoulli_log_prob(params, targets)
    if distribution == "categorical":
        return categorical_log_prob(params, targets)
    return logistic_mixture_log_prob(params, targets, num_mixtures)


def sample(distribution, params, uniforms, temperature=1.0, num_mixtures=10, channels=1):
    """Inverse-CDF draws of every sub-pixel of the pixels in `params` from uniforms in [0, 1).

    Args:
        params: from `split_params`, any leading shape (…).
        uniforms: (…, num_uniforms): one per sub-pixel (the mixture's first picks the
            component). Equal uniforms give equal samples, which lets two samplers be compared.
        temperature: logits are divided by it (bernoulli, categorical; the mixture's
            component logits too) and the mixture's logistic scales multiplied by it, as
            PixelCNN++ samplers do; 1.0 samples the model itself, lower is more conservative.

    Returns:
        (…, C) float32: 0/1 for bernoulli, levels 0..255 otherwise. For the mixture, channel c
        is drawn given the discretized levels of channels < c (the conditioning the
        likelihood uses).
    """
    uniforms = tf.cast(uniforms, tf.float32)
    t = tf.cast(temperature, tf.float32)
    if distribution == "bernoulli":
        return tf.cast(uniforms < tf.sigmoid(tf.cast(params, tf.float32) / t), tf.float32)
    if distribution == "categorical":
        cdf = tf.cumsum(tf.nn.softmax(tf.cast(params, tf.float32) / t, -1), axis=-1)
        index = tf.reduce_sum(tf.cast(cdf <= uniforms[..., None], tf.int32), -1)
        return tf.cast(tf.minimum(index, LEVELS - 1), tf.float32)  # (…, C)
    logits, means, log_scales, coeffs = _unpack_mixture(params, channels, num_mixtures)
    cdf = tf.cumsum(tf.nn.softmax(logits / t, -1), axis=-1)  # (…, M)
    component = tf.reduce_sum(tf.cast(cdf <= uniforms[..., :1], tf.int32), -1)
    pick = tf.one_hot(tf.minimum(component, num_mixtures - 1), num_mixtures)  # (…, M)
    x, levels = [], []
    for c in range(channels):
        x_prev = tf.stack(x, -1) if x else None
        mean = means[..., c, :] if not x else _dependent_mean(means, coeffs, x_prev, c)
        mean = tf.reduce_sum(mean * pick, -1)
        scale = tf.exp(tf.reduce_sum(log_scales[..., c, :] * pick, -1)) * t
        u = tf.clip_by_value(uniforms[..., c + 1], _EPS, 1.0 - _EPS)
        y = mean + scale * (tf.math.log(u) - tf.math.log1p(-u))  # logistic inverse CDF
        level = tf.clip_by_value(tf.round((y + 1.0) * 127.5), 0.0, LEVELS - 1.0)
        levels.append(level)
        x.append(level / 127.5 - 1.0)
    return tf.stack(levels, -1)  # (…, C)
