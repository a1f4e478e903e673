import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative.evaluation import (
    AISResult,
    ais_log_partition,
    ais_schedule,
    base_rate_from_data,
    log_partition_sandwich,
    reverse_ais_log_partition,
)
from skgenerative.boltzmann._kernels import _ais_bernoulli, _ais_gaussian_bernoulli
from tests.boltzmann import _reference as ref


def _hidden_states(n_hidden):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n_hidden)))


def _exact_log_z(model):
    """log Z by enumerating the hidden layer (test code, independent of the package)."""
    W, b, c = model.components_, model.intercept_visible_, model.intercept_hidden_
    H = _hidden_states(W.shape[0])
    if hasattr(model, "precision_"):
        p = model.precision_
        mu = b + H @ W
        terms = H @ c + 0.5 * ((mu**2 - b**2) * p).sum(axis=1)
        return 0.5 * np.sum(np.log(2 * np.pi / p)) + logsumexp(terms)
    return logsumexp(H @ c + np.logaddexp(0.0, b + H @ W).sum(axis=1))


def _exact_samples(model, n, rng):
    """Exact samples of a Bernoulli RBM: h from its marginal, then v | h."""
    W, b, c = model.components_, model.intercept_visible_, model.intercept_hidden_
    H = _hidden_states(W.shape[0])
    log_p = H @ c + np.logaddexp(0.0, b + H @ W).sum(axis=1)
    p = np.exp(log_p - logsumexp(log_p))
    h = H[rng.choice(len(H), size=n, p=p)]
    p_v = 1.0 / (1.0 + np.exp(-(b + h @ W)))
    return (rng.random(p_v.shape) < p_v).astype(np.float64)


def _random_rbm(n_hidden, n_visible, seed, scale=0.5):
    rng = np.random.default_rng(seed)
    return SimpleNamespace(
        components_=rng.normal(0, scale, (n_hidden, n_visible)),
        intercept_hidden_=rng.normal(0, scale, n_hidden),
        intercept_visible_=rng.normal(0, scale, n_visible),
    )


def _cd1_rbm(X, n_hidden, n_epochs=15, lr=0.05, batch=20, seed=0):
    """A Bernoulli RBM trained by plain CD-1 (test helper, numpy only)."""
    rng = np.random.default_rng(seed)
    sig = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    W = rng.normal(0, 0.01, (n_hidden, X.shape[1]))
    b = base_rate_from_data(X)
    c = np.zeros(n_hidden)
    for _ in range(n_epochs):
        for start in range(0, len(X), batch):
            v0 = X[start:start + batch]
            ph0 = sig(v0 @ W.T + c)
            h0 = (rng.random(ph0.shape) < ph0).astype(float)
            v1 = (rng.random(v0.shape) < sig(h0 @ W + b)).astype(float)
            ph1 = sig(v1 @ W.T + c)
            n = len(v0)
            W += lr * (ph0.T @ v0 - ph1.T @ v1) / n
            b += lr * (v0 - v1).mean(axis=0)
            c += lr * (ph0 - ph1).mean(axis=0)
    return SimpleNamespace(components_=W, intercept_hidden_=c, intercept_visible_=b)


@pytest.fixture(scope="module")
def digits_rbm():
    from sklearn.datasets import load_digits

    X = (load_digits().data > 7).astype(np.float64)[:1500]
    return _cd1_rbm(X, n_hidden=15), base_rate_from_data(X)


# ---------------------------------------------------------------------------
# kernels against their numpy twins


@pytest.mark.parametrize("n_temps", [2, 3, 40])
def test_bernoulli_kernel_matches_reference(n_temps):
    model = _random_rbm(5, 7, seed=3)
    rng = np.random.default_rng(0)
    V0 = (rng.random((20, 7)) < 0.5).astype(np.float64)
    b_base = rng.normal(size=7)
    betas = np.linspace(0, 1, n_temps)
    W = model.components_
    V = V0.copy()
    log_w = np.zeros(20)
    _ais_bernoulli(V, W, np.ascontiguousarray(W.T), b_base, model.intercept_visible_,
                   model.intercept_hidden_, betas, np.random.default_rng(5), log_w)
    ref_w, ref_V = ref.ais_bernoulli_reference(V0, W, b_base, model.intercept_visible_,
                                               model.intercept_hidden_, betas,
                                               np.random.default_rng(5))
    np.testing.assert_allclose(log_w, ref_w, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(V, ref_V)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 1e-5)])
def test_bernoulli_kernel_series_path_matches_reference(dtype, tol):
    # 400 temperatures and |c + W v| <= ~3: every |dbeta x| <= 0.01, so the
    # kernel takes its series path (and, in float32, the polynomial sigmoid)
    model = _random_rbm(6, 12, seed=5, scale=0.25)
    rng = np.random.default_rng(2)
    V0 = (rng.random((25, 12)) < 0.5).astype(np.float64)
    betas = np.linspace(0, 1, 400)
    # parameters rounded to the kernel's dtype, so both sides see the same model
    W, b, c, b_base = (np.asarray(x, dtype=dtype).astype(np.float64) for x in (
        model.components_, model.intercept_visible_, model.intercept_hidden_,
        rng.normal(size=12)))
    assert np.abs(V0 @ W.T + c).max() * betas[1] < 0.01
    V = V0.astype(dtype)
    log_w = np.zeros(25)
    _ais_bernoulli(V, W.astype(dtype), np.ascontiguousarray(W.T, dtype=dtype),
                   b_base.astype(dtype), b.astype(dtype), c.astype(dtype), betas,
                   np.random.default_rng(5), log_w)
    ref_w, ref_V = ref.ais_bernoulli_reference(V0, W, b_base, b, c, betas,
                                               np.random.default_rng(5))
    np.testing.assert_allclose(log_w, ref_w, rtol=tol, atol=tol)
    np.testing.assert_array_equal(V, ref_V)


def test_gaussian_bernoulli_kernel_matches_reference():
    model = _random_rbm(4, 6, seed=4)
    rng = np.random.default_rng(1)
    p = rng.uniform(0.5, 2.0, 6)
    V0 = rng.normal(size=(15, 6))
    b_base = rng.normal(size=6)
    betas = np.linspace(0, 1, 30)
    W = model.components_
    V = V0.copy()
    log_w = np.zeros(15)
    _ais_gaussian_bernoulli(V, W, np.ascontiguousarray(W.T * p[:, None]), b_base,
                            model.intercept_visible_, model.intercept_hidden_, p, betas,
                            np.random.default_rng(7), log_w)
    ref_w, ref_V = ref.ais_gaussian_bernoulli_reference(
        V0, W, b_base, model.intercept_visible_, model.intercept_hidden_, p, betas,
        np.random.default_rng(7))
    np.testing.assert_allclose(log_w, ref_w, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(V, ref_V, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------
# accuracy against exact enumeration


def test_ais_matches_exact_log_partition_trained_rbm(digits_rbm):
    # 15 hidden units trained by CD-1 on binarized digits; 3,000 temperatures
    # (the S&M shape, shortened) are enough here for ~0.02 nat accuracy
    model, base_rate = digits_rbm
    exact = _exact_log_z(model)
    result = ais_log_partition(model, n_runs=100, betas=3000, base_rate=base_rate,
                               random_state=0)
    assert abs(result.log_z - exact) <= 0.1
    assert result.log_z_ci[0] <= exact <= result.log_z_ci[1]
    assert result.ess > 50


def test_ais_matches_exact_log_partition_random_rbm():
    # random weights N(0, 0.5^2), 16 hidden, 64 visible; base = model's biases
    model = _random_rbm(16, 64, seed=11)
    exact = _exact_log_z(model)
    result = ais_log_partition(model, n_runs=100, betas=3000, random_state=1)
    assert abs(result.log_z - exact) <= 0.1
    assert result.log_z_ci[0] <= exact <= result.log_z_ci[1]


def test_ais_float32_agrees_with_float64(digits_rbm):
    model, base_rate = digits_rbm
    r64 = ais_log_partition(model, n_runs=30, betas=500, base_rate=base_rate,
                            random_state=0, dtype=np.float64)
    r32 = ais_log_partition(model, n_runs=30, betas=500, base_rate=base_rate,
                            random_state=0, dtype=np.float32)
    assert abs(r64.log_z - r32.log_z) < 1e-3


def test_gaussian_bernoulli_ais_matches_exact():
    rng = np.random.default_rng(2)
    model = _random_rbm(12, 10, seed=2)
    model.intercept_visible_ = rng.normal(0, 1, 10)
    model.precision_ = rng.uniform(0.5, 2.0, 10)
    exact = _exact_log_z(model)
    result = ais_log_partition(model, n_runs=100, betas=3000, random_state=0,
                               base_rate=np.zeros(10))
    assert abs(result.log_z - exact) <= 0.1
    assert result.log_z_ci[0] <= exact <= result.log_z_ci[1]
    reverse = reverse_ais_log_partition(model, n_runs=100, betas=3000, random_state=0)
    assert abs(reverse.log_z - exact) <= 0.1


def test_reverse_ais_from_exact_samples_is_conservative(digits_rbm):
    # a deliberately poor run (uniform base model, 30 temperatures) makes the
    # bias visible: forward AIS under-, reverse AIS over-estimates log Z (in
    # expectation; here by several nats on each of 5 seeds)
    model, _ = digits_rbm
    exact = _exact_log_z(model)
    base = np.zeros(model.intercept_visible_.shape)
    rng = np.random.default_rng(0)
    forward, reverse = [], []
    for seed in range(5):
        forward.append(ais_log_partition(model, n_runs=50, betas=30, base_rate=base,
                                         random_state=seed).log_z)
        init = _exact_samples(model, 50, rng)
        reverse.append(reverse_ais_log_partition(model, init, betas=30, base_rate=base,
                                                 random_state=seed).log_z)
    assert max(forward) < exact < min(reverse)


def test_reverse_ais_matches_exact_with_long_schedule(digits_rbm):
    model, base_rate = digits_rbm
    exact = _exact_log_z(model)
    init = _exact_samples(model, 100, np.random.default_rng(3))
    result = reverse_ais_log_partition(model, init, betas=3000, base_rate=base_rate,
                                       random_state=0)
    assert result.direction == "reverse"
    assert abs(result.log_z - exact) <= 0.1
    assert result.log_z_ci[0] <= exact <= result.log_z_ci[1]


def test_sandwich_brackets_exact_log_partition(digits_rbm):
    model, base_rate = digits_rbm
    exact = _exact_log_z(model)
    sandwich = log_partition_sandwich(model, n_runs=100, betas=3000, base_rate=base_rate,
                                      n_gibbs=200, random_state=0)
    assert sandwich.lower == sandwich.forward.log_z
    assert sandwich.upper == sandwich.reverse.log_z
    assert sandwich.forward.log_z_ci[0] <= exact <= sandwich.reverse.log_z_ci[1]
    assert abs(sandwich.gap) < 0.15


# ---------------------------------------------------------------------------
# API: determinism, schedule, result object, errors


def test_ais_is_deterministic_and_independent_of_n_jobs():
    model = _random_rbm(6, 12, seed=0)
    a = ais_log_partition(model, n_runs=120, betas=50, random_state=3)
    b = ais_log_partition(model, n_runs=120, betas=50, random_state=3)
    c = ais_log_partition(model, n_runs=120, betas=50, random_state=3, n_jobs=2)
    np.testing.assert_array_equal(a.log_weights, b.log_weights)
    np.testing.assert_array_equal(a.log_weights, c.log_weights)
    d = ais_log_partition(model, n_runs=120, betas=50, random_state=4)
    assert not np.array_equal(a.log_weights, d.log_weights)


def test_default_schedule_is_salakhutdinov_murray():
    betas = ais_schedule()
    assert betas.shape == (14501,)
    assert betas[0] == 0.0 and betas[-1] == 1.0
    steps = np.diff(betas)
    np.testing.assert_allclose(steps[:500], 1e-3)
    np.testing.assert_allclose(steps[500:4500], 1e-4)
    np.testing.assert_allclose(steps[4500:], 1e-5)
    short = ais_schedule(1000)
    assert short.shape == (1000,) and short[0] == 0 and short[-1] == 1
    assert np.all(np.diff(short) > 0)
    assert ais_schedule(2).tolist() == [0.0, 1.0]


def test_result_object_statistics():
    log_w = np.log(np.array([1.0, 1.0, 1.0, 1.0]))
    model = _random_rbm(3, 4, seed=0)
    res = ais_log_partition(model, n_runs=10, betas=20, random_state=0)
    assert isinstance(res, AISResult)
    assert res.n_runs == 10 and res.n_temperatures == 20
    assert 1.0 <= res.ess <= 10.0
    lo, hi = res.log_z_ci
    assert lo < res.log_z < hi
    lo1, hi1 = res.confidence_interval(1.0)
    assert lo <= lo1 < res.log_z < hi1 <= hi
    assert float(res) == res.log_z
    # equal weights: ESS = n, zero error
    from skgenerative.boltzmann._ais._result import _make_result

    eq = _make_result(log_w, 2.0, 5, "forward")
    assert eq.ess == pytest.approx(4.0) and eq.log_z == pytest.approx(2.0)
    assert eq.log_z_std == 0.0


def test_base_rate_attribute_is_used():
    model = _random_rbm(4, 6, seed=0)
    explicit = ais_log_partition(model, n_runs=10, betas=10, random_state=0,
                                 base_rate=np.full(6, -1.0))
    model.base_rate_ = np.full(6, -1.0)
    implicit = ais_log_partition(model, n_runs=10, betas=10, random_state=0)
    np.testing.assert_array_equal(explicit.log_weights, implicit.log_weights)


def test_base_rate_from_data():
    X = np.array([[0, 1, 1], [0, 1, 0]], dtype=float)
    br = base_rate_from_data(X)
    assert np.all(np.isfinite(br))
    assert br[0] < 0 < br[1] and br[2] == pytest.approx(0.0)
    np.testing.assert_allclose(base_rate_from_data(X, visible="gaussian"), [0, 1, 0.5])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(betas=[0.0, 0.5]), "betas"),
        (dict(betas=[0.0, 0.7, 0.5, 1.0]), "betas"),
        (dict(n_runs=1), "n_runs"),
        (dict(base_rate=np.zeros(3)), "base_rate"),
        (dict(dtype=np.int64), "dtype"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    model = _random_rbm(3, 4, seed=0)
    with pytest.raises(ValueError, match=match):
        ais_log_partition(model, **kwargs)


def test_unfitted_model_raises():
    with pytest.raises(TypeError, match="components_"):
        ais_log_partition(object())


def test_nonfinite_parameters_raise():
    model = _random_rbm(3, 4, seed=0)
    model.components_[0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        ais_log_partition(model)


def test_reverse_init_shape_checked():
    model = _random_rbm(3, 4, seed=0)
    with pytest.raises(ValueError, match="init"):
        reverse_ais_log_partition(model, np.zeros((5, 3)))


def test_default_schedule_on_tiny_model():
    # the full 14,501-temperature schedule (cheap on a 4x10 model)
    model = _random_rbm(4, 10, seed=9, scale=1.0)
    result = ais_log_partition(model, n_runs=20, random_state=0)
    assert result.n_temperatures == 14501
    assert abs(result.log_z - _exact_log_z(model)) < 0.02
    assert result.ess > 19


def test_warn_if_unreliable_only_below_a_tenth_of_the_runs():
    from skgenerative.boltzmann._ais._result import _make_result, warn_if_unreliable
    from skgenerative.exceptions import UnreliableEstimateWarning

    even = _make_result(np.zeros(100), 0.0, 10, "forward")  # ESS 100
    warn_if_unreliable(even, "log Z", "Use more temperatures.")  # quiet (warnings are errors)
    lopsided = _make_result(np.r_[50.0, np.zeros(99)], 0.0, 10, "forward")  # ESS ~1
    assert lopsided.ess < 2
    with pytest.warns(UnreliableEstimateWarning, match=r"effective sample size 1\.0 of 100.*"
                                                       r"Use more temperatures"):
        warn_if_unreliable(lopsided, "log Z", "Use more temperatures.")
