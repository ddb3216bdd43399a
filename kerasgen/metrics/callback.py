"""A `fit` callback that scores generated samples on a schedule and logs to TensorBoard."""

import os

import keras
import numpy as np
import tensorflow as tf

from kerasgen.images import to_uint8
from kerasgen.metrics import features as features_lib
from kerasgen.metrics.sample_quality import SAMPLE_METRICS
from kerasgen.metrics.sample_quality import check_metrics
from kerasgen.metrics.sample_quality import scores_from_outputs


class SampleQuality(keras.callbacks.Callback):
    """Compute FID / KID / IS (/ precision-recall) of fresh samples every `every_n_epochs`.

    Real-image features are extracted once, on the first evaluation. Scores are added to the
    epoch's `logs` (so `History`, `ModelCheckpoint(monitor="fid")` and `EarlyStopping` see
    them) and written as TensorBoard scalars under `log_dir/sample_quality`. Samples use a
    fixed seed, so the curve tracks the model, not the noise.

    Args:
        real_images: (N, H, W, C) uint8 or [0, 1] float images to compare against.
        extractor: a `kerasgen.metrics.FeatureExtractor` or its name ("classifier_mnist").
        metrics: any registered sample metrics: "fid", "kid", "is", "pr", and "swd",
            "ms_ssim" on the pixels of the samples.
        num_generated: samples per evaluation.
        every_n_epochs: evaluation cadence.
        log_dir: TensorBoard folder; None logs only to `logs`.
        seed: sampling seed.

    Example:
    >>> cb = kerasgen.metrics.SampleQuality(x_test, "classifier_mnist", every_n_epochs=2,
    ...                                     log_dir="runs/dcgan_mnist/logs")
    >>> gan.fit(ds, epochs=10, callbacks=[cb])
    """

    def __init__(self, real_images, extractor, metrics=("fid", "is"), num_generated=5000,
                 every_n_epochs=1, log_dir=None, seed=0, batch_size=500, verbose=False):
        super().__init__()
        self.real_images = real_images
        self.extractor = features_lib.get_extractor(extractor)
        self.metrics = check_metrics(metrics)
        self.num_generated = int(num_generated)
        self.every_n_epochs = int(every_n_epochs)
        self.log_dir = log_dir
        self.seed = int(seed)
        self.batch_size = int(batch_size)
        self.verbose = verbose
        self.history = []  # (epoch, scores) of every evaluation
        self._real_features = None
        self._real_pixels = None  # uint8, for metrics on images
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        if self._real_features is None:
            self._real_features, _, _ = features_lib.extract(
                self.extractor, features_lib.image_batches(self.real_images, self.batch_size),
                verbose=self.verbose)
        batches = features_lib.generated_batches(self.model, self.num_generated,
                                                 self.batch_size, self.seed)
        kept = None
        if any(SAMPLE_METRICS[m].needs == "images" for m in self.metrics):
            if self._real_pixels is None:
                real = np.asarray(self.real_images)
                self._real_pixels = real if real.dtype == np.uint8 else np.asarray(
                    to_uint8(real))
            kept = []
            batches = features_lib.keeping_uint8(batches, kept)
        gen_features, gen_probs, _ = features_lib.extract(self.extractor, batches,
                                                          verbose=self.verbose)
        scores = scores_from_outputs(
            self._real_features, gen_features, gen_probs, self.metrics, seed=self.seed,
            real_images=self._real_pixels,
            generated_images=None if kept is None else np.concatenate(kept))
        self.history.append((epoch + 1, scores))
        if logs is not None:
            logs.update(scores)
        if self.log_dir:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(
                    os.path.join(self.log_dir, "sample_quality"))
            with self._writer.as_default():
                for name, value in scores.items():
                    tf.summary.scalar(f"{self.extractor.name}/{name}", value, step=epoch + 1)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
