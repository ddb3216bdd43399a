import gzip
import hashlib
import os

import numpy as np
import pytest
import tensorflow as tf

from kerasgen import data
from kerasgen.config import DataConfig

MNIST_SHA256 = {  # from the shared data README
    "train-images-idx3-ubyte.gz": "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}


def write_png(path, array):
    tf.io.write_file(path, tf.io.encode_png(np.asarray(array, np.uint8)))


def image_folder(tmp_path, n=5, shape=(20, 30, 3)):
    folder = tmp_path / "img"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        write_png(str(folder / f"{i:06d}.png"), rng.integers(0, 256, shape))
    return folder


def test_real_mnist_idx(data_dir):
    folder = os.path.join(data_dir, "mnist")
    for name, digest in MNIST_SHA256.items():
        with open(os.path.join(folder, name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest
    images, labels = data.load_idx_split(folder, "test")
    assert images.shape == (10000, 28, 28, 1) and images.dtype == np.uint8
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))


def test_idx_errors_name_the_file(tmp_path):
    bad = tmp_path / "train-images-idx3-ubyte.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"\x00\x00\x08\x03" + (5).to_bytes(4, "big") + (2).to_bytes(4, "big") * 2 + b"x")
    with gzip.open(tmp_path / "train-labels-idx1-ubyte.gz", "wb") as f:
        f.write(b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + bytes(5))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz.*truncated"):
        data.load_idx_split(str(tmp_path), "train")
    with pytest.raises(FileNotFoundError, match="t10k-images"):
        data.load_idx_split(str(tmp_path), "test")
    with pytest.raises(ValueError, match="'train' or 'test'"):
        data.load_idx_split(str(tmp_path), "validation")


def test_idx_label_count_must_match(tmp_path):
    with gzip.open(tmp_path / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(b"\x00\x00\x08\x03" + (3).to_bytes(4, "big") + (2).to_bytes(4, "big") * 2
                + bytes(12))
    with gzip.open(tmp_path / "train-labels-idx1-ubyte.gz", "wb") as f:
        f.write(b"\x00\x00\x08\x01" + (4).to_bytes(4, "big") + bytes(4))
    with pytest.raises(ValueError, match="4 labels do not match the 3 images"):
        data.load_idx_split(str(tmp_path), "train")


def test_folder_crop_resize_and_slices(tmp_path):
    folder = image_folder(tmp_path, n=5)
    images = data.load_image_folder(str(folder), image_size=8, channels=3, start=1, stop=4,
                                    verbose=False)
    assert images.shape == (3, 8, 8, 3) and images.dtype == np.uint8


def test_folder_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.load_image_folder(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no images"):
        data.load_image_folder(str(tmp_path / "empty"))
    folder = image_folder(tmp_path, n=3)
    (folder / "000001.png").write_bytes(b"not an image at all")
    with pytest.raises(ValueError, match="000001.png: cannot decode"):
        data.load_image_folder(str(folder), image_size=8, verbose=False)
    with pytest.raises(ValueError, match="image_size is required"):
        data.load_image_folder(str(folder), image_size=None, verbose=False)


def test_folder_channel_mismatch_is_reported(tmp_path):
    folder = image_folder(tmp_path, n=3)
    write_png(str(folder / "000002.png"), np.zeros((20, 30, 1)))
    with pytest.raises(ValueError, match="000002.png: image has 1 channels; expected 3"):
        data.load_image_folder(str(folder), image_size=8, channels=3, verbose=False)


def test_folder_labels_file(tmp_path):
    folder = image_folder(tmp_path, n=3)
    labels = tmp_path / "labels.csv"
    labels.write_text("filename,label\n000000.png,2\n000001.png,0\n000002.png,1\n")
    _, y = data.load_image_folder(str(folder), 8, labels_file=str(labels), verbose=False)
    np.testing.assert_array_equal(y, [2, 0, 1])
    labels.write_text("000000.png,2\n000001.png,0\n")
    with pytest.raises(ValueError, match="no label for 1 image.*000002.png"):
        data.load_image_folder(str(folder), 8, labels_file=str(labels), verbose=False)
    labels.write_text("000000.png,2\n000001.png,0\n000002.png,1\n000009.png,1\n")
    with pytest.raises(ValueError, match="000009.png"):
        data.load_image_folder(str(folder), 8, labels_file=str(labels), verbose=False)


def test_pipeline_keeps_uint8_until_batching_and_binarizes(data_dir):
    config = DataConfig(source="idx", path="mnist", batch_size=32, binarize=True, labels=True)
    ds, count = data.make_dataset(config, "unit", split="test")
    assert count == 10000
    assert ds.element_spec[0].shape.as_list() == [32, 28, 28, 1]
    x, y = next(iter(ds))
    assert set(np.unique(x.numpy())) <= {0.0, 1.0} and y.dtype == tf.int32
    # Before batching the elements are still uint8 (the cheap form to shuffle and cache).
    unbatched = tf.data.Dataset.from_tensor_slices(
        data.load_arrays("idx", "mnist", split="test")[0])
    assert unbatched.element_spec.dtype == tf.uint8
    x2 = next(iter(data.batch_dataset(unbatched, 4, "symmetric", shuffle=False)))
    assert x2.numpy().min() >= -1 and x2.numpy().max() <= 1 and x2.numpy().min() < 0


def test_celeba_folder(data_dir):
    config = DataConfig(source="folder", path="celeba-10k/img", image_size=64, channels=3,
                        start=0, stop=40, batch_size=16)
    ds, count = data.make_dataset(config, "symmetric", verbose=False)
    assert count == 40
    assert ds.element_spec.shape.as_list() == [16, 64, 64, 3]


def test_tfds_source_with_mock_data():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=20):
        ds = data.tfds_dataset("mnist", "train", labels=True)
        image, label = next(iter(ds))
    assert image.shape == (28, 28, 1) and image.dtype == tf.uint8 and label.dtype == tf.int32


def test_a_cluster_worker_decodes_only_its_own_files(tmp_path):
    """shard=(num_workers, index): worker `index` decodes files index::num_workers. A corrupt
    file in worker 1's part does not stop worker 0, which never opens it."""
    folder = image_folder(tmp_path, n=7, shape=(8, 8, 3))
    every = data.load_image_folder(str(folder), image_size=8, verbose=False)
    (folder / "000003.png").write_bytes(b"not an image at all")
    config = DataConfig(source="folder", path=str(folder), image_size=8, channels=3,
                        batch_size=2, shuffle_buffer=1)
    ds, count = data.make_dataset(config, "unit", verbose=False, shard=(2, 0))
    assert count == 7  # the whole selection: every worker counts alike
    got = np.concatenate(list(ds.as_numpy_iterator()))  # files 0, 2, 4, 6 in two batches
    np.testing.assert_allclose(got, every[0::2] / 255.0, atol=1e-6)
    with pytest.raises(ValueError, match="000003.png: cannot decode"):
        data.make_dataset(config, "unit", verbose=False, shard=(2, 1))
    with pytest.raises(ValueError, match="cannot take shard 2 of 2"):
        data.make_dataset(config, "unit", verbose=False, shard=(2, 2))
    paired = DataConfig(source="paired", path=str(folder), image_size=8, channels=3)
    with pytest.raises(ValueError, match="cannot be read by parts; expected one of folder"):
        data.make_dataset(paired, "unit", verbose=False, shard=(2, 0))


def test_holdout_per_class_keeps_every_class_in_both_splits(tmp_path):
    """holdout_per_class=N: the last N files (sorted names) of each class subfolder are the
    held-out split, the rest train; labels and class names agree between the two."""
    from kerasgen.evaluation.evaluate import check_distinct_splits
    from kerasgen.evaluation.evaluate import real_images

    rng = np.random.default_rng(0)
    for name, count in (("cat", 4), ("dog", 3)):
        (tmp_path / "img" / name).mkdir(parents=True)
        for i in range(count):
            write_png(str(tmp_path / "img" / name / f"{i:02d}.png"),
                      np.full((8, 8, 3), 10 * i + (100 if name == "dog" else 0)))
    config = DataConfig(source="folder", path=str(tmp_path / "img"), image_size=8, channels=3,
                        labels="inferred", holdout_per_class=1, batch_size=1,
                        shuffle_buffer=1)
    train, count = data.make_dataset(config, "unit", shuffle=False, verbose=False)
    held, _ = data.make_dataset(config, "unit", split="test", shuffle=False, verbose=False)
    assert count == 5 and train.class_names == ["cat", "dog"] == held.class_names
    pixels = lambda ds: [(int(round(x[0, 0, 0, 0] * 255)), int(y[0]))  # noqa: E731
                         for x, y in ds.as_numpy_iterator()]
    assert pixels(train) == [(0, 0), (10, 0), (20, 0), (100, 1), (110, 1)]
    assert pixels(held) == [(30, 0), (120, 1)]
    images, labels, description = real_images(config, "test", verbose=False)
    assert images[:, 0, 0, 0].tolist() == [30, 120] and labels.tolist() == [0, 1]
    assert "the last 1 of each class" in description
    check_distinct_splits(config)  # no file in both
    with pytest.raises(ValueError, match="dog \\(3 images\\) would keep no training image"):
        data.make_dataset(DataConfig(source="folder", path=str(tmp_path / "img"),
                                     image_size=8, channels=3, holdout_per_class=3),
                          "unit", verbose=False)
