"""Fréchet distance between Gaussians fitted to features (FID; Heusel et al. 2017).

    d^2 = ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))

Only the trace of (S_1 S_2)^(1/2) is needed. S_1 S_2 is not symmetric, which is why reference
code calls `scipy.linalg.sqrtm` (a Schur method) and then discards the imaginary round-off it
produces on near-singular covariances. Here the trace comes from a symmetric problem instead:
S_1 S_2 = A (A S_2) with A = S_1^(1/2), and A S_2 A has the same eigenvalues, so

    Tr (S_1 S_2)^(1/2) = sum_i sqrt(lambda_i(A S_2 A)),

with A and lambda from `numpy.linalg.eigh` (LAPACK's symmetric solver, exact for symmetric
PSD input, and real by construction). Rank-deficient covariances (fewer samples than feature
dimensions) need no epsilon offset. Float64 throughout: float32 loses the FID to cancellation.
"""

import numpy as np


def gaussian_stats(features):
    """(N, D) features -> mean (D,) and unbiased covariance (D, D), float64."""
    features = np.asarray(features, np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"Expected features of shape (N >= 2, D); received {features.shape}.")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _check_covariance(sigma, name):
    sigma = np.asarray(sigma, np.float64)
    if sigma.ndim != 2 or sigma.shape[0] != sigma.shape[1]:
        raise ValueError(f"{name} must be a square matrix; received shape {sigma.shape}.")
    if not np.all(np.isfinite(sigma)):
        raise ValueError(f"{name} has non-finite entries.")
    return (sigma + sigma.T) / 2  # symmetric up to round-off; make it exact for eigh


def sqrtm_psd(sigma):
    """Principal square root of a symmetric positive semi-definite matrix.

    Eigenvalues below zero (round-off on singular covariances) are clipped to zero.
    """
    sigma = _check_covariance(sigma, "sigma")
    eigenvalues, eigenvectors = np.linalg.eigh(sigma)
    root = np.sqrt(np.clip(eigenvalues, 0.0, None))
    return (eigenvectors * root) @ eigenvectors.T


def trace_sqrt_product(sigma1, sigma2):
    """Tr((sigma1 @ sigma2)^(1/2)) for symmetric PSD covariances, via a symmetric eigenproblem."""
    a = sqrtm_psd(sigma1)
    sigma2 = _check_covariance(sigma2, "sigma2")
    m = a @ sigma2 @ a
    eigenvalues = np.linalg.eigvalsh((m + m.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Squared Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2)."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    if mu1.shape != mu2.shape or mu1.ndim != 1:
        raise ValueError(f"Means must be vectors of equal length; received {mu1.shape} and "
                         f"{mu2.shape}.")
    if np.shape(sigma1) != (len(mu1), len(mu1)) or np.shape(sigma2) != (len(mu1), len(mu1)):
        raise ValueError(f"Covariances must be ({len(mu1)}, {len(mu1)}); received "
                         f"{np.shape(sigma1)} and {np.shape(sigma2)}.")
    diff = mu1 - mu2
    trace = np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product(sigma1, sigma2)
    # The exact value is >= 0; clip round-off below zero on identical inputs.
    return max(float(diff @ diff + trace), 0.0)


def fid_from_features(features1, features2):
    """FID between two feature sets (N1, D) and (N2, D)."""
    f1, f2 = np.asarray(features1), np.asarray(features2)
    if f1.ndim != 2 or f2.ndim != 2 or f1.shape[1] != f2.shape[1]:
        raise ValueError(f"Expected two (N, D) feature arrays with the same D; received "
                         f"{f1.shape} and {f2.shape}.")
    return frechet_distance(*gaussian_stats(f1), *gaussian_stats(f2))
