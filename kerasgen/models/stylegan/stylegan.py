"""StyleGAN2: a style-based generator trained with lazy R1 and optional path-length
regularization."""

import numbers

import keras
import numpy as np
import tensorflow as tf

from kerasgen.losses import stylegan as stylegan_losses
from kerasgen.models import replicas
from kerasgen.models import training
from kerasgen.models.capabilities import Projector
from kerasgen.models.common import ArgumentError
from kerasgen.models.common import positive_int
from kerasgen.models.common import unpack
from kerasgen.models.gan.gan import GAN
from kerasgen.models.stylegan import projection
from kerasgen.models.stylegan import styles
from kerasgen.models.stylegan.layers import noise_maps
from kerasgen.models.stylegan.networks import log2_size
from kerasgen.models.stylegan.networks import num_ws
from kerasgen.models.stylegan.networks import stylegan_discriminator
from kerasgen.models.stylegan.networks import stylegan_generator
from kerasgen.registry import register_model


def lazy_adam(learning_rate, beta_1, beta_2, interval):
    """Adam for a player whose regularizer runs every `interval` steps, with the reference
    code's correction c = interval / (interval + 1): rate x c, betas ** c (None: no
    correction). Epsilon 1e-8, as in the reference code (Keras' default is 1e-7)."""
    c = interval / (interval + 1.0) if interval else 1.0
    return keras.optimizers.Adam(learning_rate * c, beta_1=beta_1 ** c, beta_2=beta_2 ** c,
                                 epsilon=1e-8)


@register_model("stylegan")
class StyleGAN(Projector, GAN):
    """StyleGAN2 (Karras et al. 2020): a mapping network to w, a synthesis network of
    modulated convolutions from a learned constant, a residual discriminator.

    Training (one `fit` step: a D update, then a G update) follows the paper: non-saturating
    logistic loss; style mixing (two latents, a random crossover layer, per image with
    probability `style_mixing`); R1 on real images, (gamma / 2) E||grad D(x)||^2, computed
    every `r1_interval` D steps and weighted by the interval (lazy regularization); optionally
    path-length regularization every `path_length_interval` G steps; an EMA generator for
    sampling; the running average of w (`w_avg`, for truncation). The lazy penalties are
    added to that step's update rather than applied as an update of their own, as the
    reference code does: an optimizer update inside a conditional is a synchronisation point
    MirroredStrategy refuses, and the step must stay one compiled function. The step counters
    (`d_steps`, `g_steps`), `w_avg` and the path-length mean (`pl_mean`) are model variables,
    saved by `.keras` files and backups, computed from global-batch means under a
    tf.distribute strategy. Logs: `d_loss`, `g_loss`, `real_score`, `fake_score`,
    `r1_penalty` (mean over the steps that computed it) and, with path-length
    regularization, `path_length`.

    Args:
        image_size: side S, a power of 2 >= 8.
        channels: image channels C.
        latent_dim: size of z (512 in the paper).
        w_dim: size of w (512).
        mapping_layers: dense layers of the mapping network (8).
        mapping_lr_multiplier: learning-rate multiplier of the mapping network (0.01).
        width: features at full resolution; min(width * S / r, max_width) at side r.
        max_width: the cap on features (512).
        discriminator_width: D's features at full resolution (None: `width`). The reference
            code ties the two; here D can be wider (early in a 64 px run on this CPU, a D
            twice as wide gave cleaner faces at equal CPU time: docs/stylegan.md).
        discriminator_max_width: D's cap on features (None: `max_width`).
        style_mixing: probability of mixing two latents' styles in a training image (0.9).
        r1_gamma: gamma of R1 (10 for FFHQ at 1024; ADA's heuristic 0.0002 S^2 / batch).
        r1_interval: D steps between R1 computations (16); 1 is not lazy.
        path_length_weight: weight of the path-length penalty (2 in the paper; 0 is off).
        path_length_interval: G steps between path-length computations (4).
        path_length_decay: decay of the running mean of path lengths (0.01).
        path_length_batch_shrink: the penalty's batch is the batch / this (2).
        w_avg_decay: decay of the running average of w (0.995).
        mbstd_group_size: images per minibatch-stddev group (4); a batch (per replica) must
            be a multiple of it, or smaller.
        ema_decay: decay of the EMA generator (0.999).
        **kwargs: GAN options (loss, augment, label_smoothing, seed, ...).

    Example:
    >>> gan = kerasgen.models.StyleGAN(image_size=64, width=16, augment="diffaugment")
    >>> gan.compile()   # Adam(0.002, 0, 0.99) with the lazy-regularization correction
    >>> gan.fit(faces_in_minus1_1, batch_size=16, epochs=10)
    >>> gan.generate(16, seed=0, truncation=0.7)   # (16, 64, 64, 3) float32 in [0, 1]
    >>> gan.mix(seed_a=1, seed_b=2, crossover=4)    # coarse styles of 1, fine ones of 2
    >>> found = gan.project(faces_uint8, steps=1000)  # w that reproduce them (Appendix D)

    Reference: Karras, Laine, Aittala, Hellsten, Lehtinen & Aila, "Analyzing and Improving
    the Image Quality of StyleGAN", CVPR 2020; Karras, Laine & Aila, "A Style-Based
    Generator Architecture for Generative Adversarial Networks", CVPR 2019.
    """

    def __init__(self, image_size=64, channels=3, latent_dim=512, w_dim=512, mapping_layers=8,
                 mapping_lr_multiplier=0.01, width=32, max_width=512,
                 discriminator_width=None, discriminator_max_width=None, style_mixing=0.9,
                 r1_gamma=10.0, r1_interval=16, path_length_weight=0.0,
                 path_length_interval=4, path_length_decay=0.01, path_length_batch_shrink=2,
                 w_avg_decay=0.995, mbstd_group_size=4, ema_decay=0.999, **kwargs):
        for key in ("generator", "discriminator", "num_classes", "conditional"):
            if kwargs.get(key):
                raise ValueError(f"StyleGAN builds its own unconditional networks; received "
                                 f"{key}={kwargs[key]!r}.")
        if kwargs.get("loss") in ("wasserstein", "wasserstein_gp"):
            raise ArgumentError("loss", f"StyleGAN regularizes D with R1, not with the critic "
                                        f"constraint loss={kwargs['loss']!r} needs; use "
                                        "non_saturating (the paper's), hinge, least_squares "
                                        "or minimax.")
        if kwargs.get("discriminator_steps", 1) != 1:
            raise ArgumentError("discriminator_steps", "StyleGAN makes one D update per G "
                                f"update; received {kwargs['discriminator_steps']}.")
        self.image_size = positive_int("image_size", image_size)
        try:
            log2_size(self.image_size)
        except ValueError as e:
            raise ArgumentError("image_size", str(e)) from None
        self.channels = positive_int("channels", channels)
        self.w_dim = positive_int("w_dim", w_dim)
        self.mapping_layers = positive_int("mapping_layers", mapping_layers)
        self.mapping_lr_multiplier = _positive("mapping_lr_multiplier", mapping_lr_multiplier)
        self.width = positive_int("width", width)
        self.max_width = positive_int("max_width", max_width)
        self.discriminator_width = (self.width if discriminator_width is None else
                                    positive_int("discriminator_width", discriminator_width))
        self.discriminator_max_width = (
            self.max_width if discriminator_max_width is None else
            positive_int("discriminator_max_width", discriminator_max_width))
        self.style_mixing = _fraction("style_mixing", style_mixing)
        self.r1_gamma = _positive("r1_gamma", r1_gamma, zero=True)
        self.r1_interval = positive_int("r1_interval", r1_interval)
        self.path_length_weight = _positive("path_length_weight", path_length_weight,
                                            zero=True)
        self.path_length_interval = positive_int("path_length_interval", path_length_interval)
        self.path_length_decay = _fraction("path_length_decay", path_length_decay)
        self.path_length_batch_shrink = positive_int("path_length_batch_shrink",
                                                     path_length_batch_shrink)
        self.w_avg_decay = _fraction("w_avg_decay", w_avg_decay)
        self.mbstd_group_size = positive_int("mbstd_group_size", mbstd_group_size)
        self.num_ws = num_ws(self.image_size)
        self.extra_metrics = ("r1_penalty",) + (("path_length",) if self.path_length_weight
                                                else ())
        latent_dim = positive_int("latent_dim", latent_dim)
        generator = stylegan_generator(self.image_size, self.channels, latent_dim, self.w_dim,
                                       self.mapping_layers, self.mapping_lr_multiplier,
                                       self.width, self.max_width)
        discriminator = stylegan_discriminator(self.image_size, self.channels,
                                               self.discriminator_width,
                                               self.discriminator_max_width,
                                               self.mbstd_group_size)
        super().__init__(generator, discriminator, latent_dim=latent_dim, ema_decay=ema_decay,
                         **kwargs)
        self.w_avg = replicas.shared_state(self, "w_avg", (self.w_dim,))
        self.pl_mean = replicas.shared_state(self, "pl_mean")
        self.d_steps = replicas.shared_state(self, "d_steps", dtype="int64")
        self.g_steps = replicas.shared_state(self, "g_steps", dtype="int64")

    # -- what the pipeline asks ------------------------------------------------------------
    @property
    def sampling_options(self):
        return ("seed", "truncation")

    def run_end_callbacks(self, dataset, steps=100):
        return []  # no batch norm: nothing to recompute at the end of a run

    def compile(self, g_optimizer=None, d_optimizer=None, jit_compile="auto", **kwargs):
        """As every two-player model; XLA (`jit_compile`) is refused with the path-length
        penalty, whose gradient passes through the conditional that runs it every
        `path_length_interval` steps (XLA cannot differentiate it), and "auto" (Keras turns
        XLA on for GPUs) then means off."""
        if self.path_length_weight and jit_compile not in (False, "auto"):
            raise ValueError(f"jit_compile={jit_compile!r} cannot compile StyleGAN's lazy "
                             f"path-length penalty (path_length_weight="
                             f"{self.path_length_weight}): XLA cannot differentiate the "
                             "conditional that runs it. Use jit_compile=False, or "
                             "path_length_weight=0 (R1 alone compiles).")
        if self.path_length_weight and jit_compile == "auto":
            jit_compile = False
        super().compile(g_optimizer, d_optimizer, jit_compile=jit_compile, **kwargs)

    def default_optimizers(self):
        """Adam(0.002, 0, 0.99) for each player (Karras et al. 2020, Appendix B), corrected
        for the lazy regularization of each (`lazy_adam`)."""
        g_interval = self.path_length_interval if self.path_length_weight else None
        d_interval = self.r1_interval if self.r1_gamma else None
        return (lazy_adam(0.002, 0.0, 0.99, g_interval), lazy_adam(0.002, 0.0, 0.99, d_interval))

    def serving_endpoints(self):
        from kerasgen.models.stylegan.serving import stylegan_endpoints

        return stylegan_endpoints(self, super().serving_endpoints())

    # -- sampling --------------------------------------------------------------------------
    def _network(self, use_ema):
        return self.ema_generator if (use_ema and self.ema_generator is not None) \
            else self.generator

    def mapping(self, z, truncation=1.0, use_ema=True):
        """w (B, w_dim) float32 of latents z (B, latent_dim), pulled toward `w_avg` by
        `truncation` (psi in [0, 1]; 1 leaves w as mapped)."""
        styles.check_truncation(truncation)
        z = tf.convert_to_tensor(z, tf.float32)
        w = self._network(use_ema).get_layer("mapping")(z, training=False)
        return styles.truncate(w, self.w_avg, truncation)

    def synthesis(self, w, use_ema=True, noise=None):
        """Images (B, S, S, C) float32 in [0, 1] from w (B, w_dim), the same for every layer,
        or per-layer styles (B, num_ws, w_dim); `noise` ({layer name: (B, r, r, 1)}, e.g. a
        projection's `state`) in place of the layers' fixed noise maps."""
        w = tf.convert_to_tensor(w, tf.float32)
        if w.shape.rank == 2:
            w = tf.tile(w[:, None, :], [1, self.num_ws, 1])
        if w.shape.rank != 3 or w.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f"synthesis takes w (batch, {self.w_dim}) or per-layer styles "
                             f"(batch, {self.num_ws}, {self.w_dim}); received "
                             f"{tuple(w.shape)}.")
        synthesis = self._network(use_ema).get_layer("synthesis")
        with noise_maps(synthesis, noise or {}):
            images = synthesis(w, training=False)
        return tf.clip_by_value((tf.cast(images, tf.float32) + 1.0) / 2.0, 0.0, 1.0)

    def generate(self, num_or_latents=None, seed=None, labels=None, truncation=1.0,
                 use_ema=True):
        """Images (B, S, S, C), float32 in [0, 1].

        Args:
            num_or_latents: a number of samples, or latents z (B, latent_dim).
            seed: int for reproducible latents when a number is given.
            labels: refused (StyleGAN is unconditional); named so serving can pass None.
            truncation: psi in [0, 1]; lower trades variety for typical images.
            use_ema: sample from the EMA generator.
        """
        if labels is not None:
            raise ValueError("StyleGAN is unconditional; received labels.")
        if num_or_latents is None:
            raise ValueError(f"generate needs a number of samples or latents (B, "
                             f"{self.latent_dim}); received None.")
        if isinstance(num_or_latents, numbers.Integral):
            num_or_latents = positive_int("num_samples", num_or_latents)
        z = self.latents_for(num_or_latents, seed)  # the GAN base's drawing and checks
        return self.synthesis(self.mapping(z, truncation, use_ema), use_ema)

    def mix(self, seed_a, seed_b, crossover, truncation=1.0, use_ema=True):
        """Style mixing: images whose layers before `crossover` take the styles of seed_a's
        latent and the rest seed_b's (coarse styles, pose and shape, from a; fine ones,
        colours and texture, from b). Seeds are ints or equal-length lists of ints, one image
        per pair; `crossover` in [0, num_ws]."""
        seeds_a, seeds_b = np.atleast_1d(seed_a), np.atleast_1d(seed_b)
        if seeds_a.shape != seeds_b.shape or seeds_a.ndim != 1:
            raise ValueError(f"mix needs seed_a and seed_b of one length; received "
                             f"{seeds_a.shape} and {seeds_b.shape}.")
        if not 0 <= int(crossover) <= self.num_ws:
            raise ValueError(f"crossover must be in [0, {self.num_ws}] (the synthesis "
                             f"network's styles); received {crossover}.")

        def ws_of(seeds):
            z = tf.concat([self.sample_latents(1, int(s)) for s in seeds], axis=0)
            return self.mapping(z, truncation, use_ema)

        return self.synthesis(styles.mix_styles(ws_of(seeds_a), ws_of(seeds_b),
                                                int(crossover), self.num_ws), use_ema)

    def mixing_grid(self, row_seeds, column_seeds, crossover, truncation=1.0, use_ema=True):
        """The StyleGAN paper's Figure 3 as a uint8 picture: the row sources down the left,
        the column sources along the top, and in cell (i, j) `mix(row i, column j,
        crossover)`: coarse styles (layers before `crossover`) from the row source, finer
        ones from the column source; the corner is blank."""
        from kerasgen.images import make_grid

        rows, columns = [int(s) for s in row_seeds], [int(s) for s in column_seeds]
        if not rows or not columns:
            raise ValueError(f"mixing_grid needs row and column seeds; received {len(rows)} "
                             f"and {len(columns)}.")
        pairs_a = np.repeat(rows, len(columns))
        pairs_b = np.tile(columns, len(rows))
        cells = self.mix(pairs_a, pairs_b, crossover, truncation, use_ema).numpy()
        whole = self.num_ws
        tops = self.mix(columns, columns, whole, truncation, use_ema).numpy()
        lefts = self.mix(rows, rows, whole, truncation, use_ema).numpy()
        blank = np.ones((1,) + cells.shape[1:], np.float32)
        picture = [np.concatenate([blank, tops])]
        for i in range(len(rows)):
            picture.append(np.concatenate([lefts[i:i + 1],
                                           cells[i * len(columns):(i + 1) * len(columns)]]))
        return make_grid(np.concatenate(picture), len(columns) + 1)

    def path_length(self, space="w", num_pairs=10_000, perceptual=None, seed=0,
                    epsilon=None, batch_size=50, truncation=1.0, use_ema=True):
        """Perceptual path length in `space` ("w": linear interpolation between mapped
        latents; "z": spherical between latents), Karras et al. 2019
        (`kerasgen.metrics.path_length`): returns its summary (`ppl`, the mean after the
        paper's 1st/99th percentile filter, `median`, `pairs`, `kept`) and the protocol.
        `perceptual` is the `FeatureExtractor` whose feature maps measure the distance
        (e.g. kerasgen.zoo.load("classifier_celeba_attributes")). The layers' noise maps
        stay fixed, so only the latent moves."""
        from kerasgen.metrics import path_length as ppl

        if space not in ("w", "z"):
            raise ValueError(f"path_length measures in 'w' or 'z'; received {space!r}.")
        if perceptual is None or not hasattr(perceptual, "feature_maps"):
            raise ValueError(f"path_length needs a feature extractor for its distance (e.g. "
                             f"kerasgen.zoo.load('classifier_celeba_attributes')); received "
                             f"{type(perceptual).__name__}.")
        num_pairs = positive_int("num_pairs", num_pairs)
        epsilon = ppl.EPSILON if epsilon is None else float(epsilon)
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((2, num_pairs, self.latent_dim)).astype(np.float32)
        t = rng.uniform(0.0, 1.0 - epsilon, num_pairs).astype(np.float32)
        if space == "w":
            starts, ends = (self.mapping(z[i], truncation, use_ema).numpy() for i in (0, 1))

            def decode(w):
                return self.synthesis(w, use_ema)
        else:
            starts, ends = z[0], z[1]

            def decode(latents):
                return self.synthesis(self.mapping(latents, truncation, use_ema), use_ema)
        lengths = ppl.path_lengths(decode, starts, ends, t, ppl.perceptual_distance(perceptual),
                                   "linear" if space == "w" else "spherical", epsilon,
                                   batch_size)
        report = ppl.summarize(lengths)
        report["protocol"] = {"space": space, "epsilon": epsilon, "seed": int(seed),
                              "interpolation": "linear" if space == "w" else "spherical",
                              "truncation": float(truncation),
                              "distance": f"feature_distance of {perceptual.name}'s maps",
                              "filter": "mean of the lengths between the 1st and 99th "
                                        "percentiles"}
        return report

    def attribute_direction(self, judge, attribute, attribute_names, num_samples=2000, seed=0,
                            fraction=0.25, batch_size=100, use_ema=True):
        """The unit direction in w along which `judge` (a multi-label attribute classifier
        whose outputs are `attribute_names`, e.g. list_attr_celeba.txt's header) sees
        `attribute` appear: `kerasgen.latent.attribute_direction` between the w of the
        `fraction` of `num_samples` samples the judge scores highest for the attribute and
        the `fraction` it scores lowest. InterFaceGAN (Shen et al. 2020) likewise keeps the
        samples at both ends of the score; splitting at the judge's threshold instead fails
        when nearly every sample falls on one side (a model that draws few smiles), and the
        samples near the threshold are the ones a judge is least sure of.

        Returns (direction (w_dim,), the share of the samples the judge finds with the
        attribute, at its threshold). Images are resized to what the judge reads."""
        from kerasgen import latent
        from kerasgen.images import resize_for

        names = list(attribute_names)
        if attribute not in names:
            raise ValueError(f"Unknown attribute {attribute!r}; the judge's outputs are "
                             f"{', '.join(names)}.")
        index = names.index(attribute)
        num_samples = positive_int("num_samples", num_samples)
        if not 0 < fraction <= 0.5:
            raise ValueError(f"fraction must be in (0, 0.5]: the share of samples taken at "
                             f"each end of the judge's score; received {fraction!r}.")
        count = int(num_samples * fraction)
        if count < 1:
            raise ValueError(f"num_samples={num_samples} at fraction={fraction} leaves no "
                             f"sample at either end of the score; draw more samples.")
        w = self.mapping(self.sample_latents(num_samples, seed), 1.0, use_ema).numpy()
        scores = np.concatenate([
            np.asarray(judge.probabilities(resize_for(self.synthesis(w[i:i + batch_size],
                                                                     use_ema),
                                                      judge.image_shape)))[:, index]
            for i in range(0, num_samples, batch_size)])
        threshold = (getattr(judge, "thresholds", None) or [0.5] * len(names))[index]
        order = np.argsort(scores, kind="stable")
        ends = np.concatenate([order[-count:], order[:count]])
        has_it = np.arange(2 * count) < count
        return latent.attribute_direction(w[ends], has_it), float((scores > threshold).mean())

    # -- projection (kerasgen.models.capabilities.Projector) --------------------------------
    projection_spaces = projection.SPACES

    def project(self, images, space=None, steps=1000, perceptual=None, seed=0, verbose=False,
                use_ema=True, **options):
        """w (or per-layer w+) that make the synthesis network reproduce `images`: the
        StyleGAN2 paper's projector (Appendix D), with the distance of `perceptual`'s feature
        maps in place of LPIPS (`kerasgen.models.stylegan.projection`).

        Args:
            images: uint8 (N, S, S, C), or floats in [0, 1], of the model's size.
            space: "w" (one w for every layer, the paper's; the default) or "w+" (one per
                layer).
            steps: optimisation steps (1000 in the paper).
            perceptual: a `FeatureExtractor` (e.g. kerasgen.zoo.load(
                "classifier_celeba_attributes")) whose feature maps the distance compares, or
                None for pixels alone.
            seed: seeds the initial noise maps, the noise on w and w's statistics.
            verbose: a progress bar over the steps.
            use_ema: project through the EMA generator (the one sampling uses).
            **options: `ProjectorOptions` fields (learning rate and its ramps, the noise on
                w, the noise regularizer's weight, pixel_weight, batch_size, w_avg_samples).

        Returns:
            A `Projection`: latents (N, w_dim) or (N, num_ws, w_dim), the images they make
            with the optimised noise maps (`state`, which `synthesis(w, noise=...)` takes),
            per-image distances (mse, psnr, perceptual, psnr_fixed_noise: w with the model's
            own noise maps, attribute_agreement for an attribute classifier).
        """
        return projection.project(self, images, space, steps, perceptual, seed, verbose,
                                  use_ema, **options)

    # -- training: each random draw its own method, so tests can fix them -------------------
    def step_latents(self, batch):
        """Two latents per image (the second for style mixing), (2, B, latent_dim)."""
        return tf.random.stateless_normal([2, batch, self.latent_dim],
                                          replicas.replica_seed(self.seed_generator))

    def step_crossover(self, batch):
        """Per image, the first layer that takes the second latent's style: num_ws (no
        mixing) with probability 1 - style_mixing, else uniform in 1 .. num_ws - 1."""
        seed_mix, seed_cut = tf.unstack(tf.random.experimental.stateless_split(
            replicas.replica_seed(self.seed_generator), 2))
        mixed = tf.random.stateless_uniform([batch], seed_mix) < self.style_mixing
        cut = tf.random.stateless_uniform([batch], seed_cut, 1, self.num_ws, dtype=tf.int32)
        return tf.where(mixed, cut, self.num_ws)

    def step_path_noise(self, images):
        """y ~ N(0, I) / sqrt(H W), shaped as `images`."""
        side = float(self.image_size)
        return tf.random.stateless_normal(tf.shape(images),
                                          replicas.replica_seed(self.seed_generator)) / side

    def synthesize(self, batch):
        """Training images of the live generator, style-mixed: (images (B, S, S, C), their
        per-layer styles (B, num_ws, w_dim), the first latent's w (B, w_dim))."""
        mapping = self.generator.get_layer("mapping")
        z = self.step_latents(batch)
        w = mapping(z[0], training=True)
        ws = tf.tile(w[:, None, :], [1, self.num_ws, 1])
        if self.style_mixing > 0:
            ws = styles.mix_styles(w, mapping(z[1], training=True), self.step_crossover(batch),
                                   self.num_ws)
        images = self.generator.get_layer("synthesis")(ws, training=True)
        return images, ws, w

    def _loss_scale(self, optimizer):
        return optimizer.scale_loss(tf.constant(1.0))  # 1 unless a LossScaleOptimizer

    def _every(self, counter, interval):
        return tf.equal(counter % interval, 0)

    def _discriminator_step(self, real, labels=None):
        batch = tf.shape(real)[0]
        fake, _, _ = self.synthesize(batch)
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            real_logits = self.discriminate(real, None)
            fake_logits = self.discriminate(fake, None)
            terms = self.discriminator_terms(real, fake, real_logits, fake_logits, None)
            per_example = tf.add_n(list(terms.values()))  # (B,)
            scaled = training.scaled_mean(self.d_optimizer, per_example)
        grads = [tf.zeros_like(v) if g is None else g
                 for g, v in zip(tape.gradient(scaled, variables), variables)]
        regularize = self._every(self.d_steps, self.r1_interval) if self.r1_gamma else False
        r1 = tf.zeros([batch])
        if self.r1_gamma:
            # The penalty's gradients are taken inside the conditional and added to the main
            # loss's: the same update as one loss, and no gradient flows through tf.cond,
            # which XLA (jit_compile, Keras' default on GPUs) cannot differentiate.
            r1_grads, r1 = tf.cond(regularize, lambda: self._r1_gradients(real, variables),
                                   lambda: ([tf.zeros_like(v) for v in variables],
                                            tf.zeros([batch])))
            grads = [g + r for g, r in zip(grads, r1_grads)]
        self.d_optimizer.apply_gradients(zip(grads, variables))
        self.d_steps.assign_add(1)
        return {"d_loss": per_example,
                "real_score": tf.reduce_mean(tf.cast(real_logits, tf.float32), axis=-1),
                "fake_score": tf.reduce_mean(tf.cast(fake_logits, tf.float32), axis=-1),
                "r1_penalty": (r1, regularize)}

    def _r1_gradients(self, real, variables):
        """Loss-scaled gradients of the lazily weighted R1 term, (gamma / 2) x r1_interval x
        the global-batch mean of ||grad D(real)||^2, and the per-example penalty."""
        weight = 0.5 * self.r1_gamma * self.r1_interval
        with tf.GradientTape() as tape:
            r1 = stylegan_losses.r1_penalty(lambda x: self.discriminate(x, None), real,
                                            self._loss_scale(self.d_optimizer))
            scaled = training.scaled_mean(self.d_optimizer, weight * r1)
        grads = tape.gradient(scaled, variables)
        return [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables)], r1

    def _path_lengths(self, batch):
        small = tf.maximum(batch // self.path_length_batch_shrink, 1)
        images, ws, _ = self.synthesize(small)
        synthesis = self.generator.get_layer("synthesis")
        return stylegan_losses.path_lengths(lambda v: synthesis(v, training=True), ws,
                                            self.step_path_noise(images),
                                            self._loss_scale(self.g_optimizer))

    def _generator_step(self, batch, labels=None):
        stats = {}
        with tf.GradientTape() as tape:
            fake, _, w = self.synthesize(batch)
            fake_logits = self.discriminate(fake, None)
            terms = self.generator_terms(fake, fake_logits, None)
            per_example = tf.add_n(list(terms.values()))  # (B,)
            scaled = training.scaled_mean(self.g_optimizer, per_example)
            if self.path_length_weight:
                regularize = self._every(self.g_steps, self.path_length_interval)
                small = tf.maximum(batch // self.path_length_batch_shrink, 1)
                lengths = tf.cond(regularize, lambda: self._path_lengths(batch),
                                  lambda: tf.zeros([small]))
                # The running mean from the global batch, outside the conditional (an
                # all-reduce is a synchronisation point), updated on regularizing steps only.
                mean = tf.where(regularize, stylegan_losses.path_length_mean(
                    self.pl_mean, replicas.global_value(tf.stop_gradient(lengths)),
                    self.path_length_decay), self.pl_mean)
                penalty = stylegan_losses.path_length_penalty(lengths, tf.stop_gradient(mean))
                weight = self.path_length_weight * self.path_length_interval
                scaled += training.scaled_mean(
                    self.g_optimizer, penalty * weight * tf.cast(regularize, tf.float32))
                stats["path_length"] = (lengths, regularize)
        training.apply(self.g_optimizer, tape, scaled, self.generator.trainable_variables)
        if self.path_length_weight:
            self.pl_mean.assign(mean)
        self.w_avg.assign(styles.moving_average(
            self.w_avg, replicas.global_batch_mean(tf.stop_gradient(w)), self.w_avg_decay))
        self.g_steps.assign_add(1)
        if self.ema_generator is not None:
            self._update_ema()
        stats["g_loss"] = per_example
        return stats

    def train_step(self, data):
        real, labels = unpack(data)
        if labels is not None:
            raise ValueError("StyleGAN is unconditional; expected batches of images, received "
                             "(images, labels) pairs.")
        stats = self._discriminator_step(real)
        stats.update(self._generator_step(tf.shape(real)[0]))
        adapted = self.adapt_augmentation(stats["real_score"])
        for name, value in stats.items():
            if isinstance(value, tuple):  # a lazy term: averaged over the steps computing it
                value, computed = value
                self.trackers[name].update_state(tf.reduce_mean(value),
                                                 sample_weight=tf.cast(computed, tf.float32))
            else:
                self.trackers[name].update_state(tf.reduce_mean(value))
        return {**{name: t.result() for name, t in self.trackers.items()}, **adapted}

    # -- serialization -------------------------------------------------------------------
    def get_config(self):
        config = super(GAN, self).get_config()  # the networks are rebuilt from the args
        config.update(self._gan_config())
        for key in ("num_classes", "conditional"):
            config.pop(key)
        config.update({
            "image_size": self.image_size, "channels": self.channels, "w_dim": self.w_dim,
            "mapping_layers": self.mapping_layers,
            "mapping_lr_multiplier": self.mapping_lr_multiplier, "width": self.width,
            "max_width": self.max_width, "discriminator_width": self.discriminator_width,
            "discriminator_max_width": self.discriminator_max_width,
            "style_mixing": self.style_mixing,
            "r1_gamma": self.r1_gamma, "r1_interval": self.r1_interval,
            "path_length_weight": self.path_length_weight,
            "path_length_interval": self.path_length_interval,
            "path_length_decay": self.path_length_decay,
            "path_length_batch_shrink": self.path_length_batch_shrink,
            "w_avg_decay": self.w_avg_decay, "mbstd_group_size": self.mbstd_group_size,
        })
        return config


def _positive(name, value, zero=False):
    value = float(value)
    if not (value >= 0.0 if zero else value > 0.0):
        raise ArgumentError(name, f"{name} must be {'>= 0' if zero else '> 0'}; received "
                                  f"{value}.")
    return value


def _fraction(name, value):
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ArgumentError(name, f"{name} must be in [0, 1]; received {value}.")
    return value
