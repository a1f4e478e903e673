import numpy as np
import pytest

from skgenerative import FVSBN

from .conftest import all_binary_states, independent_bernoulli_log_prob, total_variation_to_exact


def test_fvsbn_normalises_over_all_1024_states(random_binary):
    model = FVSBN(ordering="random", max_iter=20, random_state=0).fit(random_binary)
    total = np.exp(model.score_samples(all_binary_states(10))).sum()
    assert abs(total - 1) < 1e-6


def test_fvsbn_coef_respects_the_ordering(random_binary):
    model = FVSBN(ordering="random", max_iter=5, random_state=1).fit(random_binary)
    rank = np.argsort(model.ordering_)
    forbidden = rank[None, :] >= rank[:, None]
    assert np.all(model.coef_[forbidden] == 0)
    assert np.any(model.coef_[~forbidden] != 0)


def test_fvsbn_sampler_matches_exact_distribution():
    rng = np.random.default_rng(3)
    X = (rng.random((300, 6)) < 0.5).astype(float)
    X[:, 1] = X[:, 0]  # strong dependence so the test is not about marginals
    model = FVSBN(max_iter=30, random_state=0).fit(X)
    samples = model.sample(20000, random_state=0)
    tv = total_variation_to_exact(samples, model.score_samples(all_binary_states(6)), 6)
    assert tv < 0.05


def test_fvsbn_gradient_matches_finite_differences(random_binary):
    model = FVSBN(max_iter=2, random_state=0).fit(random_binary)
    X = random_binary[:20]
    _, grads = model._batch_gradient(X, None)
    eps = 1e-6
    for name, index in [("coef_", (5, 2)), ("intercept_", (4,))]:
        param = getattr(model, name)
        old = param[index]
        param[index] = old + eps
        up = model._log_likelihood(X).sum()
        param[index] = old - eps
        down = model._log_likelihood(X).sum()
        param[index] = old
        assert grads[name][index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-7)


def test_fvsbn_penalised_gradient_matches_finite_differences(random_binary):
    # the objective of a batch: summed log-likelihood - n * alpha / 2 * ||coef_||^2
    model = FVSBN(alpha=0.3, max_iter=2, random_state=0).fit(random_binary)
    X = random_binary[:20]
    _, grads = model._batch_gradient(X, None)

    def objective():
        return model._log_likelihood(X).sum() - len(X) * 0.3 / 2 * np.sum(model.coef_**2)

    eps = 1e-6
    for name, index in [("coef_", (5, 2)), ("intercept_", (4,))]:
        param = getattr(model, name)
        old = param[index]
        param[index] = old + eps
        up = objective()
        param[index] = old - eps
        down = objective()
        param[index] = old
        assert grads[name][index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-7)


def test_fvsbn_alpha_shrinks_the_weights_and_zero_changes_nothing(random_binary):
    plain = FVSBN(max_iter=30, random_state=0).fit(random_binary)
    zero = FVSBN(alpha=0.0, max_iter=30, random_state=0).fit(random_binary)
    np.testing.assert_array_equal(plain.coef_, zero.coef_)
    penalised = FVSBN(alpha=1.0, max_iter=30, random_state=0).fit(random_binary)
    assert np.sum(penalised.coef_**2) < 0.5 * np.sum(plain.coef_**2)


def test_fvsbn_beats_independent_bernoulli_on_digits(binary_digits):
    train, test = binary_digits
    model = FVSBN(max_iter=40, random_state=0).fit(train)
    assert model.score(test) > independent_bernoulli_log_prob(train, test).mean() + 5


def _penalised_objective(model, X, alpha):
    return model._log_likelihood(X).mean() - alpha / 2 * np.sum(model.coef_.astype(float) ** 2)


def test_fvsbn_lbfgs_finds_the_optimum_of_the_convex_objective(random_binary):
    from scipy.optimize import minimize

    alpha = 0.05
    model = FVSBN(solver="lbfgs", alpha=alpha, max_iter=500, random_state=0).fit(random_binary)
    assert model.optimizer_.converged and model.n_iter_ < 500  # stopped on convergence
    D = random_binary.shape[1]
    free = np.tril(np.ones((D, D), bool), -1)  # the identity ordering's weights

    def negative(theta):
        model.coef_[...] = 0.0
        model.coef_[free] = theta[: free.sum()]
        model.intercept_[...] = theta[free.sum():]
        return -_penalised_objective(model, random_binary, alpha)

    found = np.concatenate([model.coef_[free], model.intercept_])
    at_found = -negative(found)
    best = minimize(negative, found, method="Powell", options=dict(xtol=1e-8, ftol=1e-12))
    assert -best.fun <= at_found + 1e-5  # no better point nearby
    # and it beats Adam at the same penalty after as many epochs
    adam = FVSBN(alpha=alpha, max_iter=model.n_iter_, random_state=0).fit(random_binary)
    negative(found)
    assert at_found >= _penalised_objective(adam, random_binary, alpha) - 1e-9


def test_fvsbn_lbfgs_early_stopping_warm_start_and_partial_fit(random_binary):
    model = FVSBN(solver="lbfgs", max_iter=3, early_stopping=True, random_state=0).fit(random_binary)
    assert len(model.validation_scores_) == model.n_iter_ == 3
    # a warm start to Adam continues from the L-BFGS parameters
    coef = model.coef_.copy()
    model.set_params(solver="adam", warm_start=True, max_iter=1, early_stopping=False)
    model.fit(random_binary)
    assert model.n_iter_ == 4 and not np.array_equal(model.coef_, coef)
    lbfgs = FVSBN(solver="lbfgs", max_iter=2, random_state=0).fit(random_binary)
    before = lbfgs.coef_.copy()
    with pytest.raises(ValueError, match="stochastic solver"):
        lbfgs.partial_fit(random_binary)
    lbfgs.set_params(solver="adam")
    with pytest.raises(ValueError, match="refit with solver='adam'"):
        lbfgs.partial_fit(random_binary)
    np.testing.assert_array_equal(lbfgs.coef_, before)
