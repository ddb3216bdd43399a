import numpy as np
import pytest
import tensorflow as tf

from kerasgen.metrics import mean_pairwise_ms_ssim
from kerasgen.metrics import ms_ssim_diversity
from kerasgen.metrics.ms_ssim import power_factors
from kerasgen.metrics.ms_ssim import random_pairs


def textures(n, size, seed, channels=3):
    """uint8 images with structure at every scale: smooth blobs plus fine noise."""
    rng = np.random.default_rng(seed)
    blobs = np.kron(rng.random((n, 4, 4, channels)), np.ones((1, size // 4, size // 4, 1)))
    return np.round((0.7 * blobs + 0.3 * rng.random((n, size, size, channels))) * 255
                    ).astype(np.uint8)


def test_scales_fit_the_image_size():
    scales = {size: len(power_factors(size, size)) for size in (7, 12, 13, 16, 32, 64, 128)}
    assert scales == {7: 1, 12: 1, 13: 2, 16: 2, 32: 3, 64: 4, 128: 5}
    assert power_factors(32, 32) == pytest.approx(np.array([0.0448, 0.2856, 0.3001]) / 0.6305)
    assert power_factors(32, 12) == (1.0,)  # the shorter side decides


def test_pairs_are_distinct_images_and_fixed_by_the_seed():
    first, second = random_pairs(5, 2000, seed=1)
    assert (first != second).all()
    assert set(first) == set(second) == set(range(5))
    assert all((a == b).all() for a, b in zip(random_pairs(5, 2000, 1), (first, second)))


def test_matches_tensorflow_on_the_same_pairs():
    images = textures(6, 32, 0)
    first, second = random_pairs(6, 10, seed=3)
    direct = tf.image.ssim_multiscale(
        images[first].astype(np.float32) / 255, images[second].astype(np.float32) / 255,
        max_val=1.0, power_factors=np.array([0.0448, 0.2856, 0.3001]) / 0.6305, filter_size=7)
    assert mean_pairwise_ms_ssim(images, 10, seed=3) == pytest.approx(
        float(np.mean(direct)), rel=1e-5)


def test_copies_score_one_noise_near_zero_and_look_alikes_above_varied_images():
    one = textures(1, 32, 0)
    assert mean_pairwise_ms_ssim(np.repeat(one, 4, axis=0), 20) == pytest.approx(1.0, abs=1e-5)
    noise = np.random.default_rng(1).random((20, 32, 32, 3))
    assert mean_pairwise_ms_ssim(noise, 50) < 0.05
    look_alikes = np.clip(one + np.random.default_rng(2).normal(0, 8, (20, 32, 32, 3)), 0, 255)
    varied = textures(20, 32, 3)
    scores = ms_ssim_diversity(varied, look_alikes.astype(np.uint8), num_pairs=50)
    assert list(scores) == ["ms_ssim", "ms_ssim_real"]
    assert scores["ms_ssim"] > 0.5 > scores["ms_ssim_real"] > 0.0, scores


def test_bad_input_says_what_was_received_and_expected():
    images = textures(4, 16, 0)
    cases = [
        (images, images[:1], r"expected generated images \(N >= 2\); received 1"),
        (images[:, :6, :6], images[:, :6, :6], "expected real images of at least 7x7 pixels; "
                                               "received 6x6"),
        (images, images[..., :1], "received 16x16x3 and 16x16x1"),
        (images[0], images, r"expected real images as \(N, H, W, C\); received shape"),
    ]
    for real, generated, message in cases:
        with pytest.raises(ValueError, match=message):
            ms_ssim_diversity(real, generated)
    with pytest.raises(ValueError, match="expected num_pairs to be a positive integer; "
                                         "received 0"):
        ms_ssim_diversity(images, images, num_pairs=0)
