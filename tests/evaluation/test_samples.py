import numpy as np
import pytest
from scipy.stats import multivariate_normal

from skgenerative.evaluation import (
    mmd_test,
    nearest_neighbors_check,
    parzen_bandwidth,
    parzen_log_likelihood,
    plot_nearest_neighbors,
)


def test_mmd_same_distribution_is_near_zero_and_not_rejected():
    rng = np.random.default_rng(0)
    X = (rng.random((150, 20)) < 0.3).astype(float)
    Y = (rng.random((150, 20)) < 0.3).astype(float)
    result = mmd_test(X, Y, n_permutations=300, random_state=0)
    assert abs(result.mmd2) < 0.01
    assert result.p_value > 0.05
    assert result.null_distribution.shape == (300,)


def test_mmd_different_distributions_is_large_and_rejected():
    rng = np.random.default_rng(1)
    X = (rng.random((150, 20)) < 0.3).astype(float)
    Y = (rng.random((150, 20)) < 0.5).astype(float)
    result = mmd_test(X, Y, n_permutations=300, random_state=0)
    assert result.mmd2 > 10 * np.std(result.null_distribution)
    assert result.p_value == pytest.approx(1 / 301)


def test_mmd_matches_direct_unbiased_formula():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(7, 3)), rng.normal(0.5, 1, (5, 3))

    def k(a, b):
        return np.exp(-((a[:, None] - b[None]) ** 2).sum(-1) / (2 * 1.3**2))

    kxx, kyy, kxy = k(X, X), k(Y, Y), k(X, Y)
    expected = ((kxx.sum() - np.trace(kxx)) / (7 * 6) + (kyy.sum() - np.trace(kyy)) / (5 * 4)
                - 2 * kxy.mean())
    result = mmd_test(X, Y, bandwidth=1.3, n_permutations=10, random_state=0)
    assert result.mmd2 == pytest.approx(expected, rel=1e-12)
    assert result.bandwidth == 1.3


def test_mmd_is_deterministic_and_validates():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(20, 2)), rng.normal(size=(20, 2))
    a = mmd_test(X, Y, n_permutations=50, random_state=1)
    b = mmd_test(X, Y, n_permutations=50, random_state=1)
    assert a.p_value == b.p_value
    np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
    with pytest.raises(ValueError, match="features"):
        mmd_test(X, Y[:, :1])
    with pytest.raises(ValueError, match="bandwidth"):
        mmd_test(X, Y, bandwidth="scott")
    with pytest.raises(ValueError, match="NaN"):
        mmd_test(np.full((3, 2), np.nan), Y)


def test_nearest_neighbors_finds_copies():
    rng = np.random.default_rng(0)
    X_train = (rng.random((200, 16)) < 0.5).astype(float)
    copies = X_train[[3, 17, 42]]
    novel = (rng.random((2, 16)) < 0.5).astype(float)
    samples = np.vstack([copies, novel])
    check = nearest_neighbors_check(samples, X_train, n_neighbors=2,
                                    X_heldout=(rng.random((50, 16)) < 0.5))
    np.testing.assert_array_equal(check.indices[:3, 0], [3, 17, 42])
    np.testing.assert_array_equal(check.distances[:3, 0], 0.0)
    assert check.copy_fraction == pytest.approx(3 / 5)
    assert check.reference_distances.shape == (50,)
    assert "copies: 60.0%" in check.summary()
    assert np.all(np.diff(check.distances, axis=1) >= 0)


def test_plot_nearest_neighbors_draws_grid():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    X_train = rng.random((30, 16))
    fig = plot_nearest_neighbors(X_train[:4] + 0.01, X_train, image_shape=(4, 4),
                                 n_show=3, n_neighbors=2)
    assert len(fig.axes) == 3 * 3
    plt.close(fig)


def test_parzen_matches_gaussian_mixture_density():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(5, 3))
    X = rng.normal(size=(4, 3))
    sigma = 0.7
    expected = np.log(np.mean([multivariate_normal(c, sigma**2 * np.eye(3)).pdf(X)
                               for c in centres], axis=0))
    got = parzen_log_likelihood(centres, X, bandwidth=sigma, batch_size=3)
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_parzen_bandwidth_picks_a_reasonable_scale():
    rng = np.random.default_rng(0)
    samples = rng.normal(size=(400, 2))
    X_val = rng.normal(size=(200, 2))
    best, scores = parzen_bandwidth(samples, X_val, bandwidths=[0.01, 0.3, 10.0])
    assert best == 0.3 and scores.shape == (3,)
    best_auto, _ = parzen_bandwidth(samples, X_val)
    assert 0.05 < best_auto < 1.5
    with pytest.raises(ValueError, match="bandwidth"):
        parzen_log_likelihood(samples, X_val, bandwidth=0.0)
