"""Folders of JPEG/PNG images (e.g. CelebA's img_align_celeba/) decoded to uint8 arrays.

Images are decoded once, in parallel with tf.data, into memory (a 64x64 CelebA subset of
10,000 faces is 123 MB): later epochs then cost no JPEG decoding, and a corrupt file is found
before training starts, named in the error rather than surfacing mid-epoch as a bare
`InvalidArgumentError`.
"""

import csv
import glob
import os
import warnings

import keras
import numpy as np
import tensorflow as tf

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
CROPS = ("center", "none")
# Smaller images carry too little to resize into a training image; refused by name.
MIN_IMAGE_SIDE = 8


def list_images(folder):
    """Sorted image paths in `folder` and its subfolders (relative-path order, so a flat
    folder keeps its file order); raises if it is missing or holds no images."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Image folder {folder!r} does not exist.")
    files = []
    for root, dirs, names in os.walk(folder, followlinks=True):
        dirs.sort()
        files += [os.path.join(root, f) for f in names if f.lower().endswith(IMAGE_EXTENSIONS)]
    files.sort(key=lambda p: os.path.relpath(p, folder).split(os.sep))
    if not files:
        raise ValueError(f"Image folder {folder!r} holds no images, in it or in its "
                         f"subfolders; expected files ending in {', '.join(IMAGE_EXTENSIONS)}.")
    return files


def expand_inputs(inputs):
    """Files from a list of files, folders (recursively) and glob patterns, in order, once
    each. Raises FileNotFoundError naming an input that matches nothing."""
    files = []
    for item in inputs:
        if os.path.isdir(item):
            found = list_images(item)
        elif os.path.isfile(item):
            found = [item]
        else:
            found = sorted(f for f in glob.glob(item, recursive=True)
                           if f.lower().endswith(IMAGE_EXTENSIONS))
            if not found:
                raise FileNotFoundError(f"{item!r} is neither an image file, a folder nor a "
                                        f"glob matching images ({', '.join(IMAGE_EXTENSIONS)}).")
        files += [f for f in found if f not in files]
    return files


def class_folders(folder):
    """Sorted names of the subfolders of `folder` that hold images: the classes 0, 1, ... of
    inferred labels, as `keras.utils.image_dataset_from_directory(labels="inferred")`."""
    names = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    classes = []
    for name in names:
        try:
            list_images(os.path.join(folder, name))
        except ValueError:
            continue
        classes.append(name)
    return classes


def holdout_split(folder, files, per_class, held_out):
    """Of `files` under `folder`, the last `per_class` (in sorted order) of each class
    subfolder when `held_out`, else all the others: a held-out split that keeps every class
    (e.g. the last 500 images of each CIFAR-10 class). Images outside a class subfolder are
    refused by name."""
    per_class = int(per_class)
    if per_class < 1:
        raise ValueError(f"data.holdout_per_class must be >= 1; received {per_class}.")
    by_class = {}
    for path in files:
        parts = os.path.relpath(path, folder).split(os.sep)
        if len(parts) < 2:
            raise ValueError(f"data.holdout_per_class: {path!r} sits directly in {folder!r}; "
                             "expected every image in a class subfolder.")
        by_class.setdefault(parts[0], []).append(path)
    small = {name: len(paths) for name, paths in by_class.items() if len(paths) <= per_class}
    if small:
        raise ValueError(f"data.holdout_per_class={per_class}: class(es) "
                         f"{', '.join(f'{n} ({c} images)' for n, c in sorted(small.items()))} "
                         "would keep no training image; expected more images per class than "
                         "are held out.")
    chosen = set()
    for paths in by_class.values():
        chosen.update(paths[-per_class:] if held_out else paths[:-per_class])
    return [path for path in files if path in chosen]


def inferred_labels(folder, files):
    """(labels (N,) int32, class names) for `files` under `folder`, from their first-level
    subfolder. Images directly in `folder` belong to no class and are refused by name."""
    classes = class_folders(folder)
    if not classes:
        raise ValueError(f"Image folder {folder!r} has no class subfolders, so labels cannot "
                         "be inferred; expected one subfolder of images per class (e.g. "
                         f"{folder}/cat/, {folder}/dog/) or a data.labels_file CSV.")
    index = {name: i for i, name in enumerate(classes)}
    loose = [f for f in files if os.path.dirname(f) == os.path.normpath(folder)]
    if loose:
        raise ValueError(f"Image folder {folder!r}: {len(loose)} image(s) sit directly in it "
                         f"(e.g. {os.path.basename(loose[0])!r}), outside the class subfolders "
                         f"{', '.join(classes[:5])}{', ...' if len(classes) > 5 else ''}; move "
                         "them into a class subfolder or remove them.")
    labels = [index[os.path.relpath(f, folder).split(os.sep)[0]] for f in files]
    return np.array(labels, np.int32), classes


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
    native = tf.shape(raw)
    # Keep the pipeline's shapes static even for a bad image: it is reported, not used.
    fixed = tf.cond(native[-1] == channels, lambda: raw,
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
                      labels_file=None, verbose=True, infer_labels=False, shard=None,
                      holdout=None):
    """Decode `sorted(folder)[start:stop]` (subfolders included) to (N, S, S, C) uint8
    [and (N,) int32 labels].

    Args:
        labels_file: optional CSV of `filename,label` rows (integer labels; file names
            relative to `folder`). Every selected image needs a row and every row must name an
            existing image.
        infer_labels: label each image by its class subfolder (see `inferred_labels`); the
            class names are then returned as a third element.
        holdout: (per_class, held_out): of the selection, the last per_class files of each
            class subfolder (held_out True) or the others (see `holdout_split`).
        shard: (num_shards, index): decode only every num_shards-th file of the selection
            from `index` on (one worker's part of a cluster); labels and class names are
            those of the whole selection, so every shard numbers the classes alike.

    Raises:
        ValueError naming the file for a corrupt image, a wrong channel count, an image
        smaller than MIN_IMAGE_SIDE pixels or a label mismatch; FileNotFoundError for a
        missing folder. Images smaller than `image_size` are upscaled with a warning.
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3; received {channels}.")
    if not image_size:
        raise ValueError(f"Image folder {folder!r}: image_size is required (images of "
                         f"different sizes cannot be batched); received {image_size!r}.")
    files = list_images(folder)[start:stop]
    if not files:
        raise ValueError(f"Image folder {folder!r}: the slice [{start}:{stop}] selects no images.")
    if holdout is not None:
        files = holdout_split(folder, files, *holdout)
    class_names = None
    if labels_file:
        labels = _read_labels(labels_file, folder, files)
    elif infer_labels:
        labels, class_names = inferred_labels(folder, files)
    else:
        labels = None
    if shard is not None:
        num_shards, index = (int(v) for v in shard)
        if not 0 <= index < num_shards or len(files) < num_shards:
            raise ValueError(f"Image folder {folder!r}: cannot take shard {index} of "
                             f"{num_shards} from {len(files)} image(s); expected "
                             f"0 <= index < num_shards <= number of images.")
        files = files[index::num_shards]
        labels = None if labels is None else labels[index::num_shards]
    ds = tf.data.Dataset.from_tensor_slices(files)
    ds = ds.map(lambda p: _decode(p, channels, image_size, crop),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    chunk = 256
    ds = ds.batch(chunk)
    progbar = keras.utils.Progbar(len(files), unit_name="image") if verbose else None
    images, done, small = [], 0, []
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
        natives = natives.numpy()
        bad = np.flatnonzero(natives[:, -1] != channels)
        if len(bad):
            path = files[done + bad[0]]
            raise ValueError(f"{path}: image has {int(natives[bad[0], -1])} channels; expected "
                             f"{channels} (set data.channels to match the folder).")
        sides = natives[:, :2].min(axis=1)
        tiny = np.flatnonzero(sides < MIN_IMAGE_SIDE)
        if len(tiny):
            h, w = natives[tiny[0], :2]
            raise ValueError(f"{files[done + tiny[0]]}: image is {w}x{h} pixels; expected at "
                             f"least {MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE} (it would be upscaled "
                             f"to {image_size}x{image_size} from almost nothing).")
        small += [(files[done + i], natives[i, :2]) for i in np.flatnonzero(sides < image_size)]
        images.append(batch.numpy())
        done += len(batch)
        if progbar:
            progbar.update(done)
    images = np.concatenate(images)
    if small:
        path, (h, w) = small[0]
        warnings.warn(f"{folder}: {len(small)} of {len(files)} images are smaller than "
                      f"{image_size}x{image_size} and were upscaled (e.g. {path}: {w}x{h}); "
                      "expect blurry training images, or lower data.image_size.", stacklevel=2)
    if class_names is not None:
        return images, labels, class_names
    return (images, labels) if labels is not None else images


def read_attributes(path):
    """CelebA's `list_attr_celeba.txt`: a count line, a line of attribute names, then
    `file v1 ... vK` rows of -1/1. Returns (names, {file: (K,) float32 of 0/1})."""
    with open(path) as f:
        lines = f.read().splitlines()
    if len(lines) < 2 or not lines[0].strip().isdigit():
        raise ValueError(f"{path}: expected CelebA's attribute format (a count line, a line of "
                         "attribute names, then 'file v1 ... vK' rows).")
    names = lines[1].split()
    table = {}
    for number, line in enumerate(lines[2:], 3):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != len(names) + 1 or any(v not in ("1", "-1") for v in parts[1:]):
            raise ValueError(f"{path}:{number}: expected a file name and {len(names)} values "
                             f"of 1 or -1; received {line[:80]!r}.")
        table[parts[0]] = (np.array(parts[1:], np.float32) > 0).astype(np.float32)
    if len(table) != int(lines[0]):
        raise ValueError(f"{path}: the header announces {int(lines[0])} rows; found "
                         f"{len(table)}.")
    return names, table


def _is_attribute_file(path):
    with open(path) as f:
        return f.readline().strip().isdigit()


def _read_labels(labels_file, folder, files):
    """Integer labels from a `filename,label` CSV, or (N, K) 0/1 multi-labels from a CelebA
    attribute file."""
    names = [os.path.relpath(p, folder) for p in files]
    if _is_attribute_file(labels_file):
        _, attributes = read_attributes(labels_file)
        missing = [n for n in names if n not in attributes]
        if missing:
            raise ValueError(f"{labels_file}: no attributes for {len(missing)} image(s), e.g. "
                             f"{missing[0]!r}; expected a row per image.")
        return np.stack([attributes[n] for n in names])
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
    missing = [n for n in names if n not in table]
    if missing:
        raise ValueError(f"{labels_file}: no label for {len(missing)} image(s), e.g. "
                         f"{missing[0]!r}; expected one row per image.")
    return np.array([table[n] for n in names], np.int32)
