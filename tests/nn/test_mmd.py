import numpy as np
import pytest

from skgenerative.evaluation import mmd_test
from skgenerative.nn import gaussian_kernel, median_distance, mmd2_unbiased


def _direct_mmd2(X, Y, bandwidths):
    def k(a, b):
        d = ((a[:, None] - b[None]) ** 2).sum(-1)
        return sum(np.exp(-d / (2 * s**2)) for s in bandwidths)

    kxx, kyy, kxy = k(X, X), k(Y, Y), k(X, Y)
    n, m = len(X), len(Y)
    return ((kxx.sum() - np.trace(kxx)) / (n * (n - 1))
            + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean())


def test_mixture_mmd2_matches_direct_formula():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(9, 3)), rng.normal(0.4, 1.2, (6, 3))
    bandwidths = [0.3, 1.0, 2.5]
    assert mmd2_unbiased(X, Y, bandwidths) == pytest.approx(
        _direct_mmd2(X, Y, bandwidths), rel=1e-12)
    K = gaussian_kernel(X, Y, bandwidths)
    assert K.shape == (9, 6)
    assert np.all((K > 0) & (K <= 3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mmd2_gradient_matches_finite_differences(dtype):
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(7, 2)), rng.normal(0.5, 1, (5, 2))
    bandwidths = [0.5, 1.0, 3.0]
    value, grad = mmd2_unbiased(X.astype(dtype), Y.astype(dtype), bandwidths, grad=True)
    assert grad.dtype == dtype and grad.shape == X.shape
    eps = 1e-6
    numeric = np.zeros_like(X)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            Xp, Xm = X.copy(), X.copy()
            Xp[i, j] += eps
            Xm[i, j] -= eps
            numeric[i, j] = (mmd2_unbiased(Xp, Y, bandwidths)
                             - mmd2_unbiased(Xm, Y, bandwidths)) / (2 * eps)
    tol = 1e-7 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(grad, numeric, atol=tol, rtol=tol)


def test_mmd2_separates_distributions_and_evaluation_uses_the_same_kernel():
    rng = np.random.default_rng(2)
    X, Y, Z = rng.normal(size=(200, 2)), rng.normal(size=(200, 2)), rng.normal(1, 1, (200, 2))
    assert abs(mmd2_unbiased(X, Y, 1.0)) < 0.01 < mmd2_unbiased(X, Z, 1.0)
    # evaluation's test statistic is this estimate with one bandwidth
    assert mmd_test(X, Z, bandwidth=1.0, n_permutations=5, random_state=0).mmd2 == (
        pytest.approx(mmd2_unbiased(X, Z, 1.0), rel=1e-10))
    assert median_distance(X, rng) == pytest.approx(
        np.median(np.linalg.norm(X[:, None] - X[None], axis=-1)[np.triu_indices(200, 1)]))


def test_mmd2_validates():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="at least 2 rows"):
        mmd2_unbiased(X[:1], X, 1.0)
    with pytest.raises(ValueError, match="bandwidths"):
        mmd2_unbiased(X, X, [1.0, -1.0])


def test_blocked_value_equals_the_value_of_the_full_matrices(monkeypatch):
    import skgenerative.nn._mmd as mmd

    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(23, 3)), rng.normal(0.3, 1, (17, 3))
    full = mmd2_unbiased(X, Y, [0.5, 2.0], grad=True)[0]
    monkeypatch.setattr(mmd, "_BLOCK_ROWS", 5)  # several blocks, a ragged last one
    assert mmd2_unbiased(X, Y, [0.5, 2.0]) == pytest.approx(full, rel=1e-10, abs=1e-13)
