"""Ratio matching (Hyvärinen 2007) and pseudo-likelihood training of binary
RBMs: objectives of the free-energy gaps to the one-bit flips of each data
row, with exact gradients and no sampling (§18.3, §18.4 of the book).

With ``x~j`` the row ``x`` with bit ``j`` flipped and
``d_j = F(x) - F(x~j)`` (``F`` the free energy), both losses are sums over
the bits of a function of ``d_j``:

* ratio matching: ``sum_j sigmoid(d_j)**2`` (eq. 18.26: the term
  ``1 / (1 + p~(x) / p~(x~j))`` is ``1 / (1 + exp(-d_j)) = sigmoid(d_j)``);
* pseudo-likelihood: ``-sum_j log p(x_j | x_-j) = sum_j softplus(d_j)``.

Their gradient is ``sum_j g_j (grad F(x) - grad F(x~j))`` with
``g_j = 2 s_j**2 (1 - s_j)`` or ``g_j = s_j`` (``s_j = sigmoid(d_j)``).
"""

import math

import numpy as np
from numba import njit

from ...utils._blas import gemm
from ._elementwise import (
    _NJIT,
    _sigmoid_scalar as _sigmoid,
    _softplus_scalar as _softplus,
)
from ._rbm_epoch import _copy_rows

#: Objective codes of ``_flip_epoch_bernoulli``.
RATIO_MATCHING = 0
PSEUDO_LIKELIHOOD = 1


@njit(**_NJIT)
def _flip_gradient_row(x, a, params, objective, gW, gb, gc, M):
    """Add the loss gradient of one row to ``(gW, gb, gc)``; return its loss.

    ``a = W x + c`` is the row's hidden input; ``M`` (n_hidden, n_visible)
    is scratch: ``M[i, j] = g_j sigmoid(a_i + W_ij delta_j)`` with
    ``delta_j = 1 - 2 x_j`` (the hidden means of the flipped row).
    """
    W, b, c = params
    nh, nv = W.shape
    loss = 0.0
    total = 0.0  # sum_j g_j
    base = 0.0  # sum_i softplus(a_i)
    for i in range(nh):
        base += _softplus(a[i])
    for j in range(nv):
        delta = 1.0 - 2.0 * x[j]
        d = b[j] * delta - base
        for i in range(nh):
            flipped = a[i] + W[i, j] * delta
            # softplus and sigmoid from one exp
            e = math.exp(-abs(flipped))
            d += max(flipped, 0.0) + math.log1p(e)
            M[i, j] = 1.0 / (1.0 + e) if flipped >= 0 else e / (1.0 + e)
        s = _sigmoid(d)
        if objective == RATIO_MATCHING:
            loss += s * s
            g = 2.0 * s * s * (1.0 - s)
        else:
            loss += _softplus(d)
            g = s
        total += g
        gb[j] += g * delta
        for i in range(nh):
            M[i, j] *= g
    for i in range(nh):
        r = 0.0
        for j in range(nv):
            r += M[i, j]
        coefficient = r - total * _sigmoid(a[i])
        gc[i] += coefficient
        for j in range(nv):
            gW[i, j] += coefficient * x[j] + M[i, j] * (1.0 - 2.0 * x[j])
    return loss


@njit(**_NJIT)
def _flip_objective_gradient(V, params, objective, grads):
    """Mean loss of the rows of ``V``; ``grads = (gW, gb, gc)`` receive the
    gradient of the mean loss (overwritten)."""
    W, b, c = params
    gW, gb, gc = grads
    nh, nv = W.shape
    n = V.shape[0]
    gW[:] = 0.0
    gb[:] = 0.0
    gc[:] = 0.0
    A = np.empty((n, nh), W.dtype)
    gemm(False, True, 1.0, V, W, 0.0, A)
    M = np.empty((nh, nv), np.float64)
    loss = 0.0
    for row in range(n):
        for i in range(nh):
            A[row, i] += c[i]
        loss += _flip_gradient_row(V[row], A[row], params, objective, gW, gb, gc, M)
    scale = 1.0 / n
    gW *= scale
    gb *= scale
    gc *= scale
    return loss * scale


@njit(**_NJIT)
def _flip_epoch_bernoulli(X, rows, bounds, params, velocity, hyper, objective):
    """One epoch of gradient descent on the ratio-matching or pseudo-likelihood
    loss (``objective``: ``RATIO_MATCHING`` or ``PSEUDO_LIKELIHOOD``) of a
    binary RBM, in place; returns the mean loss of the batches (before each
    step).

    The step follows the conventions of ``_rbm_epoch._apply_update`` without
    centring: ``dW = momentum dW - lr (grad + l2 W + l1 sign W)``,
    ``W += dW``; the biases without penalty.
    """
    W, b, c = params
    dW, db, dc = velocity
    lr, momentum, l2, l1 = hyper.learning_rate, hyper.momentum, hyper.l2, hyper.l1
    nh, nv = W.shape
    max_batch = 0
    for batch in range(bounds.shape[0] - 1):
        max_batch = max(max_batch, bounds[batch + 1] - bounds[batch])
    S = np.empty((max_batch, nv), W.dtype)
    grads = (np.empty((nh, nv)), np.empty(nv), np.empty(nh))
    gW, gb, gc = grads
    total = 0.0
    for batch in range(bounds.shape[0] - 1):
        start = bounds[batch]
        B = bounds[batch + 1] - start
        _copy_rows(X, rows[start : start + B], S)
        total += _flip_objective_gradient(S[:B], params, objective, grads)
        for i in range(nh):
            for j in range(nv):
                dW[i, j] = momentum * dW[i, j] - lr * (
                    gW[i, j] + l2 * W[i, j] + l1 * np.sign(W[i, j])
                )
                W[i, j] += dW[i, j]
        for j in range(nv):
            db[j] = momentum * db[j] - lr * gb[j]
            b[j] += db[j]
        for i in range(nh):
            dc[i] = momentum * dc[i] - lr * gc[i]
            c[i] += dc[i]
    return total / (bounds.shape[0] - 1)
