"""Numba kernels of the Boltzmann family.

Conventions: weights ``W`` have shape ``(n_hidden, n_visible)`` (scikit-learn's
``components_``), all 2-D arrays are C-contiguous, and every kernel works for
float32 and float64. Matrix products go to BLAS through
:func:`skgenerative.utils._blas.gemm`; the kernels fuse the elementwise work
around them (sigmoid, sampling, centring, scaling). Random numbers come from
the ``np.random.Generator`` passed in, so results are reproducible and equal to
the numpy twins in ``tests/_reference.py``.
"""

import numpy as np
from numba import njit, prange

from ..utils._numba_math import counter_uniform, draw_key, softplus_sum
from ..utils._numba_math import sigmoid_into as _sigmoid_into
from ..utils._blas import gemm

_NJIT = dict(cache=True, error_model="numpy")


# --------------------------------------------------------------------------
# elementwise building blocks


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
# products with a sparse visible layer
#
# Binary data and visible samples are mostly zeros (13 % ones on binarized
# MNIST). A product with such a layer is then cheaper as a gather of the rows
# of ``W.T`` that the non-zeros select than as a GEMM: on binarized MNIST
# the forward product and the weight update take half the time of
# single-thread GEMM at 500 hidden units, float32 and float64; at 30 % ones
# they break even (benchmarks/README.md).

#: Below this fraction of non-zeros a product with the visible layer gathers.
_SPARSE_DENSITY = 0.2
#: Finding the non-zeros pays only from this many hidden units (measured
#: crossover on binarized MNIST: 50-100 hidden units).
_GATHER_MIN_HIDDEN = 64


@njit(**_NJIT)
def _nonzero_pattern(S, first, ptr, idx):
    """The non-zero pattern (CSR ``ptr``, ``idx``) of rows ``first:`` of ``S``.

    Row ``i``'s column indices are ``idx[ptr[i]:ptr[i + 1]]``; rows before
    ``first`` keep theirs (``ptr[first]`` must be set). Branch-free, so the
    cost does not depend on the pattern. ``idx`` needs ``S.size`` entries.
    """
    nv = S.shape[1]
    n = ptr[first]
    for i in range(first, S.shape[0]):
        for j in range(nv):
            idx[n] = j
            n += S[i, j] != 0
        ptr[i + 1] = n


@njit(**_NJIT)
def _is_sparse(ptr, lo, hi, n_columns):
    """Whether rows ``lo:hi`` have few enough non-zeros to gather."""
    return ptr[hi] - ptr[lo] < _SPARSE_DENSITY * (hi - lo) * n_columns


@njit(**_NJIT)
def _sparse_product(S, ptr, idx, D, out):
    """``out = S @ D`` from the non-zero pattern of ``S`` (rows of ``D`` gathered)."""
    for i in range(S.shape[0]):
        row = out[i]
        row[:] = 0.0
        for t in range(ptr[i], ptr[i + 1]):
            j = idx[t]
            s = S[i, j]
            d = D[j]
            for k in range(D.shape[1]):
                row[k] += s * d[k]


@njit(**_NJIT)
def _sparse_transpose_product_add(S, ptr, idx, T, out):
    """``out += S.T @ T`` from the non-zero pattern of ``S`` (rows of ``T`` scattered)."""
    for i in range(S.shape[0]):
        row = T[i]
        for t in range(ptr[i], ptr[i + 1]):
            j = idx[t]
            s = S[i, j]
            o = out[j]
            for k in range(T.shape[1]):
                o[k] += s * row[k]


# --------------------------------------------------------------------------
# conditionals


@njit(**_NJIT)
def _hidden_means(V, W, c, out):
    """``out = sigmoid(V @ W.T + c)``: P(h = 1 | v) of a binary hidden layer."""
    gemm(False, True, 1.0, V, W, 0.0, out)
    _sigmoid_bias_inplace(out, c)


# --------------------------------------------------------------------------
# Gibbs sampling


@njit(**_NJIT)
def _gibbs_bernoulli(V, W, b, c, n_steps, rng, H):
    """Run ``n_steps`` block-Gibbs sweeps v -> h -> v in place on ``V``.

    ``H`` (n_chains, n_hidden) is scratch space and ends holding the last
    hidden sample.
    """
    for _ in range(n_steps):
        _hidden_means(V, W, c, H)
        _bernoulli_sample_inplace(H, rng)
        _sample_visibles_bernoulli(H, W, b, V, rng)


@njit(**_NJIT)
def _gibbs_gaussian(V, W, b, c, beta, n_steps, rng, H):
    """Block-Gibbs sweeps of a Gaussian-Bernoulli RBM, in place on ``V``.

    p(h=1|v) = sigmoid(W (beta*v) + c), p(v|h) = N(b + W.T h, 1/beta).
    """
    n, nv = V.shape
    scaled = np.empty_like(V)
    std = (1.0 / np.sqrt(beta)).astype(V.dtype)
    for _ in range(n_steps):
        for i in range(n):
            for j in range(nv):
                scaled[i, j] = V[i, j] * beta[j]
        _hidden_means(scaled, W, c, H)
        _bernoulli_sample_inplace(H, rng)
        gemm(False, False, 1.0, H, W, 0.0, V)
        for i in range(n):
            for j in range(nv):
                V[i, j] += b[j] + std[j] * rng.standard_normal()


# --------------------------------------------------------------------------
# training: one epoch of CD-k / PCD-k


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


@njit(**_NJIT)
def _is_direct_update(hyper, offsets):
    """No momentum, L1 or centring: the step can go straight into W."""
    mu, lam = offsets
    return (
        hyper[1] == 0.0 and hyper[3] == 0.0 and hyper[4] == 0.0
        and not np.any(mu) and not np.any(lam)
    )


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
        _apply_direct_update(S, T, B, W, False, b, c, hyper, no_pattern)
        return
    dW, db, dc = velocity
    mu, lam = offsets
    lr, momentum, l2, l1, offset_rate = hyper[0], hyper[1], hyper[2], hyper[3], hyper[4]
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
    lr, l2 = hyper[0], hyper[2]
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
    elif _is_sparse(ptr, 0, m, nv):
        _sparse_transpose_product_add(S, ptr, idx, T, Wm)
    else:
        gemm(True, False, 1.0, S, T, 1.0, Wm)
    for j in range(nv):
        b[j] += dt.type(lr) * (v_pos[j] / B - v_neg[j] / C)
    for j in range(nh):
        c[j] += dt.type(lr) * (h_pos[j] / B - h_neg[j] / C)


@njit(**_NJIT)
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
    hyper : float64 array [learning_rate, momentum, l2, l1, offset_rate,
        n_gibbs_steps, persistent].

    The update is the centred gradient of Melchior et al. (2016) written in
    plain-energy parameters: with offsets at zero it is the ordinary
    (P)CD gradient. Data and negative particles are stacked into one matrix
    so that one product gives both hidden means and one product updates
    ``W``. Without momentum, L1 or centring the epoch works on a copy of
    ``W.T``, so that products with a sparse visible layer (binary data, visible
    samples) can gather its rows instead of calling GEMM.
    """
    W, b, c = params
    k = int(hyper[5])
    persistent = hyper[6] > 0
    direct = _is_direct_update(hyper, offsets)
    S, T, H, n_chains = _epoch_workspace(W, bounds, chains, persistent)
    # gather mode: the epoch works on a copy of W.T
    gather = direct and W.shape[0] >= _GATHER_MIN_HIDDEN
    Wm = np.ascontiguousarray(W.T) if gather else W
    ptr = np.zeros(S.shape[0] + 1, np.int64)
    idx = np.empty(S.size if gather else 0, np.int64)
    pattern = (ptr, idx)
    for batch in range(bounds.shape[0] - 1):
        start = bounds[batch]
        B = bounds[batch + 1] - start
        C = n_chains if persistent else B
        m = B + C
        _copy_rows(X, rows[start : start + B], S)
        Sn = S[B:m]
        if persistent:
            Hc = chains
        else:
            Hc = H[:C]
            if gather:
                _nonzero_pattern(S[:B], 0, ptr, idx)
            _visible_to_hidden_means(S, 0, B, Wm, gather, pattern, c, T)
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
        if gather:
            _apply_direct_update(S[:m], T[:m], B, Wm, True, b, c, hyper, pattern)
        else:
            _apply_update(S[:m], T[:m], B, params, velocity, offsets, hyper, direct)
    if gather:  # (a loop, as in _copy_rows)
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                W[i, j] = Wm[j, i]


# --------------------------------------------------------------------------
# exact log partition function by enumeration (Gray code)


@njit(**_NJIT)
def _lowest_set_bit(g):
    t = 0
    while (g >> t) & 1 == 0:
        t += 1
    return t


@njit(cache=True, error_model="numpy", parallel=True)
def _log_partition_enum(W, b_other, c_enum, beta, n_blocks):
    """log sum over the 2^n binary states ``h`` of the enumerated layer of
    ``c_enum . h + sum_j f_j(b_other_j + (W.T h)_j)``.

    ``W`` has shape (n_enum, n_other). With ``beta`` empty the other layer is
    binary and ``f = softplus`` (its sum was done analytically); otherwise it
    is Gaussian with precisions ``beta`` and ``f_j(a) = beta_j a^2 / 2``
    (the Gaussian integral up to constants the caller adds).

    States are visited in Gray-code order so that each step adds or removes
    one row of ``W`` (O(n_other) per state); every block restarts from an
    exact sum so rounding does not accumulate. Everything is float64.
    """
    n_enum, n_other = W.shape
    n_states = np.int64(1) << n_enum
    block = n_states // n_blocks
    maxes = np.empty(n_blocks)
    sums = np.empty(n_blocks)
    gaussian = beta.shape[0] > 0
    for blk in prange(n_blocks):
        first = blk * block
        a = np.empty(n_other)
        scratch = np.empty(n_other, np.int64)
        work = np.empty(n_other)
        code = first ^ (first >> 1)
        lin = 0.0
        for j in range(n_other):
            a[j] = b_other[j]
        for i in range(n_enum):
            if (code >> i) & 1:
                lin += c_enum[i]
                for j in range(n_other):
                    a[j] += W[i, j]
        running_max = -np.inf
        running_sum = 0.0
        for g in range(first, first + block):
            if g > first:
                bit = _lowest_set_bit(g)
                sign = 1.0 if ((g ^ (g >> 1)) >> bit) & 1 else -1.0
                lin += sign * c_enum[bit]
                for j in range(n_other):
                    a[j] += sign * W[bit, j]
            value = lin
            if gaussian:
                for j in range(n_other):
                    value += 0.5 * beta[j] * a[j] * a[j]
            else:
                value += softplus_sum(a, scratch, work)
            if value > running_max:
                running_sum = running_sum * np.exp(running_max - value) + 1.0
                running_max = value
            else:
                running_sum += np.exp(value - running_max)
        maxes[blk] = running_max
        sums[blk] = running_sum
    top = maxes.max()
    total = 0.0
    for blk in range(n_blocks):
        total += sums[blk] * np.exp(maxes[blk] - top)
    return top + np.log(total)


# --------------------------------------------------------------------------
# Gaussian-Bernoulli RBM: one epoch of CD-k / PCD-k


@njit(**_NJIT)
def _sample_visibles_gaussian(H, W, b, std, out, rng):
    """``out ~ N(b + H @ W, std**2)`` (row-major draws)."""
    gemm(False, False, 1.0, H, W, 0.0, out)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] += b[j] + std[j] * rng.standard_normal()


@njit(**_NJIT)
def _scale_columns_into(A, scale, out):
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            out[i, j] = A[i, j] * scale[j]


@njit(**_NJIT)
def _precision_statistic(S, R, b, out):
    """``out[j] = sum_i -(S_ij - b_j)^2 / 2 + S_ij R_ij``: the part of the
    log-precision gradient that depends on the particles (before * beta_j)."""
    out[:] = 0.0
    for i in range(S.shape[0]):
        for j in range(S.shape[1]):
            d = S[i, j] - b[j]
            out[j] += -0.5 * d * d + S[i, j] * R[i, j]


@njit(**_NJIT)
def _sgd_epoch_gaussian(X, rows, bounds, params, velocity, scaling, chains, hyper, rng):
    """One epoch of CD-k or PCD-k on a Gaussian-Bernoulli RBM, in place.

    The model (in the standardized space the kernel works in) has energy
    ``E(v, h) = 1/2 sum_j beta_j (v_j - b_j)^2 - sum_j beta_j v_j (W.T h)_j
    - c.h`` with ``beta = exp(s)``.

    Parameters
    ----------
    X : (n, n_visible) data; ``rows`` gives the order in which rows are used.
        Each row enters as ``(x - mu) * inv_sigma``.
    bounds : batch ``i`` is ``rows[bounds[i]:bounds[i + 1]]``.
    params : (W, b, c, s) updated in place (``s`` = log-precision);
        ``velocity`` : (dW, db, dc, ds) momentum.
    scaling : (mu, inv_sigma, s_max) standardization of the rows and the
        per-visible upper bound of ``s`` (the variance floor).
    chains : (n_chains, n_hidden) persistent hidden states (PCD) or scratch
        space of at least the batch size (CD).
    hyper : float64 array [learning_rate, momentum, l2, l1, learn_precision,
        n_gibbs_steps, persistent, s_min].

    Gradient of -E (data minus model averages, hidden units replaced by their
    conditional means): ``dW_ij = h_i beta_j v_j``, ``db_j = beta_j (v_j -
    b_j)``, ``dc_i = h_i``, ``ds_j = beta_j (-(v_j - b_j)^2 / 2 + v_j (W.T
    h)_j)``. Data and negative particles are stacked so that one GEMM gives
    both hidden means and one GEMM updates ``W``.
    """
    W, b, c, s = params
    dW, db, dc, ds = velocity
    mu, inv_sigma, s_max = scaling
    lr, momentum, l2, l1 = hyper[0], hyper[1], hyper[2], hyper[3]
    learn_precision = hyper[4] > 0
    k = int(hyper[5])
    persistent = hyper[6] > 0
    s_min = hyper[7]
    direct = momentum == 0.0 and l1 == 0.0
    nh, nv = W.shape
    n_batches = bounds.shape[0] - 1
    dt = W.dtype
    max_batch = 0
    for batch in range(n_batches):
        max_batch = max(max_batch, bounds[batch + 1] - bounds[batch])
    n_chains = chains.shape[0] if persistent else max_batch
    S = np.empty((max_batch + n_chains, nv), dt)  # [data; negative] visibles
    P = np.empty((max_batch + n_chains, nv), dt)  # the same, times beta
    T = np.empty((max_batch + n_chains, nh), dt)  # their hidden means
    R = np.empty((max_batch + n_chains, nv), dt)  # T @ W (precision gradient)
    H = np.empty((max(n_chains, max_batch), nh), dt)  # hidden samples of CD chains
    beta = np.empty(nv, dt)
    std = np.empty(nv, dt)
    v_pos = np.empty(nv, dt)
    v_neg = np.empty(nv, dt)
    h_pos = np.empty(nh, dt)
    h_neg = np.empty(nh, dt)
    q_pos = np.empty(nv, dt)
    q_neg = np.empty(nv, dt)
    for batch in range(n_batches):
        start = bounds[batch]
        B = bounds[batch + 1] - start
        C = n_chains if persistent else B
        m = B + C
        for j in range(nv):
            beta[j] = np.exp(s[j])
            std[j] = 1.0 / np.sqrt(beta[j])
        for i in range(B):
            r = rows[start + i]
            for j in range(nv):
                S[i, j] = (X[r, j] - mu[j]) * inv_sigma[j]
        Sd, Sn, Pd, Pn, Td, Tn = S[:B], S[B:m], P[:B], P[B:m], T[:B], T[B:m]
        if persistent:
            Hc = chains
            _sample_visibles_gaussian(Hc, W, b, std, Sn, rng)
            _scale_columns_into(S[:m], beta, P[:m])
            _hidden_means(P[:m], W, c, T[:m])
            for _ in range(k - 1):
                _sample_bernoulli_into(Tn, Hc, rng)
                _sample_visibles_gaussian(Hc, W, b, std, Sn, rng)
                _scale_columns_into(Sn, beta, Pn)
                _hidden_means(Pn, W, c, Tn)
            _sample_bernoulli_into(Tn, Hc, rng)
        else:
            Hc = H[:C]
            _scale_columns_into(Sd, beta, Pd)
            _hidden_means(Pd, W, c, Td)
            _sample_bernoulli_into(Td, Hc, rng)
            for step in range(k):
                _sample_visibles_gaussian(Hc, W, b, std, Sn, rng)
                _scale_columns_into(Sn, beta, Pn)
                _hidden_means(Pn, W, c, Tn)
                if step < k - 1:
                    _sample_bernoulli_into(Tn, Hc, rng)
        _column_sums(Sd, v_pos)
        _column_sums(Sn, v_neg)
        _column_sums(Td, h_pos)
        _column_sums(Tn, h_neg)
        if learn_precision:
            # needs W and b before this batch's update
            gemm(False, False, 1.0, T[:m], W, 0.0, R[:m])
            _precision_statistic(Sd, R[:B], b, q_pos)
            _precision_statistic(Sn, R[B:m], b, q_neg)
        # W-step = T^T P with T = [h_d lr/B; -h_n lr/C]
        scale_d = dt.type(lr / B)
        scale_n = dt.type(-lr / C)
        for i in range(m):
            scale = scale_d if i < B else scale_n
            for j in range(nh):
                T[i, j] *= scale
        if direct:
            if l2 > 0:
                W *= dt.type(1.0 - lr * l2)
            gemm(True, False, 1.0, T[:m], P[:m], 1.0, W)
            for j in range(nv):
                b[j] += dt.type(lr) * beta[j] * (v_pos[j] / B - v_neg[j] / C)
            for j in range(nh):
                c[j] += dt.type(lr) * (h_pos[j] / B - h_neg[j] / C)
            if learn_precision:
                for j in range(nv):
                    s[j] += dt.type(lr) * beta[j] * (q_pos[j] / B - q_neg[j] / C)
        else:
            gemm(True, False, 1.0, T[:m], P[:m], momentum, dW)
            decay2, decay1 = dt.type(lr * l2), dt.type(lr * l1)
            for i in range(nh):
                for j in range(nv):
                    dW[i, j] -= decay2 * W[i, j] + decay1 * np.sign(W[i, j])
                    W[i, j] += dW[i, j]
            for j in range(nv):
                db[j] = momentum * db[j] + lr * beta[j] * (v_pos[j] / B - v_neg[j] / C)
                b[j] += db[j]
            for j in range(nh):
                dc[j] = momentum * dc[j] + lr * (h_pos[j] / B - h_neg[j] / C)
                c[j] += dc[j]
            if learn_precision:
                for j in range(nv):
                    ds[j] = momentum * ds[j] + lr * beta[j] * (q_pos[j] / B - q_neg[j] / C)
                    s[j] += ds[j]
        if learn_precision:
            for j in range(nv):
                s[j] = min(max(s[j], s_min), s_max[j])


# --------------------------------------------------------------------------
# deep Boltzmann machines (§20.4)
#
# A DBM with L hidden layers is given as tuples: states ``S[0..L]`` (S[0] the
# visible layer), each (n_rows, n_l) C-contiguous; weights ``Ws[0..L-1]`` with
# ``Ws[l]`` of shape (n_{l+1}, n_l) (scikit-learn's (hidden, visible) layout);
# biases ``bs[0..L]``. Energy (eq. 20.25 generalised, with biases):
# ``E = -sum_l S[l+1] Ws[l] S[l] - sum_l bs[l] S[l]``. Even layers (0, 2, ...)
# are conditionally independent given the odd ones and vice versa.


@njit(**_NJIT)
def _dbm_layer_input(S, Ws, l, out):
    """``out = S[l-1] Ws[l-1]^T + S[l+1] Ws[l]`` (terms that exist; no bias)."""
    L = len(S) - 1
    if l > 0:
        gemm(False, True, 1.0, S[l - 1], Ws[l - 1], 0.0, out)
        if l < L:
            gemm(False, False, 1.0, S[l + 1], Ws[l], 1.0, out)
    else:
        gemm(False, False, 1.0, S[1], Ws[0], 0.0, out)


@njit(**_NJIT)
def _bottom_up_dbm(Q, Ws, bs):
    """Initial mean-field values: one upward pass, inputs of all but the top
    layer doubled (they stand in for the missing top-down input)."""
    L = len(Q) - 1
    one = Q[0].dtype.type(1.0)
    for l in range(1, L + 1):
        Ql = Q[l]
        gemm(False, True, 2.0 if l < L else 1.0, Q[l - 1], Ws[l - 1], 0.0, Ql)
        b = bs[l]
        for i in range(Ql.shape[0]):
            for j in range(Ql.shape[1]):
                Ql[i, j] = one / (one + np.exp(-(Ql[i, j] + b[j])))


@njit(**_NJIT)
def _mean_field_dbm(Q, Ws, bs, observed, n_iter, tol, beta):
    """Mean-field fixed-point iterations (eqs. 20.33-20.34), in place on ``Q``.

    One iteration updates the odd layers given the even ones, then the even
    hidden layers given the odd ones; each block update is the exact
    coordinate maximiser of the ELBO, so the bound never decreases.
    ``Q[0]`` is the clamped visible layer; if ``observed`` has rows, the
    visible entries where ``observed == 0`` are updated too (imputation):
    binary visibles if ``beta`` is empty, else Gaussian visibles of
    precisions ``beta`` (``Ws[0]`` folded, see the Gaussian section below),
    which take their conditional mean ``b + W_0^T q_1`` (the mean of the
    optimal factor ``N(b + W_0^T q_1, 1 / beta)``).
    Stops when no unit changes by more than ``tol``; returns the number of
    iterations run.
    """
    L = len(Q) - 1
    m = Q[0].shape[0]
    one = Q[0].dtype.type(1.0)
    free_visible = observed.shape[0] > 0
    gaussian = beta.shape[0] > 0
    # clamped visibles send h_1 the same input at every iteration
    bottom = np.empty((m, Q[1].shape[1]), Q[0].dtype)
    if not free_visible:
        gemm(False, True, 1.0, Q[0], Ws[0], 0.0, bottom)
    for it in range(n_iter):
        delta = 0.0
        for parity in (1, 0):
            for l in range(parity, L + 1, 2):
                if l == 0 and not free_visible:
                    continue
                Ql = Q[l]
                n = Ql.shape[1]
                if l == 1 and not free_visible:
                    A = bottom.copy()
                    if L > 1:
                        gemm(False, False, 1.0, Q[l + 1], Ws[l], 1.0, A)
                else:
                    A = np.empty((m, n), dtype=Ql.dtype)
                    _dbm_layer_input(Q, Ws, l, A)
                b = bs[l]
                if l > 0:  # A becomes the new q of the layer
                    _sigmoid_bias_inplace(A, b)
                for i in range(m):
                    for j in range(n):
                        if l == 0:
                            if observed[i, j] != 0:
                                continue
                            if gaussian:
                                q = b[j] + A[i, j] / beta[j]
                            else:
                                q = one / (one + np.exp(-(A[i, j] + b[j])))
                        else:
                            q = A[i, j]
                        d = abs(np.float64(q) - np.float64(Ql[i, j]))
                        if d > delta:
                            delta = d
                        Ql[i, j] = q
        if delta <= tol:
            return it + 1
    return n_iter


@njit(**_NJIT)
def _gibbs_dbm(S, Ws, bs, observed, n_steps, rng, beta):
    """``n_steps`` block-Gibbs sweeps in place on the states ``S``.

    A sweep samples the even layers (visible, h2, ...) given the odd ones,
    then the odd layers given the even ones (Algorithm 20.1). A uniform is
    drawn for every binary unit in row-major order, layer by layer; visible
    entries where ``observed != 0`` (if ``observed`` has rows) are kept (their
    draws are still made). With a non-empty ``beta`` the visibles are
    Gaussian (``Ws[0]`` folded, see the Gaussian section below): ``v ~ N(b +
    W_0^T h_1, 1 / beta)``, one standard normal drawn per visible unit.
    """
    L = len(S) - 1
    m = S[0].shape[0]
    one = S[0].dtype.type(1.0)
    zero = S[0].dtype.type(0.0)
    clamp = observed.shape[0] > 0
    gaussian = beta.shape[0] > 0
    std = np.empty(beta.shape[0], np.float64)
    for j in range(beta.shape[0]):
        std[j] = 1.0 / np.sqrt(np.float64(beta[j]))
    for _ in range(n_steps):
        for parity in (0, 1):
            for l in range(parity, L + 1, 2):
                Sl = S[l]
                A = np.empty((m, Sl.shape[1]), dtype=Sl.dtype)
                _dbm_layer_input(S, Ws, l, A)
                b = bs[l]
                for i in range(m):
                    for j in range(Sl.shape[1]):
                        if l == 0 and gaussian:
                            z = rng.standard_normal()
                            if clamp and observed[i, j] != 0:
                                continue
                            Sl[i, j] = b[j] + A[i, j] / beta[j] + std[j] * z
                            continue
                        p = one / (one + np.exp(-(A[i, j] + b[j])))
                        u = rng.random()
                        if l == 0 and clamp and observed[i, j] != 0:
                            continue
                        Sl[i, j] = one if u < p else zero


# --------------------------------------------------------------------------
# DBMs with Gaussian visibles
#
# Energy (the Gaussian-Bernoulli RBM's, eq. 20.42 with a visible mean, for the
# bottom pair): ``E = 1/2 sum_j beta_j (v_j - b_j)^2 - (beta v)^T W_0^T h_1
# - sum_{l>=1} (h_{l+1}^T W_l h_l + b_l.h_l)``, so h_1 sees ``W_0 (beta v)``
# and ``p(v | h_1) = N(b + W_0^T h_1, 1 / beta)``. The DBM kernels above
# (mean field, Gibbs; a non-empty ``beta`` argument) and the DBM AIS kernels
# of ``evaluation/_kernels.py`` take the weights with the precision folded
# into the bottom layer, ``Ws[0] = W_0 * beta`` (columns scaled), so the
# hidden layers are updated by the binary code unchanged and the visible
# input ``h_1 Ws[0]`` is ``beta (W_0^T h_1)``.


# --------------------------------------------------------------------------
# DBM pretraining (§20.4.4): an RBM with tied copies of its layers
#
# Salakhutdinov & Hinton (2009) pretrain the bottom RBM of a DBM with two
# tied copies of the visible layer and the top RBM with two tied copies of
# the hidden layer. With ``up`` copies of the visible layer and ``down``
# copies of the hidden layer (weights tied across copies) the state of a
# chain is represented by the copy means ``v`` and ``h``, and
#
#     each hidden copy ~ Bernoulli(sigmoid(up * W v + c)),
#     each visible copy ~ Bernoulli(sigmoid(down * W^T h + b)),
#
# so on data (all visible copies equal to v) the hidden units receive
# ``up * W v``. The per-copy gradient is ``<h v^T>_data - <h v^T>_model`` in
# copy means. With up = down = 1 this is the ordinary RBM and the epoch
# kernel below is bit for bit ``_sgd_epoch_bernoulli``.


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


@njit(**_NJIT)
def _sgd_epoch_scaled_rbm(X, rows, bounds, params, velocity, offsets, chains, hyper, rng):
    """One epoch of CD-k / PCD-k of the tied-copies RBM of DBM pretraining.

    Same arguments as ``_sgd_epoch_bernoulli``; ``hyper`` has two more
    entries, ``[..., up, down]``: the numbers of tied copies of the visible
    and of the hidden layer (1 or more), which scale the input of P(h | v)
    and of P(v | h) respectively. Chain states (``chains`` and the negative
    visibles) are copy means; the update is the (centred) per-copy gradient
    ``<h v^T>_data - <h v^T>_chains`` of ``_sgd_epoch_bernoulli``.
    """
    W, b, c = params
    k = int(hyper[5])
    persistent = hyper[6] > 0
    up, down = hyper[7], hyper[8]
    n_up, n_down = int(up), int(down)
    direct = _is_direct_update(hyper, offsets)
    S, T, H, n_chains = _epoch_workspace(W, bounds, chains, persistent)
    for batch in range(bounds.shape[0] - 1):
        start = bounds[batch]
        B = bounds[batch + 1] - start
        C = n_chains if persistent else B
        m = B + C
        _copy_rows(X, rows[start : start + B], S)
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
        _apply_update(S[:m], T[:m], B, params, velocity, offsets, hyper, direct)
