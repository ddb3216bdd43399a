"""Paired images for translation (pix2pix): source -> target, as uint8 arrays.

Layouts:
- `side_by_side`: pix2pix's own datasets (facades, edges2shoes, maps, ...): each file holds
  A | B side by side (width = 2 x height); `direction` AtoB takes A as the source.
- `folders`: `path/A/` and `path/B/` holding files with the same names.
- `edges`, `grayscale`: pairs derived from any image folder (e.g. CelebA): the source is the
  target's XDoG edge map or its grey version (colourization); one channel.

Images are decoded once into memory at `load_size` (286/256 of `image_size` when jittering,
as in the paper: resize, random crop back to `image_size`, mirror; applied identically to
both sides by cropping the channel-stacked pair).
"""

import os

import keras
import numpy as np
import tensorflow as tf

from kerasgen.data.images import MIN_IMAGE_SIDE
from kerasgen.data.images import list_images
from kerasgen.data.images import preprocess

PAIRS = ("side_by_side", "folders", "edges", "grayscale")
DIRECTIONS = ("AtoB", "BtoA")
DERIVED = ("edges", "grayscale")


def check_pairs(pairs, direction="AtoB"):
    if pairs not in PAIRS:
        raise ValueError(f"Unknown pairs {pairs!r}; expected one of {', '.join(PAIRS)}.")
    if direction not in DIRECTIONS:
        raise ValueError(f"Unknown direction {direction!r}; expected AtoB or BtoA.")


def source_channels(pairs, channels):
    """Channels of the source side: 1 for derived edges/grey, else the target's."""
    return 1 if pairs in DERIVED else channels


def load_size(image_size, jitter):
    """286 for 256 (Isola et al.'s jitter), scaled for other sizes; image_size without."""
    return int(round(image_size * 286 / 256)) if jitter else image_size


# -- derived sources -------------------------------------------------------------------------
def _gaussian_kernel(sigma):
    radius = max(1, int(np.ceil(3 * sigma)))
    x = np.arange(-radius, radius + 1, dtype=np.float32)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    k /= k.sum()
    return tf.constant(np.outer(k, k)[:, :, None, None], tf.float32)


def _blur(gray, sigma):
    kernel = _gaussian_kernel(sigma)
    pad = (kernel.shape[0] - 1) // 2
    padded = tf.pad(gray, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="REFLECT")
    return tf.nn.conv2d(padded, kernel, 1, "VALID")


def xdog_edges(images, sigma=0.6, k=1.6, tau=0.98, epsilon=-0.01, phi=60.0):
    """Extended difference-of-Gaussians line drawing (Winnemoeller et al. 2012), computed in
    TensorFlow and deterministic: uint8 (B, H, W, C) -> uint8 (B, H, W, 1), dark lines on
    white. pix2pix built edges2shoes with HED (a learned detector); XDoG needs no weights.

    D = G_sigma - tau G_{k sigma} on grey levels in [0, 1] (flat regions give D >= 0, the
    dark side of an edge D < 0); E = 1 where D >= epsilon, else 1 + tanh(phi (D - epsilon)).
    """
    x = tf.cast(images, tf.float32) / 255.0
    gray = tf.image.rgb_to_grayscale(x) if x.shape[-1] == 3 else x
    d = _blur(gray, sigma) - tau * _blur(gray, k * sigma)
    edges = tf.where(d >= epsilon, 1.0, 1.0 + tf.tanh(phi * (d - epsilon)))
    return tf.cast(tf.round(tf.clip_by_value(edges, 0.0, 1.0) * 255.0), tf.uint8)


def grayscale(images):
    """uint8 (B, H, W, 3) -> uint8 (B, H, W, 1) luma (ITU-R 601, as tf.image)."""
    gray = tf.image.rgb_to_grayscale(tf.cast(images, tf.float32))
    return tf.cast(tf.round(tf.clip_by_value(gray, 0.0, 255.0)), tf.uint8)


def derive(pairs, targets, batch_size=256):
    """The derived sources of uint8 targets, in chunks."""
    fn = xdog_edges if pairs == "edges" else grayscale
    return np.concatenate([fn(targets[i:i + batch_size]).numpy()
                           for i in range(0, len(targets), batch_size)])


# -- decoding ----------------------------------------------------------------------------------
def _decode_native(path, channels):
    raw = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
    raw.set_shape([None, None, channels])
    return raw


def _decode_files(files, channels, fn, verbose):
    """Decode `files` in parallel and apply `fn(path, image, (h, w)) -> tuple of uint8
    arrays` to each (it checks the native size and resizes). Returns the stacked tuple."""
    ds = tf.data.Dataset.from_tensor_slices(files).map(
        lambda p: _with_shape(_decode_native(p, channels)),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    bar = keras.utils.Progbar(len(files), unit_name="image") if verbose else None
    outputs = None
    for i, (image, hw) in enumerate(ds):
        parts = fn(files[i], image, tuple(int(v) for v in hw.numpy()))
        if outputs is None:
            outputs = [[] for _ in parts]
        for out, part in zip(outputs, parts):
            out.append(part)
        if bar and ((i + 1) % 256 == 0 or i + 1 == len(files)):
            bar.update(i + 1)
    return [np.stack(o) for o in outputs]


def _with_shape(image):
    return image, tf.shape(image)[:2]


def _resize(image, size, crop):
    return preprocess(image, size, crop).numpy()


def _check_side(path, hw):
    if min(hw) < MIN_IMAGE_SIDE:
        raise ValueError(f"{path}: image is {hw[1]}x{hw[0]} pixels; expected at least "
                         f"{MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE}.")


def load_pairs(pairs, path, image_size, channels=3, direction="AtoB", start=0, stop=None,
               size=None, crop="center", verbose=True):
    """(source, target) uint8 arrays (N, size, size, C) for a paired layout.

    `size` is the stored size (default image_size; pass `load_size(...)` for jitter).

    Raises:
        ValueError naming the file: an A|B image whose width is not twice its height, pairs
        whose file names do not match (the first few listed), A and B images of different
        sizes, an unknown layout or direction; FileNotFoundError for a missing folder.
    """
    check_pairs(pairs, direction)
    size = size or image_size
    if pairs == "side_by_side":
        files = list_images(path)[start:stop]

        def split(file, image, hw):
            h, w = hw
            _check_side(file, (h, w // 2))
            if w != 2 * h:
                raise ValueError(f"{file}: a side-by-side A|B image must be twice as wide as "
                                 f"it is high; received {w}x{h} (expected {2 * h}x{h}).")
            a, b = image[:, :h], image[:, h:]
            return _resize(a, size, crop), _resize(b, size, crop)

        a, b = _decode_files(files, channels, split, verbose)
    elif pairs == "folders":
        a_dir, b_dir = os.path.join(path, "A"), os.path.join(path, "B")
        for folder in (a_dir, b_dir):
            if not os.path.isdir(folder):
                raise FileNotFoundError(f"Paired folder {path!r} needs subfolders A/ and B/ "
                                        f"with matching file names; {folder!r} is missing.")
        a_files = list_images(a_dir)
        names = [os.path.relpath(f, a_dir) for f in a_files]
        b_names = {os.path.relpath(f, b_dir) for f in list_images(b_dir)}
        missing = [n for n in names if n not in b_names]
        extra = sorted(b_names - set(names))
        if missing or extra:
            raise ValueError(
                f"Paired folder {path!r}: file names of A/ and B/ do not match: "
                f"{len(missing)} in A/ only (e.g. {', '.join(missing[:3]) or '-'}), "
                f"{len(extra)} in B/ only (e.g. {', '.join(extra[:3]) or '-'}).")
        a_files = a_files[start:stop]
        b_files = [os.path.join(b_dir, os.path.relpath(f, a_dir)) for f in a_files]
        sizes = {}

        def keep(file, image, hw):
            _check_side(file, hw)
            sizes[file] = hw
            return (_resize(image, size, crop),)

        (a,) = _decode_files(a_files, channels, keep, verbose)
        (b,) = _decode_files(b_files, channels, keep, verbose)
        for fa, fb in zip(a_files, b_files):
            if sizes[fa] != sizes[fb]:
                raise ValueError(f"{fb}: {sizes[fb][1]}x{sizes[fb][0]} pixels, but its pair "
                                 f"{fa} is {sizes[fa][1]}x{sizes[fa][0]}; paired images must "
                                 "have the same size.")
    else:
        from kerasgen.data.images import load_image_folder

        b = load_image_folder(path, size, channels, crop, start, stop, verbose=verbose)
        a = derive(pairs, b)
        return a, b  # derived pairs: source is always the derived side
    return (a, b) if direction == "AtoB" else (b, a)


def jitter(source, target, image_size, seed=None):
    """Random crop to image_size and mirror, the same for both sides (uint8 in, uint8 out)."""
    channels = source.shape[-1]
    stacked = tf.concat([source, target], axis=-1)
    stacked = tf.image.random_crop(stacked, [image_size, image_size, stacked.shape[-1]],
                                   seed=seed)
    stacked = tf.image.random_flip_left_right(stacked, seed=seed)
    return stacked[..., :channels], stacked[..., channels:]
