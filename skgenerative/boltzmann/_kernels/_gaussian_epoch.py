"""One training epoch of CD-k / PCD-k on a Gaussian-Bernoulli RBM."""

import numpy as np
from numba import njit

from ...utils._blas import gemm
from ._elementwise import _NJIT, _column_sums, _hidden_means, _sample_bernoulli_into


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
    hyper : EpochHyper (``_kernels._hyper``): learning_rate, momentum, l2,
        l1, learn_precision, n_gibbs_steps, persistent, min_log_precision.

    Gradient of -E (data minus model averages, hidden units replaced by their
    conditional means): ``dW_ij = h_i beta_j v_j``, ``db_j = beta_j (v_j -
    b_j)``, ``dc_i = h_i``, ``ds_j = beta_j (-(v_j - b_j)^2 / 2 + v_j (W.T
    h)_j)``. Data and negative particles are stacked so that one GEMM gives
    both hidden means and one GEMM updates ``W``.
    """
    W, b, c, s = params
    mu, inv_sigma, s_max = scaling
    k = int(hyper.n_gibbs_steps)
    persistent = hyper.persistent > 0
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
        _gaussian_update(S, P, T, R, B, C, params, velocity, s_max, hyper, beta,
                         (v_pos, v_neg, h_pos, h_neg, q_pos, q_neg))


@njit(**_NJIT)
def _gaussian_update(S, P, T, R, B, C, params, velocity, s_max, hyper, beta, work):
    """The update of one batch of ``_sgd_epoch_gaussian``, in place: rows
    ``:B`` of ``S`` (standardized visibles), ``P`` (times ``beta``) and ``T``
    (hidden means) are the data, rows ``B:B + C`` the negative particles;
    ``R`` is scratch of the same rows; ``work`` six column-sum buffers."""
    W, b, c, s = params
    dW, db, dc, ds = velocity
    lr, momentum, l2, l1 = hyper.learning_rate, hyper.momentum, hyper.l2, hyper.l1
    learn_precision = hyper.learn_precision > 0
    s_min = hyper.min_log_precision
    direct = momentum == 0.0 and l1 == 0.0
    nh, nv = W.shape
    dt = W.dtype
    m = B + C
    Sd, Sn, Td, Tn = S[:B], S[B:m], T[:B], T[B:m]
    v_pos, v_neg, h_pos, h_neg, q_pos, q_neg = work
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
