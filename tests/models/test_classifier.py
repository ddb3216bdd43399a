import numpy as np
import pytest

import kerasgen
from tests import helpers


def test_classifier_fits_scores_and_round_trips(tmp_path):
    clf = kerasgen.models.Classifier(image_shape=(12, 12, 1), num_classes=3, width=4,
                                     feature_dim=8)
    x = helpers.fake_images(16, 12)
    y = np.arange(16) % 3
    clf.compile(optimizer="adam")
    logs = helpers.fit_one_step(clf, x, y)
    assert set(logs) == {"loss", "accuracy"}
    assert clf.features(x).shape == (16, 8)
    probs = np.array(clf.probabilities(x))
    assert probs.shape == (16, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    helpers.check_config_round_trip(clf)
    helpers.check_keras_round_trip(clf, x, tmp_path, optimizers=["optimizer"])


def test_classifier_rejects_a_bad_image_shape():
    with pytest.raises(ValueError, match=r"\(height, width, channels\); received \[28, 28\]"):
        kerasgen.models.Classifier(image_shape=[28, 28])
