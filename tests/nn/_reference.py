"""Plain-numpy twins of the kernels of ``skgenerative/nn/_kernels.py``.

Slow and obvious on purpose: each function restates the math of a kernel so
that a test can check the kernel against it. Random draws are consumed in the
same order as the kernels, so the twins see the same stream. Tests import a
family's twins as ``from tests.<family> import _reference as ref``.
"""

import numpy as np


def bernoulli_loglik_grad(X, logits):
    """Twin of ``_bernoulli_loglik_grad``: (row log-likelihoods, x - sigmoid(z))."""
    z = logits.astype(np.float64)
    ll = (X * z - np.logaddexp(0.0, z)).sum(axis=1)
    return ll, (X - 1.0 / (1.0 + np.exp(-z))).astype(logits.dtype)


def bernoulli_loglik(X, logits):
    """Twin of ``_bernoulli_loglik``."""
    return bernoulli_loglik_grad(X, logits)[0]


def adam_update(param, grad, m, v, beta1, beta2, step_size, epsilon):
    """Twin of ``_adam_update`` (returns new arrays)."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param + step_size * m / (np.sqrt(v) + epsilon), m, v


def conv2d_gather(X, W, stride):
    """Twin of ``_conv2d_gather``: the valid convolution, one window at a time."""
    n, c_in, h, w = X.shape
    c_out, _, k, _ = W.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.zeros((n, c_out, oh, ow), dtype=np.float64)
    for i in range(oh):
        for j in range(ow):
            window = X[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, :, i, j] = np.einsum("ncpq,ocpq->no", window, W)
    return out


def conv2d_scatter(G, W, stride, out_shape):
    """Twin of ``_conv2d_scatter``: each output gradient spread over its window."""
    out = np.zeros(out_shape, dtype=np.float64)
    k = W.shape[2]
    for i in range(G.shape[2]):
        for j in range(G.shape[3]):
            out[:, :, i * stride:i * stride + k, j * stride:j * stride + k] += np.einsum(
                "no,ocpq->ncpq", G[:, :, i, j], W)
    return out


def conv2d_weight_grad(X, G, stride, k):
    """Twin of ``_conv2d_weight_grad``."""
    gW = np.zeros((G.shape[1], X.shape[1], k, k), dtype=np.float64)
    for i in range(G.shape[2]):
        for j in range(G.shape[3]):
            window = X[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            gW += np.einsum("ncpq,no->ocpq", window, G[:, :, i, j])
    return gW
