import os

import numpy as np
import pytest

import kerasgen
from kerasgen import metrics
from tests import helpers


def test_inception_features_with_random_weights_have_the_protocol_shapes():
    # No InceptionV3 weights ship or can be downloaded here: this checks shapes and plumbing
    # (grey -> RGB, resize to 299, [-1, 1] scaling); real numbers need the user's weights file.
    extractor = metrics.InceptionFeatures(weights=None)
    for images in (helpers.fake_images(2, 28, 1), helpers.fake_images(2, 32, 3)):
        features, probs = extractor.outputs(images)
        assert features.shape == (2, 2048) and probs.shape == (2, 1000)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-4)
    assert "meaningless" in extractor.protocol()["weights"]
    with pytest.raises(ValueError, match="1- or 3-channel"):
        extractor.outputs(helpers.fake_images(1, 28, 2))


def test_inception_weights_path_must_exist(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not download"):
        metrics.get_extractor(f"inception:{tmp_path}/missing.h5")


def test_classifier_features_from_a_keras_file(tmp_path):
    clf = helpers.tiny_classifier(size=12)
    path = os.path.join(str(tmp_path), "clf.keras")
    clf.save(path)
    extractor = metrics.get_extractor(path)
    features, probs = extractor.outputs(helpers.fake_images(5, 12))
    assert features.shape == (5, 8) and probs.shape == (5, 3)
    assert len(extractor.protocol()["sha256"]) == 64
    with pytest.raises(ValueError, match=r"expects images of shape \(12, 12, 1\); received "
                                         r"\(28, 28, 1\)"):
        extractor.outputs(helpers.fake_images(2, 28))
    real = helpers.fake_images(40, 12, seed=1)
    report = metrics.compute_metrics(real, helpers.fake_images(30, 12, seed=2), extractor,
                                     ("fid", "kid", "is", "pr"), verbose=False,
                                     kid_subsets=5, is_splits=2)
    assert set(report["metrics"]) == {"fid", "kid_mean", "kid_std", "is_mean", "is_std",
                                      "precision", "recall"}
    assert report["protocol"]["real"]["num_images"] == 40
    assert report["protocol"]["generated"]["num_images"] == 30
    assert report["protocol"]["kid"]["subset_size"] == 30


def test_unknown_extractor_names_list_the_known_ones(tmp_path):
    with pytest.raises(LookupError, match="classifier_mnist"):
        metrics.get_extractor("classifier_cifar")
    vae = kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=2, hidden_dims=(4,))
    path = os.path.join(str(tmp_path), "vae.keras")
    vae.save(path)
    with pytest.raises(ValueError, match="is a VAE"):
        metrics.get_extractor(path)


def test_pixel_features_are_centred_correlations_and_have_no_classes():
    extractor = metrics.get_extractor("pixels:4")
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(3, 8, 8, 3)).astype("float32")
    features, probs = extractor.outputs(images)
    assert features.shape == (3, 48) and probs.shape == (3, 0)
    np.testing.assert_allclose(features.mean(axis=1), 0, atol=1e-6)
    brighter, _ = extractor.outputs(np.clip(images * 0.5 + 0.25, 0, 1))
    cos = np.sum(features * brighter, 1) / (np.linalg.norm(features, axis=1)
                                            * np.linalg.norm(brighter, axis=1))
    np.testing.assert_allclose(cos, 1, atol=1e-5)  # contrast/brightness changes are invisible
    assert extractor.protocol()["feature_dim"] == 48
    with pytest.raises(ValueError, match="received 'pixels:x'"):
        metrics.get_extractor("pixels:x")
