"""Kernels of convolutional RBMs (§20.6): convolutions and probabilistic max pooling.

Layout: images ``V`` (n, height, width); filters ``F`` (n_filters, fh, fw);
detector maps ``D`` (n, n_filters, dh, dw). A detector ``(k, i, j)`` sees the
pixels ``(i + a - pad_top, j + b - pad_left)`` for ``a < fh``, ``b < fw``;
pixels outside the image are zeros (the implicit zero padding of §20.6; no
padding gives the "valid" map ``dh = height - fh + 1``). So the upward pass
is a valid cross-correlation of the padded image with each filter and the
downward pass the full convolution of the detector maps with the filters,
cropped to the image. Direct loops over the filter taps whose inner loop
runs along a contiguous row (it vectorizes).

Probabilistic max pooling (Lee et al. 2009): the detectors of filter ``k``
are grouped in blocks of ``ph x pw`` (the last block of a row or column may
be smaller when the map does not divide); at most one detector of a block is
on, so a block is one softmax over its detectors plus an "off" state of
energy 0::

    p(d_ij = 1 | v) = exp(beta I_ij) / (1 + sum_block exp(beta I))

with ``I`` the detector input; the pooling unit is on iff a detector is.
``beta`` is an inverse temperature (1 for the model itself, AIS anneals it).
"""

import numpy as np
from numba import njit

from ._elementwise import _NJIT


@njit(**_NJIT)
def _tap_range(size_out, size_in, offset):
    """Output indices ``i`` with ``0 <= i + offset < size_in``."""
    lo = max(0, -offset)
    hi = min(size_out, size_in - offset)
    return lo, max(lo, hi)


@njit(**_NJIT)
def _conv_up(V, F, c, pad_top, pad_left, out):
    """Detector inputs ``out[s, k] = corr(pad(V[s]), F[k]) + c[k]`` (in place)."""
    n, height, width = V.shape
    n_filters, fh, fw = F.shape
    dh, dw = out.shape[2], out.shape[3]
    for s in range(n):
        for k in range(n_filters):
            out[s, k, :, :] = c[k]
            for a in range(fh):
                i0, i1 = _tap_range(dh, height, a - pad_top)
                for b in range(fw):
                    j0, j1 = _tap_range(dw, width, b - pad_left)
                    w = F[k, a, b]
                    for i in range(i0, i1):
                        y = i + a - pad_top
                        for j in range(j0, j1):
                            out[s, k, i, j] += w * V[s, y, j + b - pad_left]


@njit(**_NJIT)
def _conv_down(D, F, pad_top, pad_left, out):
    """Visible inputs ``out[s] = sum_k conv_full(D[s, k], F[k])`` cropped to
    the image (in place; ``out`` is overwritten)."""
    n, n_filters, dh, dw = D.shape
    fh, fw = F.shape[1], F.shape[2]
    height, width = out.shape[1], out.shape[2]
    out[...] = 0
    for s in range(n):
        for k in range(n_filters):
            for a in range(fh):
                i0, i1 = _tap_range(dh, height, a - pad_top)
                for b in range(fw):
                    j0, j1 = _tap_range(dw, width, b - pad_left)
                    w = F[k, a, b]
                    for i in range(i0, i1):
                        y = i + a - pad_top
                        for j in range(j0, j1):
                            out[s, y, j + b - pad_left] += w * D[s, k, i, j]


@njit(**_NJIT)
def _conv_weight_gradient(V, D, scale, pad_top, pad_left, G):
    """``G[k, a, b] += scale * sum_s sum_ij D[s, k, i, j] V[s, i + a - pt, j + b - pl]``:
    the correlation of the images with the detector maps (the statistic
    ``<h * v>`` of the shared weights)."""
    n, n_filters, dh, dw = D.shape
    height, width = V.shape[1], V.shape[2]
    fh, fw = G.shape[1], G.shape[2]
    for k in range(n_filters):
        for a in range(fh):
            i0, i1 = _tap_range(dh, height, a - pad_top)
            for b in range(fw):
                j0, j1 = _tap_range(dw, width, b - pad_left)
                acc = 0.0
                for s in range(n):
                    for i in range(i0, i1):
                        y = i + a - pad_top
                        for j in range(j0, j1):
                            acc += D[s, k, i, j] * V[s, y, j + b - pad_left]
                G[k, a, b] += scale * acc


@njit(**_NJIT)
def _block_max(I, s, k, r0, r1, c0, c1, beta):
    m = 0.0  # the "off" state has input 0
    for i in range(r0, r1):
        for j in range(c0, c1):
            m = max(m, beta * I[s, k, i, j])
    return m


@njit(**_NJIT)
def _pool_softmax(I, beta, ph, pw, P, pooled, log_norm):
    """Detector probabilities ``P``, pooling-unit probabilities ``pooled``
    (n, n_filters, n_block_rows, n_block_cols) and, per image,
    ``log_norm[s] = sum_blocks log(1 + sum_block exp(beta I))`` (float64),
    the hidden layer's term of ``-F(v)``."""
    n, n_filters, dh, dw = I.shape
    for s in range(n):
        total = 0.0
        for k in range(n_filters):
            for bi in range(pooled.shape[2]):
                r0, r1 = bi * ph, min(dh, (bi + 1) * ph)
                for bj in range(pooled.shape[3]):
                    c0, c1 = bj * pw, min(dw, (bj + 1) * pw)
                    m = _block_max(I, s, k, r0, r1, c0, c1, beta)
                    off = np.exp(-m)
                    denom = off
                    for i in range(r0, r1):
                        for j in range(c0, c1):
                            e = np.exp(beta * I[s, k, i, j] - m)
                            P[s, k, i, j] = e
                            denom += e
                    for i in range(r0, r1):
                        for j in range(c0, c1):
                            P[s, k, i, j] /= denom
                    pooled[s, k, bi, bj] = 1.0 - off / denom
                    total += m + np.log(denom)
        log_norm[s] = total


@njit(**_NJIT)
def _pool_sample(I, beta, ph, pw, U, H):
    """A draw of the detector states given their inputs, one uniform
    ``U[s, k, bi, bj]`` per block: detectors in row-major order of the
    block, the first whose cumulative probability exceeds the uniform is
    on; none when the uniform falls in the "off" share. ``H`` is
    overwritten with 0/1."""
    n, n_filters, dh, dw = I.shape
    for s in range(n):
        for k in range(n_filters):
            for bi in range(U.shape[2]):
                r0, r1 = bi * ph, min(dh, (bi + 1) * ph)
                for bj in range(U.shape[3]):
                    c0, c1 = bj * pw, min(dw, (bj + 1) * pw)
                    m = _block_max(I, s, k, r0, r1, c0, c1, beta)
                    denom = np.exp(-m)
                    for i in range(r0, r1):
                        for j in range(c0, c1):
                            denom += np.exp(beta * I[s, k, i, j] - m)
                    target = U[s, k, bi, bj] * denom
                    cum = 0.0
                    chosen = False
                    for i in range(r0, r1):
                        for j in range(c0, c1):
                            H[s, k, i, j] = 0
                            if not chosen:
                                cum += np.exp(beta * I[s, k, i, j] - m)
                                if target < cum:
                                    H[s, k, i, j] = 1
                                    chosen = True
