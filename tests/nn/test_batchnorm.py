"""BatchNorm: gradients in both modes, the statistics it uses, its running
averages, and batch-normalised generators."""

import numpy as np
import pytest

from skgenerative.nn import Dense
from skgenerative.nn._batchnorm import BatchNorm, training_mode
from skgenerative.nn._convnet import Sequential, batch_normalised_mlp, conv_generator
from tests.nn.test_convnet import _check_gradients


def _net(n_channels, n_positions, activation, rng):
    n = n_channels * n_positions
    net = Sequential([Dense(3, n, "linear"),
                      BatchNorm(n_channels, n_positions, activation),
                      Dense(n, 2, "tanh", weight_key="W1", bias_key="b1")], random_state=0)
    net.params["gamma"][:] = rng.uniform(0.5, 1.5, n_channels)
    net.params["beta"][:] = rng.normal(size=n_channels)
    return net


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("n_channels, n_positions, activation",
                         [(4, 1, "tanh"), (3, 5, "softplus"), (2, 4, "linear")])
def test_gradients_match_finite_differences(training, n_channels, n_positions, activation):
    rng = np.random.default_rng(0)
    net = _net(n_channels, n_positions, activation, rng)
    bn = net.layers[1]
    bn.running_mean = rng.normal(size=n_channels)
    bn.running_var = rng.uniform(0.5, 2.0, n_channels)
    X = rng.normal(size=(6, 3))
    if training:  # through the batch's mean and variance too
        with training_mode(net):
            _check_gradients(net, X, rng)
    else:
        _check_gradients(net, X, rng)


def test_training_mode_standardises_each_channel_over_rows_and_positions():
    rng = np.random.default_rng(1)
    layer = BatchNorm(3, 4)
    params = layer.init_params(rng)
    X = rng.normal(loc=5.0, scale=3.0, size=(10, 12))
    with training_mode(Sequential([layer])):
        out = layer.forward(params, X)[0].reshape(10, 3, 4)
    np.testing.assert_allclose(out.mean(axis=(0, 2)), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(0, 2)), 1.0, rtol=1e-4)
    # one statistic per channel: positions of a channel share it
    by_hand = (X.reshape(10, 3, 4)[:, 1] - X.reshape(10, 3, 4)[:, 1].mean()) / np.sqrt(
        X.reshape(10, 3, 4)[:, 1].var() + 1e-5)
    np.testing.assert_allclose(out[:, 1], by_hand)
    assert layer.training is False  # restored after the block


def test_running_averages_reach_the_population_and_inference_is_per_row():
    rng = np.random.default_rng(2)
    layer = BatchNorm(2, 3, momentum=0.05)
    params = layer.init_params(rng)
    mean, scale = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    with training_mode(Sequential([layer])):
        for _ in range(400):
            batch = rng.normal(size=(50, 2, 3)) * scale[:, None] + mean[:, None]
            layer.forward(params, batch.reshape(50, 6))
    np.testing.assert_allclose(layer.running_mean, mean, atol=0.1)
    np.testing.assert_allclose(layer.running_var, scale**2, rtol=0.1)
    # inference mode: a row's output does not depend on the other rows
    X = rng.normal(size=(5, 6))
    alone = np.vstack([layer.forward(params, X[i:i + 1])[0] for i in range(5)])
    np.testing.assert_allclose(layer.forward(params, X)[0], alone)
    expected = ((X.reshape(5, 2, 3) - layer.running_mean[:, None])
                / np.sqrt(layer.running_var[:, None] + 1e-5)).reshape(5, 6)
    np.testing.assert_allclose(layer.forward(params, X)[0], expected)


def test_float32_stays_float32():
    layer = BatchNorm(2, 2, "tanh")
    params = layer.init_params(np.random.default_rng(0), np.float32)
    X = np.random.default_rng(1).normal(size=(4, 4)).astype(np.float32)
    with training_mode(Sequential([layer])):
        out, cache = layer.forward(params, X)
    assert out.dtype == np.float32 and layer.running_var.dtype == np.float32
    grads, gX = layer.backward(params, cache, np.ones_like(out))
    assert gX.dtype == np.float32 and grads["gamma"].dtype == np.float32


def test_batch_normalised_generators():
    rng = np.random.default_rng(3)
    plain = conv_generator(3, (5, 6), (2, 3), (4,), "tanh", random_state=0, prefix="gen_")
    normed = conv_generator(3, (5, 6), (2, 3), (4,), "tanh", batch_norm=True, random_state=0,
                            prefix="gen_")
    # every layer but the output is linear and followed by a BatchNorm layer
    kinds = [type(layer).__name__ for layer in normed.layers]
    assert kinds == ["Dense", "BatchNorm", "Dense", "BatchNorm", "ImageLayer", "BatchNorm",
                     "ImageLayer"]
    assert [layer.n_channels for layer in normed.layers if isinstance(layer, BatchNorm)] == [
        4, 3, 2]
    assert all(key.startswith("gen_") for key in normed.params)
    # without batch_norm the keys are those of earlier versions (pickles, warm starts)
    assert set(plain.params) == {f"gen_{k}{i}" for k in "Wb" for i in range(4)}
    for value in normed.params.values():
        value += 0.1 * rng.normal(size=value.shape)
    with training_mode(normed):
        _check_gradients(normed, rng.normal(size=(4, 3)), rng)
    mlp = batch_normalised_mlp([3, 5, 4, 2], "softplus", random_state=0)
    assert [type(layer).__name__ for layer in mlp.layers] == [
        "Dense", "BatchNorm", "Dense", "BatchNorm", "Dense"]
    assert mlp.layers[-1].activation == "linear"
    with training_mode(mlp):
        _check_gradients(mlp, rng.normal(size=(5, 3)) + 0.3, rng)


def test_validation():
    with pytest.raises(ValueError, match="positive"):
        BatchNorm(0)
    with pytest.raises(ValueError, match="Unknown activation"):
        BatchNorm(2, 1, "swish")
