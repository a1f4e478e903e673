"""Pretraining of the convolutional DBM with doubled inputs (§20.4.4, §20.6):
the tied-copies layer's passes against the twin convolutions, its block
Gibbs chains against the exact distributions of tiny tied-copies RBMs (two
copies of the image, or of the hidden layer), and the estimator option."""

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative import ConvolutionalDBM, ConvolutionalRBM
from skgenerative.boltzmann._conv_layer import make_geometry
from skgenerative.boltzmann._conv_pretraining import TiedCopiesConvLayer, TiedCopiesConvRBM
from skgenerative.boltzmann._units import check_unit_type
from tests.boltzmann import _reference_conv as ref

BERNOULLI = check_unit_type("bernoulli")


def _layer(image_shape, n_filters, filter_shape, pool_shape, *, up, down, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    g = make_geometry(image_shape, filter_shape, pool_shape, "valid")
    F = rng.normal(0, scale, (n_filters, 1) + g.filter_shape)
    b = rng.normal(0, scale, g.n_visible)
    c = rng.normal(0, scale, n_filters)
    return TiedCopiesConvLayer(g, BERNOULLI, F, b, c, up=up, down=down)


def test_passes_scale_the_bottom_up_and_top_down_inputs():
    layer = _layer((5, 6), 3, (2, 3), (2, 2), up=2, down=3, seed=1)
    g = layer.geometry
    rng = np.random.default_rng(2)
    V = (rng.random((4, 30)) < 0.5).astype(float)
    expected = ref.conv_up(2 * V.reshape(4, 1, 5, 6), layer.F, layer.c, 0, 0, g.detector_shape)
    np.testing.assert_allclose(layer.hidden_input(V), expected, atol=1e-12)
    H = (rng.random((4, 3) + g.detector_shape) < 0.3).astype(float)
    down = ref.conv_down(3 * H, layer.F, 0, 0, g.image_shape).reshape(4, -1)
    np.testing.assert_allclose(layer.visible_activation(H), layer.b + down, atol=1e-12)


def _chain(layer, n, n_burn, rounds, rng):
    """Samples of the tied-copies chain h -> (copies of) v -> (copies of) h."""
    H = np.zeros((n, layer.n_filters) + layer.geometry.detector_shape)
    for step in range(n_burn + 3 * rounds):
        V = layer.sample_visible(H, rng)
        H = layer.pool_and_sample(layer.hidden_input(V), rng)[3]
        if step >= n_burn and (step - n_burn) % 3 == 2:
            yield V, H


def test_two_image_copies_chain_matches_the_exact_hidden_distribution():
    # 2x3 images, two filters with one block of two detectors each: with
    # two tied image copies p(h) ~ exp(c . h) (prod_j (1 + exp(b + F ** h)_j))^2
    layer = _layer((2, 3), 2, (2, 2), (1, 2), up=2, down=1, seed=5)
    g = layer.geometry
    H_all = ref.detector_configurations(2, g.detector_shape, g.pool_shape)
    down = ref.conv_down(H_all, layer.F, 0, 0, g.image_shape).reshape(len(H_all), -1)
    log_p = H_all.sum(axis=(2, 3)) @ layer.c + 2 * np.logaddexp(0, layer.b + down).sum(axis=1)
    p = np.exp(log_p - logsumexp(log_p))
    codes = {h.tobytes(): i for i, h in enumerate(H_all)}
    counts = np.zeros(len(H_all))
    for V, H in _chain(layer, 2000, 20, 10, np.random.default_rng(0)):
        assert set(np.unique(V)) <= {0.0, 0.5, 1.0}  # means of two binary copies
        counts += np.bincount([codes[h.tobytes()] for h in H], minlength=len(H_all))
    assert 0.5 * np.abs(counts / counts.sum() - p).sum() < 0.04


def test_two_hidden_copies_chain_matches_the_exact_image_distribution():
    # with two tied copies of the hidden layer p(v) ~ exp(b . v) (sum_h
    # exp(h . (F * v + c)))^2, the blocks summed out by the twin
    layer = _layer((2, 3), 2, (2, 2), (1, 2), up=1, down=2, seed=6)
    g = layer.geometry
    V_all = ref.all_binary_vectors(6)
    I = ref.conv_up(V_all.reshape(-1, 1, 2, 3), layer.F, layer.c, 0, 0, g.detector_shape)
    log_p = V_all @ layer.b + 2 * ref.pool_softmax(I, 1.0, g.pool_shape)[2]
    p = np.exp(log_p - logsumexp(log_p))
    counts = np.zeros(64)
    for V, H in _chain(layer, 2000, 20, 10, np.random.default_rng(1)):
        assert set(np.unique(H)) <= {0.0, 0.5, 1.0}
        counts += np.bincount((V @ (2 ** np.arange(5, -1, -1))).astype(int), minlength=64)
    assert 0.5 * np.abs(counts / counts.sum() - p).sum() < 0.04


def test_one_copy_each_is_the_convolutional_rbm_bit_for_bit():
    X = (np.random.default_rng(3).random((40, 36)) < 0.3).astype(float)
    kw = dict(n_filters=3, filter_shape=3, max_iter=2, random_state=0)
    plain = ConvolutionalRBM(**kw).fit(X)
    tied = TiedCopiesConvRBM(**kw).fit(X)  # copies = (1, 1)
    for name in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"):
        np.testing.assert_array_equal(getattr(plain, name), getattr(tied, name))


@pytest.mark.parametrize("visible_type", ["bernoulli", "gaussian"])
def test_doubled_pretraining_composes_the_tied_copies_rbms(visible_type):
    rng = np.random.default_rng(4)
    X = (rng.random((50, 49)) < 0.3).astype(float)
    kw = dict(n_filters=(3, 2), filter_shape=(3, 2), max_iter=1, pretrain_max_iter=2,
              pretrain_doubled=True, visible_type=visible_type, random_state=0)
    if visible_type == "gaussian":
        kw.update(learning_rate=0.001, pretrain_learning_rate=0.01)
    model = ConvolutionalDBM(**kw).set_params(max_iter=0).fit(X)
    first, second = model.pretrained_rbms_
    assert isinstance(first, TiedCopiesConvRBM) and first.copies == (2, 1)
    assert isinstance(second, TiedCopiesConvRBM) and second.copies == (1, 2)
    assert first.visible_type == visible_type and second.visible_type == "bernoulli"
    # the DBM takes the weights unchanged (no epochs of joint training here)
    np.testing.assert_array_equal(model.components_[0], first.components_)
    np.testing.assert_array_equal(model.components_[1], second.components_)
    np.testing.assert_array_equal(model.intercepts_[1], first.intercept_hidden_)
    # the second RBM was trained on the pooled probabilities of the doubled input
    layer = first._layer()
    pooled = layer.pool(layer.hidden_input(X))[1].reshape(50, -1)
    plain = ConvolutionalRBM._layer(first)
    np.testing.assert_allclose(first.transform(X), pooled)
    assert not np.allclose(pooled, plain.pool(plain.hidden_input(X))[1].reshape(50, -1))
    # a doubled fit differs from the plain one, and both train and score
    single = ConvolutionalDBM(**{**kw, "pretrain_doubled": False}).set_params(max_iter=0).fit(X)
    assert not np.array_equal(single.components_[0], model.components_[0])
    assert np.all(np.isfinite(model.fit(X).transform(X)))
