"""Unpaired image domains for CycleGAN: A and B as two uint8 arrays that need not match.

Layouts (`data.domains`):
- `cyclegan`: the CycleGAN datasets' folders, `path/trainA`, `trainB`, `testA`, `testB`.
- `folders`: A in `path`, B in `path_b`.
- `attribute`: one folder split by a binary attribute of an attribute file (CelebA's
  `list_attr_celeba.txt`): A = images without `attribute`, B = images with it.
- `edges`, `grayscale`: derived from one folder, the two sides drawn from different images:
  A = line drawings (or grey versions) of the first half of the slice, B = the colour images
  of the second half, so no pair is ever seen in training.
- `tfds`: TFDS's `cycle_gan/<name>` (splits trainA/trainB/testA/testB) from a prepared
  `data_dir`; nothing is downloaded.

Training streams the longer domain once per epoch with the shorter one repeating, each side
shuffled on its own, jittered (resize by 286/256, random crop, mirror) independently. With
`match_attributes`, A is drawn in B's proportions of those attributes' combinations.
"""

import os

import numpy as np
import tensorflow as tf

from kerasgen.data.images import list_images
from kerasgen.data.images import load_image_folder
from kerasgen.data.images import preprocess
from kerasgen.data.images import read_attributes
from kerasgen.data.paired import derive

DOMAINS = ("cyclegan", "folders", "attribute", "edges", "grayscale", "tfds")


def check_domains(domains):
    if domains not in DOMAINS:
        raise ValueError(f"Unknown domains {domains!r}; expected one of {', '.join(DOMAINS)}.")


def domain_channels(domains, channels_a, channels):
    """(channels of A, channels of B): derived line drawings and grey images have one."""
    if domains in ("edges", "grayscale"):
        return 1, channels
    return (channels_a or channels), channels


def _nonempty(images, what):
    if len(images) == 0:
        raise ValueError(f"Domain {what} is empty; expected at least one image.")
    return images


def _cyclegan_folder(path, side, split):
    folder = os.path.join(path, f"{'train' if split == 'train' else 'test'}{side}")
    if not os.path.isdir(folder):
        found = sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d))) \
            if os.path.isdir(path) else None
        raise FileNotFoundError(
            f"CycleGAN folder {path!r} needs subfolders trainA/, trainB/, testA/, testB/; "
            f"{folder!r} is missing" + (f" (found: {', '.join(found) or 'no subfolders'})."
                                        if found is not None else " (no such folder)."))
    return folder


def attribute_split(labels_file, attribute, folder, files):
    """(without, with) boolean masks over `files` for a CelebA-style attribute."""
    names, table = read_attributes(labels_file)
    if attribute not in names:
        raise ValueError(f"{labels_file}: no attribute {attribute!r}; its attributes are "
                         f"{', '.join(names)}.")
    column = names.index(attribute)
    keys = [os.path.relpath(f, folder) for f in files]
    missing = [k for k in keys if k not in table]
    if missing:
        raise ValueError(f"{labels_file}: no attributes for {len(missing)} image(s), e.g. "
                         f"{missing[0]!r}; expected a row per image.")
    has = np.array([table[k][column] > 0 for k in keys])
    return ~has, has


def domain_groups(labels_file, attribute, match, folder, start=0, stop=None):
    """(A's, B's) group ids over folder[start:stop] split by `attribute` as `load_domains`
    splits it: each image's combination of the `match` attributes, as a number in
    [0, 2 ** len(match)). Raises ValueError for an attribute the file does not have, or for
    matching on the attribute that splits the domains."""
    names, table = read_attributes(labels_file)
    unknown = [m for m in match if m not in names]
    if unknown or attribute in match:
        raise ValueError(f"match_attributes: {list(match)} must be attributes of {labels_file} "
                         f"other than {attribute!r}"
                         + (f"; unknown: {', '.join(map(repr, unknown))}" if unknown else "")
                         + f". Its attributes are {', '.join(names)}.")
    files = list_images(folder)[start:stop]
    without, with_ = attribute_split(labels_file, attribute, folder, files)
    columns = [names.index(m) for m in match]
    values = np.stack([table[os.path.relpath(f, folder)][columns] for f in files]) > 0.5
    codes = (values * (2 ** np.arange(len(columns)))).sum(axis=1).astype(np.int64)
    return codes[without], codes[with_]


def _tfds_side(name, split, data_dir, size, crop):
    import tensorflow_datasets as tfds  # heavy import, only for this layout

    ds = tfds.load(name, split=split, data_dir=data_dir, download=False)
    return np.stack([preprocess(ex["image"], size, crop).numpy() for ex in ds])


def load_domains(domains, path, image_size, channels=3, channels_a=None, split="train",
                 start=0, stop=None, path_b=None, labels_file=None, attribute=None,
                 size=None, crop="center", name=None, data_dir=None, verbose=True):
    """(A, B) uint8 arrays (N_a, size, size, C_a) and (N_b, size, size, C_b) of a split.

    `size` is the stored size (default image_size; larger for jitter). For `attribute`,
    `edges` and `grayscale` the split's images are path[start:stop] (the caller passes the
    held-out slice for evaluation); `cyclegan` reads train* or test* and slices each side.

    Raises ValueError naming the problem for an empty domain, an attribute the file does not
    have (listing those it has), an unknown layout; FileNotFoundError for missing folders.
    """
    check_domains(domains)
    size = size or image_size
    ch_a, ch_b = domain_channels(domains, channels_a, channels)

    def folder(p, ch, what):
        return _nonempty(load_image_folder(p, size, ch, crop, start, stop, verbose=verbose),
                         what)

    if domains == "cyclegan":
        a = folder(_cyclegan_folder(path, "A", split), ch_a, f"A ({path})")
        b = folder(_cyclegan_folder(path, "B", split), ch_b, f"B ({path})")
    elif domains == "folders":
        if not path_b:
            raise ValueError("domains 'folders' needs path_b (the B folder); received null.")
        a = folder(path, ch_a, f"A ({path})")
        b = folder(path_b, ch_b, f"B ({path_b})")
    elif domains == "attribute":
        if not labels_file or not attribute:
            raise ValueError("domains 'attribute' needs labels_file (e.g. CelebA's "
                             "list_attr_celeba.txt) and attribute (e.g. Eyeglasses).")
        files = list_images(path)[start:stop]
        without, with_ = attribute_split(labels_file, attribute, path, files)
        images = load_image_folder(path, size, ch_b, crop, start, stop, verbose=verbose)
        where = f"of {path}[{start}:{'' if stop is None else stop}]"
        a = _nonempty(images[without], f"A ({attribute} absent {where})")
        b = _nonempty(images[with_], f"B ({attribute} present {where})")
    elif domains in ("edges", "grayscale"):
        images = load_image_folder(path, size, ch_b, crop, start, stop, verbose=verbose)
        half = len(images) // 2
        if half == 0:
            raise ValueError(f"{path}[{start}:{'' if stop is None else stop}]: {len(images)} "
                             f"image(s); unpaired "
                             f"{domains} needs at least 2 (A and B come from different ones).")
        a, b = derive(domains, images[:half]), images[half:]
    else:
        if not name:
            raise ValueError("domains 'tfds' needs name (e.g. cycle_gan/horse2zebra).")
        prefix = "train" if split == "train" else "test"
        a = _nonempty(_tfds_side(name, f"{prefix}A", data_dir, size, crop)[start:stop],
                      f"A ({name} {prefix}A)")
        b = _nonempty(_tfds_side(name, f"{prefix}B", data_dir, size, crop)[start:stop],
                      f"B ({name} {prefix}B)")
    return a, b


def random_crop_and_mirror(image, image_size):
    """One side's jitter: random crop to image_size and a random mirror (uint8)."""
    image = tf.image.random_crop(image, [image_size, image_size, image.shape[-1]])
    return tf.image.random_flip_left_right(image)


def matched_weights(a_groups, b_groups):
    """{group: share of B} for drawing A in B's proportions of the groups; raises
    ValueError when B has a group that A lacks (A cannot be drawn in B's proportions)."""
    groups, counts = np.unique(b_groups, return_counts=True)
    missing = [int(g) for g in groups if not (a_groups == g).any()]
    if missing:
        raise ValueError(f"match_attributes: domain B has images of attribute combination(s) "
                         f"{missing} and A has none, so A cannot be drawn in B's proportions; "
                         f"match fewer attributes.")
    return {int(g): float(c) / len(b_groups) for g, c in zip(groups, counts)}


def unpaired_dataset(a, b, image_size=None, shuffle=True, shuffle_buffer=10_000, seed=None,
                     groups=None):
    """Unbatched (a, b) uint8 pairs: one pass over the longer domain, the shorter repeating,
    each shuffled on its own; jittered when `image_size` is smaller than the stored size.

    `groups`: (A's, B's) group ids (`domain_groups`). A is then drawn group by group in B's
    proportions (`matched_weights`), each group shuffled and repeating on its own; an epoch
    still has max(len(a), len(b)) pairs."""
    count = max(len(a), len(b))

    def side(images, offset):
        ds = tf.data.Dataset.from_tensor_slices(images)
        if shuffle:
            ds = ds.shuffle(min(shuffle_buffer, len(images)),
                            seed=None if seed is None else seed + offset,
                            reshuffle_each_iteration=True)
        ds = ds.repeat()
        if image_size and images.shape[1] != image_size:
            ds = ds.map(lambda x: random_crop_and_mirror(x, image_size),
                        num_parallel_calls=tf.data.AUTOTUNE)
        return ds

    side_a = side(a, 0)
    if groups is not None:
        a_groups, b_groups = (np.asarray(g) for g in groups)
        if len(a_groups) != len(a) or len(b_groups) != len(b):
            raise ValueError(f"groups: one id an image; received {len(a_groups)} for {len(a)} "
                             f"A images and {len(b_groups)} for {len(b)} B images.")
        weights = matched_weights(a_groups, b_groups)
        side_a = tf.data.Dataset.sample_from_datasets(
            [side(a[a_groups == g], 2 + g) for g in weights], list(weights.values()),
            seed=seed, stop_on_empty_dataset=False)
    return tf.data.Dataset.zip((side_a, side(b, 1))).take(count), count
