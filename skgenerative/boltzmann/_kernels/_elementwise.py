"""Elementwise building blocks of the Boltzmann kernels: sigmoid with a bias,
Bernoulli sampling from counter-based uniforms, column sums, and the hidden
conditional ``P(h = 1 | v)`` (one GEMM and a fused sigmoid).
"""

import math

import numpy as np
from numba import njit

from ...utils._blas import gemm
from ...utils._numba_math import counter_uniform, draw_key
from ...utils._numba_math import sigmoid_into as _sigmoid_into

_NJIT = dict(cache=True, error_model="numpy")


@njit(**_NJIT)
def _sigmoid_bias_inplace(A, bias):
    """``A[i, j] = sigmoid(A[i, j] + bias[j])``, a row at a time with the
    vectorisable polynomial sigmoid (relative error ~1e-7 in float32, ~1e-15
    in float64; libm's exp cost 4x more and was 5 % of a 500-hidden epoch)."""
    n, m = A.shape
    scratch = np.empty(m, np.int64)  # int64: the polynomial exp in float64 too
    for i in range(n):
        row = A[i]
        for j in range(m):
            row[j] += bias[j]
        _sigmoid_into(row, row, scratch)


@njit(**_NJIT)
def _bernoulli_sample_inplace(P, rng):
    """Replace probabilities ``P`` by Bernoulli draws.

    Uniform ``k`` (row-major) is draw ``k`` of a counter-based stream whose
    key is taken from ``rng`` (see ``utils._numba_math.counter_uniform``).
    """
    _sample_bernoulli_into(P, P, rng)


@njit(**_NJIT)
def _sigmoid_sample_inplace(A, bias, rng):
    """``A[i, j] = 1 if u < sigmoid(A[i, j] + bias[j]) else 0``.

    The uniforms come from a counter-based stream keyed from ``rng`` (as in
    ``_bernoulli_sample_inplace``) and the sigmoid of a row is computed in
    one vectorisable pass (a polynomial exp: relative error ~1e-7 in float32,
    ~1e-15 in float64).
    """
    n, m = A.shape
    key = draw_key(rng)
    probabilities = np.empty(m, A.dtype)
    scratch = np.empty(m, np.int64)  # int64: the polynomial exp in float64 too
    for i in range(n):
        row = A[i]
        for j in range(m):
            row[j] += bias[j]
        _sigmoid_into(row, probabilities, scratch)
        offset = np.uint64(i * m)
        for j in range(m):
            u = counter_uniform(key, offset + np.uint64(j))
            row[j] = 1.0 if u < probabilities[j] else 0.0


@njit(**_NJIT)
def _sample_visibles_bernoulli(H, W, b, out, rng, transposed=False):
    """``out ~ Bernoulli(sigmoid(H @ W + b))``; ``W`` is given as ``W.T``
    (C-contiguous) when ``transposed``."""
    gemm(False, transposed, 1.0, H, W, 0.0, out)
    _sigmoid_sample_inplace(out, b, rng)


@njit(**_NJIT)
def _sample_bernoulli_into(P, out, rng):
    """``out[i, j] = 1 if u < P[i, j] else 0`` (``out`` may be ``P``), with
    the counter-based uniforms of ``_bernoulli_sample_inplace``."""
    n, m = P.shape
    key = draw_key(rng)
    for i in range(n):
        offset = np.uint64(i * m)
        for j in range(m):
            u = counter_uniform(key, offset + np.uint64(j))
            out[i, j] = 1.0 if u < P[i, j] else 0.0


@njit(**_NJIT)
def _column_sums(A, out):
    out[:] = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            out[j] += A[i, j]


# --------------------------------------------------------------------------
# conditionals


@njit(**_NJIT)
def _hidden_means(V, W, c, out):
    """``out = sigmoid(V @ W.T + c)``: P(h = 1 | v) of a binary hidden layer."""
    gemm(False, True, 1.0, V, W, 0.0, out)
    _sigmoid_bias_inplace(out, c)


# --------------------------------------------------------------------------
# scalars (float64, overflow-free)


@njit(**_NJIT)
def _sigmoid_scalar(a):
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


@njit(**_NJIT)
def _softplus_scalar(a):
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))
