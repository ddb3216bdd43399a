import math

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from kerasgen.losses import pixelcnn as dist

tfd = tfp.distributions
RNG = np.random.default_rng(0)


def test_bernoulli_matches_tfp_per_pixel():
    logits = RNG.normal(size=(2, 3, 3, 1)).astype("float32")
    x = RNG.integers(0, 2, (2, 3, 3, 1)).astype("float32")
    got = dist.log_prob_map("bernoulli", logits, x).numpy()
    for b, r, c in np.ndindex(2, 3, 3):
        expected = tfd.Bernoulli(logits=logits[b, r, c, 0]).log_prob(x[b, r, c, 0]).numpy()
        np.testing.assert_allclose(got[b, r, c], expected, rtol=1e-5)


def test_categorical_matches_tfp_per_sub_pixel():
    raw = RNG.normal(size=(2, 2, 2, 3 * 256)).astype("float32")
    levels = RNG.integers(0, 256, (2, 2, 2, 3))
    logits = dist.split_params("categorical", raw, 3).numpy()  # (B, H, W, 3, 256)
    # interleaved outputs: output j is sub-pixel j % 3
    np.testing.assert_array_equal(logits[0, 0, 0, 1, 5], raw[0, 0, 0, 5 * 3 + 1])
    got = dist.log_prob_map("categorical", logits, levels).numpy()
    for b, r, c in np.ndindex(2, 2, 2):
        expected = sum(tfd.Categorical(logits=logits[b, r, c, k]).log_prob(levels[b, r, c, k])
                       for k in range(3))
        np.testing.assert_allclose(got[b, r, c], expected, rtol=1e-5)


def _logistic_cdf(z):
    return 1.0 / (1.0 + math.exp(-z))


def _mixture_pixel(params, levels, m):
    """log p of one pixel under PixelCNN++'s mixture, in float64 with plain loops."""
    c_count = len(levels)
    k = c_count * (c_count - 1) // 2
    p = params.astype(np.float64)
    logits = p[:m]
    means = p[m:m + c_count * m].reshape(c_count, m)
    log_s = np.maximum(p[m + c_count * m:m + 2 * c_count * m].reshape(c_count, m), -7.0)
    coeffs = np.tanh(p[m + 2 * c_count * m:].reshape(k, m)) if k else None
    x = levels / 127.5 - 1.0
    weights = np.exp(logits - logits.max())
    weights /= weights.sum()
    total = 0.0
    for j in range(m):
        prob = weights[j]
        for c in range(c_count):
            mean = means[c, j] + sum(coeffs[c * (c - 1) // 2 + i, j] * x[i] for i in range(c))
            s = math.exp(log_s[c, j])
            upper = 1.0 if levels[c] == 255 else _logistic_cdf((x[c] + 1 / 255 - mean) / s)
            lower = 0.0 if levels[c] == 0 else _logistic_cdf((x[c] - 1 / 255 - mean) / s)
            prob *= upper - lower
        total += prob
    return math.log(total)


@pytest.mark.parametrize("channels", [1, 3])
def test_logistic_mixture_matches_a_direct_per_pixel_computation(channels):
    m = 3
    p = dist.num_params("logistic_mixture", channels, m)
    params = RNG.normal(size=(2, 2, 2, p)).astype("float32")
    params[..., m:m + channels * m] *= 0.5  # means inside [-1, 1] mostly
    levels = RNG.integers(0, 256, (2, 2, 2, channels))
    levels[0, 0, 0] = 0  # the open-ended edge bins
    levels[0, 0, 1] = 255
    got = dist.log_prob_map("logistic_mixture", params, levels, m).numpy()
    for b, r, c in np.ndindex(2, 2, 2):
        np.testing.assert_allclose(got[b, r, c], _mixture_pixel(params[b, r, c],
                                                               levels[b, r, c], m), rtol=1e-4)


def test_logistic_mixture_channels_depend_only_on_earlier_channels():
    m = 2
    params = RNG.normal(size=(1, dist.num_params("logistic_mixture", 3, m))).astype("float32")
    base = np.array([[100, 120, 140]])
    terms = dist.logistic_mixture_channel_terms(params, base, m).numpy()  # (1, C, M)
    for changed, unaffected in ((2, [0, 1]), (1, [0]), (0, [])):
        other = base.copy()
        other[0, changed] += 40
        moved = dist.logistic_mixture_channel_terms(params, other, m).numpy()
        np.testing.assert_array_equal(moved[0, unaffected], terms[0, unaffected])
        later = [c for c in range(3) if c > changed]
        for c in later:  # the linear dependence: later channels' means move
            assert np.abs(moved[0, c] - terms[0, c]).max() > 1e-4, (changed, c)


@pytest.mark.parametrize("distribution", ["categorical", "logistic_mixture"])
def test_inverse_cdf_samples_follow_the_log_probabilities(distribution):
    """Histogram of 20,000 draws of one sub-pixel against exp(log p) of every level."""
    if distribution == "categorical":
        params = np.zeros((1, 256), "float32")
        params[0, 100:110] = 3.0
        params[0, 0] = 2.0
    else:
        params = np.array([[0.0, 1.0, -0.5, 0.3, -3.0, -4.0]], "float32")  # 2 components
    split = dist.split_params(distribution, params, 1)
    u = RNG.uniform(size=(20000, dist.num_uniforms(distribution, 1))).astype("float32")
    tiled = tf.repeat(split, 20000, axis=0)
    draws = dist.sample(distribution, tiled, u, num_mixtures=2, channels=1).numpy()[:, 0]
    levels = np.arange(256)[:, None]
    log_p = dist.log_prob_map(distribution, tf.repeat(split, 256, axis=0)[:, None, None],
                              levels[:, None, None], 2).numpy().ravel()
    np.testing.assert_allclose(np.exp(log_p).sum(), 1.0, atol=1e-4)
    hist = np.bincount(draws.astype(int), minlength=256) / len(draws)
    # Total variation over 16 bins of 16 levels (sampling noise about 0.01; a sampler off by
    # one level or reading the CDF backwards is far above 0.03).
    tv = 0.5 * np.abs(hist.reshape(16, 16).sum(1) - np.exp(log_p).reshape(16, 16).sum(1)).sum()
    assert tv < 0.03, tv
    assert abs(hist[0] - np.exp(log_p[0])) < 0.005 and abs(hist[100:110].sum() -
                                                           np.exp(log_p[100:110]).sum()) < 0.02


def test_bernoulli_sampling_and_temperature():
    logits = np.array([0.0, 2.0, -2.0], "float32")
    u = np.array([0.49, 0.85, 0.15], "float32")
    np.testing.assert_array_equal(dist.sample("bernoulli", logits, u).numpy(), [1, 1, 0])
    # temperature 0.5 doubles the logits, 4.0 divides them by four
    np.testing.assert_array_equal(dist.sample("bernoulli", logits, u, 0.5).numpy(), [1, 1, 0])
    np.testing.assert_array_equal(dist.sample("bernoulli", logits, u, 4.0).numpy(), [1, 0, 1])


def test_unknown_distribution_lists_the_known_ones():
    with pytest.raises(ValueError, match="bernoulli, categorical, logistic_mixture"):
        dist.check_distribution("gaussian")
