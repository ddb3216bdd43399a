"""A small CNN image classifier: the domain feature extractor behind classifier FID / IS."""

import keras
import tensorflow as tf
from keras import layers

from kerasgen.models.capabilities import FeatureExtractor
from kerasgen.registry import register_model
from kerasgen.models.common import positive_int


@keras.saving.register_keras_serializable(package="kerasgen")
class WeightedBinaryCrossentropy(keras.losses.Loss):
    """Binary cross-entropy on logits with the positive term of label k weighted by
    `positive_weight[k]` (`tf.nn.weighted_cross_entropy_with_logits`; Keras's
    BinaryCrossentropy has no per-label positive weight). A weight of n_negative / n_positive
    per attribute makes a rare attribute's positives count as much as its negatives."""

    def __init__(self, positive_weight, name="weighted_binary_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.positive_weight = [float(w) for w in positive_weight]

    def call(self, y_true, y_pred):
        losses = tf.nn.weighted_cross_entropy_with_logits(
            labels=tf.cast(y_true, tf.float32), logits=tf.cast(y_pred, tf.float32),
            pos_weight=tf.constant(self.positive_weight, tf.float32))  # (B, K)
        return tf.reduce_mean(losses, axis=-1)

    def get_config(self):
        return {**super().get_config(), "positive_weight": self.positive_weight}


@register_model("classifier")
class Classifier(FeatureExtractor, keras.Model):
    """Convolutional classifier for small images, trained here to score generated images.

    Two blocks of two 3x3 convolutions (batch norm, ReLU, 2x2 max-pool), a `feature_dim`
    dense layer and a softmax head. `features(x)` returns the dense layer's activations (the
    space classifier FID and nearest neighbours are measured in); `probabilities(x)` gives
    p(y|x) for the classifier Inception Score and conditional-GAN accuracy. Inputs are images
    in [0, 1]. `augment` shifts images by up to `augment` of their side while training only.
    `compile()` defaults to sparse categorical cross-entropy and accuracy, so `kerasgen train`
    trains it from a config with `data.labels: true`.

    Args:
        image_shape: (H, W, C) of the inputs.
        num_classes: number of classes.
        width: channels of the first block; the second has twice as many.
        feature_dim: size of the feature layer.
        dropout: dropout rate before the feature layer and before the head.
        augment: maximum random translation as a fraction of the side (0 turns it off).
        multi_label: independent sigmoids (binary cross-entropy per label) instead of a softmax.
        positive_weight: with `multi_label`, None (plain binary cross-entropy), one number, or
            one number per label multiplying the loss of that label's positive examples; set it
            to n_negative / n_positive per label for a judge of rare attributes.
        thresholds: with `multi_label`, None (a label is present where its sigmoid exceeds
            0.5) or one probability per label, e.g. calibrated on training images for
            balanced accuracy (`python -m kerasgen.metrics.attributes MODEL --calibrate`).

    Example:
    >>> clf = kerasgen.models.Classifier(image_shape=(28, 28, 1), num_classes=10)
    >>> clf.compile(optimizer="adam")
    >>> clf.fit(mnist_images_and_labels, epochs=10)
    >>> clf.features(images)   # (B, 128)

    Reference: the "classifier FID" of domain-specific evaluation, as used for MNIST GANs in
    e.g. Lucic et al., "Are GANs Created Equal?", NeurIPS 2018.
    """

    def __init__(self, image_shape=(28, 28, 1), num_classes=10, width=32, feature_dim=128,
                 dropout=0.3, augment=0.1, multi_label=False, blocks=2, flip=False,
                 positive_weight=None, thresholds=None, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(positive_int("image_shape", d) for d in image_shape)
        if len(self.image_shape) != 3:
            raise ValueError(f"image_shape must be (height, width, channels); received "
                             f"{image_shape}.")
        self.num_classes = positive_int("num_classes", num_classes)
        self.width = positive_int("width", width)
        self.feature_dim = positive_int("feature_dim", feature_dim)
        self.dropout = float(dropout)
        self.augment = float(augment)
        self.multi_label = bool(multi_label)
        self.blocks = positive_int("blocks", blocks)
        self.flip = bool(flip)
        self.positive_weight = self._check_positive_weight(positive_weight)
        self.thresholds = self._check_thresholds(thresholds)
        augmentations = []
        if self.augment:
            augmentations.append(layers.RandomTranslation(self.augment, self.augment,
                                                          fill_mode="constant"))
        if self.flip:  # faces: a mirrored face keeps its attributes
            augmentations.append(layers.RandomFlip("horizontal"))
        self.augmenter = keras.Sequential(augmentations, name="augment")
        self.feature_net = self._build_features()
        self.head = layers.Dense(self.num_classes, name="logits", dtype="float32")
        self.head_dropout = layers.Dropout(self.dropout)
        self.augmenter.build((None,) + self.image_shape)
        self.head.build((None, self.feature_dim))
        self.built = True

    def _check_positive_weight(self, positive_weight):
        if positive_weight is None:
            return None
        if not self.multi_label:
            raise ValueError(f"positive_weight needs multi_label=True (a softmax classifier has "
                             f"no positive class); received positive_weight={positive_weight}.")
        weights = ([positive_weight] * self.num_classes
                   if isinstance(positive_weight, (int, float)) else list(positive_weight))
        if len(weights) != self.num_classes or not all(
                isinstance(w, (int, float)) and w > 0 for w in weights):
            raise ValueError(f"positive_weight must be a positive number or {self.num_classes} "
                             f"positive numbers (one per label); received {positive_weight}.")
        return [float(w) for w in weights]

    def _check_thresholds(self, thresholds):
        if thresholds is None:
            return None
        if not self.multi_label or len(thresholds) != self.num_classes or not all(
                isinstance(t, (int, float)) and 0.0 < t < 1.0 for t in thresholds):
            raise ValueError(f"thresholds must be {self.num_classes} probabilities in (0, 1), "
                             f"one per label of a multi_label classifier; received "
                             f"{thresholds} (multi_label={self.multi_label}).")
        return [float(t) for t in thresholds]

    def _build_features(self):
        x = keras.Input(self.image_shape, name="image")
        h = x
        for block, width in enumerate(self.width * 2 ** b for b in range(self.blocks)):
            for i in range(2):
                h = layers.Conv2D(width, 3, padding="same", use_bias=False,
                                  name=f"conv{block}_{i}")(h)
                h = layers.BatchNormalization(name=f"bn{block}_{i}")(h)
                h = layers.ReLU()(h)
            h = layers.MaxPooling2D(2)(h)  # (B, H / 2^(block+1), W / 2^(block+1), width)
        h = layers.Flatten()(h)
        h = layers.Dropout(self.dropout)(h)
        h = layers.Dense(self.feature_dim, activation="relu", name="features",
                         dtype="float32")(h)  # (B, feature_dim)
        return keras.Model(x, h, name="feature_net")

    def call(self, images, training=False):
        if training:
            images = self.augmenter(images, training=True)
        h = self.feature_net(images, training=training)
        return self.head(self.head_dropout(h, training=training))  # (B, num_classes) logits

    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """Sparse categorical cross-entropy and accuracy; for `multi_label`, binary
        cross-entropy per label and the mean per-label accuracy."""
        if self.multi_label:
            default_loss = (WeightedBinaryCrossentropy(self.positive_weight)
                            if self.positive_weight else
                            keras.losses.BinaryCrossentropy(from_logits=True))
            default_metrics = [keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)]
        else:
            default_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            default_metrics = ["accuracy"]
        super().compile(optimizer=optimizer, loss=loss or default_loss,
                        metrics=metrics if metrics is not None else default_metrics, **kwargs)

    def compile_from_config(self, config):
        # Keras skips this for models that override compile(); ours only fills in defaults,
        # so replaying the stored arguments restores the same compiled state.
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)  # so saved optimizer state loads

    def features(self, images):
        """(B, H, W, C) in [0, 1] -> (B, feature_dim) float32."""
        return self.feature_net(images, training=False)

    def feature_maps(self, images):
        """(B, H, W, C) in [0, 1] -> each block's last activations before its pooling, shallow
        to deep ((B, H, W, width), (B, H / 2, W / 2, 2 width), ...): what a perceptual
        distance compares (the layers LPIPS reads of VGG16 are likewise each block's last)."""
        ends = [layer.input for layer in self.feature_net.layers
                if isinstance(layer, layers.MaxPooling2D)]
        # A functional view of the same layers, built per call rather than kept: a model set
        # as an attribute would become part of what `.keras` files save.
        return keras.Model(self.feature_net.input, ends)(images, training=False)

    def probabilities(self, images):
        """(B, H, W, C) in [0, 1] -> p(y|x), (B, num_classes) float32: a softmax over
        classes, or independent sigmoids for `multi_label` (e.g. 40 face attributes)."""
        logits = self(images, training=False)
        if self.multi_label:
            return keras.ops.sigmoid(logits)
        return keras.ops.softmax(logits, axis=-1)

    def decide(self, images):
        """(B, H, W, C) in [0, 1] -> (B, num_classes) bool verdicts of a multi-label
        classifier: each sigmoid above its label's threshold (0.5 without `thresholds`)."""
        if not self.multi_label:
            raise ValueError("decide() gives per-label verdicts of a multi_label classifier; "
                             "use probabilities() for a softmax classifier.")
        thresholds = self.thresholds or [0.5] * self.num_classes
        return keras.ops.convert_to_numpy(self.probabilities(images)) > thresholds

    def get_config(self):
        config = super().get_config()
        config.update({
            "image_shape": list(self.image_shape),
            "num_classes": self.num_classes,
            "width": self.width,
            "feature_dim": self.feature_dim,
            "dropout": self.dropout,
            "augment": self.augment,
            "multi_label": self.multi_label,
            "blocks": self.blocks,
            "flip": self.flip,
            "positive_weight": self.positive_weight,
            "thresholds": self.thresholds,
        })
        return config
