"""CycleGAN (Zhu et al. 2017): unpaired translation between domains A and B."""

import keras
import tensorflow as tf

from kerasgen.models import replicas
from kerasgen.layers.blocks import check_norm_and_loss
from kerasgen.layers.patchgan import patchgan_discriminator
from kerasgen.layers.resnet import RESNET_MULTIPLE
from kerasgen.layers.resnet import default_residual_blocks
from kerasgen.layers.resnet import resnet_generator
from kerasgen.losses import gan as gan_losses
from kerasgen.losses.cyclegan import cycle_losses
from kerasgen.models import training
from kerasgen.models.capabilities import Translator
from kerasgen.models.common import positive_int
from kerasgen.models.cyclegan.pool import HistoryPool
from kerasgen.models.translator import TranslationNet
from kerasgen.models.translator import check_direction
from kerasgen.registry import register_model


@register_model("cyclegan")
class CycleGAN(training.TwoPlayers, Translator, keras.Model):
    """CycleGAN: generators G: A -> B and F: B -> A, PatchGAN discriminators D_A and D_B,
    trained with `model.fit` on unpaired (a, b) batches in [-1, 1].

    G minimises adv(D_B(G(a))) + adv(D_A(F(b))) + cycle_weight * (|F(G(a)) - a| + |G(F(b)) -
    b|) + identity_weight * cycle_weight * (|G(b) - b| + |F(a) - a|); each D minimises half its
    real/fake objective, the fakes drawn from a history pool of `pool_size` past fakes. Losses
    are per example and averaged over the global batch, so the step is correct per replica.

    Args:
        image_size: training side (square); translation runs at any size divisible by 4.
        channels_a, channels_b: channels of each domain (1 for grey, 3 for colour).
        generator_width: channels of the first generator layer (64 in the paper).
        residual_blocks: ResNet blocks; None picks 9 at 256 px and up, 6 below (the paper).
        discriminator_width, patch_size: the PatchGAN (70x70 as in the paper).
        norm: "instance" (the paper), "batch" or "none".
        loss: adversarial objective from `kerasgen.losses` ("least_squares", the paper's).
        cycle_weight: lambda of the cycle loss (10).
        identity_weight: the identity loss's weight relative to cycle_weight (0.5; 0 turns
            it off; needs channels_a == channels_b).
        pool_size: past fakes per discriminator (50; 0 scores only the newest).
        seed: seed of the pool's random choices.
        upsampling: the generators' two upsampling steps: "transpose" (stride-2 transposed
            convolutions, the paper's) or "resize" (nearest-neighbour resize, then a 3x3
            convolution: no checkerboard, Odena et al. 2016).

    Example:
    >>> model = kerasgen.models.CycleGAN(image_size=64)
    >>> model.compile()  # Adam(2e-4, 0.5) for the generator pair and the discriminator pair
    >>> model.fit(tf.data.Dataset.zip((a_images, b_images)).batch(1), epochs=10)
    >>> b_like = model.translate(a_batch, direction="a2b")  # [0, 1] in and out
    """

    data_range = "symmetric"
    validates = False
    directions = ("a2b", "b2a")

    def __init__(self, image_size=256, channels_a=3, channels_b=3, generator_width=64,
                 residual_blocks=None, discriminator_width=64, patch_size=70, norm="instance",
                 loss="least_squares", cycle_weight=10.0, identity_weight=0.5, pool_size=50,
                 seed=None, upsampling="transpose", **kwargs):
        super().__init__(**kwargs)
        self.image_size = positive_int("image_size", image_size)
        if self.image_size % RESNET_MULTIPLE:
            raise ValueError(f"image_size must be a multiple of {RESNET_MULTIPLE} (two "
                             f"stride-2 steps down and up); received {image_size}.")
        self.channels_a = positive_int("channels_a", channels_a)
        self.channels_b = positive_int("channels_b", channels_b)
        self.generator_width = positive_int("generator_width", generator_width)
        self.residual_blocks = (default_residual_blocks(self.image_size)
                                if residual_blocks is None
                                else positive_int("residual_blocks", residual_blocks))
        self.discriminator_width = positive_int("discriminator_width", discriminator_width)
        self.patch_size = int(patch_size)
        self.loss = check_norm_and_loss(norm, loss, "CycleGAN")
        self.norm = norm
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        if self.identity_weight and self.channels_a != self.channels_b:
            raise ValueError(
                f"identity_weight {identity_weight} compares G(b) with b, which needs the same "
                f"channels on both sides; received channels_a={channels_a}, "
                f"channels_b={channels_b}. Set identity_weight: 0.")
        if int(pool_size) < 0:
            raise ValueError(f"pool_size must be >= 0; received {pool_size}.")
        self.pool_size = int(pool_size)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.upsampling = upsampling  # checked by resnet_generator
        gen = dict(width=self.generator_width, residual_blocks=self.residual_blocks,
                   norm=norm, upsampling=upsampling)
        self.generator_g = resnet_generator(self.channels_a, self.channels_b, name="G_a2b",
                                            **gen)
        self.generator_f = resnet_generator(self.channels_b, self.channels_a, name="F_b2a",
                                            **gen)
        disc = dict(width=self.discriminator_width, patch_size=self.patch_size, norm=norm,
                    conditional=False)
        self.discriminator_a = patchgan_discriminator(self.image_size, None, self.channels_a,
                                                      name="D_a", **disc)
        self.discriminator_b = patchgan_discriminator(self.image_size, None, self.channels_b,
                                                      name="D_b", **disc)
        size = (self.image_size, self.image_size)
        # Saved with the weights (and backups), so a resumed run keeps its pools.
        self.pool_a = HistoryPool(self.pool_size, size + (self.channels_a,), name="pool_a")
        self.pool_b = HistoryPool(self.pool_size, size + (self.channels_b,), name="pool_b")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in (
            "g_loss", "d_loss", "adversarial", "cycle", "identity", "d_a", "d_b",
            "real_score", "fake_score")}
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def generators(self):
        return [self.generator_g, self.generator_f]

    @property
    def discriminators(self):
        return [self.discriminator_a, self.discriminator_b]

    # -- the two players (compile / save / restore: training.TwoPlayers) -------------------
    # One optimizer for the generator pair and one for the discriminator pair, as the
    # reference implementation chains their parameters; Adam(2e-4, beta_1=0.5) each.
    def generator_variables(self):
        return self._variables(self.generators)

    def discriminator_variables(self):
        return self._variables(self.discriminators)

    @staticmethod
    def _variables(networks):
        return [v for net in networks for v in net.trainable_variables]

    # -- use -------------------------------------------------------------------------------
    def call(self, images, training=False):
        """G(a) in [-1, 1]."""
        return self.generator_g(images, training=training)

    def translator(self, direction="a2b"):
        """The network and shapes of one direction, for `kerasgen translate` and export:
        fully convolutional, so images keep their own size (padded to a multiple of 4)."""
        check_direction(self, direction)
        if direction == "a2b":
            return TranslationNet(self.generator_g, None, RESNET_MULTIPLE, self.channels_a,
                                  self.channels_b)
        return TranslationNet(self.generator_f, None, RESNET_MULTIPLE, self.channels_b,
                              self.channels_a)

    def translate(self, images, direction=None):
        """(B, H, W, C) images in [0, 1] of one domain -> the other domain's, float32 in
        [0, 1]; `direction` "a2b" (default) or "b2a"; H and W must be multiples of 4
        (`kerasgen translate` pads any size)."""
        direction = direction or "a2b"
        t = self.translator(direction)
        images = tf.convert_to_tensor(images)
        if (images.shape.rank != 4 or images.shape[-1] != t.source_channels
                or any(s is not None and s % RESNET_MULTIPLE for s in images.shape[1:3])):
            raise ValueError(
                f"translate({direction!r}) expects images of shape (batch, height, width, "
                f"{t.source_channels}) in [0, 1], height and width multiples of "
                f"{RESNET_MULTIPLE}; received {tuple(images.shape)}.")
        y = t.net(tf.cast(images, tf.float32) * 2.0 - 1.0, training=False)
        return (tf.cast(y, tf.float32) + 1.0) / 2.0

    def cycle(self, images, direction="a2b"):
        """F(G(a)) for direction "a2b", G(F(b)) for "b2a": the reconstruction, [0, 1]."""
        back = "b2a" if direction == "a2b" else "a2b"
        return self.translate(self.translate(images, direction), back)

    # -- training --------------------------------------------------------------------------
    def _forward(self, real_a, real_b, training):
        fake_b = self.generator_g(real_a, training=training)
        fake_a = self.generator_f(real_b, training=training)
        cycled_a = self.generator_f(fake_b, training=training)
        cycled_b = self.generator_g(fake_a, training=training)
        same = {}
        if self.identity_weight:
            same = {"same_a": self.generator_f(real_a, training=training),
                    "same_b": self.generator_g(real_b, training=training)}
        terms = cycle_losses(real_a, real_b, fake_a, fake_b, cycled_a, cycled_b, **same)
        adversarial = (
            gan_losses.generator_loss(self.loss, self.discriminator_b(fake_b, training=training))
            + gan_losses.generator_loss(self.loss,
                                        self.discriminator_a(fake_a, training=training)))
        terms["adversarial"] = adversarial
        terms["g_loss"] = (adversarial + self.cycle_weight * terms["cycle"]
                           + self.identity_weight * self.cycle_weight * terms["identity"])
        return fake_a, fake_b, terms

    def _discriminator_terms(self, real_a, real_b, fake_a, fake_b, training):
        def score(net, real, fake):
            real_logits = net(real, training=training)
            fake_logits = net(fake, training=training)
            real_term, fake_term = gan_losses.discriminator_loss(self.loss, real_logits,
                                                                 fake_logits)
            mean = lambda t: tf.reduce_mean(  # noqa: E731
                tf.reshape(tf.cast(t, tf.float32), [tf.shape(t)[0], -1]), axis=-1)
            return 0.5 * (real_term + fake_term), mean(real_logits), mean(fake_logits)

        d_a, real_a_score, fake_a_score = score(self.discriminator_a, real_a, fake_a)
        d_b, real_b_score, fake_b_score = score(self.discriminator_b, real_b, fake_b)
        return {"d_a": d_a, "d_b": d_b, "d_loss": d_a + d_b,
                "real_score": 0.5 * (real_a_score + real_b_score),
                "fake_score": 0.5 * (fake_a_score + fake_b_score)}

    def train_step(self, data):
        real_a, real_b = data
        with tf.GradientTape() as tape:
            fake_a, fake_b, terms = self._forward(real_a, real_b, training=True)
            scaled = training.scaled_mean(self.g_optimizer, terms["g_loss"])
        training.apply(self.g_optimizer, tape, scaled, self._variables(self.generators))
        # D scores a mix of this step's fakes and older ones (the history pool).
        seed_a, seed_b = tf.unstack(tf.random.experimental.stateless_split(
            replicas.replica_seed(self.seed_generator), 2))
        pooled_a = self.pool_a.query(fake_a, seed_a)
        pooled_b = self.pool_b.query(fake_b, seed_b)
        with tf.GradientTape() as tape:
            d_terms = self._discriminator_terms(real_a, real_b, pooled_a, pooled_b, True)
            scaled = training.scaled_mean(self.d_optimizer, d_terms["d_loss"])
        training.apply(self.d_optimizer, tape, scaled, self._variables(self.discriminators))
        return self._track({**terms, **d_terms})

    def test_step(self, data):
        real_a, real_b = data
        fake_a, fake_b, terms = self._forward(real_a, real_b, training=False)
        return self._track({**terms, **self._discriminator_terms(real_a, real_b, fake_a,
                                                                 fake_b, False)})

    def _track(self, terms):
        for name, tracker in self.trackers.items():
            tracker.update_state(tf.reduce_mean(terms[name]))
        return {name: t.result() for name, t in self.trackers.items()}

    def get_config(self):
        config = super().get_config()
        config.update({
            "image_size": self.image_size, "channels_a": self.channels_a,
            "channels_b": self.channels_b, "generator_width": self.generator_width,
            "residual_blocks": self.residual_blocks,
            "discriminator_width": self.discriminator_width, "patch_size": self.patch_size,
            "norm": self.norm, "loss": self.loss, "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight, "pool_size": self.pool_size,
            "seed": self.seed, "upsampling": self.upsampling})
        return config
