"""Plain-numpy twins of the kernels of ``skgenerative/nn/_kernels.py`` and
``skgenerative/nn/_conv_kernels.py``.

Slow and obvious on purpose: each function restates the math of a kernel so
that a test can check the kernel against it. Random draws are consumed in the
same order as the kernels, so the twins see the same stream. Tests import a
family's twins as ``from tests.<family> import _reference as ref``.
"""

import numpy as np
from scipy.special import expit


def bernoulli_loglik_grad(X, logits):
    """Twin of ``_bernoulli_loglik_grad``: (row log-likelihoods, x - sigmoid(z))."""
    z = logits.astype(np.float64)
    ll = (X * z - np.logaddexp(0.0, z)).sum(axis=1)
    return ll, (X - expit(z)).astype(logits.dtype)


def bernoulli_loglik(X, logits):
    """Twin of ``_bernoulli_loglik``."""
    return bernoulli_loglik_grad(X, logits)[0]


def adam_update(param, grad, m, v, beta1, beta2, step_size, epsilon):
    """Twin of ``_adam_update`` (returns new arrays)."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param + step_size * m / (np.sqrt(v) + epsilon), m, v


def _padded(X, k, stride, pad, output_shape):
    """``X`` inside zeros: ``pad`` rows/columns before, enough after for
    every window of ``output_shape``."""
    n, c, h, w = X.shape
    (oh, ow), (pt, pl) = output_shape, pad
    big = np.zeros((n, c, max(h + pt, (oh - 1) * stride + k[0]),
                    max(w + pl, (ow - 1) * stride + k[1])), dtype=np.float64)
    big[:, :, pt:pt + h, pl:pl + w] = X
    return big


def im2col(X, k, stride, pad, output_shape):
    """Twin of ``_im2col``: (n, oh, ow, channels * kh * kw), the window of the
    zero-padded images that each output sees, flattened channel-major."""
    big = _padded(X, k, stride, pad, output_shape)
    out = np.empty((X.shape[0],) + tuple(output_shape) + (X.shape[1] * k[0] * k[1],))
    for i in range(output_shape[0]):
        for j in range(output_shape[1]):
            window = big[:, :, i * stride:i * stride + k[0], j * stride:j * stride + k[1]]
            out[:, i, j] = window.reshape(X.shape[0], -1)
    return out


def col2im(cols, k, stride, pad, image_shape, n_channels):
    """Twin of ``_col2im``: each patch added back onto its window; the padding is dropped."""
    n, oh, ow, _ = cols.shape
    big = _padded(np.zeros((n, n_channels) + tuple(image_shape)), k, stride, pad, (oh, ow))
    for i in range(oh):
        for j in range(ow):
            big[:, :, i * stride:i * stride + k[0], j * stride:j * stride + k[1]] += (
                cols[:, i, j].reshape(n, n_channels, k[0], k[1]))
    return big[:, :, pad[0]:pad[0] + image_shape[0], pad[1]:pad[1] + image_shape[1]]


def conv2d_gather(X, W, stride, pad=(0, 0), output_shape=None):
    """Twin of ``correlate``: the zero-padded cross-correlation, one window at a time."""
    n, c_in, h, w = X.shape
    c_out, _, kh, kw = W.shape
    if output_shape is None:
        output_shape = ((h - kh) // stride + 1, (w - kw) // stride + 1)
    big = _padded(X, (kh, kw), stride, pad, output_shape)
    out = np.zeros((n, c_out) + tuple(output_shape), dtype=np.float64)
    for i in range(output_shape[0]):
        for j in range(output_shape[1]):
            window = big[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum("ncpq,ocpq->no", window, W)
    return out


def conv2d_scatter(G, W, stride, out_shape, pad=(0, 0)):
    """Twin of ``correlate_adjoint``: each output gradient spread over its
    window; the padding is dropped."""
    n, c, h, w = out_shape
    kh, kw = W.shape[2:]
    big = _padded(np.zeros(out_shape), (kh, kw), stride, pad, G.shape[2:])
    for i in range(G.shape[2]):
        for j in range(G.shape[3]):
            big[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum(
                "no,ocpq->ncpq", G[:, :, i, j], W)
    return big[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + w]


def conv2d_weight_grad(X, G, stride, k, pad=(0, 0)):
    """Twin of ``correlate_weight_grad`` (on the patches of ``X``)."""
    kh, kw = (k, k) if np.isscalar(k) else k
    big = _padded(X, (kh, kw), stride, pad, G.shape[2:])
    gW = np.zeros((G.shape[1], X.shape[1], kh, kw), dtype=np.float64)
    for i in range(G.shape[2]):
        for j in range(G.shape[3]):
            window = big[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            gW += np.einsum("ncpq,no->ocpq", window, G[:, :, i, j])
    return gW
