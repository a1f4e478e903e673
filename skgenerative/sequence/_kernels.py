"""Numba kernels of the sequence family: RBMs whose biases change per frame.

Every frame ``t`` has its own visible and hidden biases (rows ``B[t]`` and
``C[t]``, set by the history: the autoregressive weights of a conditional
RBM or the state of an RNN-RBM). The weights come as a stack ``W`` of shape
(n_weights, n_hidden, n_visible): ``n_weights = 1`` when every frame shares
them, else one matrix per frame (an RNN-RBM whose RNN also sets the
weights); ``_frame_weights(W, t)`` picks frame ``t``'s. Gaussian visibles
have unit precision (the models standardize the data). Plain-numpy twins are in ``tests/sequence/_reference.py``.
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
def _frame_weights(W, t):
    """The weights of frame ``t`` in a stack of shared (1) or per-frame ones."""
    return W[0] if W.shape[0] == 1 else W[t]


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


#: Inputs ``a`` up to this size in absolute value take the fast path of the
#: binary enumeration: products of ``_PRODUCT_CHUNK`` factors ``1 + e^a`` stay
#: below ``e^{16 * 40}``, far from overflow.
_FAST_INPUT_LIMIT = 40.0
_PRODUCT_CHUNK = 16
#: Hidden states per block of the fast path (its products stay in cache).
_STATE_BLOCK = 512


@njit(**_NJIT)
def _log_partition_fast(S, SW, B, C):
    """The fast path of :func:`_frame_log_partition` (binary visibles, inputs
    within ``_FAST_INPUT_LIMIT``): blocks of hidden states, each used for
    every frame while in cache, an online logsumexp per frame; the softplus
    sums as running products over the units, vectorised across states and
    folded into the log every ``_PRODUCT_CHUNK`` units."""
    n_states, n_hidden = S.shape
    n_frames, n_visible = B.shape
    expB = np.exp(B.astype(np.float64))
    top = np.full(n_frames, -np.inf)
    total = np.zeros(n_frames)
    product = np.empty(_STATE_BLOCK)
    terms = np.empty(_STATE_BLOCK)
    for start in range(0, n_states, _STATE_BLOCK):
        stop = min(start + _STATE_BLOCK, n_states)
        m = stop - start
        expSWT = np.ascontiguousarray(np.exp(SW[start:stop]).T)  # (n_visible, m)
        for t in range(n_frames):
            for i in range(m):
                value = 0.0
                for k in range(n_hidden):
                    value += S[start + i, k] * C[t, k]
                terms[i] = value
                product[i] = 1.0
            for j in range(n_visible):
                e = expB[t, j]
                row = expSWT[j]
                for i in range(m):
                    product[i] *= 1.0 + e * row[i]
                if (j + 1) % _PRODUCT_CHUNK == 0 or j == n_visible - 1:
                    for i in range(m):
                        terms[i] += np.log(product[i])
                        product[i] = 1.0
            block_top = terms[:m].max()
            if block_top > top[t]:
                total[t] *= np.exp(top[t] - block_top)
                top[t] = block_top
            for i in range(m):
                total[t] += np.exp(terms[i] - top[t])
    return top + np.log(total)


@njit(**_NJIT)
def _frame_log_partition(W, B, C, gaussian):
    """``log Z_t`` of the RBM of every frame, enumerating the hidden layer.

    Binary visibles: ``log Z_t = logsumexp_h [C_t.h + sum_j softplus(B_tj + (W.T h)_j)]``;
    unit-precision Gaussian visibles: ``n_visible/2 log 2 pi + logsumexp_h
    [C_t.h + 1/2 sum_j ((B_tj + (W.T h)_j)^2 - B_tj^2)]``. float64 out.
    Binary visibles with moderate inputs take :func:`_log_partition_fast`.
    """
    n_weights, n_hidden, n_visible = W.shape
    n_frames = B.shape[0]
    S = _hidden_states(n_hidden)
    SW = S @ W[0].astype(np.float64)
    if (n_weights == 1 and not gaussian
            and np.abs(SW).max() + np.abs(B).max() <= _FAST_INPUT_LIMIT):
        return _log_partition_fast(S, SW, B, C)
    out = np.empty(n_frames)
    terms = np.empty(S.shape[0])
    for t in range(n_frames):
        if n_weights > 1:
            SW = S @ W[t].astype(np.float64)
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
    n_hidden = W.shape[1]
    for _ in range(n_steps):
        for i in range(n):
            Wi = _frame_weights(W, i)
            for k in range(n_hidden):
                a = C[i, k]
                for j in range(n_visible):
                    a += Wi[k, j] * V[i, j]
                p = 1.0 / (1.0 + np.exp(-a))
                H[i, k] = 1.0 if rng.random() < p else 0.0
        for i in range(n):
            Wi = _frame_weights(W, i)
            for j in range(n_visible):
                a = B[i, j]
                for k in range(n_hidden):
                    a += H[i, k] * Wi[k, j]
                if gaussian:
                    V[i, j] = a + rng.standard_normal()
                else:
                    p = 1.0 / (1.0 + np.exp(-a))
                    V[i, j] = 1.0 if rng.random() < p else 0.0


@njit(**_NJIT)
def _ais_frames(W, B, C, betas, n_runs, rng, gaussian):
    """Forward AIS of ``log Z_t`` of every frame's RBM: ``n_runs`` chains per
    frame, annealing from the frame's visible biases alone to its RBM.

    The path of frame ``t`` (biases ``B[t]``, ``C[t]``, weights ``W_t``) is
    ``log p*_beta(v) = own_t(v) + sum_k softplus(beta (C[t, k] + W_k v))``
    with ``own_t(v) = B[t].v`` (binary) or ``-1/2 |v - B[t]|^2`` (unit
    Gaussian): at ``beta = 0`` independent visibles of biases ``B[t]`` (and
    free hidden units), at 1 the frame's RBM. Its Gibbs transition draws
    ``h ~ sigmoid(beta (C[t] + W v))`` then ``v`` from ``B[t] + beta W^T h``.

    Everything is float64. Frame after frame, the draws are: the base
    states (``n_runs x n_visible``, row-major), then per temperature but the
    last the hidden uniforms and the visible draws, as the twin does.

    Returns ``log_w`` (n_frames, n_runs): the log importance weights of
    ``Z_t / Z_base_t``.
    """
    n_hidden, n_visible = W.shape[1], W.shape[2]
    n_frames = B.shape[0]
    n_temps = betas.shape[0]
    log_w = np.zeros((n_frames, n_runs))
    V = np.empty((n_runs, n_visible))
    H = np.empty((n_runs, n_hidden))
    X = np.empty((n_runs, n_hidden))
    M = np.empty((n_runs, n_visible))
    Wf = np.ascontiguousarray(W[0])
    Wt = np.ascontiguousarray(Wf.T)
    for t in range(n_frames):
        if W.shape[0] > 1:
            Wf = np.ascontiguousarray(W[t])
            Wt = np.ascontiguousarray(Wf.T)
        for r in range(n_runs):
            for j in range(n_visible):
                if gaussian:
                    V[r, j] = B[t, j] + rng.standard_normal()
                else:
                    p = 1.0 / (1.0 + np.exp(-B[t, j]))
                    V[r, j] = 1.0 if rng.random() < p else 0.0
        for k in range(1, n_temps):
            beta = betas[k]
            previous = betas[k - 1]
            np.dot(V, Wt, X)
            for r in range(n_runs):
                acc = 0.0
                for i in range(n_hidden):
                    x = X[r, i] + C[t, i]
                    acc += _softplus(beta * x) - _softplus(previous * x)
                log_w[t, r] += acc
            if k == n_temps - 1:
                break
            for r in range(n_runs):
                for i in range(n_hidden):
                    p = 1.0 / (1.0 + np.exp(-beta * (X[r, i] + C[t, i])))
                    H[r, i] = 1.0 if rng.random() < p else 0.0
            np.dot(H, Wf, M)
            for r in range(n_runs):
                for j in range(n_visible):
                    a = B[t, j] + beta * M[r, j]
                    if gaussian:
                        V[r, j] = a + rng.standard_normal()
                    else:
                        p = 1.0 / (1.0 + np.exp(-a))
                        V[r, j] = 1.0 if rng.random() < p else 0.0
    return log_w
