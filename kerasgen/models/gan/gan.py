"""The GAN base: alternating discriminator/generator updates trained with `model.fit`."""

import numbers

import keras
import tensorflow as tf

from kerasgen.layers import ada
from kerasgen.layers import diffaugment
from kerasgen.models import replicas
from kerasgen.losses import gan as gan_losses
from kerasgen.models.capabilities import Sampler
from kerasgen.models.common import unpack
from kerasgen.registry import register_model
from kerasgen.models import training
from kerasgen.models.common import ArgumentError
from kerasgen.models.common import positive_int


# Losses whose D output is a verdict by its sign (a logit, or a hinge margin around 0): what
# ADA's overfitting heuristic E[sign(D(x_real))] assumes. Least squares' targets are 0 and 1,
# and a critic's scores have no fixed offset.
ADA_LOSSES = ("minimax", "non_saturating", "hinge")


def default_optimizers(loss):
    """The optimizers each objective's paper trains with."""
    if loss == "wasserstein":  # Arjovsky et al. 2017, Algorithm 1: RMSProp, lr 5e-5.
        make = lambda: keras.optimizers.RMSprop(5e-5)  # noqa: E731
    elif loss == "wasserstein_gp":  # Gulrajani et al. 2017, Algorithm 1.
        make = lambda: keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9)  # noqa: E731
    else:  # Radford et al. 2016.
        make = lambda: keras.optimizers.Adam(2e-4, beta_1=0.5)  # noqa: E731
    return make(), make()


@register_model("gan")
class GAN(training.TwoPlayers, Sampler, keras.Model):
    """A GAN trained by alternating updates (Goodfellow et al. 2014, Algorithm 1).

    Each `train_step` receives a batch of `discriminator_steps * b` real images, splits it into
    `discriminator_steps` fresh minibatches of b for as many discriminator updates, each with
    fresh noise, then makes one generator update on b fresh latents. Losses are averaged over
    the global batch, so the step is correct under `tf.distribute` strategies.

    Args:
        generator: a Keras model mapping z (B, latent_dim) [and labels (B,)] to images in
            [-1, 1] (tanh), shape (B, H, W, C).
        discriminator: a Keras model mapping images [and labels] to logits/scores (B, 1).
        latent_dim: size of z ~ N(0, I), or None for a generator driven by its condition
            alone (pix2pix-style: the noise is dropout); needs `conditional`.
        loss: "minimax", "non_saturating" (default), "least_squares", "wasserstein"
            (with weight clipping), "wasserstein_gp" or "hinge".
        discriminator_steps: k, discriminator updates per generator update.
        gradient_penalty_weight: lambda of WGAN-GP (used with loss="wasserstein_gp").
        clip_value: critic weight clipping bound c (used with loss="wasserstein").
        label_smoothing: one-sided label smoothing of real targets (minimax/non_saturating).
        ema_decay: if set (e.g. 0.999), keep an exponential moving average of the generator's
            weights (Karras et al. 2018) and sample from it; the decay warms up as
            min(ema_decay, (1 + t) / (10 + t)) over generator steps t.
        num_classes: if set, both networks take integer labels as a second input.
        conditional: both networks take a condition of any dtype (an image, a text
            embedding) as a second input, passed through uncast; implied by `num_classes`.
        seed: seed of the model's `keras.random.SeedGenerator` (latents, interpolation).
        augment: None, "diffaugment" or "ada": D sees only augmented images during
            training, real and generated alike, in both players' steps, and G's gradient
            flows through the transforms. For small data sets; sampling never augments.
            "diffaugment": colour, translation by up to 1/8, cutout of 1/2, always (Zhao et
            al. 2020, `kerasgen.layers.diffaugment`). "ada": translation, brightness,
            contrast and saturation, each with probability `augment_p` per image, adapted
            during training (Karras et al. 2020, `kerasgen.layers.ada`).
        ada_target: with augment="ada", the target of r_t = E[sign(D(x_real))] (0.6): p rises
            while D is surer of the real images than that, and falls otherwise. ADA takes the
            losses whose D output is a verdict by its sign (`ADA_LOSSES`).
        ada_interval: train steps between adjustments of p (4).
        ada_kimg: thousands of real images over which p can go from 0 to 1 (500).

    Example:
    >>> gan = kerasgen.models.GAN(generator, discriminator, latent_dim=100)
    >>> gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, 0.5),
    ...             d_optimizer=keras.optimizers.Adam(2e-4, 0.5))
    >>> gan.fit(images, epochs=5)
    >>> samples = gan.generate(16)   # (16, H, W, C) float32 in [0, 1]

    Reference: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    """

    data_range = "symmetric"  # tanh images in [-1, 1]
    validates = False  # no held-out loss worth a pass over the test images every epoch
    extra_metrics = ()  # names of extra loss terms a subclass adds (`g_<term>`, `d_<term>`)

    def __init__(self, generator, discriminator, latent_dim=100, loss="non_saturating",
                 discriminator_steps=1, gradient_penalty_weight=10.0, clip_value=0.01,
                 label_smoothing=0.0, ema_decay=None, num_classes=None, conditional=False,
                 seed=None, augment=None, ada_target=0.6, ada_interval=4, ada_kimg=500,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(generator, dict):
            generator = keras.saving.deserialize_keras_object(generator)
        if isinstance(discriminator, dict):
            discriminator = keras.saving.deserialize_keras_object(discriminator)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = None if latent_dim is None else positive_int("latent_dim", latent_dim)
        self.loss = gan_losses.check_loss_name(loss)
        self.discriminator_steps = positive_int("discriminator_steps", discriminator_steps)
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.clip_value = float(clip_value)
        self.label_smoothing = float(label_smoothing)
        if ema_decay is not None and not 0.0 < float(ema_decay) < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1) or None; received {ema_decay}.")
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.num_classes = int(num_classes) if num_classes else None
        self.conditional = bool(conditional) or self.num_classes is not None
        if self.latent_dim is None and not self.conditional:
            raise ValueError("latent_dim=None leaves the generator without an input; a "
                             "latent-free GAN must be conditional (conditional=True or "
                             "num_classes=...), or give latent_dim a size.")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        try:
            self.augment = diffaugment.check_augment(augment)
        except ValueError as e:
            raise ArgumentError("augment", str(e)) from None
        self.ada_target = float(ada_target)
        if not -1.0 < self.ada_target < 1.0:
            raise ArgumentError("ada_target", f"ada_target is a target of E[sign(D(x_real))] "
                                              f"in (-1, 1); received {ada_target}.")
        self.ada_interval = positive_int("ada_interval", ada_interval)
        self.ada_kimg = float(ada_kimg)
        if not self.ada_kimg > 0:
            raise ArgumentError("ada_kimg", f"ada_kimg must be > 0 (thousands of images); "
                                            f"received {ada_kimg}.")
        if self.augment == "ada" and self.loss not in ADA_LOSSES:
            raise ArgumentError("augment", f"augment='ada' steers by the sign of D's outputs "
                                           f"on real images, D's verdict only where its "
                                           f"decision boundary is 0 (loss "
                                           f"{', '.join(ADA_LOSSES)}); received "
                                           f"loss={self.loss!r}. Use augment='diffaugment'.")
        if self.augment == "ada":
            # p and the interval's tallies are model state (saved by .keras and backups),
            # updated alike on every replica from global sums.
            self.augment_p = replicas.shared_state(self, "augment_p")
            self.ada_sign_sum = replicas.shared_state(self, "ada_sign_sum")
            self.ada_real_count = replicas.shared_state(self, "ada_real_count")
            self.ada_steps = replicas.shared_state(self, "ada_steps", dtype="int64")
        self.ema_generator = None
        if self.ema_decay is not None:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
        names = ["d_loss", "g_loss", "real_score", "fake_score"]
        if self.loss == "wasserstein_gp":
            names.append("gradient_penalty")
        names += list(self.extra_metrics)
        if self.augment == "ada":
            names.append("real_sign")  # r_t of the steps so far in the epoch
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.built = True  # networks are built; lets .keras files restore optimizer state

    @property
    def metrics(self):
        return list(self.trackers.values())

    # -- what the pipeline asks (kerasgen.models.capabilities) ------------------------------
    def examples_per_step(self, batch_size):
        return int(batch_size) * self.discriminator_steps  # k fresh minibatches for D

    def run_end_callbacks(self, dataset, steps=100):
        # Batch-norm statistics of the final weights (see `precise_batch_norm`).
        return [training.PreciseBatchNormAtEnd(dataset, steps)]

    # -- the two players (compile / save / restore: training.TwoPlayers) -------------------
    def default_optimizers(self):
        """The optimizers the loss's paper trains with."""
        return default_optimizers(self.loss)

    def generator_variables(self):
        return self.generator.trainable_variables

    def discriminator_variables(self):
        return self.discriminator.trainable_variables

    # -- sampling --------------------------------------------------------------------------
    def _inputs(self, first, labels):
        """A network's inputs: `first` (z for G, images for D) and the condition; a
        latent-free generator (first=None) takes the condition alone."""
        if self.conditional:
            if labels is None:
                wanted = (f"integer class ids (of {self.num_classes} classes)"
                          if self.num_classes else "conditions")
                raise ValueError(f"{type(self).__name__} is conditional; pass labels=... "
                                 f"({wanted}, one per sample).")
            labels = tf.convert_to_tensor(labels)
            if labels.dtype.is_integer:  # class ids; other conditions pass through as given
                labels = tf.cast(labels, tf.int32)
            return labels if first is None else [first, labels]
        if labels is not None:
            raise ValueError(f"{type(self).__name__} is unconditional; received labels.")
        return first

    def sample_latents(self, num_samples, seed=None):
        """z ~ N(0, I), (num_samples, latent_dim); `seed` (int) makes it reproducible."""
        if self.latent_dim is None:
            raise ValueError(f"{type(self).__name__} has no latents (latent_dim=None).")
        seed = self.seed_generator if seed is None else seed
        return keras.random.normal((int(num_samples), self.latent_dim), seed=seed)

    def call(self, inputs, training=False):
        """Raw generator output in [-1, 1]: inputs are z, or [z, labels] when conditional."""
        return self.generator(inputs, training=training)

    def latents_for(self, num_or_latents, seed=None):
        """z for `generate`: `num_or_latents` latents drawn with `seed`, or the given (B,
        latent_dim) latents as float32, checked."""
        if isinstance(num_or_latents, numbers.Integral):
            return self.sample_latents(num_or_latents, seed)
        z = tf.convert_to_tensor(num_or_latents, tf.float32)
        if z.shape.rank != 2 or z.shape[-1] != self.latent_dim:
            raise ValueError(f"Latents must have shape (batch, {self.latent_dim}); "
                             f"received {tuple(z.shape)}.")
        return z

    def generate(self, num_or_latents=None, seed=None, labels=None, use_ema=True):
        """Images (B, H, W, C), float32 in [0, 1].

        Args:
            num_or_latents: a number of samples, or latents (B, latent_dim); None (or the
                number of conditions) for a latent-free model (latent_dim=None).
            seed: int for reproducible latents when a number is given.
            labels: (B,) class ids or names, or (B, ...) conditions, required by conditional
                models; with num_or_latents=None the number of samples is len(labels).
            use_ema: sample from the EMA generator when the model keeps one.
        """
        if self.latent_dim is None:
            if labels is None:
                raise ValueError(f"{type(self).__name__} has no latents (latent_dim=None): "
                                 "pass labels=... (the conditions to generate from).")
            count = len(labels)
            if num_or_latents is not None and (
                    not isinstance(num_or_latents, numbers.Integral) or num_or_latents != count):
                raise ValueError(f"{type(self).__name__} has no latents (latent_dim=None); "
                                 f"expected num_or_latents=None or {count} (one per "
                                 f"condition), received {num_or_latents!r}.")
            z = None
        elif num_or_latents is None and labels is not None:
            z = self.sample_latents(len(labels), seed)  # one sample per condition
        elif num_or_latents is None:
            raise ValueError("generate needs a number of samples or latents (B, "
                             f"{self.latent_dim}), or labels to count; received None.")
        else:
            z = self.latents_for(num_or_latents, seed)
        if labels is not None and self.num_classes:
            labels = self.label_ids(labels)  # class names or ids -> ids
        net = self.ema_generator if (use_ema and self.ema_generator is not None) else self.generator
        images = tf.cast(net(self._inputs(z, labels), training=False), tf.float32)
        return (images + 1.0) / 2.0

    def precise_batch_norm(self, dataset, steps=100, seed=0):
        """Recompute the batch-norm statistics of the generator and of its EMA copy from
        `steps` batches of their own outputs under the final weights
        (`training.precise_batch_norm`; Brock et al. 2019's "standing statistics").

        During training the EMA generator borrows the live generator's moving statistics,
        which describe other weights than its averaged ones, and the live generator's
        statistics mix many past weights. For the WGAN-GP on Fashion-MNIST after 10 epochs
        at constant learning rates, recomputing them took the EMA samples' classifier FID
        from 33.7 to 25.1 (IS 7.31 to 7.43, 5,000 samples). `dataset` gives the batch size
        and, for a conditional model, the conditions; networks without batch norm are left
        as they are. `kerasgen train` ends every GAN run with it. The latents come from
        `seed`, so the same weights and data get the same statistics on every call (the
        model's own seed generator would make each `kerasgen average` of the same snapshots
        measure differently). Returns the number of batches used.
        """
        inputs = []
        seed_generator = keras.random.SeedGenerator(seed)
        for data in dataset.take(int(steps)):
            real, labels = unpack(data)
            count = tf.shape(real)[0]
            z = (self.sample_latents(count, seed=seed_generator)
                 if self.latent_dim is not None else None)
            conditions = self.step_conditions(labels) if self.conditional else None
            inputs.append(self._inputs(z, conditions))
        if not inputs:
            raise ValueError("precise_batch_norm received an empty dataset; expected batches "
                             "of training data (for their size and conditions).")
        for net in (self.generator, self.ema_generator):
            if net is not None:
                training.precise_batch_norm(net, inputs)
        return len(inputs)

    def step_conditions(self, labels):
        """The conditions `train_step` gives the networks for a batch's labels (class ids
        as they are; a subclass may encode them, e.g. captions into embeddings)."""
        return labels

    # -- training --------------------------------------------------------------------------
    def augment_images(self, images):
        """What D sees of `images` in a training step: with `augment` set, DiffAugment's
        transforms or ADA's (with probability `augment_p`) drawn afresh on every call
        (distinct per replica); else the images."""
        if self.augment is None:
            return images
        seed = replicas.replica_seed(self.seed_generator)
        if self.augment == "ada":
            return ada.adaptive_augment(images, self.augment_p, seed)
        return diffaugment.diff_augment(images, seed)

    def adapt_augmentation(self, real_scores):
        """After a step's D updates, with augment="ada": tally sign(D(x_real)) of the step's
        real images (`real_scores`, (B,) logits, every D update's) over all replicas, and
        every `ada_interval` steps move `augment_p` toward keeping their mean r_t at
        `ada_target` (`kerasgen.layers.ada.adjust_probability`). Returns what the step logs
        of it: {"augment_p": p} (nothing without ADA)."""
        if self.augment != "ada":
            return {}
        signs = tf.sign(tf.cast(real_scores, tf.float32))  # (B,)
        self.trackers["real_sign"].update_state(tf.reduce_mean(signs))
        sign_sum = self.ada_sign_sum + replicas.global_sum(signs)
        count = self.ada_real_count + replicas.global_sum(tf.ones_like(signs))
        steps = self.ada_steps + 1
        due = tf.equal(steps % self.ada_interval, 0)
        adjusted = ada.adjust_probability(self.augment_p, sign_sum / tf.maximum(count, 1.0),
                                          self.ada_target, count, self.ada_kimg)
        self.augment_p.assign(tf.where(due, adjusted, self.augment_p))
        self.ada_sign_sum.assign(tf.where(due, 0.0, sign_sum))
        self.ada_real_count.assign(tf.where(due, 0.0, count))
        self.ada_steps.assign(steps)
        return {"augment_p": tf.identity(self.augment_p)}

    def discriminate(self, images, labels):
        """D's training-mode logits of `images` (real or generated) and their conditions,
        through `augment_images`: every D call of a training step goes through here, so real
        and fake images get the same kind of transforms in both players' steps."""
        return self.discriminator(self._inputs(self.augment_images(images), labels),
                                  training=True)

    def _latents_for(self, batch):
        if self.latent_dim is None:
            return None  # the generator's noise, if any, is its own (dropout)
        # Stateless draw with a per-replica seed: distinct noise on every replica.
        return tf.random.stateless_normal(
            [batch, self.latent_dim], replicas.replica_seed(self.seed_generator))

    # -- loss terms: subclasses add named per-example terms instead of copying the step ----
    def discriminator_terms(self, real, fake, real_logits, fake_logits, labels):
        """Named per-example (B,) terms of D's loss; their sum is minimised and each is
        tracked as `d_<name>` (the adversarial pair as `d_loss`'s parts). Override and call
        super() to add terms (e.g. a mismatched-caption term)."""
        real_term, fake_term = gan_losses.discriminator_loss(
            self.loss, real_logits, fake_logits, self.label_smoothing)
        terms = {"real": real_term, "fake": fake_term}
        if self.loss == "wasserstein_gp":
            alpha = tf.random.stateless_uniform(
                [tf.shape(real)[0], 1, 1, 1], replicas.replica_seed(self.seed_generator))
            penalty = gan_losses.gradient_penalty(
                lambda x: self.discriminate(x, labels), real, fake, alpha)
            terms["gradient_penalty"] = self.gradient_penalty_weight * penalty
        return terms

    def generator_terms(self, fake, fake_logits, labels):
        """Named per-example (B,) terms of G's loss, summed into `g_loss`; extra terms are
        tracked as `g_<name>`."""
        return {"adversarial": gan_losses.generator_loss(self.loss, fake_logits)}

    def _discriminator_step(self, real, labels):
        batch = tf.shape(real)[0]
        fake = self.generator(self._inputs(self._latents_for(batch), labels), training=True)
        with tf.GradientTape() as tape:
            # Real and fake go through D separately so batchnorm never mixes them.
            real_logits = self.discriminate(real, labels)
            fake_logits = self.discriminate(fake, labels)
            terms = self.discriminator_terms(real, fake, real_logits, fake_logits, labels)
            per_example = tf.add_n(list(terms.values()))  # (B,)
            scaled = training.scaled_mean(self.d_optimizer, per_example)
        variables = self.discriminator.trainable_variables
        training.apply(self.d_optimizer, tape, scaled, variables)
        if self.loss == "wasserstein":
            # Arjovsky et al.: clip critic weights to [-c, c] after every update.
            for v in variables:
                v.assign(tf.clip_by_value(v, -self.clip_value, self.clip_value))
        stats = {
            "d_loss": per_example,
            "real_score": tf.reduce_mean(tf.cast(real_logits, tf.float32), axis=-1),
            "fake_score": tf.reduce_mean(tf.cast(fake_logits, tf.float32), axis=-1),
        }
        if "gradient_penalty" in terms:  # tracked unweighted, as before
            stats["gradient_penalty"] = tf.math.divide_no_nan(
                terms["gradient_penalty"], self.gradient_penalty_weight)
        stats.update({f"d_{k}": v for k, v in terms.items()
                      if k not in ("real", "fake", "gradient_penalty")})
        return stats

    def _generator_step(self, batch, labels):
        with tf.GradientTape() as tape:
            fake = self.generator(self._inputs(self._latents_for(batch), labels), training=True)
            fake_logits = self.discriminate(fake, labels)
            terms = self.generator_terms(fake, fake_logits, labels)
            per_example = tf.add_n(list(terms.values()))  # (B,)
            scaled = training.scaled_mean(self.g_optimizer, per_example)
        training.apply(self.g_optimizer, tape, scaled, self.generator.trainable_variables)
        if self.ema_generator is not None:
            self._update_ema()
        stats = {"g_loss": per_example}
        stats.update({f"g_{k}": v for k, v in terms.items() if k != "adversarial"})
        return stats

    def _update_ema(self, steps=None):
        # Warm-up as in tf.train.ExponentialMovingAverage(num_updates=...): decay_t =
        # min(decay, (1 + t) / (10 + t)). Without it the average is mostly the random
        # initialisation for the first ~1/(1 - decay) steps (grey samples after 150 steps
        # at 0.999); after ~10 / (1 - decay) steps it is the plain EMA. `steps` (a tensor)
        # counts t from somewhere else than the first generator update (ProGAN: from the
        # start of the level now training).
        t = tf.cast(self.g_optimizer.iterations if steps is None else steps,
                    tf.float32)  # already counts this update
        decay = tf.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
        for ema_w, w in zip(self.ema_generator.weights, self.generator.weights):
            if w.trainable:
                ema_w.assign(decay * ema_w + (1.0 - decay) * w)
            else:  # batchnorm moving statistics follow the live generator
                ema_w.assign(w)

    def train_step(self, data):
        real, labels = unpack(data)
        k = self.discriminator_steps
        real_chunks = tf.split(real, k) if k > 1 else [real]
        label_chunks = tf.split(labels, k) if (k > 1 and labels is not None) else [labels] * k
        real_scores = []
        for real_i, labels_i in zip(real_chunks, label_chunks):  # unrolled: k is a constant
            d_stats = self._discriminator_step(real_i, labels_i)
            real_scores.append(d_stats["real_score"])
        g_stats = self._generator_step(tf.shape(real_chunks[-1])[0], label_chunks[-1])
        adapted = self.adapt_augmentation(tf.concat(real_scores, axis=0))
        for name, value in {**d_stats, **g_stats}.items():
            if name not in self.trackers:  # a subclass's extra term; created while tracing
                raise KeyError(f"{type(self).__name__} returns loss term {name!r}; declare "
                               "it in `extra_metrics` so it is tracked.")
            self.trackers[name].update_state(tf.reduce_mean(value))
        return {**{name: t.result() for name, t in self.trackers.items()}, **adapted}

    # -- serialization -------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
        })
        config.update(self._gan_config())
        return config

    def _gan_config(self):
        return {
            "latent_dim": self.latent_dim,
            "loss": self.loss,
            "discriminator_steps": self.discriminator_steps,
            "gradient_penalty_weight": self.gradient_penalty_weight,
            "clip_value": self.clip_value,
            "label_smoothing": self.label_smoothing,
            "ema_decay": self.ema_decay,
            "num_classes": self.num_classes,
            "conditional": self.conditional,
            "seed": self.seed,
            "augment": self.augment,
            "ada_target": self.ada_target,
            "ada_interval": self.ada_interval,
            "ada_kimg": self.ada_kimg,
        }
