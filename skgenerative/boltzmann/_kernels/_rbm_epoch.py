"""One training epoch of CD-k / PCD-k on a binary RBM (the centred update in
plain-energy parameters, with the gather mode for sparse visible layers)."""

import numpy as np
from numba import njit

from ...utils._blas import gemm
from ._elementwise import (
    _NJIT,
    _column_sums,
    _sample_bernoulli_into,
    _sample_visibles_bernoulli,
    _sigmoid_bias_inplace,
)
from ._sparse import (
    _GATHER_MIN_HIDDEN,
    _is_sparse,
    _nonzero_pattern,
    _sparse_product,
    _sparse_transpose_product_add,
)


@njit(**_NJIT)
def _copy_rows(X, rows, out):
    """``out[i] = X[rows[i]]`` (loops: an array assignment compiles the error
    path of a shape check, seconds of first-call compile time)."""
    for i in range(rows.shape[0]):
        for j in range(X.shape[1]):
            out[i, j] = X[rows[i], j]


@njit(**_NJIT)
def _epoch_workspace(W, bounds, chains, persistent):
    """Buffers of a training epoch: ``S`` stacks a batch's data and its
    negative visibles, ``T`` their hidden means, ``H`` the hidden samples of
    CD chains; and the number of negative chains."""
    nh, nv = W.shape
    max_batch = 0
    for batch in range(bounds.shape[0] - 1):
        max_batch = max(max_batch, bounds[batch + 1] - bounds[batch])
    n_chains = chains.shape[0] if persistent else max_batch
    S = np.empty((max_batch + n_chains, nv), W.dtype)
    T = np.empty((max_batch + n_chains, nh), W.dtype)
    H = np.empty((max(n_chains, max_batch), nh), W.dtype)
    return S, T, H, n_chains


def is_direct_update(hyper, offsets):
    """No momentum, L1 or centring: the step can go straight into W."""
    mu, lam = offsets
    return bool(
        hyper.momentum == 0.0 and hyper.l1 == 0.0 and hyper.offset_rate == 0.0
        and not np.any(mu) and not np.any(lam)
    )


#: the same test inside a kernel (Python callers use the plain function: a
#: kernel chosen in Python compiles only the update it uses)
_is_direct_update = njit(**_NJIT)(is_direct_update)


@njit(**_NJIT)
def _phase_sums(S, T, B):
    """Column sums of the data rows (first ``B``) and the negative rows of
    the stacked visibles ``S`` and hidden means ``T``."""
    v_pos = np.empty(S.shape[1], S.dtype)
    v_neg = np.empty(S.shape[1], S.dtype)
    h_pos = np.empty(T.shape[1], T.dtype)
    h_neg = np.empty(T.shape[1], T.dtype)
    _column_sums(S[:B], v_pos)
    _column_sums(S[B:], v_neg)
    _column_sums(T[:B], h_pos)
    _column_sums(T[B:], h_neg)
    return v_pos, v_neg, h_pos, h_neg


@njit(**_NJIT)
def _apply_update(S, T, B, params, velocity, offsets, hyper, direct):
    """The (centred) PCD/CD update from one batch's phases, in place.

    ``S`` stacks the batch's data (first ``B`` rows) and the negative
    particles; ``T`` holds their hidden means. Both are overwritten (centred
    and scaled) so that one GEMM ``T^T S`` gives the weight step. This is the
    centred gradient of Melchior et al. (2016) written in plain-energy
    parameters: with offsets at zero it is the ordinary (P)CD gradient.
    ``direct`` (no momentum, L1, or centring) adds the step straight into W.
    """
    W, b, c = params
    if direct:
        no_pattern = (np.zeros(1, np.int64), np.zeros(0, np.int64))
        # typed constants: a literal argument would compile another specialization
        _apply_direct_update(S, T, B, W, np.bool_(False), b, c, hyper, no_pattern)
        return
    dW, db, dc = velocity
    mu, lam = offsets
    lr, momentum, l2, l1 = hyper.learning_rate, hyper.momentum, hyper.l2, hyper.l1
    offset_rate = hyper.offset_rate
    nh, nv = W.shape
    m = S.shape[0]
    C = m - B
    dt = W.dtype
    v_pos, v_neg, h_pos, h_neg = _phase_sums(S, T, B)
    if offset_rate > 0:
        # sliding averages of the data means (Melchior et al. 2016, alg. 1)
        for j in range(nv):
            mu[j] += offset_rate * (v_pos[j] / B - mu[j])
        for j in range(nh):
            lam[j] += offset_rate * (h_pos[j] / B - lam[j])
    # centre and scale: W-step = T^T S with T = [(h_d - lam) lr/B; -(h_n - lam) lr/C]
    scale_d = dt.type(lr / B)
    scale_n = dt.type(-lr / C)
    for i in range(m):
        scale = scale_d if i < B else scale_n
        for j in range(nh):
            T[i, j] = (T[i, j] - lam[j]) * scale
        for j in range(nv):
            S[i, j] -= mu[j]
    gemm(True, False, 1.0, T, S, momentum, dW)
    decay2, decay1 = dt.type(lr * l2), dt.type(lr * l1)
    for i in range(nh):
        for j in range(nv):
            dW[i, j] -= decay2 * W[i, j] + decay1 * np.sign(W[i, j])
            W[i, j] += dW[i, j]
    for j in range(nv):
        db[j] = momentum * db[j] + lr * (v_pos[j] / B - v_neg[j] / C)
    for j in range(nh):
        dc[j] = momentum * dc[j] + lr * (h_pos[j] / B - h_neg[j] / C)
    # plain-energy biases absorb the offsets: b = b~ - W lam, c = c~ - W mu
    for i in range(nh):
        correction = 0.0
        for j in range(nv):
            correction += dW[i, j] * mu[j]
            b[j] -= dW[i, j] * lam[i]
        c[i] += dc[i] - correction
    for j in range(nv):
        b[j] += db[j]


@njit(**_NJIT)
def _visible_to_hidden_means(S, lo, hi, Wm, transposed, pattern, c, out):
    """``out[lo:hi] = sigmoid(S[lo:hi] @ W.T + c)``.

    ``Wm`` is ``W`` or, when ``transposed``, ``W.T`` (C-contiguous); then a
    sparse block of rows gathers rows of ``W.T`` using ``pattern`` = (ptr,
    idx) of ``S`` instead of calling GEMM.
    """
    ptr, idx = pattern
    if not transposed:
        gemm(False, True, 1.0, S[lo:hi], Wm, 0.0, out[lo:hi])
    elif _is_sparse(ptr, lo, hi, S.shape[1]):
        _sparse_product(S[lo:hi], ptr[lo : hi + 1], idx, Wm, out[lo:hi])
    else:
        gemm(False, False, 1.0, S[lo:hi], Wm, 0.0, out[lo:hi])
    _sigmoid_bias_inplace(out[lo:hi], c)


@njit(**_NJIT)
def _apply_direct_update(S, T, B, Wm, transposed, b, c, hyper, pattern):
    """The plain (P)CD step (no momentum, L1 or centring), in place.

    ``S`` stacks the batch's data (first ``B`` rows) and the negative
    particles, ``T`` their hidden means (overwritten: scaled by ``lr/B`` and
    ``-lr/C``). ``Wm`` is ``W`` (``W += T.T @ S``) or, when ``transposed``,
    ``W.T`` (``W.T += S.T @ T``, by scattering rows of ``T`` when ``S`` is
    sparse, with its non-zero ``pattern``).
    """
    ptr, idx = pattern
    lr, l2 = hyper.learning_rate, hyper.l2
    m = S.shape[0]
    nv = S.shape[1]
    nh = T.shape[1]
    C = m - B
    dt = Wm.dtype
    v_pos, v_neg, h_pos, h_neg = _phase_sums(S, T, B)
    scale_d = dt.type(lr / B)
    scale_n = dt.type(-lr / C)
    for i in range(m):
        scale = scale_d if i < B else scale_n
        for j in range(nh):
            T[i, j] *= scale
    if l2 > 0:
        Wm *= dt.type(1.0 - lr * l2)
    if not transposed:
        gemm(True, False, 1.0, T, S, 1.0, Wm)
    elif _is_sparse(ptr, np.int64(0), m, nv):
        _sparse_transpose_product_add(S, ptr, idx, T, Wm)
    else:
        gemm(True, False, 1.0, S, T, 1.0, Wm)
    for j in range(nv):
        b[j] += dt.type(lr) * (v_pos[j] / B - v_neg[j] / C)
    for j in range(nh):
        c[j] += dt.type(lr) * (h_pos[j] / B - h_neg[j] / C)


def _sgd_epoch_bernoulli(X, rows, bounds, params, velocity, offsets, chains, hyper, rng):
    """One epoch of CD-k or PCD-k on a binary RBM, in place.

    Parameters
    ----------
    X : (n, n_visible) data; ``rows`` gives the order in which rows are used.
    bounds : batch ``i`` is ``rows[bounds[i]:bounds[i + 1]]``.
    params : (W, b, c) updated in place; ``velocity`` : (dW, db, dc) momentum.
    offsets : (mu, lam) centring offsets of the visible and hidden layer
        (zeros and rate 0 for a plain RBM), updated as sliding averages.
    chains : (n_chains, n_hidden) persistent hidden states (PCD) or scratch
        space of at least the batch size (CD).
    hyper : EpochHyper (``_kernels._hyper``): learning_rate, momentum, l2,
        l1, offset_rate, n_gibbs_steps, persistent.

    The update is the centred gradient of Melchior et al. (2016) written in
    plain-energy parameters: with offsets at zero it is the ordinary
    (P)CD gradient. Data and negative particles are stacked into one matrix
    so that one product gives both hidden means and one product updates
    ``W``. Without momentum, L1 or centring (and with at least
    ``_GATHER_MIN_HIDDEN`` hidden units) the epoch works on a copy of
    ``W.T``, so that products with a sparse visible layer (binary data,
    visible samples) can gather its rows instead of calling GEMM.

    The two paths are two kernels chosen here, in Python: numba compiles
    every branch of a kernel, so one kernel with both would make a cold first
    fit compile the path it does not use.
    """
    if is_direct_update(hyper, offsets) and params[0].shape[0] >= _GATHER_MIN_HIDDEN:
        _sgd_epoch_gather(X, rows, bounds, params, chains, hyper, rng)
    else:
        _sgd_epoch_dense(X, rows, bounds, params, velocity, offsets, chains, hyper, rng)


@njit(**_NJIT)
def _batch_phases(X, batch_rows, S, T, H, chains, n_chains, Wm, gather, pattern, b, c, hyper, rng):
    """The data and negative phases of one batch: the batch's rows and the
    negative particles stacked in ``S``, their hidden means in ``T`` (the
    chains advanced by k Gibbs steps); returns the number of stacked rows.
    ``Wm`` and ``gather`` as in :func:`_visible_to_hidden_means`; in gather
    mode ``pattern`` receives the non-zero pattern of ``S``."""
    k = int(hyper.n_gibbs_steps)
    persistent = hyper.persistent > 0
    ptr, idx = pattern
    B = batch_rows.shape[0]
    C = n_chains if persistent else B
    m = B + C
    _copy_rows(X, batch_rows, S)
    Sn = S[B:m]
    if persistent:
        Hc = chains
    else:
        Hc = H[:C]
        zero = np.int64(0)  # not a literal 0: one specialization per helper
        if gather:
            _nonzero_pattern(S[:B], zero, ptr, idx)
        _visible_to_hidden_means(S, zero, B, Wm, gather, pattern, c, T)
        _sample_bernoulli_into(T[:B], Hc, rng)
    for step in range(k):
        _sample_visibles_bernoulli(Hc, Wm, b, Sn, rng, gather)
        # PCD's first step takes the data rows along (one stacked product)
        lo = 0 if persistent and step == 0 else B
        if gather:  # the data rows' pattern once a batch, the particles' after each draw
            _nonzero_pattern(S[:m], lo, ptr, idx)
        _visible_to_hidden_means(S, lo, m, Wm, gather, pattern, c, T)
        if persistent or step < k - 1:
            _sample_bernoulli_into(T[B:m], Hc, rng)
    return m


@njit(**_NJIT)
def _sgd_epoch_gather(X, rows, bounds, params, chains, hyper, rng):
    """The plain (P)CD epoch (no momentum, L1 or centring) on a copy of
    ``W.T``: products with the sparse visible layer gather or scatter rows."""
    W, b, c = params
    S, T, H, n_chains = _epoch_workspace(W, bounds, chains, hyper.persistent > 0)
    Wm = np.ascontiguousarray(W.T)
    pattern = (np.zeros(S.shape[0] + 1, np.int64), np.empty(S.size, np.int64))
    gather = np.bool_(True)
    for batch in range(bounds.shape[0] - 1):
        start, stop = bounds[batch], bounds[batch + 1]
        m = _batch_phases(X, rows[start:stop], S, T, H, chains, n_chains, Wm, gather, pattern,
                          b, c, hyper, rng)
        _apply_direct_update(S[:m], T[:m], stop - start, Wm, gather, b, c, hyper, pattern)
    for i in range(W.shape[0]):  # (a loop, as in _copy_rows)
        for j in range(W.shape[1]):
            W[i, j] = Wm[j, i]


@njit(**_NJIT)
def _sgd_epoch_dense(X, rows, bounds, params, velocity, offsets, chains, hyper, rng):
    """The (centred, momentum) epoch on ``W`` itself, every product by GEMM."""
    W, b, c = params
    direct = _is_direct_update(hyper, offsets)
    S, T, H, n_chains = _epoch_workspace(W, bounds, chains, hyper.persistent > 0)
    no_pattern = (np.zeros(1, np.int64), np.zeros(0, np.int64))
    gather = np.bool_(False)
    for batch in range(bounds.shape[0] - 1):
        start, stop = bounds[batch], bounds[batch + 1]
        m = _batch_phases(X, rows[start:stop], S, T, H, chains, n_chains, W, gather, no_pattern,
                          b, c, hyper, rng)
        _apply_update(S[:m], T[:m], stop - start, params, velocity, offsets, hyper, direct)
