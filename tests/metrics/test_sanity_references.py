"""Sanity references on real data with the shipped domain classifiers (rerun by anyone with
$KERASGEN_DATA): real-vs-real scores are near their floor, broken generators score badly."""

import numpy as np
import pytest

from kerasgen.data.idx import load_idx_split
from kerasgen.metrics import compute_metrics
from kerasgen.metrics import get_extractor

N = 10_000  # the whole MNIST test split against as many training images
# Measured with the shipped classifier: real test vs real train FID 1.28 (10k vs 10k), against
# about 6000 for uniform noise and 2200 for one repeated digit. Note that MNIST's test split
# is two writer populations (first 5,000 images: Census employees; last 5,000: students),
# so comparing a half of it against the training set gives a larger FID (9.4 at 5k).
REAL_FID_MAX = 5.0


@pytest.fixture(scope="module")
def mnist_outputs():
    from tests.conftest import data_root

    root = data_root()
    if root is None:
        pytest.skip("real data not found: set KERASGEN_DATA")
    train, _ = load_idx_split(f"{root}/mnist", "train")
    test, test_labels = load_idx_split(f"{root}/mnist", "test")
    return train, test, test_labels, get_extractor("classifier_mnist")


def scores(real, generated, extractor):
    return compute_metrics(real, generated, extractor, ("fid", "kid", "is"), verbose=False,
                           kid_subsets=20)["metrics"]


@pytest.mark.parametrize("dataset,target", [("mnist", 0.993), ("fashion-mnist", 0.925)])
def test_shipped_classifiers_reach_their_test_accuracy(data_dir, dataset, target):
    images, labels = load_idx_split(f"{data_dir}/{dataset}", "test")
    extractor = get_extractor(f"classifier_{dataset.replace('-', '_')}")
    probs = np.concatenate([extractor.outputs(images[i:i + 1000] / np.float32(255))[1]
                            for i in range(0, len(images), 1000)])
    accuracy = float((probs.argmax(axis=1) == labels).mean())
    print(f"{dataset} classifier test accuracy {accuracy:.4f}")
    assert accuracy >= target


@pytest.fixture(scope="module")
def real_scores(mnist_outputs):
    train, test, _, extractor = mnist_outputs
    return scores(train[:N], test[:N], extractor)


def test_real_test_images_against_real_training_images(data_dir, real_scores):
    real = real_scores
    print(f"real vs real: {real}")
    assert real["fid"] < REAL_FID_MAX
    assert abs(real["kid_mean"]) < 3 * real["kid_std"] + 1e-3
    assert real["is_mean"] > 9.0  # confident, balanced predictions on real digits


def test_broken_generators_score_badly(data_dir, mnist_outputs, real_scores):
    train, test, _, extractor = mnist_outputs
    real = real_scores
    rng = np.random.default_rng(0)
    noise = scores(train[:N], rng.uniform(size=(5000, 28, 28, 1)).astype("float32"), extractor)
    single = scores(train[:N], np.repeat(test[:1], 5000, axis=0), extractor)
    print(f"noise: {noise}\nsingle image: {single}")
    for broken in (noise, single):
        assert broken["fid"] > 100 * max(real["fid"], 0.01)
        assert broken["kid_mean"] > 100 * max(real["kid_mean"], 1e-4)
    assert single["is_mean"] == pytest.approx(1.0, abs=1e-3)  # one image: p(y|x) = p(y)
    assert noise["is_mean"] < 2.0
