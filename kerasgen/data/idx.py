"""MNIST-style idx files (LeCun et al.), as shipped for MNIST and Fashion-MNIST.

Neither Keras nor TFDS reads a local folder of idx files (both download their own copies), so
this small reader follows the format spec at http://yann.lecun.com/exdb/mnist/: a big-endian
magic number (0x0000, dtype code, ndim), ndim big-endian uint32 sizes, then the raw data.
"""

import gzip
import os

import numpy as np

IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path):
    """Read one idx file (optionally .gz) into a uint8 numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise ValueError(f"{path}: cannot read idx file ({e}).") from e
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte idx file (expected magic 0x0000 08 nn; "
                         f"received {data[:4].hex() or 'an empty file'}).")
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        raise ValueError(f"{path}: header says shape {shape} ({expected} bytes) but the file "
                         f"holds {len(data)} bytes; it is truncated or corrupt.")
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def _find(folder, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{folder}: no {stem}.gz (or {stem}); expected an MNIST-style "
                            "folder with train-/t10k- images and labels idx files.")


def load_idx_split(folder, split="train"):
    """Images (N, H, W, 1) uint8 and labels (N,) int32 of one split of an idx folder."""
    if split not in IDX_FILES:
        raise ValueError(f"Unknown split {split!r} for an idx folder; expected 'train' or 'test'.")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Data folder {folder!r} does not exist.")
    image_stem, label_stem = IDX_FILES[split]
    image_path, label_path = _find(folder, image_stem), _find(folder, label_stem)
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.ndim != 3:
        raise ValueError(f"{image_path}: expected (N, H, W) images; received shape {images.shape}.")
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"{label_path}: {labels.shape[0] if labels.ndim else 0} labels do not "
                         f"match the {len(images)} images of {image_path}.")
    return images[..., None], labels.astype(np.int32)
