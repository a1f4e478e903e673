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


@njit(**_NJIT)
def _frame_log_partition(W, B, C, gaussian):
    """``log Z_t`` of the RBM of every frame, enumerating the hidden layer.

    Binary visibles: ``log Z_t = logsumexp_h [C_t.h + sum_j softplus(B_tj + (W.T h)_j)]``;
    unit-precision Gaussian visibles: ``n_visible/2 log 2 pi + logsumexp_h
    [C_t.h + 1/2 sum_j ((B_tj + (W.T h)_j)^2 - B_tj^2)]``. float64 out.
    """
    n_hidden, n_visible = W.shape
    n_frames = B.shape[0]
    S = _hidden_states(n_hidden)
    Wd = W.astype(np.float64)
    SW = S @ Wd
    out = np.empty(n_frames)
    terms = np.empty(S.shape[0])
    for t in range(n_frames):
        for s in range(S.shape[0]):
            value = 0.0
            for k in range(n_hidden):
                value += S[s, k] * C[t, k]
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
