"""Variety of a set of images: the mean MS-SSIM between random pairs of its images (Odena et
al. 2017, "Conditional Image Synthesis with Auxiliary Classifier GANs"; Karras et al. 2018,
"Progressive Growing of GANs", Table 1). Pairs of look-alike images score near 1, unrelated
images near 0; lower means more varied. The same number for random pairs of real images is
the reference: a model scoring well above it repeats itself (mode collapse), one far below
it may be making noise, which MS-SSIM cannot tell from variety. MS-SSIM does not measure
quality; report it beside FID or SWD.

MS-SSIM (Wang et al. 2003) is `tf.image.ssim_multiscale`, per channel and averaged over
channels. Its defaults (5 scales, an 11x11 window) need images of at least 176 px; small
images get a 7x7 window (sigma 1.5, TensorFlow's default) and as many of the five scales as
keep the coarsest scale at least 7 px, with the weights of Wang et al. for those scales,
renormalized to sum to 1: 64 px images use 4 scales, 32 px 3, 16 px 2, 7-12 px 1 (SSIM).
Numbers are therefore comparable between models at one image size, not with papers.

1,000 pairs per set by default: on 64x64 CelebA faces per-pair values spread by 0.17 (std),
so the mean is known to about +-0.005, and TensorFlow's CPU convolutions make each pair cost
about 6 ms of CPU here.
"""

import numpy as np
import tensorflow as tf

from kerasgen.metrics.pixel_sets import as_unit_floats
from kerasgen.metrics.pixel_sets import check_image_set
from kerasgen.metrics.pixel_sets import check_image_sets

FILTER_SIZE = 7
FILTER_SIGMA = 1.5
WANG_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # finest scale first
_PAIRS_PER_BATCH = 500  # 1,000 64x64x3 float images: 49 MB


def power_factors(height, width):
    """The scale weights for (height, width) images: Wang et al.'s for the scales whose
    images (halved, rounding up) stay at least FILTER_SIZE px, renormalized to sum to 1."""
    scales = 0
    while scales < len(WANG_WEIGHTS) and min(height, width) >= FILTER_SIZE:
        scales += 1
        height, width = -(-height // 2), -(-width // 2)
    weights = np.array(WANG_WEIGHTS[:scales])
    return tuple(float(w) for w in weights / weights.sum())


def random_pairs(num_images, num_pairs, seed):
    """(first, second) index arrays of `num_pairs` pairs of distinct images, each pair
    uniform over the ordered pairs, drawn independently (with replacement)."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, num_images, num_pairs)
    second = (first + rng.integers(1, num_images, num_pairs)) % num_images  # never first
    return first, second


def mean_pairwise_ms_ssim(images, num_pairs=1000, seed=0, name="images"):
    """Mean MS-SSIM over `num_pairs` random pairs of distinct images of one set.

    Args:
        images: (N >= 2, H, W, C) uint8 or [0, 1] floats, H and W >= 7.
        num_pairs: pairs drawn (with replacement) with `seed`.
        name: how an error names the set.
    """
    images = check_image_set(images, name, FILTER_SIZE, "MS-SSIM", min_images=2)
    if int(num_pairs) != num_pairs or num_pairs < 1:
        raise ValueError(f"MS-SSIM: expected num_pairs to be a positive integer; received "
                         f"{num_pairs!r}.")
    weights = power_factors(*images.shape[1:3])
    first, second = random_pairs(len(images), int(num_pairs), seed)
    values = []
    for start in range(0, len(first), _PAIRS_PER_BATCH):
        batch = slice(start, start + _PAIRS_PER_BATCH)
        values.append(tf.image.ssim_multiscale(
            as_unit_floats(images[first[batch]]), as_unit_floats(images[second[batch]]),
            max_val=1.0, power_factors=weights, filter_size=FILTER_SIZE,
            filter_sigma=FILTER_SIGMA).numpy())
    return float(np.mean(np.concatenate(values), dtype=np.float64))


def ms_ssim_diversity(real_images, generated_images, num_pairs=1000, seed=0):
    """Mean MS-SSIM of random pairs of generated images, and of real images for reference.

    Args:
        real_images: (N >= 2, H, W, C) uint8 or [0, 1] floats, H and W >= 7.
        generated_images: (M >= 2, H, W, C), the same size and channels.
        num_pairs: pairs per set, drawn with `seed`.

    Returns:
        {"ms_ssim": generated pairs, "ms_ssim_real": real pairs}; lower is more varied.

    Example:
    >>> kerasgen.metrics.ms_ssim_diversity(x_test, gan_samples)
    """
    real, generated = check_image_sets(real_images, generated_images, FILTER_SIZE, "MS-SSIM",
                                       min_images=2)
    return {"ms_ssim": mean_pairwise_ms_ssim(generated, num_pairs, seed, "generated images"),
            "ms_ssim_real": mean_pairwise_ms_ssim(real, num_pairs, seed, "real images")}
