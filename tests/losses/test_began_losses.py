import numpy as np
import pytest
import tensorflow as tf

from kerasgen.losses import began as L

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(-1, 1, (3, 4, 5, 2)).astype("float32")
RECONSTRUCTIONS = RNG.uniform(-1, 1, (3, 4, 5, 2)).astype("float32")


def test_autoencoder_loss_is_the_per_example_mean_absolute_error():
    expected = np.abs(IMAGES - RECONSTRUCTIONS).reshape(3, -1).mean(axis=1)
    loss = L.autoencoder_loss(IMAGES, RECONSTRUCTIONS)
    assert loss.shape == (3,) and loss.dtype == tf.float32
    np.testing.assert_allclose(loss, expected, rtol=1e-6)
    # Half-precision inputs are measured in float32.
    half = L.autoencoder_loss(tf.constant(IMAGES, tf.bfloat16), RECONSTRUCTIONS)
    assert half.dtype == tf.float32


def test_discriminator_loss_is_real_minus_k_fake():
    real, fake = np.array([0.3, 0.1, 0.5], "float32"), np.array([0.2, 0.4, 0.05], "float32")
    np.testing.assert_allclose(L.discriminator_loss(real, fake, 0.25), real - 0.25 * fake,
                               rtol=1e-6)


@pytest.mark.parametrize("k, real, fake, expected", [
    (0.0, 0.2, 0.05, 0.0 + 0.001 * (0.5 * 0.2 - 0.05)),   # fakes too easy: k rises
    (0.3, 0.2, 0.25, 0.3 + 0.001 * (0.5 * 0.2 - 0.25)),   # fakes too hard: k falls
    (0.0, 0.2, 0.9, 0.0),                                  # clipped at 0
    (0.9999, 0.9, 0.0, 1.0),                               # clipped at 1
])
def test_k_update_is_the_clipped_proportional_step(k, real, fake, expected):
    out = L.k_update(k, real, fake, gamma=0.5, lambda_k=0.001)
    np.testing.assert_allclose(float(out), np.clip(expected, 0.0, 1.0), rtol=1e-6)


def test_k_update_with_a_large_gain_and_many_steps_matches_numpy():
    k, expected = tf.constant(0.0), 0.0
    for real, fake in RNG.uniform(0, 1, (50, 2)):
        k = L.k_update(k, real, fake, gamma=0.7, lambda_k=0.1)
        expected = float(np.clip(expected + 0.1 * (0.7 * real - fake), 0.0, 1.0))
        np.testing.assert_allclose(float(k), expected, rtol=1e-5, atol=1e-7)


def test_convergence_measure_matches_its_definition():
    real, fake = np.array([0.2, 0.4]), np.array([0.3, 0.1])
    expected = real + np.abs(0.5 * real - fake)
    np.testing.assert_allclose(L.convergence_measure(real, fake, 0.5), expected, rtol=1e-6)
    # At equilibrium (L(G(z)) = gamma L(x)) it is L(x) alone.
    np.testing.assert_allclose(float(L.convergence_measure(0.2, 0.1, 0.5)), 0.2, rtol=1e-6)
