"""Checks shared by the metrics computed on pixels (SWD, MS-SSIM): two image sets of one
size and channel count, as uint8 or floats in [0, 1]."""

import numpy as np


def check_image_set(images, name, min_side, metric, min_images=1):
    """`images` as an array (not copied), or a ValueError saying what was expected.

    Args:
        images: (N, H, W, C) uint8, or floats in [0, 1].
        name: how the error names the set ("real images").
        min_side: the smallest H and W the metric can use.
        metric: how the error names the metric ("SWD").
        min_images: the fewest images the metric can use.
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"{metric}: expected {name} as (N, H, W, C); received shape "
                         f"{images.shape}.")
    if len(images) < min_images:
        raise ValueError(f"{metric}: expected {name} (N >= {min_images}); received "
                         f"{len(images)}.")
    if min(images.shape[1:3]) < min_side:
        raise ValueError(f"{metric}: expected {name} of at least {min_side}x{min_side} "
                         f"pixels; received {images.shape[1]}x{images.shape[2]}.")
    if images.dtype == np.uint8:
        return images
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"{metric}: expected {name} as uint8 or floats in [0, 1]; received "
                         f"{images.dtype}.")
    low, high = float(np.min(images)), float(np.max(images))
    if not (0.0 <= low and high <= 1.0):  # also refuses NaN
        raise ValueError(f"{metric}: expected {name} as uint8 or floats in [0, 1]; received "
                         f"{images.dtype} in [{low:.3g}, {high:.3g}].")
    return images


def check_image_sets(real, generated, min_side, metric, min_images=1):
    """Both sets checked (`check_image_set`) and of the same H, W and C."""
    real = check_image_set(real, "real images", min_side, metric, min_images)
    generated = check_image_set(generated, "generated images", min_side, metric, min_images)
    if real.shape[1:] != generated.shape[1:]:
        raise ValueError(f"{metric}: expected real and generated images of one size and "
                         f"channel count; received {'x'.join(map(str, real.shape[1:]))} "
                         f"and {'x'.join(map(str, generated.shape[1:]))} (H x W x C).")
    return real, generated


def as_unit_floats(images):
    """uint8 or [0, 1] float images -> float32 in [0, 1] (a copy only when needed)."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    return images.astype(np.float32, copy=False)
