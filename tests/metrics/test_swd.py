import numpy as np
import pytest
import scipy.stats

from kerasgen.metrics import sliced_wasserstein_distance
from kerasgen.metrics import swd


# -- a direct computation: loops over pixels, patches and directions -------------------------
def mirror(i, n):
    """Index i reflected into [0, n) about the edge pixels (d c b | a b c d | c b a)."""
    while not 0 <= i < n:
        i = -i if i < 0 else 2 * (n - 1) - i
    return i


def naive_blur(image, gain=1.0):
    """(H, W, C) convolved with the 5x5 kernel [1 4 6 4 1]^T [1 4 6 4 1] / 256 x gain."""
    h, w, _ = image.shape
    kernel = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0 * gain
    out = np.zeros(image.shape)
    for y in range(h):
        for x in range(w):
            for dy in range(5):
                for dx in range(5):
                    out[y, x] += kernel[dy, dx] * image[mirror(y + dy - 2, h),
                                                        mirror(x + dx - 2, w)]
    return out


def naive_pyramid(image, num_levels):
    levels, gaussian = [], image.astype(np.float64)
    for level in range(num_levels):
        if level == num_levels - 1:
            levels.append(gaussian)
            break
        down = naive_blur(gaussian)[::2, ::2]
        up = np.zeros(gaussian.shape)
        up[::2, ::2] = down
        levels.append(gaussian - naive_blur(up, gain=4.0))
        gaussian = down
    return levels


def naive_swd(real, generated, seed, count, num_directions):
    """SWD x1e3 per level, with the module's patch centres and directions; everything else
    (pyramid, patches, normalization, projections, W1 by SciPy) computed directly."""
    shapes = []
    h, w = real.shape[1:3]
    while min(h, w) >= 16:
        shapes.append((h, w))
        h, w = (h + 1) // 2, (w + 1) // 2
    sets = [[naive_pyramid(image / 255.0, len(shapes)) for image in images]
            for images in (real, generated)]
    scores = []
    for level, shape in enumerate(shapes):
        centres = swd.patch_centres(max(len(real), len(generated)), shape, count, seed, level)
        descriptors = []
        for pyramids in sets:
            rows = [pyramid[level][y - 3:y + 4, x - 3:x + 4].transpose(2, 0, 1).ravel()
                    for i, pyramid in enumerate(pyramids) for y, x in centres[i]]
            d = np.array(rows).reshape(len(rows), real.shape[-1], 49)
            d = (d - d.mean(axis=(0, 2), keepdims=True)) / d.std(axis=(0, 2), keepdims=True)
            descriptors.append(d.reshape(len(rows), -1))
        directions = swd.random_directions(descriptors[0].shape[1], num_directions, seed,
                                           level).astype(np.float64)
        distances = [scipy.stats.wasserstein_distance(descriptors[0] @ direction,
                                                      descriptors[1] @ direction)
                     for direction in directions.T]
        scores.append(1e3 * np.mean(distances))
    return scores


def textures(n, size, seed, channels=3):
    """uint8 images with structure at every scale: smooth blobs plus fine noise."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((n, 4, 4, channels))
    blobs = np.kron(coarse, np.ones((1, -(-size[0] // 4), -(-size[1] // 4), 1)))
    image = 0.7 * blobs[:, :size[0], :size[1]] + 0.3 * rng.random((n, *size, channels))
    return np.round(image * 255).astype(np.uint8)


@pytest.mark.parametrize("num_real,num_generated,size", [
    (3, 3, (32, 32)),  # equal sizes: the paper's mean |sorted difference|
    (2, 6, (32, 32)),  # one set 3x the other
    (5, 3, (35, 40)),  # sizes 5:3 (merged quantiles); odd, non-square levels 35x40, 18x20
])
def test_matches_a_direct_computation(num_real, num_generated, size):
    real, generated = textures(num_real, size, 0), textures(num_generated, size, 1)
    ours = sliced_wasserstein_distance(real, generated, seed=3, descriptors_per_image=16,
                                       num_directions=24)
    direct = naive_swd(real, generated, seed=3, count=16, num_directions=24)
    assert list(ours.values())[:-1] == pytest.approx(direct, rel=1e-4)
    assert ours["swd_mean"] == pytest.approx(np.mean(direct), rel=1e-4)


def test_identical_sets_score_zero_and_the_seed_fixes_the_numbers():
    images = textures(20, (32, 32), 0)
    assert sliced_wasserstein_distance(images, images.copy(), num_directions=32) == {
        "swd_32": 0.0, "swd_16": 0.0, "swd_mean": 0.0}
    other = textures(30, (32, 32), 1)
    first = sliced_wasserstein_distance(images, other, seed=5, num_directions=32)
    assert sliced_wasserstein_distance(images, other, seed=5, num_directions=32) == first
    assert sliced_wasserstein_distance(images, other, seed=6, num_directions=32) != first
    # uint8 and the same images as [0, 1] floats are one input
    assert sliced_wasserstein_distance(images / 255.0, other, seed=5,
                                       num_directions=32) == pytest.approx(first, rel=1e-5)


def coloured(n, seed):
    """Mid-grey float images whose colour varies mostly along one chroma axis."""
    rng = np.random.default_rng(seed)
    grey = 0.5 + 0.15 * np.kron(rng.uniform(-1, 1, (n, 8, 8, 1)), np.ones((1, 4, 4, 1)))
    chroma = np.kron(rng.uniform(-1, 1, (n, 4, 4, 1)), np.ones((1, 8, 8, 1)))
    red_green = np.array([1.0, -1.0, 0.0]) / np.sqrt(2)
    return grey + 0.15 * chroma * red_green + 0.02 * rng.standard_normal((n, 32, 32, 3))


def hue_rotation(images, degrees):
    """Rotate colours about the grey axis (Rodrigues' formula)."""
    u, t = np.ones(3) / np.sqrt(3), np.radians(degrees)
    cross = np.array([[0, -u[2], u[1]], [u[2], 0, -u[0]], [-u[1], u[0], 0]])
    rotation = np.cos(t) * np.eye(3) + np.sin(t) * cross + (1 - np.cos(t)) * np.outer(u, u)
    return images @ rotation.T


def test_colour_changes_across_channels_score_above_zero_and_grow():
    real = coloured(64, 0)
    assert 0 <= real.min() and real.max() <= 1
    options = dict(descriptors_per_image=32, num_directions=64)
    scores = [sliced_wasserstein_distance(real, np.clip(hue_rotation(real, degrees), 0, 1),
                                          **options)["swd_mean"]
              for degrees in (0, 15, 30, 60, 90)]
    assert scores[0] == 0.0
    assert scores[1] > 5 and all(a < b for a, b in zip(scores, scores[1:])), scores
    # A per-channel gain and offset is normalized away, as in the paper's definition.
    shifted = real * np.array([0.9, 0.7, 0.8]) + np.array([0.05, 0.2, 0.1])
    assert sliced_wasserstein_distance(real, shifted, **options)["swd_mean"] < 0.01
    # ... unless it clips: clipped highlights are a change of structure.
    clipped = np.clip(real + 0.3, 0, 1)
    assert sliced_wasserstein_distance(real, clipped, **options)["swd_mean"] > 1


@pytest.mark.parametrize("size,keys", [
    (16, ["swd_16", "swd_mean"]),
    (32, ["swd_32", "swd_16", "swd_mean"]),
    (64, ["swd_64", "swd_32", "swd_16", "swd_mean"]),
    (31, ["swd_31", "swd_16", "swd_mean"]),
    ((40, 24), ["swd_40x24", "swd_mean"]),
])
def test_levels_follow_the_image_size(size, keys):
    size = (size, size) if isinstance(size, int) else size
    scores = sliced_wasserstein_distance(textures(4, size, 0), textures(3, size, 1),
                                         descriptors_per_image=8, num_directions=8)
    assert list(scores) == keys
    assert all(v > 0 for v in scores.values())
    assert scores["swd_mean"] == pytest.approx(np.mean(list(scores.values())[:-1]))
    grey = sliced_wasserstein_distance(textures(4, size, 0, channels=1),
                                       textures(3, size, 1, channels=1),
                                       descriptors_per_image=8, num_directions=8)
    assert list(grey) == keys


def test_bad_input_says_what_was_received_and_expected():
    images = textures(4, (32, 32), 0)
    cases = [
        (images[0], images, r"expected real images as \(N, H, W, C\); received shape "
                            r"\(32, 32, 3\)"),
        (images, images[:, :8, :8], "expected generated images of at least 16x16 pixels; "
                                    "received 8x8"),
        (images, images[:, :16, :16], "expected real and generated images of one size and "
                                      "channel count; received 32x32x3 and 16x16x3"),
        (images, images[..., :1], "received 32x32x3 and 32x32x1"),
        (images, images[:0], r"expected generated images \(N >= 1\); received 0"),
        (images.astype(np.int32), images, "expected real images as uint8 or floats in "
                                          r"\[0, 1\]; received int32"),
        (images, images / 127.5 - 1, r"received float64 in \[-0.992, 0.992\]"),
    ]
    for real, generated, message in cases:
        with pytest.raises(ValueError, match=message):
            sliced_wasserstein_distance(real, generated)
    with pytest.raises(ValueError, match="expected num_directions to be a positive integer; "
                                         "received 0"):
        sliced_wasserstein_distance(images, images, num_directions=0)
