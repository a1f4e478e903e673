"""Kernels of the general (binary) Boltzmann machine (§20.1, eqs. 20.1-20.3).

All units ``x = [v, h]`` share one symmetric coupling matrix ``U`` with a
zero diagonal and a bias ``b``: ``E(x) = -1/2 x.U x - b.x`` (eq. 20.2 with
each pair counted once). The input of unit ``i`` is ``b_i + sum_j U_ij x_j``;
flipping ``x_i`` from 0 to 1 lowers the energy by exactly that input.
Sequential (one unit at a time) Gibbs sampling and mean field, the SML
epoch, the log partition function by Gray-code enumeration and AIS.
Sums are accumulated in float64 whatever the dtype of the arrays.
"""

import math

import numpy as np
from numba import njit, prange

from ...utils._blas import gemm
from ...utils._numba_math import counter_uniform, draw_key
from ._elementwise import (
    _NJIT,
    _column_sums,
    _sigmoid_scalar as _sigmoid,
    _softplus_scalar as _softplus,
)
from ._enumeration import _lowest_set_bit

#: A row's mean field stops when no unit moved by more than this.
MEAN_FIELD_TOL = 1e-7


@njit(**_NJIT)
def _unit_input(x, U, b, i):
    """``b_i + sum_j U_ij x_j`` in float64."""
    a = np.float64(b[i])
    for j in range(x.shape[0]):
        a += U[i, j] * x[j]
    return a


@njit(**_NJIT)
def _gibbs_sweeps_bm(X, U, b, first, n_steps, rng):
    """``n_steps`` sequential Gibbs sweeps over the units ``first, ..., d-1``
    of every row of ``X`` (the units before ``first`` stay clamped), in place.

    One key per sweep; the uniform of unit ``i`` of row ``r`` is draw
    ``r * d + i`` of its stream.
    """
    n, d = X.shape
    for _ in range(n_steps):
        key = draw_key(rng)
        for r in range(n):
            x = X[r]
            for i in range(first, d):
                p = _sigmoid(_unit_input(x, U, b, i))
                u = counter_uniform(key, np.uint64(r * d + i))
                x[i] = 1.0 if u < p else 0.0


@njit(**_NJIT)
def _mean_field_bm(X, U, b, first, n_iter):
    """Sequential mean-field updates ``mu_i = sigmoid(b_i + sum_j U_ij mu_j)``
    of the units ``first, ..., d-1`` of every row (the others clamped), in
    place, for at most ``n_iter`` sweeps: a row stops once no unit moved by
    more than ``MEAN_FIELD_TOL``."""
    n, d = X.shape
    for r in range(n):
        x = X[r]
        for _ in range(n_iter):
            change = 0.0
            for i in range(first, d):
                new = _sigmoid(_unit_input(x, U, b, i))
                change = max(change, abs(new - x[i]))
                x[i] = new
            if change <= MEAN_FIELD_TOL:
                break


@njit(**_NJIT)
def _sml_epoch_bm(X, rows, bounds, params, chains, mask, hyper, n_mean_field, rng):
    """One epoch of stochastic maximum likelihood on a Boltzmann machine, in place.

    Each batch: the visible units of the data rows, the hidden units by mean
    field from 1/2 (``n_mean_field`` sweeps; exact in one sweep when the hidden
    units are not coupled to each other); ``hyper.n_gibbs_steps`` sequential
    Gibbs sweeps of the persistent ``chains`` over all units; then
    ``U_ij += lr (<x_i x_j>_data - <x_i x_j>_chains - l2 U_ij)`` where
    ``mask[i, j]`` and ``b_i += lr (<x_i>_data - <x_i>_chains)``.
    """
    U, b = params
    d = U.shape[0]
    n_visible = X.shape[1]
    lr, l2 = hyper.learning_rate, hyper.l2
    k = int(hyper.n_gibbs_steps)
    max_batch = 0
    for batch in range(bounds.shape[0] - 1):
        max_batch = max(max_batch, bounds[batch + 1] - bounds[batch])
    P = np.empty((max_batch, d), U.dtype)
    pos = np.empty((d, d), U.dtype)
    neg = np.empty((d, d), U.dtype)
    mean_pos = np.empty(d, U.dtype)
    mean_neg = np.empty(d, U.dtype)
    C = chains.shape[0]
    for batch in range(bounds.shape[0] - 1):
        start = bounds[batch]
        B = bounds[batch + 1] - start
        for r in range(B):
            for j in range(n_visible):
                P[r, j] = X[rows[start + r], j]
            for j in range(n_visible, d):
                P[r, j] = 0.5
        if d > n_visible:
            _mean_field_bm(P[:B], U, b, n_visible, n_mean_field)
        _gibbs_sweeps_bm(chains, U, b, 0, k, rng)
        gemm(True, False, 1.0 / B, P[:B], P[:B], 0.0, pos)
        gemm(True, False, 1.0 / C, chains, chains, 0.0, neg)
        _column_sums(P[:B], mean_pos)
        _column_sums(chains, mean_neg)
        for i in range(d):
            for j in range(d):
                if mask[i, j]:
                    U[i, j] += lr * (pos[i, j] - neg[i, j] - l2 * U[i, j])
            b[i] += lr * (mean_pos[i] / B - mean_neg[i] / C)


@njit(**_NJIT)
def _log_sum_bm(U, b, n_enum):
    """``log sum_x exp(1/2 x.U x + b.x)`` over the binary states of the first
    ``n_enum`` units, the others summed out analytically (each adds
    ``softplus`` of its input): they must not be coupled to each other.

    Gray-code order: each state flips one unit, whose input is the change
    of ``1/2 x.U x + b.x``, and the inputs follow in O(d).
    """
    d = U.shape[0]
    field = np.empty(d)
    for j in range(d):
        field[j] = b[j]
    x = np.zeros(n_enum)
    lin = 0.0
    running_max = -np.inf
    running_sum = 0.0
    for g in range(np.int64(1) << n_enum):
        if g > 0:
            k = _lowest_set_bit(g)
            if x[k] == 0.0:
                lin += field[k]
                x[k] = 1.0
                sign = 1.0
            else:
                x[k] = 0.0
                lin -= field[k]
                sign = -1.0
            for j in range(d):
                field[j] += sign * U[j, k]
        value = lin
        for j in range(n_enum, d):
            value += _softplus(field[j])
        if value > running_max:
            running_sum = running_sum * math.exp(running_max - value) + 1.0
            running_max = value
        else:
            running_sum += math.exp(value - running_max)
    return running_max + math.log(running_sum)


@njit(cache=True, error_model="numpy", parallel=True)
def _log_sum_bm_rows(U, B, n_enum):
    """``_log_sum_bm(U, B[r], n_enum)`` for every row of the biases ``B``."""
    out = np.empty(B.shape[0])
    for r in prange(B.shape[0]):
        out[r] = _log_sum_bm(U, B[r], n_enum)
    return out


@njit(**_NJIT)
def _ais_bm(X, U, b, b0, betas, rng, log_w):
    """Annealed importance sampling from ``p_0(x) ~ exp(b0.x)`` (the rows of
    ``X`` are draws of it) to the machine, in place on ``X`` and ``log_w``.

    At ``beta`` the runs target ``exp(beta (1/2 x.U x + b.x) + (1 - beta) b0.x)``:
    each temperature adds ``(beta_k - beta_k-1) (1/2 x.U x + b.x - b0.x)`` to
    the log weight, then a sequential Gibbs sweep at ``beta_k`` (one key per
    sweep, draws as ``_gibbs_sweeps_bm``). The quadratic term is kept up to
    date from the inputs of the flipped units.
    """
    n, d = X.shape
    gap = np.empty(n)  # 1/2 x.U x + b.x - b0.x of each run
    for r in range(n):
        q = 0.0
        for i in range(d):
            if X[r, i] != 0.0:
                q += b[i] - b0[i]
                for j in range(i + 1, d):
                    q += U[i, j] * X[r, j]
        gap[r] = q
    for t in range(1, betas.shape[0]):
        beta = betas[t]
        step = betas[t] - betas[t - 1]
        key = draw_key(rng)
        for r in range(n):
            log_w[r] += step * gap[r]
            x = X[r]
            for i in range(d):
                a = _unit_input(x, U, b, i)  # includes b_i; x_i's own term is 0
                p = _sigmoid(beta * a + (1.0 - beta) * b0[i])
                u = counter_uniform(key, np.uint64(r * d + i))
                new = 1.0 if u < p else 0.0
                if new != x[i]:
                    gap[r] += (new - x[i]) * (a - b0[i])
                    x[i] = new
