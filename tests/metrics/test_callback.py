import os

import numpy as np

import kerasgen
from kerasgen import metrics
from tests import helpers


def test_sample_quality_callback_logs_scores_on_schedule(tmp_path):
    clf = helpers.tiny_classifier(num_classes=4, feature_dim=6)
    gan = kerasgen.models.DCGAN(image_size=8, channels=1, latent_dim=4, generator_width=4,
                                discriminator_width=4, seed=0)
    gan.compile()
    log_dir = os.path.join(str(tmp_path), "logs")
    callback = metrics.SampleQuality(helpers.fake_images(64, 8), metrics.ClassifierFeatures(clf),
                                     metrics=("fid", "kid", "is"), num_generated=40,
                                     every_n_epochs=2, log_dir=log_dir)
    x = helpers.fake_images(16, 8, value_range=(-1.0, 1.0))
    history = gan.fit(x, batch_size=8, epochs=4, steps_per_epoch=1, verbose=0,
                      callbacks=[callback])
    assert [epoch for epoch, _ in callback.history] == [2, 4]
    assert np.isfinite(history.history["fid"]).all()  # scores reach History via logs
    assert os.listdir(os.path.join(log_dir, "sample_quality"))


def test_callback_and_compute_metrics_score_metrics_on_pixels():
    """swd and ms_ssim read the samples' pixels: the callback and compute_metrics give the
    numbers of the metrics called on the same uint8 images."""
    from kerasgen.images import to_uint8

    gan = kerasgen.models.DCGAN(image_size=16, channels=1, latent_dim=4, generator_width=4,
                                discriminator_width=4, seed=0)
    gan.compile()
    real = helpers.fake_images(32, 16)  # [0, 1] floats
    callback = metrics.SampleQuality(real, "pixels:8", metrics=("swd", "ms_ssim"),
                                     num_generated=24)
    x = helpers.fake_images(16, 16, value_range=(-1.0, 1.0))
    history = gan.fit(x, batch_size=8, epochs=1, steps_per_epoch=1, verbose=0,
                      callbacks=[callback])
    generated = np.asarray(to_uint8(gan.generate(24, seed=0)))
    real_uint8 = np.asarray(to_uint8(real))
    expected = dict(metrics.sliced_wasserstein_distance(real_uint8, generated),
                    **metrics.ms_ssim_diversity(real_uint8, generated))
    assert callback.history[0][1] == expected
    assert history.history["swd_mean"] == [expected["swd_mean"]]
    report = metrics.compute_metrics(real, generated, "pixels:8", ("swd", "ms_ssim"),
                                     verbose=False)
    assert report["metrics"] == expected
    assert report["protocol"]["swd"]["directions"] == 512
