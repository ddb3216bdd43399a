"""Latent-space tools: interpolation and vector arithmetic on averaged latents (the DCGAN paper,
Radford et al. 2016, Sec. 6), batched interpolation at given points (what the perceptual path
length measures along, Karras et al. 2019) and attribute directions with walks along them
(the edits people make with a StyleGAN's w). Pure functions of (.., latent_dim) arrays."""

import numpy as np
import tensorflow as tf

INTERPOLATIONS = ("linear", "spherical")


def lerp(z0, z1, steps):
    """Linear interpolation: (steps, latent_dim), z0 first and z1 last."""
    z0, z1 = _pair(z0, z1)
    t = tf.linspace(0.0, 1.0, int(steps))[:, None]  # (steps, 1)
    return (1.0 - t) * z0[None] + t * z1[None]


def slerp(z0, z1, steps):
    """Spherical interpolation (White 2016, "Sampling Generative Networks"): follows the
    great circle, so intermediate latents keep the norm typical of N(0, I) samples rather than
    cutting through the low-density centre as `lerp` does."""
    z0, z1 = _pair(z0, z1)
    t = tf.linspace(0.0, 1.0, int(steps))[:, None]  # (steps, 1)
    cos = tf.reduce_sum(z0 * z1) / (tf.norm(z0) * tf.norm(z1))
    omega = tf.acos(tf.clip_by_value(cos, -1.0, 1.0))
    sin = tf.sin(omega)
    if float(sin) < 1e-6:  # (anti)parallel vectors: the great circle is undefined
        return lerp(z0, z1, steps)
    return (tf.sin((1.0 - t) * omega) / sin) * z0[None] + (tf.sin(t * omega) / sin) * z1[None]


def interpolate(z0, z1, steps=8, method="spherical"):
    """`lerp` or `slerp` chosen by name."""
    if method not in INTERPOLATIONS:
        raise ValueError(f"Unknown interpolation {method!r}; expected one of "
                         f"{', '.join(INTERPOLATIONS)}.")
    return (slerp if method == "spherical" else lerp)(z0, z1, steps)


def vector_arithmetic(a, b, c):
    """mean(a) - mean(b) + mean(c) over groups of latents, each (N_i, latent_dim) or
    (latent_dim,). Radford et al. average three exemplars per concept: "smiling woman" -
    "neutral woman" + "neutral man" gives a latent of a smiling man. Returns (latent_dim,)."""
    means = []
    for name, group in (("a", a), ("b", b), ("c", c)):
        group = tf.convert_to_tensor(group, tf.float32)
        if group.shape.rank == 1:
            group = group[None]
        if group.shape.rank != 2 or group.shape[0] == 0:
            raise ValueError(f"Group {name} must be (N, latent_dim) with N >= 1; received "
                             f"shape {tuple(group.shape)}.")
        means.append(tf.reduce_mean(group, axis=0))
    if len({m.shape[-1] for m in means}) != 1:
        raise ValueError(f"Groups have different latent sizes: {[m.shape[-1] for m in means]}.")
    return means[0] - means[1] + means[2]


def lerp_at(a, b, t):
    """Row-wise linear interpolation: a, b (N, D), t (N,) -> (N, D) a + t (b - a)."""
    a, b, t = _rows(a, b, t)
    return a + t[:, None] * (b - a)


def slerp_at(a, b, t):
    """Row-wise spherical interpolation of the directions of a and b, (N, D) each, at t (N,):
    unit vectors on the great circle from a / |a| to b / |b| (the perceptual path length's
    interpolation in z, Karras et al. 2019, whose mapping normalises z anyway)."""
    a, b, t = _rows(a, b, t)
    a = a / tf.norm(a, axis=1, keepdims=True)
    b = b / tf.norm(b, axis=1, keepdims=True)
    cos = tf.reduce_sum(a * b, axis=1, keepdims=True)  # (N, 1)
    # a cos(t omega) + c sin(t omega), with c the unit vector of b's part orthogonal to a:
    # the same great circle, and omega from atan2 stays accurate for (nearly) parallel a, b.
    c = b - cos * a
    sine = tf.norm(c, axis=1, keepdims=True)
    omega = tf.atan2(sine, cos)
    c = tf.math.divide_no_nan(c, sine)
    t = t[:, None]
    return a * tf.cos(t * omega) + c * tf.sin(t * omega)


def attribute_direction(latents, has_attribute):
    """The unit direction in a latent space along which an attribute appears: the mean latent
    of the samples that have it minus the mean of those that do not, normalised.

    `latents` (N, D) are what made N samples and `has_attribute` (N,) bools are a judge's
    verdicts on them (e.g. `Classifier.decide` on the images). A difference of class means
    rather than a trained linear boundary (InterFaceGAN, Shen et al. 2020, fits an SVM): the
    simpler estimate, with nothing to fit; how far the two differ on our models has not been
    measured. Returns (D,) float32 numpy.
    """
    latents = np.asarray(latents, np.float32)
    verdicts = np.asarray(has_attribute).astype(bool).reshape(-1)
    if latents.ndim != 2 or len(latents) != len(verdicts):
        raise ValueError(f"attribute_direction takes latents (N, D) and N verdicts; received "
                         f"{latents.shape} and {verdicts.shape}.")
    count = int(verdicts.sum())
    if count == 0 or count == len(verdicts):
        raise ValueError(f"attribute_direction needs samples with and without the attribute; "
                         f"{count} of {len(verdicts)} have it. Draw more samples.")
    direction = latents[verdicts].mean(axis=0) - latents[~verdicts].mean(axis=0)
    norm = np.linalg.norm(direction)
    if not norm > 0:
        raise ValueError("attribute_direction: the samples with and without the attribute "
                         "have the same mean latent, so there is no direction between them.")
    return (direction / norm).astype(np.float32)


def walk(latent, direction, strengths):
    """latent + s * direction for each s of `strengths`: (S, ...) latents of one edit, e.g.
    a projected face's w walked along `attribute_direction`. `latent` (D,) or (L, D) (per-layer
    w+), `direction` (D,)."""
    latent = np.asarray(latent, np.float32)
    direction = np.asarray(direction, np.float32)
    if direction.ndim != 1 or latent.shape[-1] != direction.shape[0]:
        raise ValueError(f"walk takes a latent (..., D) and a direction (D,); received "
                         f"{latent.shape} and {direction.shape}.")
    strengths = np.asarray(strengths, np.float32).reshape((-1,) + (1,) * latent.ndim)
    return latent[None] + strengths * direction


def _rows(a, b, t):
    a = tf.convert_to_tensor(np.asarray(a, np.float32) if not tf.is_tensor(a) else a,
                             tf.float32)
    b = tf.convert_to_tensor(np.asarray(b, np.float32) if not tf.is_tensor(b) else b,
                             tf.float32)
    t = tf.reshape(tf.cast(tf.convert_to_tensor(t), tf.float32), [-1])
    if a.shape.rank != 2 or a.shape != b.shape or t.shape[0] != a.shape[0]:
        raise ValueError(f"Expected a and b of one shape (N, D) and N points t; received "
                         f"{tuple(a.shape)}, {tuple(b.shape)} and {tuple(t.shape)}.")
    return a, b, t


def _pair(z0, z1):
    z0 = tf.convert_to_tensor(np.asarray(z0), tf.float32)
    z1 = tf.convert_to_tensor(np.asarray(z1), tf.float32)
    if z0.shape.rank != 1 or z0.shape != z1.shape:
        raise ValueError(f"Expected two latent vectors of the same shape (latent_dim,); "
                         f"received {tuple(z0.shape)} and {tuple(z1.shape)}.")
    return z0, z1
