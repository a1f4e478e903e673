import numpy as np
import pytest

from skgenerative.nn import Conv2D, ConvTranspose2D, Dense, Unpool2D
from skgenerative.nn._convnet import (
    ImageLayer,
    MinibatchStd,
    Sequential,
    conv_discriminator,
    conv_generator,
)
from tests.nn.test_mlp import _numeric_grad


def _check_gradients(net, X, rng):
    """Parameter and input gradients of ``sum(net(X) * R)`` against finite differences."""
    R = rng.normal(size=net.predict(X).shape)

    def f():
        return float(np.sum(net.predict(X) * R))

    grads, gX = net.backward(net.forward(X)[1], R, input_grad=True)
    assert set(grads) == set(net.params)
    for key, value in net.params.items():
        np.testing.assert_allclose(grads[key], _numeric_grad(f, value), rtol=1e-5,
                                   atol=1e-8, err_msg=key)
    np.testing.assert_allclose(gX, _numeric_grad(f, X), rtol=1e-5, atol=1e-8)


def test_image_layers_with_planes_and_crop_match_finite_differences():
    rng = np.random.default_rng(0)
    # 2 label columns as constant planes into a strided convolution, a
    # transposed convolution cropped to 5 x 6, an un-pooling, a dense head
    layers = [
        ImageLayer(Conv2D(1 + 2, 3, 3, stride=2, activation="tanh"), (1, 7, 8), n_planes=2),
        ImageLayer(ConvTranspose2D(3, 2, 4, stride=2, activation="softplus",
                                   weight_key="W1", bias_key="b1"), (3, 3, 3), crop=(5, 6)),
        ImageLayer(Unpool2D(2), (2, 5, 6)),
        Dense(2 * 10 * 12, 3, "tanh", weight_key="W3", bias_key="b3"),
    ]
    net = Sequential(layers, random_state=0)
    assert net.layer_sizes == (58, 27, 60, 240, 3)
    for key in ("b", "b1"):
        net.params[key] += rng.normal(size=net.params[key].shape)
    _check_gradients(net, rng.normal(size=(3, 58)), rng)
    # the planes are the label columns broadcast over the image
    X = rng.normal(size=(2, 58))
    images = np.concatenate([X[:, :56].reshape(2, 1, 7, 8),
                             np.broadcast_to(X[:, 56:, None, None], (2, 2, 7, 8))], axis=1)
    np.testing.assert_array_equal(layers[0].forward(net.params, X)[0],
                                  layers[0].layer.forward(net.params, images)[0].reshape(2, 27))
    with pytest.raises(ValueError, match="feeds one of"):
        Sequential([layers[0], layers[2]])
    with pytest.raises(ValueError, match="cannot crop"):
        ImageLayer(Conv2D(1, 1, 3), (1, 5, 5), crop=(4, 4))


@pytest.mark.parametrize("shape", [(8, 8), (7, 9), (5, 6), (28, 28)])
def test_generator_and_discriminator_fit_any_image_shape(shape):
    G = conv_generator(5, shape, (3, 2, 4), (6,), "relu", random_state=0, prefix="gen_")
    X = G.predict(np.random.default_rng(1).normal(size=(2, 5)))
    assert X.shape == (2, shape[0] * shape[1])
    assert all(key.startswith("gen_") for key in G.params)
    # the last layer is a linear convolution cropped to the image
    assert G.layers[-1].out_shape == (1, *shape)
    assert G.layers[-1].layer.activation == "linear"
    if min(shape) >= 7:
        D = conv_discriminator(shape, 3, (2, 3), (4,), "relu", random_state=0)
        assert D.predict(np.c_[X, np.ones((2, 3))]).shape == (2, 1)
    with pytest.raises(ValueError, match="too small"):
        conv_discriminator(shape, 0, (2,) * 6, (4,), "relu")


def test_whole_generator_and_discriminator_match_finite_differences():
    rng = np.random.default_rng(2)
    G = conv_generator(3, (5, 6), (2, 3), (4,), "tanh", random_state=0)
    D = conv_discriminator((5, 6), 2, (2, 3), (4,), "softplus", random_state=1)
    for net in (G, D):
        for value in net.params.values():
            value += 0.1 * rng.normal(size=value.shape)
    _check_gradients(G, rng.normal(size=(3, 3)), rng)
    _check_gradients(D, rng.normal(size=(3, 32)), rng)


def test_minibatch_std_feature_and_its_gradient():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(7, 5))
    layer = MinibatchStd(5, group_size=3)
    out = layer.forward({}, X)[0]
    np.testing.assert_array_equal(out[:, :5], X)
    # groups: rows 0-2, 3-5 and 6 alone (a group of one has std sqrt(eps))
    for rows in (slice(0, 3), slice(3, 6), slice(6, 7)):
        np.testing.assert_allclose(out[rows, 5], np.mean(np.sqrt(X[rows].var(axis=0) + 1e-8)))
    net = Sequential([Dense(5, 4, "tanh"), MinibatchStd(4, group_size=3),
                      Dense(5, 2, "tanh", weight_key="W1", bias_key="b1")], random_state=0)
    _check_gradients(net, X, rng)
    # identical rows get the smallest value
    assert layer.forward({}, np.ones((3, 5)))[0][0, 5] == pytest.approx(1e-4)


def test_discriminator_with_minibatch_std_matches_finite_differences():
    rng = np.random.default_rng(4)
    D = conv_discriminator((5, 6), 2, (2, 3), (4,), "softplus", minibatch_std=True,
                           random_state=1)
    assert isinstance(D.layers[2], MinibatchStd)
    _check_gradients(D, rng.normal(size=(6, 32)), rng)
