import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp
from scipy.stats import norm
from sklearn.datasets import load_digits

from skgenerative.base import DIVERGED_MAGNITUDE
from skgenerative import GaussianBernoulliRBM
from skgenerative.boltzmann import _kernels
from skgenerative.boltzmann._unit_math import _from_standardized, _gaussian_log_partition, _to_standardized
from skgenerative.evaluation import (
    ais_log_partition,
    exact_log_partition,
    rbm_log_likelihood,
)
from skgenerative.exceptions import OutOfSupportWarning
from skgenerative.boltzmann._kernels._hyper import epoch_hyper

from tests.boltzmann import _reference as ref


def _random_gbrbm(n_visible, n_hidden, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.normal(0, scale, (n_hidden, n_visible))
    b = rng.normal(0, scale, n_visible)
    c = rng.normal(0, scale, n_hidden)
    beta = rng.uniform(0.5, 2.0, n_visible)
    return W, b, c, beta


def _model_with(W, b, c, beta):
    """A fitted model (tiny fit for the fitted state) with the given parameters."""
    X = np.random.default_rng(0).normal(size=(20, W.shape[1]))
    model = GaussianBernoulliRBM(n_components=W.shape[0], max_iter=1, random_state=0).fit(X)
    model.components_ = W.copy()
    model.intercept_visible_ = b.copy()
    model.intercept_hidden_ = c.copy()
    model.precision_ = beta.copy()
    model._forget_log_partition()
    return model


def _mixture_data(n, seed):
    """Two well-separated Gaussian clusters in 2-D, standardized."""
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < 0.5
    X = np.where(labels[:, None], 2.0, -2.0) + 0.5 * rng.standard_normal((n, 2))
    return X / np.sqrt(4.25)


# --------------------------------------------------------------- exactness


@pytest.mark.parametrize("n_visible, n_hidden", [(1, 3), (2, 2)])
def test_exact_log_partition_matches_quadrature(n_visible, n_hidden):
    W, b, c, beta = _random_gbrbm(n_visible, n_hidden, scale=0.7, seed=n_visible)
    grid = np.linspace(-14, 14, 1401 if n_visible == 1 else 561)
    expected = ref.gaussian_rbm_log_partition_quadrature(W, b, c, beta, grid)
    assert abs(_gaussian_log_partition(W, b, c, beta) - expected) < 1e-6


@pytest.mark.parametrize("shape", [(5, 7), (3, 1), (9, 6)])
def test_exact_log_partition_matches_formula(shape):
    W, b, c, beta = _random_gbrbm(*shape, seed=4)
    expected = ref.gaussian_rbm_log_partition_formula(W, b, c, beta)
    assert abs(_gaussian_log_partition(W, b, c, beta) - expected) < 1e-9


def test_free_energy_and_score_samples_match_brute_force():
    W, b, c, beta = _random_gbrbm(4, 5, seed=1)
    model = _model_with(W, b, c, beta)
    V = np.random.default_rng(2).normal(0, 2, (30, 4))
    np.testing.assert_allclose(
        model.free_energy(V), ref.gaussian_rbm_free_energy_brute_force(V, W, b, c, beta),
        rtol=1e-12, atol=1e-10,
    )
    np.testing.assert_allclose(
        model.score_samples(V), ref.gaussian_rbm_log_density(V, W, b, c, beta), atol=1e-9
    )
    assert exact_log_partition(model) == model.log_partition_


def test_density_integrates_to_one():
    W, b, c, beta = _random_gbrbm(2, 3, scale=0.8, seed=5)
    model = _model_with(W, b, c, beta)
    grid = np.linspace(-12, 12, 481)
    mesh = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)
    cell = (grid[1] - grid[0]) ** 2
    assert abs(logsumexp(model.score_samples(mesh)) + np.log(cell)) < 1e-6


def test_standardized_parametrisation_is_the_same_model():
    W, b, c, beta = _random_gbrbm(3, 4, seed=6)
    mean, std = np.array([1.0, -2.0, 30.0]), np.array([0.5, 2.0, 10.0])
    V = np.random.default_rng(0).normal(mean, std, (10, 3))
    W_z, b_z, c_z, s_z = _to_standardized(W, b, c, beta, mean, std)
    log_p = ref.gaussian_rbm_log_density(V, W, b, c, beta)
    log_p_z = ref.gaussian_rbm_log_density((V - mean) / std, W_z, b_z, c_z, np.exp(s_z))
    np.testing.assert_allclose(log_p, log_p_z - np.log(std).sum(), atol=1e-10)
    for a, e in zip(_from_standardized(W_z, b_z, c_z, s_z, mean, std), (W, b, c, beta)):
        np.testing.assert_allclose(a, e, atol=1e-12)


def test_exact_gradient_formula_matches_finite_differences():
    W, b, c, beta = _random_gbrbm(2, 3, scale=0.5, seed=7)
    s = np.log(beta)
    V = np.random.default_rng(1).normal(0, 1.5, (6, 2))

    def mean_ll(W, b, c, s):
        return ref.gaussian_rbm_log_density(V, W, b, c, np.exp(s)).mean()

    grads = ref.gaussian_rbm_exact_gradient(V, W, b, c, s)
    eps = 1e-6
    for arr, grad in zip((W, b, c, s), grads):
        numeric = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            up = mean_ll(W, b, c, s)
            arr[idx] = old - eps
            down = mean_ll(W, b, c, s)
            arr[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, atol=1e-7)


def test_pcd_update_is_unbiased_for_exact_gradient():
    """With many chains drawn from the model's exact hidden marginal, the
    kernel's update divided by the learning rate estimates the exact gradient
    of the log-likelihood, precision included."""
    W, b, c, beta = _random_gbrbm(3, 3, scale=0.5, seed=3)
    s = np.log(beta)
    V = np.random.default_rng(4).normal(0, 1.0, (5, 3))
    rng = np.random.default_rng(0)
    H = ref.all_binary_states(3)
    A = b + H @ W
    log_ph = H @ c + 0.5 * ((A**2 - b**2) * beta).sum(1)
    ph = np.exp(log_ph - logsumexp(log_ph))
    chains = H[rng.choice(len(H), size=400_000, p=ph)]
    lr = 1e-3
    params = (W.copy(), b.copy(), c.copy(), s.copy())
    velocity = tuple(np.zeros_like(p) for p in params)
    scaling = (np.zeros(3), np.ones(3), np.full(3, 50.0))
    hyper = epoch_hyper(lr, learn_precision=True, min_log_precision=-50.0)
    _kernels._sgd_epoch_gaussian(
        V, np.arange(5), np.array([0, 5]), params, velocity, scaling, chains, hyper, rng
    )
    exact = ref.gaussian_rbm_exact_gradient(V, W, b, c, s)
    for new, old, grad in zip(params, (W, b, c, s), exact):
        np.testing.assert_allclose((new - old) / lr, grad, atol=0.02)


# ------------------------------------------------------ kernels vs twins


@pytest.mark.parametrize(
    "method, k, momentum, l2, l1, learn_precision",
    [
        ("pcd", 1, 0.0, 0.0, 0.0, False),
        ("pcd", 3, 0.5, 1e-3, 0.0, True),
        ("cd", 1, 0.0, 1e-2, 0.0, True),
        ("cd", 2, 0.9, 0.0, 1e-3, False),
        ("pcd", 1, 0.0, 0.0, 0.0, True),
    ],
)
def test_epoch_kernel_matches_numpy_twin(method, k, momentum, l2, l1, learn_precision):
    rng = np.random.default_rng(1)
    X = rng.normal(3, 2, (23, 7))
    W, b, c, beta = _random_gbrbm(7, 4, scale=0.3)
    s = np.log(beta)
    rows = rng.permutation(23)
    bounds = (np.arange(6) * 23) // 5
    hyper = epoch_hyper(0.05, momentum=momentum, l2=l2, l1=l1, n_gibbs_steps=k,
                        persistent=method == "pcd", learn_precision=learn_precision,
                        min_log_precision=-3.0)
    # a low ceiling on s so that the clipping is exercised too
    scaling = (X.mean(0), 1 / X.std(0), np.full(7, 0.2))
    chains0 = (rng.random((6, 4)) < 0.5).astype(float)

    def state():
        params = (W.copy(), b.copy(), c.copy(), s.copy())
        return params, tuple(np.zeros_like(a) for a in params), chains0.copy()

    p1, v1, ch1 = state()
    _kernels._sgd_epoch_gaussian(X, rows, bounds, p1, v1, scaling, ch1, hyper,
                                 np.random.default_rng(5))
    p2, v2, ch2 = state()
    ref.sgd_epoch_gaussian(X, rows, bounds, p2, v2, scaling, ch2, hyper,
                           np.random.default_rng(5))
    for a, e in zip(p1, p2):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)
    if method == "pcd":
        np.testing.assert_array_equal(ch1, ch2)
    if not learn_precision:
        np.testing.assert_array_equal(p1[3], s)


def test_gibbs_kernel_matches_numpy_twin():
    W, b, c, beta = _random_gbrbm(7, 4)
    V0 = np.random.default_rng(0).normal(size=(5, 7))
    V = V0.copy()
    _kernels._gibbs_gaussian(V, W, b, c, beta, 4, np.random.default_rng(3), np.empty((5, 4)))
    expected = ref.gibbs_gaussian(V0, W, b, c, beta, 4, np.random.default_rng(3))
    np.testing.assert_allclose(V, expected, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------- sampling


def test_sampler_matches_exact_mixture_of_gaussians():
    """1 visible: p(v) is a mixture over h of N(b + W.T h, 1/beta) with
    weights p(h); the Kolmogorov distance of the samples to its CDF is small."""
    W = np.array([[1.0], [-0.7], [0.5]])
    b, c, beta = np.array([-0.5]), np.array([-1.0, 0.5, 0.2]), np.array([2.0])
    model = _model_with(W, b, c, beta)
    model.base_rate_ = np.zeros(1)
    samples = model.sample(20000, n_steps=30, random_state=0).ravel()
    H = ref.all_binary_states(3)
    A = (b + H @ W).ravel()
    log_ph = H @ c + 0.5 * beta[0] * (A**2 - b[0] ** 2)
    ph = np.exp(log_ph - logsumexp(log_ph))
    grid = np.sort(samples)
    exact_cdf = norm.cdf(grid[:, None], A, 1 / np.sqrt(beta[0])) @ ph
    empirical = np.arange(1, len(grid) + 1) / len(grid)
    assert np.max(np.abs(empirical - exact_cdf)) < 0.02
    assert abs(samples.mean() - ph @ A) < 0.05


def test_sample_persistent_transform_inverse_transform():
    X = _mixture_data(200, 0)
    model = GaussianBernoulliRBM(n_components=3, max_iter=2, random_state=0).fit(X)
    assert model.sample(4, init="persistent", n_steps=2).shape == (4, 2)
    H = model.transform(X)
    assert H.shape == (200, 3) and np.all((H > 0) & (H < 1))
    np.testing.assert_allclose(
        model.inverse_transform(H), H @ model.components_ + model.intercept_visible_
    )
    assert model.gibbs(X[:5]).shape == (5, 2)
    h = model.sample_hiddens(X[:5], random_state=0)
    assert set(np.unique(h)) <= {0.0, 1.0}
    assert model.sample_visibles(h, random_state=0).shape == (5, 2)


def test_ais_agrees_with_exact_log_partition():
    X = _mixture_data(500, 1)
    params = dict(n_components=10, learning_rate=0.02, max_iter=5, random_state=0)
    model = GaussianBernoulliRBM(**params).fit(X)
    exact = model.log_partition_
    assert model.score_kind_ == "exact"
    result = ais_log_partition(model, n_runs=100, betas=3000, random_state=0)
    assert abs(result.log_z - exact) <= 0.1, (result.log_z, exact)
    # log_z="ais": the model's own AIS estimate (seeded at fit) in score_samples
    estimated = GaussianBernoulliRBM(log_z="ais", **params).fit(X)
    assert estimated.score_kind_ == "estimate"
    low, high = estimated.log_partition_ci_
    assert abs(estimated.log_partition_ - exact) <= 0.1 and low <= exact <= high
    np.testing.assert_allclose(
        estimated.score_samples(X), model.score_samples(X) + exact - estimated.log_partition_
    )


def test_evaluation_helpers_agree_with_the_model():
    """skgenerative.evaluation reads the model by duck typing (precision_)."""
    W, b, c, beta = _random_gbrbm(3, 4, seed=8)
    model = _model_with(W, b, c, beta)
    X = np.random.default_rng(0).normal(size=(10, 3))
    result = rbm_log_likelihood(model, X, log_partition=exact_log_partition(model))
    np.testing.assert_allclose(result.values, model.score_samples(X), atol=1e-10)


# ------------------------------------------------------------- learning


@pytest.mark.parametrize(
    "params",
    [dict(learning_rate=0.03), dict(learning_rate=0.01, learn_precision=True)],
)
def test_learns_better_than_a_diagonal_gaussian(params):
    X_train, X_test = _mixture_data(1000, 2), _mixture_data(500, 3)
    model = GaussianBernoulliRBM(n_components=4, max_iter=20, random_state=0, **params)
    model.fit(X_train)
    mean, std = X_train.mean(0), X_train.std(0)
    diagonal = norm.logpdf(X_test, mean, std).sum(1).mean()
    assert model.score(X_test) > diagonal + 0.2, (model.score(X_test), diagonal)


def test_learns_raw_digits_without_scaling():
    """Raw (dequantized) pixel values 0..17, not standardized: the default
    precision fits them with no warning and beats the independent Gaussian."""
    rng = np.random.default_rng(0)
    X = load_digits().data + rng.random((1797, 64))
    X_train, X_test = X[:1500], X[1500:]
    variance = np.maximum(X_train.var(0), 1e-3)  # the model's default floor
    diagonal = norm.logpdf(X_test, X_train.mean(0), np.sqrt(variance)).sum(1).mean()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GaussianBernoulliRBM(
            n_components=8, max_iter=5, momentum=0.5, random_state=0
        ).fit(X_train)
        assert model.score(X_test) > diagonal + 2, (model.score(X_test), diagonal)


def test_model_is_equivariant_to_affine_rescaling_of_the_data():
    """Training runs in a standardized space: data in other units (e.g. raw
    pixel-like scales) give the same model, and the density changes by the
    log-Jacobian only. No NaN, no warning with the default precision."""
    X = _mixture_data(300, 4)
    scale, shift = np.array([100.0, 0.1]), np.array([1000.0, -5.0])
    params = dict(n_components=4, max_iter=5, learning_rate=0.05, random_state=0)
    ref_model = GaussianBernoulliRBM(**params).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GaussianBernoulliRBM(**params).fit(X * scale + shift)
    np.testing.assert_allclose(
        model.score_samples(X * scale + shift),
        ref_model.score_samples(X) - np.log(scale).sum(),
        atol=1e-6,
    )
    np.testing.assert_allclose(model.transform(X * scale + shift), ref_model.transform(X),
                               atol=1e-8)


def test_fixed_unit_precision_on_unscaled_data_warns_and_stops_diverging():
    """Pixels of 0-255 with a unit precision: warned about; the weights grow
    by ~1e24 an epoch while finite, which counts as diverging: the fit
    stops there and keeps the last sane epoch, which still scores."""
    X = np.random.default_rng(0).integers(0, 256, (100, 5)).astype(float)
    model = GaussianBernoulliRBM(n_components=3, precision=1.0, max_iter=3, random_state=0)
    with pytest.warns(OutOfSupportWarning, match="StandardScaler"):
        with pytest.raises(FloatingPointError, match="larger than"):
            model.fit(X)
    assert model.n_iter_ == 1
    assert np.all(model.precision_ == 1.0)
    for name in ("components_", "intercept_visible_", "intercept_hidden_"):
        assert np.all(np.abs(getattr(model, name)) <= DIVERGED_MAGNITUDE), name
    with pytest.warns(OutOfSupportWarning):
        scores = model.score_samples(X)
    assert np.all(np.isfinite(scores))


def test_divergence_under_mismatched_fixed_precision_leaves_no_nan():
    """Raw digits (variance up to ~40) with a fixed unit precision: warned
    about, and when training diverges the last finite epoch is kept."""
    X = load_digits().data
    model = GaussianBernoulliRBM(n_components=16, precision=1.0, random_state=0)
    with pytest.warns(OutOfSupportWarning, match="StandardScaler"):
        with pytest.raises(FloatingPointError, match="learning rate"):
            model.fit(X)
    for name in ("components_", "intercept_visible_", "intercept_hidden_", "precision_"):
        assert np.all(np.isfinite(getattr(model, name))), name
    assert model.n_iter_ < model.max_iter  # epoch 1 already blows up (>1e30)


def test_min_variance_floor_keeps_constant_feature_density_bounded():
    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(size=(200, 2)), np.zeros(200)]  # a constant feature
    for learn in (False, True):
        model = GaussianBernoulliRBM(
            n_components=2, max_iter=5, min_variance=1e-2, learn_precision=learn,
            learning_rate=0.05, random_state=0,
        ).fit(X)
        assert np.all(model.precision_ <= 1 / 1e-2 * (1 + 1e-6))
        assert np.all(np.isfinite(model.score_samples(X)))


def test_fixed_precision_array_is_kept_and_validated():
    X = _mixture_data(100, 5)
    model = GaussianBernoulliRBM(
        n_components=2, precision=[1.0, 2.0], max_iter=2, random_state=0
    ).fit(X)
    np.testing.assert_array_equal(model.precision_, [1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        GaussianBernoulliRBM(n_components=2, precision=[1.0, 2.0, 3.0]).fit(X)
    with pytest.raises(ValueError, match="positive"):
        GaussianBernoulliRBM(n_components=2, precision=[1.0, -2.0]).fit(X)
    bad = GaussianBernoulliRBM(n_components=2, precision=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="shape"):
        bad.partial_fit(X)
    assert not hasattr(bad, "components_")


def test_verbose_prints_log_likelihood(capsys):
    GaussianBernoulliRBM(n_components=2, max_iter=1, verbose=1, random_state=0).fit(
        _mixture_data(50, 0)
    )
    out = capsys.readouterr().out
    assert "[GaussianBernoulliRBM] epoch 1" in out and "log-likelihood" in out


def test_early_stopping_records_validation_scores():
    model = GaussianBernoulliRBM(
        n_components=3, max_iter=20, early_stopping=True, n_iter_no_change=2, tol=0.0,
        learning_rate=0.05, random_state=0,
    ).fit(_mixture_data(300, 6))
    assert len(model.validation_scores_) == model.n_iter_ <= 20


# ------------------------------------------------------ dtype, reproducibility


def test_float32_in_float32_out_and_input_untouched():
    X = _mixture_data(100, 7).astype(np.float32)
    X_copy = X.copy()
    model = GaussianBernoulliRBM(n_components=3, max_iter=3, random_state=0).fit(X)
    for name in ("components_", "intercept_visible_", "intercept_hidden_", "precision_"):
        assert getattr(model, name).dtype == np.float32, name
    assert model.transform(X).dtype == np.float32
    assert model.sample(2, n_steps=2).dtype == np.float32
    np.testing.assert_array_equal(X, X_copy)
    model64 = GaussianBernoulliRBM(n_components=3, max_iter=3, random_state=0,
                                   dtype=np.float64).fit(X)
    np.testing.assert_allclose(model.score_samples(X), model64.score_samples(X), atol=1e-3)


def test_same_random_state_gives_identical_bits():
    X = _mixture_data(200, 8)

    def run():
        m = GaussianBernoulliRBM(n_components=3, max_iter=2, learn_precision=True,
                                 random_state=42).fit(X)
        return m.components_, m.precision_, m.sample(4, n_steps=5), m.score_samples(X)

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_continues_like_fit_and_pickle_continues_stream():
    X = _mixture_data(60, 9)
    params = dict(n_components=3, max_iter=1, batch_size=10, shuffle=False, random_state=0)
    fitted = GaussianBernoulliRBM(**params).fit(X[:30]).partial_fit(X[30:])
    online = GaussianBernoulliRBM(**params).partial_fit(X[:30]).partial_fit(X[30:])
    np.testing.assert_array_equal(online.components_, fitted.components_)
    np.testing.assert_array_equal(online.h_samples_, fitted.h_samples_)
    assert online.n_iter_ == fitted.n_iter_ == 2
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(fitted.sample(3, n_steps=3), clone.sample(3, n_steps=3))


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[0.0, np.nan, 1.0]]), "NaN"),
        (np.array([[0.0, np.inf, 1.0]]), "infinity"),
        (np.zeros((0, 3)), "0 sample"),
        (np.zeros(3), "2D array"),
    ],
)
def test_bad_input_raises_value_error(X, match):
    with pytest.raises(ValueError, match=match):
        GaussianBernoulliRBM(n_components=2).fit(X)


def test_sparse_input_is_refused_with_the_fix():
    with pytest.raises(TypeError, match="toarray"):
        GaussianBernoulliRBM(n_components=2).fit(sp.csr_matrix(np.eye(3)))


def test_failed_partial_fit_leaves_model_intact():
    model = GaussianBernoulliRBM(n_components=2, max_iter=1, random_state=0).fit(
        _mixture_data(40, 0)
    )
    before = pickle.dumps(model)
    for bad in (np.full((2, 2), np.nan), np.zeros((2, 5))):
        with pytest.raises(ValueError):
            model.partial_fit(bad)
    assert pickle.dumps(model) == before
    with pytest.raises(ValueError, match="features"):
        model.score_samples(np.zeros((2, 5)))
