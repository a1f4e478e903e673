import numpy as np
import pytest

from skgenerative.nn import Conv2D, ConvTranspose2D, Unpool2D
from skgenerative.nn._conv_kernels import (
    _col2im,
    _im2col,
    correlate,
    correlate_adjoint,
    correlate_weight_grad,
    patches,
)
from tests.nn import _reference as ref
from tests.nn.test_mlp import _numeric_grad


#: (image, kernel, stride, padding): valid, strided, padded ("same" / "full"
#: of a convolutional RBM), strided and padded, and a stride that leaves the
#: last column unreached.
GEOMETRIES = [((7, 6), (3, 3), 1, (0, 0)), ((7, 6), (3, 3), 2, (0, 0)),
              ((5, 6), (3, 2), 1, (1, 0)), ((5, 6), (3, 2), 1, (2, 1)),
              ((7, 7), (3, 2), 2, (1, 1)), ((6, 6), (2, 2), 2, (0, 0))]


def _output_shape(image, k, stride, pad):
    # windows that fit inside the image padded by ``pad`` on both sides
    return tuple((s + 2 * p - kk) // stride + 1 for s, kk, p in zip(image, k, pad))


@pytest.mark.parametrize("image, k, stride, pad", GEOMETRIES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_and_col2im_agree_with_their_twins(dtype, image, k, stride, pad):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3, 2) + image).astype(dtype)
    oh, ow = _output_shape(image, k, stride, pad)
    cols = np.empty((3, oh, ow, 2 * k[0] * k[1]), dtype=dtype)
    _im2col(X, k[0], k[1], stride, pad[0], pad[1], cols)
    np.testing.assert_array_equal(cols, ref.im2col(X, k, stride, pad, (oh, ow)))
    np.testing.assert_array_equal(patches(X, k, stride, pad, (oh, ow)), cols)
    C = rng.normal(size=cols.shape).astype(dtype)
    out = np.full_like(X, np.nan)  # overwritten, also where no window reaches
    _col2im(C, k[0], k[1], stride, pad[0], pad[1], out)
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(out, ref.col2im(C, k, stride, pad, image, 2), **tol)
    # col2im is the adjoint of im2col: <im2col(X), C> = <X, col2im(C)>
    assert np.sum(cols * C, dtype=np.float64) == pytest.approx(
        np.sum(X * out, dtype=np.float64), rel=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("image, k, stride, pad", GEOMETRIES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_convolutions_agree_with_their_twins(dtype, image, k, stride, pad):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 3) + image).astype(dtype)
    W = rng.normal(size=(4, 3) + k).astype(dtype)
    out_shape = _output_shape(image, k, stride, pad)
    G = rng.normal(size=(2, 4) + out_shape).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    out, cols = correlate(X, W, stride, pad, out_shape)
    assert out.dtype == dtype and out.flags.c_contiguous
    np.testing.assert_allclose(out, ref.conv2d_gather(X, W, stride, pad, out_shape), **tol)
    back = correlate_adjoint(G, W, stride, pad, image)
    assert back.dtype == dtype
    np.testing.assert_allclose(back, ref.conv2d_scatter(G, W, stride, X.shape, pad), **tol)
    gW = correlate_weight_grad(cols, G).reshape(W.shape)
    np.testing.assert_allclose(gW, ref.conv2d_weight_grad(X, G, stride, k, pad), **tol)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("cls", [Conv2D, ConvTranspose2D])
def test_conv_layer_gradients_match_finite_differences(cls, stride):
    rng = np.random.default_rng(1)
    layer = cls(2, 3, 3, stride=stride, activation="tanh")
    params = layer.init_params(rng)
    params["b"] += rng.normal(size=3)
    X = rng.normal(size=(2, 2, 5, 5))
    out, _ = layer.forward(params, X)
    size = layer.output_size(5)
    assert out.shape == (2, 3, size, size)
    R = rng.normal(size=out.shape)

    def f():
        return float((layer.forward(params, X)[0] * R).sum())

    grads, gX = layer.backward(params, layer.forward(params, X)[1], R)
    for key in ("W", "b"):
        np.testing.assert_allclose(grads[key], _numeric_grad(f, params[key]), rtol=1e-5,
                                   atol=1e-7)
    np.testing.assert_allclose(gX, _numeric_grad(f, X), rtol=1e-5, atol=1e-7)


def test_transposed_convolution_is_the_adjoint_of_convolution():
    rng = np.random.default_rng(2)
    conv, deconv = Conv2D(2, 3, 3, stride=2), ConvTranspose2D(3, 2, 3, stride=2)
    params = conv.init_params(rng)  # W of shape (3, 2, 3, 3) serves both; zero biases
    transposed = {"W": params["W"], "b": np.zeros(2)}
    X, Y = rng.normal(size=(1, 2, 7, 7)), rng.normal(size=(1, 3, 3, 3))
    # <conv(X), Y> = <X, conv^T(Y)>
    assert np.sum(conv.forward(params, X)[0] * Y) == pytest.approx(
        np.sum(X * deconv.forward(transposed, Y)[0]))
    assert deconv.forward(transposed, Y)[0].shape == (1, 2, 7, 7)


def test_unpooling_places_values_in_upper_left_corners():
    layer = Unpool2D(2)
    X = np.arange(8.0).reshape(1, 2, 2, 2)
    out, cache = layer.forward({}, X)
    assert out.shape == (1, 2, 4, 4)
    np.testing.assert_array_equal(out[0, 0], [[0, 0, 1, 0], [0, 0, 0, 0], [2, 0, 3, 0],
                                              [0, 0, 0, 0]])
    R = np.random.default_rng(3).normal(size=out.shape)
    grads, gX = layer.backward({}, cache, R)
    assert grads == {}
    np.testing.assert_allclose(gX, _numeric_grad(lambda: float((layer.forward({}, X)[0] * R)
                                                                .sum()), X), atol=1e-8)


def test_layers_validate_their_input():
    with pytest.raises(ValueError, match="expects input of shape"):
        Conv2D(2, 3, 3).forward(Conv2D(2, 3, 3).init_params(np.random.default_rng(0)),
                                np.zeros((1, 1, 5, 5)))
    with pytest.raises(ValueError, match="smaller than the kernel"):
        Conv2D(1, 1, 3).forward(Conv2D(1, 1, 3).init_params(np.random.default_rng(0)),
                                np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="Unknown activation"):
        ConvTranspose2D(1, 1, 3, activation="swish")
