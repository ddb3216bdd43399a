import numpy as np
import pytest
import tensorflow as tf

from kerasgen.layers import ada
from kerasgen.layers import diffaugment


def images(n=6, size=8, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(-1, 1, (n, size, size, channels)).astype("float32"))


def test_each_transform_is_applied_with_probability_p_and_passes_gradients():
    x = images(400, 8, 3)
    np.testing.assert_array_equal(ada.adaptive_augment(x, 0.0, tf.constant([1, 2])).numpy(),
                                  x.numpy())
    for name in ada.TRANSFORMS:
        out = ada.adaptive_augment(x, 0.3, tf.constant([1, 2]), transforms=(name,)).numpy()
        changed = np.abs(out - x.numpy()).max(axis=(1, 2, 3)) > 1e-6
        # 0.3 of 400 images (a translation by (0, 0) changes nothing: 1/9 of its draws at 8 px)
        assert 0.22 < changed.mean() < 0.38, (name, changed.mean())
    # p = 1: every transform on every image, in order, the draws of the seed's split.
    seed = tf.constant([3, 4])
    seeds = tf.unstack(tf.random.experimental.stateless_split(seed, 2 * len(ada.TRANSFORMS)))
    want = x
    for i, op in enumerate((diffaugment.translation, diffaugment.brightness,
                            diffaugment.contrast, diffaugment.saturation)):
        want = op(want, seeds[2 * i + 1])
    np.testing.assert_allclose(ada.adaptive_augment(x, 1.0, seed).numpy(), want.numpy(),
                               atol=1e-6)
    half = ada.adaptive_augment(tf.cast(x[:4], tf.bfloat16), tf.constant(0.5), seed)
    assert half.dtype == tf.bfloat16 and half.shape == (4, 8, 8, 3)
    with pytest.raises(ValueError, match="Unknown ADA transform.*'cutout'"):
        ada.adaptive_augment(x, 0.5, seed, transforms=("cutout",))
    # A gradient check for one draw: the tape's directional derivative matches central
    # differences, and differs from that of the images left as they are.
    x, weights = images(16, 4, 3, seed=1), images(16, 4, 3, seed=2)

    def f(v, p=0.5):
        return tf.reduce_sum(tf.tanh(ada.adaptive_augment(v, p, seed)) * weights)

    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        value, plain = f(x), f(x, p=0.0)
    grad, plain_grad = tape.gradient(value, x).numpy(), tape.gradient(plain, x).numpy()
    u = images(16, 4, 3, seed=3).numpy()
    eps = 1e-2
    numeric = (f(x + eps * u) - f(x - eps * u)).numpy() / (2 * eps)
    np.testing.assert_allclose(np.sum(grad * u), numeric, rtol=2e-2, atol=1e-3)
    assert np.abs(grad - plain_grad).max() > 1e-2


def test_p_moves_by_the_images_seen_toward_the_target_and_stays_a_probability():
    # 4 steps of 64 real images with ada_kimg=0.5: 256 / 500 of the way from 0 to 1.
    step = 256 / 500
    np.testing.assert_allclose(ada.adjust_probability(0.2, 0.9, 0.6, 256, 0.5), 0.2 + step,
                               rtol=1e-6)
    np.testing.assert_allclose(ada.adjust_probability(0.9, 0.1, 0.6, 256, 0.5), 0.9 - step,
                               rtol=1e-6)
    assert float(ada.adjust_probability(0.9, 0.7, 0.6, 256, 0.5)) == 1.0
    assert float(ada.adjust_probability(0.1, -1.0, 0.6, 256, 0.5)) == 0.0
    assert float(ada.adjust_probability(0.4, 0.6, 0.6, 256, 0.5)) == pytest.approx(0.4)
