import os

import numpy as np

from kerasgen.metrics import memorization
from kerasgen.metrics import nearest_neighbour_grid
from kerasgen.metrics import nearest_neighbours


def test_nearest_neighbours_finds_exact_copies_and_shifted_copies():
    rng = np.random.default_rng(0)
    train = rng.uniform(size=(300, 8, 8, 1)).astype("float32")
    picks = np.array([5, 17, 250])
    queries = train[picks] + 0.001
    index, distance = nearest_neighbours(queries, train)
    np.testing.assert_array_equal(index, picks)
    assert np.all(distance < 0.01)
    index, distance = nearest_neighbours(queries.reshape(3, -1) * 7.0, train.reshape(300, -1),
                                         metric="cosine")  # scale-invariant
    np.testing.assert_array_equal(index, picks)
    assert np.all(distance < 1e-4)


def test_memorization_score_flags_copies_and_not_fresh_samples():
    rng = np.random.default_rng(1)
    train, test = rng.normal(size=(2000, 16)), rng.normal(size=(500, 16))
    fresh = memorization(rng.normal(size=(500, 16)), train, test)
    copies = memorization(train[:500] + 1e-3 * rng.normal(size=(500, 16)), train, test)
    assert 0.8 < fresh["score"] < 1.2 and fresh["fraction_closer_than_test_p1"] < 0.05
    assert copies["score"] < 0.01 and copies["fraction_closer_than_test_p1"] == 1.0


def test_grid_has_generated_pixel_and_feature_rows(tmp_path):
    rng = np.random.default_rng(2)
    train = (rng.uniform(size=(50, 10, 10, 1)) * 255).astype("uint8")
    generated = train[:4].astype("float32") / 255.0
    path = os.path.join(str(tmp_path), "nn.png")
    grid, info = nearest_neighbour_grid(generated, train, generated.reshape(4, -1),
                                        train.reshape(50, -1).astype("float32"), path)
    assert grid.shape == (3 * 12 + 2, 4 * 12 + 2, 1)  # 3 rows x 4 columns of 10px + 2px pad
    assert info["pixel_l2"]["indices"] == [0, 1, 2, 3]
    assert info["feature_cosine"]["indices"] == [0, 1, 2, 3]
    assert os.path.getsize(path) > 0
