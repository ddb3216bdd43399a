import numpy as np
import pytest
import scipy.linalg

from kerasgen.metrics import fid


def scipy_reference_fid(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid's calculate_frechet_distance (the code behind most published FIDs)."""
    diff = mu1 - mu2
    covmean, _ = scipy.linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = covmean.real
    trace_covmean = np.trace(covmean)
    return diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_covmean, trace_covmean


def covariance_pair(rng, dim, num_samples, spectrum_decay=0.0):
    """Feature-like covariances: a correlated set and a shifted, rescaled one."""
    mixing = rng.normal(size=(dim, dim)) / np.sqrt(dim)
    if spectrum_decay:  # eigenvalues spanning many orders of magnitude: near-singular
        mixing *= np.exp(-spectrum_decay * np.arange(dim) / dim)[:, None]
    a = rng.normal(size=(num_samples, dim)) @ mixing
    b = rng.normal(size=(num_samples, dim)) @ (mixing * 1.1) + 0.05
    return fid.gaussian_stats(a) + fid.gaussian_stats(b)


# pytorch-fid's reference passes disp=False, deprecated in recent SciPy; kept verbatim.
@pytest.mark.filterwarnings("ignore:The `disp` argument is deprecated")
@pytest.mark.parametrize("num_samples,decay", [
    (200, 0.0),    # fewer samples than dimensions: rank-deficient covariances
    (1000, 25.0),  # eigenvalues over ~11 orders of magnitude: near-singular
])
def test_matches_scipy_sqrtm_reference(num_samples, decay):
    mu1, s1, mu2, s2 = covariance_pair(np.random.default_rng(0), 256, num_samples, decay)
    reference, reference_trace = scipy_reference_fid(mu1, s1, mu2, s2)
    assert fid.trace_sqrt_product(s1, s2) == pytest.approx(reference_trace, rel=1e-6)
    assert fid.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(reference, rel=1e-6)


# At Inception's 2048 dimensions SciPy's sqrtm takes minutes, so its values are stored here:
# scipy_reference_fid on these exact pairs (SciPy 1.17.1, NumPy 2.4.6). `python
# tests/metrics/test_fid.py` recomputes them.
SCIPY_AT_2048 = {
    (1500, 0.0): 953.5413095079839,   # rank-deficient covariances
    (6000, 25.0): 5.959866908541784,  # near-singular
}


@pytest.mark.parametrize("num_samples,decay", sorted(SCIPY_AT_2048))
def test_matches_scipy_sqrtm_reference_at_2048_dims(num_samples, decay):
    mu1, s1, mu2, s2 = covariance_pair(np.random.default_rng(0), 2048, num_samples, decay)
    reference = SCIPY_AT_2048[num_samples, decay]
    assert abs(fid.frechet_distance(mu1, s1, mu2, s2) - reference) <= 1e-3 * abs(reference)


def test_sqrtm_psd_squares_back_including_singular():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 50))
    sigma = np.cov(x, rowvar=False)  # rank 19 of 50
    root = fid.sqrtm_psd(sigma)
    np.testing.assert_allclose(root @ root, sigma, atol=1e-10)
    np.testing.assert_allclose(root, root.T)
    np.testing.assert_allclose(root, scipy.linalg.sqrtm(sigma + 0j).real, atol=1e-6)


def test_closed_forms():
    rng = np.random.default_rng(2)
    sigma = np.cov(rng.normal(size=(500, 8)), rowvar=False)
    mu = rng.normal(size=8)
    assert fid.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)
    shift = np.arange(8.0)
    assert fid.frechet_distance(mu, sigma, mu + shift, sigma) == pytest.approx(shift @ shift)
    # Commuting (diagonal) covariances: sum (s1 - s2)^2 over standard deviations.
    s1, s2 = np.diag([1.0, 4.0, 9.0]), np.diag([4.0, 4.0, 1.0])
    expected = (1 - 2) ** 2 + 0 + (3 - 1) ** 2
    assert fid.frechet_distance(np.zeros(3), s1, np.zeros(3), s2) == pytest.approx(expected)


def test_fid_from_features_is_small_for_samples_of_one_distribution():
    rng = np.random.default_rng(3)
    same = fid.fid_from_features(rng.normal(size=(5000, 16)), rng.normal(size=(5000, 16)))
    shifted = fid.fid_from_features(rng.normal(size=(5000, 16)),
                                    rng.normal(size=(5000, 16)) + 1.0)
    assert same < 0.05 and shifted == pytest.approx(16.0, rel=0.05)


def test_bad_input_is_rejected_with_shapes():
    with pytest.raises(ValueError, match=r"\(4, 3\)"):
        fid.fid_from_features(np.zeros((4, 3)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="square"):
        fid.sqrtm_psd(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="non-finite"):
        fid.sqrtm_psd(np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="N >= 2"):
        fid.gaussian_stats(np.zeros((1, 3)))


if __name__ == "__main__":
    for (num_samples, decay) in sorted(SCIPY_AT_2048):
        pair = covariance_pair(np.random.default_rng(0), 2048, num_samples, decay)
        print(f"({num_samples}, {decay}): {scipy_reference_fid(*pair)[0]!r},")
