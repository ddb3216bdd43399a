"""Scores of a text-to-image model on captions with known attributes (CelebA captions phrased
from list_attr_celeba.txt, whose `stated` attributes say what each caption asks for).

- attribute accuracy: for each caption, the share of the attributes it states (present or
  absent) that a multi-label attribute judge finds so in the generated image; averaged over
  captions. Reported beside the same measure on the real image the caption was written for
  (what a perfect generator could reach under this judge) and on images generated for a
  different caption (what ignoring the text scores, given how common each attribute is).
- diversity: mean pairwise feature distance among images of one caption with different z,
  relative to the same among real images (1.0: as varied as real faces; 0: one image).
- `wilson_interval`: the confidence interval of a share, for per-attribute shares of a few
  dozen images (the held-out sentences of `kerasgen.evaluation.held_out`).
"""

import math

import numpy as np


def stated_arrays(stated, names):
    """(values (N, K) float with NaN where a caption says nothing, ) from a list of
    {attribute: 0/1} dicts and the judge's K attribute names."""
    index = {n: i for i, n in enumerate(names)}
    values = np.full((len(stated), len(names)), np.nan, np.float32)
    for row, attrs in enumerate(stated):
        for name, value in attrs.items():
            values[row, index[name]] = float(value)
    return values


def attribute_accuracy(verdicts, values):
    """Mean over captions of the share of stated attributes the verdicts agree with.
    `verdicts` (N, K) bool; `values` (N, K) 0/1 with NaN for unstated."""
    stated = ~np.isnan(values)
    agree = (verdicts == (values > 0.5)) & stated
    per_caption = agree.sum(1) / np.maximum(stated.sum(1), 1)
    return float(per_caption[stated.any(1)].mean())


def per_attribute_agreement(verdicts, values, names):
    """{attribute: (agreement, count)} over the captions that state it."""
    out = {}
    for k, name in enumerate(names):
        rows = ~np.isnan(values[:, k])
        if rows.any():
            out[name] = (float((verdicts[rows, k] == (values[rows, k] > 0.5)).mean()),
                         int(rows.sum()))
    return out


def mean_pairwise_distance(features):
    """Mean Euclidean distance over all pairs of rows of (M, D) features."""
    f = np.asarray(features, np.float64)
    sq = (f ** 2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None] - 2 * f @ f.T, 0.0)
    m = len(f)
    return float(np.sqrt(d2)[np.triu_indices(m, 1)].mean())


def diversity(groups, real_features):
    """Mean over caption groups (a list of (M, D) features of one caption's images) of their
    mean pairwise distance, divided by that of `real_features`."""
    within = np.mean([mean_pairwise_distance(g) for g in groups])
    return float(within / mean_pairwise_distance(real_features))


def wilson_interval(successes, trials, z=1.959964):
    """(low, high): the Wilson score interval of a binomial share (Wilson 1927), 95% by
    default; unlike p +- z sqrt(p (1 - p) / n) it stays inside [0, 1] and is not empty at 0
    or n successes. (0, 1) for no trials."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)
