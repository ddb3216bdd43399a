"""Pluggable feature extractors for FID / KID / IS / precision-recall / nearest neighbours.

An extractor maps images in [0, 1], (B, H, W, C), to features (B, D) and class probabilities
(B, K), and describes itself for the protocol that every reported number carries.

- `InceptionFeatures`: the standard protocol's network, InceptionV3's 2048-d pool features and
  its softmax, with weights loaded from a local file the user provides (none ship with
  kerasgen and none are downloaded). Keras' ImageNet InceptionV3 is not the TF-slim graph the
  original FID code used, so its numbers are comparable with each other, not with papers.
- `ClassifierFeatures`: a domain classifier trained here (`kerasgen.models.Classifier`,
  shipped in `zoo/` as "classifier_mnist" and "classifier_fashion_mnist"), giving
  "classifier FID" and "classifier IS" on those datasets.
"""

import os

import keras
import numpy as np
import tensorflow as tf

from kerasgen.images import generated_batches  # noqa: F401  (public here too)
from kerasgen.images import to_uint8


class FeatureExtractor:
    """Interface: `name`, `image_shape` (None: any size), `outputs(images)` -> (features,
    probabilities), and `protocol()` -> dict describing the extractor."""

    name = "features"
    image_shape = None
    classifier = None  # the kerasgen classifier behind the features, if any
    num_classes = None  # 0: features without classes (no Inception Score)

    def outputs(self, images):
        raise NotImplementedError

    def multi_label_classifier(self):
        """The classifier behind these features when it gives per-attribute verdicts (a
        multi-label attribute classifier), else None."""
        if self.classifier is not None and self.classifier.multi_label:
            return self.classifier
        return None

    def protocol(self):
        return {"name": self.name}

    def check_images(self, images):
        shape = tuple(images.shape[1:])
        if self.image_shape is not None and shape != tuple(self.image_shape):
            raise ValueError(f"{self.name} expects images of shape {tuple(self.image_shape)}; "
                             f"received {shape}.")


class ClassifierFeatures(FeatureExtractor):
    """Features and p(y|x) from a trained `kerasgen.models.Classifier`.

    Args:
        classifier: the classifier model.
        name: how the protocol names it (e.g. the zoo name "classifier_mnist").
        sha256: the artifact's checksum, recorded in the protocol when known.

    Example:
    >>> extractor = kerasgen.metrics.get_extractor("classifier_mnist")
    >>> features, probs = extractor.outputs(images)   # (B, 128), (B, 10)
    """

    def __init__(self, classifier, name="classifier", sha256=None):
        self.classifier = classifier
        self.name = name
        self.sha256 = sha256
        self.image_shape = tuple(classifier.image_shape)
        self._fn = tf.function(self._outputs, reduce_retracing=True)

    def _outputs(self, images):
        h = self.classifier.feature_net(images, training=False)
        logits = self.classifier.head(h)
        if self.classifier.multi_label:
            return h, tf.sigmoid(logits)  # per-attribute probabilities, not a distribution
        return h, tf.nn.softmax(logits, axis=-1)

    def outputs(self, images):
        self.check_images(images)
        features, probs = self._fn(tf.convert_to_tensor(images, tf.float32))
        return features.numpy(), probs.numpy()

    def protocol(self):
        kind = ("multi-label attribute classifier"
                if self.classifier.multi_label else "domain classifier")
        return {"name": self.name, "kind": kind,
                "feature_dim": self.classifier.feature_dim,
                "num_classes": self.classifier.num_classes, "sha256": self.sha256}


class PixelFeatures(FeatureExtractor):
    """Raw pixels as features: each image area-resized to `size` x `size` and centred.

    The extractor for data without a domain classifier or Inception weights (e.g. CelebA
    here): it supports nearest-neighbour checks and the memorization score (cosine distance
    of centred pixels is the correlation between images), not IS (no classes); distances in
    pixel space are a weak proxy for perceptual quality, so no FID is reported with it.

    Example:
    >>> extractor = kerasgen.metrics.get_extractor("pixels:32")
    """

    num_classes = 0

    def __init__(self, size=32):
        self.size = int(size)
        self.name = f"pixels:{self.size}"
        self.feature_dim = None  # size * size * channels, known once images are seen

    def outputs(self, images):
        x = tf.image.resize(tf.convert_to_tensor(images, tf.float32), (self.size, self.size),
                            method="area")
        x = tf.reshape(x, (tf.shape(x)[0], -1))
        x = x - tf.reduce_mean(x, axis=1, keepdims=True)
        self.feature_dim = int(x.shape[1])
        return x.numpy(), np.zeros((x.shape[0], 0), "float32")

    def protocol(self):
        return {"name": self.name, "kind": "pixels, area-resized and centred per image",
                "feature_dim": self.feature_dim, "num_classes": 0}


class InceptionFeatures(FeatureExtractor):
    """InceptionV3 2048-d average-pool features and 1000-way softmax (the FID/IS protocol).

    Images are resized to 299x299 (bilinear), grey images repeated to 3 channels, and scaled
    to [-1, 1] as InceptionV3 expects.

    Args:
        weights: path to Keras' `inception_v3_weights_tf_dim_ordering_tf_kernels.h5` (with the
            top), or None for random weights, which only tests shapes: their numbers mean
            nothing and the protocol says so.

    Example:
    >>> extractor = kerasgen.metrics.InceptionFeatures("/models/inception_v3.h5")
    """

    name = "inception_v3"

    def __init__(self, weights):
        if weights is not None and not os.path.isfile(weights):
            raise FileNotFoundError(
                f"InceptionV3 weights {weights!r} not found. Give the path of Keras' "
                "inception_v3_weights_tf_dim_ordering_tf_kernels.h5 (kerasgen does not "
                "download them).")
        self.weights = weights
        net = keras.applications.InceptionV3(include_top=True, weights=weights,
                                             input_shape=(299, 299, 3))
        self.network = keras.Model(net.input, [net.get_layer("avg_pool").output, net.output])
        self._fn = tf.function(self._outputs, reduce_retracing=True)

    def _outputs(self, images):
        if images.shape[-1] == 1:
            images = tf.repeat(images, 3, axis=-1)
        images = tf.image.resize(images, (299, 299), method="bilinear")
        features, probs = self.network(images * 2.0 - 1.0, training=False)
        return tf.cast(features, tf.float32), tf.cast(probs, tf.float32)

    def outputs(self, images):
        if images.shape[-1] not in (1, 3):
            raise ValueError(f"InceptionV3 takes 1- or 3-channel images; received shape "
                             f"{tuple(images.shape)}.")
        features, probs = self._fn(tf.convert_to_tensor(images, tf.float32))
        return features.numpy(), probs.numpy()

    def protocol(self):
        return {"name": self.name, "kind": "InceptionV3 pool3 (Keras applications)",
                "feature_dim": 2048, "num_classes": 1000,
                "weights": self.weights or "random (shape test only; numbers are meaningless)"}


def get_extractor(spec):
    """An extractor from a string: a zoo classifier name ("classifier_mnist"), a path to a
    classifier `.keras` file, "inception:/path/to/weights.h5", or "pixels[:size]"."""
    if isinstance(spec, FeatureExtractor):
        return spec
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"Expected a feature extractor or its name; received {spec!r}.")
    if spec == "pixels" or spec.startswith("pixels:"):
        size = spec.partition(":")[2] or "32"
        if not size.isdigit() or int(size) < 1:
            raise ValueError(f"Expected pixels:<size> with a positive integer size; received "
                             f"{spec!r}.")
        return PixelFeatures(int(size))
    if spec.startswith("inception:"):
        return InceptionFeatures(spec[len("inception:"):])
    if spec.endswith(".keras"):
        from kerasgen.zoo.artifacts import sha256_file

        model = keras.saving.load_model(spec, safe_mode=True)
        return ClassifierFeatures(_check_classifier(model, spec), os.path.basename(spec),
                                  sha256_file(spec))
    from kerasgen import zoo

    model = zoo.load(spec)
    return ClassifierFeatures(_check_classifier(model, spec), spec, zoo.info(spec)["sha256"])


def _check_classifier(model, spec):
    from kerasgen.models.capabilities import FeatureExtractor

    if not isinstance(model, FeatureExtractor):
        raise ValueError(f"{spec!r} is a {type(model).__name__}; a feature extractor needs a "
                         "kerasgen Classifier or inception:/path/to/weights.h5.")
    return model


def image_batches(images, batch_size=500):
    """Float [0, 1] batches from an array of uint8 or float [0, 1] images (N, H, W, C)."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"Expected images (N, H, W, C); received shape {images.shape}.")
    for start in range(0, len(images), batch_size):
        batch = images[start:start + batch_size]
        yield batch.astype(np.float32) / 255.0 if batch.dtype == np.uint8 else batch


def keeping_uint8(batches, kept):
    """The batches unchanged, each also appended to the list `kept` as uint8: for metrics
    on pixels (SWD, MS-SSIM) that read the images the features were extracted from."""
    for batch in batches:
        batch = np.asarray(batch)
        kept.append(batch if batch.dtype == np.uint8 else np.asarray(to_uint8(batch)))
        yield batch


def extract(extractor, batches, total=None, description=None, verbose=True):
    """Run the extractor over an iterable of image batches.

    Returns (features (N, D), probabilities (N, K), images seen N).
    """
    bar = keras.utils.Progbar(total, unit_name="image") if verbose else None
    if verbose and description:
        print(description)
    features, probs, seen = [], [], 0
    for batch in batches:
        f, p = extractor.outputs(batch)
        features.append(f)
        probs.append(p)
        seen += len(batch)
        if bar is not None:
            bar.update(seen)
    if not features:
        raise ValueError("No images to extract features from.")
    return np.concatenate(features), np.concatenate(probs), seen
