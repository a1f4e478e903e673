import numpy as np
import pytest

from skgenerative.nn import (
    ACTIVATIONS,
    DERIVATIVES,
    MLP,
    SGD,
    Adam,
    BernoulliHead,
    Dense,
    GaussianHead,
    softmax_cross_entropy,
    squared_error,
)
from skgenerative.nn._kernels import _bernoulli_loglik, _bernoulli_loglik_grad
from tests.nn import _reference as ref

ACTS = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"]


def _numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


@pytest.mark.parametrize("name", ACTS)
def test_activation_derivative_matches_finite_differences(name):
    z = np.linspace(-3, 3, 13) + 0.05  # avoid relu's kink at 0
    a = ACTIVATIONS[name](z)
    num = (ACTIVATIONS[name](z + 1e-6) - ACTIVATIONS[name](z - 1e-6)) / 2e-6
    np.testing.assert_allclose(DERIVATIVES[name](z, a), num, rtol=1e-6, atol=1e-8)


def test_sigmoid_and_softplus_are_stable_for_large_inputs():
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = ACTIVATIONS["sigmoid"](z)
        sp = ACTIVATIONS["softplus"](z)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(sp))
    np.testing.assert_allclose(sp[-1], 1000.0)
    np.testing.assert_allclose(s[[0, -1]], [0.0, 1.0])


@pytest.mark.parametrize("name", ACTS)
def test_dense_layer_gradients_match_finite_differences(name):
    rng = np.random.default_rng(1)
    layer = Dense(4, 3, name)
    params = layer.init_params(rng)
    params["b"] += rng.normal(size=3)
    X = rng.normal(size=(5, 4))
    R = rng.normal(size=(5, 3))

    def f():
        return float((layer.forward(params, X)[0] * R).sum())

    out, cache = layer.forward(params, X)
    grads, gX = layer.backward(params, cache, R)
    for key in ("W", "b"):
        np.testing.assert_allclose(grads[key], _numeric_grad(f, params[key]), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gX, _numeric_grad(f, X), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("output", ["linear", "sigmoid"])
def test_mlp_backward_matches_finite_differences(output):
    rng = np.random.default_rng(2)
    net = MLP([4, 6, 5, 3], ["tanh", "softplus"], output, random_state=0, prefix="enc_")
    assert set(net.params) == {"enc_W0", "enc_b0", "enc_W1", "enc_b1", "enc_W2", "enc_b2"}
    X = rng.normal(size=(7, 4))
    R = rng.normal(size=(7, 3))

    def f():
        return float((net.forward(X)[0] * R).sum())

    out, cache = net.forward(X)
    grads, gX = net.backward(cache, R, input_grad=True)
    assert set(grads) == set(net.params)
    for key, value in net.params.items():
        np.testing.assert_allclose(grads[key], _numeric_grad(f, value), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gX, _numeric_grad(f, X), rtol=1e-5, atol=1e-7)


def test_mlp_float32_matches_float64_and_keeps_dtype():
    rng = np.random.default_rng(3)
    net64 = MLP([5, 8, 2], "relu", random_state=0)
    net32 = MLP([5, 8, 2], "relu", random_state=0, dtype=np.float32)
    X = rng.normal(size=(6, 5))
    R = rng.normal(size=(6, 2))
    o64, c64 = net64.forward(X)
    o32, c32 = net32.forward(X.astype(np.float32))
    assert o32.dtype == np.float32
    np.testing.assert_allclose(o32, o64, rtol=1e-4, atol=1e-5)
    g64, g32 = net64.backward(c64, R), net32.backward(c32, R.astype(np.float32))
    for key in g64:
        assert g32[key].dtype == np.float32
        np.testing.assert_allclose(g32[key], g64[key], rtol=1e-4, atol=1e-4)


def test_mlp_rejects_bad_configuration():
    with pytest.raises(ValueError, match="activations"):
        MLP([3, 4, 5, 2], ["tanh"])
    with pytest.raises(ValueError, match="Unknown activation"):
        MLP([3, 2], output_activation="swish")
    with pytest.raises(ValueError, match="layer_sizes"):
        MLP([3])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bernoulli_head_gradient_and_kernel_twin(dtype):
    rng = np.random.default_rng(4)
    X = (rng.random((6, 5)) < 0.5).astype(dtype)
    Z = (rng.normal(size=(6, 5)) * 30).astype(dtype)  # includes saturated logits
    Z[0, :3] = [0.0, 800.0, -800.0]  # the branch point and beyond exp's range
    head = BernoulliHead()
    ll, g = head.log_likelihood_grad(X, Z)
    ll_ref, g_ref = ref.bernoulli_loglik_grad(X, Z)
    assert ll.dtype == np.float64 and g.dtype == dtype
    np.testing.assert_allclose(ll, ll_ref, rtol=1e-12)
    np.testing.assert_allclose(g, g_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_bernoulli_loglik(X, Z), ref.bernoulli_loglik(X, Z), rtol=1e-12)
    g2 = np.empty_like(Z)
    np.testing.assert_allclose(_bernoulli_loglik_grad(X, Z, g2), ll_ref, rtol=1e-12)
    if dtype == np.float64:
        Z = rng.normal(size=(6, 5))
        num = _numeric_grad(lambda: float(head.log_likelihood(X, Z).sum()), Z)
        np.testing.assert_allclose(head.log_likelihood_grad(X, Z)[1], num, rtol=1e-5, atol=1e-8)


def test_bernoulli_head_normalises_over_binary_vectors():
    head = BernoulliHead()
    z = np.array([[0.3, -1.2, 2.0]])
    states = np.array([[(s >> j) & 1 for j in range(3)] for s in range(8)], dtype=float)
    total = np.exp(head.log_likelihood(states, np.repeat(z, 8, axis=0))).sum()
    np.testing.assert_allclose(total, 1.0)


def test_gaussian_head_gradient_and_density():
    rng = np.random.default_rng(5)
    head = GaussianHead(min_variance=0.01)
    X = rng.normal(size=(4, 3))
    out = rng.normal(size=(4, 6))
    num = _numeric_grad(lambda: float(head.log_likelihood(X, out).sum()), out)
    np.testing.assert_allclose(head.log_likelihood_grad(X, out)[1], num, rtol=1e-5, atol=1e-8)
    from scipy.stats import norm

    var = head.variance(out)
    expected = norm.logpdf(X, out[:, :3], np.sqrt(var)).sum(axis=1)
    np.testing.assert_allclose(head.log_likelihood(X, out), expected)
    assert np.all(var >= 0.01)


def test_softmax_cross_entropy_gradient_and_value():
    rng = np.random.default_rng(6)
    logits = rng.normal(size=(5, 4)) * 3
    y = rng.integers(0, 4, size=5)
    loss, grad = softmax_cross_entropy(logits, y)
    from scipy.special import log_softmax

    np.testing.assert_allclose(loss, -log_softmax(logits, axis=1)[np.arange(5), y])
    num = _numeric_grad(lambda: float(softmax_cross_entropy(logits, y)[0].sum()), logits)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-8)
    onehot = np.eye(4)[y]
    np.testing.assert_allclose(softmax_cross_entropy(logits, onehot)[0], loss)
    huge = np.array([[1000.0, -1000.0]])
    assert np.isfinite(softmax_cross_entropy(huge, np.array([1]))[0]).all()


def test_squared_error_gradient():
    rng = np.random.default_rng(7)
    p, t = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    num = _numeric_grad(lambda: float(squared_error(p, t)[0].sum()), p)
    np.testing.assert_allclose(squared_error(p, t)[1], num, rtol=1e-6, atol=1e-8)


def test_mlp_classifier_trains_with_adam_and_sgd():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = ((X[:, 0] * X[:, 1]) > 0).astype(int)  # XOR-like: needs the hidden layer
    for make in (lambda p: Adam(p, 0.02, maximize=False), lambda p: SGD(p, 0.05, 0.9, False)):
        net = MLP([2, 16, 2], "tanh", random_state=0)
        opt = make(net.params)
        for _ in range(400):
            logits, cache = net.forward(X)
            _, g = softmax_cross_entropy(logits, y)
            opt.step(net.backward(cache, g / len(X)))
        assert (net.predict(X).argmax(1) == y).mean() > 0.95


def test_one_optimizer_trains_two_networks_sharing_a_parameter_dict():
    enc = MLP([3, 4], random_state=0, prefix="enc_")
    dec = MLP([4, 3], random_state=1, prefix="dec_")
    params = {**enc.params, **dec.params}
    opt = Adam(params, 0.05, maximize=False)
    X = np.random.default_rng(0).normal(size=(20, 3))
    loss0 = None
    for _ in range(200):
        h, c1 = enc.forward(X)
        out, c2 = dec.forward(h)
        loss, g = squared_error(out, X)
        loss0 = loss.sum() if loss0 is None else loss0
        gd, gh = dec.backward(c2, g, input_grad=True)
        opt.step({**gd, **enc.backward(c1, gh)})
    assert squared_error(dec.predict(enc.predict(X)), X)[0].sum() < 0.1 * loss0
