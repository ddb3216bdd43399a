"""CycleGAN's cycle-consistency and identity terms (Zhu et al. 2017)."""

import tensorflow as tf


def cycle_losses(real_a, real_b, fake_a, fake_b, cycled_a, cycled_b, same_a=None,
                 same_b=None):
    """Per-example (B,) L1 terms of Zhu et al. Eq. 2 and Sec. 5.2: `cycle` = |F(G(a)) - a| +
    |G(F(b)) - b|, `identity` = |G(b) - b| + |F(a) - a| (0 when same_a/same_b are None)."""
    def l1(x, y):
        return tf.reduce_mean(tf.abs(tf.cast(x, tf.float32) - tf.cast(y, tf.float32)),
                              axis=[1, 2, 3])
    cycle = l1(cycled_a, real_a) + l1(cycled_b, real_b)
    if same_a is None:
        identity = tf.zeros_like(cycle)
    else:
        identity = l1(same_a, real_a) + l1(same_b, real_b)
    return {"cycle": cycle, "identity": identity}
