"""Adaptive discriminator augmentation (ADA; Karras, Aittala, Hellsten, Laine, Lehtinen &
Aila 2020, "Training Generative Adversarial Networks with Limited Data", Sec. 2-3).

D sees every image, real and generated, in both players' steps, through transforms each
applied with probability p, drawn per image. p is not a constant: it follows an overfitting
heuristic, r_t = E[sign(D(x_real))], the fraction of real images D calls real minus the
fraction it calls fake. An overfitting D is sure of every real image (r_t -> 1), so every
`interval` steps p moves up when r_t is above a target (0.6 in the paper) and down when below,
by an amount that lets it go from 0 to 1 in `kimg` thousand real images (500k in the paper).
Applied with p < 1, even transforms that lose information leave the clean distribution
recoverable from the augmented one (the paper's "non-leaking" argument; in its experiments
some transforms start to leak as p nears 1), so G learns the data, not the augmentations.

What is here is a subset of the paper's pipeline. Its default, "bgc", has pixel blitting
(x-flip, 90-degree rotations, integer translation), general geometry (isotropic and anisotropic
scaling, rotation, fractional translation) and colour (brightness, contrast, luma flip, hue,
saturation); "bgcfnc" adds filtering, noise and cutout. Here are the four that DiffAugment's
differentiable ops also have (`kerasgen.layers.diffaugment`): integer translation (up to 1/8
of the side, as ADA's, but zero-filled where ADA reflects), brightness, contrast and
saturation, with DiffAugment's distributions (U[-0.5, 0.5) added, U[0.5, 1.5) and U[0, 2)
scales) where ADA draws N(0, 0.2) and log-normal scales. The transforms are plain tensor ops
with stateless draws from a seed the caller gives, differentiable in the pixels.
"""

import tensorflow as tf

from kerasgen.layers import diffaugment

# Applied in this order, each on its own with probability p: geometry, then colour (ADA's).
TRANSFORMS = ("translation", "brightness", "contrast", "saturation")
_OPS = {"translation": diffaugment.translation, "brightness": diffaugment.brightness,
        "contrast": diffaugment.contrast, "saturation": diffaugment.saturation}


def adaptive_augment(images, p, seed, transforms=TRANSFORMS):
    """Each of `transforms`, in order, applied to each image with probability `p`.

    Args:
        images: (B, H, W, C) floats in [-1, 1]; computed in float32, returned in their dtype.
        p: the probability, a float or scalar tensor in [0, 1] (0 returns the images).
        seed: a stateless seed, int32 (2,); the same seed gives the same draws.
        transforms: names from TRANSFORMS.

    Returns:
        The augmented images, differentiable with respect to `images`.
    """
    unknown = [t for t in transforms if t not in _OPS]
    if unknown:
        raise ValueError(f"Unknown ADA transform(s) {unknown}; expected names from "
                         f"{', '.join(TRANSFORMS)}.")
    dtype = images.dtype
    x = tf.cast(images, tf.float32)
    p = tf.cast(p, tf.float32)
    seeds = tf.unstack(tf.random.experimental.stateless_split(tf.cast(seed, tf.int32),
                                                              2 * len(TRANSFORMS)))
    batch = tf.stack([tf.shape(x)[0], 1, 1, 1])
    for name in transforms:
        i = TRANSFORMS.index(name)
        chosen = tf.random.stateless_uniform(batch, seeds[2 * i]) < p  # (B, 1, 1, 1)
        x = tf.where(chosen, _OPS[name](x, seeds[2 * i + 1]), x)
    return tf.cast(x, dtype)


def adjust_probability(p, sign_mean, target, images, kimg):
    """ADA's update of p after an interval: p + sign(r_t - target) * images / (kimg * 1000),
    clipped to [0, 1], with r_t = `sign_mean` the mean of sign(D(x_real)) over the interval's
    `images` real images (all replicas). The reference code clips at 0 only; here p is a
    probability per transform and 1 already means always."""
    step = tf.sign(tf.cast(sign_mean, tf.float32) - target) * tf.cast(images, tf.float32)
    return tf.clip_by_value(tf.cast(p, tf.float32) + step / (1000.0 * kimg), 0.0, 1.0)
