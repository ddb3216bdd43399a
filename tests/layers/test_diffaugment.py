import numpy as np
import pytest
import tensorflow as tf

from kerasgen.layers import diffaugment


def images(n=6, size=16, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(-1, 1, (n, size, size, channels)).astype("float32"))


def test_translation_moves_whole_images_by_at_most_an_eighth_with_zero_fill():
    x = images(8, 16, 1) * 0.5 + 0.75  # no zeros in the input
    out = diffaugment.translation(x, tf.constant([3, 1])).numpy()
    x = x.numpy()
    seen = set()
    for a, b in zip(x[..., 0], out[..., 0]):
        matches = []
        for dy in range(-2, 3):  # round(16 / 8) = 2
            for dx in range(-2, 3):
                want = np.zeros_like(a)
                rows, cols = np.arange(16) + dy, np.arange(16) + dx
                ok_r, ok_c = (rows >= 0) & (rows < 16), (cols >= 0) & (cols < 16)
                want[np.ix_(ok_r, ok_c)] = a[np.ix_(rows[ok_r], cols[ok_c])]
                if np.array_equal(want, b):
                    matches.append((dy, dx))
        assert len(matches) == 1, matches
        seen.add(matches[0])
    assert len(seen) > 1  # drawn per image


def test_cutout_zeroes_one_square_of_half_the_side_clipped_at_the_border():
    x = tf.ones((32, 8, 8, 2))
    out = diffaugment.cutout(x, tf.constant([5, 9])).numpy()
    np.testing.assert_array_equal(out[..., 0], out[..., 1])  # every channel alike
    areas = set()
    for image in out[..., 0]:
        rows, cols = np.nonzero(image == 0)
        assert set(np.unique(image)) <= {0.0, 1.0}
        assert rows.max() - rows.min() < 4 and cols.max() - cols.min() < 4  # round(8 / 2)
        assert len(rows) == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
        areas.add(len(rows))
    assert 16 in areas and min(areas) < 16  # whole squares, and squares clipped at a border


def test_colour_is_an_affine_map_per_grey_image_in_the_reference_ranges():
    # On grey images saturation does nothing, so each image maps to c x + (1 - c) mean + b,
    # with the contrast c in [0.5, 1.5) and the brightness b in [-0.5, 0.5).
    grey = tf.tile(images(64, 8, 1), [1, 1, 1, 3])
    out = diffaugment.color(grey, tf.constant([2, 7])).numpy()
    x = grey.numpy()
    for a, b in zip(x, out):
        slope, offset = np.polyfit(a.ravel(), b.ravel(), 1)
        np.testing.assert_allclose(b, slope * a + offset, atol=1e-5)
        assert 0.5 <= slope < 1.5
        brightness = b.mean() - a.mean()
        assert -0.5 <= brightness < 0.5
    saturated = diffaugment.color(images(64, 8, 3), tf.constant([2, 7])).numpy()
    assert np.abs(saturated - saturated.mean(-1, keepdims=True)).max() > 0  # colour kept


def test_the_same_seed_gives_the_same_augmentation_in_and_out_of_graphs():
    x = images()
    a = diffaugment.diff_augment(x, tf.constant([1, 2]))
    b = tf.function(lambda v: diffaugment.diff_augment(v, tf.constant([1, 2])))(x)
    c = diffaugment.diff_augment(x, tf.constant([1, 3]))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert np.abs(a.numpy() - c.numpy()).max() > 0.1
    half = diffaugment.diff_augment(tf.cast(x, tf.bfloat16), tf.constant([1, 2]))
    assert half.dtype == tf.bfloat16 and half.shape == x.shape


def test_gradients_pass_through_the_transforms():
    """A gradient check: for a fixed draw, the gradient of a function of the augmented images
    with respect to the images agrees with central differences, and is 0 in the cut-out."""
    x = images(3, 8, 3, seed=4)
    weights = images(3, 8, 3, seed=5)
    seed = tf.constant([6, 1])

    def f(v):  # a smooth function of the augmented images
        return tf.reduce_sum(tf.tanh(diffaugment.diff_augment(v, seed)) * weights)

    with tf.GradientTape() as tape:
        tape.watch(x)
        value = f(x)
    grad = tape.gradient(value, x).numpy()
    assert np.abs(grad).max() > 0
    rng = np.random.default_rng(0)
    for _ in range(3):
        u = tf.constant(rng.normal(size=x.shape).astype("float32"))
        eps = 1e-2
        numeric = (f(x + eps * u) - f(x - eps * u)).numpy() / (2 * eps)
        np.testing.assert_allclose(np.sum(grad * u.numpy()), numeric, rtol=2e-2, atol=1e-3)
    # The cut-out's pixels get no gradient, the others all of it.
    with tf.GradientTape() as tape:
        tape.watch(x)
        cut = diffaugment.diff_augment(x, seed, transforms=("cutout",))
        value = tf.reduce_sum(cut * weights)
    grad = tape.gradient(value, x).numpy()
    kept = cut.numpy() != 0
    assert (~kept).any() and kept.any()
    np.testing.assert_array_equal(grad, np.where(kept, weights.numpy(), 0.0))


def test_names_are_checked():
    assert diffaugment.check_augment(None) is None
    assert diffaugment.check_augment("diffaugment") == "diffaugment"
    assert diffaugment.check_augment("ada") == "ada"
    with pytest.raises(ValueError, match="Unknown augment 'flip'; expected None .* "
                                         "diffaugment, ada"):
        diffaugment.check_augment("flip")
    with pytest.raises(ValueError, match="Unknown DiffAugment transform.*'flip'"):
        diffaugment.diff_augment(images(), tf.constant([0, 0]), transforms=("flip",))
