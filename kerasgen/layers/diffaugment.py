"""Differentiable augmentation (DiffAugment; Zhao, Liu, Lin, Zhu & Han 2020, "Differentiable
Augmentation for Data-Efficient GAN Training", Sec. 3 and their reference code).

The discriminator of a GAN trained on little data memorises the real images. DiffAugment
shows D only augmented images, real and generated alike, in both players' steps, through
transforms that are differentiable in the pixels, so the generator's gradient passes through
them. Three transforms, in this order, each drawn independently per image:

- colour: brightness + U[-0.5, 0.5), saturation (deviation from the pixel's channel mean)
  x U[0, 2), contrast (deviation from the image's mean) x U[0.5, 1.5);
- translation: a shift of up to 1/8 of the side (an integer number of pixels, in each
  direction independently), zero fill;
- cutout: a square of half the side set to 0, centred anywhere in the image (clipped at its
  border).

The magnitudes are the reference code's, for images in [-1, 1].

Keras' random image layers are not used: their transforms are other distributions
(RandomTranslation resamples with interpolation and a fill mode, RandomContrast and
RandomBrightness scale differently, RandomErasing fills with noise), they draw from a stateful
seed generator that every replica of a tf.distribute strategy advances alike, and they are off
unless called with training=True. These are stateless draws from a seed the caller gives (a
GAN folds in its replica id, `kerasgen.models.replicas.replica_seed`), plain tensor ops with
gradients with respect to the images.
"""

import tensorflow as tf

TRANSFORMS = ("color", "translation", "cutout")
AUGMENTATIONS = ("diffaugment", "ada")  # a GAN's `augment` option (ada: `kerasgen.layers.ada`)


def check_augment(augment):
    """`augment` (None or one of AUGMENTATIONS), or ValueError naming what was received."""
    if augment is not None and augment not in AUGMENTATIONS:
        raise ValueError(f"Unknown augment {augment!r}; expected None (no augmentation) or one "
                         f"of {', '.join(AUGMENTATIONS)}.")
    return augment


def _per_image(images, seed, minval=0.0, maxval=1.0):
    """U[minval, maxval) per image, shaped (B, 1, 1, 1) to broadcast."""
    shape = tf.stack([tf.shape(images)[0], 1, 1, 1])
    return tf.random.stateless_uniform(shape, seed, minval, maxval, dtype=images.dtype)


def brightness(images, seed):
    """Add U[-0.5, 0.5) to each image."""
    return images + _per_image(images, seed, -0.5, 0.5)


def saturation(images, seed):
    """Scale each pixel's deviation from its channel mean by U[0, 2), drawn per image."""
    mean = tf.reduce_mean(images, axis=3, keepdims=True)  # (B, H, W, 1)
    return (images - mean) * _per_image(images, seed, 0.0, 2.0) + mean


def contrast(images, seed):
    """Scale each image's deviation from its mean by U[0.5, 1.5), drawn per image."""
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)  # (B, 1, 1, 1)
    return (images - mean) * _per_image(images, seed, 0.5, 1.5) + mean


def color(images, seed):
    """Brightness, saturation and contrast, each drawn per image."""
    seeds = tf.unstack(tf.random.experimental.stateless_split(seed, 3))
    return contrast(saturation(brightness(images, seeds[0]), seeds[1]), seeds[2])


def _shift(images, offsets, axis):
    """out[.., i, ..] = images[.., i + offsets[b], ..] along `axis` (1 rows, 2 columns), zero
    where that falls outside the image."""
    size = tf.shape(images)[axis]
    index = tf.range(size)[None, :] + offsets[:, None]  # (B, size)
    inside = tf.cast((index >= 0) & (index < size), images.dtype)
    moved = tf.gather(images, tf.clip_by_value(index, 0, size - 1), axis=axis, batch_dims=1)
    mask = inside[:, :, None, None] if axis == 1 else inside[:, None, :, None]
    return moved * mask


def _side_fraction(images, axis, ratio):
    """round(side * ratio) of the image's side along `axis`, as an int32 tensor."""
    side = tf.cast(tf.shape(images)[axis], tf.float32)
    return tf.cast(side * ratio + 0.5, tf.int32)


def translation(images, seed, ratio=0.125):
    """Shift each image by whole pixels, up to round(side * ratio) in each direction (rows and
    columns drawn independently), filling with zeros."""
    batch = tf.shape(images)[0]
    seeds = tf.random.experimental.stateless_split(seed, 2)
    for axis, axis_seed in zip((1, 2), tf.unstack(seeds)):
        limit = _side_fraction(images, axis, ratio)
        offsets = tf.random.stateless_uniform([batch], axis_seed, -limit, limit + 1,
                                              dtype=tf.int32)
        images = _shift(images, offsets, axis)
    return images


def cutout(images, seed, ratio=0.5):
    """Zero a round(side * ratio) square per image, its centre anywhere in the image (the
    reference code's offsets: the square may extend past the border, and is clipped)."""
    batch = tf.shape(images)[0]
    mask = None
    for axis, axis_seed in zip((1, 2), tf.unstack(tf.random.experimental.stateless_split(seed,
                                                                                        2))):
        size = tf.shape(images)[axis]
        length = _side_fraction(images, axis, ratio)
        centre = tf.random.stateless_uniform([batch, 1], axis_seed, 0,
                                             size + (1 - length % 2), dtype=tf.int32)
        start = centre - length // 2
        index = tf.range(size)[None, :]
        inside = (index >= start) & (index < start + length)  # (B, size)
        inside = inside[:, :, None] if axis == 1 else inside[:, None, :]
        mask = inside if mask is None else mask & inside  # (B, H, W)
    return images * tf.cast(~mask, images.dtype)[..., None]


def diff_augment(images, seed, transforms=TRANSFORMS, translation_ratio=0.125,
                 cutout_ratio=0.5):
    """DiffAugment of a batch: `transforms` applied in order, drawn per image from `seed`.

    Args:
        images: (B, H, W, C) floats in [-1, 1]; computed in float32 and returned in their
            dtype.
        seed: a stateless seed, int32 (2,); the same seed gives the same transforms.
        transforms: names from TRANSFORMS, applied in the given order.
        translation_ratio: the largest shift as a fraction of the side (1/8).
        cutout_ratio: the side of the cut-out square as a fraction of the image's (1/2).

    Returns:
        The augmented images, shape and dtype of `images`; differentiable with respect to them.
    """
    unknown = [t for t in transforms if t not in TRANSFORMS]
    if unknown:
        raise ValueError(f"Unknown DiffAugment transform(s) {unknown}; expected names from "
                         f"{', '.join(TRANSFORMS)}.")
    dtype = images.dtype
    x = tf.cast(images, tf.float32)
    seeds = tf.unstack(tf.random.experimental.stateless_split(tf.cast(seed, tf.int32),
                                                              len(TRANSFORMS)))
    for name in transforms:
        step_seed = seeds[TRANSFORMS.index(name)]
        if name == "color":
            x = color(x, step_seed)
        elif name == "translation":
            x = translation(x, step_seed, translation_ratio)
        else:
            x = cutout(x, step_seed, cutout_ratio)
    return tf.cast(x, dtype)
