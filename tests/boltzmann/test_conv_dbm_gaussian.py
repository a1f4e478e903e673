"""Two-layer convolutional DBM with Gaussian pixels (§20.6, §20.4): log Z of
a tiny model against enumeration of both hidden layers times the Gaussian
integral over the pixels, the bound against the exact log density, the
block-Gibbs sampler against the exact hidden distribution and pixel
moments, and the estimator (AIS and the gradients are parametrized over
both pixel types in test_conv_dbm.py)."""

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative import ConvolutionalDBM
from skgenerative.exceptions import OutOfSupportWarning
from tests.boltzmann import _reference_conv as ref
from tests.boltzmann.test_conv_dbm import _estimator, _model


def _twin_args(model):
    b1, t2 = model.bottom, model.top
    return (b1.F, b1.b, b1.c, t2.F, t2.c, b1.params["precision"], b1.geometry, t2.geometry)


def _gaussian_log_pdf(V, means, beta):
    """log N(v; m, 1 / beta) of every row of V under every mean: (n, n_means)."""
    square = ((V[:, None, :] - means[None, :, :]) ** 2) @ beta
    return -0.5 * square + 0.5 * np.sum(np.log(beta / (2 * np.pi)))


def test_log_partition_matches_enumeration_times_gaussian_integral():
    # 4x4 image, one 2x2 filter (3x3 detectors in blocks of 4, 2, 2, 1: 90
    # states), two 2x2 filters above (4 states)
    model = _model((4, 4), (1, 2, 2), (2, 2, 2), scale=0.6, seed=3, visible="gaussian")
    _, _, log_q, means = ref.conv_dbm_gaussian_hidden(*_twin_args(model))
    assert log_q.shape == (90, 4)
    assert model.exact_log_partition() == pytest.approx(logsumexp(log_q), abs=1e-9)
    # the twin's integral: p(v) is the mixture over the hidden states of
    # N(b + d(h1), 1 / beta) with weights p(h1, h2), and its log density
    # from the energy (no integral) agrees
    V = np.random.default_rng(0).normal(0.0, 1.0, (5, 16))
    beta = model.bottom.params["precision"]
    weights = logsumexp(log_q, axis=1) - logsumexp(log_q)
    mixture = logsumexp(weights[None, :] + _gaussian_log_pdf(V, means, beta), axis=1)
    np.testing.assert_allclose(ref.conv_dbm_gaussian_log_density(V, *_twin_args(model)),
                               mixture, atol=1e-9)


def test_bound_below_exact_log_density_and_tight_when_posterior_factorises():
    model = _model((3, 3), (1, 2, 2), (2, 1, 1), scale=0.8, seed=4, visible="gaussian")
    rng = np.random.default_rng(1)
    V = model.bottom.b + rng.normal(0.0, 1.0, (40, 9))
    exact = ref.conv_dbm_gaussian_log_density(V, *_twin_args(model))
    est = _estimator(model, n_mean_field_iter=100, tol=1e-10)
    assert est.score_kind_ == "lower_bound"
    assert est.log_partition_ == pytest.approx(model.exact_log_partition(), abs=1e-12)
    bound = est.score_samples(V)
    assert np.all(bound <= exact + 1e-9)
    assert np.max(exact - bound) > 1e-3  # coupled layers: the bound is not exact
    # without layer-2 filters h2 is independent of h1: mean field is exact
    model.top.F[...] = 0.0
    exact = ref.conv_dbm_gaussian_log_density(V, *_twin_args(model))
    np.testing.assert_allclose(_estimator(model).score_samples(V), exact, atol=1e-9)


def test_block_gibbs_matches_exact_hidden_distribution_and_pixel_moments():
    # 2x3 images, two filters with one block of two detectors each (9
    # states), two 1x1 filters above (4 states)
    model = _model((2, 3), (2, 2, (1, 2)), (2, 1, 1), scale=0.8, seed=5, visible="gaussian")
    H1_all, H2_all, log_q, means = ref.conv_dbm_gaussian_hidden(*_twin_args(model))
    p = np.exp(log_q - logsumexp(log_q))
    beta = model.bottom.params["precision"]
    p1 = p.sum(axis=1)
    mean = p1 @ means
    second = p1 @ means**2 + 1.0 / beta
    rng = np.random.default_rng(0)
    n = 2000
    V, H2 = rng.normal(0.0, 1.0, (n, 6)), np.zeros((n, 2, 1, 1))
    V, H1, H2 = model.gibbs(V, H2, 20, rng)
    codes1 = {h.tobytes(): i for i, h in enumerate(H1_all)}
    codes2 = {h.tobytes(): i for i, h in enumerate(H2_all)}
    pixels, hidden = [], []
    for _ in range(10):
        V, H1, H2 = model.gibbs(V, H2, 3, rng)
        pixels.append(V)
        hidden.append([codes1[a.tobytes()] * len(H2_all) + codes2[c.tobytes()]
                       for a, c in zip(H1, H2)])
    hidden = np.bincount(np.concatenate(hidden), minlength=p.size) / (10 * n)
    assert 0.5 * np.abs(hidden - p.ravel()).sum() < 0.04
    pixels = np.vstack(pixels)
    np.testing.assert_allclose(pixels.mean(axis=0), mean, atol=0.05)
    np.testing.assert_allclose((pixels**2).mean(axis=0), second, atol=0.08)


# ---------------------------------------------------------------- estimator
@pytest.fixture(scope="module")
def ramp_images():
    # real images with a horizontal ramp, values well outside [0, 1]
    rng = np.random.default_rng(12)
    return rng.normal(0, 0.5, (60, 4, 4)) + np.linspace(-1, 1, 4)[None, None, :]


_SMALL = dict(n_filters=(2, 2), filter_shape=(2, 2), visible_type="gaussian",
              learning_rate=0.01, pretrain_learning_rate=0.05, max_iter=5,
              pretrain_max_iter=5, random_state=0)


def test_gaussian_pixels_fit_sample_and_score(ramp_images):
    X = ramp_images
    with warnings.catch_warnings():
        warnings.simplefilter("error", OutOfSupportWarning)  # real pixels are in support
        model = ConvolutionalDBM(**_SMALL).fit(X)
    flat = X.reshape(60, 16)
    np.testing.assert_allclose(model.precision_, 1.0 / np.mean(flat.var(axis=0)))
    np.testing.assert_allclose(model.base_rate_, flat.mean(axis=0))
    first, second = model.pretrained_rbms_
    assert first.visible_type == "gaussian" and second.visible_type == "bernoulli"
    np.testing.assert_array_equal(first.precision_, model.precision_)
    assert model.score_kind_ == "lower_bound"  # 2 x 90 layer-1 states: enumerated
    samples = model.sample(300, n_steps=30, random_state=0)
    assert samples.shape == (300, 16) and np.all(np.isfinite(samples))
    # the samples carry the horizontal ramp of the training images
    assert np.corrcoef(samples.mean(axis=0), flat.mean(axis=0))[0, 1] > 0.9
    assert model.score(X) > model.score(X[:, :, ::-1] * 3)
    # a fixed precision is the model's and its first RBM's
    fixed = ConvolutionalDBM(**{**_SMALL, "max_iter": 1, "pretrain_max_iter": 1},
                             precision=2.0).fit(X)
    assert np.all(fixed.precision_ == 2.0) and np.all(fixed.pretrained_rbms_[0].precision_ == 2.0)


def test_gaussian_fit_is_reproducible_and_keeps_float32(ramp_images):
    kw = {**_SMALL, "max_iter": 2, "pretrain_max_iter": 2}
    a = ConvolutionalDBM(**kw).fit(ramp_images)
    b = ConvolutionalDBM(**kw).fit(ramp_images)
    for x, y in zip(a.components_ + a.intercepts_, b.components_ + b.intercepts_):
        np.testing.assert_array_equal(x, y)
    c = ConvolutionalDBM(**kw, dtype=np.float32).fit(ramp_images)
    assert c.precision_.dtype == np.float32
    assert c.transform(ramp_images).dtype == np.float32
    assert c.sample(2, n_steps=2).dtype == np.float32


def test_joint_training_raises_the_bound_of_gaussian_images():
    # noisy vertical bars: joint training from random filters raises the
    # exact-log-Z bound of the training images
    rng = np.random.default_rng(0)
    X = np.zeros((80, 4, 4))
    for i, col in enumerate(rng.integers(0, 4, 80)):
        X[i, :, col] = 1
    X = X.reshape(80, 16) + rng.normal(0.0, 0.1, (80, 16))
    kw = dict(n_filters=(1, 2), filter_shape=(2, 2), visible_type="gaussian", pretrain=False,
              learning_rate=0.01, random_state=0)
    before = ConvolutionalDBM(max_iter=1, **kw).fit(X)
    after = ConvolutionalDBM(max_iter=30, **kw).fit(X)
    assert after.score_kind_ == "lower_bound"
    assert np.mean(after.score_samples(X)) > np.mean(before.score_samples(X)) + 0.5
