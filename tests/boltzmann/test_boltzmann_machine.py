"""The general Boltzmann machine (§20.1, eqs. 20.1-20.3)."""

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from skgenerative import BoltzmannMachine
from skgenerative.boltzmann._boltzmann_machine import connectivity_mask
from skgenerative.boltzmann._kernels._boltzmann_machine import (
    _ais_bm,
    _gibbs_sweeps_bm,
    _log_sum_bm,
    _mean_field_bm,
    _sml_epoch_bm,
)
from skgenerative.boltzmann._kernels._hyper import epoch_hyper
from skgenerative.exceptions import PartitionFunctionError

from tests.boltzmann import _reference as ref
from tests.boltzmann import _reference_methods as rm


def _random_bm(n_visible, n_hidden, connectivity="full", scale=0.7, seed=0):
    rng = np.random.default_rng(seed)
    mask = connectivity_mask(connectivity, n_visible, n_hidden)
    upper = np.triu(rng.normal(0, scale, mask.shape), 1)
    U = (upper + upper.T) * mask
    b = rng.normal(0, scale, n_visible + n_hidden)
    return U, b, mask


def _with_params(model, U, b):
    model.coupling_ = U.copy()
    model.intercept_ = b.copy()
    model.connectivity_ = U != 0
    model._forget_log_partition()
    return model


def _fitted(n_visible, n_hidden, connectivity="full", **kwargs):
    X = ref.all_binary_states(n_visible)[::3]
    return BoltzmannMachine(
        n_hidden, connectivity=connectivity, max_iter=1, random_state=0, **kwargs
    ).fit(X)


# ------------------------------------------------------- kernels and twins


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gibbs_and_mean_field_kernels_match_numpy_twins(dtype):
    U, b, _ = _random_bm(4, 3)
    U, b = U.astype(dtype), b.astype(dtype)
    X0 = (np.random.default_rng(1).random((6, 7)) < 0.5).astype(dtype)
    X1, X2 = X0.copy(), X0.astype(np.float64)
    _gibbs_sweeps_bm(X1, U, b, 2, 5, np.random.default_rng(3))
    rm.gibbs_sweeps_bm(X2, U.astype(np.float64), b.astype(np.float64), 2, 5,
                       np.random.default_rng(3))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(X1[:, :2], X0[:, :2])  # clamped units
    M1, M2 = X0.copy(), X0.astype(np.float64)
    M1[:, 4:] = M2[:, 4:] = 0.5
    _mean_field_bm(M1, U, b, 4, 50)
    rm.mean_field_bm(M2, U.astype(np.float64), b.astype(np.float64), 4, 50)
    np.testing.assert_allclose(M1, M2, atol=1e-6 if dtype == np.float32 else 1e-12)
    # a fixed point: every free unit is the sigmoid of its input
    inputs = b.astype(np.float64) + M2 @ U.T.astype(np.float64)
    np.testing.assert_allclose(M2[:, 4:], expit(inputs[:, 4:]), atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sml_epoch_kernel_matches_numpy_twin(dtype):
    U, b, mask = _random_bm(5, 3, "full", scale=0.3)
    X = (np.random.default_rng(1).random((17, 5)) < 0.4).astype(dtype)
    rows = np.random.default_rng(2).permutation(17)
    bounds = (np.arange(5) * 17) // 4
    chains = (np.random.default_rng(3).random((6, 8)) < 0.5).astype(dtype)
    hyper = epoch_hyper(0.05, l2=1e-2, n_gibbs_steps=2)
    p1 = (U.astype(dtype), b.astype(dtype))
    c1 = chains.copy()
    _sml_epoch_bm(X, rows, bounds, p1, c1, mask, hyper, 10, np.random.default_rng(4))
    p2 = (U.copy(), b.copy())
    c2 = chains.astype(np.float64)
    rm.sml_epoch_bm(X.astype(np.float64), rows, bounds, p2, c2, mask, hyper, 10,
                    np.random.default_rng(4))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for got, want in zip(p1, p2):
        np.testing.assert_allclose(got, want, atol=tol)
    np.testing.assert_array_equal(c1, c2)
    np.testing.assert_array_equal(p1[0], p1[0].T)
    assert np.all(p1[0][~mask] == 0)


def test_ais_kernel_matches_numpy_twin():
    U, b, _ = _random_bm(3, 2)
    b0 = np.array([0.3, -0.2, 0.1, 0.0, 0.0])
    X0 = (np.random.default_rng(1).random((4, 5)) < 0.5).astype(float)
    betas = np.linspace(0, 1, 7)
    X1, log_w = X0.copy(), np.zeros(4)
    _ais_bm(X1, U, b, b0, betas, np.random.default_rng(2), log_w)
    X2 = X0.copy()
    expected = rm.ais_bm(X2, U, b, b0, betas, np.random.default_rng(2))
    np.testing.assert_allclose(log_w, expected, atol=1e-12)
    np.testing.assert_array_equal(X1, X2)


@pytest.mark.parametrize("connectivity, n_enum", [("full", 7), ("semi-restricted", 4)])
def test_log_partition_enumeration_matches_brute_force(connectivity, n_enum):
    U, b, _ = _random_bm(4, 3, connectivity)
    expected = rm.bm_log_partition_brute_force(U, b)
    assert abs(_log_sum_bm(U, b, n_enum) - expected) < 1e-10


# ------------------------------------------------------------- exactness


@pytest.mark.parametrize(
    "n_hidden, connectivity", [(3, "full"), (3, "semi-restricted"), (2, "restricted"), (0, "full")]
)
def test_score_samples_is_exact_log_likelihood_and_normalised(n_hidden, connectivity):
    U, b, _ = _random_bm(5, n_hidden, connectivity)
    model = _with_params(_fitted(5, n_hidden, connectivity), U, b)
    states = ref.all_binary_states(5)
    log_p = model.score_samples(states)
    np.testing.assert_allclose(np.exp(log_p), rm.bm_visible_distribution(U, b, 5), atol=1e-12)
    assert abs(logsumexp(log_p)) < 1e-10
    assert model.score_kind_ == "exact"


def test_exact_gradient_reference_matches_finite_differences():
    U, b, mask = _random_bm(3, 2, scale=0.5)
    V = ref.all_binary_states(3)[[1, 4, 6, 7]]

    def mean_ll(U, b):
        p = rm.bm_visible_distribution(U, b, 3)
        codes = (V @ [4, 2, 1]).astype(int)
        return np.log(p[codes]).mean()

    gU, gb = rm.bm_exact_gradient(V, U, b)
    eps = 1e-6
    for i, j in [(0, 1), (0, 4), (3, 4), (2, 3)]:
        dU = np.zeros_like(U)
        dU[i, j] = dU[j, i] = eps
        fd = (mean_ll(U + dU, b) - mean_ll(U - dU, b)) / (2 * eps)
        assert abs(fd - gU[i, j]) < 1e-7
    for i in range(5):
        db = np.zeros_like(b)
        db[i] = eps
        assert abs((mean_ll(U, b + db) - mean_ll(U, b - db)) / (2 * eps) - gb[i]) < 1e-7


@pytest.mark.parametrize("n_hidden, connectivity", [(2, "semi-restricted"), (0, "full")])
def test_sml_update_estimates_the_exact_gradient(n_hidden, connectivity):
    """With the positive phase exact (no hidden-hidden couplings) and many
    equilibrated chains, one SML step divided by the learning rate is the
    exact likelihood gradient up to Monte Carlo error."""
    n_visible, d = 4, 4 + n_hidden
    U, b, mask = _random_bm(n_visible, n_hidden, connectivity, scale=0.5)
    V = ref.all_binary_states(n_visible)[[1, 3, 6, 9, 12, 15]]
    chains = np.zeros((20000, d))
    _gibbs_sweeps_bm(chains, U, b, 0, 100, np.random.default_rng(0))
    lr = 1e-3
    params = (U.copy(), b.copy())
    hyper = epoch_hyper(lr, n_gibbs_steps=1)
    _sml_epoch_bm(V, np.arange(len(V)), np.array([0, len(V)]), params, chains, mask, hyper,
                  50, np.random.default_rng(1))
    gU, gb = rm.bm_exact_gradient(V, U, b)
    np.testing.assert_allclose((params[0] - U) / lr, np.where(mask, gU, 0), atol=0.025)
    np.testing.assert_allclose((params[1] - b) / lr, gb, atol=0.025)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sampler_matches_exact_distribution(dtype):
    U, b, _ = _random_bm(5, 3, "full")
    model = _with_params(_fitted(5, 3, dtype=dtype), U.astype(dtype), b.astype(dtype))
    samples = model.sample(8000, n_steps=30, random_state=0)
    codes = (samples @ (2 ** np.arange(4, -1, -1))).astype(int)
    empirical = np.bincount(codes, minlength=32) / len(samples)
    tv = 0.5 * np.abs(empirical - rm.bm_visible_distribution(U, b, 5)).sum()
    assert tv < 0.04, tv


def test_fully_visible_machine_recovers_ising_pairwise_statistics():
    """Data drawn exactly from a known 6-unit Ising model: the fitted fully
    visible machine's (exact) pairwise moments match the data's."""
    U, b, _ = _random_bm(6, 0, scale=1.0, seed=3)
    states = ref.all_binary_states(6)
    log_q = rm.bm_log_unnormalized(states, U, b)
    p = np.exp(log_q - logsumexp(log_q))
    X = states[np.random.default_rng(0).choice(64, 3000, p=p)]
    model = BoltzmannMachine(0, learning_rate=0.05, max_iter=40, n_chains=100,
                             random_state=0).fit(X)
    log_q_fit = rm.bm_log_unnormalized(states, model.coupling_, model.intercept_)
    p_fit = np.exp(log_q_fit - logsumexp(log_q_fit))
    moments_fit = (states * p_fit[:, None]).T @ states
    moments_data = X.T @ X / len(X)
    error = np.abs(moments_fit - moments_data).max()
    assert error < 0.03, error
    # and its exact likelihood of the data is that of the true model (-2.2149;
    # the fit reaches -2.2166): couplings between rarely co-active units stay
    # weakly determined by 3000 rows, so they are not compared one by one
    true_ll = np.mean(rm.bm_log_unnormalized(X, U, b) - logsumexp(log_q))
    assert model.score(X) > true_ll - 0.01, (model.score(X), true_ll)


def test_ais_estimate_brackets_exact_log_partition():
    U, b, _ = _random_bm(8, 2, "full", scale=0.5)
    model = _with_params(_fitted(8, 2), U, b)
    exact = model.log_partition_
    model.set_params(log_z="ais", ais_n_runs=50, ais_n_temperatures=1000)
    assert model.score_kind_ == "estimate"
    low, high = model.log_partition_ci_
    assert low - 0.05 <= exact <= high + 0.05, (low, exact, high)
    assert abs(model.log_partition_ - exact) < 0.1


def test_transform_is_exact_posterior_without_hidden_couplings():
    U, b, _ = _random_bm(4, 3, "semi-restricted")
    model = _with_params(_fitted(4, 3, "semi-restricted"), U, b)
    V = ref.all_binary_states(4)
    np.testing.assert_allclose(model.transform(V), expit(b[4:] + V @ U[:4, 4:]), atol=1e-12)


# ---------------------------------------------------------------- learning


@pytest.mark.parametrize("connectivity", ["semi-restricted", "full"])
def test_machine_beats_independent_model_on_digit_pixels(binary_digits, connectivity):
    X_train, X_test = binary_digits
    X_train, X_test = X_train[:, 20:30], X_test[:, 20:30]
    p = np.clip(X_train.mean(0), 1e-3, 1 - 1e-3)
    independent = (X_test * np.log(p) + (1 - X_test) * np.log(1 - p)).sum(1).mean()
    model = BoltzmannMachine(4, connectivity=connectivity, learning_rate=0.05, max_iter=10,
                             random_state=0).fit(X_train)
    # exact held-out log-likelihoods: about -4.1 against -4.53 for the independent model
    assert model.score(X_test) > independent + 0.3, (model.score(X_test), independent)


# ------------------------------------------------------------ validation


def test_connectivity_masks_and_errors():
    mask = connectivity_mask("semi-restricted", 2, 2)
    assert mask[0, 1] and mask[0, 2] and not mask[2, 3] and not mask.diagonal().any()
    X = ref.all_binary_states(3)
    custom = np.ones((5, 5), int)
    custom[3, 4] = custom[4, 3] = 0
    model = BoltzmannMachine(2, connectivity=custom, max_iter=1, random_state=0).fit(X)
    assert not model.connectivity_[3, 4] and model.coupling_[3, 4] == 0
    with pytest.raises(ValueError, match="shape"):
        BoltzmannMachine(2, connectivity=np.ones((4, 4))).fit(X)
    asymmetric = np.triu(np.ones((5, 5)))
    with pytest.raises(ValueError, match="symmetric"):
        BoltzmannMachine(2, connectivity=asymmetric).fit(X)


def test_coupled_hidden_units_beyond_exact_limit_raise_instead_of_guessing():
    model = _fitted(3, 3, exact_limit=2)
    with pytest.raises(PartitionFunctionError, match="hidden states"):
        model.score_samples(ref.all_binary_states(3))
