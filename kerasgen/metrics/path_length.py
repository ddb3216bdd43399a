"""Perceptual path length (Karras et al. 2019, "A Style-Based Generator Architecture for
Generative Adversarial Networks", Sec. 4.1): how much a generator's images change along small
steps of an interpolation between two latents, a measure of how smooth (disentangled) a latent
space is.

For latent pairs (a, b) and t ~ U(0, 1), the length is d(G(i(a, b; t)), G(i(a, b; t + eps)))
/ eps^2 with eps = 1e-4, i spherical in z and linear in w, and d a perceptual distance; the
paper reports the mean over 100,000 pairs after dropping the values below the 1st and above the
99th percentile (its code does), and finds w's paths shorter than z's. The paper's d is LPIPS
on VGG16; kerasgen ships neither, so the default d is `kerasgen.losses.projection.
feature_distance` on the feature maps of a network we ship (the CelebA attribute classifier),
and lengths are comparable between models and spaces measured with the same network, not
with the paper's numbers.
"""

import numpy as np
import tensorflow as tf

from kerasgen import latent as latent_tools
from kerasgen.losses import projection as projection_losses

EPSILON = 1e-4
INTERPOLATIONS = {"linear": latent_tools.lerp_at, "spherical": latent_tools.slerp_at}


def perceptual_distance(perceptual):
    """d(images_a, images_b) -> (B,): `feature_distance` of `perceptual`'s feature maps, the
    images resized (bilinear, antialiased) to what it reads."""
    from kerasgen.images import resize_for

    def distance(images_a, images_b):
        pair = resize_for(tf.concat([images_a, images_b], axis=0), perceptual.image_shape)
        maps = perceptual.feature_maps(pair)
        half = tf.shape(images_a)[0]
        return projection_losses.feature_distance([m[:half] for m in maps],
                                                  [m[half:] for m in maps])

    return distance


def path_lengths(decode, starts, ends, t, distance, interpolation="linear", epsilon=EPSILON,
                 batch_size=50):
    """Per-pair lengths d(G(i(t)), G(i(t + eps))) / eps^2, (N,) float64 numpy.

    Args:
        decode: latents (B, ...) -> images (B, H, W, C) in [0, 1].
        starts, ends: (N, D) latents of the pairs.
        t: (N,) points in [0, 1 - eps].
        distance: (images_a, images_b) -> (B,) distances.
        interpolation: "linear" (w) or "spherical" (z).
    """
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Unknown interpolation {interpolation!r}; expected one of "
                         f"{', '.join(INTERPOLATIONS)}.")
    if not 0 < float(epsilon) < 1:
        raise ValueError(f"epsilon must be in (0, 1); received {epsilon}.")
    between = INTERPOLATIONS[interpolation]
    starts, ends = np.asarray(starts, np.float32), np.asarray(ends, np.float32)
    t = np.asarray(t, np.float32).reshape(-1)
    lengths = []
    for i in range(0, len(t), int(batch_size)):
        a, b, ti = starts[i:i + batch_size], ends[i:i + batch_size], t[i:i + batch_size]
        here = between(a, b, ti)
        there = between(a, b, ti + np.float32(epsilon))
        images = decode(tf.concat([here, there], axis=0))
        half = len(ti)
        d = distance(images[:half], images[half:])
        lengths.append(np.asarray(d, np.float64) / float(epsilon) ** 2)
    return np.concatenate(lengths) if lengths else np.zeros((0,))


def summarize(lengths, low=1.0, high=99.0):
    """The paper's report of per-pair lengths: the mean of those between the `low` and `high`
    percentiles (their code's outlier filter), with the median and the count kept."""
    lengths = np.asarray(lengths, np.float64)
    if lengths.size == 0:
        raise ValueError("No path lengths to summarize.")
    lo, hi = np.percentile(lengths, low), np.percentile(lengths, high)
    kept = lengths[(lengths >= lo) & (lengths <= hi)]
    return {"ppl": float(kept.mean()), "median": float(np.median(lengths)),
            "pairs": int(lengths.size), "kept": int(kept.size)}
