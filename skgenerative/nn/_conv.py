"""Convolution, transposed convolution and un-pooling layers (§20.10.6).

They follow the interface of :class:`~skgenerative.nn.Dense` (parameters in
a dict, ``forward(params, X) -> (a, cache)``, ``backward(params, cache,
grad_a, input_grad) -> (grads, grad_X)``) on 4-D arrays ``(n_samples,
channels, height, width)``:

* :class:`Conv2D` — valid convolution (cross-correlation, as in deep
  learning libraries) with a stride, the recognition direction;
* :class:`ConvTranspose2D` — its transpose ("deconvolution"): the map whose
  matrix is the transpose of a convolution's, which grows the image, the
  generation direction of a convolutional generator;
* :class:`Unpool2D` — the un-pooling of Dosovitskiy et al. (2015): each value
  goes to the upper-left corner of a ``k x k`` block of zeros.

Each map is image patches (im2col) and one BLAS product, the kernels shared
with the convolutional RBMs (``_conv_kernels``); an activation follows the
affine map as in ``Dense``.
"""

import numpy as np

from ._activations import ACTIVATIONS, DERIVATIVES
from ._conv_kernels import correlate, correlate_adjoint, correlate_weight_grad, patches

__all__ = ["Conv2D", "ConvTranspose2D", "Unpool2D"]


def _check_4d(X, channels, name):
    if X.ndim != 4 or X.shape[1] != channels:
        raise ValueError(f"{name} expects input of shape (n, {channels}, height, width); "
                         f"got {X.shape}.")
    return np.ascontiguousarray(X)


class _ConvBase:
    """Shared set-up (sizes, activation, Glorot-uniform initialisation) and
    passes; a subclass supplies its linear map ``_map(X, W, output_shape) ->
    (z, saved)`` and ``_map_grads(X, G, W, saved, input_grad) -> (gW, gX)``,
    the gradients of ``<G, map(X, W)>`` (``saved``: what ``_map`` kept, the
    input's patches)."""

    def __init__(self, in_channels, out_channels, kernel_size, *, stride=1,
                 activation="linear", weight_key="W", bias_key="b"):
        if activation not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {activation!r}; choose one of "
                             f"{sorted(ACTIVATIONS)}.")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = int(kernel_size)
        self.stride = int(stride)
        if min(self.in_channels, self.out_channels, self.kernel_size, self.stride) < 1:
            raise ValueError("channels, kernel_size and stride must be positive.")
        self.activation = activation
        self.weight_key = weight_key
        self.bias_key = bias_key

    def _weight_shape(self):
        raise NotImplementedError

    def init_params(self, rng, dtype=np.float64):
        """Glorot-uniform weights over the fan-in and fan-out of one output, zero bias."""
        k2 = self.kernel_size**2
        scale = np.sqrt(6.0 / (k2 * (self.in_channels + self.out_channels)))
        W = rng.uniform(-scale, scale, size=self._weight_shape()).astype(dtype)
        return {self.weight_key: W, self.bias_key: np.zeros(self.out_channels, dtype=dtype)}

    def forward(self, params, X):
        """``a = f(map(X, W) + b)``; returns ``(a, cache)``."""
        X = _check_4d(X, self.in_channels, type(self).__name__)
        n, _, h, w = X.shape
        oh, ow = self.output_size(h), self.output_size(w)
        if oh < 1 or ow < 1:
            raise ValueError(f"input {h}x{w} is smaller than the kernel {self.kernel_size}.")
        z, saved = self._map(X, params[self.weight_key], (oh, ow))
        z += params[self.bias_key][None, :, None, None]
        a = ACTIVATIONS[self.activation](z)
        return a, (X, z, a, saved)

    def backward(self, params, cache, grad_a, input_grad=True):
        """Back-propagate ``grad_a``; returns ``(grads, grad_X)`` (None unless
        ``input_grad``)."""
        X, z, a, saved = cache
        if self.activation in ("linear", "identity"):
            gz = np.ascontiguousarray(grad_a)
        else:
            gz = np.ascontiguousarray(grad_a * DERIVATIVES[self.activation](z, a))
        W = params[self.weight_key]
        gW, gX = self._map_grads(X, gz, W, saved, input_grad)
        grads = {self.weight_key: gW.reshape(W.shape).astype(W.dtype, copy=False),
                 self.bias_key: gz.sum(axis=(0, 2, 3))}
        return grads, gX


class Conv2D(_ConvBase):
    """Valid 2-D convolution: ``a = f(conv(X, W) + b)``.

    ``W`` has shape ``(out_channels, in_channels, k, k)``; an input of
    ``h x w`` gives ``((h - k) // stride + 1) x ((w - k) // stride + 1)``.
    """

    def _weight_shape(self):
        return (self.out_channels, self.in_channels, self.kernel_size, self.kernel_size)

    def output_size(self, size):
        return (size - self.kernel_size) // self.stride + 1

    def _map(self, X, W, output_shape):
        return correlate(X, W, self.stride, (0, 0), output_shape)

    def _map_grads(self, X, G, W, cols, input_grad):
        gX = correlate_adjoint(G, W, self.stride, (0, 0), X.shape[2:]) if input_grad else None
        return correlate_weight_grad(cols, G), gX


class ConvTranspose2D(_ConvBase):
    """Transposed 2-D convolution: ``a = f(conv(., W)^T X + b)``.

    ``W`` has shape ``(in_channels, out_channels, k, k)`` (the weight of the
    convolution it transposes); an input of ``h x w`` gives
    ``((h - 1) stride + k) x ((w - 1) stride + k)``.
    """

    def _weight_shape(self):
        return (self.in_channels, self.out_channels, self.kernel_size, self.kernel_size)

    def output_size(self, size):
        return (size - 1) * self.stride + self.kernel_size

    def _map(self, X, W, output_shape):
        return correlate_adjoint(X, W, self.stride, (0, 0), output_shape), None

    def _map_grads(self, X, G, W, saved, input_grad):
        # the transposed map's adjoint is the convolution itself, and the
        # weight gradient pairs G's patches with X
        if input_grad:
            gX, cols = correlate(G, W, self.stride, (0, 0), X.shape[2:])
        else:
            gX, cols = None, patches(G, W.shape[2:], self.stride, (0, 0), X.shape[2:])
        return correlate_weight_grad(cols, X), gX


class Unpool2D:
    """Un-pooling (Dosovitskiy et al. 2015, §20.10.6): the inverse of ``k x k``
    max-pooling when each block's maximum is its upper-left input and the
    others are zero. Copies ``X[..., i, j]`` to ``out[..., i k, j k]`` in a
    tensor of zeros ``k`` times larger. No parameters."""

    def __init__(self, k=2):
        self.k = int(k)
        if self.k < 1:
            raise ValueError(f"k must be a positive integer; got {k!r}.")

    def init_params(self, rng, dtype=np.float64):
        return {}

    def forward(self, params, X):
        X = np.asarray(X)
        if X.ndim != 4:
            raise ValueError(f"Unpool2D expects a 4-D input; got shape {X.shape}.")
        n, c, h, w = X.shape
        out = np.zeros((n, c, h * self.k, w * self.k), dtype=X.dtype)
        out[:, :, ::self.k, ::self.k] = X
        return out, None

    def backward(self, params, cache, grad_a, input_grad=True):
        return {}, (np.ascontiguousarray(grad_a[:, :, ::self.k, ::self.k])
                    if input_grad else None)
