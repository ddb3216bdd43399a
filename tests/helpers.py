"""Shared test helpers (KerasHub's TestCase habit): shapes, one fit step, config and `.keras`
round trips, run the same way for every model family."""

import os

import keras
import numpy as np


def fake_images(n=16, size=28, channels=1, value_range=(0.0, 1.0), seed=0):
    rng = np.random.default_rng(seed)
    low, high = value_range
    return rng.uniform(low, high, (n, size, size, channels)).astype("float32")


def fit_one_step(model, x, y=None, batch_size=8):
    """One `fit` step; all returned metrics must be finite."""
    history = model.fit(x, y, batch_size=batch_size, epochs=1, steps_per_epoch=1, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), f"{name} is not finite: {values}"
    return history.history


def check_config_round_trip(model):
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    return clone


def optimizer_state(optimizer):
    return [v.numpy() for v in optimizer.variables]


def check_keras_round_trip(model, inputs, tmp_path, optimizers=()):
    """Save to `.keras`, reload, and compare outputs and each named optimizer's state."""
    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(np.array(model(inputs)), np.array(loaded(inputs)),
                               rtol=1e-6, atol=1e-6)
    for name in optimizers:
        before, after = getattr(model, name), getattr(loaded, name)
        assert int(before.iterations) == int(after.iterations) > 0, name
        for a, b in zip(optimizer_state(before), optimizer_state(after)):
            np.testing.assert_array_equal(a, b)
    return loaded


def write_idx_folder(folder, num_train=200, num_test=100, size=28, seed=0):
    """A synthetic MNIST-style idx folder: bright squares whose position encodes the label."""
    import gzip
    import struct

    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
             "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
    for split, n in (("train", num_train), ("test", num_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 40, (n, size, size)).astype(np.uint8)
        for image, label in zip(images, labels):
            row, col = divmod(int(label), 5)
            top, left = 2 + row * (size // 2), 1 + col * (size // 5)
            image[top:top + size // 3, left:left + size // 6] = 255
        image_file, label_file = names[split]
        with gzip.open(os.path.join(folder, image_file), "wb") as f:
            f.write(struct.pack(">IIII", 0x803, n, size, size) + images.tobytes())
        with gzip.open(os.path.join(folder, label_file), "wb") as f:
            f.write(struct.pack(">II", 0x801, n) + labels.tobytes())
    return folder


def tiny_classifier(size=8, num_classes=3, feature_dim=8):
    """An untrained kerasgen Classifier small enough for shape and plumbing tests."""
    import kerasgen

    return kerasgen.models.Classifier(image_shape=(size, size, 1), num_classes=num_classes,
                                      width=4, feature_dim=feature_dim)


def tiny_pix2pix_config(config_name, folder, output_dir, batch_size=4):
    """A pix2pix preset config shrunk to 16 px and narrow networks, on `folder` (24 images:
    1-16 for training, 17-24 held out), one epoch."""
    from kerasgen import config as config_lib

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return config_lib.load(os.path.join(root, "configs", config_name), [
        f"data.path={folder}", "data.image_size=16", "data.stop=16", "data.eval_start=16",
        "data.eval_stop=24", f"data.batch_size={batch_size}", "model.args.image_size=16",
        "model.args.generator_width=4", "model.args.discriminator_width=8",
        "model.args.patch_size=16", "train.mixed_precision=float32", "train.epochs=1",
        "train.num_samples=4", f"train.output_dir={output_dir}"])
