import os

import numpy as np
import pytest
import tensorflow as tf

from kerasgen import config as config_lib
from kerasgen.config import DataConfig
from kerasgen.data import paired
from kerasgen.data.pipeline import make_dataset
from tests import helpers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tf.io.write_file(path, tf.io.encode_png(np.asarray(array, np.uint8)))


def side_by_side_folder(tmp_path, n=4, h=20):
    folder = tmp_path / "ab"
    for i in range(n):
        a = np.full((h, h, 3), 10 * i, np.uint8)
        b = np.full((h, h, 3), 200 + i, np.uint8)
        write_png(str(folder / f"{i}.png"), np.concatenate([a, b], axis=1))
    return folder


def test_side_by_side_pairs_in_both_directions(tmp_path):
    folder = side_by_side_folder(tmp_path)
    a, b = paired.load_pairs("side_by_side", str(folder), 16, verbose=False)
    assert a.shape == b.shape == (4, 16, 16, 3)
    assert a[2].max() == 20 and b[2].min() == 202
    b2, a2 = paired.load_pairs("side_by_side", str(folder), 16, direction="BtoA",
                               verbose=False)
    np.testing.assert_array_equal(a, a2)
    write_png(str(folder / "9.png"), np.zeros((20, 30, 3)))
    with pytest.raises(ValueError, match=r"9.png: a side-by-side A\|B image must be twice as "
                                         r"wide as it is high; received 30x20"):
        paired.load_pairs("side_by_side", str(folder), 16, verbose=False)
    with pytest.raises(ValueError, match="Unknown direction 'AB'"):
        paired.load_pairs("side_by_side", str(folder), 16, direction="AB")


def test_two_folders_match_names_and_sizes(tmp_path):
    folder = tmp_path / "pairs"
    for name in ("x.png", "y.png"):
        write_png(str(folder / "A" / name), np.zeros((20, 20, 3)))
        write_png(str(folder / "B" / name), np.full((20, 20, 3), 255))
    a, b = paired.load_pairs("folders", str(folder), 8, verbose=False)
    assert a.shape == (2, 8, 8, 3) and a.max() == 0 and b.min() == 255
    write_png(str(folder / "A" / "z.png"), np.zeros((20, 20, 3)))
    write_png(str(folder / "B" / "w.png"), np.zeros((20, 20, 3)))
    with pytest.raises(ValueError, match=r"do not match: 1 in A/ only \(e.g. z.png\), 1 in B/ "
                                         r"only \(e.g. w.png\)"):
        paired.load_pairs("folders", str(folder), 8, verbose=False)
    os.remove(folder / "A" / "z.png")
    os.remove(folder / "B" / "w.png")
    write_png(str(folder / "B" / "y.png"), np.zeros((24, 20, 3)))
    with pytest.raises(ValueError, match=r"y.png: 20x24 pixels, but its pair .*y.png is 20x20"):
        paired.load_pairs("folders", str(folder), 8, verbose=False)
    with pytest.raises(FileNotFoundError, match="needs subfolders A/ and B/"):
        paired.load_pairs("folders", str(tmp_path), 8, verbose=False)


def test_edges_are_deterministic_lines_on_white_and_grey_is_luma():
    image = np.full((1, 32, 32, 3), 230, np.uint8)
    image[0, 10:22, 10:22] = 20  # a dark square on a light background
    edges = paired.xdog_edges(image).numpy()[0, ..., 0]
    np.testing.assert_array_equal(edges, paired.xdog_edges(image).numpy()[0, ..., 0])
    assert edges.shape == (32, 32)
    assert edges[:6].min() == 255 and edges[14:18, 14:18].min() == 255  # flat: white
    assert edges[10:22, 9:12].min() < 128  # the square's border is drawn dark
    grey = paired.grayscale(np.array([[[[255, 0, 0]]]], np.uint8)).numpy()
    assert grey.shape == (1, 1, 1, 1) and grey[0, 0, 0, 0] == 76  # 0.299 * 255


def test_jitter_crops_and_mirrors_both_sides_alike():
    rng = np.random.default_rng(0)
    target = tf.constant(rng.integers(0, 255, (18, 18, 3)), tf.uint8)
    source = target[..., :1]
    for seed in range(5):
        tf.random.set_seed(seed)
        s, t = paired.jitter(source, target, 16)
        assert s.shape == (16, 16, 1) and t.shape == (16, 16, 3)
        np.testing.assert_array_equal(s.numpy(), t.numpy()[..., :1])
    assert paired.load_size(256, True) == 286 and paired.load_size(64, True) == 72


def test_paired_config_gives_pairs_in_minus1_1(tmp_path):
    folder = side_by_side_folder(tmp_path, n=10)
    config = DataConfig(source="paired", pairs="side_by_side", path=str(folder), image_size=16,
                        channels=3, batch_size=4)
    ds, count = make_dataset(config, "symmetric", verbose=False)
    source, target = next(iter(ds))
    assert count == 10 and source.shape == (4, 16, 16, 3) and target.shape == (4, 16, 16, 3)
    assert -1.0 <= float(tf.reduce_min(source)) and float(tf.reduce_max(target)) <= 1.0
    path = os.path.join(ROOT, "configs", "pix2pix_edges2faces.yaml")
    with pytest.raises(config_lib.ConfigError, match="data.pairs: .*received null"):
        config_lib.load(path, ["data.pairs=null"])
    with pytest.raises(config_lib.ConfigError, match="data.pairs: Unknown pairs 'sketch'"):
        config_lib.load(path, ["data.pairs=sketch"])
    with pytest.raises(config_lib.ConfigError, match="data.direction: Unknown direction"):
        config_lib.load(path, ["data.direction=up"])


def test_pix2pix_trains_from_a_config_on_derived_edges(tmp_path):
    from kerasgen.training.train import train

    folder = tmp_path / "faces"
    rng = np.random.default_rng(0)
    for i in range(24):
        image = np.full((40, 36, 3), 200, np.uint8)
        top = rng.integers(2, 20)
        image[top:top + 12, 8:28] = rng.integers(0, 120, 3)
        write_png(str(folder / f"{i:03d}.png"), image)
    config = helpers.tiny_pix2pix_config("pix2pix_edges2faces.yaml", folder, tmp_path / "run")
    model, history = train(config, verbose=0)
    assert "val_l1" in history.history and np.isfinite(history.history["l1"]).all()
    assert int(model.g_optimizer.iterations) == 4  # 16 pairs / 4
    grid = tf.io.decode_png(tf.io.read_file(str(tmp_path / "run" / "samples" /
                                                "samples_latest.png"))).numpy()
    # 4 held-out rows of edges | translation | face, 16 px each with 2 px padding.
    assert grid.shape == (4 * 18 + 2, 3 * 18 + 2, 3)
