"""A few fixed held-out examples of a data config, for previews: what a translator's sample
grids translate and a text-conditional model's grids caption.

Sources that pair an image with something (paired and unpaired images, captions) have
examples; sources of plain images (idx, image folders, TFDS) have none, since a sampler's
preview draws its own.
"""

import dataclasses

from kerasgen.data import pipeline

MAX_EXAMPLES = 16  # a training run's preview grid
MAX_CAPTIONS = 8  # one caption a column of a text-conditional sample grid


def slices_overlap(a, b):
    """Whether [a0, a1) and [b0, b1) share an index (None: open-ended)."""
    (a0, a1), (b0, b1) = a, b
    a1 = float("inf") if a1 is None else a1
    b1 = float("inf") if b1 is None else b1
    return max(a0, b0) < min(a1, b1)


def _held_out(data):
    return data.eval_path or not slices_overlap((data.start, data.stop),
                                                (data.eval_start, data.eval_stop))


def _pair_examples(data, n):
    """The first n held-out (source, target) pairs when the config has them, else the first
    training pairs, in [0, 1]."""
    split = data.eval_split if (_held_out(data) and data.eval_split) else data.split
    examples = dataclasses.replace(data, start=data.start if split == data.split
                                   else data.eval_start)
    if split == data.split:
        examples.stop = examples.start + n
    else:
        examples.eval_stop = examples.eval_start + n
    source, target = pipeline.load_pair_arrays(examples, split, verbose=False)
    return source.astype("float32") / 255.0, target.astype("float32") / 255.0


def _domain_examples(data, n):
    """The first n held-out images of each domain (A, B), in [0, 1]."""
    held_out = data.domains == "cyclegan" or _held_out(data)
    split = data.eval_split if (held_out and data.eval_split) else data.split
    a, b = pipeline.load_domain_arrays(data, split, verbose=False)
    return a[:n].astype("float32") / 255.0, b[:n].astype("float32") / 255.0


def _caption_examples(data, n):
    """(None, captions): the first caption of each of the first n held-out images (training
    images when the config has no held-out slice)."""
    held_out = data.eval_path or data.eval_stop is not None or data.eval_start
    files, table = pipeline.caption_table(
        data, (data.eval_split or "test") if held_out else data.split)
    return None, [table[f][0] for f in files[:min(n, MAX_CAPTIONS)]]


_EXAMPLES = {"paired": _pair_examples, "unpaired": _domain_examples,
             "captions": _caption_examples}


def preview_examples(data, count=MAX_EXAMPLES):
    """A data config's preview examples: (sources, targets) image pairs in [0, 1] for paired
    and unpaired sources, (None, captions) for captions; None for plain image sources."""
    make = _EXAMPLES.get(data.source)
    return None if make is None else make(data, int(count))
