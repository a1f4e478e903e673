"""The unit-type protocol of the Boltzmann family (``boltzmann/_units.py``)."""

import itertools
import warnings

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative.boltzmann._units import (
    UNIT_TYPES,
    BernoulliUnits,
    CategoricalUnits,
    GaussianUnits,
    UnitType,
    check_unit_type,
)
from skgenerative.exceptions import OutOfSupportWarning


def _hidden_states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def _small_rbm(n_hidden, n_visible, seed):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 0.7, (n_hidden, n_visible)), rng.normal(0, 0.5, n_visible),
            rng.normal(0, 0.5, n_hidden))


def test_registry_names_every_unit_type():
    assert set(UNIT_TYPES) == {"bernoulli", "gaussian", "categorical"}
    for name, cls in UNIT_TYPES.items():
        assert cls.name == name
        assert isinstance(check_unit_type(name), cls)


def test_check_unit_type_returns_instances_as_given_and_rejects_unknown_names():
    units = CategoricalUnits([np.arange(3)])
    assert check_unit_type(units) is units
    assert isinstance(check_unit_type("categorical", categories=[np.arange(2)]), CategoricalUnits)
    with pytest.raises(ValueError, match="Unknown unit type 'poisson'"):
        check_unit_type("poisson")


@pytest.mark.parametrize(
    "units, params",
    [
        (BernoulliUnits(), {}),
        (GaussianUnits(), {"precision": np.array([0.5, 2.0, 1.0, 3.0])}),
        (CategoricalUnits([np.arange(2), np.arange(2)]), {}),
    ],
    ids=["bernoulli", "gaussian", "categorical"],
)
def test_log_partition_is_the_sum_over_h_of_the_free_energy_term(units, params):
    # log Z = logsumexp_h [c.h - F_visible(b + W.T h)]: what enumeration computes
    W, b, c = _small_rbm(3, 4, seed=1)
    H = _hidden_states(3)
    terms = H @ c - units.free_energy(H @ W + b, b, **params)
    assert units.log_partition(W, b, c, **params) == pytest.approx(logsumexp(terms), rel=1e-10)


_CATEGORICAL = CategoricalUnits([np.arange(2), np.arange(3)])


@pytest.mark.parametrize(
    "units, states, off_value",
    [
        (BernoulliUnits(), _hidden_states(3), lambda P: 1 - P),
        (_CATEGORICAL, _CATEGORICAL.encode(np.array(list(itertools.product(range(2), range(3))))),
         lambda P: np.ones_like(P)),
    ],
    ids=["bernoulli", "categorical"],
)
def test_log_conditional_is_normalised_and_matches_the_mean(units, states, off_value):
    activation = np.random.default_rng(0).normal(size=(1, states.shape[1]))
    log_p = units.log_conditional(states, np.repeat(activation, len(states), axis=0))
    assert logsumexp(log_p) == pytest.approx(0.0, abs=1e-12)
    # p(u | a) is the product of the conditional means of the units that are on
    # (and of 1 - mean for binary units that are off)
    P = units.mean(activation)
    expected = np.prod(np.where(states == 1, P, off_value(P)), axis=1)
    np.testing.assert_allclose(np.exp(log_p), expected, rtol=1e-12)


def test_gaussian_log_conditional_is_the_normal_log_density():
    from scipy.stats import norm

    v, m, beta = np.array([[0.3, -1.0]]), np.array([[0.1, 0.5]]), np.array([2.0, 0.5])
    expected = norm.logpdf(v, m, 1 / np.sqrt(beta)).sum()
    assert GaussianUnits.log_conditional(v, m, beta)[0] == pytest.approx(expected)


def test_gaussian_free_energy_term_is_the_integral_over_v():
    # -log integral exp(-1/2 beta (v - b)^2 + beta v (m - b)) dv, by quadrature
    beta, b, m = 2.0, 0.3, -0.4
    v = np.linspace(-12, 12, 200001)
    integrand = np.exp(-0.5 * beta * (v - b) ** 2 + beta * v * (m - b))
    expected = -np.log(np.trapezoid(integrand, v))
    got = GaussianUnits.free_energy(np.array([[m]]), np.array([b]), np.array([beta]))
    assert got[0] == pytest.approx(expected, rel=1e-8)


def test_categorical_free_energy_term_sums_every_category():
    units = CategoricalUnits([np.arange(3), np.arange(2)])
    a = np.array([[0.1, -2.0, 0.5, 1.0, 0.0]])
    expected = -(logsumexp(a[0, :3]) + logsumexp(a[0, 3:]))
    assert units.free_energy(a)[0] == pytest.approx(expected)


def test_categorical_mean_is_a_softmax_per_group():
    units = CategoricalUnits([np.arange(3), np.arange(2)])
    P = units.mean(np.random.default_rng(0).normal(size=(4, 5)))
    np.testing.assert_allclose(P[:, :3].sum(axis=1), 1.0)
    np.testing.assert_allclose(P[:, 3:].sum(axis=1), 1.0)


def test_categorical_sample_is_one_hot_per_group_with_the_given_frequencies():
    units = CategoricalUnits([np.arange(3)])
    P = np.tile([[0.2, 0.5, 0.3]], (20000, 1))
    V = units.sample(P, np.random.default_rng(0))
    assert np.all(V.sum(axis=1) == 1)
    np.testing.assert_allclose(V.mean(axis=0), [0.2, 0.5, 0.3], atol=0.015)


def test_categorical_encode_decode_round_trip_and_unknown_values():
    units = CategoricalUnits([np.array([1, 5]), np.array([-1, 0, 7])])
    X = np.array([[5, 7], [1, -1], [1, 0]])
    V = units.encode(X)
    assert V.shape == (3, 5) and np.all(V.sum(axis=1) == 2)
    np.testing.assert_array_equal(units.decode(V), X)
    with pytest.raises(ValueError, match=r"unknown categories \[3\] in column 1"):
        units.encode(np.array([[5, 3]]))
    ignored = units.encode(np.array([[5, 3]]), handle_unknown="ignore")
    np.testing.assert_array_equal(ignored, [[0, 1, 0, 0, 0]])


def test_initial_parameters_are_the_independent_model_of_the_marginals():
    X = np.array([[0, 1], [0, 0], [1, 1], [0, 1]], dtype=float)
    bern = BernoulliUnits().initial_parameters(X)["bias"]
    np.testing.assert_allclose(1 / (1 + np.exp(-bern)), [0.25, 0.75])
    units = CategoricalUnits([np.arange(2), np.arange(2)])
    cat = units.initial_parameters(units.encode(X))["bias"]
    np.testing.assert_allclose(np.exp(cat), [0.75, 0.25, 0.25, 0.75])
    gauss = GaussianUnits().initial_parameters(X, precision="auto", min_variance=1e-3)
    np.testing.assert_allclose(gauss["precision"], 1 / X.var(axis=0))
    np.testing.assert_allclose(gauss["bias"], X.mean(axis=0))


def test_support_checks_warn_with_the_fix():
    with pytest.warns(OutOfSupportWarning, match="MinMaxScaler"):
        BernoulliUnits().check_support(np.array([[0.0, 3.0]]), "Model")
    wide = np.random.default_rng(0).normal(0, 10, (50, 2))
    with pytest.warns(OutOfSupportWarning, match="StandardScaler"):
        GaussianUnits().check_support(wide, "Model", precision=np.ones(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GaussianUnits().check_support(wide / 10, "Model", precision=np.ones(2))


def test_gaussian_standardisation_round_trips():
    rng = np.random.default_rng(0)
    W, b, c = _small_rbm(3, 4, seed=2)
    beta, mean, std = rng.uniform(0.5, 2, 4), rng.normal(size=4), rng.uniform(0.5, 3, 4)
    back = GaussianUnits.unstandardize(*GaussianUnits.standardize(W, b, c, beta, mean, std),
                                       mean, std)
    for got, want in zip(back, (W, b, c, beta)):
        np.testing.assert_allclose(got, want)


def test_every_unit_type_follows_the_protocol():
    for cls in UNIT_TYPES.values():
        assert issubclass(cls, UnitType)
        for method in ("mean", "sample", "free_energy", "log_conditional",
                       "log_conditional_table", "log_partition", "initial_parameters", "gibbs",
                       "train_epoch"):
            assert getattr(cls, method) is not getattr(UnitType, method, None), (cls, method)


# ---------------------------------------------------------------------------
# what the DBN asks of its data layer (issue 12: no unit-type branch in DBN code)

_PRECISION = np.array([0.5, 2.0, 1.0, 3.0, 0.7])
_LAYERS = [
    (BernoulliUnits(), {}, lambda rng, n: (rng.random((n, 5)) < 0.5).astype(float)),
    (GaussianUnits(), {"precision": _PRECISION}, lambda rng, n: rng.normal(size=(n, 5))),
    (CategoricalUnits([np.arange(2), np.arange(3)]), {},
     lambda rng, n: CategoricalUnits([np.arange(2), np.arange(3)]).encode(
         np.stack([rng.integers(0, 2, n), rng.integers(0, 3, n)], axis=1))),
]


@pytest.mark.parametrize("units, params, draw", _LAYERS, ids=["bernoulli", "gaussian", "categorical"])
def test_log_conditional_table_holds_every_pair_of_rows(units, params, draw):
    rng = np.random.default_rng(0)
    V, A = draw(rng, 6), rng.normal(size=(4, 5))
    table = units.log_conditional_table(V, A, **params)
    assert table.shape == (6, 4) and table.dtype == np.float64
    for j in range(4):
        column = units.log_conditional(V, np.repeat(A[j : j + 1], 6, axis=0), **params)
        np.testing.assert_allclose(table[:, j], column, rtol=1e-12, atol=1e-12)
    # the protocol's default (one log_conditional per activation) agrees
    np.testing.assert_allclose(UnitType.log_conditional_table(units, V, A, **params), table,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("units, params, draw", _LAYERS, ids=["bernoulli", "gaussian", "categorical"])
def test_recognition_weights_fold_the_statistic(units, params, draw):
    rng = np.random.default_rng(1)
    V, W = draw(rng, 6), rng.normal(size=(3, 5))
    R = units.recognition_weights(W, **params)
    np.testing.assert_allclose(V @ R, units.statistics(V, **params) @ W.T, rtol=1e-12)


class _PlusMinusOneUnits(UnitType):
    """Binary units with values {-1, +1}: a unit type the DBN code never
    heard of, given only the protocol's mean, sample and log_conditional."""

    name = "plus_minus_one"

    def mean(self, activation):
        return np.tanh(activation)

    def sample(self, mean, rng):
        return np.where(rng.random(mean.shape) < (1 + mean) / 2, 1.0, -1.0)

    def log_conditional(self, values, activation):
        # p(u | a) = exp(u a) / (2 cosh a)
        return np.sum(values * activation - np.logaddexp(activation, -activation), axis=1)


def test_dbn_math_takes_a_new_unit_type_through_the_protocol():
    from skgenerative import DBN
    from skgenerative.boltzmann._dbn_math import (
        _enumerated_log_weights,
        _log_joint_unnormalized,
        _sample_down,
    )

    X = (np.random.default_rng(0).random((80, 5)) < 0.4).astype(float)
    dbn = DBN((3, 2), max_iter=2, random_state=0).fit(X)
    units = _PlusMinusOneUnits()
    V = 2 * X[:6] - 1
    # the enumerated p*(v, h) agrees with the per-state joint of the same unit type
    _, log_p = _enumerated_log_weights(
        V, [3], dbn._recognition(), dbn._generative(), dbn.top_rbm_, units, {}
    )
    H = np.array(list(itertools.product([0.0, 1.0], repeat=3)))[:, ::-1]  # unit 0 fastest
    for i in range(len(V)):
        states = [np.repeat(V[i : i + 1], len(H), axis=0), H]
        expected = _log_joint_unnormalized(states, *dbn._generative(), dbn.top_rbm_, units, {})
        np.testing.assert_allclose(log_p[i], expected, rtol=1e-10)
    # ancestral samples take the unit type's values
    states = _sample_down(np.ones((50, 3)), *dbn._generative(), np.random.default_rng(0),
                          data_units=units)
    assert set(np.unique(states[0])) == {-1.0, 1.0}
    means = _sample_down(np.ones((2, 3)), *dbn._generative(), np.random.default_rng(0), True,
                         units)[0]
    assert np.all(np.abs(means) < 1)
