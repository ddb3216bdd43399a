"""Gated PixelCNN: an exact-likelihood autoregressive image model trained on log p(x)."""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.losses import pixelcnn as dist
from kerasgen.models import discrete
from kerasgen.models import replicas
from kerasgen.models.capabilities import Completer
from kerasgen.models.capabilities import DensityModel
from kerasgen.models.capabilities import Sampler
from kerasgen.models.common import positive_int
from kerasgen.models.common import unpack
from kerasgen.models.pixelcnn.networks import GatedPixelCNNNetwork
from kerasgen.models.pixelcnn.networks import PixelCNNPlusPlusNetwork
from kerasgen.models.pixelcnn.networks import network_input
from kerasgen.models.pixelcnn.sampling import FastSampler
from kerasgen.models.pixelcnn.sampling import WholeNetworkSampler
from kerasgen.models.pixelcnn.sampling import sample_naive
from kerasgen.registry import register_model

SAMPLERS = ("fast", "naive")


@register_model("pixelcnn")
class PixelCNN(Sampler, DensityModel, Completer, keras.Model):
    """Gated PixelCNN: p(x) = prod_i p(x_i | x_<i) in raster order, R -> G -> B in a pixel.

    Vertical and horizontal stacks of gated blocks (no blind spot), residual and skip
    connections, an optional class embedding in every gate. `fit` minimises -log p(x) in nats
    per image (tracked as `loss`, and `bits_per_dim`). Images come as the pipeline gives them
    (`data_range` "unit"): 0/1 floats for "bernoulli" (`data.binarize: true`), floats k / 255
    for the 8-bit distributions, recovered as levels round(x * 255).

    Args:
        image_shape: (height, width, channels).
        distribution: "bernoulli" (binary images), "categorical" (256-way softmax per
            sub-pixel) or "logistic_mixture" (PixelCNN++'s discretized logistic mixture).
        num_layers: gated blocks (the first one with masks A).
        filters: channels of each stack (a multiple of `channels` for the per-sub-pixel
            distributions, whose channels are masked in R -> G -> B groups).
        kernel_size: odd kernel size of blocks 1.. (k x k vertical, 1 x k horizontal).
        first_kernel_size: odd kernel size of the first block.
        head_filters: channels of the skip sum and of the output head's hidden layer.
        num_classes: if set, the model is class-conditional (labels in fit, log_prob, generate).
        num_mixtures: mixture components of "logistic_mixture".
        dropout: dropout rate on the gated horizontal features in training.
        num_resolutions: 1 for the gated stacks above; 2 or more for PixelCNN++'s network
            instead (`PixelCNNPlusPlusNetwork`): two shifted streams, `num_layers` gated
            residual blocks of `filters` channels per resolution in a pass down to
            1 / 2^(num_resolutions - 1) of the image size and in a pass back up, with
            short-cuts between them (Salimans et al. 2017 use 3); `kernel_size`,
            `first_kernel_size` and `head_filters` do not apply. Its output never depends on
            the current pixel, so it takes "bernoulli" on one channel or "logistic_mixture",
            and it samples with the whole network per pixel (no cached sampler).
        seed: seed of the model's `keras.random.SeedGenerator` (sampling without a seed).

    Example:
    >>> model = kerasgen.models.PixelCNN(image_shape=(28, 28, 1), distribution="bernoulli")
    >>> model.compile(optimizer=keras.optimizers.Adam(1e-3))
    >>> model.fit(binarized_images, epochs=10)
    >>> nll = -model.log_prob(test_images)          # (B,) nats per image
    >>> digits = model.generate(16, seed=0)          # (16, 28, 28, 1) in [0, 1]
    >>> bottoms = model.complete(test_images, known_rows=14, seed=0)

    Reference: van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves & Kavukcuoglu,
    "Conditional Image Generation with PixelCNN Decoders", NeurIPS 2016; Salimans, Karpathy,
    Chen & Kingma, "PixelCNN++", ICLR 2017 (the logistic mixture).
    """

    data_range = "unit"
    pixel_terms = True  # log_prob_map: log p(x_i | x_<i) per pixel
    validates = True  # the held-out NLL per epoch costs about a sixth of a training pass

    def __init__(self, image_shape=(28, 28, 1), distribution="bernoulli", num_layers=12,
                 filters=32, kernel_size=3, first_kernel_size=7, head_filters=64,
                 num_classes=None, num_mixtures=10, dropout=0.0, num_resolutions=1, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if len(image_shape) != 3:
            raise ValueError(f"image_shape must be (height, width, channels); received "
                             f"{image_shape}.")
        self.image_shape = tuple(positive_int("image_shape", d) for d in image_shape)
        self.distribution = dist.check_distribution(distribution)
        self.num_layers = positive_int("num_layers", num_layers)
        self.filters = positive_int("filters", filters)
        self.kernel_size = positive_int("kernel_size", kernel_size)
        self.first_kernel_size = positive_int("first_kernel_size", first_kernel_size)
        self.head_filters = positive_int("head_filters", head_filters)
        self.num_classes = int(num_classes) if num_classes else None
        self.num_mixtures = positive_int("num_mixtures", num_mixtures)
        self.dropout = float(dropout)
        self.num_resolutions = positive_int("num_resolutions", num_resolutions)
        self.seed = seed
        channels = self.image_shape[-1]
        groups = dist.channel_groups(self.distribution, channels)
        for name in ("filters", "head_filters"):
            if getattr(self, name) % groups:
                raise ValueError(f"{name} must be a multiple of {groups} (one group of "
                                 f"channels per sub-pixel for {self.distribution}); received "
                                 f"{getattr(self, name)}.")
        if self.first_kernel_size < 3 or self.first_kernel_size % 2 == 0 or \
                self.kernel_size % 2 == 0:
            raise ValueError(f"kernel sizes must be odd, first_kernel_size >= 3; received "
                             f"kernel_size={kernel_size}, first_kernel_size="
                             f"{first_kernel_size}.")
        num_outputs = dist.num_params(self.distribution, channels, self.num_mixtures)
        if self.num_resolutions == 1:
            self.network = GatedPixelCNNNetwork(
                num_outputs, self.num_layers, self.filters, self.kernel_size,
                self.first_kernel_size, self.head_filters, groups, self.num_classes,
                self.dropout, name="network")
        else:
            if groups != 1:
                raise ValueError(f"num_resolutions > 1 (PixelCNN++'s network) takes "
                                 f"'bernoulli' on one channel or 'logistic_mixture'; received "
                                 f"{self.distribution!r} on {channels} channels, whose "
                                 "sub-pixels must see each other inside the network.")
            scale = 2 ** (self.num_resolutions - 1)
            if self.image_shape[0] % scale or self.image_shape[1] % scale:
                raise ValueError(f"num_resolutions={self.num_resolutions} halves the image "
                                 f"{self.num_resolutions - 1} times, so its sides must be "
                                 f"multiples of {scale}; received image_shape "
                                 f"{list(self.image_shape)}.")
            self.network = PixelCNNPlusPlusNetwork(
                num_outputs, self.num_layers, self.filters, self.num_resolutions,
                self.num_classes, self.dropout, name="network")
        labels = tf.zeros((1,), tf.int32) if self.num_classes else None
        self.network(tf.zeros((1,) + self.image_shape), labels)  # creates every weight
        if self.num_classes:
            # Training-label counts, for log p(x) = logsumexp_y log p(y) + log p(x|y); summed
            # over replicas, so each replica's batch counts once.
            self.class_counts = self.add_weight(
                shape=(self.num_classes,), initializer="zeros", trainable=False,
                dtype="float32", aggregation="sum", name="class_counts")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.bpd_tracker = keras.metrics.Mean(name="bits_per_dim")
        self._sampler = None
        self._map_fn = None
        self.built = True  # weights exist; lets .keras files restore optimizer state

    @property
    def metrics(self):
        return [self.loss_tracker, self.bpd_tracker]

    @property
    def classifies(self):
        return bool(self.num_classes)  # the training labels' counts give p(y)

    @property
    def binary(self):
        return dist.is_binary(self.distribution)

    # -- inputs ------------------------------------------------------------------------------
    def _targets(self, x):
        return discrete.targets(x, self.binary)

    def _values(self, images):
        return discrete.checked_values(images, self.image_shape, self.binary,
                                       f"{self.distribution} PixelCNN")

    def _labels(self, labels, count=None):
        if labels is None:
            return None
        if discrete.symbolic(labels) and self.num_classes:
            return tf.cast(labels, tf.int32)  # checked by the endpoint that traces this
        if not self.num_classes:
            raise ValueError("This PixelCNN is unconditional (num_classes is None); received "
                             "labels.")
        arr = self.label_ids(np.asarray(labels).reshape(-1))  # class names or ids
        if (count is not None and len(arr) != count) or not np.issubdtype(arr.dtype, np.integer) \
                or arr.min() < 0 or arr.max() >= self.num_classes:
            raise ValueError(f"Expected {count or 'N'} integer labels in [0, "
                             f"{self.num_classes}); received {arr.dtype} {arr.shape} "
                             f"{arr[:8].tolist()}.")
        return tf.constant(arr, tf.int32)

    # -- likelihood --------------------------------------------------------------------------
    def call(self, images, labels=None, training=False):
        """Distribution parameters (B, H, W, ...) float32 for pipeline images in [0, 1]."""
        params = self.network(network_input(self._targets(images), self.binary), labels,
                              training=training)
        return dist.split_params(self.distribution, params, self.image_shape[-1])

    def _log_prob_map(self, values, labels=None, training=False):
        params = self.network(network_input(values, self.binary), labels, training=training)
        params = dist.split_params(self.distribution, params, self.image_shape[-1])
        return dist.log_prob_map(self.distribution, params, values, self.num_mixtures)

    def log_class_prior(self):
        """log p(y) from the training labels' frequencies; uniform before any training."""
        counts = tf.convert_to_tensor(self.class_counts)
        total = tf.reduce_sum(counts)
        uniform = tf.fill([self.num_classes], -np.log(self.num_classes).astype("float32"))
        return tf.where(total > 0, tf.math.log(counts / tf.maximum(total, 1.0)), uniform)

    def log_prob_map(self, images, labels=None):
        """Per-pixel log p(x_i | x_<i) in nats, (B, H, W); sums to `log_prob`. For a
        conditional model without labels, the class is marginalized: pixel i's term is
        log p(x_<=i) - log p(x_<i) with p(x_<=i) = sum_y p(y) p(x_<=i | y)."""
        values = self._values(images)
        labels = self._labels(labels, None if discrete.symbolic(values) else len(values))
        if not self.num_classes or labels is not None:
            return self._compiled_map()(values, labels)
        batch, (h, w, _) = tf.shape(values)[0], self.image_shape
        maps = self._class_maps(values)  # (K, B, H, W)
        prefix = tf.cumsum(tf.reshape(maps, [self.num_classes, batch, h * w]), axis=-1)
        joint = tf.reduce_logsumexp(prefix + self.log_class_prior()[:, None, None], 0)
        per_pixel = joint - tf.pad(joint[:, :-1], [[0, 0], [1, 0]])  # (B, H * W)
        return tf.reshape(per_pixel, [batch, h, w])

    def log_prob(self, images, labels=None, num_samples=None, seed=None):
        """log p(x) (or log p(x|y) given labels) in nats per image, (B,) float32. Images:
        uint8 0..255 for the 8-bit distributions, 0/1 for bernoulli. Exact: `num_samples`
        and `seed` (the DensityModel options of estimators) change nothing."""
        return tf.reduce_sum(self.log_prob_map(images, labels), axis=[1, 2])

    def class_log_joint(self, images, num_samples=None):
        """log p(y) + log p(x | y) for every class, (B, K), p(y) the training labels'
        frequencies (a conditional model only); exact, so `num_samples` changes nothing."""
        if not self.num_classes:
            return super().class_log_joint(images, num_samples)
        per_class = tf.reduce_sum(self._class_maps(self._values(images)), [2, 3])  # (K, B)
        return tf.transpose(per_class) + self.log_class_prior()[None]

    def _compiled_map(self):
        if self._map_fn is None:
            self._map_fn = tf.function(self._log_prob_map, reduce_retracing=True)
        return self._map_fn

    def _class_maps(self, values, compiled=True):
        """log p(x_i | x_<i, y) for every class y, (K, B, H, W)."""
        fn = self._compiled_map() if compiled else self._log_prob_map
        batch = tf.shape(values)[0]
        return tf.stack([fn(values, tf.fill([batch], y)) for y in range(self.num_classes)])

    def bits_per_dim(self, images, labels=None, num_samples=None):
        """-log2 p(x) / (H * W * C), (B,)."""
        dims = float(np.prod(self.image_shape))
        return -self.log_prob(images, labels) / (dims * np.log(2.0))

    # -- what the pipeline asks (kerasgen.models.capabilities) ------------------------------
    @property
    def sampling_options(self):
        return super().sampling_options + ("temperature",)

    def completion_input(self, images):
        """uint8 files -> 0/1 (pixel > 127) for bernoulli, else the levels as they are."""
        return (images > 127).astype("float32") if self.binary else images

    def density_protocol(self, num_samples=None):
        return {"estimator": "exact: the sum of the per-(sub)pixel conditionals",
                "distribution": self.distribution}

    def default_metrics(self):
        return ("nll",)

    # -- sampling ----------------------------------------------------------------------------
    def _uniforms(self, count, seed):
        h, w, c = self.image_shape
        shape = (count, h, w, dist.num_uniforms(self.distribution, c) + 1)
        if tf.is_tensor(seed):  # a stateless seed pair (an endpoint's); as keras draws an int
            u = tf.random.stateless_uniform(tf.stack(shape), seed=tf.cast(seed, tf.int64))
        else:
            u = keras.random.uniform(shape, seed=self.seed_generator if seed is None else seed)
        return u[..., 1:], u[:, 0, 0, 0]  # per-sub-pixel draws, one more for a label

    def _sample(self, uniforms, labels, temperature, known=None, known_rows=0, method="fast",
                verbose=False):
        if method not in SAMPLERS:
            raise ValueError(f"method must be one of {SAMPLERS}; received {method!r}.")
        if not float(temperature) > 0:
            raise ValueError(f"temperature must be > 0; received {temperature}.")
        if method == "naive":
            values = sample_naive(self.network, self.distribution, self.image_shape,
                                  self.num_mixtures, uniforms, labels, temperature, known,
                                  known_rows)
        else:
            if self._sampler is None:
                kind = FastSampler if self.num_resolutions == 1 else WholeNetworkSampler
                self._sampler = kind(self.network, self.distribution, self.image_shape,
                                     self.num_mixtures)
            values = self._sampler.sample(uniforms, labels, float(temperature), known,
                                          known_rows, verbose)
        return values if self.binary else values / 255.0  # (B, H, W, C) in [0, 1]

    def _draw_labels(self, log_weights, u):
        """Inverse-CDF class draws from per-example log weights (B, K) and uniforms (B,)."""
        cdf = tf.cumsum(tf.nn.softmax(log_weights, -1), axis=-1)
        index = tf.reduce_sum(tf.cast(cdf <= u[:, None], tf.int32), -1)
        return tf.minimum(index, self.num_classes - 1)

    def generate(self, num_samples=None, seed=None, labels=None, temperature=1.0,
                 verbose=False, method="fast"):
        """Samples (B, H, W, C) float32 in [0, 1]. A conditional model without labels draws
        them from the training class frequencies. `temperature` divides the logits (for the
        mixture: its component logits; its logistic scales are multiplied by it);
        `method="naive"` runs the whole network per sub-pixel (for checking)."""
        if discrete.symbolic(num_samples):  # traced by an endpoint that checked count and labels
            count, labels = num_samples, self._labels(labels)
        elif labels is not None:
            count = len(np.asarray(labels).reshape(-1)) if num_samples is None else num_samples
            count = positive_int("num_samples", count)
            labels = self._labels(labels, count)
        elif num_samples is None:
            raise ValueError("generate needs num_samples or labels; received neither.")
        else:
            count = positive_int("num_samples", num_samples)
        uniforms, u_label = self._uniforms(count, seed)
        if self.num_classes and labels is None:
            labels = self._draw_labels(tf.tile(self.log_class_prior()[None], [count, 1]),
                                       u_label)
        return self._sample(uniforms, labels, temperature, method=method, verbose=verbose)

    def complete(self, images, known_rows, seed=None, labels=None, temperature=1.0,
                 method="fast"):
        """Keep rows < known_rows of `images` and sample the rest in raster order. Returns
        float32 images in [0, 1]. A conditional model without labels draws each image's class
        from p(y | known rows)."""
        values = self._values(images)
        h = self.image_shape[0]
        if isinstance(known_rows, bool) or not isinstance(known_rows, (int, np.integer)) \
                or known_rows < 0:
            raise ValueError(f"known_rows must be an integer in [0, {h}]; received "
                             f"{known_rows!r}.")
        known_rows = int(known_rows)
        labels = self._labels(labels, len(values))
        if known_rows >= h:
            return values if self.binary else values / 255.0
        uniforms, u_label = self._uniforms(len(values), seed)
        if self.num_classes and labels is None:
            maps = self._class_maps(values, compiled=False)  # (K, B, H, W)
            known = tf.transpose(tf.reduce_sum(maps[:, :, :known_rows], axis=[2, 3]))  # (B, K)
            labels = self._draw_labels(known + self.log_class_prior()[None], u_label)
        return self._sample(uniforms, labels, temperature, values, known_rows, method)

    # -- training ----------------------------------------------------------------------------
    def _step_terms(self, data, training):
        x, labels = unpack(data)
        if not self.num_classes:
            labels = None
        elif labels is None:
            raise ValueError(f"This PixelCNN is conditioned on {self.num_classes} classes; "
                             "expected (images, labels) batches.")
        values = self._targets(x)
        log_px = tf.reduce_sum(self._log_prob_map(values, labels, training), [1, 2])  # (B,)
        return -log_px, labels

    def _update_trackers(self, nll):
        self.loss_tracker.update_state(nll)
        self.bpd_tracker.update_state(nll / (float(np.prod(self.image_shape)) * np.log(2.0)))
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        with tf.GradientTape() as tape:
            nll, labels = self._step_terms(data, training=True)  # (B,) nats
            loss = replicas.global_mean(nll)
            scaled = self.optimizer.scale_loss(loss)  # loss scaling under mixed_float16
        grads = tape.gradient(scaled, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        if self.num_classes:
            self.class_counts.assign_add(tf.math.bincount(
                tf.cast(labels, tf.int32), minlength=self.num_classes,
                maxlength=self.num_classes, dtype=tf.float32))
        return self._update_trackers(nll)

    def test_step(self, data):
        return self._update_trackers(self._step_terms(data, training=False)[0])

    def get_config(self):
        config = super().get_config()
        config.update({
            "image_shape": list(self.image_shape), "distribution": self.distribution,
            "num_layers": self.num_layers, "filters": self.filters,
            "kernel_size": self.kernel_size, "first_kernel_size": self.first_kernel_size,
            "head_filters": self.head_filters, "num_classes": self.num_classes,
            "num_mixtures": self.num_mixtures, "dropout": self.dropout,
            "num_resolutions": self.num_resolutions, "seed": self.seed,
        })
        return config
