"""AIS of RBMs with categorical (softmax) visible units: the kernel against
its numpy twin, forward and reverse AIS against exact enumeration, and
CategoricalRBM scoring with an AIS estimate of log Z."""

from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.datasets import load_digits

from skgenerative import CategoricalRBM
from skgenerative.boltzmann._ais._rbm import _rbm_params
from skgenerative.boltzmann._kernels import _ais_categorical
from skgenerative.boltzmann._unit_math import _categorical_log_partition
from skgenerative.evaluation import (
    AISResult,
    ais_log_partition,
    log_partition_sandwich,
    reverse_ais_log_partition,
)

from tests.boltzmann import _reference as ref

SIZES = (2, 3, 4, 2)
OFFSETS = np.concatenate([[0], np.cumsum(SIZES)]).astype(np.int64)


def _random_params(n_hidden, sizes, seed, scale):
    rng = np.random.default_rng(seed)
    width = sum(sizes)
    return (rng.normal(0, scale, (n_hidden, width)), rng.normal(0, scale, width),
            rng.normal(0, scale, n_hidden))


def _random_model(n_hidden, sizes, seed, scale=0.5):
    """A categorical RBM as AIS sees it (fitted attributes only)."""
    W, b, c = _random_params(n_hidden, sizes, seed, scale)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return SimpleNamespace(components_=W, intercept_visible_=b, intercept_hidden_=c,
                           feature_offsets_=offsets,
                           categories_=[np.arange(s) for s in sizes])


def _exact_log_z(model):
    return _categorical_log_partition(model.components_, model.intercept_visible_,
                                      model.intercept_hidden_, model.feature_offsets_)


def _exact_samples(model, n, rng):
    """Exact samples (category codes) of a small categorical RBM: h from its
    marginal, then each group from its softmax given h."""
    W, b, c = model.components_, model.intercept_visible_, model.intercept_hidden_
    offsets = model.feature_offsets_
    H = ref.all_binary_states(W.shape[0])
    A = b + H @ W
    log_p = H @ c + np.array([
        sum(np.logaddexp.reduce(a[lo:hi]) for lo, hi in zip(offsets[:-1], offsets[1:]))
        for a in A])
    p = np.exp(log_p - np.logaddexp.reduce(log_p))
    h = H[rng.choice(len(H), size=n, p=p)]
    V = ref.categorical_sample(ref.softmax_groups(b + h @ W, offsets), offsets, rng)
    return np.stack([np.argmax(V[:, lo:hi], axis=1)
                     for lo, hi in zip(offsets[:-1], offsets[1:])], axis=1)


@pytest.fixture(scope="module")
def digits_model():
    """14 hidden units trained on digits in 4 levels: 256 one-hot columns."""
    X = np.minimum(load_digits().data // 4, 3).astype(int)
    model = CategoricalRBM(n_components=14, max_iter=5, random_state=0,
                           categories=[np.arange(4)] * 64).fit(X)
    return model


# ---------------------------------------------------------------------------
# the kernel against its numpy twin


def _one_hot_start(n_runs, seed):
    rng = np.random.default_rng(seed)
    codes = np.stack([rng.integers(0, s, n_runs) for s in SIZES], axis=1)
    return ref.one_hot(codes, SIZES)


def _run_kernel(V0, W, b_base, b, c, betas, dtype):
    V = np.array(V0, dtype=dtype)  # a copy: the kernel overwrites its states
    log_w = np.zeros(V.shape[0])
    _ais_categorical(V, W.astype(dtype), np.ascontiguousarray(W.T, dtype=dtype),
                     b_base.astype(dtype), b.astype(dtype), c.astype(dtype), OFFSETS,
                     betas, np.random.default_rng(5), log_w)
    return log_w, V


@pytest.mark.parametrize("n_temps", [2, 3, 40])
def test_categorical_kernel_matches_reference(n_temps):
    W, b, c = _random_params(5, SIZES, seed=3, scale=0.8)
    b_base = np.random.default_rng(1).normal(size=OFFSETS[-1])
    V0 = _one_hot_start(20, seed=0)
    betas = np.linspace(0, 1, n_temps)
    log_w, V = _run_kernel(V0, W, b_base, b, c, betas, np.float64)
    ref_w, ref_V = ref.ais_categorical_reference(V0, W, b_base, b, c, OFFSETS, betas,
                                                 np.random.default_rng(5))
    np.testing.assert_allclose(log_w, ref_w, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(V, ref_V)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 1e-5)])
def test_categorical_kernel_series_path_matches_reference(dtype, tol):
    # 400 temperatures and small weights: every |dbeta (c + W v)| <= 0.01, so the
    # hidden step takes its series path (float32: the polynomial sigmoid too)
    W, b, c = _random_params(6, SIZES, seed=5, scale=0.25)
    b_base = np.random.default_rng(2).normal(size=OFFSETS[-1])
    # parameters rounded to the kernel's dtype: both sides see the same model
    W, b, c, b_base = (np.asarray(x, dtype=dtype).astype(np.float64) for x in (W, b, c, b_base))
    V0 = _one_hot_start(25, seed=4)
    betas = np.linspace(0, 1, 400)
    assert np.abs(V0 @ W.T + c).max() * betas[1] < 0.01
    log_w, V = _run_kernel(V0, W, b_base, b, c, betas, dtype)
    ref_w, ref_V = ref.ais_categorical_reference(V0, W, b_base, b, c, OFFSETS, betas,
                                                 np.random.default_rng(5))
    np.testing.assert_allclose(log_w, ref_w, rtol=tol, atol=tol)
    np.testing.assert_array_equal(V, ref_V)
    assert np.all(np.add.reduceat(V, OFFSETS[:-1], axis=1) == 1)  # still one-hot


def test_base_model_samples_are_one_hot_draws_of_the_base_rates():
    model = _random_model(3, (2, 3), seed=0)
    base = np.log([0.8, 0.2, 0.1, 0.3, 0.6])
    params = _rbm_params(model, base, np.dtype(np.float64))
    V = params.sample_base(4000, np.random.default_rng(0))
    np.testing.assert_array_equal(np.add.reduceat(V, [0, 2], axis=1), 1.0)
    np.testing.assert_allclose(V.mean(axis=0), [0.8, 0.2, 0.1, 0.3, 0.6], atol=0.03)
    # log Z of the base model: 3 hidden units and the two groups' normalisers
    assert params.log_z_base() == pytest.approx(3 * np.log(2) + np.log(1.0) + np.log(1.0))


# ---------------------------------------------------------------------------
# accuracy against exact enumeration


def _assert_close_to_exact(result, exact, n_std=3.0, tol=0.05):
    assert isinstance(result, AISResult) and result.method == "ais"
    assert np.isfinite(result.log_z_std) and result.log_z_std > 0
    assert abs(result.log_z - exact) <= n_std * result.log_z_std + tol


def test_ais_matches_exact_log_partition_trained_model(digits_model):
    exact = digits_model.log_partition_  # enumerated: 14 <= exact_limit
    assert digits_model.log_partition_result_.method == "exact"
    result = ais_log_partition(digits_model, n_runs=100, betas=3000, random_state=0)
    _assert_close_to_exact(result, exact)
    assert result.ess > 50
    result32 = ais_log_partition(digits_model, n_runs=100, betas=3000, random_state=0,
                                 dtype=np.float32)
    assert abs(result32.log_z - result.log_z) < 1e-3


def test_ais_matches_exact_log_partition_random_model():
    # random weights N(0, 0.5^2), 16 hidden units, 12 features of 2-5 categories
    model = _random_model(16, (2, 3, 4, 5) * 3, seed=11)
    exact = _exact_log_z(model)
    result = ais_log_partition(model, n_runs=100, betas=3000, random_state=1)
    _assert_close_to_exact(result, exact)


def test_reverse_ais_from_exact_samples_matches_exact():
    model = _random_model(12, (2, 3, 4) * 4, seed=7)
    exact = _exact_log_z(model)
    init = _exact_samples(model, 100, np.random.default_rng(3))  # category codes
    result = reverse_ais_log_partition(model, init, betas=3000, random_state=0)
    assert result.direction == "reverse"
    _assert_close_to_exact(result, exact)


def test_forward_and_reverse_ais_sandwich_the_exact_value(digits_model):
    exact = digits_model.log_partition_
    sandwich = log_partition_sandwich(digits_model, n_runs=100, betas=3000, n_gibbs=200,
                                      random_state=0)
    assert sandwich.forward.log_z_ci[0] <= exact <= sandwich.reverse.log_z_ci[1]
    assert abs(sandwich.gap) < 0.15


def test_short_poor_runs_bias_forward_down_and_reverse_up():
    # a uniform base model and 30 temperatures: forward AIS underestimates and
    # reverse AIS (from exact samples) overestimates log Z, by several nats
    model = _random_model(10, (3, 4) * 5, seed=2, scale=1.0)
    exact = _exact_log_z(model)
    base = np.zeros(model.intercept_visible_.shape)
    inits = [_exact_samples(model, 50, np.random.default_rng(seed)) for seed in range(3)]
    common = dict(betas=30, base_rate=base)
    forward = [ais_log_partition(model, n_runs=50, random_state=s, **common).log_z
               for s in range(3)]
    reverse = [reverse_ais_log_partition(model, init, random_state=s, **common).log_z
               for s, init in enumerate(inits)]
    assert max(forward) < exact < min(reverse)


def test_reverse_init_must_be_codes_or_one_hot():
    model = _random_model(3, (2, 3), seed=0)
    codes = np.array([[0, 2], [1, 0], [1, 1]])
    one_hot = ref.one_hot(codes, (2, 3))
    a = reverse_ais_log_partition(model, codes, betas=20, random_state=0)
    b = reverse_ais_log_partition(model, one_hot, betas=20, random_state=0)
    np.testing.assert_array_equal(a.log_weights, b.log_weights)
    with pytest.raises(ValueError, match="category codes"):
        reverse_ais_log_partition(model, np.ones((3, 4)), betas=20)
    with pytest.raises(ValueError, match="unknown categories"):
        reverse_ais_log_partition(model, np.array([[0, 7], [1, 0]]), betas=20)
    model.feature_offsets_ = np.array([0, 2, 6])  # 6 columns for 5 visible units
    with pytest.raises(ValueError, match="feature_offsets_"):
        ais_log_partition(model, betas=5)


# ---------------------------------------------------------------------------
# the estimator


def test_large_categorical_rbm_scores_with_an_ais_estimate_and_its_error():
    X = np.minimum(load_digits().data[:300] // 4, 3).astype(int)
    model = CategoricalRBM(n_components=24, max_iter=2, random_state=0,
                           categories=[np.arange(4)] * 64,
                           ais_n_runs=30, ais_n_temperatures=300).fit(X)
    assert model.n_components > model.exact_limit
    assert model.score_kind_ == "estimate"
    scores, std = model.score_samples(X[:10], return_std=True)
    result = model.log_partition_result_
    assert result.method == "ais" and result.n_runs == 30
    assert np.all(std > 0)
    np.testing.assert_allclose(std, result.log_z_std)
    np.testing.assert_allclose(scores, -model.free_energy(X[:10]) - result.log_z)
    lo, hi = model.log_partition_ci_
    assert lo < model.log_partition_ < hi
    # deterministic after fit: seeded at fit, cached
    np.testing.assert_array_equal(scores, model.score_samples(X[:10]))
    again = CategoricalRBM(**model.get_params()).fit(X)
    assert again.log_partition_ == model.log_partition_


def test_log_z_ais_on_a_small_model_agrees_with_its_exact_value(digits_model):
    model = CategoricalRBM(**{**digits_model.get_params(), "log_z": "ais",
                              "ais_n_temperatures": 2000})
    X = np.minimum(load_digits().data // 4, 3).astype(int)
    model.fit(X)
    assert model.score_kind_ == "estimate"
    result = model.log_partition_result_
    _assert_close_to_exact(result, digits_model.log_partition_)
    model.set_params(log_z="exact")
    model._forget_log_partition()
    assert model.score_kind_ == "exact"
    assert model.log_partition_ == digits_model.log_partition_
