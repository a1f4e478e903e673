"""Monte Carlo standard errors of the importance-sampled scores."""

import numpy as np
import pytest

from skgenerative.latent import IWAE, VAE, SigmoidBeliefNet

NETS = dict(encoder_layer_sizes=(8,), decoder_layer_sizes=(8,), n_importance_samples=50)


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return (rng.random((200, 8)) < np.linspace(0.1, 0.7, 8)).astype(np.float64)


@pytest.fixture(scope="module")
def fitted(X):
    return {
        "VAE": VAE(2, max_iter=5, random_state=0, **NETS).fit(X),
        "IWAE": IWAE(2, n_importance=3, max_iter=5, random_state=0, **NETS).fit(X),
        "SigmoidBeliefNet": SigmoidBeliefNet((3,), max_iter=5, n_importance_samples=50,
                                             random_state=0).fit(X),
    }


@pytest.mark.parametrize("name", ["VAE", "IWAE", "SigmoidBeliefNet"])
def test_return_std_keeps_the_scores_and_adds_positive_errors(fitted, X, name):
    model = fitted[name]
    log_prob, std = model.score_samples(X[:30], return_std=True)
    np.testing.assert_array_equal(log_prob, model.score_samples(X[:30]))
    assert std.shape == (30,) and std.dtype == np.float64
    assert np.all(std > 0) and np.all(np.isfinite(std))


@pytest.mark.parametrize("name", ["VAE", "SigmoidBeliefNet"])
def test_standard_error_shrinks_like_one_over_sqrt_k(fitted, X, name):
    model = fitted[name]
    _, std_small = model.importance_bound(X[:50], 100, return_std=True)
    _, std_large = model.importance_bound(X[:50], 1600, return_std=True)
    # per row, sqrt(16) = 4; the median, since a rare huge weight (q's tails
    # too light) can inflate one row's estimate at either k
    assert 3.2 < np.median(std_small / std_large) < 4.8


@pytest.mark.parametrize("name", ["VAE", "SigmoidBeliefNet"])
def test_standard_error_matches_the_spread_of_independent_estimates(fitted, X, name):
    model = fitted[name]
    rows = X[:20]
    draws = np.array([model.importance_bound(rows, 50, random_state=s) for s in range(40)])
    reported = np.mean(
        [model.importance_bound(rows, 50, random_state=s, return_std=True)[1] for s in range(40)],
        axis=0,
    )
    ratio = draws.std(axis=0, ddof=1) / reported
    assert 0.6 < np.median(ratio) < 1.6
