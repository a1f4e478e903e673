"""Numba kernels of the convolution layers (§20.10.6).

Arrays are ``(n, channels, height, width)``, C-contiguous; ``stride`` is the
step of the kernel window. Three loops serve both layers:

* ``_conv2d_gather``: ``out[n, o, i, j] = sum_{c, p, q} X[n, c, i s + p, j s + q] W[o, c, p, q]``
  (convolution forward; transposed convolution's input gradient);
* ``_conv2d_scatter``: ``out[n, c, i s + p, j s + q] += sum_o G[n, o, i, j] W[o, c, p, q]``
  (convolution's input gradient; transposed convolution forward);
* ``_conv2d_weight_grad``:
  ``gW[o, c, p, q] = sum_{n, i, j} X[n, c, i s + p, j s + q] G[n, o, i, j]``.

Plain-numpy twins: ``tests/nn/_reference.py``.
"""

from numba import njit

from ..utils._numba_math import FASTMATH as _FASTMATH


@njit(cache=True, fastmath=_FASTMATH)
def _conv2d_gather(X, W, stride, out):
    n, c_in, _, _ = X.shape
    c_out, _, kh, kw = W.shape
    _, _, oh, ow = out.shape
    for b in range(n):
        for o in range(c_out):
            for i in range(oh):
                for j in range(ow):
                    acc = 0.0
                    for c in range(c_in):
                        for p in range(kh):
                            for q in range(kw):
                                acc += X[b, c, i * stride + p, j * stride + q] * W[o, c, p, q]
                    out[b, o, i, j] = acc
    return out


@njit(cache=True, fastmath=_FASTMATH)
def _conv2d_scatter(G, W, stride, out):
    n, c_out, gh, gw = G.shape
    _, c_in, kh, kw = W.shape
    out[...] = 0.0
    for b in range(n):
        for o in range(c_out):
            for i in range(gh):
                for j in range(gw):
                    g = G[b, o, i, j]
                    for c in range(c_in):
                        for p in range(kh):
                            for q in range(kw):
                                out[b, c, i * stride + p, j * stride + q] += g * W[o, c, p, q]
    return out


@njit(cache=True, fastmath=_FASTMATH)
def _conv2d_weight_grad(X, G, stride, gW):
    n, c_out, gh, gw = G.shape
    _, c_in, kh, kw = gW.shape
    gW[...] = 0.0
    for b in range(n):
        for o in range(c_out):
            for i in range(gh):
                for j in range(gw):
                    g = G[b, o, i, j]
                    for c in range(c_in):
                        for p in range(kh):
                            for q in range(kw):
                                gW[o, c, p, q] += X[b, c, i * stride + p, j * stride + q] * g
    return gW
