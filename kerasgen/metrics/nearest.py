"""Nearest training images of generated samples, and a memorization score.

A GAN that copies its training set can score well on FID; the check the literature uses is to
show samples beside their nearest training images (in pixel space, where copies are exact,
and in a feature space, where near-copies with small shifts are found).
"""

import numpy as np

from kerasgen.images import make_grid
from kerasgen.images import save_png
from kerasgen.metrics.precision_recall import pairwise_distances


def _flat(images):
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 255.0
    return images.reshape(len(images), -1).astype(np.float32)


def nearest_neighbours(queries, references, chunk_size=1024, metric="l2"):
    """Index and distance of each query's nearest reference row.

    Args:
        queries: (Q, ...) images or features (images are flattened; uint8 scaled to [0, 1]).
        references: (R, ...) the same kind.
        metric: "l2" (Euclidean) or "cosine" (1 - cosine similarity).

    Returns:
        (indices (Q,), distances (Q,)).
    """
    if metric not in ("l2", "cosine"):
        raise ValueError(f"Unknown metric {metric!r}; expected 'l2' or 'cosine'.")
    q, r = _flat(queries), _flat(references)
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"Queries and references differ in size: {q.shape[1]} vs {r.shape[1]} "
                         "values per row.")
    if metric == "cosine":
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
        r = r / np.maximum(np.linalg.norm(r, axis=1, keepdims=True), 1e-12)
    indices, distances = [], []
    for start in range(0, len(q), chunk_size):
        d = pairwise_distances(q[start:start + chunk_size], r)  # (C, R) Euclidean
        best = d.argmin(axis=1)
        indices.append(best)
        distances.append(d[np.arange(len(best)), best])
    d = np.concatenate(distances)
    # For unit vectors ||a - b||^2 = 2 (1 - cos), so cosine distance is d^2 / 2.
    return np.concatenate(indices), (d * d / 2.0 if metric == "cosine" else d)


def memorization(generated_features, train_features, test_features):
    """How much closer generated samples sit to the training set than fresh real data does.

    Uses the mean nearest-neighbour cosine distance to the training features (the
    memorization distance of Bai et al. 2021, "On Training Sample Memorization", MiFID),
    for generated samples and for held-out real test images.

    Returns a dict:
        generated_distance, test_distance: the mean nearest-train cosine distances;
        score: generated_distance / test_distance (about 1 for a model that generalises
            like real data; well below 1 means samples are near-copies of training images);
        fraction_closer_than_test_p1: share of generated samples nearer to a training image
            than 99% of test images are (about 0.01 expected without memorization).
    """
    _, gen = nearest_neighbours(generated_features, train_features, metric="cosine")
    _, test = nearest_neighbours(test_features, train_features, metric="cosine")
    p1 = np.percentile(test, 1)
    return {"generated_distance": float(gen.mean()), "test_distance": float(test.mean()),
            "score": float(gen.mean() / max(test.mean(), 1e-12)),
            "fraction_closer_than_test_p1": float((gen < p1).mean())}


def nearest_neighbour_grid(generated, train_images, generated_features=None,
                           train_features=None, path=None):
    """A uint8 grid: row 1 generated samples, row 2 their nearest training images in pixel L2,
    row 3 (when features are given) their nearest training images in feature space.

    Images are (N, H, W, C) in [0, 1] (or uint8). Returns (grid, info) where info lists the
    neighbour indices and distances; writes a PNG when `path` is given.
    """
    generated = _as_unit(generated)
    train_images = _as_unit(train_images)
    pixel_index, pixel_distance = nearest_neighbours(generated, train_images)
    rows = [generated, train_images[pixel_index]]
    info = {"pixel_l2": {"indices": pixel_index.tolist(), "distances": pixel_distance.tolist()}}
    if generated_features is not None and train_features is not None:
        feat_index, feat_distance = nearest_neighbours(generated_features, train_features,
                                                       metric="cosine")
        rows.append(train_images[feat_index])
        info["feature_cosine"] = {"indices": feat_index.tolist(),
                                  "distances": feat_distance.tolist()}
    grid = make_grid(np.concatenate(rows), columns=len(generated))
    if path:
        save_png(path, grid)
    return grid, info


def _as_unit(images):
    images = np.asarray(images)
    return images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images
