"""Numba kernels of the class RBM (Larochelle & Bengio 2008, §20.8).

The joint RBM over binary ``x`` and a one-hot class ``y`` has energy
``E(x, y, h) = -b.x - d_y - c.h - h.W x - h.U[y]``; summing out ``h`` in
closed form gives the class posterior

    log p(y = k | x) = d_k + sum_j softplus(A_j + U[k, j]) - log-sum-exp over k

with ``A = x W^T + c``. These kernels fuse that sum over classes and hidden
units (the matrix product ``A`` goes to BLAS outside). Conventions follow
``_kernels/__init__.py``: ``U`` is ``(n_classes, n_hidden)``, 2-D arrays are
C-contiguous, float32 and float64 both work. The numpy twins are in
``tests/boltzmann/_reference_class.py``.
"""

import math

from numba import njit

__all__ = [
    "_class_log_posterior", "_class_gradient", "_class_log_posterior_3d", "_class_gradient_3d",
]

_NJIT = dict(cache=True, error_model="numpy")


@njit(**_NJIT)
def _softplus(z):
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


@njit(**_NJIT)
def _sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(**_NJIT)
def _log_normalize_row(out, i):
    """Subtract ``logsumexp(out[i])`` from row ``i`` in place."""
    top = -math.inf
    for k in range(out.shape[1]):
        if out[i, k] > top:
            top = out[i, k]
    total = 0.0
    for k in range(out.shape[1]):
        total += math.exp(out[i, k] - top)
    log_norm = top + math.log(total)
    for k in range(out.shape[1]):
        out[i, k] = out[i, k] - log_norm


@njit(**_NJIT)
def _class_log_posterior(A, U, d, out):
    """``out[i, k] = log p(y = k | x_i)`` from the hidden inputs
    ``A = X W^T + c`` (n, n_hidden), the class weights ``U`` (n_classes,
    n_hidden) and class biases ``d``."""
    n, n_hidden = A.shape
    n_classes = U.shape[0]
    for i in range(n):
        for k in range(n_classes):
            s = float(d[k])
            for j in range(n_hidden):
                s += _softplus(A[i, j] + U[k, j])
            out[i, k] = s
        _log_normalize_row(out, i)


@njit(**_NJIT)
def _coefficient(log_p, y, wq, wp, i, k):
    """``a_ik = wq_i q_ik - wp_i p_ik``: ``q_i`` the one-hot label of row
    ``i``, its posterior ``p_i`` when unlabelled (``y[i] < 0``)."""
    p = math.exp(log_p[i, k])
    if y[i] < 0:
        q = p
    elif y[i] == k:
        q = 1.0
    else:
        q = 0.0
    return wq[i] * q - wp[i] * p


@njit(**_NJIT)
def _class_gradient(A, U, d, y, wq, wp, log_p, G, gU, gd):
    """The class posterior and the data-dependent gradient terms of a batch.

    With ``p_ik = p(y = k | x_i)`` (written to ``log_p`` as logs),
    ``q_ik`` the one-hot label of row ``i`` (its posterior ``p_i`` when
    ``y[i] < 0``, an unlabelled row) and ``s_ikj = sigmoid(A_ij + U_kj)``
    (the hidden means given ``x_i`` and class ``k``), the coefficient
    ``a_ik = wq_i q_ik - wp_i p_ik`` gives

    * ``G[i, j] = sum_k a_ik s_ikj`` (hidden-side coefficient of row ``i``:
      the gradient in ``c`` is ``G.sum(0)``, in ``W`` is ``G^T X``),
    * ``gU[k, j] = sum_i a_ik s_ikj`` and ``gd[k] = sum_i a_ik``.

    ``wq = wp = 1`` is the gradient of ``log p(y | x)``; ``wq = w, wp = 0``
    the positive (data) phase of ``w log p(x, y)`` (of ``w log p(x)`` for an
    unlabelled row); sums of both, the hybrid objective.
    """
    _class_log_posterior(A, U, d, log_p)
    n, n_hidden = A.shape
    n_classes = U.shape[0]
    gU[:, :] = 0.0
    gd[:] = 0.0
    for i in range(n):
        for j in range(n_hidden):
            G[i, j] = 0.0
        for k in range(n_classes):
            a = _coefficient(log_p, y, wq, wp, i, k)
            if a == 0.0:
                continue
            gd[k] += a
            for j in range(n_hidden):
                s = a * _sigmoid(A[i, j] + U[k, j])
                G[i, j] += s
                gU[k, j] += s


@njit(**_NJIT)
def _class_log_posterior_3d(A3, d, out):
    """``out[i, k] = log p(y = k | x_i)`` from per-class hidden inputs
    ``A3[i, k] = c + W x_i + U[k] + (class-multiplicative term)``."""
    n, n_classes, n_hidden = A3.shape
    for i in range(n):
        for k in range(n_classes):
            s = float(d[k])
            for j in range(n_hidden):
                s += _softplus(A3[i, k, j])
            out[i, k] = s
        _log_normalize_row(out, i)


@njit(**_NJIT)
def _class_gradient_3d(A3, d, y, wq, wp, log_p, T, gd):
    """:func:`_class_gradient` for per-class hidden inputs ``A3`` (n,
    n_classes, n_hidden): writes ``log_p``, ``T[i, k, j] = a_ik
    sigmoid(A3[i, k, j])`` and ``gd[k] = sum_i a_ik``, with ``a_ik = wq_i
    q_ik - wp_i p_ik`` as there."""
    _class_log_posterior_3d(A3, d, log_p)
    n, n_classes, n_hidden = A3.shape
    gd[:] = 0.0
    for i in range(n):
        for k in range(n_classes):
            a = _coefficient(log_p, y, wq, wp, i, k)
            gd[k] += a
            for j in range(n_hidden):
                T[i, k, j] = a * _sigmoid(A3[i, k, j])
