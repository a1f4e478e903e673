"""CategoricalRBM: exactness on tiny models, kernels vs twins, learning."""

import pickle

import numpy as np
import pytest
from scipy.special import expit, logsumexp
from sklearn.datasets import load_digits

from skgenerative import CategoricalRBM
from skgenerative.boltzmann._kernels import _categorical as ck
from skgenerative.exceptions import OutOfSupportWarning, PartitionFunctionError

from tests.boltzmann import _reference as ref

SIZES = (2, 3, 2)
OFFSETS = np.array([0, 2, 5, 7], dtype=np.int64)


def _random_params(n_hidden, sizes, seed, scale=0.8):
    rng = np.random.default_rng(seed)
    width = sum(sizes)
    return (rng.normal(0, scale, (n_hidden, width)), rng.normal(0, 0.5, width),
            rng.normal(0, 0.5, n_hidden))


def _tiny_model(seed=0, n_hidden=3):
    """A fitted CategoricalRBM on features of sizes SIZES, then given random
    parameters (so that the tests do not depend on what training learned)."""
    X = ref.categorical_states(SIZES)
    model = CategoricalRBM(n_components=n_hidden, max_iter=1, random_state=0).fit(X)
    W, b, c = _random_params(n_hidden, SIZES, seed)
    model.components_[...] = W
    model.intercept_visible_[...] = b
    model.intercept_hidden_[...] = c
    model._forget_log_partition()
    return model


def _one_hot_data(n, seed):
    rng = np.random.default_rng(seed)
    codes = np.stack([rng.integers(0, s, n) for s in SIZES], axis=1)
    return ref.one_hot(codes, SIZES)


# ------------------------------------------------------------ exactness
def test_probabilities_of_every_state_sum_to_one():
    model = _tiny_model()
    states = ref.categorical_states(SIZES)
    assert np.exp(model.score_samples(states)).sum() == pytest.approx(1.0, abs=1e-10)


def test_log_partition_matches_brute_force_over_the_joint_space():
    model = _tiny_model(seed=3, n_hidden=4)
    expected = ref.categorical_rbm_log_partition_brute_force(
        model.components_, model.intercept_visible_, model.intercept_hidden_, SIZES)
    assert model.log_partition_ == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("n_hidden", [1, 7])
def test_enumeration_kernel_matches_brute_force_in_blocks(n_hidden):
    # 7 hidden units run in 64 blocks of Gray-code states
    W, b, c = _random_params(n_hidden, SIZES, seed=n_hidden)
    got = ck._log_partition_enum_categorical(W, b, c, OFFSETS, 64 if n_hidden >= 6 else 1)
    assert got == pytest.approx(ref.categorical_rbm_log_partition_brute_force(W, b, c, SIZES),
                                rel=1e-12)


def test_gibbs_sampler_matches_the_exact_distribution():
    model = _tiny_model(seed=1)
    states = ref.categorical_states(SIZES)
    exact = np.exp(model.score_samples(states))
    samples = model.sample(6000, n_steps=30, random_state=0)
    index = np.ravel_multi_index(samples.T, SIZES)
    empirical = np.bincount(index, minlength=len(states)) / len(samples)
    # 12 states, 6000 independent chains: sampling noise alone gives TV ~ 0.02
    assert 0.5 * np.abs(empirical - exact).sum() < 0.04


def test_exact_gradient_matches_finite_differences_of_the_log_likelihood():
    model = _tiny_model(seed=2)
    X = np.array([[0, 1, 1], [1, 2, 0], [0, 0, 0], [1, 2, 1]])
    V = ref.one_hot(X, SIZES)
    params = (model.components_, model.intercept_visible_, model.intercept_hidden_)
    grads = ref.categorical_rbm_exact_gradient(V, *params, SIZES)
    eps = 1e-6
    for param, grad in zip(params, grads):
        for index in [(0,) * param.ndim, tuple(s - 1 for s in param.shape)]:
            saved = param[index]
            param[index] = saved + eps
            model._forget_log_partition()
            up = model.score(X)
            param[index] = saved - eps
            model._forget_log_partition()
            down = model.score(X)
            param[index] = saved
            assert (up - down) / (2 * eps) == pytest.approx(grad[index], abs=1e-7)


def test_pcd_update_from_exact_chains_estimates_the_exact_gradient():
    # chains drawn from the exact hidden marginal make the PCD negative phase
    # an unbiased estimate of the model expectation
    W, b, c = _random_params(3, SIZES, seed=4, scale=0.5)
    H = ref.all_binary_states(3)
    log_ph = H @ c + sum(
        logsumexp((H @ W + b)[:, lo:hi], axis=1) for lo, hi in zip(OFFSETS[:-1], OFFSETS[1:])
    )
    p_h = np.exp(log_ph - logsumexp(log_ph))
    rng = np.random.default_rng(0)
    n_chains = 40000
    chains = H[rng.choice(len(H), n_chains, p=p_h)]
    V = _one_hot_data(30, seed=5)
    lr = 1e-3
    W1, b1, c1 = W.copy(), b.copy(), c.copy()
    velocity = tuple(np.zeros_like(p) for p in (W, b, c))
    hyper = ck.SGDHyper(lr, 0.0, 0.0, 0.0, 1, True)
    bounds = np.array([0, len(V)], dtype=np.int64)
    ck._sgd_epoch_categorical(V, np.arange(len(V)), bounds, (W1, b1, c1), velocity,
                              chains, OFFSETS, hyper, np.random.default_rng(1))
    grads = ref.categorical_rbm_exact_gradient(V, W, b, c, SIZES)
    for new, old, grad in zip((W1, b1, c1), (W, b, c), grads):
        np.testing.assert_allclose((new - old) / lr, grad, atol=0.02)


# ------------------------------------------------------------ kernels vs twins
@pytest.mark.parametrize("persistent, k, momentum, l2, l1",
                         [(True, 1, 0.0, 0.0, 0.0), (True, 2, 0.5, 1e-3, 0.0),
                          (False, 1, 0.0, 0.0, 1e-3), (False, 3, 0.9, 0.0, 0.0)])
def test_sgd_epoch_kernel_agrees_with_twin(persistent, k, momentum, l2, l1):
    V = _one_hot_data(23, seed=0)
    rows = np.random.default_rng(1).permutation(len(V))
    bounds = np.array([0, 8, 16, 23], dtype=np.int64)
    hyper = ck.SGDHyper(0.1, momentum, l2, l1, k, persistent)
    results = []
    for epoch in (ck._sgd_epoch_categorical, ref.sgd_epoch_categorical):
        params = _random_params(4, SIZES, seed=2)
        velocity = tuple(np.zeros_like(p) for p in params)
        chains = (np.random.default_rng(3).random((5, 4)) < 0.5).astype(float)
        epoch(V, rows, bounds, params, velocity, chains, OFFSETS, hyper,
              np.random.default_rng(7))
        results.append(params + velocity + (chains,))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_gibbs_kernel_agrees_with_twin():
    W, b, c = _random_params(4, SIZES, seed=5)
    V = _one_hot_data(9, seed=6)
    got = V.copy()
    ck._gibbs_categorical(got, W, b, c, OFFSETS, 3, np.random.default_rng(0))
    want = ref.gibbs_categorical(V, W, b, c, OFFSETS, 3, np.random.default_rng(0))
    np.testing.assert_array_equal(got, want)


def test_group_sampler_agrees_with_twin():
    P = ref.softmax_groups(np.random.default_rng(0).normal(size=(50, 7)), OFFSETS)
    got = np.empty_like(P)
    ck._sample_groups_into(P, OFFSETS, np.random.default_rng(1).random((50, 3)), got)
    np.testing.assert_array_equal(got, ref.categorical_sample(P, OFFSETS, np.random.default_rng(1)))


# ------------------------------------------------------------ estimator
def test_sample_returns_the_category_values_with_their_dtype():
    X = np.array([[10, -1], [20, 3], [10, 3], [30, -1]])
    model = CategoricalRBM(n_components=2, max_iter=2, random_state=0).fit(X)
    S = model.sample(20, n_steps=5, random_state=0)
    assert S.dtype == X.dtype and S.shape == (20, 2)
    assert set(S[:, 0]) <= {10, 20, 30} and set(S[:, 1]) <= {-1, 3}
    np.testing.assert_array_equal(model.feature_offsets_, [0, 3, 5])
    assert model.components_.shape == (2, 5)


def test_transform_gives_the_hidden_probabilities():
    model = _tiny_model()
    X = np.array([[1, 2, 0]])
    V = ref.one_hot(X, SIZES)
    np.testing.assert_allclose(model.transform(X),
                               expit(V @ model.components_.T + model.intercept_hidden_))


def test_float32_input_gives_float32_model_and_features():
    X = ref.categorical_states(SIZES).astype(np.float32)
    model = CategoricalRBM(n_components=2, max_iter=2, random_state=0).fit(X)
    assert model.components_.dtype == np.float32
    assert model.transform(X).dtype == np.float32


def test_same_seed_gives_identical_bits():
    X = np.random.default_rng(0).integers(0, 3, (60, 4))
    a, b = (CategoricalRBM(n_components=3, max_iter=3, random_state=1).fit(X) for _ in range(2))
    np.testing.assert_array_equal(a.components_, b.components_)
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    np.testing.assert_array_equal(a.sample(5, random_state=0), b.sample(5, random_state=0))


def test_pickle_round_trip_keeps_scores_and_samples():
    X = np.random.default_rng(0).integers(0, 3, (40, 3))
    model = CategoricalRBM(n_components=3, max_iter=2, random_state=0).fit(X)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.score_samples(X), model.score_samples(X))
    np.testing.assert_array_equal(clone.sample(4), model.sample(4))


def test_unknown_category_raises_or_scores_minus_infinity():
    X = np.array([[0, 1], [1, 0], [1, 1], [0, 0]])
    model = CategoricalRBM(n_components=2, max_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"unknown categories \[5\] in column 1"):
        model.transform([[0, 5]])
    model.set_params(handle_unknown="ignore").fit(X)
    scores = model.score_samples([[0, 5], [0, 1]])
    assert scores[0] == -np.inf and np.isfinite(scores[1])
    assert model.transform([[0, 5]]).shape == (1, 2)


def test_given_categories_allow_values_absent_from_training():
    X = np.array([[0, 1], [1, 0], [1, 1]])
    model = CategoricalRBM(n_components=2, categories=[np.arange(3), np.arange(2)],
                           max_iter=1, random_state=0).fit(X)
    assert np.isfinite(model.score_samples([[2, 0]])).all()
    with pytest.raises(ValueError, match="unknown categories"):
        CategoricalRBM(categories=[np.arange(1), np.arange(2)]).fit(X)
    with pytest.raises(ValueError, match="one array per feature"):
        CategoricalRBM(categories=[np.arange(3)]).fit(X)


def test_failed_partial_fit_leaves_the_model_intact():
    X = np.array([[0, 1], [1, 0], [1, 1], [0, 0]])
    model = CategoricalRBM(n_components=2, random_state=0).partial_fit(X)
    W = model.components_.copy()
    with pytest.raises(ValueError, match="unknown categories"):
        model.partial_fit([[0, 2]])
    np.testing.assert_array_equal(model.components_, W)
    assert model.partial_fit(X).n_iter_ == 2


def test_non_integer_values_warn_with_the_fix():
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.warns(OutOfSupportWarning, match="KBinsDiscretizer"):
        CategoricalRBM(n_components=2, max_iter=1).fit(X)


def test_large_models_estimate_log_z_by_ais_or_take_a_given_value():
    # n_components > exact_limit: "auto" runs AIS (tests/boltzmann/test_categorical_ais.py
    # checks it against enumeration); a number is taken as given
    X = np.random.default_rng(0).integers(0, 2, (20, 3))
    params = dict(n_components=22, max_iter=1, random_state=0)
    model = CategoricalRBM(**params, log_z=-3.0).fit(X)
    assert model.score_kind_ == "estimate"
    np.testing.assert_allclose(model.score_samples(X), -model.free_energy(X) + 3.0)
    model = CategoricalRBM(**params, ais_n_runs=20, ais_n_temperatures=100).fit(X)
    assert model.score_kind_ == "estimate"
    assert model.log_partition_result_.method == "ais"
    result = model.estimate_log_partition(n_runs=20, betas=100, random_state=0)
    assert result.method == "ais" and np.isfinite(result.log_z)
    with pytest.raises(PartitionFunctionError, match="enumerate 2\\*\\*31"):
        CategoricalRBM(n_components=31, max_iter=1, log_z="exact").fit(X).score_samples(X)


# ------------------------------------------------------------ learning
def _independent_log_likelihood(X_train, X_test, n_levels):
    """Held-out log-likelihood of per-feature category frequencies
    (Laplace-smoothed)."""
    total = 0.0
    for f in range(X_train.shape[1]):
        counts = np.bincount(X_train[:, f], minlength=n_levels) + 1.0
        total += np.log(counts / counts.sum())[X_test[:, f]].mean()
    return total


def test_beats_the_independent_model_on_quantised_digits():
    X = np.minimum(load_digits().data.astype(int) // 4, 3)
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(X))
    train, test = X[perm[:1400]], X[perm[1400:]]
    model = CategoricalRBM(n_components=16, categories=[np.arange(4)] * 64,
                           learning_rate=0.05, momentum=0.5, max_iter=20,
                           random_state=0).fit(train)
    baseline = _independent_log_likelihood(train, test, 4)
    # measured: -46.8 against -50.8 nats per digit
    assert model.score(test) > baseline + 3.0
