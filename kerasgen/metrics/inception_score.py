"""Inception Score (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y))).

Computed from class probabilities p(y|x) of any classifier: the Inception network for the
standard protocol, or a domain classifier ("classifier IS"; at most the number of classes).
As in the reference code, the set is cut into `splits` parts and the mean and standard
deviation of the per-part scores are reported; p(y) is each part's mean prediction.
"""

import numpy as np


def inception_score(probabilities, splits=10, eps=1e-12):
    """(N, C) class probabilities -> (mean, std) of the score over `splits` parts."""
    p = np.asarray(probabilities, np.float64)
    if p.ndim != 2 or len(p) < splits:
        raise ValueError(f"Expected probabilities of shape (N >= splits={splits}, C); "
                         f"received {p.shape}.")
    sums = p.sum(axis=1)
    if np.any(p < 0) or not np.allclose(sums, 1.0, atol=1e-3):
        raise ValueError("Expected rows of class probabilities (non-negative, summing to 1); "
                         f"received row sums in [{sums.min():.4f}, {sums.max():.4f}]. "
                         "Pass softmax outputs, not logits.")
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)  # p(y) over this part, (1, C)
        kl = (part * (np.log(part + eps) - np.log(marginal + eps))).sum(axis=1)  # (n,)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))
