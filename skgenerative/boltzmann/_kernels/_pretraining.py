"""DBM pretraining kernels (§20.4.4): the epoch of an RBM with tied copies of
its layers.

Salakhutdinov & Hinton (2009) pretrain the bottom RBM of a DBM with two
tied copies of the visible layer and the top RBM with two tied copies of
the hidden layer. With ``up`` copies of the visible layer and ``down``
copies of the hidden layer (weights tied across copies) the state of a
chain is represented by the copy means ``v`` and ``h``, and::

    each hidden copy ~ Bernoulli(sigmoid(up * W v + c)),
    each visible copy ~ Bernoulli(sigmoid(down * W^T h + b)),

so on data (all visible copies equal to v) the hidden units receive
``up * W v``. The per-copy gradient is ``<h v^T>_data - <h v^T>_model`` in
copy means. With up = down = 1 this is the ordinary RBM and the epoch
kernel below is bit for bit ``_sgd_epoch_bernoulli``.
"""

import numpy as np
from numba import njit

from ...utils._blas import gemm
from ...utils._numba_math import counter_uniform, draw_key
from ...utils._numba_math import sigmoid_into as _sigmoid_into
from ._elementwise import _NJIT, _sigmoid_bias_inplace
from ._rbm_epoch import (
    _apply_direct_update,
    _apply_update,
    _copy_rows,
    _epoch_workspace,
    is_direct_update,
)


@njit(**_NJIT)
def _scaled_hidden_means(V, W, c, up, out):
    """``out = sigmoid(up * V @ W.T + c)``."""
    gemm(False, True, up, V, W, 0.0, out)
    _sigmoid_bias_inplace(out, c)


@njit(**_NJIT)
def _scaled_sample_visibles(H, W, b, down, n_copies, out, rng):
    """``out`` = mean of ``n_copies`` draws of Bernoulli(sigmoid(down * H @ W + b)).

    Counter-based uniforms keyed from ``rng``, copy ``r`` of unit ``(i, j)``
    taking draw ``r n m + i m + j`` (one copy: the stream and result of
    ``_sample_visibles_bernoulli``).
    """
    gemm(False, False, down, H, W, 0.0, out)
    n, m = out.shape
    key = draw_key(rng)
    probabilities = np.empty(m, out.dtype)
    scratch = np.empty(m, np.int64)
    inv = out.dtype.type(1.0 / n_copies)
    for i in range(n):
        row = out[i]
        for j in range(m):
            row[j] += b[j]
        _sigmoid_into(row, probabilities, scratch)
        for j in range(m):
            count = 0
            for r in range(n_copies):
                u = counter_uniform(key, np.uint64(r * n * m + i * m + j))
                if u < probabilities[j]:
                    count += 1
            row[j] = count * inv


@njit(**_NJIT)
def _sample_copies_into(P, n_copies, out, rng):
    """``out`` = mean of ``n_copies`` Bernoulli(P) draws; counter-based
    uniforms keyed from ``rng``, copy ``r`` of unit ``(i, j)`` taking draw
    ``(i m + j) n_copies + r`` (one copy: the stream of
    ``_sample_bernoulli_into``)."""
    n, m = P.shape
    key = draw_key(rng)
    inv = out.dtype.type(1.0 / n_copies)
    for i in range(n):
        for j in range(m):
            count = 0
            for r in range(n_copies):
                u = counter_uniform(key, np.uint64((i * m + j) * n_copies + r))
                if u < P[i, j]:
                    count += 1
            out[i, j] = count * inv


def _sgd_epoch_scaled_rbm(X, rows, bounds, params, velocity, offsets, chains, hyper, rng):
    """One epoch of CD-k / PCD-k of the tied-copies RBM of DBM pretraining.

    Same arguments as ``_sgd_epoch_bernoulli``; ``hyper`` has two more
    entries, ``[..., up, down]``: the numbers of tied copies of the visible
    and of the hidden layer (1 or more), which scale the input of P(h | v)
    and of P(v | h) respectively. Chain states (``chains`` and the negative
    visibles) are copy means; the update is the (centred) per-copy gradient
    ``<h v^T>_data - <h v^T>_chains`` of ``_sgd_epoch_bernoulli``.

    The plain update (pretraining's: no momentum, L1 or centring) and the
    general one are two kernels chosen here, so that a cold first fit
    compiles only the one it uses.
    """
    if is_direct_update(hyper, offsets):
        _scaled_epoch_direct(X, rows, bounds, params, chains, hyper, rng)
    else:
        _scaled_epoch_general(X, rows, bounds, params, velocity, offsets, chains, hyper, rng)


@njit(**_NJIT)
def _scaled_batch_phases(X, batch_rows, S, T, H, chains, n_chains, params, hyper, rng):
    """One batch's data and negative phases: its rows and the negative
    particles (copy means) stacked in ``S``, their hidden means in ``T``;
    returns the number of stacked rows."""
    W, b, c = params
    k = int(hyper.n_gibbs_steps)
    persistent = hyper.persistent > 0
    up, down = hyper.up, hyper.down
    n_up, n_down = int(up), int(down)
    B = batch_rows.shape[0]
    C = n_chains if persistent else B
    m = B + C
    _copy_rows(X, batch_rows, S)
    Sd, Sn, Td, Tn = S[:B], S[B:m], T[:B], T[B:m]
    if persistent:
        Hc = chains
        _scaled_sample_visibles(Hc, W, b, down, n_up, Sn, rng)
        _scaled_hidden_means(S[:m], W, c, up, T[:m])
        for _ in range(k - 1):
            _sample_copies_into(Tn, n_down, Hc, rng)
            _scaled_sample_visibles(Hc, W, b, down, n_up, Sn, rng)
            _scaled_hidden_means(Sn, W, c, up, Tn)
        _sample_copies_into(Tn, n_down, Hc, rng)
    else:
        Hc = H[:C]
        _scaled_hidden_means(Sd, W, c, up, Td)
        _sample_copies_into(Td, n_down, Hc, rng)
        for step in range(k):
            _scaled_sample_visibles(Hc, W, b, down, n_up, Sn, rng)
            _scaled_hidden_means(Sn, W, c, up, Tn)
            if step < k - 1:
                _sample_copies_into(Tn, n_down, Hc, rng)
    return m


@njit(**_NJIT)
def _scaled_epoch_direct(X, rows, bounds, params, chains, hyper, rng):
    """The epoch with the plain update, straight into ``W``."""
    W, b, c = params
    S, T, H, n_chains = _epoch_workspace(W, bounds, chains, hyper.persistent > 0)
    no_pattern = (np.zeros(1, np.int64), np.zeros(0, np.int64))
    for batch in range(bounds.shape[0] - 1):
        start, stop = bounds[batch], bounds[batch + 1]
        m = _scaled_batch_phases(X, rows[start:stop], S, T, H, chains, n_chains, params, hyper, rng)
        _apply_direct_update(S[:m], T[:m], stop - start, W, np.bool_(False), b, c, hyper,
                             no_pattern)


@njit(**_NJIT)
def _scaled_epoch_general(X, rows, bounds, params, velocity, offsets, chains, hyper, rng):
    """The epoch with momentum, L1 or centring."""
    S, T, H, n_chains = _epoch_workspace(params[0], bounds, chains, hyper.persistent > 0)
    for batch in range(bounds.shape[0] - 1):
        start, stop = bounds[batch], bounds[batch + 1]
        m = _scaled_batch_phases(X, rows[start:stop], S, T, H, chains, n_chains, params, hyper, rng)
        _apply_update(S[:m], T[:m], stop - start, params, velocity, offsets, hyper, np.bool_(False))
