"""Deterministic autoencoders: plain and denoising."""

import keras
import tensorflow as tf

from kerasgen.models import replicas
from kerasgen.models.capabilities import Encoder
from kerasgen.models.common import unpack
from kerasgen.models.vae.networks import build_decoder
from kerasgen.models.vae.networks import build_encoder
from kerasgen.registry import register_model
from kerasgen.models.common import positive_int

RECONSTRUCTION_LOSSES = ("binary_crossentropy", "mean_squared_error")
NOISE_TYPES = ("gaussian", "masking")


@register_model("autoencoder")
class Autoencoder(Encoder, keras.Model):
    """Undercomplete autoencoder: encoder f, decoder g, trained to reconstruct x from f(x).

    Args:
        image_shape: (height, width, channels), values in [0, 1].
        latent_dim: size of the code f(x); smaller than the image so it cannot copy it.
        architecture: "conv" or "mlp".
        hidden_dims: encoder widths (the decoder mirrors them).
        reconstruction_loss: "binary_crossentropy" or "mean_squared_error", summed over pixels.

    Example:
    >>> ae = kerasgen.models.Autoencoder(latent_dim=16)
    >>> ae.compile(optimizer="adam"); ae.fit(images, epochs=1)
    >>> codes = ae.encode(images)

    Reference: Hinton & Salakhutdinov, "Reducing the Dimensionality of Data with Neural
    Networks", Science 2006.
    """

    def __init__(self, image_shape=(28, 28, 1), latent_dim=16, architecture="conv",
                 hidden_dims=(32, 64), reconstruction_loss="binary_crossentropy", **kwargs):
        super().__init__(**kwargs)
        if reconstruction_loss not in RECONSTRUCTION_LOSSES:
            raise ValueError(f"Unknown reconstruction_loss {reconstruction_loss!r}; expected "
                             f"one of {', '.join(RECONSTRUCTION_LOSSES)}.")
        self.image_shape = tuple(positive_int("image_shape", d) for d in image_shape)
        self.latent_dim = positive_int("latent_dim", latent_dim)
        self.architecture = architecture
        self.hidden_dims = tuple(positive_int("hidden_dims", d) for d in hidden_dims)
        self.reconstruction_loss = reconstruction_loss
        self.encoder = build_encoder(self.image_shape, self.latent_dim, architecture,
                                     self.hidden_dims)
        self.decoder = build_decoder(self.image_shape, self.latent_dim, self.image_shape[-1],
                                     architecture, self.hidden_dims)  # logits
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker]

    def encode(self, x):
        return self.encoder(x)

    def decode(self, code):
        return tf.sigmoid(tf.cast(self.decoder(code), tf.float32))

    def call(self, x, training=False):
        return tf.sigmoid(tf.cast(self.decoder(self.encoder(x, training=training),
                                               training=training), tf.float32))

    def reconstruct(self, x):
        return self(x)

    def corrupt(self, x):
        """The plain autoencoder sees clean inputs."""
        return x

    def _per_example_loss(self, x, logits):
        x = tf.cast(x, tf.float32)
        logits = tf.cast(logits, tf.float32)
        if self.reconstruction_loss == "binary_crossentropy":
            per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits)
        else:
            per_pixel = tf.square(x - tf.sigmoid(logits))
        return tf.reduce_sum(per_pixel, axis=[1, 2, 3])  # (B,)

    def train_step(self, data):
        x, _ = unpack(data)
        with tf.GradientTape() as tape:
            logits = self.decoder(self.encoder(self.corrupt(x), training=True), training=True)
            per_example = self._per_example_loss(x, logits)
            scaled = self.optimizer.scale_loss(replicas.global_mean(per_example))
        grads = tape.gradient(scaled, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_tracker.update_state(tf.reduce_mean(per_example))
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        x, _ = unpack(data)
        logits = self.decoder(self.encoder(self.corrupt(x)))
        self.loss_tracker.update_state(tf.reduce_mean(self._per_example_loss(x, logits)))
        return {"loss": self.loss_tracker.result()}

    def get_config(self):
        config = super().get_config()
        config.update({
            "image_shape": list(self.image_shape),
            "latent_dim": self.latent_dim,
            "architecture": self.architecture,
            "hidden_dims": list(self.hidden_dims),
            "reconstruction_loss": self.reconstruction_loss,
        })
        return config


@register_model("denoising_autoencoder")
class DenoisingAutoencoder(Autoencoder):
    """Denoising autoencoder: reconstruct clean x from a corrupted copy (Vincent et al. 2008).

    Args (besides those of `kerasgen.models.Autoencoder`):
        noise: "gaussian" (add N(0, noise_level^2), clip to [0, 1]) or "masking" (zero each
            pixel with probability noise_level).
        noise_level: standard deviation or masking probability.
        seed: seed of the corruption's `keras.random.SeedGenerator`.

    Example:
    >>> dae = kerasgen.models.DenoisingAutoencoder(noise="masking", noise_level=0.3)

    Reference: Vincent et al., "Extracting and Composing Robust Features with Denoising
    Autoencoders", ICML 2008.
    """

    def __init__(self, noise="gaussian", noise_level=0.3, seed=None, **kwargs):
        if noise not in NOISE_TYPES:
            raise ValueError(f"Unknown noise {noise!r}; expected one of {', '.join(NOISE_TYPES)}.")
        super().__init__(**kwargs)
        self.noise = noise
        self.noise_level = float(noise_level)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def corrupt(self, x):
        x = tf.cast(x, tf.float32)
        seed = replicas.replica_seed(self.seed_generator)
        if self.noise == "gaussian":
            noisy = x + self.noise_level * tf.random.stateless_normal(tf.shape(x), seed)
            return tf.clip_by_value(noisy, 0.0, 1.0)
        keep = tf.random.stateless_uniform(tf.shape(x), seed) >= self.noise_level
        return x * tf.cast(keep, x.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"noise": self.noise, "noise_level": self.noise_level, "seed": self.seed})
        return config
