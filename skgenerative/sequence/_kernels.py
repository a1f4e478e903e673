"""Numba kernels of the sequence family: RBMs whose biases change per frame.

Every frame ``t`` has its own visible and hidden biases (rows ``B[t]`` and
``C[t]``, set by the history: the autoregressive weights of a conditional
RBM or the state of an RNN-RBM); the weights ``W`` (n_hidden, n_visible)
are shared. Gaussian visibles have unit precision (the models standardize
the data). Plain-numpy twins are in ``tests/sequence/_reference.py``.
"""

import numpy as np
from numba import njit

_NJIT = dict(cache=True, error_model="numpy")
_LOG_2PI = float(np.log(2 * np.pi))


@njit(**_NJIT)
def _softplus(x):
    if x > 0:
        return x + np.log1p(np.exp(-x))
    return np.log1p(np.exp(x))


@njit(**_NJIT)
def _hidden_states(n_hidden):
    """Every binary hidden state, one per row, in counting order (float64)."""
    n_states = 1 << n_hidden
    S = np.zeros((n_states, n_hidden))
    for s in range(n_states):
        for k in range(n_hidden):
            if (s >> k) & 1:
                S[s, k] = 1.0
    return S


#: Inputs up to this size in absolute value take the fast path of the binary
#: enumeration (products of ``1 + e^a`` stay far from overflow).
_FAST_INPUT_LIMIT = 100.0
#: A running product above this is folded into the log sum.
_PRODUCT_FOLD = 1e250


@njit(**_NJIT)
def _softplus_sum_fast(expB, expSW, n_visible):
    """``sum_j log(1 + expB_j expSW_j)`` with one log per ~250 decades:
    the products of ``1 + e^a`` are accumulated and folded into the log
    only when large (inputs bounded by ``_FAST_INPUT_LIMIT``)."""
    total = 0.0
    product = 1.0
    for j in range(n_visible):
        product *= 1.0 + expB[j] * expSW[j]
        if product > _PRODUCT_FOLD:
            total += np.log(product)
            product = 1.0
    return total + np.log(product)


@njit(**_NJIT)
def _frame_log_partition(W, B, C, gaussian):
    """``log Z_t`` of the RBM of every frame, enumerating the hidden layer.

    Binary visibles: ``log Z_t = logsumexp_h [C_t.h + sum_j softplus(B_tj + (W.T h)_j)]``;
    unit-precision Gaussian visibles: ``n_visible/2 log 2 pi + logsumexp_h
    [C_t.h + 1/2 sum_j ((B_tj + (W.T h)_j)^2 - B_tj^2)]``. float64 out.
    The binary sum of softplus terms is a log of products of ``1 + e^B e^{W.T h}``
    (one exp per frame and unit, one log per many units) when the inputs are
    moderate, else one softplus per term.
    """
    n_hidden, n_visible = W.shape
    n_frames = B.shape[0]
    S = _hidden_states(n_hidden)
    SW = S @ W.astype(np.float64)
    fast = (not gaussian) and (
        np.abs(SW).max() + np.abs(B).max() <= _FAST_INPUT_LIMIT
    )
    expSW = np.exp(SW) if fast else SW
    expB = np.empty(n_visible)
    out = np.empty(n_frames)
    terms = np.empty(S.shape[0])
    for t in range(n_frames):
        if fast:
            for j in range(n_visible):
                expB[j] = np.exp(B[t, j])
        for s in range(S.shape[0]):
            value = 0.0
            for k in range(n_hidden):
                value += S[s, k] * C[t, k]
            if fast:
                value += _softplus_sum_fast(expB, expSW[s], n_visible)
            else:
                for j in range(n_visible):
                    a = B[t, j] + SW[s, j]
                    if gaussian:
                        value += 0.5 * (a * a - B[t, j] * B[t, j])
                    else:
                        value += _softplus(a)
            terms[s] = value
        top = terms.max()
        out[t] = top + np.log(np.sum(np.exp(terms - top)))
        if gaussian:
            out[t] += 0.5 * n_visible * _LOG_2PI
    return out


@njit(**_NJIT)
def _gibbs_conditional(V, W, B, C, n_steps, rng, H, gaussian):
    """``n_steps`` block-Gibbs sweeps h | v, v | h in place on ``V``, row ``i``
    with biases ``B[i]`` and ``C[i]``; ``H`` ends holding the last hidden draw.

    Uniforms (and normals) are drawn from ``rng`` row by row, hidden layer
    first, as the twin does.
    """
    n, n_visible = V.shape
    n_hidden = W.shape[0]
    for _ in range(n_steps):
        for i in range(n):
            for k in range(n_hidden):
                a = C[i, k]
                for j in range(n_visible):
                    a += W[k, j] * V[i, j]
                p = 1.0 / (1.0 + np.exp(-a))
                H[i, k] = 1.0 if rng.random() < p else 0.0
        for i in range(n):
            for j in range(n_visible):
                a = B[i, j]
                for k in range(n_hidden):
                    a += H[i, k] * W[k, j]
                if gaussian:
                    V[i, j] = a + rng.standard_normal()
                else:
                    p = 1.0 / (1.0 + np.exp(-a))
                    V[i, j] = 1.0 if rng.random() < p else 0.0
