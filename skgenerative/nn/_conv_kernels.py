"""Convolution by image patches (im2col) and one BLAS product (§20.6, §20.10.6).

The one set of convolution kernels of the package: the convolution layers of
``nn/_conv.py`` and the convolutional Boltzmann machines
(``boltzmann/_conv_layer.py``) both use it.

Layout: images ``X`` (n, channels, height, width); filters ``W``
(n_out, channels, kh, kw); output maps (n, n_out, oh, ow). Output ``(o, i,
j)`` sees the pixels ``(c, i stride + p - pad_top, j stride + q - pad_left)``
for ``p < kh``, ``q < kw``; pixels outside the image are zeros (implicit zero
padding; the bottom and right padding follow from the output size). So

* :func:`correlate` is the zero-padded cross-correlation
  ``out[n, o, i, j] = sum_{c, p, q} X[n, c, i s + p - pt, j s + q - pl] W[o, c, p, q]``
  (convolution forward, a convolutional RBM's upward pass, a transposed
  convolution's input gradient);
* :func:`correlate_adjoint` its adjoint, each output spread back over its
  window (convolution's input gradient, transposed convolution forward, a
  convolutional RBM's downward pass);
* :func:`correlate_weight_grad` the gradient with respect to ``W``:
  ``gW[o, c, p, q] = sum_{n, i, j} X[n, c, i s + p - pt, j s + q - pl] G[n, o, i, j]``.

Each is :func:`_im2col` (gather the patches) or :func:`_col2im` (scatter them
back, its adjoint) and one matrix product on the patch matrix of shape
``(n oh ow, channels kh kw)``.

Plain-numpy twins: ``tests/nn/_reference.py``.
"""

import numpy as np
from numba import njit

__all__ = ["correlate", "correlate_adjoint", "correlate_weight_grad", "patches"]

# No fastmath: the kernels only copy and add, and col2im's sums keep their order.
_NJIT = dict(cache=True, error_model="numpy")


@njit(**_NJIT)
def _im2col(X, kh, kw, stride, pad_top, pad_left, out):
    """Image patches: ``out[s, i, j, (c * kh + p) * kw + q] = X[s, c, i stride
    + p - pad_top, j stride + q - pad_left]``, 0 outside the image; ``out``
    has shape (n, oh, ow, channels * kh * kw), one patch per output
    position."""
    n, n_channels, height, width = X.shape
    oh, ow = out.shape[1], out.shape[2]
    for s in range(n):
        for i in range(oh):
            for j in range(ow):
                for ch in range(n_channels):
                    for p in range(kh):
                        y = i * stride + p - pad_top
                        for q in range(kw):
                            x = j * stride + q - pad_left
                            t = (ch * kh + p) * kw + q
                            if 0 <= y < height and 0 <= x < width:
                                out[s, i, j, t] = X[s, ch, y, x]
                            else:
                                out[s, i, j, t] = 0


@njit(**_NJIT)
def _col2im(cols, kh, kw, stride, pad_top, pad_left, out):
    """The adjoint of :func:`_im2col`: each patch entry is added onto the
    pixel it was gathered from; entries on the padding are dropped, pixels no
    window reaches are 0. ``out`` (n, channels, height, width) is
    overwritten."""
    n, n_channels, height, width = out.shape
    oh, ow = cols.shape[1], cols.shape[2]
    out[...] = 0
    for s in range(n):
        for i in range(oh):
            for ch in range(n_channels):
                for p in range(kh):
                    y = i * stride + p - pad_top
                    if y < 0 or y >= height:
                        continue
                    for j in range(ow):
                        for q in range(kw):
                            x = j * stride + q - pad_left
                            if 0 <= x < width:
                                out[s, ch, y, x] += cols[s, i, j, (ch * kh + p) * kw + q]


def _matrix(W, dtype):
    """The filters as a (n_out, channels * kh * kw) matrix of ``dtype``."""
    return W.reshape(W.shape[0], -1).astype(dtype, copy=False)


def _channels_last(G):
    """(n, c, h, w) -> C-contiguous (n h w, c)."""
    return np.ascontiguousarray(np.transpose(G, (0, 2, 3, 1))).reshape(-1, G.shape[1])


def patches(X, kernel_shape, stride, pad, output_shape):
    """The patch array (n, oh, ow, channels * kh * kw) of images ``X`` (n,
    channels, height, width) for outputs of ``output_shape`` (oh, ow)."""
    X = np.ascontiguousarray(X)
    kh, kw = kernel_shape
    out = np.empty((X.shape[0],) + tuple(output_shape) + (X.shape[1] * kh * kw,),
                   dtype=X.dtype)
    _im2col(X, kh, kw, stride, pad[0], pad[1], out)
    return out


def correlate(X, W, stride, pad, output_shape):
    """Zero-padded cross-correlation of images ``X`` with filters ``W``:
    (maps (n, n_out, oh, ow) of ``X``'s dtype, the patches of ``X``)."""
    cols = patches(X, W.shape[2:], stride, pad, output_shape)
    out = cols.reshape(-1, cols.shape[3]) @ _matrix(W, X.dtype).T  # (n oh ow, n_out)
    out = out.reshape(cols.shape[:3] + (W.shape[0],)).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(out), cols


def correlate_adjoint(G, W, stride, pad, image_shape):
    """The adjoint of :func:`correlate` applied to maps ``G`` (n, n_out, oh,
    ow): images (n, channels) + ``image_shape`` of ``G``'s dtype."""
    n = G.shape[0]
    cols = _channels_last(G) @ _matrix(W, G.dtype)  # (n oh ow, channels kh kw)
    cols = cols.reshape((n,) + G.shape[2:] + (cols.shape[1],))
    out = np.empty((n, W.shape[1]) + tuple(image_shape), dtype=G.dtype)
    _col2im(cols, W.shape[2], W.shape[3], stride, pad[0], pad[1], out)
    return out


def correlate_weight_grad(cols, G):
    """``sum_{n, i, j} patch[n, i, j] G[n, :, i, j]`` as a (n_out, channels kh
    kw) matrix, from the patches ``cols`` of :func:`patches` and maps ``G``
    (n, n_out, oh, ow); reshape to the filters' shape."""
    return _channels_last(G).T @ cols.reshape(-1, cols.shape[3])
