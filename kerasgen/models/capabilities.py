"""What a model can do, declared by the model; the pipeline asks for it.

Training, serving, evaluation and the command line never check a family's name or probe a
model's attributes: they ask `isinstance(model, Sampler)` (and the like) and call the methods
the capability promises, or read what every kerasgen model declares (`KerasgenModel`). A new
family subclasses the capabilities it has and `keras.Model`, and is then trained, sampled,
exported, verified and evaluated without an edit outside its folder.

Capabilities (each a small mixin; put them before `keras.Model` in the bases):
- `Sampler`: `generate(num_samples=None, seed=None, **options)` -> images in [0, 1].
- `Translator`: `translate(images, direction=None)` -> images in [0, 1].
- `TextConditioned`: `generate_from_text(texts, seed=None)` -> one image per caption.
- `TextImageEmbedder`: `encode_text(texts)` / `encode_images(images)` -> unit embeddings.
- `DensityModel`: `log_prob(x, num_samples=None, **conditions)` -> nats per example.
- `Encoder`: `encode(x)` / `decode(z)`.
- `FeatureExtractor`: `features(images)` / `probabilities(images)` (the metrics' networks),
  `feature_maps(images)` (perceptual distances).
- `Projector`: `project(images, space=None, steps=..., perceptual=None, ...)` -> `Projection`:
  latents that reproduce given images (GAN inversion).

Sampling options share one vocabulary across families and surfaces (Python keyword, CLI flag,
SavedModel input): see `SAMPLING_OPTIONS`; a model lists the ones it takes in
`sampling_options`.
"""

import dataclasses
import math

import numpy as np

# name -> what it means; `kerasgen sample` offers --<name> for the ones a model declares.
SAMPLING_OPTIONS = {
    "seed": "an integer; the same seed gives the same samples",
    "labels": "class ids or class names, one per sample (conditional models); "
              "without them the samples cycle through the classes",
    "truncation": "a float in [0, 1]: how far samples are pulled toward the average "
                  "(StyleGAN's psi; BigGAN's truncation threshold); 1 is no truncation",
    "temperature": "a float > 0 dividing the logits of an autoregressive model's "
                   "per-pixel distributions; 1 samples the model as trained",
}


class KerasgenModel:
    """What every kerasgen model declares, with the defaults most families keep.

    Attributes a family may override:
        data_range: "unit" ([0, 1]) or "symmetric" ([-1, 1]): the pixel range it trains on.
        validates: whether `fit` should score the held-out split every epoch.
        class_names: names of the class ids of a conditional model, saved in its config when
            known (a model trained on class subfolders learns them from the data).
    """

    data_range = "unit"
    validates = True

    def __init__(self, *args, class_names=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_names = None if class_names is None else [str(n) for n in class_names]

    # -- data -------------------------------------------------------------------------------
    def examples_per_step(self, batch_size):
        """Training examples one `train_step` reads for a configured batch size (a GAN
        with k discriminator steps reads k batches)."""
        return int(batch_size)

    def examples_seen(self):
        """Training examples this model's steps have used so far, when it keeps that count
        itself (a progressive GAN's steps use part of each batch at its larger sides); None
        lets `kerasgen train` count the examples its steps read (`examples_per_step`)."""
        return None

    def check_data(self, data, given=()):
        """Refuse (ValueError, or `kerasgen.models.common.ArgumentError` naming an argument)
        or warn about data this model would silently mis-model; `data` is a DataConfig and
        `given` the constructor arguments the config set explicitly (a default may be a
        silent mistake where a stated choice is a decision)."""

    def prepare_dataset(self, dataset, training=True):
        """The `fit` dataset for this model (a text model tokenizes captions, and builds
        its vocabulary from the first training data it sees)."""
        return dataset

    def adopt_examples(self, examples):
        """Keep what the model needs of a few held-out examples before training (a
        text-conditional model: the captions its sample grids show)."""

    def learn_class_names(self, names):
        """The data's class names (class subfolders), saved with the model."""
        if names:
            self.class_names = [str(n) for n in names]

    def optimizers_by_name(self):
        """{config key: optimizer} of what training updates, whose state backups save
        (`optimizer`; a two-player model's `g_optimizer` and `d_optimizer`)."""
        optimizer = getattr(self, "optimizer", None)  # set by compile
        return {"optimizer": optimizer} if optimizer is not None else {}

    # -- what a run shows and does at its end ------------------------------------------------
    @property
    def uses_examples(self):
        """Whether `preview` shows data examples (a translator's held-out inputs) rather than
        samples of its own."""
        return False

    def preview(self, num_samples=64, seed=0, examples=None):
        """A uint8 (H, W, C) picture of what the model does now (sample grids in
        TensorBoard and `kerasgen sample`); None when it has nothing to show."""
        return None

    def training_callbacks(self):
        """Keras callbacks a `kerasgen train` run adds for this model's own training control
        (e.g. a learning rate halved when a logged measure stalls). They run after the
        non-finite guard and before backups, TensorBoard and checkpoints, so what they change
        at an epoch's end is in that epoch's backup and scalars."""
        return []

    def run_end_callbacks(self, dataset, steps=100):
        """Keras callbacks for the end of a `kerasgen train` run (e.g. recompute batch-norm
        statistics under the final weights from `steps` batches of `dataset`)."""
        return []

    # -- serving and evaluation --------------------------------------------------------------
    def serving_endpoints(self):
        """name -> (function, input signature) for a SavedModel; the first is also
        `serving_default`. Capabilities contribute theirs."""
        return {}

    def default_metrics(self):
        """Metric names `kerasgen evaluate` computes when none are asked for."""
        return ()

    # -- serialization ----------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        if self.class_names:
            config["class_names"] = list(self.class_names)
        return config

    def label_ids(self, labels):
        """Class ids (int32 numpy) for `labels` given as ids or names; an unknown name or an
        id out of range raises ValueError with what is known."""
        import tensorflow as tf

        if tf.is_tensor(labels) and (labels.dtype.is_integer or not tf.executing_eagerly()):
            return labels  # ids inside a traced function: the graph checks their range
        values = np.asarray(labels.numpy() if tf.is_tensor(labels) else labels)
        if values.dtype.kind == "f":
            return labels  # conditions that are not class ids (an embedding) pass uncast
        num_classes = self.num_classes_declared
        if values.dtype.kind in "US" or values.dtype == object:
            names = self.class_names or []
            known = {n: i for i, n in enumerate(names)}
            ids = []
            for value in values.reshape(-1):
                value = value.decode() if isinstance(value, bytes) else str(value)
                if value in known:
                    ids.append(known[value])
                elif value.lstrip("-").isdigit():
                    ids.append(int(value))
                else:
                    listing = (", ".join(names) if names else
                               f"none saved: use class ids 0..{(num_classes or 1) - 1}")
                    raise ValueError(f"Unknown class name {value!r}; known classes: {listing}.")
            values = np.asarray(ids, np.int64).reshape(values.shape)
        values = values.astype(np.int64)
        if num_classes and values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"Class ids must be in 0..{num_classes - 1}; received "
                             f"{values.min()}..{values.max()}.")
        return values.astype(np.int32)

    @property
    def num_classes_declared(self):
        """The number of classes of a class-conditional model, else None."""
        return None


class Sampler(KerasgenModel):
    """Draws images: `generate(num_samples=None, seed=None, **options)` -> float32
    (B, H, W, C) in [0, 1]. A class-conditional sampler takes `labels` (ids or names; the count
    follows from them when `num_samples` is None)."""

    @property
    def sampling_options(self):
        return ("seed", "labels") if self.num_classes_declared else ("seed",)

    @property
    def num_classes_declared(self):
        return getattr(self, "num_classes", None) or None  # the family's own attribute

    def generate(self, num_samples=None, seed=None, **options):
        raise NotImplementedError

    def cycling_options(self, num_samples):
        """Options for `num_samples` samples that cover the conditions evenly: class ids
        0, 1, ..., K-1, 0, ... for a class-conditional model; {} for an unconditional one."""
        classes = self.num_classes_declared
        return {"labels": np.arange(int(num_samples)) % classes} if classes else {}

    def grid_columns(self, num_samples):
        """Columns of a preview grid: one class a column for a conditional model."""
        return self.num_classes_declared or math.ceil(math.sqrt(num_samples))

    def preview(self, num_samples=64, seed=0, examples=None):
        from kerasgen.images import make_grid

        images = self.generate(int(num_samples), seed=seed, **self.cycling_options(num_samples))
        return make_grid(images, self.grid_columns(num_samples))

    def serving_endpoints(self):
        from kerasgen.models import endpoints

        return {**endpoints.sampler_endpoints(self), **super().serving_endpoints()}

    def default_metrics(self):
        return ("fid", "kid", "is")


class Translator(KerasgenModel):
    """Translates images: `translate(images, direction=None)` -> images in [0, 1];
    `directions` names the ways it translates (pix2pix: one, CycleGAN: "a2b" and "b2a"),
    `translator(direction)` gives the network and sizes that serving wraps."""

    directions = ("a2b",)

    @property
    def uses_examples(self):
        return True

    def translate(self, images, direction=None):
        raise NotImplementedError

    def preview(self, num_samples=64, seed=0, examples=None):
        """Rows of source | translation | target of `examples` ((sources, targets) in [0, 1]);
        None without examples."""
        if examples is None:
            return None
        from kerasgen.images import translation_grid

        return translation_grid(self, *examples)

    def serving_endpoints(self):
        from kerasgen.models import endpoints

        return {**endpoints.translator_endpoints(self), **super().serving_endpoints()}

    def default_metrics(self):
        return ("l1", "psnr", "ssim", "fid", "kid")


class TextConditioned(KerasgenModel):
    """Draws images from captions: `generate_from_text(texts, seed=None)`, one image per
    caption; `sample_texts` are the captions its previews show. `read_words(texts)` says
    which words of each caption it cannot read (in a graph too: the serving signature returns
    them and refuses a caption with no word it reads)."""

    sample_texts = ()

    def generate_from_text(self, texts, seed=None):
        raise NotImplementedError

    def read_words(self, texts):
        """(B,) strings -> (unknown words (B, None) ragged strings, (B,) int32 counts of the
        words the model reads) of each caption."""
        raise NotImplementedError

    def unknown_words(self, texts):
        """(B,) strings -> (B, None) ragged strings: the words of each caption the model
        cannot read."""
        return self.read_words(texts)[0]

    def text_grid(self, texts, num_per_text, seed=0):
        """(uint8 grid, columns): `num_per_text` images of each caption, one caption a
        column, the same noise along a row."""
        raise NotImplementedError

    def preview(self, num_samples=64, seed=0, examples=None):
        texts = list(self.sample_texts or [])
        if not texts:
            return None
        return self.text_grid(texts, max(1, int(num_samples) // len(texts)), seed)

    def serving_endpoints(self):
        from kerasgen.models import endpoints

        # Not the noise-fed endpoints of a sampler it may also be: captions are its input.
        return endpoints.text_endpoints(self)

    def default_metrics(self):
        return ("attributes", "fid", "kid", "diversity")


class TextImageEmbedder(KerasgenModel):
    """Embeds captions and images in one space: `encode_text(texts)`,
    `encode_images(images)` -> L2-normalised (B, D)."""

    def default_metrics(self):
        return ("retrieval",)


class DensityModel(KerasgenModel):
    """A likelihood: `log_prob(x, num_samples=None, **conditions)` -> (B,) nats per example,
    exact where the model allows (PixelCNN), else an estimate (a VAE's importance-sampled
    bound with k = `num_samples`). `x` is what the model trains on: floats in its
    `data_range`, 0/1 for a model of binary pixels (`binary`)."""

    binary = False  # models black/white pixels: evaluation binarizes 8-bit images first
    # log p(x) is a sum of per-pixel terms the model can return (`log_prob_map`): an
    # autoregressive model's log p(x_i | x_<i); `kerasgen evaluate --heat-maps` draws them.
    pixel_terms = False
    # A class-conditional likelihood that also knows p(y) has `class_log_joint`, and so
    # classifies by Bayes' rule; `kerasgen evaluate --metrics nll` then reports its accuracy.
    classifies = False

    def log_prob(self, x, num_samples=None, **conditions):
        raise NotImplementedError

    def log_prob_map(self, x, **conditions):
        """(B, H, W) per-pixel terms in nats that sum to `log_prob` (models with
        `pixel_terms`)."""
        raise NotImplementedError

    def bits_per_dim(self, x, num_samples=None, **conditions):
        """-log_prob / (H * W * C * ln 2): the per-dimension cost in bits."""
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        dims = float(np.prod(x.shape[1:]))
        return -self.log_prob(x, num_samples=num_samples, **conditions) / (dims * math.log(2.0))

    def class_log_joint(self, x, num_samples=None):
        """log p(x, y) = log p(y) + log p(x | y) for every class y, (B, K), of a
        class-conditional likelihood. Normalized over y it is p(y | x) (Bayes' rule makes the
        model a classifier), and its log-sum-exp is log p(x); `kerasgen evaluate --metrics nll`
        reports both on labelled images beside log p(x | y)."""
        raise TypeError(f"{type(self).__name__} does not classify (classifies=False, "
                        f"num_classes_declared={self.num_classes_declared}): it has no "
                        "p(x, y).")

    def log_prob_batch_size(self, num_samples=None):
        """Images per `log_prob` call when a whole set is scored."""
        return 100

    def density_protocol(self, num_samples=None):
        """How `log_prob` is computed, recorded with every likelihood it reports."""
        return {"estimator": "exact"}

    def serving_endpoints(self):
        from kerasgen.models import endpoints

        return {**endpoints.density_endpoints(self), **super().serving_endpoints()}

    def default_metrics(self):
        return ("nll",) + tuple(super().default_metrics())


class Completer(KerasgenModel):
    """Samples the rest of images given their first rows (raster order):
    `complete(images, known_rows, seed=None, **options)` -> float32 images in [0, 1], rows
    < known_rows kept. `kerasgen sample MODEL --complete FILES --known-rows N` shows
    `completion_grid`: per image a row of occluded input | completions | the input."""

    def completion_input(self, images):
        """uint8 images (N, H, W, C), as read from files -> what `complete` takes."""
        return images

    def completion_grid(self, images, known_rows, completions=4, seed=0, labels=None,
                        **options):
        """uint8 grid, one row per image: the input with rows >= known_rows grey, then
        `completions` completions (seeds of one batch), then the input as the model sees
        it. `labels` (conditional models): one per image."""
        from kerasgen.images import make_grid

        images = np.asarray(images)
        if images.ndim != 4 or images.dtype != np.uint8:
            raise ValueError(f"Expected uint8 images (N, H, W, C); received {images.dtype} "
                             f"{images.shape}.")
        completions = int(completions)
        if completions < 1:
            raise ValueError(f"completions must be >= 1; received {completions}.")
        x = self.completion_input(images)
        if labels is not None:
            options["labels"] = np.repeat(np.asarray(labels), completions, axis=0)
        done = np.asarray(self.complete(np.repeat(x, completions, axis=0), known_rows,
                                        seed=seed, **options), np.float32)
        seen = np.asarray(self.complete(x, images.shape[1]), np.float32)  # kept as it is
        occluded = seen.copy()
        occluded[:, known_rows:] = 0.5
        n = len(images)
        rows = np.concatenate([occluded[:, None], done.reshape((n, completions) +
                                                               images.shape[1:]),
                               seen[:, None]], axis=1)
        return make_grid(rows.reshape((-1,) + images.shape[1:]), columns=completions + 2)


class Encoder(KerasgenModel):
    """Maps images to codes and back: `encode(x)` / `decode(z)`."""

    def encode(self, x, **conditions):
        raise NotImplementedError

    def decode(self, z, **conditions):
        raise NotImplementedError


class FeatureExtractor(KerasgenModel):
    """A network the metrics read: `features(images)` (B, D) and `probabilities(images)`
    (B, K); `multi_label` for per-attribute probabilities, `decide(images)` their verdicts;
    `feature_maps(images)`, its intermediate activations, shallow to deep, for perceptual
    distances (`kerasgen.losses.projection.feature_distance`). `image_shape` is what it reads."""

    multi_label = False

    def decide(self, images):
        return self.probabilities(images) > 0.5

    def feature_maps(self, images):
        """(B, H, W, C) in [0, 1] -> a list of (B, h, w, c) activations, shallow to deep."""
        raise NotImplementedError


@dataclasses.dataclass
class Projection:
    """What `Projector.project` found for N images.

    Attributes:
        space: the latent space projected into (one of the model's `projection_spaces`).
        latents: the latents, (N, ...) float32 numpy.
        images: what the model makes of them, (N, H, W, C) float32 in [0, 1].
        distances: name -> (N,) per-image measures of `images` against the targets (e.g.
            "psnr", "mse", "perceptual").
        state: name -> array, what else the model needs to make `images` from `latents`
            (StyleGAN: the optimised noise maps); may be empty.
        protocol: how it was computed (steps, options, the perceptual network), for reports.
    """

    space: str
    latents: np.ndarray
    images: np.ndarray
    distances: dict
    state: dict
    protocol: dict


class Projector(KerasgenModel):
    """Finds latents that reproduce given images (GAN inversion, e.g. to edit one's own
    photos): `project(images, space=None, steps=1000, perceptual=None, seed=0,
    verbose=False, **options)` -> `Projection`. `images` are uint8 (N, H, W, C), or floats in
    [0, 1], of the model's size; `space` one of `projection_spaces` (the first by default);
    `perceptual` a `FeatureExtractor` whose `feature_maps` the distance compares (None: pixels
    alone); `options` the method's own settings, among them `pixel_weight` (the weight of the
    pixels' MSE beside the perceptual distance) and `batch_size` (images optimised together).
    `kerasgen project MODEL IMAGES` calls it and writes `projection_grid`."""

    projection_spaces = ()

    def project(self, images, space=None, steps=1000, perceptual=None, seed=0, verbose=False,
                **options):
        raise NotImplementedError

    def projection_grid(self, targets, projection, pairs_per_row=4):
        """uint8 grid of target | projection pairs, `pairs_per_row` pairs a row."""
        from kerasgen.images import make_grid

        targets = np.asarray(targets)
        if targets.dtype == np.uint8:
            targets = targets.astype(np.float32) / 255.0
        pairs = np.stack([targets, np.asarray(projection.images, np.float32)], axis=1)
        columns = 2 * max(1, min(int(pairs_per_row), len(targets)))
        return make_grid(pairs.reshape((-1,) + targets.shape[1:]), columns)


def capabilities(model):
    """Names of the capabilities `model` declares, for messages and reports."""
    kinds = (Sampler, Translator, TextConditioned, TextImageEmbedder, DensityModel, Completer,
             Encoder, FeatureExtractor, Projector)
    return [kind.__name__ for kind in kinds if isinstance(model, kind)]
