import numpy as np
import pytest
import tensorflow as tf

from kerasgen.losses import gan as L

REAL = tf.constant([[2.0], [-1.0], [0.5]])
FAKE = tf.constant([[-3.0], [0.0], [1.5]])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_minimax_discriminator_is_binary_cross_entropy():
    real_term, fake_term = L.discriminator_loss("minimax", REAL, FAKE)
    d_real, d_fake = sigmoid(REAL.numpy()[:, 0]), sigmoid(FAKE.numpy()[:, 0])
    np.testing.assert_allclose(real_term, -np.log(d_real), rtol=1e-5)
    np.testing.assert_allclose(fake_term, -np.log(1 - d_fake), rtol=1e-5)


def test_generator_losses_match_their_equations():
    d_fake = sigmoid(FAKE.numpy()[:, 0])
    np.testing.assert_allclose(L.generator_loss("minimax", FAKE), np.log(1 - d_fake), rtol=1e-5)
    np.testing.assert_allclose(L.generator_loss("non_saturating", FAKE), -np.log(d_fake),
                               rtol=1e-5)
    np.testing.assert_allclose(L.generator_loss("least_squares", FAKE),
                               0.5 * (FAKE.numpy()[:, 0] - 1) ** 2, rtol=1e-6)
    for name in ("wasserstein", "wasserstein_gp", "hinge"):
        np.testing.assert_allclose(L.generator_loss(name, FAKE), -FAKE.numpy()[:, 0])


def test_minimax_generator_saturates_where_non_saturating_does_not():
    # D confidently rejects the fake (logit -10): d/dl log(1 - D) ~ 0, d/dl -log D ~ -1.
    logits = tf.Variable([[-10.0]])
    grads = {}
    for name in ("minimax", "non_saturating"):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(L.generator_loss(name, logits))
        grads[name] = abs(float(tape.gradient(loss, logits)[0, 0]))
    assert grads["minimax"] < 1e-4 and grads["non_saturating"] > 0.99


def test_other_discriminator_losses():
    r, f = REAL.numpy()[:, 0], FAKE.numpy()[:, 0]
    real_term, fake_term = L.discriminator_loss("least_squares", REAL, FAKE)
    np.testing.assert_allclose(real_term, 0.5 * (r - 1) ** 2)
    np.testing.assert_allclose(fake_term, 0.5 * f ** 2)
    real_term, fake_term = L.discriminator_loss("hinge", REAL, FAKE)
    np.testing.assert_allclose(real_term, np.maximum(0, 1 - r))
    np.testing.assert_allclose(fake_term, np.maximum(0, 1 + f))
    real_term, fake_term = L.discriminator_loss("wasserstein", REAL, FAKE)
    np.testing.assert_allclose(real_term + fake_term, f - r)


def test_label_smoothing_lowers_real_target():
    smooth, _ = L.discriminator_loss("non_saturating", REAL, FAKE, label_smoothing=0.1)
    d = sigmoid(REAL.numpy()[:, 0])
    np.testing.assert_allclose(smooth, -(0.9 * np.log(d) + 0.1 * np.log(1 - d)), rtol=1e-5)


def test_gradient_penalty_of_linear_critic():
    # D(x) = <w, x>: the gradient is w everywhere, so the penalty is (||w|| - 1)^2.
    w = tf.random.normal([1, 4, 4, 2])
    critic = lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3])[:, None]  # noqa: E731
    real, fake = tf.random.normal([3, 4, 4, 2]), tf.random.normal([3, 4, 4, 2])
    penalty = L.gradient_penalty(critic, real, fake, tf.random.uniform([3, 1, 1, 1]))
    expected = (np.linalg.norm(w.numpy()) - 1.0) ** 2
    np.testing.assert_allclose(penalty, [expected] * 3, rtol=1e-4)


def test_unknown_loss_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="non_saturating"):
        L.generator_loss("vanilla", FAKE)
