"""What a projection (GAN inversion) minimises: the distance of generated images to targets and
the regularizer of the optimised noise maps (Karras et al. 2020, "Analyzing and Improving the
Image Quality of StyleGAN", Appendix D), as pure functions, one value per image.

The paper's distance is LPIPS (Zhang et al. 2018): VGG16 activations at five depths, each unit-
normalised along its channels, squared differences weighted per channel by learned weights,
averaged over positions and summed over depths. kerasgen ships neither VGG16 nor the LPIPS
weights, so `feature_distance` is that formula on the feature maps of a network we do ship
(the CelebA attribute classifier's blocks) with every channel weighted alike: the LPIPS paper's
"baseline" of unlearned weights, on another network.
"""

import tensorflow as tf


def _unit(features, eps=1e-10):
    """Each position's feature vector divided by its length (LPIPS's normalisation)."""
    norm = tf.sqrt(tf.reduce_sum(tf.square(features), axis=-1, keepdims=True))
    return features / (norm + eps)


def feature_distance(maps_a, maps_b):
    """sum_l mean_{h,w} ||unit(a_l) - unit(b_l)||^2 over paired feature maps (B, h, w, c_l),
    per image (B,); 0 for identical maps, at most 4 per map."""
    if len(maps_a) != len(maps_b) or not maps_a:
        raise ValueError(f"feature_distance compares paired lists of feature maps; received "
                         f"{len(maps_a)} and {len(maps_b)}.")
    per_map = [tf.reduce_mean(tf.reduce_sum(tf.square(
        _unit(tf.cast(a, tf.float32)) - _unit(tf.cast(b, tf.float32))), axis=-1), axis=[1, 2])
        for a, b in zip(maps_a, maps_b)]
    return tf.add_n(per_map)  # (B,)


def pixel_mse(images, targets):
    """Mean squared difference per image, (B,), in the images' units."""
    difference = tf.cast(images, tf.float32) - tf.cast(targets, tf.float32)
    return tf.reduce_mean(tf.square(difference), axis=[1, 2, 3])


def noise_regularization(noise, smallest=8):
    """The projector's penalty on a noise map (B, r, r, 1), per image (B,): the squared
    autocorrelation at a one-pixel shift along rows and along columns (wrapping around),
    summed over a pyramid of 2x2 averages down to `smallest` pixels a side. Optimised noise
    maps would otherwise carry the image's content; this keeps them white noise."""
    total = 0.0
    while True:
        for axis in (1, 2):
            correlation = tf.reduce_mean(noise * tf.roll(noise, 1, axis=axis), axis=[1, 2, 3])
            total += tf.square(correlation)
        if noise.shape[1] <= smallest:
            return total
        noise = tf.nn.avg_pool2d(noise, 2, 2, "VALID")  # (B, r / 2, r / 2, 1)
