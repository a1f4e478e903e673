"""Batch normalisation (Ioffe & Szegedy 2015) on rows, for the DCGAN-style
generators of §20.10.6 (Radford et al. 2015 normalise every generator layer
but the output).

A :class:`BatchNorm` layer standardises each channel of its input rows, then
scales, shifts and applies an activation. It has two modes: in training mode
(inside :func:`training_mode`) it uses the batch's own mean and variance and
updates running averages of them; otherwise it uses those running averages,
so that a network's output for a row does not depend on the other rows of
its batch (sampling, scoring, checks between epochs).
"""

import contextlib

import numpy as np

from ._activations import ACTIVATIONS, DERIVATIVES
from ._mlp import _check_activation

__all__ = ["BatchNorm", "training_mode"]


class BatchNorm:
    """Standardise each channel over the batch, then ``a = f(gamma * x_hat + beta)``.

    Parameters
    ----------
    n_channels : int
    n_positions : int, default=1
        Values per channel in a row: ``height * width`` of a convolutional
        layer's output stored as a flat row (``(channels, height, width)``
        order), 1 for a dense layer (each feature its own channel).
    activation : str, default="linear"
        Applied after the affine map (a key of ``nn.ACTIVATIONS``).
    momentum : float, default=0.1
        Weight of a new batch in the running averages.
    eps : float, default=1e-5
        Added to the variance.
    scale_key, shift_key : str
        Keys of ``gamma`` (initially 1) and ``beta`` (0) in the parameter dict.

    Attributes
    ----------
    training : bool
        Batch statistics (True) or the running averages (False, the default).
    running_mean, running_var : ndarray of shape (n_channels,)
        Averages of the batch means and of the unbiased batch variances.
    """

    def __init__(self, n_channels, n_positions=1, activation="linear", *, momentum=0.1,
                 eps=1e-5, scale_key="gamma", shift_key="beta"):
        self.n_channels = int(n_channels)
        self.n_positions = int(n_positions)
        if self.n_channels < 1 or self.n_positions < 1:
            raise ValueError("n_channels and n_positions must be positive.")
        self.n_in = self.n_out = self.n_channels * self.n_positions
        self.activation = _check_activation(activation)
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.scale_key = scale_key
        self.shift_key = shift_key
        self.training = False
        self.running_mean = np.zeros(self.n_channels)
        self.running_var = np.ones(self.n_channels)

    def init_params(self, rng, dtype=np.float64):
        self.running_mean = np.zeros(self.n_channels, dtype=dtype)
        self.running_var = np.ones(self.n_channels, dtype=dtype)
        return {self.scale_key: np.ones(self.n_channels, dtype=dtype),
                self.shift_key: np.zeros(self.n_channels, dtype=dtype)}

    def forward(self, params, X):
        """Returns ``(a, cache)``; in training mode also updates the running averages."""
        n = X.shape[0]
        V = X.reshape(n, self.n_channels, self.n_positions)
        if self.training:
            mean = V.mean(axis=(0, 2))
            var = V.var(axis=(0, 2))
            m = n * self.n_positions
            r = self.momentum
            self.running_mean = ((1 - r) * self.running_mean + r * mean).astype(X.dtype)
            self.running_var = ((1 - r) * self.running_var
                                + r * var * (m / max(m - 1, 1))).astype(X.dtype)
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = (1.0 / np.sqrt(var + self.eps)).astype(X.dtype)
        x_hat = (V - mean[None, :, None]) * inv_std[None, :, None]
        z = (x_hat * params[self.scale_key][None, :, None]
             + params[self.shift_key][None, :, None])
        a = ACTIVATIONS[self.activation](z)
        return a.reshape(n, self.n_out), (x_hat, z, a, inv_std, self.training)

    def backward(self, params, cache, grad_a, input_grad=True):
        """Back-propagate ``grad_a``; returns ``(grads, grad_X)`` (None unless
        ``input_grad``). In training mode the gradient flows through the
        batch's mean and variance too."""
        x_hat, z, a, inv_std, training = cache
        g = grad_a.reshape(z.shape)
        if self.activation not in ("linear", "identity"):
            g = g * DERIVATIVES[self.activation](z, a)
        grads = {self.scale_key: (g * x_hat).sum(axis=(0, 2)),
                 self.shift_key: g.sum(axis=(0, 2))}
        if not input_grad:
            return grads, None
        g_hat = g * params[self.scale_key][None, :, None]
        if training:
            g_hat = (g_hat - g_hat.mean(axis=(0, 2), keepdims=True)
                     - x_hat * (g_hat * x_hat).mean(axis=(0, 2), keepdims=True))
        return grads, (g_hat * inv_std[None, :, None]).reshape(grad_a.shape[0], self.n_in)


@contextlib.contextmanager
def training_mode(network):
    """Put the :class:`BatchNorm` layers of ``network`` (anything with
    ``layers``) in training mode for the ``with`` block."""
    layers = [layer for layer in network.layers if isinstance(layer, BatchNorm)]
    for layer in layers:
        layer.training = True
    try:
        yield network
    finally:
        for layer in layers:
            layer.training = False
