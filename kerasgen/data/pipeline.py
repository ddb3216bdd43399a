"""tf.data pipelines: uint8 images until batching, then float in the model's value range."""

import collections
import os

import tensorflow as tf

from kerasgen.registry import Registry

from kerasgen.data import attribute_captions
from kerasgen.data import captions as captions_lib
from kerasgen.data.idx import load_idx_split
from kerasgen.data.images import holdout_split
from kerasgen.data.images import list_images
from kerasgen.data.images import load_image_folder
from kerasgen.data.images import preprocess
from kerasgen.data.paths import resolve_path

# Data sources by name, like model families: `register_source("mine")` on a function
# (config, value_range, split, shuffle, batch_size, verbose) -> (dataset, count or None) makes
# `data.source: mine` work in configs; an unknown name fails listing the known ones.
DATA_SOURCES = Registry("data source")

# DataConfig fields every source honours; the others belong to the sources that declare them.
COMMON_FIELDS = ("source", "split", "eval_split", "image_size", "channels", "batch_size",
                 "shuffle_buffer", "seed")


class DataSource(collections.namedtuple("DataSource", "load reads requires check shards")):
    """A registered source: `load` builds the dataset; `reads` names the DataConfig fields it
    uses beyond COMMON_FIELDS (None: unchecked, for sources that did not say), `requires` the
    ones that must be set, `check(config)` raises ValueError("data.<field>: ...") for values
    it cannot use. `shards`: `load` takes `shard=(num_shards, index)` and then reads only
    that part of the data (a cluster worker's files)."""


def register_source(name, reads=None, requires=(), check=None, shards=False):
    """Decorator: register a dataset function as `data.source: name` (see DataSource)."""
    def decorator(fn):
        DATA_SOURCES.register(name, DataSource(fn, None if reads is None else tuple(reads),
                                               tuple(requires), check, bool(shards)))
        return fn

    return decorator


def check_source_config(config):
    """A DataConfig's fields checked against its source, as model args are against the
    family: a field the source does not read but the config sets is refused (a typo for
    another source's key would otherwise be silently ignored), a required one must be set,
    and the source checks its own values. Raises ValueError naming the field."""
    import dataclasses

    source = DATA_SOURCES.get(config.source)
    if source.reads is not None:
        used = set(COMMON_FIELDS) | set(source.reads)
        for f in dataclasses.fields(config):
            default = f.default_factory() if f.default is dataclasses.MISSING else f.default
            if f.name not in used and getattr(config, f.name) != default:
                takers = [n for n in DATA_SOURCES.names()
                          if f.name in (DATA_SOURCES.get(n).reads or ())]
                raise ValueError(
                    f"data.{f.name}: source {config.source!r} does not read it (received "
                    f"{getattr(config, f.name)!r}); it reads {', '.join(sorted(used))}. "
                    f"Remove it" + (f", or use a source that reads it: {', '.join(takers)}."
                                    if takers else "."))
    for name in source.requires:
        if getattr(config, name) in (None, ""):
            raise ValueError(f"data.{name}: source {config.source!r} needs it; received null.")
    if source.check is not None:
        source.check(config)


VALUE_RANGES = {"unit": (0.0, 1.0), "symmetric": (-1.0, 1.0)}


def to_float(images, value_range="unit", binarize=False):
    """uint8 (B, H, W, C) -> float32 in `value_range`; `binarize` draws x ~ Bernoulli(x/255)
    afresh every time a batch is seen (dynamic binarization, as in Burda et al. 2016)."""
    if value_range not in VALUE_RANGES:
        raise ValueError(f"Unknown value_range {value_range!r}; expected one of "
                         f"{', '.join(VALUE_RANGES)}.")
    x = tf.cast(images, tf.float32) / 255.0
    if binarize:
        x = tf.cast(tf.random.uniform(tf.shape(x)) < x, tf.float32)
    low, high = VALUE_RANGES[value_range]
    return x * (high - low) + low


def batch_dataset(dataset, batch_size, value_range="unit", binarize=False, shuffle=True,
                  shuffle_buffer=None, seed=None, drop_remainder=True):
    """Shuffle and batch a dataset of uint8 images (or (image, label) pairs), then convert."""
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer or 10_000, seed=seed,
                                  reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)

    def convert(*batch):
        # Every uint8 tensor of the structure is an image (one, a pair, ...); others (labels)
        # pass through untouched.
        out = tf.nest.map_structure(
            lambda t: to_float(t, value_range, binarize) if t.dtype == tf.uint8 else t, batch)
        return out[0] if len(out) == 1 else out

    # Dynamic binarization draws random numbers: mapped one batch at a time, the draws follow
    # the batch order, so the stream is the same in every run with the same seed (and on every
    # worker of a cluster, and after a resume); in parallel their order would vary.
    parallel = None if binarize else tf.data.AUTOTUNE
    return dataset.map(convert, num_parallel_calls=parallel).prefetch(tf.data.AUTOTUNE)


def load_arrays(source, path=None, name=None, split="train", image_size=None, channels=1,
                crop="center", start=0, stop=None, labels=False, labels_file=None, verbose=True,
                return_class_names=False, shard=None, holdout=None):
    """uint8 images (N, H, W, C) and labels (N,) or None, from an idx or image folder.

    `shard` (num_shards, index), image folders only: decode just that part of the files.
    `holdout` (per_class, held_out), image folders only: see `images.holdout_split`.

    `labels` for an image folder: its `labels_file`, else its class subfolders (labels True or
    "inferred"). With `return_class_names`, a third element: the class names of inferred
    labels, else None.
    """
    class_names = None
    if source == "idx":
        if shard is not None:
            raise ValueError("An idx file is one file: it cannot be read by parts (shard); "
                             "expected shard=None.")
        images, label_array = load_idx_split(resolve_path(path), split)
        images, label_array = images[start:stop], label_array[start:stop]
        if images.shape[-1] != channels:
            raise ValueError(f"{path}: idx images have {images.shape[-1]} channel; the config "
                             f"expects {channels}.")
        if image_size and image_size != images.shape[1]:
            images = tf.map_fn(lambda im: preprocess(im, image_size, "none"), images,
                               fn_output_signature=tf.uint8).numpy()
        out = images, (label_array if labels else None)
    elif source == "folder":
        infer = bool(labels) and not labels_file
        loaded = load_image_folder(resolve_path(path), image_size, channels, crop, start, stop,
                                   resolve_path(labels_file) if labels_file else None, verbose,
                                   infer_labels=infer, shard=shard, holdout=holdout)
        if infer:
            images, label_array, class_names = loaded
            out = images, label_array
        else:
            out = loaded if labels_file else (loaded, None)
    else:
        raise ValueError(f"Unknown array source {source!r}; expected 'idx' or 'folder'.")
    return out + (class_names,) if return_class_names else out


def folder_selection(config, split):
    """(folder, start, stop) that an image-folder DataConfig reads for `split`: the training
    split is path[start:stop]; any other split is eval_path[eval_start:eval_stop] when
    eval_path is set, else path[eval_start:eval_stop]. With `holdout_per_class` both splits
    read path[start:stop], split by `folder_holdout`."""
    if split == config.split or config.holdout_per_class:
        return config.path, config.start, config.stop
    return config.eval_path or config.path, config.eval_start, config.eval_stop


def folder_holdout(config, split):
    """None, or (per_class, held_out) for an image folder with `holdout_per_class`: the
    training split is all but the last per_class files of each class, the others those."""
    if not config.holdout_per_class:
        return None
    return int(config.holdout_per_class), split != config.split


def folder_files(config, split):
    """The image files an image-folder DataConfig reads for `split`, in order."""
    path, start, stop = folder_selection(config, split)
    folder = resolve_path(path)
    files = list_images(folder)[start:stop]
    holdout = folder_holdout(config, split)
    return files if holdout is None else holdout_split(folder, files, *holdout)


def tfds_dataset(name, split="train", data_dir=None, image_size=None, crop="center",
                 labels=False, download=True):
    """A TFDS dataset as a stream of uint8 images [and labels], unbatched."""
    import tensorflow_datasets as tfds  # heavy import, only for this source

    ds = tfds.load(name, split=split, data_dir=data_dir, download=download)

    def pick(example):
        image = example["image"]
        if image_size:
            image = preprocess(image, image_size, crop)
        return (image, tf.cast(example["label"], tf.int32)) if labels else image

    return ds.map(pick, num_parallel_calls=tf.data.AUTOTUNE)


def make_dataset(config, value_range, split=None, shuffle=True, batch_size=None,
                 verbose=True, shard=None):
    """The `fit`-ready dataset described by a `kerasgen.config.DataConfig`.

    Returns (dataset, num_examples or None). For image folders with inferred labels the
    dataset has a `class_names` attribute, as `keras.utils.image_dataset_from_directory`'s.
    With `shard=(num_shards, index)` (sources registered with `shards=True`, e.g. `folder`)
    the dataset reads and yields only that part of the files; num_examples stays the count
    of the whole selection, the same on every shard.
    """
    split = split or config.split
    batch_size = batch_size or config.batch_size
    source = DATA_SOURCES.get(config.source)
    if shard is None:
        return source.load(config, value_range, split, shuffle, batch_size, verbose)
    if not source.shards:
        raise ValueError(f"data.source {config.source!r} cannot be read by parts; expected "
                         "one of " + ", ".join(n for n in DATA_SOURCES.names()
                                               if DATA_SOURCES.get(n).shards) + ".")
    return source.load(config, value_range, split, shuffle, batch_size, verbose, shard=shard)


def _batched(ds, config, value_range, batch_size, shuffle, class_names=None):
    ds = batch_dataset(ds, batch_size, value_range, config.binarize, shuffle,
                       config.shuffle_buffer, config.seed, drop_remainder=shuffle)
    if class_names:
        ds.class_names = class_names
    return ds


@register_source("tfds", reads=("name", "data_dir", "crop", "labels", "binarize"),
                 requires=("name",))
def _tfds_source(config, value_range, split, shuffle, batch_size, verbose):
    ds = tfds_dataset(config.name, split, config.data_dir, config.image_size, config.crop,
                      config.labels)
    return _batched(ds, config, value_range, batch_size, shuffle), None


def _check_labels(config):
    if isinstance(config.labels, str) and config.labels != "inferred":
        raise ValueError(f"data.labels: expected true, false or 'inferred'; received "
                         f"{config.labels!r}.")


@register_source("idx", reads=("path", "start", "stop", "labels", "binarize"),
                 requires=("path",), check=_check_labels)
@register_source("folder", reads=("path", "crop", "start", "stop", "eval_start", "eval_stop",
                                  "labels", "labels_file", "class_names", "eval_path",
                                  "binarize", "holdout_per_class"),
                 requires=("path",), check=_check_labels, shards=True)
def _array_source(config, value_range, split, shuffle, batch_size, verbose, shard=None):
    path, start, stop = config.path, config.start, config.stop
    holdout = None
    if config.source == "folder":
        path, start, stop = folder_selection(config, split)
        holdout = folder_holdout(config, split)
    images, labels, class_names = load_arrays(
        config.source, path, split=split, image_size=config.image_size,
        channels=config.channels, crop=config.crop, start=start, stop=stop,
        labels=config.labels, labels_file=config.labels_file, verbose=verbose,
        return_class_names=True, shard=shard, holdout=holdout)
    ds = tf.data.Dataset.from_tensor_slices(
        (images, labels) if labels is not None else images)
    count = len(images) if shard is None else len(folder_files(config, split))
    return _batched(ds, config, value_range, batch_size, shuffle, class_names), count


def load_pair_arrays(config, split, jitter=False, verbose=True):
    """uint8 (source, target) arrays of a paired DataConfig's split (stored at the jitter's
    load size when `jitter`)."""
    from kerasgen.data.paired import load_pairs
    from kerasgen.data.paired import load_size

    path, start, stop = folder_selection(config, split)
    return load_pairs(config.pairs, resolve_path(path), config.image_size, config.channels,
                      config.direction, start, stop,
                      size=load_size(config.image_size, jitter), crop=config.crop,
                      verbose=verbose)


def _check_paired(config):
    from kerasgen.data.paired import PAIRS
    from kerasgen.data.paired import check_pairs

    if config.pairs is None:
        raise ValueError(f"data.pairs: source 'paired' needs one of {', '.join(PAIRS)}; "
                         "received null.")
    try:
        check_pairs(config.pairs, config.direction)
    except ValueError as e:
        raise ValueError(f"data.{'pairs' if 'pairs' in str(e) else 'direction'}: {e}") from None
    if not config.image_size:
        raise ValueError("data.image_size: paired data needs a square size (e.g. 64); "
                         "received null.")


@register_source("paired", reads=("path", "crop", "start", "stop", "eval_start", "eval_stop",
                                  "eval_path", "pairs", "direction", "jitter"),
                 requires=("path",), check=_check_paired)
def _paired_dataset(config, value_range, split, shuffle, batch_size, verbose):
    """(source, target) batches; training batches are jittered (Isola et al.: resize to
    286/256 of the size, random crop, mirror, identically for both sides)."""
    from kerasgen.data.paired import jitter

    augment = shuffle and config.jitter and split == config.split
    source, target = load_pair_arrays(config, split, augment, verbose)
    ds = tf.data.Dataset.from_tensor_slices((source, target))
    if shuffle:
        ds = ds.shuffle(config.shuffle_buffer, seed=config.seed, reshuffle_each_iteration=True)
    if augment:
        ds = ds.map(lambda a, b: jitter(a, b, config.image_size),
                    num_parallel_calls=tf.data.AUTOTUNE)
    ds = batch_dataset(ds, batch_size, value_range, False, shuffle=False,
                       drop_remainder=shuffle)
    return ds, len(source)


def _check_unpaired(config):
    from kerasgen.data.unpaired import DOMAINS
    from kerasgen.data.unpaired import check_domains

    if config.domains is None:
        raise ValueError(f"data.domains: source 'unpaired' needs one of {', '.join(DOMAINS)}; "
                         "received null.")
    try:
        check_domains(config.domains)
    except ValueError as e:
        raise ValueError(f"data.domains: {e}") from None
    needs = {"folders": ("path", "path_b"), "attribute": ("path", "labels_file", "attribute"),
             "tfds": ("name",)}.get(config.domains, ("path",))
    for name in needs:
        if not getattr(config, name):
            raise ValueError(f"data.{name}: domains {config.domains!r} needs it; received "
                             "null.")
    if not config.image_size:
        raise ValueError("data.image_size: unpaired data needs a square size (e.g. 64); "
                         "received null.")
    if config.match_attributes is not None and (
            config.domains != "attribute" or not config.match_attributes
            or not isinstance(config.match_attributes, (list, tuple))):
        raise ValueError(f"data.match_attributes: a non-empty list of attributes of "
                         f"labels_file, for domains 'attribute'; received "
                         f"{config.match_attributes!r} with domains {config.domains!r}.")


def load_domain_arrays(config, split, jitter=False, verbose=True):
    """uint8 (A, B) arrays of an unpaired DataConfig's split (stored at the jitter's load
    size when `jitter`): the training split reads [start:stop], any other [eval_start:
    eval_stop] (of eval_path when set)."""
    from kerasgen.data.paired import load_size
    from kerasgen.data.unpaired import load_domains

    path, start, stop = folder_selection(config, split)
    return load_domains(
        config.domains, resolve_path(path) if path else None, config.image_size,
        config.channels, config.channels_a, "train" if split == config.split else "test",
        start, stop, resolve_path(config.path_b) if config.path_b else None,
        resolve_path(config.labels_file) if config.labels_file else None, config.attribute,
        size=load_size(config.image_size, jitter), crop=config.crop, name=config.name,
        data_dir=config.data_dir, verbose=verbose)


@register_source("unpaired", reads=("path", "path_b", "crop", "start", "stop", "eval_start",
                                    "eval_stop", "eval_path", "domains", "attribute",
                                    "labels_file", "channels_a", "jitter", "name",
                                    "data_dir", "match_attributes"),
                 check=_check_unpaired)
def _unpaired_dataset(config, value_range, split, shuffle, batch_size, verbose):
    """(a, b) batches of two domains (CycleGAN): the longer domain once per epoch, the
    shorter repeating, each shuffled and jittered on its own."""
    from kerasgen.data.unpaired import unpaired_dataset

    augment = shuffle and config.jitter and split == config.split
    a, b = load_domain_arrays(config, split, augment, verbose)
    groups = None
    if config.match_attributes and split == config.split:
        from kerasgen.data.unpaired import domain_groups

        path, start, stop = folder_selection(config, split)
        groups = domain_groups(resolve_path(config.labels_file), config.attribute,
                               config.match_attributes, resolve_path(path), start, stop)
    ds, count = unpaired_dataset(a, b, config.image_size if augment else None, shuffle,
                                 config.shuffle_buffer, config.seed, groups)
    ds = batch_dataset(ds, batch_size, value_range, False, shuffle=False,
                       drop_remainder=shuffle)
    return ds, count


def _check_captions(config):
    scheme = config.captions in attribute_captions.CAPTION_SCHEMES
    if scheme and not config.labels_file:
        raise ValueError(f"data.labels_file: captions {config.captions!r} are phrased from an "
                         "attribute file (list_attr_celeba.txt); received null.")
    if config.repeat_threshold is not None:
        if not scheme:
            raise ValueError(
                f"data.repeat_threshold: repeats faces by their attributes, so it needs a "
                f"caption scheme ({', '.join(attribute_captions.CAPTION_SCHEMES.names())}) "
                f"as data.captions; received {config.captions!r}.")
        if not 0 < config.repeat_threshold <= 1:
            raise ValueError(f"data.repeat_threshold: must be in (0, 1]; received "
                             f"{config.repeat_threshold!r}.")


def caption_table(config, split):
    """(files, {file: [captions]}) of the image-folder slice that `split` reads, every file
    with at least one caption (else a ValueError naming the uncaptioned ones)."""
    from kerasgen.data.images import list_images

    path, start, stop = folder_selection(config, split)
    folder = resolve_path(path)
    files = [os.path.relpath(p, folder) for p in list_images(folder)][start:stop]
    if config.captions in attribute_captions.CAPTION_SCHEMES:
        rows = attribute_captions.celeba_captions(
            resolve_path(config.labels_file), seed=config.seed or 0, files=files,
            scheme=config.captions,
            repeat_threshold=config.repeat_threshold if split == config.split else None)
        table = collections.defaultdict(list)
        for row in rows:
            table[row["file"]].append(row["caption"])
    else:
        table = captions_lib.read_captions(resolve_path(config.captions), folder,
                                           allow_missing=True)
    uncaptioned = [f for f in files if not table.get(f)]
    if uncaptioned:
        raise ValueError(f"data.captions: {len(uncaptioned)} of the {len(files)} images of "
                         f"{path!r} [{start}:{stop if stop is not None else ''}] have no caption"
                         f", e.g. {', '.join(uncaptioned[:3])}.")
    return files, table


def load_caption_pairs(config, split, verbose=True):
    """(uint8 images (N, H, W, C), image index per caption (M,), captions (M,) str) of the
    image-folder slice that `split` reads, each image with all of its captions."""
    import numpy as np

    files, table = caption_table(config, split)
    _, start, stop = folder_selection(config, split)
    images = load_image_folder(resolve_path(folder_selection(config, split)[0]),
                               config.image_size, config.channels, config.crop, start, stop,
                               verbose=verbose)
    index = np.array([i for i, f in enumerate(files) for _ in table[f]], np.int64)
    texts = np.array([c for f in files for c in table[f]], object)
    return images, index, texts


@register_source("captions", reads=("path", "captions", "labels_file", "crop", "start", "stop",
                                    "eval_start", "eval_stop", "eval_path", "repeat_threshold"),
                 requires=("path", "captions"), check=_check_captions)
def _captions_source(config, value_range, split, shuffle, batch_size, verbose):
    """(image, caption) batches: every caption of every image once per epoch (an image with
    five captions is seen five times), images as floats in the model's range, captions as
    tf.string."""
    images, index, texts = load_caption_pairs(config, split, verbose)
    images = tf.constant(images)
    pairs = tf.data.Dataset.from_tensor_slices((index, tf.constant(texts.astype(str))))
    pairs = pairs.map(lambda i, t: (tf.gather(images, i), t), num_parallel_calls=tf.data.AUTOTUNE)
    return _batched(pairs, config, value_range, batch_size, shuffle), len(index)
