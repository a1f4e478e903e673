import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative.evaluation import (
    LogLikelihood,
    ais_log_partition,
    binarize_stochastic,
    binarize_threshold,
    log_likelihood,
    rbm_log_likelihood,
    reverse_ais_log_partition,
)


def test_binarize_threshold_keeps_float32():
    X = np.array([[0.1, 0.5, 0.9]], dtype=np.float32)
    out = binarize_threshold(X)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0, 0, 1]])
    np.testing.assert_array_equal(binarize_threshold(X, threshold=0.05), [[1, 1, 1]])


def test_binarize_stochastic_rate_and_seed():
    X = np.full((200, 50), 0.3)
    a = binarize_stochastic(X, random_state=0)
    b = binarize_stochastic(X, random_state=0)
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) == {0.0, 1.0}
    assert abs(a.mean() - 0.3) < 0.01
    with pytest.raises(ValueError, match="probabilities"):
        binarize_stochastic(X * 255)
    with pytest.raises(ValueError, match="NaN"):
        binarize_stochastic([[np.nan]])


def _tiny_rbm(gaussian=False, seed=0):
    rng = np.random.default_rng(seed)
    m = SimpleNamespace(components_=rng.normal(0, 0.5, (4, 5)),
                        intercept_hidden_=rng.normal(size=4),
                        intercept_visible_=rng.normal(size=5))
    if gaussian:
        m.precision_ = rng.uniform(0.5, 2, 5)
    return m


def test_rbm_log_likelihood_exact_sums_to_one():
    m = _tiny_rbm()
    V = np.array(list(itertools.product([0.0, 1.0], repeat=5)))
    H = np.array(list(itertools.product([0.0, 1.0], repeat=4)))
    log_z = logsumexp(V @ m.intercept_visible_ + np.logaddexp(0, V @ m.components_.T
                                                              + m.intercept_hidden_).sum(1))
    # brute force over (v, h) of -E(v, h)
    neg_e = (V @ m.intercept_visible_)[:, None] + (H @ m.intercept_hidden_)[None] \
        + V @ m.components_.T @ H.T
    np.testing.assert_allclose(logsumexp(neg_e), log_z)
    ll = rbm_log_likelihood(m, V, log_z)
    assert ll.kind == "exact"
    assert logsumexp(ll.values) == pytest.approx(0.0, abs=1e-12)


def test_rbm_log_likelihood_gaussian_integrates_to_one():
    m = _tiny_rbm(gaussian=True)
    m.components_ = m.components_[:, :1]
    m.intercept_visible_ = m.intercept_visible_[:1]
    m.precision_ = m.precision_[:1]
    H = np.array(list(itertools.product([0.0, 1.0], repeat=4)))
    mu = m.intercept_visible_ + H @ m.components_
    p, b = m.precision_, m.intercept_visible_
    log_z = 0.5 * np.log(2 * np.pi / p).sum() + logsumexp(
        H @ m.intercept_hidden_ + 0.5 * ((mu**2 - b**2) * p).sum(1))
    grid = np.linspace(-15, 15, 20001)[:, None]
    dens = np.exp(rbm_log_likelihood(m, grid, float(log_z)).values)
    assert np.trapezoid(dens, grid[:, 0]) == pytest.approx(1.0, abs=1e-6)


def test_rbm_log_likelihood_with_ais_results_states_kind():
    m = _tiny_rbm()
    X = np.eye(5)
    fwd = ais_log_partition(m, n_runs=20, betas=50, random_state=0)
    rev = reverse_ais_log_partition(m, n_runs=20, betas=50, n_gibbs=50, random_state=0)
    a = rbm_log_likelihood(m, X, fwd)
    b = rbm_log_likelihood(m, X, rev)
    assert a.kind == "estimate" and "AIS (20 runs x 50 temperatures)" in a.method
    assert b.kind == "lower_bound" and "reverse AIS" in b.method
    lo, hi = a.mean_interval
    assert lo <= a.mean <= hi
    assert "estimate" in str(a)
    c = rbm_log_likelihood(m, X, n_runs=20, betas=50, random_state=0)
    np.testing.assert_array_equal(c.values, a.values)


def test_log_likelihood_uses_score_kind():
    class Model:
        score_kind_ = "lower_bound"

        def score_samples(self, X):
            return -np.ones(len(X))

    res = log_likelihood(Model(), np.zeros((3, 2)))
    assert res.kind == "lower_bound" and res.method == "Model" and res.mean == -1.0
    assert res.std_error == 0.0
    with pytest.raises(ValueError, match="kind"):
        LogLikelihood(values=np.zeros(2), kind="guess", method="x")
