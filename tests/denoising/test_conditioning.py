"""``impute(method="importance")``: the observed-unit likelihoods of the
components, and the exact conditional of a tiny DAE's stationary
distribution."""

import numpy as np
import pytest

from skgenerative.denoising import GenerativeStochasticNetwork
from skgenerative.denoising._conditioning import observed_log_likelihood
from skgenerative.nn import BernoulliHead, GaussianHead
from tests.denoising.test_dae import (  # noqa: F401 (the fixture)
    STATES,
    _corruption_matrix,
    _stationary,
    _state_index,
    _transition,
    _tv,
    trained,
)


@pytest.mark.parametrize("head", [BernoulliHead(), GaussianHead(0.05)], ids=["bern", "gauss"])
def test_observed_log_likelihood_sums_the_observed_units(head):
    rng = np.random.default_rng(0)
    X = rng.random((4, 5))
    observed = rng.random((4, 5)) < 0.6
    out = rng.standard_normal((3, head.n_outputs(5)))
    ll = observed_log_likelihood(head, X, observed, out)
    assert ll.shape == (4, 3)
    for i in range(4):
        o = observed[i]
        for s in range(3):
            if head.name == "bernoulli":
                sub = out[s : s + 1, o]
            else:
                sub = np.concatenate([out[s : s + 1, :5][:, o], out[s : s + 1, 5:][:, o]], axis=1)
            expected = head.log_likelihood(X[i : i + 1, o], sub)[0] if o.any() else 0.0
            np.testing.assert_allclose(ll[i, s], expected, rtol=1e-10, atol=1e-12)


def test_importance_imputation_is_the_stationary_conditional(trained):
    _, _, _, dae = trained
    T, probs = _transition(dae)
    pi = _stationary(T)
    rows = np.flatnonzero((STATES[:, :3] == 1).all(axis=1))
    conditional = pi[rows] / pi[rows].sum()
    # the clamped chain over the 8 free configurations, exactly
    free = STATES[rows][:, 3:]
    P_free = np.prod(np.where(free[None] == 1, probs[:, None, 3:], 1 - probs[:, None, 3:]), axis=2)
    clamped = _stationary(_corruption_matrix(dae.noise_, dae.noise_level_)[rows] @ P_free)
    X = np.tile([1.0, 1.0, 1.0, np.nan, np.nan, np.nan], (4000, 1))
    imputed = dae.impute(X, n_samples=5000, n_steps=20, random_state=0)
    np.testing.assert_array_equal(imputed[:, :3], 1.0)
    counts = np.bincount(_state_index(imputed) - rows[0], minlength=8)
    tv = _tv(counts / counts.sum(), conditional)
    # measured: 0.022 (seed 1: 0.017; 0.005 with 20000 components and 6000
    # rows), while the clamped chain's exact distribution is 0.056 away
    assert tv < 0.035
    assert tv < 0.65 * _tv(clamped, conditional)
    # the conditional mean: the mixture's, against the exact one
    mean = dae.impute(X[:3], n_samples=20000, n_steps=20, random_state=1, mean=True)
    np.testing.assert_allclose(mean[:, 3:], np.tile(conditional @ free, (3, 1)), atol=0.02)


def test_importance_imputation_options_and_errors():
    rng = np.random.default_rng(0)
    X = (rng.random((80, 6)) < 0.4).astype(float)
    # trained with salt-and-pepper noise: importance weighting is its default
    gsn = GenerativeStochasticNetwork(n_components=4, noise="salt_pepper", max_iter=1,
                                      random_state=0).fit(X)
    mask = rng.random(X.shape) < 0.3
    one = gsn.impute(X, mask, n_samples=50, n_steps=3, random_state=0)
    np.testing.assert_array_equal(one[~mask], X[~mask])
    assert set(np.unique(one)) <= {0.0, 1.0}
    np.testing.assert_array_equal(one, gsn.impute(X, mask, n_samples=50, n_steps=3,
                                                  random_state=0))
    means = gsn.impute(X, mask, n_samples=50, n_steps=3, random_state=0, mean=True)
    assert np.all((means[mask] > 0) & (means[mask] < 1))
    with pytest.raises(ValueError, match="noise='missing'"):
        gsn.impute(X, mask, method="gibbs")
    with pytest.raises(ValueError, match="method"):
        gsn.impute(X, mask, method="mean-field")
    with pytest.raises(ValueError, match="n_samples"):
        gsn.impute(X, mask, n_samples=0)
