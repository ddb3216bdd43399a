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


def test_positive_weight_scales_the_loss_of_positive_labels_and_round_trips(tmp_path):
    import keras

    clf = kerasgen.models.Classifier(image_shape=(12, 12, 3), num_classes=2, width=4,
                                     feature_dim=8, multi_label=True, positive_weight=[1.0, 9.0])
    clf.compile(optimizer="adam")
    labels = np.array([[1, 1], [0, 0], [1, 0]], np.float32)
    logits = np.array([[0.3, -1.2], [0.5, 2.0], [-0.7, 0.1]], np.float32)
    sigmoid = 1 / (1 + np.exp(-logits))
    expected = -(np.array([1.0, 9.0]) * labels * np.log(sigmoid)
                 + (1 - labels) * np.log(1 - sigmoid)).mean()
    np.testing.assert_allclose(float(clf.loss(labels, logits)), expected, rtol=1e-5)
    x = helpers.fake_images(6, 12, channels=3)
    helpers.fit_one_step(clf, x, np.tile(labels, (2, 1)))
    clf.save(str(tmp_path / "w.keras"))
    loaded = keras.saving.load_model(str(tmp_path / "w.keras"))
    assert loaded.positive_weight == [1.0, 9.0]
    np.testing.assert_allclose(float(loaded.loss(labels, logits)), expected, rtol=1e-5)
    with pytest.raises(ValueError, match=r"2 positive numbers \(one per label\); received "
                                         r"\[1.0, 2.0, 3.0\]"):
        kerasgen.models.Classifier(num_classes=2, multi_label=True, positive_weight=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="needs multi_label=True"):
        kerasgen.models.Classifier(num_classes=2, positive_weight=3.0)


def test_roc_auc_counts_ordered_pairs_with_ties_as_half():
    from kerasgen.metrics.attributes import roc_auc

    rng = np.random.default_rng(0)
    labels = rng.random(200) < 0.2
    scores = np.round(rng.random(200) + 0.3 * labels, 1)  # many ties
    pos, neg = scores[labels], scores[~labels]
    brute = ((pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()) / (
        len(pos) * len(neg))
    assert abs(roc_auc(labels, scores) - brute) < 1e-12
    assert roc_auc(labels, labels.astype(float)) == 1.0
    assert np.isnan(roc_auc(np.ones(5, bool), np.arange(5.0)))


def test_multi_label_classifier_reads_celeba_attributes_and_scores_each(tmp_path):
    import os

    import keras
    import tensorflow as tf

    from kerasgen.data.images import load_image_folder
    from kerasgen.data.images import read_attributes
    from kerasgen.metrics.attributes import per_attribute_accuracy

    folder = tmp_path / "img"
    folder.mkdir()
    rng = np.random.default_rng(0)
    rows = []
    for i in range(6):
        bright = i % 2
        image = np.full((16, 16, 3), 200 if bright else 30, np.uint8)
        tf.io.write_file(str(folder / f"{i:06d}.jpg"), tf.io.encode_jpeg(image))
        rows.append(f"{i:06d}.jpg {'1' if bright else '-1'} {'-1' if bright else ' 1'}")
    attrs = tmp_path / "list_attr_celeba.txt"
    attrs.write_text("6\nBright Dark\n" + "\n".join(rows) + "\n")
    names, table = read_attributes(str(attrs))
    assert names == ["Bright", "Dark"] and table["000001.jpg"].tolist() == [1.0, 0.0]
    images, labels = load_image_folder(str(folder), 16, 3, labels_file=str(attrs),
                                       verbose=False)
    assert labels.shape == (6, 2) and labels.dtype == np.float32
    clf = kerasgen.models.Classifier(image_shape=(16, 16, 3), num_classes=2, multi_label=True,
                                     width=4, feature_dim=8, blocks=3, flip=True)
    clf.compile(optimizer=keras.optimizers.Adam(0.01))
    clf.fit(images / 255.0, labels, epochs=30, batch_size=6, verbose=0)
    probs = np.asarray(clf.probabilities(images / 255.0))
    assert probs.shape == (6, 2) and ((probs >= 0) & (probs <= 1)).all()
    scores = per_attribute_accuracy(clf, images, labels)
    assert scores["accuracy"].tolist() == [1.0, 1.0] and scores["majority"].tolist() == [0.5, 0.5]
    assert scores["balanced_accuracy"].tolist() == [1.0, 1.0] and scores["auc"].tolist() == [1.0, 1.0]
    clf.save(str(tmp_path / "c.keras"))
    loaded = keras.saving.load_model(str(tmp_path / "c.keras"))
    assert loaded.multi_label and loaded.blocks == 3
    attrs.write_text("7\nBright Dark\n" + "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match="announces 7 rows; found 6"):
        read_attributes(str(attrs))
    attrs.write_text("6\nBright Dark\n000000.jpg 1 0\n")
    with pytest.raises(ValueError, match=":3: expected a file name and 2 values of 1 or -1"):
        read_attributes(str(attrs))
    os.remove(attrs)


def test_init_from_copies_weights_of_the_same_architecture_and_refuses_others(tmp_path):
    import keras

    from kerasgen.config import ConfigError
    from kerasgen.training.train import _init_from

    donor = kerasgen.models.Classifier(image_shape=(12, 12, 3), num_classes=2, width=4,
                                       feature_dim=8, multi_label=True)
    donor.save(str(tmp_path / "donor.keras"))
    weighted = kerasgen.models.Classifier(image_shape=(12, 12, 3), num_classes=2, width=4,
                                          feature_dim=8, multi_label=True,
                                          positive_weight=[1.0, 5.0])
    _init_from(weighted, str(tmp_path / "donor.keras"))
    for a, b in zip(weighted.get_weights(), donor.get_weights()):
        np.testing.assert_array_equal(a, b)
    wider = kerasgen.models.Classifier(image_shape=(12, 12, 3), num_classes=2, width=8,
                                       feature_dim=8, multi_label=True)
    with pytest.raises(ConfigError, match="train.init_from: .* do not match .* expected a "
                                          "model of the same architecture"):
        _init_from(wider, str(tmp_path / "donor.keras"))
    keras.backend.clear_session()


def test_balanced_thresholds_maximise_balanced_accuracy_and_the_classifier_keeps_them(tmp_path):
    import keras

    from kerasgen.metrics.attributes import balanced_thresholds

    rng = np.random.default_rng(0)
    labels = rng.random((300, 2)) < np.array([0.1, 0.5])
    probs = np.clip(0.25 * labels + rng.random((300, 2)) * 0.6, 0, 1)
    chosen = balanced_thresholds(probs, labels)

    def balanced(k, t):
        pred = probs[:, k] > t
        return ((pred & labels[:, k]).sum() / labels[:, k].sum()
                + (~pred & ~labels[:, k]).sum() / (~labels[:, k]).sum()) / 2

    for k in range(2):  # no cut between the scores does better
        best = max(balanced(k, t) for t in np.r_[0.0, np.unique(probs[:, k])])
        assert abs(balanced(k, chosen[k]) - best) < 1e-12
    clf = kerasgen.models.Classifier(image_shape=(12, 12, 3), num_classes=2, width=4,
                                     feature_dim=8, multi_label=True, thresholds=chosen)
    x = helpers.fake_images(4, 12, channels=3)
    np.testing.assert_array_equal(clf.decide(x), np.asarray(clf.probabilities(x)) > chosen)
    clf.save(str(tmp_path / "t.keras"))
    assert keras.saving.load_model(str(tmp_path / "t.keras")).thresholds == chosen
    with pytest.raises(ValueError, match=r"thresholds must be 2 probabilities in \(0, 1\)"):
        kerasgen.models.Classifier(num_classes=2, multi_label=True, thresholds=[0.5, 1.5])
