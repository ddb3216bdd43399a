"""The simplest likelihood with the PixelCNN's data and units: each (sub)pixel on its own."""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.models import discrete
from kerasgen.models.capabilities import DensityModel
from kerasgen.models.capabilities import Sampler
from kerasgen.models.common import positive_int
from kerasgen.models.common import unpack
from kerasgen.registry import register_model

DISTRIBUTIONS = {"bernoulli": 2, "categorical": 256}  # -> levels per sub-pixel


@register_model("independent_pixels")
class IndependentPixels(Sampler, DensityModel, keras.Model):
    """p(x) = prod_i p(x_i): every sub-pixel independent, with the frequencies of its levels
    in the training images (add-`smoothing` counts, so a level never seen there keeps a
    little probability). The yardstick a likelihood model's bits/dim are read against: what
    is left once each position's own statistics are known, and no pixel predicts another.

    Fitting is counting: `fit` adds each batch's levels to the `counts` variable (summed over
    replicas), so one epoch is the maximum-likelihood fit; more epochs count the images again,
    which only lowers the smoothing's weight (and, on binarized data, averages more draws).
    The `loss` it reports while fitting is each batch's NLL under the counts before that
    batch (a prequential code length); the validation loss is the held-out NLL in nats per
    image. Images come as the pipeline gives them: 0/1 for "bernoulli", floats k / 255 for
    "categorical".

    Args:
        image_shape: (height, width, channels).
        distribution: "bernoulli" (binary pixels) or "categorical" (256 levels).
        smoothing: pseudo-count added to every level (Laplace's rule at 1).
        seed: seed of the model's `keras.random.SeedGenerator` (sampling without a seed).

    Example:
    >>> model = kerasgen.models.IndependentPixels((32, 32, 3), "categorical")
    >>> model.compile(optimizer="adam")  # nothing to optimize; `fit` counts
    >>> model.fit(train_images, epochs=1)
    >>> model.bits_per_dim(test_images)
    """

    data_range = "unit"
    pixel_terms = True  # log p(x_i) per pixel

    def __init__(self, image_shape=(28, 28, 1), distribution="categorical", smoothing=1.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        if len(image_shape) != 3:
            raise ValueError(f"image_shape must be (height, width, channels); received "
                             f"{image_shape}.")
        if distribution not in DISTRIBUTIONS:
            raise ValueError(f"distribution must be one of {sorted(DISTRIBUTIONS)}; received "
                             f"{distribution!r}.")
        if not float(smoothing) > 0:
            raise ValueError(f"smoothing must be > 0 (a level unseen in training would get "
                             f"probability 0); received {smoothing}.")
        self.image_shape = tuple(positive_int("image_shape", d) for d in image_shape)
        self.distribution = distribution
        self.smoothing = float(smoothing)
        self.seed = seed
        self.levels = DISTRIBUTIONS[distribution]
        self.counts = self.add_weight(shape=self.image_shape + (self.levels,),
                                      initializer="zeros", trainable=False, dtype="float32",
                                      aggregation="sum", name="counts")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.bpd_tracker = keras.metrics.Mean(name="bits_per_dim")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker, self.bpd_tracker]

    @property
    def binary(self):
        return self.distribution == "bernoulli"

    def log_probs(self):
        """log p(x_i = level) for every sub-pixel and level, (H, W, C, levels)."""
        counts = tf.convert_to_tensor(self.counts) + self.smoothing
        return tf.math.log(counts / tf.reduce_sum(counts, -1, keepdims=True))

    def _cells(self, values):
        """Each sub-pixel's (position, level) as one index into the flattened counts, (B, H,
        W, C) int32: gathers and bincounts instead of one-hot tensors 256 times the batch."""
        positions = tf.range(int(np.prod(self.image_shape)), dtype=tf.int32)
        return tf.reshape(positions, self.image_shape) * self.levels + tf.cast(values, tf.int32)

    def _log_prob_map(self, values):
        terms = tf.gather(tf.reshape(self.log_probs(), [-1]), self._cells(values))
        return tf.reduce_sum(terms, -1)  # (B, H, W)

    # -- DensityModel ------------------------------------------------------------------------
    def log_prob_map(self, images):
        """log p(x) per pixel (its sub-pixels summed), (B, H, W) nats; sums to `log_prob`."""
        return self._log_prob_map(discrete.checked_values(
            images, self.image_shape, self.binary, f"{self.distribution} IndependentPixels"))

    def log_prob(self, images, num_samples=None, seed=None):
        """log p(x) in nats per image, (B,) float32, for uint8 0..255 images ("categorical")
        or 0/1 ones ("bernoulli"). Exact: `num_samples` and `seed` change nothing."""
        return tf.reduce_sum(self.log_prob_map(images), [1, 2])

    def density_protocol(self, num_samples=None):
        return {"estimator": "exact: independent sub-pixels at their training frequencies "
                             f"(+{self.smoothing:g} per level)",
                "distribution": self.distribution}

    def default_metrics(self):
        return ("nll",)

    # -- Sampler -----------------------------------------------------------------------------
    def generate(self, num_samples=None, seed=None):
        """Samples (B, H, W, C) float32 in [0, 1]: every sub-pixel drawn on its own (what a
        likelihood without dependencies looks like)."""
        if discrete.symbolic(num_samples):  # traced by an endpoint that checked the count
            count = num_samples
        else:
            count = positive_int("num_samples", num_samples)
        shape = tf.concat([[count], self.image_shape, [1]], 0) if tf.is_tensor(count) \
            else (count,) + self.image_shape + (1,)
        if tf.is_tensor(seed):  # a stateless seed pair (an endpoint's)
            u = tf.random.stateless_uniform(shape, seed=tf.cast(seed, tf.int64))
        else:
            u = keras.random.uniform(shape, seed=self.seed_generator if seed is None else seed)
        cdf = tf.cumsum(tf.exp(self.log_probs()), axis=-1)
        levels = tf.reduce_sum(tf.cast(cdf[None] <= u, tf.float32), -1)
        levels = tf.minimum(levels, self.levels - 1.0)
        return levels if self.binary else levels / 255.0

    # -- training ----------------------------------------------------------------------------
    def _nll(self, x):
        nll = -tf.reduce_sum(self._log_prob_map(discrete.targets(x, self.binary)), [1, 2])
        self.loss_tracker.update_state(nll)
        self.bpd_tracker.update_state(nll / (float(np.prod(self.image_shape)) * np.log(2.0)))
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        x, _ = unpack(data)
        logs = self._nll(x)  # under the counts before this batch
        cells = tf.reshape(self._cells(discrete.targets(x, self.binary)), [-1])
        size = int(np.prod(self.image_shape)) * self.levels
        counts = tf.math.bincount(cells, minlength=size, maxlength=size, dtype=tf.float32)
        self.counts.assign_add(tf.reshape(counts, self.counts.shape))
        return logs

    def test_step(self, data):
        return self._nll(unpack(data)[0])

    def get_config(self):
        config = super().get_config()
        config.update({"image_shape": list(self.image_shape),
                       "distribution": self.distribution, "smoothing": self.smoothing,
                       "seed": self.seed})
        return config
