"""BEGAN: a GAN whose discriminator is an autoencoder, balanced by a proportional controller."""

import numbers

import keras
import numpy as np
import tensorflow as tf

from kerasgen.losses import began as began_losses
from kerasgen.models import replicas
from kerasgen.models import training
from kerasgen.models.began.networks import began_decoder
from kerasgen.models.began.networks import began_discriminator
from kerasgen.models.began.networks import num_scales
from kerasgen.models.began.plateau import HalveLearningRateOnPlateau
from kerasgen.models.began.plateau import PlateauState
from kerasgen.models.began.plateau import learning_rate_variables
from kerasgen.models.capabilities import Sampler
from kerasgen.models.common import ArgumentError
from kerasgen.models.common import positive_int
from kerasgen.models.common import unpack
from kerasgen.registry import register_model


def _symbolic(x):
    return tf.is_tensor(x) and not tf.executing_eagerly()


@register_model("began")
class BEGAN(training.TwoPlayers, Sampler, keras.Model):
    """Boundary equilibrium GAN: D reconstructs images, G makes images D reconstructs well.

    D is an autoencoder with the loss L(v) = mean |v - D(v)|; it minimises
    L_D = L(x) - k_t L(G(z_D)) while G minimises L_G = L(G(z_G)), and after every step
    k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1) steers toward the
    equilibrium E[L(G(z))] = gamma E[L(x)]. Both players' gradients are taken at the same
    weights, then applied (the paper's simultaneous update). `fit` logs
    M_global = L(x) + |gamma L(x) - L(G(z_G))| (`m_global`, falls as images improve), `k_t`,
    `d_loss`, `g_loss`, `l_real` (L(x)) and `l_fake` (L(G(z_G))); every quantity that moves
    k_t is a mean over the global batch, so all replicas of a `tf.distribute` strategy
    update it alike. k_t is a model variable: `.keras` files and backups keep it.

    Images are in [-1, 1] (`data_range` "symmetric"); z ~ U[-1, 1]^latent_dim as in the paper.

    Args:
        image_size: side S of the square images, 8 * 2^k (the networks meet at 8x8).
        channels: image channels C.
        latent_dim: size of z (N_z).
        embedding_dim: size of the autoencoder's embedding h (N_h; 64 or 128 in the paper).
        width: n, the filters of the decoders' convolutions and of the encoder's first scale
            (the encoder's k-th scale has k n).
        gamma: the diversity ratio E[L(G(z))] / E[L(x)] in (0, 1]; lower gives sharper, less
            varied images (0.5 is common).
        lambda_k: the controller's gain (0.001 in the paper).
        lr_patience: epochs without a new lowest epoch mean of M_global after which both
            learning rates are multiplied by `lr_factor` (a callback `kerasgen train` asks
            for with `training_callbacks`); None keeps the rates.
        lr_factor: that multiplier, in (0, 1): 0.5 halves the rates, as in the paper.
        seed: seed of the model's `keras.random.SeedGenerator` (latents).

    Example:
    >>> began = kerasgen.models.BEGAN(image_size=64, channels=3, gamma=0.5)
    >>> began.compile()   # Adam(1e-4, beta_1=0.5) for both players
    >>> began.fit(faces_in_minus1_1, batch_size=16, epochs=10,
    ...           callbacks=began.training_callbacks())
    >>> began.generate(16, seed=0)          # (16, 64, 64, 3) float32 in [0, 1]
    >>> began.reconstruct(faces_in_0_1)     # D's autoencoder, [0, 1] -> [0, 1]

    Reference: Berthelot, Schumm & Metz, "BEGAN: Boundary Equilibrium Generative Adversarial
    Networks", 2017.
    """

    data_range = "symmetric"
    validates = False  # no held-out loss worth a pass over the test images every epoch

    def __init__(self, image_size=64, channels=3, latent_dim=64, embedding_dim=64, width=64,
                 gamma=0.5, lambda_k=0.001, lr_patience=3, lr_factor=0.5, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.image_size = positive_int("image_size", image_size)
        try:
            num_scales(self.image_size)
        except ValueError as e:
            raise ArgumentError("image_size", str(e)) from None
        self.channels = positive_int("channels", channels)
        self.latent_dim = positive_int("latent_dim", latent_dim)
        self.embedding_dim = positive_int("embedding_dim", embedding_dim)
        self.width = positive_int("width", width)
        if not 0.0 < float(gamma) <= 1.0:
            raise ArgumentError("gamma", f"gamma must be in (0, 1]; received {gamma}.")
        self.gamma = float(gamma)
        if not float(lambda_k) >= 0.0:
            raise ArgumentError("lambda_k", f"lambda_k must be >= 0; received {lambda_k}.")
        self.lambda_k = float(lambda_k)
        self.lr_patience = None if lr_patience is None else positive_int("lr_patience",
                                                                         lr_patience)
        if not 0.0 < float(lr_factor) < 1.0:
            raise ArgumentError("lr_factor", f"lr_factor must be in (0, 1); received "
                                             f"{lr_factor}.")
        self.lr_factor = float(lr_factor)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.generator = began_decoder(self.image_size, self.channels, self.width,
                                       self.latent_dim, name="generator")
        self.discriminator = began_discriminator(self.image_size, self.channels, self.width,
                                                 self.embedding_dim)
        # k_0 = 0. Every replica computes the same k_{t+1} from global means; the first
        # replica's value is written to all of them.
        self.k_t = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                   dtype="float32", aggregation="only_first_replica",
                                   name="k_t")
        self.plateau = PlateauState(num_optimizers=2, name="lr_plateau")
        names = ["m_global", "d_loss", "g_loss", "l_real", "l_fake"]
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.built = True  # networks are built; lets .keras files restore optimizer state

    @property
    def metrics(self):
        return list(self.trackers.values())

    # -- the two players (compile / save / restore: training.TwoPlayers) -------------------
    def default_optimizers(self):
        # Adam at 1e-4 (the paper gives the rate only); beta_1 = 0.5 as in DCGAN practice.
        return (keras.optimizers.Adam(1e-4, beta_1=0.5),
                keras.optimizers.Adam(1e-4, beta_1=0.5))

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, **kwargs)
        if self.lr_patience is not None:  # refuse a schedule now, not after an epoch
            learning_rate_variables(self, f"BEGAN's lr_patience={self.lr_patience}")

    def generator_variables(self):
        return self.generator.trainable_variables

    def discriminator_variables(self):
        return self.discriminator.trainable_variables

    # -- what the pipeline asks (kerasgen.models.capabilities) ------------------------------
    def training_callbacks(self):
        if self.lr_patience is None:
            return []
        return [HalveLearningRateOnPlateau(self.plateau, self.lr_patience, self.lr_factor)]

    def serving_endpoints(self):
        from kerasgen.models import endpoints

        found = super().serving_endpoints()  # serving_default(z): the generator's images
        latent_dim, side = self.latent_dim, self.image_size

        def sample(count, seed):  # z ~ U[-1, 1], as in training (the default draws N(0, I))
            z = tf.random.stateless_uniform(tf.stack([endpoints.check_count(count),
                                                      latent_dim]),
                                            seed=endpoints.seed_pair(seed), minval=-1.0,
                                            maxval=1.0)
            return {"images": endpoints.to_uint8(self.generate(z))}

        def reconstruct(images):
            images = endpoints.check_images(images, (side, side, self.channels))
            x = tf.cast(images, tf.float32) / 255.0
            return {"images": endpoints.to_uint8(self.reconstruct(x))}

        found["sample"] = endpoints.Endpoint(sample, [
            tf.TensorSpec((), tf.int32, name="count"), tf.TensorSpec((), tf.int64, name="seed")])
        found["reconstruct"] = endpoints.Endpoint(reconstruct, [
            tf.TensorSpec((None, side, side, self.channels), tf.uint8, name="images")])
        return found

    # -- sampling and reconstruction -------------------------------------------------------
    def sample_latents(self, num_samples, seed=None):
        """z ~ U[-1, 1]^latent_dim, (num_samples, latent_dim); `seed` (int) reproduces it."""
        seed = self.seed_generator if seed is None else seed
        return keras.random.uniform((int(num_samples), self.latent_dim), minval=-1.0,
                                    maxval=1.0, seed=seed)

    def call(self, z, training=False):
        """The generator's raw images (B, S, S, C), float32, about [-1, 1] (not clipped)."""
        return self.generator(z, training=training)

    def generate(self, num_or_latents=None, seed=None, labels=None):
        """Images (B, S, S, C), float32 in [0, 1] (the generator's output clipped to it).

        Args:
            num_or_latents: a number of samples, or latents (B, latent_dim).
            seed: int for reproducible latents when a number is given.
            labels: refused (BEGAN is unconditional); named so serving can pass None.
        """
        if labels is not None:
            raise ValueError("BEGAN is unconditional; received labels.")
        if num_or_latents is None:
            raise ValueError(f"generate needs a number of samples or latents (B, "
                             f"{self.latent_dim}); received None.")
        if isinstance(num_or_latents, numbers.Integral):
            z = self.sample_latents(positive_int("num_samples", num_or_latents), seed)
        else:
            z = tf.convert_to_tensor(num_or_latents, tf.float32)
            if z.shape.rank != 2 or z.shape[-1] != self.latent_dim:
                raise ValueError(f"Latents must have shape (batch, {self.latent_dim}); "
                                 f"received {tuple(z.shape)}.")
        return _to_unit(self.generator(z, training=False))

    def reconstruct(self, images):
        """D's autoencoder on `images` (B, S, S, C) in [0, 1]: float32 in [0, 1]."""
        if not _symbolic(images):
            arr = np.asarray(images)
            expected = (self.image_size, self.image_size, self.channels)
            if arr.ndim != 4 or arr.shape[1:] != expected:
                raise ValueError(f"Expected images of shape (N, {', '.join(map(str, expected))})"
                                 f" in [0, 1]; received {arr.shape}.")
            if arr.dtype == np.uint8 or (arr.size and (arr.min() < 0 or arr.max() > 1)):
                raise ValueError(f"Expected float images in [0, 1]; received {arr.dtype} "
                                 f"values in [{arr.min()}, {arr.max()}] (divide 8-bit "
                                 "images by 255).")
            images = arr.astype("float32")
        x = tf.cast(images, tf.float32) * 2.0 - 1.0
        return _to_unit(self.discriminator(x, training=False))

    def reconstruction_grid(self, images, columns=8):
        """uint8 grid of `images` in [0, 1] and their reconstructions: rows of `columns`
        inputs, each followed by the row of their reconstructions (the model card's
        figure)."""
        from kerasgen.images import make_grid

        images = np.asarray(images, np.float32)
        rebuilt = np.asarray(self.reconstruct(images))
        rows = []
        for start in range(0, len(images), columns):
            part = slice(start, start + columns)
            pad = columns - len(images[part])
            blank = np.ones((pad,) + images.shape[1:], np.float32)
            rows += [np.concatenate([images[part], blank]),
                     np.concatenate([rebuilt[part], blank])]
        return make_grid(np.concatenate(rows), columns=columns)

    # -- training --------------------------------------------------------------------------
    def step_latents(self, batch):
        """This replica's z ~ U[-1, 1] for a step: a stateless draw with a per-replica seed,
        so replicas draw distinct latents."""
        return tf.random.stateless_uniform([batch, self.latent_dim],
                                           replicas.replica_seed(self.seed_generator),
                                           minval=-1.0, maxval=1.0)

    def _l(self, images, training=True):
        """L(v) per example, (B,) float32."""
        return began_losses.autoencoder_loss(images, self.discriminator(images,
                                                                         training=training))

    def train_step(self, data):
        real, labels = unpack(data)
        if labels is not None:
            raise ValueError("BEGAN is unconditional; expected batches of images, received "
                             "(images, labels) pairs.")
        batch = tf.shape(real)[0]
        k = tf.convert_to_tensor(self.k_t)  # k_t of this step, read before its update
        fake_d = self.generator(self.step_latents(batch), training=True)  # G(z_D), G fixed
        with tf.GradientTape() as d_tape:
            l_real = self._l(real)  # (B,)
            l_fake_d = self._l(fake_d)
            d_loss = began_losses.discriminator_loss(l_real, l_fake_d, k)  # (B,)
            d_scaled = training.scaled_mean(self.d_optimizer, d_loss)
        with tf.GradientTape() as g_tape:
            fake_g = self.generator(self.step_latents(batch), training=True)  # G(z_G)
            l_fake = self._l(fake_g)  # (B,), L_G per example
            g_scaled = training.scaled_mean(self.g_optimizer, l_fake)
        # Both gradients at this step's weights, then both updates (Berthelot et al., Eq. 4).
        d_vars, g_vars = self.discriminator_variables(), self.generator_variables()
        d_grads = d_tape.gradient(d_scaled, d_vars)
        g_grads = g_tape.gradient(g_scaled, g_vars)
        self.d_optimizer.apply_gradients(zip(d_grads, d_vars))
        self.g_optimizer.apply_gradients(zip(g_grads, g_vars))

        # The controller and the logs from global-batch means: the same on every replica.
        real_mean, fake_mean = replicas.global_value(l_real), replicas.global_value(l_fake)
        k_next = began_losses.k_update(k, real_mean, fake_mean, self.gamma, self.lambda_k)
        self.k_t.assign(k_next)
        values = {
            "m_global": began_losses.convergence_measure(real_mean, fake_mean, self.gamma),
            "d_loss": replicas.global_value(d_loss),
            "g_loss": fake_mean,
            "l_real": real_mean,
            "l_fake": fake_mean,
        }
        for name, value in values.items():
            self.trackers[name].update_state(value)
        logs = {"m_global": self.trackers["m_global"].result(), "k_t": k_next}
        logs.update({name: t.result() for name, t in self.trackers.items()})
        return logs

    # -- serialization -------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({
            "image_size": self.image_size, "channels": self.channels,
            "latent_dim": self.latent_dim, "embedding_dim": self.embedding_dim,
            "width": self.width, "gamma": self.gamma, "lambda_k": self.lambda_k,
            "lr_patience": self.lr_patience, "lr_factor": self.lr_factor, "seed": self.seed,
        })
        return config


def _to_unit(images):
    """Raw network images about [-1, 1] -> float32 in [0, 1]."""
    return tf.clip_by_value((tf.cast(images, tf.float32) + 1.0) / 2.0, 0.0, 1.0)
