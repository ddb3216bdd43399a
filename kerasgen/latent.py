"""Latent-space tools from the DCGAN paper (Radford et al. 2016, Sec. 6): interpolation and
vector arithmetic on averaged latents. Pure functions of (.., latent_dim) arrays."""

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


def _pair(z0, z1):
    z0 = tf.convert_to_tensor(np.asarray(z0), tf.float32)
    z1 = tf.convert_to_tensor(np.asarray(z1), tf.float32)
    if z0.shape.rank != 1 or z0.shape != z1.shape:
        raise ValueError(f"Expected two latent vectors of the same shape (latent_dim,); "
                         f"received {tuple(z0.shape)} and {tuple(z1.shape)}.")
    return z0, z1
