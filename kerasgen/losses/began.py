"""BEGAN's objective (Berthelot, Schumm & Metz 2017, "BEGAN: Boundary Equilibrium Generative
Adversarial Networks", Eqs. 4-5): an autoencoder discriminator's L1 reconstruction loss, the
proportional controller k_t that keeps E[L(G(z))] = gamma E[L(x)], and the convergence measure.

    L(v)    = mean |v - D(v)|                                   (eta = 1)
    L_D     = L(x) - k_t L(G(z_D))          L_G = L(G(z_G))
    k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1)
    M_global = L(x) + |gamma L(x) - L(G(z_G))|

Everything is computed in float32 whatever the layers' compute dtype.
"""

import tensorflow as tf


def autoencoder_loss(images, reconstructions):
    """L(v) per example: mean |v - D(v)| over pixels and channels, (B,) float32."""
    images = tf.cast(images, tf.float32)
    reconstructions = tf.cast(reconstructions, tf.float32)
    return tf.reduce_mean(tf.abs(images - reconstructions), axis=[1, 2, 3])


def discriminator_loss(real_loss, fake_loss, k):
    """L_D per example: L(x) - k_t L(G(z_D)); `real_loss`, `fake_loss` (B,), `k` a scalar."""
    return tf.cast(real_loss, tf.float32) - tf.cast(k, tf.float32) * tf.cast(fake_loss,
                                                                          tf.float32)


def balance(real_loss, fake_loss, gamma):
    """gamma L(x) - L(G(z_G)): positive while the generator's images are reconstructed better
    than gamma times the real ones (D should attend to the fakes more: k rises)."""
    return gamma * tf.cast(real_loss, tf.float32) - tf.cast(fake_loss, tf.float32)


def k_update(k, real_loss, fake_loss, gamma, lambda_k):
    """k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1), from batch means."""
    step = lambda_k * balance(real_loss, fake_loss, gamma)
    return tf.clip_by_value(tf.cast(k, tf.float32) + step, 0.0, 1.0)


def convergence_measure(real_loss, fake_loss, gamma):
    """M_global = L(x) + |gamma L(x) - L(G(z_G))|, from batch means: it falls as the
    reconstructions of real images improve and the two losses reach equilibrium."""
    return tf.cast(real_loss, tf.float32) + tf.abs(balance(real_loss, fake_loss, gamma))
