import itertools

import numpy as np
import pytest
from scipy.special import expit

from skgenerative import OrderAgnosticNADE
from skgenerative.autoregressive import _oanade
from tests.autoregressive import _reference as ref

from .conftest import all_binary_states, independent_bernoulli_log_prob, total_variation_to_exact

VARIANTS = [
    pytest.param({"n_hidden_layers": 1}, id="shallow"),
    pytest.param({"n_hidden_layers": 2}, id="deep"),
    pytest.param({"n_hidden_layers": 1, "n_inference_steps": 3}, id="nade-k"),
    pytest.param({"n_hidden_layers": 2, "activation": "sigmoid"}, id="deep-sigmoid"),
]


def _fitted(X, **params):
    defaults = dict(n_components=8, n_orderings=3, max_iter=5, learning_rate=1e-2, random_state=0)
    return OrderAgnosticNADE(**{**defaults, **params}).fit(X)


def _perturbed(model, seed=0, scale=0.5):
    """Random parameters of a fitted model's shapes, so tests do not depend on
    what a short fit happens to learn."""
    rng = np.random.default_rng(seed)
    for key in model._parameter_names:
        value = getattr(model, key)
        value += scale * rng.standard_normal(value.shape)
    return model


@pytest.mark.parametrize("params", VARIANTS)
def test_oanade_each_ordering_and_ensemble_normalise_over_1024_states(random_binary, params):
    model = _perturbed(_fitted(random_binary, **params))
    states = all_binary_states(10)
    per_ordering = np.exp(model.log_prob_orderings(states)).sum(axis=1)
    np.testing.assert_allclose(per_ordering, 1.0, atol=1e-6)
    assert abs(np.exp(model.score_samples(states)).sum() - 1) < 1e-6


@pytest.mark.parametrize("params", VARIANTS)
def test_oanade_ordering_log_prob_matches_numpy_twin(random_binary, params):
    model = _perturbed(_fitted(random_binary, **params), seed=1)
    order = model.orderings_[1]
    expected = ref.oanade_log_prob_one_ordering(
        random_binary[:30], model._parameters(), model.mean_, order,
        model.activation, model.n_inference_steps,
    )
    np.testing.assert_allclose(model._log_prob_ordering(random_binary[:30], order), expected, rtol=1e-10)
    # the general (numpy) path agrees with the numba kernel on the shallow model
    general = _oanade._ordered_pass(
        random_binary[:30], order, model._parameters(), model.mean_,
        model.n_inference_steps, model.activation,
    )[0]
    np.testing.assert_allclose(general, expected, rtol=1e-10)


def test_oanade_log_prob_under_orderings_outside_the_ensemble(random_binary):
    model = _perturbed(_fitted(random_binary, n_hidden_layers=2), seed=5)
    states = all_binary_states(10)
    np.testing.assert_allclose(
        model.log_prob_orderings(states[:50], orderings=model.orderings_),
        model.log_prob_orderings(states[:50]),
    )
    new = np.random.default_rng(9).permuted(np.tile(np.arange(10), (4, 1)), axis=1)
    assert not any(np.array_equal(o, e) for o in new for e in model.orderings_)
    # every ordering is an exact, normalised density of its own
    np.testing.assert_allclose(np.exp(model.log_prob_orderings(states, orderings=new)).sum(axis=1),
                               1.0, atol=1e-6)
    for bad in ([[0, 1, 2]], np.zeros((1, 10), dtype=int), np.arange(10)):
        with pytest.raises(ValueError, match="permutations of range\\(10\\)"):
            model.log_prob_orderings(states[:5], orderings=bad)


@pytest.mark.parametrize("params", [VARIANTS[1], VARIANTS[2]])
def test_oanade_validation_estimate_is_unbiased_for_the_mean_over_orderings(random_binary, params):
    model = _perturbed(_fitted(random_binary, **params), seed=6)
    rows, copies = random_binary[:3], 4000
    estimate = _oanade._masked_log_likelihood(
        np.repeat(rows, copies, axis=0), model._parameters(), model.mean_,
        model.n_inference_steps, model.activation,
    ).reshape(3, copies)
    orderings = np.random.default_rng(7).permuted(np.tile(np.arange(10), (400, 1)), axis=1)
    exact = model.log_prob_orderings(rows, orderings=orderings)  # (400, 3)
    se = np.sqrt(estimate.var(axis=1) / copies + exact.var(axis=0) / len(orderings))
    assert np.all(np.abs(estimate.mean(axis=1) - exact.mean(axis=0)) < 4 * se)
    # masks are fixed: every epoch compares the model on the same draws
    assert model._validation_score(rows, None) == model._validation_score(rows, None)


@pytest.mark.parametrize("params", VARIANTS)
def test_oanade_masked_objective_gradient_matches_finite_differences(random_binary, params):
    model = _perturbed(_fitted(random_binary, **params), seed=2)
    X = random_binary[:12]
    M, weight = _oanade._random_masks(12, 10, np.random.default_rng(3), np.float64)
    args = (model.mean_, model.n_inference_steps, model.activation)
    params_ = model._parameters()
    _, grads = _oanade._masked_objective_and_grad(X, M, weight, params_, *args)
    eps = 1e-6
    for key, value in params_.items():
        for index in list(np.ndindex(value.shape))[:: max(1, value.size // 5)]:
            old = value[index]
            value[index] = old + eps
            up = _oanade._masked_objective_and_grad(X, M, weight, params_, *args)[0]
            value[index] = old - eps
            down = _oanade._masked_objective_and_grad(X, M, weight, params_, *args)[0]
            value[index] = old
            fd = (up - down) / (2 * eps)
            assert grads[key][index] == pytest.approx(fd, rel=1e-5, abs=1e-6), key


@pytest.mark.parametrize("params", VARIANTS[:3])
def test_oanade_ensemble_sampler_matches_exact_distribution(params):
    X = (np.random.default_rng(4).random((100, 6)) < 0.5).astype(float)
    model = _perturbed(_fitted(X, **params), seed=5, scale=1.0)
    samples = model.sample(20000, random_state=0)
    tv = total_variation_to_exact(samples, model.score_samples(all_binary_states(6)), 6)
    assert tv < 0.05


def test_oanade_mean_imputation_of_one_entry_is_the_last_conditional(random_binary):
    model = _perturbed(_fitted(random_binary), seed=6)
    x = random_binary[:1].copy()
    i = 4
    order = np.r_[np.delete(np.arange(10), i), i]
    both = np.repeat(x, 2, axis=0)
    both[:, i] = [0, 1]
    log_p = model._log_prob_ordering(both, order)
    x_missing = x.copy()
    x_missing[0, i] = np.nan
    imputed = model.impute(x_missing, method="mean")
    assert imputed[0, i] == pytest.approx(expit(log_p[1] - log_p[0]), rel=1e-10)
    np.testing.assert_array_equal(np.delete(imputed, i), np.delete(x, i))


def test_oanade_sample_imputation_matches_exact_conditional(random_binary):
    # three missing entries, drawn in a uniformly random order: the exact
    # conditional is the average over the 3! orderings of the missing entries
    model = _perturbed(_fitted(random_binary[:, :6]), seed=7, scale=1.0)
    x = np.array([[1.0, 0.0, 1.0, 0.0, 0.0, 0.0]])
    missing = [1, 3, 4]
    observed = [0, 2, 5]
    completions = np.repeat(x, 8, axis=0)
    completions[:, missing] = all_binary_states(3)
    exact = np.zeros(8)
    for perm in itertools.permutations(missing):
        lp = model._log_prob_ordering(completions, np.r_[observed, perm])
        exact += np.exp(lp - np.logaddexp.reduce(lp)) / 6
    X_missing = np.repeat(x, 20000, axis=0)
    X_missing[:, missing] = np.nan
    draws = model.impute(X_missing, method="sample", random_state=0)
    np.testing.assert_array_equal(draws[:, observed], X_missing[:, observed])
    tv = total_variation_to_exact(draws[:, missing], np.log(exact), 3)
    assert tv < 0.03


def test_oanade_impute_leaves_complete_rows_unchanged(random_binary):
    model = _fitted(random_binary)
    np.testing.assert_array_equal(model.impute(random_binary[:5], method="sample"), random_binary[:5])
    with pytest.raises(ValueError, match="method"):
        model.impute(random_binary[:5], method="median")


def test_deep_oanade_beats_independent_bernoulli_on_digits(binary_digits):
    train, test = binary_digits
    model = OrderAgnosticNADE(
        64, n_hidden_layers=2, n_orderings=4, max_iter=30, learning_rate=3e-3, random_state=0
    ).fit(train)
    independent = independent_bernoulli_log_prob(train, test).mean()
    ensemble = model.score(test)
    single = model.log_prob_orderings(test).mean(axis=1)
    assert ensemble > independent + 4
    assert ensemble > single.max()  # the ensemble beats each of its members


def test_nade_k_imputes_digits_better_than_one_step(binary_digits):
    # Raiko et al. (2014): iterating the inference improves the predictions
    # of missing entries; half the test pixels are hidden
    train, test = binary_digits
    hidden = np.random.default_rng(0).random(test.shape) < 0.5
    X_missing = np.where(hidden, np.nan, test)
    scores = []
    for k in (1, 2):
        model = OrderAgnosticNADE(
            64, n_inference_steps=k, n_orderings=1, max_iter=20, learning_rate=3e-3, random_state=0
        ).fit(train)
        p = np.clip(model.impute(X_missing), 1e-6, 1 - 1e-6)
        scores.append((test * np.log(p) + (1 - test) * np.log1p(-p))[hidden].sum() / len(test))
    assert scores[1] > scores[0] + 0.1
