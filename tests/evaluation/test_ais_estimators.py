"""AIS on the package's fitted RBM estimators, against their exact log Z."""

import numpy as np
import pytest

from skgenerative import BernoulliRBM, GaussianBernoulliRBM
from skgenerative.evaluation import (
    ais_log_partition,
    exact_log_partition,
    rbm_log_likelihood,
    reverse_ais_log_partition,
)


@pytest.fixture(scope="module")
def fitted_bernoulli_rbm():
    from sklearn.datasets import load_digits

    X = (load_digits().data > 7).astype(np.float64)
    rbm = BernoulliRBM(n_components=16, learning_rate=0.05, batch_size=20, n_iter=10,
                       random_state=0).fit(X[:1500])
    return rbm, X[1500:]


def test_ais_on_fitted_bernoulli_rbm_matches_exact(fitted_bernoulli_rbm):
    # 16 hidden units, base model = the stored training marginals (base_rate_);
    # 3,000 temperatures of the S&M shape
    rbm, X_test = fitted_bernoulli_rbm
    exact = exact_log_partition(rbm)
    result = ais_log_partition(rbm, n_runs=100, betas=3000, random_state=0)
    assert abs(result.log_z - exact) <= 0.1
    assert result.log_z_ci[0] <= exact <= result.log_z_ci[1]
    reverse = reverse_ais_log_partition(rbm, n_runs=100, betas=3000, n_gibbs=300,
                                        random_state=0)
    assert abs(reverse.log_z - exact) <= 0.1
    # the likelihoods agree with the estimator's exact score_samples
    ll = rbm_log_likelihood(rbm, X_test, exact)
    np.testing.assert_allclose(ll.values, rbm.score_samples(X_test), rtol=1e-10)


def test_ais_on_float32_rbm(fitted_bernoulli_rbm):
    rbm, _ = fitted_bernoulli_rbm
    rbm32 = BernoulliRBM(n_components=16, n_iter=1, random_state=0, dtype=np.float32)
    rbm32.fit(np.zeros((4, 64), dtype=np.float32) + 0.5)
    for name in ("components_", "intercept_hidden_", "intercept_visible_", "base_rate_"):
        setattr(rbm32, name, getattr(rbm, name).astype(np.float32))
    r32 = ais_log_partition(rbm32, n_runs=50, betas=1000, random_state=0)
    r64 = ais_log_partition(rbm, n_runs=50, betas=1000, random_state=0)
    assert abs(r32.log_z - r64.log_z) < 1e-3


def test_ais_on_fitted_gaussian_bernoulli_rbm_matches_exact():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 2, (3, 6))
    X = centres[rng.integers(0, 3, 600)] + rng.normal(0, 0.5, (600, 6))
    rbm = GaussianBernoulliRBM(n_components=10, learning_rate=0.01, batch_size=20,
                               max_iter=5, random_state=0).fit(X)
    exact = exact_log_partition(rbm)
    result = ais_log_partition(rbm, n_runs=100, betas=3000, random_state=0)
    assert abs(result.log_z - exact) <= 0.1
    assert result.log_z_ci[0] <= exact <= result.log_z_ci[1]
    ll = rbm_log_likelihood(rbm, X[:50], exact)
    np.testing.assert_allclose(ll.values, rbm.score_samples(X[:50]), rtol=1e-8)
