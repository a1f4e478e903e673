import numpy as np
import pytest

from skgenerative.nn import (
    ReinforceBaseline,
    diagonal_gaussian_log_density,
    gaussian_kl_standard_normal,
    optimal_baseline,
    reinforce_gradient,
    reparametrize_gaussian,
    reparametrize_gaussian_backward,
    sigmoid,
)


def test_reparametrization_gradient_matches_analytic_expectation():
    # d/dmu E[z^2] = 2 mu and d/dlogvar E[z^2] = var for z ~ N(mu, var)
    rng = np.random.default_rng(0)
    mu, log_var = np.array([[0.7]]), np.array([[-0.4]])
    eps = rng.standard_normal((200_000, 1))
    z = reparametrize_gaussian(mu, log_var, eps)
    g_mu, g_lv = reparametrize_gaussian_backward(2 * z, log_var, eps)
    np.testing.assert_allclose(g_mu.mean(), 2 * 0.7, atol=4 * g_mu.std() / np.sqrt(len(eps)))
    np.testing.assert_allclose(g_lv.mean(), np.exp(-0.4), atol=4 * g_lv.std() / np.sqrt(len(eps)))


def test_gaussian_kl_matches_monte_carlo_and_finite_differences():
    rng = np.random.default_rng(1)
    mu, lv = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)) * 0.5
    kl, g_mu, g_lv = gaussian_kl_standard_normal(mu, lv, grad=True)
    eps = rng.standard_normal((100_000, 3))
    z = mu[0] + np.exp(0.5 * lv[0]) * eps
    mc = diagonal_gaussian_log_density(z, mu[0], lv[0]) - diagonal_gaussian_log_density(z)
    assert abs(mc.mean() - kl[0]) < 4 * mc.std() / np.sqrt(len(z))
    h = 1e-6
    for arr, g in ((mu, g_mu), (lv, g_lv)):
        arr[0, 1] += h
        up = gaussian_kl_standard_normal(mu, lv)[0]
        arr[0, 1] -= 2 * h
        down = gaussian_kl_standard_normal(mu, lv)[0]
        arr[0, 1] += h
        np.testing.assert_allclose(g[0, 1], (up - down) / (2 * h), rtol=1e-6)


def _toy(rng, n, w):
    """y ~ Bernoulli(sigmoid(w)) in 3 dims; J(y) has a large offset, so the
    plain estimator has high variance and a baseline helps."""
    a = np.array([1.0, -2.0, 0.5])
    p = sigmoid(w)
    y = (rng.random((n, 3)) < p).astype(float)
    J = 10.0 + (y @ a - 0.3) ** 2
    score = y - p  # d log p(y) / d w
    return J, score


def _exact_gradient(w):
    a = np.array([1.0, -2.0, 0.5])
    p = sigmoid(w)
    grad = np.zeros(3)
    for s in range(8):
        y = np.array([(s >> j) & 1 for j in range(3)], dtype=float)
        py = np.prod(np.where(y == 1, p, 1 - p))
        grad += py * (10.0 + (y @ a - 0.3) ** 2) * (y - p)
    return grad


def test_reinforce_is_unbiased_with_and_without_moving_average_baseline():
    rng = np.random.default_rng(0)
    w = np.array([0.3, -0.5, 1.0])
    exact = _exact_gradient(w)
    baseline = ReinforceBaseline(variance_normalization=False, alpha=0.9)
    plain, centred = [], []
    for _ in range(4000):
        J, score = _toy(rng, 10, w)
        plain.append(reinforce_gradient(J, score))
        signal, _ = baseline.signal(J)
        centred.append(reinforce_gradient(signal, score))
    plain, centred = np.array(plain), np.array(centred)
    for est in (plain, centred):
        se = est.std(axis=0) / np.sqrt(len(est))
        assert np.all(np.abs(est.mean(axis=0) - exact) < 4 * se), (est.mean(0), exact, se)
    # measured variance reduction: the offset 10 dominates the plain estimator
    ratio = plain.var(axis=0).sum() / centred.var(axis=0).sum()
    assert ratio > 10, ratio


def test_optimal_per_coordinate_baseline_beats_mean_baseline():
    rng = np.random.default_rng(2)
    w = np.array([0.3, -0.5, 1.0])
    J0, s0 = _toy(rng, 100_000, w)
    b_opt = optimal_baseline(J0, s0)  # estimated on separate samples: unbiased
    J, s = _toy(rng, 100_000, w)
    est_opt = (J[:, None] - b_opt) * s
    est_mean = (J - J0.mean())[:, None] * s
    exact = _exact_gradient(w)
    se = est_opt.std(axis=0) / np.sqrt(len(J))
    assert np.all(np.abs(est_opt.mean(axis=0) - exact) < 4 * se)
    assert np.all(est_opt.var(axis=0) <= est_mean.var(axis=0) * 1.001)


def test_input_dependent_baseline_reduces_variance_further_and_stays_unbiased():
    # p(y | x) = Bernoulli(sigmoid(theta x)); J(y, x) = 5 x + y: E[J | x] varies with x
    from skgenerative.nn import Adam

    rng = np.random.default_rng(3)
    theta = 0.8

    def batch(n):
        x = rng.normal(size=(n, 1))
        p = sigmoid(theta * x[:, 0])
        y = (rng.random(n) < p).astype(float)
        return x, 5 * x[:, 0] + y, (y - p) * x[:, 0]

    nets = {
        "input": ReinforceBaseline(1, (16,), variance_normalization=False, random_state=0),
        "average": ReinforceBaseline(variance_normalization=False),
    }
    opt = Adam(nets["input"].params, 0.01)
    for _ in range(1500):
        x, J, _ = batch(50)
        for name, bl in nets.items():
            _, grads = bl.signal(J, x)
            if grads:
                opt.step(grads)
    x, J, score = batch(50_000)
    p = sigmoid(theta * x[:, 0])
    exact = np.mean(p * (1 - p) * x[:, 0])  # d E[y] / d theta given these x
    est = {"none": J * score}
    for name, bl in nets.items():
        est[name] = bl.signal(J, x, update=False)[0] * score
    for e in est.values():
        assert abs(e.mean() - exact) < 4 * e.std() / np.sqrt(len(e))
    assert est["input"].var() < 0.2 * est["average"].var() <= 0.2 * est["none"].var()


def test_variance_normalisation_scales_signal_to_unit_order():
    rng = np.random.default_rng(4)
    bl = ReinforceBaseline(alpha=0.9)
    for _ in range(200):
        signal, _ = bl.signal(1000.0 + 300.0 * rng.standard_normal(64))
    assert 0.5 < signal.std() < 2.0
    assert abs(bl.mean_ - 1000.0) < 100
    # never amplifies a small signal
    small = ReinforceBaseline(moving_average=False)
    np.testing.assert_allclose(small.signal(np.array([0.1, -0.1]))[0], [0.1, -0.1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_baseline_network_gradient_is_squared_error_gradient(dtype):
    rng = np.random.default_rng(5)
    bl = ReinforceBaseline(2, (3,), moving_average=False, variance_normalization=False,
                           random_state=0, dtype=dtype)
    x = rng.normal(size=(4, 2)).astype(dtype)
    J = rng.normal(size=4)
    _, grads = bl.signal(J, x)
    key = "baseline_W0"
    W = bl.params[key]
    h = 1e-3 if dtype == np.float32 else 1e-6

    def obj():
        return -0.5 * np.mean((J - bl.predict(x)) ** 2)

    W[0, 1] += h
    up = obj()
    W[0, 1] -= 2 * h
    down = obj()
    W[0, 1] += h
    rtol = 1e-2 if dtype == np.float32 else 1e-5
    np.testing.assert_allclose(grads[key][0, 1], (up - down) / (2 * h), rtol=rtol)
