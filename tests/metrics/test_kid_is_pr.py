import numpy as np
import pytest

from kerasgen.metrics import inception_score
from kerasgen.metrics import kernel_inception_distance
from kerasgen.metrics import mmd2_unbiased
from kerasgen.metrics import precision_recall


def naive_mmd2(x, y):
    k = lambda a, b: (a @ b / x.shape[1] + 1.0) ** 3  # noqa: E731
    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_mmd2_matches_the_definition():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 5)), rng.normal(size=(9, 5)) + 0.3
    assert mmd2_unbiased(x, y) == pytest.approx(naive_mmd2(x, y), rel=1e-10)


def test_kid_is_unbiased_near_zero_for_one_distribution_and_positive_otherwise():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2000, 32)), rng.normal(size=(2000, 32))
    mean, std = kernel_inception_distance(a, b, num_subsets=20, subset_size=500)
    assert abs(mean) < 3 * std / np.sqrt(20) + 1e-3
    far_mean, far_std = kernel_inception_distance(a, b + 0.5, num_subsets=20, subset_size=500)
    assert far_mean > 10 * max(abs(mean), std)
    assert far_std > 0


def test_inception_score_bounds():
    classes = 10
    confident_balanced = np.eye(classes)[np.arange(1000) % classes]
    assert inception_score(confident_balanced)[0] == pytest.approx(classes, rel=1e-6)
    one_image_repeated = np.tile(np.random.default_rng(2).dirichlet(np.ones(classes)), (1000, 1))
    assert inception_score(one_image_repeated)[0] == pytest.approx(1.0, abs=1e-6)
    uniform = np.full((1000, classes), 1.0 / classes)
    assert inception_score(uniform)[0] == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="softmax outputs, not logits"):
        inception_score(np.random.default_rng(3).normal(size=(100, classes)))


def test_precision_recall_fidelity_and_coverage():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(1000, 8))
    assert precision_recall(real, real) == (1.0, 1.0)
    far = precision_recall(real, rng.normal(size=(1000, 8)) + 100.0)
    assert far == (0.0, 0.0)
    # Generated samples covering only one half of the real distribution: faithful, not diverse.
    half = real[real[:, 0] > 0.5] + rng.normal(scale=0.01, size=(int((real[:, 0] > 0.5).sum()), 8))
    precision, recall = precision_recall(real, half)
    assert precision > 0.9 and recall < 0.6
