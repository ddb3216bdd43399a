"""Progressive GAN (Karras et al. 2018): generator and discriminator grow from 4x4 to the final
side, each new level faded in, trained as a WGAN-GP with a drift term."""

import warnings

import keras
import tensorflow as tf

from kerasgen.losses import gan as gan_losses
from kerasgen.models import replicas
from kerasgen.models import training
from kerasgen.models.common import ArgumentError
from kerasgen.models.common import positive_int
from kerasgen.models.common import unpack
from kerasgen.models.gan.gan import GAN
from kerasgen.models.progan import growing
from kerasgen.models.progan.discriminator import ProGANDiscriminator
from kerasgen.models.progan.generator import ProGANGenerator
from kerasgen.registry import register_model


@register_model("progan")
class ProGAN(GAN):
    """Progressive GAN: both networks grow from 4x4 to `resolution`, each new level fading in
    while the real images are blended the same way, inside one traced `train_step`.

    Every level's weights exist from construction; which level trains, and the fade-in alpha,
    follow from the images seen so far (`images_seen`, a variable saved with the model and
    its backups: a resumed run continues at the same alpha). Level 0 (4x4) trains for
    `phase_images` images, every later level fades in over `phase_images` and stabilizes for
    as many; then training continues at the last level. The pipeline always gives images at
    `resolution`; the step average-pools them to the level's side, and uses only the first
    `batch_sizes[side]` examples of each batch (a batch size per resolution).

    Equalized learning rate, pixelwise feature normalization in G, minibatch standard
    deviation (groups of `minibatch_group`) before D's 4x4 block, WGAN-GP (lambda 10, computed
    on the images at the side D judges) plus the drift term eps * D(x)^2, Adam(1e-3, 0, 0.99),
    EMA generator (0.999). No batch norm anywhere, so no statistics to recompute at the end.

    Args:
        resolution: final side R, 4 * 2^k (64 for 4 -> 8 -> 16 -> 32 -> 64).
        channels: image channels C.
        latent_dim: size of z ~ N(0, I), normalized to unit RMS in G (512 in the paper, the
            width of its 4x4 features).
        width_base, max_width: feature maps min(max_width, width_base / r) at side r in both
            networks (the paper: 16384 and 512, i.e. 512 up to 32x32, 256 at 64x64).
        phase_images: images per phase (fade-in or stabilization); 600,000 in the paper.
        batch_sizes: {side: examples per update at that level}, each at most the batch the
            pipeline gives (data.batch_size); a side not listed uses the whole batch.
        minibatch_group: group size of the minibatch standard deviation.
        drift_weight: eps_drift of the drift term (0.001).
        **kwargs: the training options of `kerasgen.models.GAN` (loss, ema_decay,
            gradient_penalty_weight, discriminator_steps, seed).

    Example:
    >>> gan = kerasgen.models.ProGAN(resolution=64, latent_dim=128, width_base=2048,
    ...                              max_width=128, phase_images=20_000)
    >>> gan.compile()        # Adam(1e-3, beta_1=0, beta_2=0.99) for both players
    >>> gan.fit(faces_in_minus_one_to_one, epochs=20)
    >>> gan.generate(16, seed=0)                   # (16, 64, 64, 3) in [0, 1]
    >>> gan.generate(16, seed=0, resolution=16)    # the 16x16 level's own output

    Reference: Karras, Aila, Laine & Lehtinen, "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", ICLR 2018.
    """

    extra_metrics = ("d_drift",)

    def __init__(self, resolution=64, channels=3, latent_dim=512, width_base=16384,
                 max_width=512, phase_images=600_000, batch_sizes=None, minibatch_group=4,
                 drift_weight=0.001, loss="wasserstein_gp", ema_decay=0.999, **kwargs):
        for key in ("generator", "discriminator"):
            if key in kwargs:
                raise ValueError(f"ProGAN builds its own {key}; use kerasgen.models.GAN to pass "
                                 "your own networks.")
        if kwargs.get("num_classes") or kwargs.get("conditional"):
            raise ValueError("ProGAN is unconditional; received num_classes="
                             f"{kwargs.get('num_classes')!r}, conditional="
                             f"{kwargs.get('conditional')!r}.")
        self.num_levels = growing.num_levels(resolution)
        self.resolution = int(resolution)
        self.channels = positive_int("channels", channels)
        self.width_base = positive_int("width_base", width_base)
        self.max_width = positive_int("max_width", max_width)
        self.phase_images = positive_int("phase_images", phase_images)
        self.minibatch_group = positive_int("minibatch_group", minibatch_group)
        self.batch_sizes = growing.check_batch_sizes(batch_sizes, self.num_levels,
                                                     self.minibatch_group)
        self.drift_weight = float(drift_weight)
        latent_dim = positive_int("latent_dim", latent_dim)
        shape = dict(resolution=self.resolution, channels=self.channels,
                     width_base=self.width_base, max_width=self.max_width)
        generator = ProGANGenerator(latent_dim=latent_dim, name="generator", **shape)
        discriminator = ProGANDiscriminator(minibatch_group=self.minibatch_group,
                                            name="discriminator", **shape)
        super().__init__(generator, discriminator, latent_dim=latent_dim, loss=loss,
                         ema_decay=ema_decay, **kwargs)
        # Images the networks have trained on (all replicas' batches): the phase schedule's
        # clock. Every replica adds the same global count; the first replica's is kept.
        self.images_seen = self.add_weight(shape=(), dtype="int64", initializer="zeros",
                                           trainable=False, aggregation="only_first_replica",
                                           name="images_seen")

    @property
    def image_shape(self):
        return (self.resolution, self.resolution, self.channels)

    # -- what the pipeline asks (kerasgen.models.capabilities) ------------------------------
    def check_data(self, data, given=()):
        if data.image_size != self.resolution or data.channels != self.channels:
            raise ArgumentError("resolution", f"resolution {self.resolution} with {self.channels} "
                                              f"channel(s), but the data gives images of side "
                                              f"{data.image_size} with {data.channels}; expected "
                                              "data.image_size and data.channels to match.")
        largest = max((self.batch_sizes or {}).values(), default=0)
        if largest > data.batch_size:
            raise ArgumentError("batch_sizes", f"batch_sizes asks for up to {largest} examples "
                                               f"per update, but data.batch_size is "
                                               f"{data.batch_size}; expected data.batch_size >= "
                                               f"{largest} (the step uses the first batch_sizes"
                                               f"[side] of each batch).")
        if data.batch_size % self.minibatch_group and data.batch_size > self.minibatch_group:
            raise ValueError(f"data.batch_size {data.batch_size} does not split into "
                             f"minibatch-stddev groups of {self.minibatch_group}; expected a "
                             f"multiple of {self.minibatch_group}.")
        if self.batch_sizes and len(self.batch_sizes) == self.num_levels \
                and largest < data.batch_size:
            warnings.warn(f"data.batch_size {data.batch_size} is larger than every entry of "
                          f"batch_sizes (at most {largest}): every step reads images it never "
                          f"uses; data.batch_size: {largest} reads only what is used.",
                          stacklevel=2)

    def examples_seen(self):
        return int(self.images_seen.numpy())  # what the steps used, not what they read

    def run_end_callbacks(self, dataset, steps=100):
        return []  # no batch norm: no statistics to recompute under the final weights

    def default_optimizers(self):
        # Karras et al. Appendix A.1: Adam with alpha 0.001, beta_1 0, beta_2 0.99, eps 1e-8.
        make = lambda: keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99,  # noqa: E731
                                             epsilon=1e-8)
        return make(), make()

    # -- the schedule ------------------------------------------------------------------------
    def networks(self):
        return [n for n in (self.generator, self.ema_generator, self.discriminator) if n]

    def level_and_alpha(self):
        """(level, alpha) the schedule gives after `images_seen` images, as tensors."""
        return growing.level_and_alpha(self.images_seen.value, self.phase_images,
                                       self.num_levels)

    def follow_schedule(self):
        """Set the level and alpha the networks draw and judge at by default (generate(),
        the preview, serving) to the schedule's after `images_seen` images."""
        level, alpha = self.level_and_alpha()
        for net in self.networks():
            net.level.assign(level)
            net.alpha.assign(alpha)

    # -- training ----------------------------------------------------------------------------
    # Each update is an ordinary GAN update at one level's fixed shapes, its gradients taken
    # inside that level's branch of a tf.switch_case and applied outside it (an optimizer's
    # cross-replica sum cannot run inside control flow). Differentiating through a
    # switch_case instead, the penalty's gradient of a gradient included, made the first
    # step of a 3-level model take 50 s here against 21 s (tracing the graph).
    def train_step(self, data):
        real, _ = unpack(data)
        level, alpha = self.level_and_alpha()
        per_level = growing.examples_per_level(self.batch_sizes, self.num_levels,
                                               replicas.num_replicas(),
                                               self.discriminator_steps)
        used = tf.minimum(tf.shape(real)[0], tf.gather(tf.constant(per_level), level))
        real = real[:used]
        k = self.discriminator_steps
        real_scores = []
        for chunk in (tf.split(real, k) if k > 1 else [real]):  # unrolled: k is a constant
            d_stats = self._discriminator_step(chunk, level, alpha)
            real_scores.append(d_stats["real_score"])
        per_step = tf.cast(used * replicas.num_replicas(), tf.int64)
        level_steps = growing.steps_at_level(self.images_seen.value, level, self.phase_images,
                                             per_step)
        g_stats = self._generator_step(tf.shape(chunk)[0], level, alpha, level_steps)
        adapted = self.adapt_augmentation(tf.concat(real_scores, axis=0))
        for name, value in {**d_stats, **g_stats}.items():
            self.trackers[name].update_state(tf.reduce_mean(value))
        self.images_seen.assign_add(per_step)
        self.follow_schedule()
        logs = {**{name: t.result() for name, t in self.trackers.items()}, **adapted}
        logs["resolution"] = tf.cast(growing.side(level), tf.float32)  # TensorBoard, progress
        logs["alpha"] = alpha
        return logs

    def _discriminator_step(self, real, level, alpha):
        batch = tf.shape(real)[0]
        z = self._latents_for(batch)  # drawn outside the branches: one draw whatever the level
        u = tf.random.stateless_uniform([batch, 1, 1, 1],
                                        replicas.replica_seed(self.seed_generator))
        variables = self.discriminator.trainable_variables

        def update(k):
            x = growing.reals_at(real, k, alpha)  # (B, r, r, C)
            fake = self.generator(z, training=True, level=k, alpha=alpha)
            # D sees its inputs through `augment_images` (DiffAugment with `augment`), as in
            # the GAN base's `discriminate`.
            def critic(images):
                return self.discriminator(self.augment_images(images), training=True, level=k,
                                          alpha=alpha)

            with tf.GradientTape() as tape:
                real_logits = critic(x)
                fake_logits = critic(fake)
                terms = self.discriminator_terms(
                    x, fake, real_logits, fake_logits, None, interpolation=u, critic=critic)
                per_example = tf.add_n(list(terms.values()))  # (B,)
                scaled = training.scaled_mean(self.d_optimizer, per_example)
            stats = {"d_loss": per_example,
                     "real_score": tf.reduce_mean(real_logits, axis=-1),
                     "fake_score": tf.reduce_mean(fake_logits, axis=-1),
                     "d_drift": terms["drift"]}
            if "gradient_penalty" in terms:  # tracked unweighted
                stats["gradient_penalty"] = tf.math.divide_no_nan(
                    terms["gradient_penalty"], self.gradient_penalty_weight)
            return _dense_gradients(tape.gradient(scaled, variables), variables), stats

        grads, stats = growing.at_level(level, update, self.num_levels)
        self.d_optimizer.apply_gradients(zip(grads, variables))
        return stats

    def _generator_step(self, batch, level, alpha, level_steps):
        z = self._latents_for(batch)
        variables = self.generator.trainable_variables

        def update(k):
            with tf.GradientTape() as tape:
                fake = self.generator(z, training=True, level=k, alpha=alpha)
                logits = self.discriminator(self.augment_images(fake), training=True, level=k,
                                            alpha=alpha)
                terms = self.generator_terms(fake, logits, None)
                per_example = tf.add_n(list(terms.values()))  # (B,)
                scaled = training.scaled_mean(self.g_optimizer, per_example)
            stats = {"g_loss": per_example}
            return _dense_gradients(tape.gradient(scaled, variables), variables), stats

        grads, stats = growing.at_level(level, update, self.num_levels)
        self.g_optimizer.apply_gradients(zip(grads, variables))
        if self.ema_generator is not None:
            # The EMA's warm-up restarts with each level. A schedule of a few hundred updates
            # a phase is shorter than a 0.999 average's memory: counted from the first update,
            # the average at 64x64 was still half the level's random initialisation after
            # its 780-update fade (samples green, std 0.1 against the raw generator's 0.25).
            self._update_ema(steps=level_steps)
        return stats

    def discriminator_terms(self, real, fake, real_logits, fake_logits, labels,
                            interpolation=None, critic=None):
        """Named per-example (B,) terms of D's loss at one level: the adversarial pair, the
        gradient penalty of `critic` (D at the level) at real/fake interpolates weighted by
        `interpolation` (B, 1, 1, 1), and the drift term."""
        real_term, fake_term = gan_losses.discriminator_loss(
            self.loss, real_logits, fake_logits, self.label_smoothing)
        terms = {"real": real_term, "fake": fake_term}
        if self.loss == "wasserstein_gp":
            scaled = isinstance(self.d_optimizer, keras.optimizers.LossScaleOptimizer)
            penalty = gan_losses.gradient_penalty(
                critic, real, fake, interpolation,
                loss_scale=self.d_optimizer.scale_loss(tf.constant(1.0)) if scaled else None)
            terms["gradient_penalty"] = self.gradient_penalty_weight * penalty
        terms["drift"] = self.drift_weight * gan_losses.drift(real_logits)
        return terms

    # -- sampling ----------------------------------------------------------------------------
    def generate(self, num_or_latents=None, seed=None, labels=None, use_ema=True,
                 resolution=None):
        """Images float32 in [0, 1]: (B, R, R, C) as the model draws now (mid-training: the
        current level and fade, nearest-upsampled to R), or with `resolution` r the level of
        side r's own output (B, r, r, C), e.g. the 16x16 images of a finished 64x64 model.
        Args otherwise as `kerasgen.models.GAN.generate`."""
        if resolution is None:
            images = super().generate(num_or_latents, seed, labels, use_ema)
            return tf.clip_by_value(images, 0.0, 1.0)  # the toRGB layers are linear
        if labels is not None:
            raise ValueError("ProGAN is unconditional; received labels.")
        self._check_resolution(resolution)
        z = self.latents_for(num_or_latents, seed)
        net = self.ema_generator if (use_ema and self.ema_generator is not None) \
            else self.generator
        return tf.clip_by_value((net.at_resolution(z, resolution) + 1.0) / 2.0, 0.0, 1.0)

    def _check_resolution(self, resolution):
        sides = [growing.side(k) for k in range(self.num_levels)]
        if resolution not in sides:
            raise ValueError(f"resolution must be one of this model's sides {sides}; received "
                             f"{resolution!r}.")
        if not tf.executing_eagerly():
            return  # traced (an endpoint): the level is a tensor there
        grown = growing.side(int(self.generator.level.numpy()))
        if resolution > grown:
            raise ValueError(f"resolution {resolution}: this model has grown to {grown}x{grown} "
                             f"so far; the levels above are untrained. Expected a side <= "
                             f"{grown}.")

    # -- serialization -------------------------------------------------------------------
    def get_config(self):
        config = super(GAN, self).get_config()  # skip GAN's serialized networks: we rebuild
        config.update(self._gan_config())
        config.update({
            "resolution": self.resolution, "channels": self.channels,
            "width_base": self.width_base, "max_width": self.max_width,
            "phase_images": self.phase_images, "batch_sizes": self.batch_sizes,
            "minibatch_group": self.minibatch_group, "drift_weight": self.drift_weight,
        })
        return config


def _dense_gradients(grads, variables):
    """Zeros for the variables a level does not use (tape.gradient's None), so every level's
    branch returns the same structure."""
    return [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables)]
