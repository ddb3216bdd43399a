import numpy as np
import pytest
import tensorflow as tf

from kerasgen import latent
from kerasgen.metrics import path_length


def _as_images(latents):
    """A 'generator' that shows its latent as a 1 x 1 x D image."""
    latents = tf.convert_to_tensor(latents, tf.float32)
    return tf.reshape(latents, (-1, 1, 1, latents.shape[-1]))


def _squared(images_a, images_b):
    return tf.reduce_sum(tf.square(images_a - images_b), axis=[1, 2, 3])


def test_path_lengths_of_straight_and_great_circle_paths_are_known():
    """With G the identity and d the squared distance, a linear path's length is |b - a|^2 at
    every t, and a great circle's between unit vectors is the angle squared."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 6, 5)).astype("float32")
    t = rng.uniform(0, 0.99, 6)
    linear = path_length.path_lengths(_as_images, a, b, t, _squared, "linear", epsilon=1e-2,
                                      batch_size=4)
    np.testing.assert_allclose(linear, np.sum((b - a) ** 2, axis=1), rtol=1e-4)
    spherical = path_length.path_lengths(_as_images, a, b, t, _squared, "spherical",
                                         epsilon=1e-2)
    unit_a = a / np.linalg.norm(a, axis=1, keepdims=True)
    unit_b = b / np.linalg.norm(b, axis=1, keepdims=True)
    angle = np.arccos(np.sum(unit_a * unit_b, axis=1))
    # The chord of an arc of eps * angle, squared, over eps^2: angle^2 to O(eps^2).
    np.testing.assert_allclose(spherical, angle ** 2, rtol=1e-3)
    # slerp_at: the end points, unit norm between them, and parallel inputs stay put.
    ends = latent.slerp_at(a, b, np.ones(6)).numpy()
    np.testing.assert_allclose(ends, unit_b, atol=1e-5)
    np.testing.assert_allclose(latent.slerp_at(a, b, np.zeros(6)).numpy(), unit_a, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(latent.slerp_at(a, b, t).numpy(), axis=1), 1.0,
                               rtol=1e-5)
    np.testing.assert_allclose(latent.slerp_at(a, 2 * a, t).numpy(), unit_a, atol=1e-5)
    with pytest.raises(ValueError, match="Unknown interpolation 'cubic'"):
        path_length.path_lengths(_as_images, a, b, t, _squared, "cubic")
    with pytest.raises(ValueError, match="one shape \\(N, D\\) and N points"):
        latent.lerp_at(a, b[:3], t)


def test_summary_drops_the_outer_percentiles_as_the_paper_does():
    lengths = np.concatenate([np.ones(98), [1e6, -1e6]])
    report = path_length.summarize(lengths)
    assert report == {"ppl": 1.0, "median": 1.0, "pairs": 100, "kept": 98}
    with pytest.raises(ValueError, match="No path lengths"):
        path_length.summarize([])


def test_attribute_direction_points_where_the_attribute_appears_and_walks_along_it():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(2000, 4)).astype("float32")
    direction = latent.attribute_direction(w, w[:, 2] > 0.5)  # the attribute lives on axis 2
    assert np.linalg.norm(direction) == pytest.approx(1.0)
    assert direction[2] > 0.99
    steps = latent.walk(w[0], direction, [-1.0, 0.0, 2.0])
    np.testing.assert_allclose(steps, [w[0] - direction, w[0], w[0] + 2 * direction], rtol=1e-6)
    assert latent.walk(np.stack([w[0]] * 3), direction, [1.0, 2.0]).shape == (2, 3, 4)  # w+
    with pytest.raises(ValueError, match="with and without the attribute; 0 of 2000"):
        latent.attribute_direction(w, np.zeros(2000))
    with pytest.raises(ValueError, match="latents \\(N, D\\) and N verdicts"):
        latent.attribute_direction(w, np.zeros(5))
    with pytest.raises(ValueError, match="same mean latent"):
        latent.attribute_direction(np.ones((4, 2)), [True, True, False, False])
