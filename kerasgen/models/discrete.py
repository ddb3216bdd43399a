"""Images as discrete pixel values, the inputs of exact-likelihood models: 0/1 for a model
of binary pixels, integer levels 0..255 for an 8-bit one."""

import numpy as np
import tensorflow as tf


def symbolic(x):
    """A tensor being traced (no value to check in Python)."""
    return tf.is_tensor(x) and not tf.executing_eagerly()


def targets(x, binary):
    """Pipeline images (floats in [0, 1]) -> 0/1 values or integer levels round(x * 255)."""
    x = tf.cast(x, tf.float32)
    return x if binary else tf.round(x * 255.0)


def checked_values(images, image_shape, binary, what):
    """Public-method images -> float32 values (0/1, or levels 0..255), checked; `what` names
    the model in errors. Inside a traced function (a SavedModel endpoint, whose inputs are
    checked in the graph) the images come as the pipeline gives them: 0/1, or floats k / 255."""
    if symbolic(images):
        return targets(images, binary)
    arr = np.asarray(images)
    expected = tuple(image_shape)
    if arr.ndim != 4 or arr.shape[1:] != expected:
        raise ValueError(f"Expected images of shape (N, {', '.join(map(str, expected))}); "
                         f"received {arr.shape}.")
    if binary:
        if not np.isin(arr, (0, 1)).all():
            raise ValueError(f"A {what} models 0/1 images; received values in "
                             f"[{arr.min()}, {arr.max()}] ({arr.dtype}). Binarize first, "
                             "e.g. x ~ Bernoulli(pixel / 255).")
        return tf.constant(arr, tf.float32)
    if arr.dtype == np.uint8:
        return tf.constant(arr, tf.float32)
    if np.issubdtype(arr.dtype, np.floating) and arr.min() >= 0 and arr.max() <= 1:
        return tf.constant(np.round(arr.astype(np.float64) * 255.0), tf.float32)
    raise ValueError(f"Expected uint8 images 0..255 (or floats k / 255 in [0, 1]) for a "
                     f"{what}; received {arr.dtype} values in [{arr.min()}, {arr.max()}].")
