"""BernoulliRBM's training methods beyond CD/PCD: parallel tempering, ratio
matching and pseudo-likelihood (§20.2, chapter 18)."""

import numpy as np
import pytest
import scipy.sparse as sp

from skgenerative import BernoulliRBM
from skgenerative.boltzmann._kernels._flip_objectives import (
    PSEUDO_LIKELIHOOD,
    RATIO_MATCHING,
    _flip_epoch_bernoulli,
    _flip_objective_gradient,
)
from skgenerative.boltzmann._kernels._gibbs import _gibbs_bernoulli
from skgenerative.boltzmann._kernels._hyper import epoch_hyper
from skgenerative.boltzmann._kernels._tempering import (
    _pt_epoch_bernoulli,
    _tempered_gibbs_bernoulli,
)
from skgenerative.boltzmann._rbm_methods import temperature_ladder

from tests.boltzmann import _reference as ref
from tests.boltzmann import _reference_methods as rm

OBJECTIVES = [RATIO_MATCHING, PSEUDO_LIKELIHOOD]


def _random_rbm(n_visible, n_hidden, scale=0.5, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(0, scale, (n_hidden, n_visible)),
        rng.normal(0, scale, n_visible),
        rng.normal(0, scale, n_hidden),
    )


def _tiny_data(n=23, n_visible=7, seed=1):
    rng = np.random.default_rng(seed)
    return (rng.random((n, n_visible)) < 0.4).astype(np.float64)


def _batches(n, n_batches, seed=2):
    return np.random.default_rng(seed).permutation(n), (np.arange(n_batches + 1) * n) // n_batches


# ------------------------------------------------------ objectives' gradients


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_objective_gradient_matches_finite_differences(objective):
    X = _tiny_data()
    params = _random_rbm(7, 4)
    analytic = rm.flip_gradient(X, *params, objective)
    eps = 1e-6
    for which, grad in enumerate(analytic):
        for index in np.ndindex(grad.shape):
            up = [p.copy() for p in params]
            down = [p.copy() for p in params]
            up[which][index] += eps
            down[which][index] -= eps
            fd = (rm.flip_loss(X, *up, objective) - rm.flip_loss(X, *down, objective)) / (2 * eps)
            assert abs(fd - grad[index]) < 1e-7, (which, index, fd, grad[index])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_objective_gradient_kernel_matches_numpy_twin(objective, dtype):
    X = _tiny_data().astype(dtype)
    params = tuple(p.astype(dtype) for p in _random_rbm(7, 4))
    grads = tuple(np.empty(p.shape) for p in params)
    loss = _flip_objective_gradient(X, params, objective, grads)
    p64 = [p.astype(np.float64) for p in params]
    tol = 1e-12 if dtype == np.float64 else 1e-5
    assert abs(loss - rm.flip_loss(X.astype(np.float64), *p64, objective)) < tol * 10
    for got, expected in zip(grads, rm.flip_gradient(X.astype(np.float64), *p64, objective)):
        np.testing.assert_allclose(got, expected, atol=tol)


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("momentum, l2, l1", [(0.0, 0.0, 0.0), (0.5, 1e-2, 1e-3)])
def test_objective_epoch_kernel_matches_numpy_twin(objective, momentum, l2, l1):
    X = _tiny_data()
    rows, bounds = _batches(len(X), 5)
    hyper = epoch_hyper(0.1, momentum=momentum, l2=l2, l1=l1)
    W, b, c = _random_rbm(7, 4)
    states = [((W.copy(), b.copy(), c.copy()), (0 * W, 0 * b, 0 * c)) for _ in range(2)]
    loss = _flip_epoch_bernoulli(X, rows, bounds, *states[0], hyper, objective)
    expected = rm.flip_epoch(X, rows, bounds, *states[1], hyper, objective)
    assert abs(loss - expected) < 1e-12
    for got, want in zip(states[0][0], states[1][0]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)


# --------------------------------------------------------- parallel tempering


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k, momentum, l2", [(1, 0.0, 0.0), (3, 0.5, 1e-2)])
def test_pt_epoch_kernel_matches_numpy_twin(k, momentum, l2, dtype):
    X = _tiny_data().astype(dtype)
    rows, bounds = _batches(len(X), 5)
    hyper = epoch_hyper(0.1, momentum=momentum, l2=l2, n_gibbs_steps=k)
    params = tuple(p.astype(dtype) for p in _random_rbm(7, 4))
    betas = temperature_ladder(4, dtype)
    chains = (np.random.default_rng(3).random((4 * 3, 4)) < 0.5).astype(dtype)

    def state():
        return tuple(p.copy() for p in params), tuple(0 * p for p in params), chains.copy()

    p1, v1, ch1 = state()
    swaps1 = np.zeros((2, 3))
    offsets = (np.zeros(7, dtype), np.zeros(4, dtype))
    _pt_epoch_bernoulli(X, rows, bounds, p1, v1, offsets, (ch1, betas), hyper,
                        np.random.default_rng(5), swaps1)
    p2, v2, ch2 = state()
    swaps2 = np.zeros((2, 3))
    rm.pt_epoch(X, rows, bounds, p2, v2, (ch2, betas), hyper, np.random.default_rng(5), swaps2)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for got, want in zip(p1, p2):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    np.testing.assert_array_equal(ch1, ch2)
    np.testing.assert_array_equal(swaps1, swaps2)
    assert np.all(swaps1[1] == 5 * k * 3) and np.all(swaps1[0] > 0)


def _bimodal_rbm():
    """Six visibles, one hidden unit: modes near all-zeros and all-ones of
    equal mass; a Gibbs move between them needs three visibles on at once
    against sigmoid(-3) each (about 1e-3 per sweep)."""
    n_visible = 6
    W = np.full((1, n_visible), 6.0)
    b = np.full(n_visible, -3.0)
    c = np.array([-18.0])
    return W, b, c


def _total_variation(samples, W, b, c):
    states = ref.all_binary_states(W.shape[1])
    exact = np.exp(ref.rbm_log_marginal_brute_force(states, W, b, c))
    codes = samples @ (2 ** np.arange(W.shape[1] - 1, -1, -1))
    empirical = np.bincount(codes.astype(int), minlength=len(states)) / len(samples)
    return 0.5 * np.abs(empirical - exact).sum()


def test_pt_samples_bimodal_rbm_exactly_where_gibbs_mixes_badly():
    W, b, c = _bimodal_rbm()
    n_chains, n_steps, n_temperatures = 3000, 60, 8
    betas = temperature_ladder(n_temperatures)
    # every chain starts in the all-zeros mode (h = 0 at every temperature)
    H = np.zeros((n_temperatures * n_chains, 1))
    V = np.empty((len(H), W.shape[1]))
    A = np.empty((len(H), 1))
    swaps = np.zeros((2, n_temperatures - 1))
    _tempered_gibbs_bernoulli(H, V, A, (W, b, c), betas, n_steps, np.random.default_rng(0), swaps)
    tv_pt = _total_variation(V[:n_chains], W, b, c)
    V_gibbs = np.zeros((n_chains, W.shape[1]))
    _gibbs_bernoulli(V_gibbs, W, b, c, n_steps, np.random.default_rng(0), np.empty((n_chains, 1)))
    tv_gibbs = _total_variation(V_gibbs, W, b, c)
    print(f"TV to the exact distribution: PT {tv_pt:.3f}, Gibbs {tv_gibbs:.3f}")
    assert tv_pt < 0.05, tv_pt
    assert tv_gibbs > 0.4, tv_gibbs
    assert np.all(swaps[0] / swaps[1] > 0.05)


# ------------------------------------------------------------- the estimator


def _tiny_training_set():
    """300 noisy copies (10 % of the bits flipped) of three 8-bit prototypes:
    far from independent (the independent model scores about -5.1 nats)."""
    rng = np.random.default_rng(0)
    prototypes = np.array(
        [[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1], [1, 0, 1, 0, 1, 0, 1, 0]], float
    )
    X = prototypes[rng.integers(0, 3, 300)]
    return np.abs(X - (rng.random(X.shape) < 0.1))


@pytest.mark.parametrize("method", ["pt", "ratio_matching", "pseudo_likelihood"])
def test_each_method_raises_the_exact_likelihood(method):
    X = _tiny_training_set()
    params = dict(n_components=4, method=method, learning_rate=0.1, random_state=0)
    before = BernoulliRBM(n_iter=0, **params).fit(X).score(X)
    model = BernoulliRBM(n_iter=30, **params).fit(X)
    assert model.score_kind_ == "exact"
    after = model.score(X)
    # exact mean log-likelihoods: about -5.14 before; -4.26 (PT), -4.12 (RM),
    # -3.84 (PL) after; PCD at the same settings reaches -4.17
    assert after > before + 0.7, (before, after)


def test_pt_reports_swap_acceptance_and_keeps_temperature_one_chains(capsys):
    X = _tiny_training_set()
    model = BernoulliRBM(
        n_components=4, method="pt", n_temperatures=5, n_chains=7, n_iter=2,
        random_state=0, verbose=1,
    ).fit(X)
    assert model.swap_acceptance_.shape == (4,)
    assert np.all((model.swap_acceptance_ > 0) & (model.swap_acceptance_ <= 1))
    assert model._tempered_chains.shape == (35, 4)
    np.testing.assert_array_equal(model.h_samples_, model._tempered_chains[:7])
    assert "swap acceptance" in capsys.readouterr().out
    # a warm start with another ladder restarts it from the persistent chains
    model.set_params(n_temperatures=3, warm_start=True).fit(X)
    assert model._tempered_chains.shape == (21, 4)


@pytest.mark.parametrize("method", ["pt", "pseudo_likelihood"])
def test_new_methods_give_identical_models_on_sparse_input(method):
    # 256 rows: the initial visible biases (logits of the column means, which
    # sparse input computes in another order) are then equal bit for bit
    X = _tiny_training_set()[:256]
    params = dict(n_components=4, method=method, n_iter=2, random_state=0)
    dense = BernoulliRBM(**params).fit(X)
    sparse = BernoulliRBM(**params).fit(sp.csr_matrix(X))
    np.testing.assert_array_equal(dense.components_, sparse.components_)


def test_objective_methods_reject_centering_and_verbose_prints_loss(capsys):
    X = _tiny_training_set()
    with pytest.raises(ValueError, match="centering"):
        BernoulliRBM(method="ratio_matching", centering=True).fit(X)
    BernoulliRBM(n_components=3, method="ratio_matching", n_iter=1, verbose=1).fit(X)
    assert "ratio-matching loss" in capsys.readouterr().out
    BernoulliRBM(n_components=3, method="pseudo_likelihood", n_iter=1, verbose=1).fit(X)
    assert "training pseudo-likelihood" in capsys.readouterr().out
