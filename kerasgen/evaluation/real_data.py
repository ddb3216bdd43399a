"""The real images an evaluation compares with: which data, which split, and the checks
that keep held-out and training images apart; the default feature extractors and judges."""

import os


from kerasgen import config as config_lib
from kerasgen.data.pipeline import folder_files
from kerasgen.data.pipeline import folder_holdout
from kerasgen.data.pipeline import folder_selection
from kerasgen.data.pipeline import load_arrays
from kerasgen.data.paths import resolve_path
from kerasgen.models.common import image_shape



DEFAULT_EXTRACTORS = {"mnist": "classifier_mnist", "fashion-mnist": "classifier_fashion_mnist"}

def data_config(model, run_config=None, data_path=None, source=None, train_data=None):
    """The DataConfig to read real images from.

    With a run's config, `data_path` names the held-out images to compare with: for an image
    folder it becomes `eval_path` (the whole folder), so the run's own training images stay
    the nearest-neighbour reference; for idx it replaces the idx folder (its test split).
    `train_data` names the training image folder (the nearest-neighbour reference) where no
    run config says it.
    """
    if run_config is not None:
        data = run_config.data
        if source:
            data.source = source
        if data_path:
            if data.source == "folder":
                data.eval_path, data.eval_start, data.eval_stop = data_path, 0, None
            else:
                data.path = data_path
        if train_data:
            data.path, data.start, data.stop = train_data, 0, None
        return data
    if not data_path:
        raise ValueError("No data location: pass --data (an idx folder such as "
                         "$KERASGEN_DATA/mnist, or an image folder).")
    shape = image_shape(model)
    source = source or _guess_source(data_path)
    if train_data and source == "folder":
        return config_lib.DataConfig(source=source, path=train_data, eval_path=data_path,
                                     image_size=shape[0], channels=shape[-1])
    return config_lib.DataConfig(source=source, path=data_path, image_size=shape[0],
                                 channels=shape[-1])


def _guess_source(path):
    folder = resolve_path(path)
    if os.path.isdir(folder) and any("idx" in f for f in os.listdir(folder)):
        return "idx"
    return "folder"


def _selection(data, split):
    """(folder, start, stop, description) of an image folder's split."""
    path, start, stop = folder_selection(data, "train" if split == "train" else "eval")
    description = f"files [{start}:{stop if stop is not None else ''}] of the sorted list"
    holdout = folder_holdout(data, "train" if split == "train" else "eval")
    if holdout is not None:
        description += (f", {'the last' if holdout[1] else 'all but the last'} "
                        f"{holdout[0]} of each class")
    return path, start, stop, description


def real_images(data, split, limit=None, verbose=True):
    """uint8 images (N, H, W, C) and labels or None for `split` ("train" or "test").

    Image folders have no named splits: "train" is [start, stop) of the sorted file list of
    `path`, and "test" the held-out [eval_start, eval_stop) of `eval_path` (else of `path`).
    """
    if data.source == "tfds":
        raise ValueError("kerasgen evaluate reads idx or image folders; for TFDS data export "
                         "the split to a folder or call kerasgen.metrics.compute_metrics.")
    path = data.path
    if data.source == "folder":
        path, start, stop, split_name = _selection(data, split)
    else:
        start, stop, split_name = 0, None, f"{split} split"
    holdout = folder_holdout(data, split) if data.source == "folder" else None
    images, labels = load_arrays(data.source, path, split=split,
                                 image_size=data.image_size, channels=data.channels,
                                 crop=data.crop, start=start, stop=stop,
                                 labels=(bool(data.labels_file) or data.source == "idx"
                                         or bool(data.labels)),
                                 labels_file=data.labels_file, verbose=verbose,
                                 holdout=holdout)
    if limit:
        images = images[:limit]
        labels = None if labels is None else labels[:limit]
    return images, labels, f"{path} {split_name}, {len(images)} images"


def check_distinct_splits(data, split="test"):
    """Refuse to compare an image folder's split with its training images when they share
    files (by content, so a copied folder counts): a memorization score or a validation loss
    on training images is a silently wrong number. idx and TFDS splits are distinct by
    construction."""
    if data.source != "folder":
        return
    train = _selection(data, "train")
    held_out = _selection(data, split)
    shared = shared_files(folder_files(data, "train"), folder_files(data, split))
    if shared:
        raise ValueError(
            f"The held-out images ({held_out[0]} {held_out[3]}) and the training images "
            f"({train[0]} {train[3]}) share {len(shared)} file(s), e.g. {shared[0]!r}, so a "
            "comparison would score training images against themselves. Pass --data a folder "
            "of held-out images, or set data.eval_path / data.eval_start and eval_stop to "
            "images outside training.")


def shared_files(files_a, files_b):
    """Paths in `files_b` whose bytes equal a file of `files_a` (sha1 of each file)."""
    import hashlib

    def digest(path):
        with open(path, "rb") as f:
            return hashlib.sha1(f.read()).hexdigest()

    seen = {digest(p) for p in files_a}
    return [p for p in files_b if digest(p) in seen]


def _attribute_judge(data):
    if "celeba" in (data.path or ""):
        from kerasgen.registry import PRESETS

        if "classifier_celeba_attributes_judge" in PRESETS:
            return "classifier_celeba_attributes_judge"
    return None


def _translation_extractor(data):
    if "celeba" in (data.path or ""):
        from kerasgen.registry import PRESETS

        if "classifier_celeba_attributes" in PRESETS:
            return "classifier_celeba_attributes"
    return "pixels:32"


def default_extractor(data):
    name = os.path.basename(os.path.normpath(data.path or ""))
    if name in DEFAULT_EXTRACTORS:
        return DEFAULT_EXTRACTORS[name]
    raise ValueError(f"No default feature extractor for data {data.path!r}; pass --features "
                     "pixels:SIZE (downsampled pixels, works for any images, e.g. pixels:16), "
                     "inception:/path/to/inception_v3_weights.h5, a classifier .keras file, "
                     f"or one of {', '.join(sorted(set(DEFAULT_EXTRACTORS.values())))}.")


