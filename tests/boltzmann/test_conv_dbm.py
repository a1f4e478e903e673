"""Two-layer convolutional DBM (§20.6, §20.4): mean field against its numpy
twin, log Z and log p(v) of tiny models against brute force (the bound below
it, tight when the posterior factorises), AIS against the exact value, the
block-Gibbs sampler against the exact distribution, and the estimator."""

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative import ConvolutionalDBM
from skgenerative.boltzmann._conv_dbm_math import ConvDBMMath
from skgenerative.boltzmann._conv_layer import ConvLayer, make_geometry
from skgenerative.boltzmann._units import check_unit_type
from tests.boltzmann import _reference_conv as ref

BERNOULLI = check_unit_type("bernoulli")


def _model(image_shape, layer1, layer2, scale=1.0, seed=0, dtype=np.float64,
           visible="bernoulli"):
    """A ConvDBMMath with random parameters; ``layer1``/``layer2`` are
    (n_filters, filter_shape, pool_shape); Gaussian pixels have precision 1.7."""
    rng = np.random.default_rng(seed)
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    (k1, f1, p1), (k2, f2, p2) = [(k, pair(f), pair(p)) for k, f, p in (layer1, layer2)]
    g1 = make_geometry(image_shape, f1, p1, "valid")
    g2 = make_geometry(g1.blocks_shape, f2, p2, "valid", n_channels=k1)
    F1 = rng.normal(0, scale, (k1, 1) + g1.filter_shape).astype(dtype)
    F2 = rng.normal(0, scale, (k2, k1) + g2.filter_shape).astype(dtype)
    b = rng.normal(0, scale, g1.n_visible).astype(dtype)
    c1, c2 = (rng.normal(0, scale, k).astype(dtype) for k in (k1, k2))
    params = {}
    if visible == "gaussian":
        params = {"precision": np.full(g1.n_visible, 1.7, dtype=dtype)}
    bottom = ConvLayer(g1, check_unit_type(visible), F1, b, c1, params)
    top = ConvLayer(g2, BERNOULLI, F2, np.zeros(g2.n_visible, dtype), c2)
    return ConvDBMMath(bottom, top)


def _params(model):
    return (model.bottom.F, model.bottom.b, model.bottom.c, model.top.F, model.top.c,
            model.bottom.geometry, model.top.geometry)


def _estimator(model, **kw):
    """A fitted ConvolutionalDBM holding the parameters of ``model``."""
    g1, g2 = model.bottom.geometry, model.top.geometry
    X = (np.random.default_rng(0).random((12, g1.n_visible)) < 0.5).astype(float)
    kw.setdefault("visible_type", model.bottom.units.name)
    est = ConvolutionalDBM(
        n_filters=(model.bottom.n_filters, model.top.n_filters),
        filter_shape=(g1.filter_shape, g2.filter_shape),
        pool_shape=(g1.pool_shape, g2.pool_shape), image_shape=g1.image_shape,
        pretrain=False, max_iter=1, random_state=0, **kw,
    ).fit(X)
    est.components_ = [model.bottom.F.copy(), model.top.F.copy()]
    est.intercepts_ = [model.bottom.b.copy(), model.bottom.c.copy(), model.top.c.copy()]
    if model.bottom.params:
        est.precision_ = model.bottom.params["precision"].copy()
    est._forget_log_partition()
    return est


# ---------------------------------------------------------------- mean field
def _twin_mean_field(model, V, n_iter):
    F1, _, c1, F2, c2, g1, g2 = _params(model)
    f64 = [np.asarray(a, np.float64) for a in (V, F1, c1, F2, c2)]
    return ref.conv_dbm_mean_field(*f64, g1, g2, n_iter)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mean_field_matches_numpy_twin_and_is_a_fixed_point(dtype):
    model = _model((6, 7), (3, 3, 2), (2, 2, 1), scale=0.7, seed=1, dtype=dtype)
    V = (np.random.default_rng(2).random((4, 42)) < 0.4).astype(dtype)
    Q1, P1, Q2, done = model.mean_field(V, 8, 0.0)
    assert done == 8
    R1, R2 = _twin_mean_field(model, V, 8)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(Q1, R1, atol=tol)
    np.testing.assert_allclose(Q2, R2, atol=tol)
    np.testing.assert_allclose(P1.reshape(R1.shape[0], 3, 2, 3),
                               ref.block_pool(R1, (2, 2)), atol=tol)
    # run to convergence: one more update leaves the posterior where it is
    Q1, _, Q2, done = model.mean_field(V.astype(dtype), 200, 1e-7)
    assert done < 200
    S1, S2 = _twin_mean_field(model, V, done + 1)
    np.testing.assert_allclose(Q1, S1, atol=1e-5)
    np.testing.assert_allclose(Q2, S2, atol=1e-5)


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_gradients_are_finite_differences_of_the_bound_minus_the_chains_energy(visible):
    # at fixed Q the positive statistics are the gradient of the bound's
    # mean, the negative ones that of -E at the chains' states (whose block
    # entropy is 0); filter and hidden-bias terms are per detector position
    model = _model((7, 7), (2, 2, 2), (2, 2, 1), scale=0.5, seed=6, visible=visible)
    rng = np.random.default_rng(7)
    V = (rng.random((3, 49)) < 0.5).astype(float)
    if visible == "gaussian":
        V = rng.normal(0.0, 1.0, (3, 49))
    Q1, _, Q2, _ = model.mean_field(V, 5, 0.0)
    V_neg, H1_neg, H2_neg = model.gibbs(V[::-1].copy(), np.zeros_like(Q2), 2, rng)

    def objective():
        return (np.mean(model.elbo_unnormalized(V, Q1, Q2))
                - np.mean(model.elbo_unnormalized(V_neg, H1_neg, H2_neg)))

    grads = model.gradients(V, Q1, Q2, V_neg, H1_neg, H2_neg)
    positions = (36, 36, 1, 4, 4)  # detectors per map: 6x6 in layer 1, 2x2 in layer 2
    params = (model.bottom.F, model.bottom.c, model.bottom.b, model.top.F, model.top.c)
    for param, grad, scale in zip(params, grads, positions):
        numeric = np.empty(param.shape)
        for idx in np.ndindex(param.shape):
            old = param[idx]
            param[idx] = old + 1e-6
            up = objective()
            param[idx] = old - 1e-6
            down = objective()
            param[idx] = old
            numeric[idx] = (up - down) / 2e-6
        np.testing.assert_allclose(grad * scale, numeric, atol=1e-6)


# ---------------------------------------------------------------- log Z, bound
def test_exact_log_partition_of_a_4x4_model_matches_brute_force():
    # 4x4 image, one 2x2 filter (3x3 detectors in blocks of 4, 2, 2, 1), two
    # filters above: layer 1 enumerated by the model, images and layer 2 by
    # the twin
    model = _model((4, 4), (1, 2, 2), (2, 2, 2), scale=0.8, seed=3)
    assert model.enumerated_units() == 7  # 5 * 3 * 3 * 2 = 90 states
    expected = ref.conv_dbm_log_partition_by_images(*_params(model))
    assert model.exact_log_partition() == pytest.approx(expected, abs=1e-9)


def test_bound_below_exact_log_likelihood_and_tight_when_posterior_factorises():
    model = _model((3, 3), (1, 2, 2), (2, 1, 1), scale=1.0, seed=4)
    V, _, _, log_p = ref.conv_dbm_joint(*_params(model))
    log_z = float(logsumexp(log_p))
    assert model.exact_log_partition() == pytest.approx(log_z, abs=1e-9)
    log_lik = logsumexp(log_p, axis=(1, 2)) - log_z
    est = _estimator(model, n_mean_field_iter=100, tol=1e-10)
    assert est.score_kind_ == "lower_bound"
    bound = est.score_samples(V)
    assert np.all(bound <= log_lik + 1e-9)
    assert np.max(log_lik - bound) > 1e-3  # coupled layers: the bound is not exact
    # without layer-2 filters h2 is independent of h1: mean field is exact
    model.top.F[...] = 0.0
    _, _, _, log_p = ref.conv_dbm_joint(*_params(model))
    exact = logsumexp(log_p, axis=(1, 2)) - logsumexp(log_p)
    np.testing.assert_allclose(_estimator(model).score_samples(V), exact, atol=1e-9)


@pytest.mark.parametrize("visible, scale", [("bernoulli", 0.8), ("gaussian", 0.6)])
def test_ais_log_partition_matches_enumeration(visible, scale):
    model = _model((4, 4), (1, 2, 2), (2, 2, 2), scale=scale, seed=3, visible=visible)
    est = _estimator(model)
    result = est.estimate_log_partition(n_runs=100, betas=1000, random_state=0)
    exact = model.exact_log_partition()
    assert abs(result.log_z - exact) < max(0.05, 4 * result.log_z_std)
    est.set_params(log_z="ais", ais_n_runs=50, ais_n_temperatures=300)
    assert est.score_kind_ == "estimate"
    assert abs(est.log_partition_ - exact) < 0.2


# ---------------------------------------------------------------- sampler
def test_block_gibbs_matches_exact_joint_distribution():
    # 2x3 images, two filters with one block of two detectors each, two
    # 1x1 filters above: 64 images x 9 x 4 hidden states
    model = _model((2, 3), (2, 2, (1, 2)), (2, 1, 1), scale=1.0, seed=5)
    V_all, H1_all, H2_all, log_p = ref.conv_dbm_joint(*_params(model))
    p = np.exp(log_p - logsumexp(log_p))
    rng = np.random.default_rng(0)
    n = 2000
    V = (rng.random((n, 6)) < 0.5).astype(float)
    H2 = np.zeros((n, 2, 1, 1))
    V, H1, H2 = model.gibbs(V, H2, 20, rng)
    images, hidden = [], []
    codes1 = {h.tobytes(): i for i, h in enumerate(H1_all)}
    codes2 = {h.tobytes(): i for i, h in enumerate(H2_all)}
    for _ in range(10):
        V, H1, H2 = model.gibbs(V, H2, 3, rng)
        images.append(V @ (2 ** np.arange(5, -1, -1)))
        hidden.append([codes1[a.tobytes()] * len(H2_all) + codes2[c.tobytes()]
                       for a, c in zip(H1, H2)])
    images = np.bincount(np.concatenate(images).astype(int), minlength=64) / (10 * n)
    hidden = np.bincount(np.concatenate(hidden), minlength=36) / (10 * n)
    assert 0.5 * np.abs(images - p.sum(axis=(1, 2))).sum() < 0.04
    assert 0.5 * np.abs(hidden - p.sum(axis=0).ravel()).sum() < 0.04


# ---------------------------------------------------------------- estimator
@pytest.fixture(scope="module")
def binary_images():
    rng = np.random.default_rng(0)
    return (rng.random((60, 49)) < 0.3).astype(float)


def test_fit_is_reproducible_and_keeps_float32(binary_images):
    kw = dict(n_filters=(3, 2), filter_shape=(3, 2), max_iter=2, pretrain_max_iter=1,
              random_state=7)
    a = ConvolutionalDBM(**kw).fit(binary_images)
    b = ConvolutionalDBM(**kw).fit(binary_images)
    for x, y in zip(a.components_ + a.intercepts_, b.components_ + b.intercepts_):
        np.testing.assert_array_equal(x, y)
    assert len(a.pretrained_rbms_) == 2
    np.testing.assert_array_equal(a.sample(3, n_steps=5, random_state=1),
                                  b.sample(3, n_steps=5, random_state=1))
    c = ConvolutionalDBM(**kw, dtype=np.float32).fit(binary_images)
    assert c.transform(binary_images).dtype == np.float32
    assert c.sample(2, n_steps=2).dtype == np.float32


def test_transform_layers_and_shapes(binary_images):
    model = ConvolutionalDBM(n_filters=(3, 2), filter_shape=(3, 2), max_iter=1,
                             pretrain_max_iter=1, random_state=0).fit(binary_images)
    g1, g2 = model.geometries_
    assert g1.blocks_shape == (3, 3) and g2.image_shape == (3, 3) and g2.n_channels == 3
    both = model.transform(binary_images)
    first = model.set_params(transform_layer=1).transform(binary_images)
    second = model.set_params(transform_layer=2).transform(binary_images)
    assert first.shape == (60, 27) and second.shape == (60, 2)
    np.testing.assert_array_equal(both, np.hstack([first, second]))
    assert np.all((both >= 0) & (both <= 1))
    assert model.get_feature_names_out().shape == (2,)
    assert model.transform(binary_images.reshape(60, 7, 7)).shape == (60, 2)


def test_training_raises_the_bound(binary_images):
    # structured images (vertical bars): joint training from random filters
    # raises the exact-log-Z bound of the training data
    rng = np.random.default_rng(0)
    X = np.zeros((80, 4, 4))
    for i, col in enumerate(rng.integers(0, 4, 80)):
        X[i, :, col] = 1
    X = X.reshape(80, 16)
    kw = dict(n_filters=(1, 2), filter_shape=(2, 2), pretrain=False, learning_rate=0.5,
              random_state=0)
    before = ConvolutionalDBM(max_iter=1, **kw).fit(X)
    after = ConvolutionalDBM(max_iter=30, **kw).fit(X)
    assert after.score_kind_ == "lower_bound"
    assert np.mean(after.score_samples(X)) > np.mean(before.score_samples(X)) + 0.5


def test_bad_settings_fail_clearly_and_leave_a_fitted_model(binary_images):
    model = ConvolutionalDBM(n_filters=(2, 2), filter_shape=(3, 2), max_iter=1,
                             pretrain=False, random_state=0).fit(binary_images)
    F = model.components_[0].copy()
    with pytest.raises(ValueError, match="one value or a pair"):
        model.set_params(pool_shape=(2, 2, 2)).fit(binary_images)
    with pytest.raises(ValueError, match="image_shape"):
        model.set_params(pool_shape=2, image_shape=(5, 5)).fit(binary_images)
    np.testing.assert_array_equal(model.components_[0], F)
    assert model.transform(binary_images).shape[0] == 60
