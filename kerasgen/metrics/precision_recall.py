"""Improved precision and recall for generative models (Kynkäänniemi et al. 2019).

Each set's manifold is the union of balls around its samples with radius the distance to the
k-th nearest neighbour within the set (k = 3 in the paper). Precision is the fraction of
generated samples inside the real manifold (fidelity); recall is the fraction of real samples
inside the generated manifold (coverage).
"""

import numpy as np


def pairwise_distances(x, y, chunk_size=2048):
    """Euclidean distances (len(x), len(y)), computed `chunk_size` rows at a time."""
    y_norms = (y * y).sum(axis=1)
    rows = []
    for start in range(0, len(x), chunk_size):
        chunk = x[start:start + chunk_size]
        d2 = (chunk * chunk).sum(axis=1)[:, None] - 2.0 * chunk @ y.T + y_norms[None, :]
        rows.append(np.sqrt(np.clip(d2, 0.0, None)))
    return np.concatenate(rows, axis=0)


def knn_radii(features, k=3, chunk_size=2048):
    """Distance from each sample to its k-th nearest neighbour among the others."""
    radii = []
    for start in range(0, len(features), chunk_size):
        d = pairwise_distances(features[start:start + chunk_size], features)
        # Column 0 of the sorted row is the sample itself (distance 0).
        radii.append(np.partition(d, k, axis=1)[:, k])
    return np.concatenate(radii)


def _coverage(points, centres, radii, chunk_size=2048):
    inside = [(pairwise_distances(points[s:s + chunk_size], centres) <= radii[None, :]).any(1)
              for s in range(0, len(points), chunk_size)]
    return float(np.concatenate(inside).mean())


def precision_recall(real_features, generated_features, k=3):
    """(precision, recall) of generated features against real features."""
    real = np.asarray(real_features, np.float64)
    fake = np.asarray(generated_features, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"Expected two (N, D) feature arrays with the same D; received "
                         f"{real.shape} and {fake.shape}.")
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"Need more than k={k} samples in each set; received {len(real)} "
                         f"and {len(fake)}.")
    precision = _coverage(fake, real, knn_radii(real, k))
    recall = _coverage(real, fake, knn_radii(fake, k))
    return precision, recall
