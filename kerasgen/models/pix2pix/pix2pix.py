"""pix2pix: a U-Net generator G(x) and a PatchGAN discriminator D(x, y) trained with a
conditional GAN loss plus lambda * L1(y, G(x)) (Isola et al., "Image-to-Image Translation
with Conditional Adversarial Networks", CVPR 2017)."""

import keras
import tensorflow as tf

from kerasgen.layers.blocks import check_norm_and_loss
from kerasgen.layers.patchgan import patchgan_discriminator
from kerasgen.layers.unet import unet_generator
from kerasgen.losses import gan as gan_losses
from kerasgen.models import training
from kerasgen.models.capabilities import Translator
from kerasgen.models.common import positive_int
from kerasgen.models.translator import TranslationNet
from kerasgen.models.translator import check_direction
from kerasgen.registry import register_model


@register_model("pix2pix")
class Pix2Pix(training.TwoPlayers, Translator, keras.Model):
    """Paired translation x -> y. Batches are `(source, target)` pairs in [-1, 1].

    Args:
        image_size: side of the square images (a power of two: the U-Net goes down to 1x1,
            6 downsamplings at 64 px, 8 at 256).
        source_channels, target_channels: e.g. 1 -> 3 for edges or grey -> colour.
        generator_width, discriminator_width: filters of the first block (64 in the paper).
        patch_size: PatchGAN receptive field, 1, 16, 70 (default) or 286 pixels.
        norm: "batch" (the paper), "instance" or "none".
        loss: adversarial objective from `kerasgen.losses` ("non_saturating" as in the paper,
            "least_squares", "hinge", ...).
        l1_weight: lambda of the L1 term (100); with `adversarial_weight=0` the model is the
            paper's "L1 only" U-Net.
        adversarial_weight: weight of the generator's adversarial term (1).
        dropout: dropout rate of the first three decoder blocks (0.5), kept at test time.

    Example:
    >>> model = kerasgen.models.Pix2Pix(image_size=64, source_channels=1)
    >>> model.compile()                       # Adam(2e-4, beta_1=0.5) for G and D
    >>> model.fit(pairs, epochs=10)           # pairs: (source, target) in [-1, 1]
    >>> model.translate(grey_faces)           # [0, 1] in, [0, 1] out
    """

    data_range = "symmetric"  # tanh images in [-1, 1]
    directions = ("a2b",)  # source -> target, the one direction it learns

    def __init__(self, image_size=256, source_channels=3, target_channels=3,
                 generator_width=64, discriminator_width=64, patch_size=70, norm="batch",
                 loss="non_saturating", l1_weight=100.0, adversarial_weight=1.0, dropout=0.5,
                 **kwargs):
        super().__init__(**kwargs)
        self.image_size = positive_int("image_size", image_size)
        self.source_channels = positive_int("source_channels", source_channels)
        self.target_channels = positive_int("target_channels", target_channels)
        self.generator_width = positive_int("generator_width", generator_width)
        self.discriminator_width = positive_int("discriminator_width", discriminator_width)
        self.patch_size = int(patch_size)
        self.loss = check_norm_and_loss(norm, loss, "pix2pix")
        self.norm = norm
        self.l1_weight = float(l1_weight)
        self.adversarial_weight = float(adversarial_weight)
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1); received {dropout}.")
        self.dropout = float(dropout)
        self.generator = unet_generator(self.image_size, self.source_channels,
                                        self.target_channels, self.generator_width, norm,
                                        self.dropout)
        self.discriminator = patchgan_discriminator(
            self.image_size, self.source_channels, self.target_channels,
            self.discriminator_width, self.patch_size, norm)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in
                         ("d_loss", "g_loss", "g_adversarial", "l1", "real_score",
                          "fake_score")}
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers.values())

    # -- the two players (compile / save / restore: training.TwoPlayers) -------------------
    def generator_variables(self):
        return self.generator.trainable_variables

    def discriminator_variables(self):
        return self.discriminator.trainable_variables

    # -- use -------------------------------------------------------------------------------
    def call(self, source, training=False):
        """G(source) in [-1, 1]."""
        return self.generator(source, training=training)

    def deterministic_generator(self):
        """The generator with test-time dropout off: the same layers (so the same weights,
        never copied) rewired with plain Dropout in place of AlwaysDropout, built once. The
        same input always gets the same output, as a served model should."""
        if getattr(self, "_deterministic", None) is None:
            from kerasgen.layers.blocks import AlwaysDropout

            def reuse(layer):
                if isinstance(layer, AlwaysDropout):
                    return keras.layers.Dropout(layer.rate, name=layer.name)
                return layer  # shared: weight updates show through

            net = keras.models.clone_model(self.generator, clone_function=reuse)
            object.__setattr__(self, "_deterministic", net)  # not tracked: not saved twice
        return self._deterministic

    def translator(self, direction="a2b"):
        """The deterministic generator and its shapes, for `kerasgen translate` and export
        (inputs resized to image_size and back)."""
        check_direction(self, direction)
        return TranslationNet(self.deterministic_generator(), self.image_size, None,
                          self.source_channels, self.target_channels)

    def translate(self, images, direction=None, stochastic=True):
        """Translate (B, image_size, image_size, source_channels) images in [0, 1] to targets
        in [0, 1], float32. With `stochastic` (default, as in the paper) dropout stays on, so
        calls differ slightly; `stochastic=False` uses `deterministic_generator()`.
        `direction` is "a2b" (or None), the one direction pix2pix learns."""
        check_direction(self, direction or "a2b")
        images = tf.convert_to_tensor(images)
        expected = (self.image_size, self.image_size, self.source_channels)
        if images.shape.rank != 4 or tuple(images.shape[1:]) != expected:
            raise ValueError(f"translate expects images of shape (batch, {expected[0]}, "
                             f"{expected[1]}, {expected[2]}) in [0, 1]; received "
                             f"{tuple(images.shape)}.")
        x = tf.cast(images, tf.float32) * 2.0 - 1.0
        net = self.generator if stochastic else self.deterministic_generator()
        y = tf.cast(net(x, training=False), tf.float32)
        return (y + 1.0) / 2.0

    def run_end_callbacks(self, dataset, steps=100):
        return [training.PreciseBatchNormAtEnd(dataset, steps)]

    def precise_batch_norm(self, dataset, steps=100):
        """Recompute the generator's batch-norm statistics from `steps` (source, target)
        batches of `dataset` under the final weights (`training.precise_batch_norm`); a
        no-op for instance norm. `kerasgen train` ends every pix2pix run with it."""
        sources = (source for source, _ in dataset.take(int(steps)))
        return training.precise_batch_norm(self.generator, sources)

    # -- training --------------------------------------------------------------------------
    def _terms(self, source, target, training):
        fake = self.generator(source, training=training)
        real_logits = self.discriminator([source, target], training=training)
        fake_logits = self.discriminator([source, fake], training=training)
        real_term, fake_term = gan_losses.discriminator_loss(self.loss, real_logits,
                                                             fake_logits)
        adversarial = gan_losses.generator_loss(self.loss, fake_logits)
        l1 = tf.reduce_mean(tf.abs(tf.cast(target, tf.float32) - tf.cast(fake, tf.float32)),
                            axis=[1, 2, 3])
        return {
            "d_loss": 0.5 * (real_term + fake_term),  # the paper halves D's objective
            "g_loss": self.adversarial_weight * adversarial + self.l1_weight * l1,
            "g_adversarial": adversarial,
            "l1": l1,
            "real_score": tf.reduce_mean(tf.reshape(tf.cast(real_logits, tf.float32),
                                                    [tf.shape(source)[0], -1]), axis=-1),
            "fake_score": tf.reduce_mean(tf.reshape(tf.cast(fake_logits, tf.float32),
                                                    [tf.shape(source)[0], -1]), axis=-1),
        }

    def train_step(self, data):
        source, target = data
        # One forward pass serves both players (as the paper's code and the TF tutorial do):
        # D's gradients come from d_loss, G's from g_loss, each through its own tape.
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            terms = self._terms(source, target, training=True)
            g_scaled = training.scaled_mean(self.g_optimizer, terms["g_loss"])
            d_scaled = training.scaled_mean(self.d_optimizer, terms["d_loss"])
        training.apply(self.g_optimizer, g_tape, g_scaled, self.generator.trainable_variables)
        training.apply(self.d_optimizer, d_tape, d_scaled,
                       self.discriminator.trainable_variables)
        return self._track(terms)

    def test_step(self, data):
        source, target = data
        return self._track(self._terms(source, target, training=False))

    def _track(self, terms):
        for name, value in terms.items():
            self.trackers[name].update_state(tf.reduce_mean(value))
        return {name: t.result() for name, t in self.trackers.items()}

    def get_config(self):
        config = super().get_config()
        config.update({
            "image_size": self.image_size, "source_channels": self.source_channels,
            "target_channels": self.target_channels, "generator_width": self.generator_width,
            "discriminator_width": self.discriminator_width, "patch_size": self.patch_size,
            "norm": self.norm, "loss": self.loss, "l1_weight": self.l1_weight,
            "adversarial_weight": self.adversarial_weight, "dropout": self.dropout})
        return config
