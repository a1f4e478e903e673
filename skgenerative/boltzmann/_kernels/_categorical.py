"""Numba kernels of RBMs with categorical (softmax) visible units.

The visible layer is one-hot: feature ``f`` owns the columns
``offsets[f]:offsets[f + 1]`` and exactly one of them is 1. Conventions
follow ``_kernels.py``: ``W`` is ``(n_hidden, n_values)``, 2-D arrays are
C-contiguous, float32 and float64 both work, matrix products go to BLAS
through :func:`skgenerative.utils._blas.gemm`. Uniforms come from the
``np.random.Generator`` passed in, one ``rng.random()`` at a time in
row-major order (hidden units, then one per softmax group), so the plain
numpy twins in ``tests/_reference.py`` draw the same numbers with
``rng.random(shape)``.

Hyperparameters are named (:class:`SGDHyper`), not positions in an array.
"""

from collections import namedtuple

import numpy as np
from numba import njit

from ...utils._blas import gemm

__all__ = ["SGDHyper"]

_NJIT = dict(cache=True, error_model="numpy")

#: Hyperparameters of one training epoch (numba reads the fields by name).
#: ``copies``: tied copies of the visible layer (DBM pretraining; 1 is the
#: ordinary RBM), see :func:`_sgd_epoch_categorical`.
SGDHyper = namedtuple(
    "SGDHyper",
    ["learning_rate", "momentum", "l2", "l1", "n_gibbs_steps", "persistent", "copies"],
    defaults=(1,),
)


@njit(**_NJIT)
def _sigmoid_sample_rows(T, c, H, rng):
    """``T = sigmoid(T + c)`` (hidden means) and ``H ~ Bernoulli(T)``."""
    for i in range(T.shape[0]):
        for j in range(T.shape[1]):
            p = 1.0 / (1.0 + np.exp(-(T[i, j] + c[j])))
            T[i, j] = p
            H[i, j] = 1.0 if rng.random() < p else 0.0


@njit(**_NJIT)
def _sigmoid_rows(T, c):
    for i in range(T.shape[0]):
        for j in range(T.shape[1]):
            T[i, j] = 1.0 / (1.0 + np.exp(-(T[i, j] + c[j])))


@njit(**_NJIT)
def _bernoulli_rows(T, H, rng):
    for i in range(T.shape[0]):
        for j in range(T.shape[1]):
            H[i, j] = 1.0 if rng.random() < T[i, j] else 0.0


@njit(**_NJIT)
def _softmax_groups_inplace(A, b, offsets):
    """``A = softmax(A + b)`` within each group of columns (max-shifted)."""
    for i in range(A.shape[0]):
        for f in range(offsets.shape[0] - 1):
            lo, hi = offsets[f], offsets[f + 1]
            top = -np.inf
            for k in range(lo, hi):
                A[i, k] += b[k]
                top = max(top, A[i, k])
            total = 0.0
            for k in range(lo, hi):
                A[i, k] = np.exp(A[i, k] - top)
                total += A[i, k]
            for k in range(lo, hi):
                A[i, k] /= total


@njit(**_NJIT)
def _sample_groups_into(P, offsets, u, out):
    """One-hot draws ``out`` from group probabilities ``P`` with the uniforms
    ``u`` of shape (n_rows, n_groups) (``out`` may be ``P``)."""
    for i in range(P.shape[0]):
        for f in range(offsets.shape[0] - 1):
            lo, hi = offsets[f], offsets[f + 1]
            total = 0.0
            for k in range(lo, hi):
                total += P[i, k]
            threshold = u[i, f] * total  # robust to rounding of the normalisation
            chosen = hi - 1
            cumulative = 0.0
            for k in range(lo, hi):
                cumulative += P[i, k]
                if threshold < cumulative:
                    chosen = k
                    break
            for k in range(lo, hi):
                out[i, k] = 0.0
            out[i, chosen] = 1.0


@njit(**_NJIT)
def _sample_groups_inplace(P, offsets, rng):
    u = np.empty((P.shape[0], offsets.shape[0] - 1))
    for i in range(u.shape[0]):
        for f in range(u.shape[1]):
            u[i, f] = rng.random()
    _sample_groups_into(P, offsets, u, P)


@njit(**_NJIT)
def _sample_visibles_categorical(H, W, b, offsets, out, rng):
    """``out ~ softmax groups(H @ W + b)`` (one-hot)."""
    gemm(False, False, 1.0, H, W, 0.0, out)
    _softmax_groups_inplace(out, b, offsets)
    _sample_groups_inplace(out, offsets, rng)


@njit(**_NJIT)
def _sample_visible_counts(H, W, b, offsets, copies, out, rng):
    """``out`` = the category counts of ``copies`` tied copies of the visible
    layer, each drawn from ``softmax groups(H @ W + b)`` one copy after the
    other (one-hot draws for ``copies = 1``)."""
    if copies == 1:
        _sample_visibles_categorical(H, W, b, offsets, out, rng)
        return
    gemm(False, False, 1.0, H, W, 0.0, out)
    _softmax_groups_inplace(out, b, offsets)
    P = out.copy()
    out[:] = 0.0
    for _ in range(copies):
        draw = P.copy()
        _sample_groups_inplace(draw, offsets, rng)
        out += draw


@njit(**_NJIT)
def _gibbs_categorical(V, W, b, c, offsets, n_steps, rng):
    """``n_steps`` block-Gibbs sweeps v -> h -> v in place on one-hot ``V``."""
    H = np.empty((V.shape[0], W.shape[0]), V.dtype)
    T = np.empty((V.shape[0], W.shape[0]), V.dtype)
    for _ in range(n_steps):
        gemm(False, True, 1.0, V, W, 0.0, T)
        _sigmoid_sample_rows(T, c, H, rng)
        _sample_visibles_categorical(H, W, b, offsets, V, rng)


@njit(**_NJIT)
def _copy_rows(X, rows, out):
    for i in range(rows.shape[0]):
        for j in range(X.shape[1]):
            out[i, j] = X[rows[i], j]


@njit(**_NJIT)
def _apply_update(S, T, B, params, velocity, hyper):
    """The (P)CD step with momentum and weight decay, in place.

    ``S`` stacks the batch's one-hot data (first ``B`` rows) and the negative
    particles, ``T`` their hidden means; ``T`` is overwritten (scaled by
    ``lr/B`` and ``-lr/C``) so that one GEMM ``T^T S`` gives the weight step.
    """
    W, b, c = params
    dW, db, dc = velocity
    lr, momentum = hyper.learning_rate, hyper.momentum
    m = S.shape[0]
    C = m - B
    dt = W.dtype
    nh, nv = W.shape
    v_pos = np.zeros(nv, dt)
    v_neg = np.zeros(nv, dt)
    h_pos = np.zeros(nh, dt)
    h_neg = np.zeros(nh, dt)
    for i in range(m):
        scale = dt.type(lr / B) if i < B else dt.type(-lr / C)
        v_sum = v_pos if i < B else v_neg
        h_sum = h_pos if i < B else h_neg
        for j in range(nv):
            v_sum[j] += S[i, j]
        for j in range(nh):
            h_sum[j] += T[i, j]
            T[i, j] *= scale
    gemm(True, False, 1.0, T, S, momentum, dW)
    decay2, decay1 = dt.type(lr * hyper.l2), dt.type(lr * hyper.l1)
    for i in range(nh):
        for j in range(nv):
            dW[i, j] -= decay2 * W[i, j] + decay1 * np.sign(W[i, j])
            W[i, j] += dW[i, j]
    for j in range(nv):
        db[j] = momentum * db[j] + lr * (v_pos[j] / B - v_neg[j] / C)
        b[j] += db[j]
    for j in range(nh):
        dc[j] = momentum * dc[j] + lr * (h_pos[j] / B - h_neg[j] / C)
        c[j] += dc[j]


@njit(**_NJIT)
def _sgd_epoch_categorical(X, rows, bounds, params, velocity, chains, offsets, hyper, rng):
    """One epoch of CD-k or PCD-k on an RBM with softmax visible groups.

    Parameters
    ----------
    X : (n, n_values) one-hot data; ``rows`` gives the order of the rows.
    bounds : batch ``i`` is ``rows[bounds[i]:bounds[i + 1]]``.
    params : (W, b, c) updated in place; ``velocity`` : (dW, db, dc).
    chains : (n_chains, n_hidden) persistent hidden states (PCD), unused by CD.
    offsets : int64 group boundaries of the visible columns.
    hyper : SGDHyper.

    Data and negative particles are stacked into ``S`` so that one product
    gives both phases' hidden means and one product updates ``W``.

    With ``hyper.copies = r > 1`` the visible layer has ``r`` tied copies
    (the bottom RBM of DBM pretraining): the visible rows are category
    counts, ``X`` holds the data's (``r`` times its one-hot rows), a
    negative particle is the sum of ``r`` independent one-hot draws, and the
    update is the gradient of that RBM (its statistics are the counts).
    """
    W, b, c = params
    nh, nv = W.shape
    k = hyper.n_gibbs_steps
    persistent = hyper.persistent
    max_batch = 0
    for batch in range(bounds.shape[0] - 1):
        max_batch = max(max_batch, bounds[batch + 1] - bounds[batch])
    n_chains = chains.shape[0] if persistent else max_batch
    S = np.empty((max_batch + n_chains, nv), W.dtype)
    T = np.empty((max_batch + n_chains, nh), W.dtype)
    Hcd = np.empty((max_batch, nh), W.dtype)
    for batch in range(bounds.shape[0] - 1):
        start = bounds[batch]
        B = bounds[batch + 1] - start
        C = n_chains if persistent else B
        m = B + C
        _copy_rows(X, rows[start : start + B], S)
        if persistent:
            Hc = chains
        else:  # CD: the chains start from the data's hidden samples
            Hc = Hcd[:B]
            gemm(False, True, 1.0, S[:B], W, 0.0, T[:B])
            _sigmoid_sample_rows(T[:B], c, Hc, rng)
        for step in range(k):
            _sample_visible_counts(Hc, W, b, offsets, hyper.copies, S[B:m], rng)
            # PCD's first step takes the data rows along (one stacked product)
            lo = 0 if persistent and step == 0 else B
            gemm(False, True, 1.0, S[lo:m], W, 0.0, T[lo:m])
            _sigmoid_rows(T[lo:m], c)
            if persistent or step < k - 1:
                _bernoulli_rows(T[B:m], Hc, rng)
        _apply_update(S[:m], T[:m], B, params, velocity, hyper)


@njit(**_NJIT)
def _group_logsumexp_sum(a, offsets):
    """``sum_f logsumexp_k a[offsets[f] + k]`` of one vector."""
    total = 0.0
    for f in range(offsets.shape[0] - 1):
        lo, hi = offsets[f], offsets[f + 1]
        top = -np.inf
        for k in range(lo, hi):
            top = max(top, a[k])
        s = 0.0
        for k in range(lo, hi):
            s += np.exp(a[k] - top)
        total += top + np.log(s)
    return total


@njit(**_NJIT)
def _log_partition_enum_categorical(W, b, c, offsets, n_blocks):
    """``logsumexp_h [c.h + sum_f logsumexp_k (b + W.T h)_{f,k}]`` over all
    ``h`` in {0, 1}^n_hidden (float64), in Gray-code order: each state
    differs from the previous by one unit, so the visible input is updated
    by one row of ``W``. ``n_blocks`` contiguous ranges of states each start
    from their exact input (bounding the drift of the running sums).
    Serial on purpose: ``parallel=True`` tripled the first-call compile time
    (5.4 s against 2.3 s at load 3.7) for at most 2x at 20 hidden units
    (4.3 s serial for 2**20 states of a 256-wide layer; 0.2 s at 16 units).
    """
    nh, nv = W.shape
    n_states = 1 << nh
    n_blocks = min(n_blocks, n_states)
    block_max = np.full(n_blocks, -np.inf)
    block_sum = np.zeros(n_blocks)
    for blk in range(n_blocks):
        lo = (n_states * blk) // n_blocks
        hi = (n_states * (blk + 1)) // n_blocks
        a = b.copy()
        h = np.zeros(nh)
        gray = lo ^ (lo >> 1)
        ch = 0.0
        for i in range(nh):
            if (gray >> i) & 1:
                h[i] = 1.0
                ch += c[i]
                for j in range(nv):
                    a[j] += W[i, j]
        top = -np.inf
        total = 0.0
        for g in range(lo, hi):
            if g > lo:  # flip the unit whose bit changes between gray(g-1) and gray(g)
                i = 0
                x = g
                while (x & 1) == 0:
                    x >>= 1
                    i += 1
                sign = 1.0 - 2.0 * h[i]
                h[i] = 1.0 - h[i]
                ch += sign * c[i]
                for j in range(nv):
                    a[j] += sign * W[i, j]
            value = ch + _group_logsumexp_sum(a, offsets)
            if value > top:
                total = total * np.exp(top - value) + 1.0
                top = value
            else:
                total += np.exp(value - top)
        block_max[blk] = top
        block_sum[blk] = total
    top = np.max(block_max)
    return top + np.log(np.sum(block_sum * np.exp(block_max - top)))
