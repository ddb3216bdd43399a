"""Folders of JPEG/PNG images (e.g. CelebA's img_align_celeba/) decoded to uint8 arrays.

Images are decoded once, in parallel with tf.data, into memory (a 64x64 CelebA subset of
10,000 faces is 123 MB): later epochs then cost no JPEG decoding, and a corrupt file is found
before training starts, named in the error rather than surfacing mid-epoch as a bare
`InvalidArgumentError`.
"""

import csv
import os

import keras
import numpy as np
import tensorflow as tf

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
CROPS = ("center", "none")


def list_images(folder):
    """Sorted image paths in `folder`; raises if it is missing or holds no images."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Image folder {folder!r} does not exist.")
    files = sorted(
        os.path.join(folder, f) for f in os.listdir(folder)
        if f.lower().endswith(IMAGE_EXTENSIONS)
    )
    if not files:
        raise ValueError(f"Image folder {folder!r} holds no images; expected files ending in "
                         f"{', '.join(IMAGE_EXTENSIONS)}.")
    return files


def preprocess(image, image_size, crop="center"):
    """uint8 (H, W, C) -> uint8 (image_size, image_size, C): centre square crop, then an
    antialiased resize."""
    if crop not in CROPS:
        raise ValueError(f"Unknown crop {crop!r}; expected one of {', '.join(CROPS)}.")
    if crop == "center":
        shape = tf.shape(image)
        side = tf.minimum(shape[0], shape[1])
        image = tf.image.resize_with_crop_or_pad(image, side, side)
    image = tf.image.resize(image, (image_size, image_size), antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(image), 0.0, 255.0), tf.uint8)


def _decode(path, channels, image_size, crop):
    raw = tf.io.decode_image(tf.io.read_file(path), channels=0, expand_animations=False)
    native = tf.shape(raw)[-1]
    # Keep the pipeline's shapes static even for a bad image: it is reported, not used.
    fixed = tf.cond(native == channels, lambda: raw,
                    lambda: tf.zeros(tf.concat([tf.shape(raw)[:2], [channels]], 0), tf.uint8))
    fixed.set_shape([None, None, channels])
    return preprocess(fixed, image_size, crop), native


def _check_one(path, channels):
    """Decode one file eagerly to name the one that broke a batch."""
    try:
        tf.io.decode_image(tf.io.read_file(path), channels=0, expand_animations=False)
    except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as e:
        raise ValueError(f"{path}: cannot decode image ({e.message.strip()}); expected a "
                         f"readable JPEG or PNG with {channels} channels.") from None


def load_image_folder(folder, image_size=64, channels=3, crop="center", start=0, stop=None,
                      labels_file=None, verbose=True):
    """Decode `sorted(folder)[start:stop]` to (N, S, S, C) uint8 [and (N,) int32 labels].

    Args:
        labels_file: optional CSV of `filename,label` rows (integer labels). Every selected
            image needs a row and every row must name an existing image.

    Raises:
        ValueError naming the file for a corrupt image, a wrong channel count or a label
        mismatch; FileNotFoundError for a missing folder.
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3; received {channels}.")
    if not image_size:
        raise ValueError(f"Image folder {folder!r}: image_size is required (images of "
                         f"different sizes cannot be batched); received {image_size!r}.")
    files = list_images(folder)[start:stop]
    if not files:
        raise ValueError(f"Image folder {folder!r}: the slice [{start}:{stop}] selects no images.")
    labels = _read_labels(labels_file, folder, files) if labels_file else None
    ds = tf.data.Dataset.from_tensor_slices(files)
    ds = ds.map(lambda p: _decode(p, channels, image_size, crop),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    chunk = 256
    ds = ds.batch(chunk)
    progbar = keras.utils.Progbar(len(files), unit_name="image") if verbose else None
    images, done = [], 0
    iterator = iter(ds)
    while done < len(files):
        try:
            batch, natives = next(iterator)
        except StopIteration:
            break
        except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as e:
            for path in files[done: done + chunk]:
                _check_one(path, channels)
            raise ValueError(f"{folder}: decoding failed near image {done}: {e.message}") from None
        bad = np.flatnonzero(natives.numpy() != channels)
        if len(bad):
            path = files[done + bad[0]]
            raise ValueError(f"{path}: image has {int(natives[bad[0]])} channels; expected "
                             f"{channels} (set data.channels to match the folder).")
        images.append(batch.numpy())
        done += len(batch)
        if progbar:
            progbar.update(done)
    images = np.concatenate(images)
    return (images, labels) if labels is not None else images


def _read_labels(labels_file, folder, files):
    table = {}
    with open(labels_file, newline="") as f:
        for row_number, row in enumerate(csv.reader(f), 1):
            if not row or row[0].startswith("#") or row[0] == "filename":
                continue
            if len(row) != 2:
                raise ValueError(f"{labels_file}:{row_number}: expected 'filename,label'; "
                                 f"received {row!r}.")
            name, label = row[0].strip(), row[1].strip()
            if not os.path.exists(os.path.join(folder, name)):
                raise ValueError(f"{labels_file}:{row_number}: label for {name!r}, which is not "
                                 f"an image in {folder!r}.")
            try:
                table[name] = int(label)
            except ValueError:
                raise ValueError(f"{labels_file}:{row_number}: label {label!r} is not an "
                                 "integer class id.") from None
    missing = [os.path.basename(p) for p in files if os.path.basename(p) not in table]
    if missing:
        raise ValueError(f"{labels_file}: no label for {len(missing)} image(s), e.g. "
                         f"{missing[0]!r}; expected one row per image.")
    return np.array([table[os.path.basename(p)] for p in files], np.int32)
