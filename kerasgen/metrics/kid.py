"""Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs").

The unbiased estimator of MMD^2 with the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3,
computed on `num_subsets` random subsets of `subset_size` from each set; the mean and the
standard deviation over subsets are reported. Unlike FID, the estimator is unbiased, so equal
distributions give values scattered around 0 (including slightly negative ones).
"""

import numpy as np


def polynomial_kernel(x, y, degree=3, gamma=None, coef0=1.0):
    """(x @ y.T * gamma + coef0) ** degree; gamma defaults to 1 / feature dimension."""
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    return (x @ y.T * gamma + coef0) ** degree


def mmd2_unbiased(x, y, kernel=polynomial_kernel):
    """Unbiased MMD^2 between samples x (m, D) and y (n, D) (Gretton et al. 2012, eq. 3)."""
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError(f"MMD needs at least 2 samples per set; received {m} and {n}.")
    k_xx, k_yy, k_xy = kernel(x, x), kernel(y, y), kernel(x, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))  # i != j terms only
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * k_xy.mean())


def kernel_inception_distance(features1, features2, num_subsets=100, subset_size=1000, seed=0):
    """KID between two feature sets: (mean, std) of unbiased MMD^2 over random subsets.

    `subset_size` is capped at the size of the smaller set; subsets are drawn without
    replacement within a subset and independently across subsets.
    """
    f1, f2 = np.asarray(features1, np.float64), np.asarray(features2, np.float64)
    if f1.ndim != 2 or f2.ndim != 2 or f1.shape[1] != f2.shape[1]:
        raise ValueError(f"Expected two (N, D) feature arrays with the same D; received "
                         f"{f1.shape} and {f2.shape}.")
    size = min(int(subset_size), len(f1), len(f2))
    rng = np.random.default_rng(seed)
    values = [mmd2_unbiased(f1[rng.choice(len(f1), size, replace=False)],
                            f2[rng.choice(len(f2), size, replace=False)])
              for _ in range(int(num_subsets))]
    return float(np.mean(values)), float(np.std(values))
