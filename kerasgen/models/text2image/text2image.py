"""Generative adversarial text-to-image synthesis (Reed et al. 2016): a DCGAN conditioned on
caption embeddings from a frozen, pretrained `TextEncoder`, with the matching-aware
discriminator (GAN-CLS) and manifold interpolation (GAN-INT)."""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from kerasgen.models import replicas
from kerasgen.losses import gan as gan_losses
from kerasgen.models.capabilities import TextConditioned
from kerasgen.models.common import positive_int
from kerasgen.models.dcgan.discriminator import discriminator_trunk
from kerasgen.models.dcgan.generator import dcgan_generator
from kerasgen.models.dcgan.generator import init
from kerasgen.models.gan.gan import GAN
from kerasgen.models.text_encoder.text_encoder import TextEncoder
from kerasgen.registry import register_model


def text_generator(image_size, channels, latent_dim, embedding_dim, projection_dim, width):
    """[z (B, latent_dim), embedding (B, embedding_dim)] -> images (B, S, S, C) in [-1, 1]:
    the embedding projected to `projection_dim` + LeakyReLU(0.2), concatenated with z, then
    the DCGAN generator."""
    z = keras.Input((latent_dim,), name="z")
    embedding = keras.Input((embedding_dim,), name="text_embedding")
    text = layers.Dense(projection_dim, kernel_initializer=init(), name="text_projection")(
        embedding)
    text = layers.LeakyReLU(0.2)(text)
    h = layers.Concatenate()([z, text])  # (B, latent_dim + projection_dim)
    body = dcgan_generator(image_size, channels, latent_dim + projection_dim, width,
                           name="dcgan_generator")
    return keras.Model([z, embedding], body(h), name="generator")


def text_discriminator(image_size, channels, embedding_dim, projection_dim, width):
    """[images, embedding] -> logits (B, 1): strided convs down to s x s (4 at 64x64), the
    embedding projected to `projection_dim` + LeakyReLU and replicated s x s, concatenated in
    depth, a 1x1 conv (+ BN + LeakyReLU), then an s x s conv to one logit (Reed et al. Sec.
    4.1)."""
    image = keras.Input((image_size, image_size, channels), name="image")
    embedding = keras.Input((embedding_dim,), name="text_embedding")
    h = discriminator_trunk(image, width)  # (B, s, s, F)
    side = h.shape[1]
    text = layers.Dense(projection_dim, kernel_initializer=init(), name="text_projection")(
        embedding)
    text = layers.LeakyReLU(0.2)(text)
    text = layers.Reshape((1, 1, projection_dim))(text)
    text = layers.UpSampling2D(side)(text)  # replicated spatially, (B, s, s, projection_dim)
    h = layers.Concatenate()([h, text])
    h = layers.Conv2D(h.shape[-1] - projection_dim, 1, use_bias=False,
                      kernel_initializer=init(), name="joint")(h)
    h = layers.BatchNormalization()(h)
    h = layers.LeakyReLU(0.2)(h)
    h = layers.Conv2D(1, side, padding="valid", kernel_initializer=init(), name="to_logit")(h)
    logits = layers.Flatten(dtype="float32")(h)  # (B, 1)
    return keras.Model([image, embedding], logits, name="discriminator")


@register_model("text2image")
class TextToImageGAN(TextConditioned, GAN):
    """Reed et al. 2016's text-to-image GAN at 64x64, trained on (image, caption) batches.

    Captions are embedded by `text_encoder`, a pretrained `TextEncoder` kept frozen (Reed et
    al. pretrain theirs and fix it); G and D see the embedding (see `text_generator` and
    `text_discriminator`).

    - GAN-CLS (`matching_aware`): D learns three kinds of input: (real image, its caption) as
      real, and (real image, a mismatched caption) and (generated image, its caption) as
      fake, the two fakes weighted 1/2 each. The mismatched caption of example i is that of
      example i + s (mod B) for a random shift s; pairs whose two captions embed identically
      (the same words) are left out of that term.
    - GAN-INT (`interpolation`): the generator step adds the adversarial loss of images
      generated from beta * h_i + (1 - beta) * h_j, interpolated embeddings of two captions of
      the batch (beta = `interpolation_beta`, 0.5 in the paper), for which D has no real
      image, so G must fill the gaps between captions.

    Args:
        text_encoder: a `TextEncoder` (or its serialized config, or a path to its `.keras`
            file); frozen. Its `embedding_dim` sets the condition size.
        image_size, channels, latent_dim, generator_width, discriminator_width: as DCGAN's.
        projection_dim: size the embedding is projected to in G and D (128 in the paper).
        matching_aware: GAN-CLS's mismatched-caption term.
        interpolation: GAN-INT's interpolated-embedding term.
        interpolation_beta: beta of the interpolation.
        sample_texts: captions of sample grids (one a column) and of sample-quality metrics;
            `kerasgen train` fills in held-out captions when it is None.
        **kwargs: GAN options (loss, ema_decay, seed, ...).

    Example:
    >>> model = kerasgen.models.TextToImageGAN(text_encoder=encoder, ema_decay=0.999)
    >>> model.compile()
    >>> model.fit(image_caption_batches, epochs=20)
    >>> model.generate_from_text(["a smiling woman with blond hair"], seed=0)

    Reference: Reed, Akata, Yan, Logeswaran, Schiele & Lee, "Generative Adversarial Text to
    Image Synthesis", ICML 2016.
    """

    def __init__(self, text_encoder, image_size=64, channels=3, latent_dim=100,
                 generator_width=64, discriminator_width=64, projection_dim=128,
                 matching_aware=True, interpolation=True, interpolation_beta=0.5,
                 sample_texts=None, **kwargs):
        for key in ("generator", "discriminator", "num_classes", "conditional"):
            if key in kwargs:
                raise ValueError(f"TextToImageGAN builds its own networks and conditions them "
                                 f"on text; received {key}=.")
        self.text_encoder = _text_encoder(text_encoder)
        self.text_encoder.trainable = False
        self.image_size = positive_int("image_size", image_size)
        self.channels = positive_int("channels", channels)
        self.generator_width = positive_int("generator_width", generator_width)
        self.discriminator_width = positive_int("discriminator_width", discriminator_width)
        self.projection_dim = positive_int("projection_dim", projection_dim)
        self.matching_aware = bool(matching_aware)
        self.interpolation = bool(interpolation)
        if not 0.0 <= float(interpolation_beta) <= 1.0:
            raise ValueError(f"interpolation_beta must be in [0, 1]; received "
                             f"{interpolation_beta}.")
        self.interpolation_beta = float(interpolation_beta)
        self.sample_texts = [str(t) for t in sample_texts] if sample_texts else None
        # Loss terms tracked beside GAN's, as the switches turn them on.
        self.extra_metrics = (("d_mismatch",) if self.matching_aware else ()) + (
            ("g_interpolation",) if self.interpolation else ())
        latent_dim = positive_int("latent_dim", latent_dim)
        embedding_dim = self.text_encoder.embedding_dim
        generator = text_generator(self.image_size, self.channels, latent_dim, embedding_dim,
                                   self.projection_dim, self.generator_width)
        discriminator = text_discriminator(self.image_size, self.channels, embedding_dim,
                                           self.projection_dim, self.discriminator_width)
        super().__init__(generator, discriminator, latent_dim=latent_dim, conditional=True,
                         **kwargs)

    # -- text -----------------------------------------------------------------------------
    def embed(self, texts):
        """(B,) strings (or `text_inputs` token ids) -> (B, embedding_dim) caption embeddings
        (the frozen encoder)."""
        return tf.stop_gradient(self.text_encoder.encode_text(texts))

    def text_inputs(self, texts):
        """Token ids `fit` may take instead of strings (see `TextEncoder.text_inputs`)."""
        return self.text_encoder.text_inputs(texts)

    def read_words(self, texts):
        """Each caption's words the frozen encoder's vocabulary does not hold, and how many
        it holds (see `TextEncoder.read_words`)."""
        return self.text_encoder.read_words(texts)

    def _inputs(self, first, labels):
        if labels is not None:
            labels = tf.convert_to_tensor(labels)
            if labels.dtype == tf.string:
                labels = self.embed(labels)
        return super()._inputs(first, labels)

    # -- what the pipeline asks (kerasgen.models.capabilities) ------------------------------
    @property
    def sampling_options(self):
        return ("seed", "text")

    def cycling_options(self, num_samples):
        """The sample captions in turn, one a column of a grid."""
        texts = list(self.sample_texts or [])
        if not texts:
            raise ValueError("TextToImageGAN has no sample captions (sample_texts); pass "
                             "captions, e.g. generate_from_text([...]).")
        return {"labels": np.array([texts[i % len(texts)] for i in range(int(num_samples))],
                                   object)}

    def grid_columns(self, num_samples):
        return len(self.sample_texts or []) or super().grid_columns(num_samples)

    def prepare_dataset(self, dataset, training=True):
        """(image, caption) batches -> (image, token ids) of the frozen encoder, in the
        input pipeline (see `TextEncoder.prepare_dataset`)."""
        return dataset.map(lambda images, texts: (images, self.text_inputs(texts)),
                           num_parallel_calls=tf.data.AUTOTUNE)

    def adopt_examples(self, examples):
        """Sample grids show the first captions of the held-out examples, unless the model
        was given its own."""
        if not self.sample_texts and examples is not None:
            self.sample_texts = [str(t) for t in examples[1]]

    def text_grid(self, texts, num_per_text, seed=0):
        """`num_per_text` images of each caption in a uint8 grid: one caption a column, one
        z a row shared by every caption of the row (style kept, content from the text); a
        single caption fills a square grid."""
        from kerasgen.images import make_grid

        z = np.asarray(self.sample_latents(num_per_text, seed=seed))
        rows = [np.asarray(self.generate_from_text(
            texts, latents=np.repeat(z[i:i + 1], len(texts), axis=0)))
            for i in range(num_per_text)]  # (len(texts), H, W, C) per row
        columns = len(texts) if len(texts) > 1 else math.ceil(math.sqrt(num_per_text))
        return make_grid(np.concatenate(rows), columns)

    def generate_from_text(self, texts, seed=None, latents=None, use_ema=True):
        """Images (B, H, W, C) in [0, 1] for B captions: one z per caption, drawn from `seed`
        (int) or given as `latents` (B, latent_dim), e.g. one z repeated to keep the style
        while the caption changes."""
        texts = tf.convert_to_tensor(texts)
        if texts.dtype != tf.string or texts.shape.rank != 1:
            raise ValueError(f"generate_from_text expects a list of caption strings, shape "
                             f"(B,); received {texts.dtype.name} of shape {tuple(texts.shape)}.")
        count = int(texts.shape[0])
        return self.generate(count if latents is None else latents, seed=seed, labels=texts,
                             use_ema=use_ema)

    def interpolate_captions(self, text_a, text_b, steps=8, seed=None, use_ema=True):
        """Images for embeddings (1 - t) h_a + t h_b, t = 0 .. 1 in `steps`, one fixed z."""
        h = self.embed(tf.constant([text_a, text_b]))
        t = tf.linspace(0.0, 1.0, int(steps))[:, None]
        embeddings = (1.0 - t) * h[0] + t * h[1]
        z = tf.repeat(self.sample_latents(1, seed), int(steps), axis=0)
        return self.generate(z, labels=embeddings, use_ema=use_ema)

    # -- training -------------------------------------------------------------------------
    def step_conditions(self, texts):
        """Caption embeddings of a batch's captions (strings or token ids)."""
        return self.embed(texts)

    def train_step(self, data):
        images, texts = data  # captions: strings or token ids
        return super().train_step((images, self.step_conditions(texts)))

    def _partner(self, embeddings):
        """Embeddings of another caption of the batch (shifted by a random 1 .. B-1) and a
        (B,) mask: 1 where the two differ."""
        batch = tf.shape(embeddings)[0]
        shift = tf.random.stateless_uniform(
            [], replicas.replica_seed(self.seed_generator), minval=1,
            maxval=tf.maximum(batch, 2), dtype=tf.int32)
        other = tf.roll(embeddings, shift, axis=0)
        differs = tf.reduce_any(tf.abs(other - embeddings) > 1e-6, axis=-1)
        return other, tf.cast(differs, tf.float32)

    def discriminator_terms(self, real, fake, real_logits, fake_logits, labels):
        terms = super().discriminator_terms(real, fake, real_logits, fake_logits, labels)
        if self.matching_aware:
            wrong, differs = self._partner(labels)
            wrong_logits = self.discriminate(real, wrong)  # augmented as the other D inputs
            _, mismatch = gan_losses.discriminator_loss(self.loss, real_logits, wrong_logits,
                                                        self.label_smoothing)
            terms["fake"] = 0.5 * terms["fake"]
            terms["mismatch"] = 0.5 * mismatch * differs
        return terms

    def generator_terms(self, fake, fake_logits, labels):
        terms = super().generator_terms(fake, fake_logits, labels)
        if self.interpolation:
            other, _ = self._partner(labels)
            mixed = self.interpolation_beta * labels + (1.0 - self.interpolation_beta) * other
            z = self._latents_for(tf.shape(labels)[0])
            mixed_fake = self.generator([z, mixed], training=True)
            mixed_logits = self.discriminate(mixed_fake, mixed)
            terms["interpolation"] = gan_losses.generator_loss(self.loss, mixed_logits)
        return terms

    # -- serialization --------------------------------------------------------------------
    def get_config(self):
        config = super(GAN, self).get_config()  # the networks are rebuilt from the args
        config.update(self._gan_config())
        for key in ("num_classes", "conditional"):
            config.pop(key)
        config.update({
            "text_encoder": keras.saving.serialize_keras_object(self.text_encoder),
            "image_size": self.image_size,
            "channels": self.channels,
            "generator_width": self.generator_width,
            "discriminator_width": self.discriminator_width,
            "projection_dim": self.projection_dim,
            "matching_aware": self.matching_aware,
            "interpolation": self.interpolation,
            "interpolation_beta": self.interpolation_beta,
            "sample_texts": self.sample_texts,
        })
        return config


def _text_encoder(value):
    if isinstance(value, TextEncoder):
        return value
    if isinstance(value, str) and not value.endswith(".keras"):
        # A zoo name: its checksummed artifact. (Imported here: the zoo imports the models.)
        from kerasgen import zoo

        value = zoo.path(value)
    if isinstance(value, dict):
        return keras.saving.deserialize_keras_object(value)
    if isinstance(value, str) and value.endswith(".keras"):
        encoder = keras.saving.load_model(value, compile=False)
        if isinstance(encoder, TextEncoder):
            return encoder
    raise ValueError(f"text_encoder must be a TextEncoder, its config, a path to its .keras "
                     f"file or a zoo name; received {value!r}.")
