import numpy as np
import pytest
from scipy.integrate import trapezoid
from scipy.stats import multivariate_normal, norm

from skgenerative import RNADE
from skgenerative.autoregressive import _kernels
from tests.autoregressive import _reference as ref


def _random_rnade(D=3, H=4, K=3, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((D, H))
    V = rng.standard_normal((D, 3 * K, H))
    b = 0.5 * rng.standard_normal((D, 3 * K))
    c = rng.standard_normal(H)
    return W, V, b, c, rng.permutation(D).astype(np.int64), 1e-2


def _ring(n, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(t), np.sin(t)] * 3 + 0.2 * rng.standard_normal((n, 2))


def test_rnade_log_prob_kernel_matches_numpy_twin():
    args = _random_rnade()
    X = np.random.default_rng(1).standard_normal((20, 3))
    np.testing.assert_allclose(
        _kernels._rnade_log_prob(X, *args), ref.rnade_log_prob(X, *args), rtol=1e-10
    )


def test_rnade_gradient_matches_finite_differences():
    W, V, b, c, order, mv = _random_rnade(seed=2)
    X = np.random.default_rng(3).standard_normal((8, 3))
    params = [W, V, b, c]
    grads = [np.zeros_like(p) for p in params]
    ll = _kernels._rnade_grad(X, W, V, b, c, order, mv, *grads)
    assert ll == pytest.approx(_kernels._rnade_log_prob(X, W, V, b, c, order, mv).sum())
    eps = 1e-6
    for p, g in zip(params, grads):
        for index in list(np.ndindex(p.shape))[:: max(1, p.size // 8)]:
            old = p[index]
            p[index] = old + eps
            up = _kernels._rnade_log_prob(X, W, V, b, c, order, mv).sum()
            p[index] = old - eps
            down = _kernels._rnade_log_prob(X, W, V, b, c, order, mv).sum()
            p[index] = old
            assert g[index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-7)


def test_rnade_integrates_to_one_in_one_dimension():
    X = np.r_[np.random.default_rng(0).normal(-2, 0.5, 100), np.random.default_rng(1).normal(1, 1, 100)]
    model = RNADE(5, n_mixture_components=3, max_iter=20, learning_rate=1e-2, random_state=0)
    model.fit(X[:, None] * 10 + 4)  # the data scale enters through the log-Jacobian
    grid = np.linspace(-80, 90, 20001)
    density = np.exp(model.score_samples(grid[:, None]))
    assert trapezoid(density, grid) == pytest.approx(1.0, abs=1e-6)


def test_rnade_integrates_to_one_in_two_dimensions():
    model = RNADE(6, n_mixture_components=2, max_iter=10, learning_rate=1e-2, random_state=0)
    model.fit(_ring(300))
    grid = np.linspace(-8, 8, 801)
    g0, g1 = np.meshgrid(grid, grid, indexing="ij")
    density = np.exp(model.score_samples(np.c_[g0.ravel(), g1.ravel()])).reshape(g0.shape)
    assert trapezoid(trapezoid(density, grid, axis=1), grid) == pytest.approx(1.0, abs=1e-4)


def test_rnade_samples_match_the_first_conditional_mixture():
    # the first coordinate in the ordering is drawn from a fixed mixture:
    # compare the empirical CDF of the samples with its exact CDF (KS distance)
    model = RNADE(6, n_mixture_components=3, max_iter=10, learning_rate=1e-2, random_state=0)
    model.fit(_ring(300))
    first = model.ordering_[0]
    samples = model.sample(20000, random_state=0)[:, first]
    h = 1 / (1 + np.exp(-model.intercept_hidden_))
    out = model.output_weights_[first] @ h + model.intercept_output_[first]
    log_alpha, mu, var = ref.rnade_conditional_params(out, model.min_variance)
    grid = np.linspace(-6, 6, 2001)
    z = (grid[:, None] - model.mean_[first]) / model.scale_[first]
    cdf = (np.exp(log_alpha) * norm.cdf(z, mu, np.sqrt(var))).sum(axis=1)
    empirical = np.searchsorted(np.sort(samples), grid) / samples.size
    assert np.max(np.abs(cdf - empirical)) < 0.02


def test_rnade_beats_a_full_covariance_gaussian_on_a_ring():
    X = _ring(2000)
    model = RNADE(20, n_mixture_components=5, learning_rate=1e-2, max_iter=30, random_state=0)
    model.fit(X[:1500])
    gaussian = multivariate_normal(X[:1500].mean(0), np.cov(X[:1500].T)).logpdf(X[1500:]).mean()
    assert model.score(X[1500:]) > gaussian + 0.5


def test_rnade_constant_feature_has_finite_density():
    X = np.c_[np.random.default_rng(0).standard_normal(100), np.full(100, 3.0)]
    model = RNADE(4, max_iter=5, random_state=0).fit(X)
    assert np.all(np.isfinite(model.score_samples(X)))
