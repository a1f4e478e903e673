import numpy as np
import pytest

from skgenerative.nn import MLP
from skgenerative.nn._dropout import dropout_backward, dropout_forward, hidden_features
from tests.nn.test_mlp import _numeric_grad


def test_dropout_backward_matches_finite_differences_for_fixed_masks():
    rng = np.random.default_rng(0)
    net = MLP([3, 6, 5, 2], ["tanh", "softplus"], random_state=0)
    X = rng.normal(size=(7, 3))
    R = rng.normal(size=(7, 2))

    def f():  # the same masks at every evaluation: a fixed seed
        return float((dropout_forward(net, X, 0.4, np.random.default_rng(1))[0] * R).sum())

    out, cache = dropout_forward(net, X, 0.4, np.random.default_rng(1))
    caches, masks = cache
    assert masks[-1] is None and all(m is not None for m in masks[:-1])
    # inverted dropout: kept units scaled by 1 / (1 - rate)
    assert set(np.unique(masks[0])) <= {0.0, 1 / 0.6}
    grads, gX = dropout_backward(net, cache, R, input_grad=True)
    for key, value in net.params.items():
        np.testing.assert_allclose(grads[key], _numeric_grad(f, value), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gX, _numeric_grad(f, X), rtol=1e-5, atol=1e-7)
    assert dropout_backward(net, cache, R, input_grad=True, param_grads=False)[0] == {}


def test_dropout_rate_zero_is_the_plain_network():
    rng = np.random.default_rng(2)
    net = MLP([4, 5, 3], "relu", random_state=0)
    X, R = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    out, cache = dropout_forward(net, X, 0.0, rng)
    ref, ref_cache = net.forward(X)
    np.testing.assert_array_equal(out, ref)
    grads, ref_grads = dropout_backward(net, cache, R), net.backward(ref_cache, R)
    for key in ref_grads:
        np.testing.assert_array_equal(grads[key], ref_grads[key])
    np.testing.assert_array_equal(hidden_features(net, X), net.layers[0].forward(net.params, X)[0])
    with pytest.raises(ValueError, match="rate"):
        dropout_forward(net, X, 1.0, rng)


def test_dropout_keeps_the_expected_activation():
    net = MLP([2, 400, 1], "sigmoid", random_state=0)
    X = np.ones((50, 2))
    _, (caches, _) = dropout_forward(net, X, 0.5, np.random.default_rng(3))
    dropped = caches[1][0]  # the hidden layer as the output layer sees it
    assert 0.4 < np.mean(dropped == 0) < 0.6
    # E[mask] = 1: on average the deterministic network's activations
    np.testing.assert_allclose(dropped.mean(), hidden_features(net, X).mean(), rtol=0.02)
