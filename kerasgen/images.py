"""Image grids and PNG files for samples."""

import math
import os

import numpy as np
import tensorflow as tf


def to_uint8(images):
    """float images in [0, 1] -> uint8, rounding and clipping."""
    images = tf.convert_to_tensor(images, tf.float32)
    return tf.cast(tf.round(tf.clip_by_value(images, 0.0, 1.0) * 255.0), tf.uint8)


def make_grid(images, columns=None, padding=2):
    """(N, H, W, C) in [0, 1] -> one uint8 (rows * (H + p), columns * (W + p), C) grid."""
    images = np.asarray(to_uint8(images))
    if images.ndim != 4:
        raise ValueError(f"Expected images (N, H, W, C); received shape {images.shape}.")
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding, c),
                   255, np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top: top + h, left: left + w] = image
    return grid


def save_png(path, image):
    """Write a uint8 (H, W, C) array as PNG, atomically (a crash never leaves half a file)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    tf.io.write_file(tmp, tf.io.encode_png(np.asarray(image, np.uint8)))
    os.replace(tmp, path)
    return path


def generate_grid(model, num_samples=64, seed=0, path=None, columns=None):
    """Sample a fixed-seed grid from any kerasgen model with `generate`; optionally save it.

    Conditional models get labels 0, 1, ..., num_classes - 1 repeated, so each grid row
    walks through the classes.
    """
    labels = None
    if getattr(model, "num_classes", None):
        labels = tf.range(num_samples) % model.num_classes
        columns = columns or model.num_classes
    grid = make_grid(model.generate(int(num_samples), seed=seed, labels=labels), columns)
    if path:
        save_png(path, grid)
    return grid
