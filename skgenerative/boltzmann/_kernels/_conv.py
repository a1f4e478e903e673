"""Kernels of convolutional RBMs (§20.6): probabilistic max pooling.

Layout: images ``V`` (n, channels, height, width); filters ``F``
(n_filters, channels, fh, fw); detector maps ``D`` (n, n_filters, dh, dw). A
detector ``(k, i, j)`` sees the pixels ``(c, i + a - pad_top, j + b -
pad_left)`` of every channel ``c`` for ``a < fh``, ``b < fw``;
pixels outside the image are zeros (the implicit zero padding of §20.6; no
padding gives the "valid" map ``dh = height - fh + 1``). So the upward pass
is a valid cross-correlation of the padded image with each filter and the
downward pass the full convolution of the detector maps with the filters,
cropped to the image. Both are the im2col + BLAS kernels of
``skgenerative/nn/_conv_kernels.py``, shared with the nn convolution layers
(in an interleaved comparison with direct loops over the filter taps, 10
images, 32 filters, on a loaded 2-core machine, to be confirmed idle, they
were faster on 8x8 and 28x28 images).

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
def _block_weights(I, s, k, r0, r1, c0, c1, beta, W):
    """The block's unnormalised probabilities ``exp(beta I - m)`` into ``W``
    (row-major), with ``m`` the largest of ``beta I`` and the "off" input 0;
    returns ``(m, exp(-m), denominator)``."""
    m = 0.0  # the "off" state has input 0
    for i in range(r0, r1):
        for j in range(c0, c1):
            m = max(m, beta * I[s, k, i, j])
    off = np.exp(-m)
    denom = off
    for i in range(r0, r1):
        for j in range(c0, c1):
            e = np.exp(beta * I[s, k, i, j] - m)
            W[s, k, i, j] = e
            denom += e
    return m, off, denom


@njit(**_NJIT)
def _block_choose(W, s, k, r0, r1, c0, c1, target, H):
    """The first detector whose cumulative weight in ``W`` exceeds
    ``target`` is on in ``H``, the others off (all off past them all).
    ``H`` may be ``W``."""
    cum = 0.0
    chosen = False
    for i in range(r0, r1):
        for j in range(c0, c1):
            cum += W[s, k, i, j]
            if not chosen and target < cum:
                H[s, k, i, j] = 1
                chosen = True
            else:
                H[s, k, i, j] = 0


@njit(**_NJIT)
def _block_normalise(P, s, k, r0, r1, c0, c1, denom):
    for i in range(r0, r1):
        for j in range(c0, c1):
            P[s, k, i, j] /= denom


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
                    m, off, denom = _block_weights(I, s, k, r0, r1, c0, c1, beta, P)
                    _block_normalise(P, s, k, r0, r1, c0, c1, denom)
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
                    # H holds the weights meanwhile
                    denom = _block_weights(I, s, k, r0, r1, c0, c1, beta, H)[2]
                    _block_choose(H, s, k, r0, r1, c0, c1, U[s, k, bi, bj] * denom, H)


@njit(**_NJIT)
def _pool_softmax_sample(I, beta, ph, pw, U, P, pooled, log_norm, H):
    """:func:`_pool_softmax` and :func:`_pool_sample` of the same inputs in
    one pass over the blocks (one exponential per detector instead of two);
    the outputs are those of the two kernels to the bit."""
    n, n_filters, dh, dw = I.shape
    for s in range(n):
        total = 0.0
        for k in range(n_filters):
            for bi in range(pooled.shape[2]):
                r0, r1 = bi * ph, min(dh, (bi + 1) * ph)
                for bj in range(pooled.shape[3]):
                    c0, c1 = bj * pw, min(dw, (bj + 1) * pw)
                    m, off, denom = _block_weights(I, s, k, r0, r1, c0, c1, beta, P)
                    _block_choose(P, s, k, r0, r1, c0, c1, U[s, k, bi, bj] * denom, H)
                    _block_normalise(P, s, k, r0, r1, c0, c1, denom)
                    pooled[s, k, bi, bj] = 1.0 - off / denom
                    total += m + np.log(denom)
        log_norm[s] = total
