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


def test_a_loss_scaled_penalty_tape_gives_the_same_penalty_in_float16():
    # A critic with a float16 middle whose backward pass underflows: the float16 gradient
    # 1e-4 (output scale) * 1e-4 (weight) = 1e-8 is below float16's smallest subnormal
    # (6e-8), though the input gradient, 3e6 times that, is not small. Scaling the tape by
    # 2^15 keeps it representable.
    def critic(x, dtype=tf.float16):
        h = tf.cast(x * 3e6, dtype) * tf.cast(1e-4, dtype)  # (B, 4, 4, 2)
        return tf.cast(tf.reduce_sum(h, axis=[1, 2, 3]), tf.float32)[:, None] * 1e-4

    real, fake = tf.random.normal([3, 4, 4, 2]) * 1e-7, tf.random.normal([3, 4, 4, 2]) * 1e-7
    u = tf.random.uniform([3, 1, 1, 1])
    exact = L.gradient_penalty(lambda x: critic(x, tf.float32), real, fake, u)
    underflowed = L.gradient_penalty(critic, real, fake, u)
    scaled = L.gradient_penalty(critic, real, fake, u, loss_scale=2.0 ** 15)
    np.testing.assert_allclose(underflowed, [1.0] * 3, rtol=1e-5)  # a zero gradient
    np.testing.assert_allclose(exact, [(np.sqrt(32) * 0.03 - 1) ** 2] * 3, rtol=1e-3)
    np.testing.assert_allclose(scaled, exact, rtol=1e-2)


def test_an_overflowed_penalty_logs_zero_and_makes_the_update_non_finite():
    # The loss scale overflows float16 (max 65504): the logged penalty stays finite, its
    # gradient is NaN, so a LossScaleOptimizer skips the step and lowers its scale.
    w = tf.Variable(tf.ones([1, 4, 4, 2]))
    critic = lambda x: tf.cast(tf.reduce_sum(  # noqa: E731
        tf.cast(x, tf.float16) * tf.cast(w, tf.float16), axis=[1, 2, 3]), tf.float32)[:, None]
    real, fake = tf.random.normal([2, 4, 4, 2]), tf.random.normal([2, 4, 4, 2])
    with tf.GradientTape() as tape:
        penalty = L.gradient_penalty(critic, real, fake, tf.fill([2, 1, 1, 1], 0.5),
                                     loss_scale=1e6)
        loss = tf.reduce_sum(penalty)
    np.testing.assert_array_equal(penalty, [0.0, 0.0])
    assert np.isnan(tape.gradient(loss, w).numpy()).all()


def test_drift_is_the_squared_critic_score():
    np.testing.assert_allclose(L.drift(tf.constant([[2.0], [-3.0]])), [4.0, 9.0])


def test_unknown_loss_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="non_saturating"):
        L.generator_loss("vanilla", FAKE)
