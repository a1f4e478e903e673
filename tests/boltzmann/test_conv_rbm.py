"""Convolutional RBM with probabilistic max pooling (§20.6): kernels against
their twins and scipy, the pooling block against enumeration, log Z and the
sampler of tiny models against brute force, gradients by finite differences,
and the estimator's own behaviour."""

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d
from scipy.special import logsumexp

from skgenerative import ConvolutionalRBM
from skgenerative.boltzmann._conv_layer import ConvLayer, make_geometry
from skgenerative.boltzmann._kernels._conv import (
    _pool_sample, _pool_softmax, _pool_softmax_sample,
)
from skgenerative.boltzmann._units import check_unit_type
from tests.boltzmann import _reference_conv as ref
from tests.nn import _reference as nn_ref

BOUNDARIES = ("valid", "same", "full")


def _layer(image_shape, n_filters, filter_shape, pool_shape, boundary="valid",
           visible="bernoulli", scale=1.0, seed=0, dtype=np.float64, n_channels=1):
    rng = np.random.default_rng(seed)
    g = make_geometry(image_shape, filter_shape, pool_shape, boundary, n_channels)
    F = rng.normal(0, scale, (n_filters, n_channels) + g.filter_shape).astype(dtype)
    b = rng.normal(0, scale, g.n_visible).astype(dtype)
    c = rng.normal(0, scale, n_filters).astype(dtype)
    params = {}
    if visible == "gaussian":
        params = {"precision": np.full(g.n_visible, 1.7, dtype=dtype)}
    return ConvLayer(g, check_unit_type(visible), F, b, c, params)


def _fitted_model(layer, **kw):
    """A fitted estimator holding the parameters of ``layer``."""
    g = layer.geometry
    X = (np.random.default_rng(0).random((12, g.n_visible)) < 0.5).astype(float)
    if layer.units.name == "gaussian":
        X = np.random.default_rng(0).normal(size=(12, g.n_visible))
    model = ConvolutionalRBM(
        n_filters=layer.n_filters, filter_shape=g.filter_shape, pool_shape=g.pool_shape,
        image_shape=(g.n_channels,) + g.image_shape, visible_type=layer.units.name, boundary=g.boundary,
        max_iter=1,
        random_state=0, **kw,
    ).fit(X)
    model.components_ = layer.F.copy()
    model.intercept_visible_ = layer.b.copy()
    model.intercept_hidden_ = layer.c.copy()
    if layer.params:
        model.precision_ = layer.params["precision"].copy()
    model._forget_log_partition()
    return model


# ---------------------------------------------------------------- kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_patches_match_numpy_twin(boundary, dtype):
    # the layer's patches are the shared im2col of nn/_conv_kernels.py (its
    # kernels are tested in tests/nn/test_conv.py) at the boundary's padding
    layer = _layer((5, 6), 2, (3, 2), (2, 2), boundary=boundary, dtype=dtype, n_channels=2)
    g = layer.geometry
    V = np.random.default_rng(1).random((3, 60)).astype(dtype)
    cols = layer.patches(V)
    assert cols.dtype == dtype and cols.shape == (3,) + g.detector_shape + (12,)
    np.testing.assert_array_equal(
        cols, nn_ref.im2col(V.reshape(3, 2, 5, 6), (3, 2), 1, g.pad, g.detector_shape))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("n_channels", [1, 3])
def test_convolutions_match_numpy_twins(boundary, dtype, n_channels):
    # upward pass, downward pass and the filter statistic of the layer
    layer = _layer((5, 6), 2, (3, 2), (2, 2), boundary=boundary, dtype=dtype,
                   n_channels=n_channels)
    g = layer.geometry
    rng = np.random.default_rng(1)
    V = rng.random((3, n_channels * 30)).astype(dtype)
    images = V.reshape(3, n_channels, 5, 6)
    F, b, c = (np.asarray(a, np.float64) for a in (layer.F, layer.b, layer.c))
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    up = layer.hidden_input(V)
    assert up.dtype == dtype
    np.testing.assert_allclose(up, ref.conv_up(images, F, c, *g.pad, g.detector_shape), **tol)
    D = rng.random(up.shape).astype(dtype)
    down = layer.visible_activation(D)
    assert down.dtype == dtype
    expected = ref.conv_down(D, F, *g.pad, (5, 6)).reshape(3, -1) + b
    np.testing.assert_allclose(down, expected, **tol)
    G = layer.statistic_gradients(V, D)[0]
    np.testing.assert_allclose(G, ref.conv_weight_gradient(images, D, *g.pad, (3, 2)), **tol)


@pytest.mark.parametrize("boundary, mode", [("valid", "valid"), ("full", "full")])
def test_convolutions_match_scipy_signal(boundary, mode):
    # upward: cross-correlation summed over the channels; downward: full
    # convolution (valid model)
    layer = _layer((6, 7), 2, (3, 4), (1, 1), boundary=boundary, n_channels=2)
    layer.c[:] = 0
    layer.b[:] = 0
    V = np.random.default_rng(2).random((1, 84))
    images = V.reshape(2, 6, 7)
    up = layer.hidden_input(V)
    for k in range(2):
        expected = sum(correlate2d(images[ch], layer.F[k, ch], mode=mode) for ch in range(2))
        np.testing.assert_allclose(up[0, k], expected, atol=1e-12)
    if boundary == "valid":
        D = np.random.default_rng(3).random(up.shape)
        down = layer.visible_activation(D).reshape(2, 6, 7)
        for ch in range(2):
            expected = sum(convolve2d(D[0, k], layer.F[k, ch], mode="full") for k in range(2))
            np.testing.assert_allclose(down[ch], expected, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pooling_kernels_match_numpy_twins(dtype):
    # a 5x5 map in 2x2 blocks: the last row and column of blocks are partial
    rng = np.random.default_rng(3)
    I = rng.normal(0, 3, (2, 3, 5, 5)).astype(dtype)
    P = np.empty_like(I)
    pooled = np.empty((2, 3, 3, 3), dtype=dtype)
    log_norm = np.empty(2)
    _pool_softmax(I, 0.7, 2, 2, P, pooled, log_norm)
    P_ref, pooled_ref, log_norm_ref = ref.pool_softmax(I, 0.7, (2, 2))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(P, P_ref, atol=tol)
    np.testing.assert_allclose(pooled, pooled_ref, atol=tol)
    np.testing.assert_allclose(log_norm, log_norm_ref, rtol=tol)
    U = rng.random(pooled.shape)
    H = np.empty_like(I)
    _pool_sample(I, 0.7, 2, 2, U, H)
    np.testing.assert_array_equal(H, ref.pool_sample(I, 0.7, (2, 2), U))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_pooling_kernel_equals_both_kernels_and_their_twins(dtype):
    # one pass for the probabilities and the draw: the two kernels' outputs
    # to the bit, hence the numpy twins'
    rng = np.random.default_rng(5)
    I = rng.normal(0, 3, (3, 2, 5, 7)).astype(dtype)
    U = rng.random((3, 2, 3, 4))
    out = [np.empty_like(I), np.empty((3, 2, 3, 4), dtype=dtype), np.empty(3), np.empty_like(I)]
    _pool_softmax_sample(I, 0.8, 2, 2, U, *out)
    P, pooled, log_norm, H = (np.empty_like(a) for a in out)
    _pool_softmax(I, 0.8, 2, 2, P, pooled, log_norm)
    _pool_sample(I, 0.8, 2, 2, U, H)
    for fused, separate in zip(out, (P, pooled, log_norm, H)):
        np.testing.assert_array_equal(fused, separate)
    np.testing.assert_array_equal(H, ref.pool_sample(I, 0.8, (2, 2), U))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out[0], ref.pool_softmax(I, 0.8, (2, 2))[0], atol=tol)


def test_pooling_block_distribution_matches_enumeration():
    # one 2x2 block: p(state) = exp(-E(state)) / sum over the 5 allowed states
    rng = np.random.default_rng(4)
    I = rng.normal(0, 1.5, (1, 1, 2, 2))
    states = ref.block_states(4)  # off, or one detector on
    log_p = states @ I.ravel()
    exact = np.exp(log_p - logsumexp(log_p))
    P = np.empty_like(I)
    pooled = np.empty((1, 1, 1, 1))
    log_norm = np.empty(1)
    _pool_softmax(I, 1.0, 2, 2, P, pooled, log_norm)
    np.testing.assert_allclose(P.ravel(), exact[1:], rtol=1e-12)
    np.testing.assert_allclose(pooled.ravel(), 1 - exact[0], rtol=1e-12)
    np.testing.assert_allclose(log_norm, logsumexp(log_p), rtol=1e-12)
    n = 40000
    I_many = np.ascontiguousarray(np.broadcast_to(I, (n, 1, 2, 2)))
    H = np.empty_like(I_many)
    _pool_sample(I_many, 1.0, 2, 2, rng.random((n, 1, 1, 1)), H)
    assert H.reshape(n, 4).sum(axis=1).max() <= 1  # at most one detector on
    counts = np.array([np.sum(H.reshape(n, 4).sum(axis=1) == 0)]
                      + list(H.reshape(n, 4).sum(axis=0)))
    assert 0.5 * np.abs(counts / n - exact).sum() < 0.01


# ---------------------------------------------------------------- tiny models
def test_log_partition_of_tiny_model_matches_brute_force_over_joint_states():
    # 4x4 binary image, 2 filters 3x3, pooling 2x2: 2**16 images x 25 hidden states
    layer = _layer((4, 4), 2, (3, 3), (2, 2))
    g = layer.geometry
    brute = ref.joint_log_partition(layer.F, layer.b, layer.c, g.image_shape, g.pad,
                                    g.detector_shape, g.pool_shape)
    np.testing.assert_allclose(layer._log_partition_by_hidden_states(), brute, rtol=1e-12)
    np.testing.assert_allclose(layer._log_partition_by_images(), brute, rtol=1e-12)
    model = _fitted_model(layer)
    assert model.score_kind_ == "exact"
    np.testing.assert_allclose(model.log_partition_, brute, rtol=1e-12)
    images = ref.all_binary_vectors(16)
    np.testing.assert_allclose(logsumexp(model.score_samples(images)), 0.0, atol=1e-10)


@pytest.mark.parametrize("boundary", ["same", "full"])
def test_log_partition_enumerations_agree_with_padding_and_partial_blocks(boundary):
    layer = _layer((3, 3), 2, (2, 2), (2, 2), boundary=boundary, scale=0.7)
    np.testing.assert_allclose(
        layer._log_partition_by_hidden_states(), layer._log_partition_by_images(), rtol=1e-12
    )


def test_gaussian_log_partition_matches_numerical_integration():
    # 1x2 real image, one 1x2 filter, "same": log Z = log of the integral of
    # exp(-F(v)) over the plane (a grid fine enough for 1e-6)
    layer = _layer((1, 2), 1, (1, 2), (1, 1), boundary="same", visible="gaussian", scale=0.6)
    grid = np.linspace(-9, 9, 721)
    V = np.stack(np.meshgrid(grid, grid, indexing="ij"), axis=-1).reshape(-1, 2)
    step = grid[1] - grid[0]
    numeric = logsumexp(-layer.free_energy(V)) + 2 * np.log(step)
    np.testing.assert_allclose(layer.exact_log_partition(), numeric, atol=1e-6)


def test_sampler_matches_exact_distribution_of_tiny_model():
    # 3x3 binary images (512 states): total variation of the Gibbs samples
    # against the exact distribution, compared with that of exact draws
    layer = _layer((3, 3), 2, (2, 2), (2, 2), scale=1.2, seed=5)
    model = _fitted_model(layer)
    images = ref.all_binary_vectors(9)
    p = np.exp(model.score_samples(images))
    n = 20000
    samples = model.sample(n, n_steps=30, random_state=0)
    codes = samples.astype(int) @ (1 << np.arange(8, -1, -1))
    empirical = np.bincount(codes, minlength=512) / n
    exact_draws = np.random.default_rng(1).choice(512, size=n, p=p / p.sum())
    baseline = 0.5 * np.abs(np.bincount(exact_draws, minlength=512) / n - p).sum()
    tv = 0.5 * np.abs(empirical - p).sum()
    assert tv < 1.5 * baseline + 0.01, (tv, baseline)


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_free_energy_gradient_matches_finite_differences(visible, boundary):
    layer = _layer((4, 5), 2, (2, 3), (2, 2), boundary=boundary, visible=visible, scale=0.5)
    rng = np.random.default_rng(6)
    V = rng.random((3, 20)) if visible == "bernoulli" else rng.normal(size=(3, 20))
    P = layer.pool(layer.hidden_input(V))[0]
    dF, dc, db = layer.statistic_gradients(V, P)
    if visible == "gaussian":  # d(-F)/db = beta (v - b): statistics minus beta b per row
        db = db - V.shape[0] * layer.params["precision"] * layer.b

    def objective(F, b, c):
        return -ConvLayer(layer.geometry, layer.units, F, b, c, layer.params).free_energy(V).sum()

    eps = 1e-6
    for name, grad in (("F", dF), ("b", db), ("c", dc)):
        args = {"F": layer.F, "b": layer.b, "c": layer.c}
        for idx in list(np.ndindex(grad.shape))[:: max(1, grad.size // 6)]:
            plus = {k: v.copy() for k, v in args.items()}
            minus = {k: v.copy() for k, v in args.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            fd = (objective(**plus) - objective(**minus)) / (2 * eps)
            np.testing.assert_allclose(fd, grad[idx], rtol=1e-5, atol=1e-6)


def test_ais_matches_exact_log_partition_and_labels_the_score():
    layer = _layer((4, 4), 2, (3, 3), (2, 2), scale=0.8, seed=7)
    model = _fitted_model(layer, log_z="ais", ais_n_runs=50, ais_n_temperatures=1000)
    exact = layer.exact_log_partition()
    result = model.log_partition_result_
    assert model.score_kind_ == "estimate"
    assert abs(result.log_z - exact) < max(0.05, 4 * result.log_z_std)
    X = ref.all_binary_vectors(16)[:5]
    scores, std = model.score_samples(X, return_std=True)
    np.testing.assert_allclose(scores, -model.free_energy(X) - result.log_z)
    assert np.all(std > 0)
    # deterministic after fit
    model._forget_log_partition()
    assert model.log_partition_ == result.log_z
    # "auto" enumerates up to exact_limit binary units' worth of states, then runs AIS
    model.set_params(log_z="auto", exact_limit=layer.enumerated_units())
    assert model.score_kind_ == "exact" and model.log_partition_ == exact
    model.set_params(exact_limit=layer.enumerated_units() - 1)
    assert model.score_kind_ == "estimate" and model.log_partition_ == result.log_z


def test_gaussian_ais_matches_exact_log_partition():
    layer = _layer((2, 3), 2, (2, 2), (1, 2), visible="gaussian", scale=0.4, seed=8)
    model = _fitted_model(layer)
    result = model.estimate_log_partition(n_runs=50, betas=500, random_state=0)
    assert abs(result.log_z - layer.exact_log_partition()) < max(0.05, 4 * result.log_z_std)


# ---------------------------------------------------------------- estimator
def test_image_shape_inference_and_three_dimensional_input():
    rng = np.random.default_rng(9)
    X = (rng.random((30, 3, 5)) < 0.4).astype(float)
    model = ConvolutionalRBM(n_filters=2, filter_shape=2, max_iter=2, random_state=0).fit(X)
    assert model.image_shape_ == (3, 5) and model.n_features_in_ == 15
    flat = ConvolutionalRBM(n_filters=2, filter_shape=2, max_iter=2, image_shape=(3, 5),
                            random_state=0).fit(X.reshape(30, 15))
    np.testing.assert_array_equal(model.components_, flat.components_)
    np.testing.assert_array_equal(model.transform(X), flat.transform(X.reshape(30, 15)))
    square = ConvolutionalRBM(n_filters=2, max_iter=1).fit(X.reshape(30, 15)[:, :9])
    assert square.image_shape_ == (3, 3)
    row = ConvolutionalRBM(n_filters=2, filter_shape=6, max_iter=1).fit(X.reshape(30, 15)[:, :5])
    assert row.image_shape_ == (1, 5) and row.geometry_.filter_shape == (1, 5)
    with pytest.raises(ValueError, match="image_shape"):
        ConvolutionalRBM(image_shape=(4, 4)).fit(X.reshape(30, 15))
    with pytest.raises(ValueError, match="Images of shape"):
        model.transform(X.reshape(30, 5, 3))


@pytest.mark.parametrize("boundary, detector, blocks", [
    ("valid", (6, 6), (3, 3)), ("same", (8, 8), (4, 4)), ("full", (10, 10), (5, 5)),
])
def test_transform_shapes_for_pooled_and_detector_units(boundary, detector, blocks):
    X = (np.random.default_rng(10).random((20, 64)) < 0.3).astype(np.float32)
    for units, shape in (("pooled", blocks), ("detector", detector)):
        model = ConvolutionalRBM(n_filters=3, filter_shape=3, boundary=boundary,
                                 transform_units=units, feature_grid=None, max_iter=1,
                                 random_state=0).fit(X)
        Z = model.transform(X)
        assert Z.shape == (20, 3 * shape[0] * shape[1]) and Z.dtype == np.float32
        assert np.all((Z >= 0) & (Z <= 1))
    # pooled = 1 - p(block off) = sum of the block's detector probabilities
    P = model.transform(X).reshape(20, 3, *detector)
    pooled = model.set_params(transform_units="pooled").transform(X)
    assert model.get_feature_names_out().shape == (pooled.shape[1],)
    sums = np.zeros((20, 3) + blocks)
    for bi in range(blocks[0]):
        for bj in range(blocks[1]):
            sums[:, :, bi, bj] = P[:, :, 2 * bi:2 * bi + 2, 2 * bj:2 * bj + 2].sum(axis=(2, 3))
    np.testing.assert_allclose(sums.reshape(20, -1), pooled, rtol=1e-5)


def test_learning_raises_likelihood_of_small_images():
    # 3x3 binary images with a translated bar: the exact log-likelihood of the
    # training data rises above the independent model of the marginals
    rng = np.random.default_rng(11)
    X = np.zeros((300, 3, 3))
    for i, r in enumerate(rng.integers(0, 3, 300)):
        X[i, r, :] = 1.0
    X = X.reshape(300, 9)
    model = ConvolutionalRBM(n_filters=2, filter_shape=(1, 3), pool_shape=(3, 1),
                             boundary="valid", learning_rate=0.1, momentum=0.0, max_iter=30,
                             random_state=0).fit(X)
    p = X.mean(axis=0).clip(1e-3, 1 - 1e-3)
    independent = np.mean(X @ np.log(p) + (1 - X) @ np.log(1 - p))
    assert model.score_kind_ == "exact"
    assert model.score(X) > independent + 1.0


def test_gaussian_visibles_fit_sample_and_score_real_images():
    rng = np.random.default_rng(12)
    X = rng.normal(0, 0.5, (60, 4, 4)) + np.linspace(-1, 1, 4)[None, None, :]
    model = ConvolutionalRBM(n_filters=2, filter_shape=3, visible_type="gaussian",
                             learning_rate=0.05, max_iter=5, random_state=0).fit(X)
    beta = 1.0 / np.mean(X.reshape(60, 16).var(axis=0))
    np.testing.assert_allclose(model.precision_, beta)
    assert model.score_kind_ == "exact"
    samples = model.sample(500, n_steps=50, random_state=0)
    assert samples.shape == (500, 16) and np.all(np.isfinite(samples))
    # the samples carry the horizontal ramp of the training images
    assert np.corrcoef(samples.mean(axis=0), X.reshape(60, 16).mean(axis=0))[0, 1] > 0.9
    scores = model.score_samples(X)
    assert np.all(np.isfinite(scores))
    # an exact density of the data: out-of-distribution images score lower
    assert model.score(X) > model.score(X[:, :, ::-1] * 3)


def test_early_stopping_uses_the_exact_validation_likelihood_of_small_models():
    X = (np.random.default_rng(13).random((200, 9)) < 0.3).astype(float)
    model = ConvolutionalRBM(n_filters=1, filter_shape=2, learning_rate=0.1, max_iter=40,
                             early_stopping=True, n_iter_no_change=2, random_state=0).fit(X)
    assert len(model.validation_scores_) == model.n_iter_ <= 40
    # log-likelihoods of 9 pixels (nats), not minus reconstruction errors (in [-1, 0])
    assert max(model.validation_scores_) < -1


def test_refit_with_a_bad_image_shape_leaves_the_fitted_model_intact():
    X = (np.random.default_rng(14).random((20, 16)) < 0.5).astype(float)
    model = ConvolutionalRBM(n_filters=2, filter_shape=2, max_iter=1, random_state=0).fit(X)
    before = model.transform(X)
    with pytest.raises(ValueError, match="image_shape"):
        model.set_params(image_shape=(3, 3)).fit(np.hstack([X, X]))
    assert model.n_features_in_ == 16 and model.image_shape_ == (4, 4)
    np.testing.assert_array_equal(model.set_params(image_shape=None).transform(X), before)


def test_two_channel_model_log_partition_and_gradient():
    # 2 channels of 2x3 binary images (2**12 images), 2 filters 2x2x2
    layer = _layer((2, 3), 2, (2, 2), (1, 2), n_channels=2, scale=0.8, seed=15)
    g = layer.geometry
    brute = ref.joint_log_partition(layer.F, layer.b, layer.c, g.image_shape, g.pad,
                                    g.detector_shape, g.pool_shape)
    np.testing.assert_allclose(layer._log_partition_by_hidden_states(), brute, rtol=1e-12)
    np.testing.assert_allclose(layer._log_partition_by_images(), brute, rtol=1e-12)
    V = np.random.default_rng(16).random((2, 12))
    dF = layer.statistic_gradients(V, layer.pool(layer.hidden_input(V))[0])[0]
    eps = 1e-6
    for idx in [(0, 0, 0, 0), (1, 1, 1, 0), (0, 1, 0, 1)]:
        plus, minus = layer.F.copy(), layer.F.copy()
        plus[idx] += eps
        minus[idx] -= eps
        fd = sum(
            -ConvLayer(g, layer.units, F, layer.b, layer.c).free_energy(V).sum() * sign
            for F, sign in ((plus, 1), (minus, -1))
        ) / (2 * eps)
        np.testing.assert_allclose(fd, dF[idx], rtol=1e-5)


def test_four_dimensional_input_is_channels_first():
    X = (np.random.default_rng(17).random((30, 2, 4, 5)) < 0.4).astype(float)
    model = ConvolutionalRBM(n_filters=3, filter_shape=3, max_iter=2, random_state=0).fit(X)
    assert model.image_shape_ == (2, 4, 5) and model.n_features_in_ == 40
    assert model.components_.shape == (3, 2, 3, 3)
    flat = ConvolutionalRBM(n_filters=3, filter_shape=3, max_iter=2, image_shape=(2, 4, 5),
                            random_state=0).fit(X.reshape(30, 40))
    np.testing.assert_array_equal(model.components_, flat.components_)
    np.testing.assert_array_equal(model.transform(X), flat.transform(X.reshape(30, 40)))
    assert model.sample(2, n_steps=3, random_state=0).shape == (2, 40)
    with pytest.raises(ValueError, match="Images of shape"):
        model.transform(X.reshape(30, 1, 8, 5))


def test_beats_the_independent_model_on_binarized_digits_exactly():
    # 3 filters 5x5 whose 4x4 detector maps form one pooling block each
    # (17**3 hidden states: log Z exact). Measured: test log-likelihood
    # -22.91 nats against -25.30 for the independent model of the marginals
    from sklearn.model_selection import train_test_split

    from skgenerative.datasets import load_binarized_digits

    X = load_binarized_digits().data
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    model = ConvolutionalRBM(n_filters=3, filter_shape=5, pool_shape=4, momentum=0.0,
                             sparsity_target=None, max_iter=20, random_state=0).fit(X_train)
    p = X_train.mean(axis=0).clip(1e-3, 1 - 1e-3)
    independent = np.mean(X_test @ np.log(p) + (1 - X_test) @ np.log(1 - p))
    assert model.score_kind_ == "exact"
    assert model.score(X_test) > independent + 1.0


@pytest.mark.parametrize("shape, filters", [((8, 8), (4, 4)), ((28, 28), (8, 8)),
                                            ((1, 5), (1, 3))])
def test_auto_filter_shape_follows_the_image_size(shape, filters):
    X = (np.random.default_rng(18).random((12,) + shape) < 0.3).astype(float)
    model = ConvolutionalRBM(n_filters=1, max_iter=1, random_state=0).fit(X)
    assert model.geometry_.filter_shape == filters


@pytest.mark.parametrize("units, grid", [
    ("detector", 3), ("detector", (4, 2)), ("pooled", 2), ("pooled", (1, 3)),
])
def test_feature_grid_sums_match_the_loop_twin(units, grid):
    # 11x9 images, 3x2 filters: 9x8 detectors, 5x4 pooling blocks (the
    # last row of blocks ragged); cells of unequal sizes on both maps
    X = (np.random.default_rng(12).random((15, 99)) < 0.3).astype(float)
    kw = dict(n_filters=3, filter_shape=(3, 2), image_shape=(11, 9), transform_units=units,
              max_iter=1, random_state=0)
    plain = ConvolutionalRBM(feature_grid=None, **kw).fit(X)
    model = ConvolutionalRBM(feature_grid=grid, **kw).fit(X)
    np.testing.assert_array_equal(model.components_, plain.components_)
    maps = plain.transform(X).reshape(
        (15, 3) + (plain.geometry_.blocks_shape if units == "pooled"
                   else plain.geometry_.detector_shape))
    grid = (grid, grid) if isinstance(grid, int) else grid
    expected = ref.grid_cells_sum(maps, grid)
    Z = model.transform(X)
    assert Z.shape == (15, expected[0].size)
    assert model.get_feature_names_out().shape == (Z.shape[1],)
    np.testing.assert_allclose(Z, expected.reshape(15, -1), rtol=1e-12, atol=1e-12)
    # the expected number of units on in each cell
    np.testing.assert_allclose(Z.reshape(15, 3, -1).sum(axis=2),
                               maps.reshape(15, 3, -1).sum(axis=2), rtol=1e-12)


def test_default_features_are_detectors_summed_over_a_5x5_grid():
    # 9x9 images, 3x3 filters: 7x7 detector maps cut into runs of 1 and 2
    X = (np.random.default_rng(16).random((12, 81)) < 0.3).astype(float)
    model = ConvolutionalRBM(n_filters=2, filter_shape=3, max_iter=1, random_state=0).fit(X)
    detectors = model.set_params(feature_grid=None).transform(X).reshape(12, 2, 7, 7)
    expected = ref.grid_cells_sum(detectors, (5, 5)).reshape(12, -1)
    np.testing.assert_allclose(model.set_params(feature_grid=5).transform(X), expected,
                               rtol=1e-12)
    assert ConvolutionalRBM().get_params()["feature_grid"] == 5
    assert ConvolutionalRBM().get_params()["transform_units"] == "detector"


def test_feature_grid_cells_differ_by_at_most_one_unit_and_cap_at_the_map():
    from skgenerative.boltzmann._conv_rbm import grid_edges

    for n in range(1, 25):
        for cells in range(1, 9):
            edges = grid_edges(n, cells)
            runs = np.diff(edges)
            assert edges[0] == 0 and edges[-1] == n and len(runs) == min(cells, n)
            assert runs.min() >= 1 and runs.max() - runs.min() <= 1
    # a grid at least as fine as the map leaves the units as they are
    X = (np.random.default_rng(13).random((10, 64)) < 0.3).astype(np.float32)
    kw = dict(n_filters=2, filter_shape=3, max_iter=1, random_state=0)
    for units in ("pooled", "detector"):
        plain = ConvolutionalRBM(transform_units=units, feature_grid=None, **kw).fit(X)
        fine = ConvolutionalRBM(transform_units=units, feature_grid=(6, 50), **kw).fit(X)
        np.testing.assert_array_equal(fine.transform(X), plain.transform(X))
        assert fine.transform(X).dtype == np.float32


def test_feature_grid_of_one_cell_is_invariant_to_block_aligned_shifts():
    # an object with a wide empty margin moved by one pooling block: the
    # detector inputs move with it (the windows that see nothing have the
    # bias alone before and after), the blocks keep their detectors, so a
    # map's expected count of units on is unchanged; per-unit features are not
    rng = np.random.default_rng(14)
    X = np.zeros((6, 12, 12))
    X[:, 3:7, 3:7] = rng.random((6, 4, 4)) < 0.5
    shifted = np.roll(X, (2, 2), axis=(1, 2))
    assert shifted[:, 5:9, 5:9].sum() == X.sum()
    model = ConvolutionalRBM(n_filters=3, filter_shape=3, max_iter=2, random_state=0,
                             transform_units="detector").fit(
        (rng.random((40, 144)) < 0.3).astype(float))
    assert not np.allclose(model.transform(X), model.transform(shifted))
    for units in ("pooled", "detector"):
        model.set_params(transform_units=units, feature_grid=1)
        Z = model.transform(X)
        assert Z.shape == (6, 3)
        np.testing.assert_allclose(model.transform(shifted), Z, rtol=1e-10)


@pytest.mark.parametrize("grid, error", [
    (0, "feature_grid"), ((2, 0), "feature_grid"), ((1, 2, 3), "feature_grid"),
    ("auto", "feature_grid"), (2.5, "feature_grid"),
])
def test_feature_grid_is_validated_at_fit(grid, error):
    X = (np.random.default_rng(15).random((10, 36)) < 0.3).astype(float)
    with pytest.raises(ValueError, match=error):
        ConvolutionalRBM(n_filters=2, filter_shape=2, feature_grid=grid, max_iter=1).fit(X)
