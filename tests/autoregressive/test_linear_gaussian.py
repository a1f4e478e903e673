import numpy as np
import pytest
from scipy.integrate import trapezoid
from scipy.stats import multivariate_normal

from skgenerative import LinearGaussianAutoregressive


def _correlated(n=500, seed=0):
    rng = np.random.default_rng(seed)
    A = np.array([[1.0, 0.0, 0.0], [0.8, 0.5, 0.0], [-0.3, 0.6, 0.4]])
    return rng.standard_normal((n, 3)) @ A.T + [1.0, -2.0, 0.5]


@pytest.mark.parametrize("ordering", [None, [2, 0, 1]])
def test_linear_gaussian_density_is_the_ml_gaussian(ordering):
    X = _correlated()
    model = LinearGaussianAutoregressive(ordering=ordering, min_variance=1e-12).fit(X)
    gaussian = multivariate_normal(X.mean(0), np.cov(X.T, bias=True))
    np.testing.assert_allclose(model.score_samples(X[:20]), gaussian.logpdf(X[:20]), rtol=1e-10)


def test_linear_gaussian_integrates_to_one_in_two_dimensions():
    model = LinearGaussianAutoregressive(alpha=5.0).fit(_correlated()[:, :2])
    g0 = np.linspace(-6, 8, 701)
    g1 = np.linspace(-9, 5, 701)
    a, b = np.meshgrid(g0, g1, indexing="ij")
    density = np.exp(model.score_samples(np.c_[a.ravel(), b.ravel()])).reshape(a.shape)
    assert trapezoid(trapezoid(density, g1, axis=1), g0) == pytest.approx(1.0, abs=1e-6)


def test_linear_gaussian_partial_fit_equals_fit():
    X = _correlated()
    whole = LinearGaussianAutoregressive(ordering="random", random_state=0).fit(X)
    blocks = LinearGaussianAutoregressive(ordering="random", random_state=0)
    for block in np.array_split(X, 4):
        blocks.partial_fit(block)
    np.testing.assert_allclose(blocks.coef_, whole.coef_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(blocks.score_samples(X), whole.score_samples(X), rtol=1e-10)


def test_linear_gaussian_samples_have_the_model_moments():
    model = LinearGaussianAutoregressive(ordering=[1, 2, 0]).fit(_correlated())
    samples = model.sample(40000, random_state=0)
    np.testing.assert_allclose(samples.mean(0), model.mean_, atol=0.02)
    cov = np.cov(_correlated().T, bias=True)
    np.testing.assert_allclose(np.cov(samples.T), cov, atol=0.03)


def test_linear_gaussian_duplicated_feature_has_finite_density():
    x = np.random.default_rng(0).standard_normal(50)
    model = LinearGaussianAutoregressive().fit(np.c_[x, x])
    assert np.all(np.isfinite(model.score_samples(np.c_[x, x])))
