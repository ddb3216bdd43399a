import numpy as np
import pytest
import tensorflow as tf

from kerasgen.losses import vae as L


def test_kl_is_the_closed_form():
    params = tf.random.normal([5, 6])
    q = L.posterior(params)
    mu, sigma = q.distribution.loc.numpy(), q.distribution.scale.numpy()
    expected = 0.5 * np.sum(mu ** 2 + sigma ** 2 - 1 - 2 * np.log(sigma), axis=-1)
    _, kl = L.elbo_terms("bernoulli", tf.zeros([5, 2, 2, 1]), tf.zeros([5, 2, 2, 1]), q, 3)
    np.testing.assert_allclose(kl, expected, rtol=1e-4)


def test_bernoulli_reconstruction_is_minus_bce_summed_over_pixels():
    x = tf.constant(np.random.default_rng(0).integers(0, 2, (2, 3, 3, 1)), tf.float32)
    logits = tf.random.normal([2, 3, 3, 1])
    q = L.posterior(tf.zeros([2, 4]))
    rec, _ = L.elbo_terms("bernoulli", x, logits, q, 2)
    bce = tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits)
    np.testing.assert_allclose(rec, -tf.reduce_sum(bce, axis=[1, 2, 3]), rtol=1e-5)


def test_discretized_logistic_is_a_distribution_over_256_levels():
    params = tf.constant([[[[0.3, -4.0]]]])  # one pixel: loc 0.3, scale ~4.6 levels
    levels = tf.reshape(tf.range(256, dtype=tf.float32), [256, 1, 1, 1])
    dist = L.decoder_distribution("discretized_logistic", tf.tile(params, [256, 1, 1, 1]))
    total = tf.reduce_sum(tf.exp(dist.log_prob(levels)))
    np.testing.assert_allclose(total, 1.0, rtol=1e-4)
    # The most likely level sits at the location.
    assert abs(int(tf.argmax(dist.log_prob(levels))) - round(0.3 * 255)) <= 1


def test_unknown_likelihood_is_rejected():
    with pytest.raises(ValueError, match="bernoulli"):
        L.decoder_distribution("gaussian", tf.zeros([1, 2, 2, 1]))
