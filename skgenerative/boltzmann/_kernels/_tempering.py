"""Parallel tempering (Desjardins et al. 2010) for binary and
Gaussian-Bernoulli RBMs: tempered block-Gibbs sweeps with swaps between
neighbouring temperatures, and the training epoch whose negative phase is
the temperature-1 chain.

The chains are a ladder of ``n_temperatures`` blocks of ``n_chains`` rows
(block ``t`` runs at inverse temperature ``betas[t]``, ``betas[0] = 1``);
replica ``r`` of block ``t`` only ever swaps with replica ``r`` of the
blocks ``t - 1`` and ``t + 1``.
"""

import numpy as np
from numba import njit

from ...utils._blas import gemm
from ...utils._numba_math import counter_uniform, draw_key
from ...utils._numba_math import sigmoid_into as _sigmoid_into
from ._elementwise import _NJIT, _hidden_means
from ._gaussian_epoch import _gaussian_update, _scale_columns_into
from ._rbm_epoch import (
    _apply_update,
    _copy_rows,
    _is_direct_update,
    _visible_to_hidden_means,
)


@njit(**_NJIT)
def _tempered_sample_into(A, bias, betas, n_chains, out, rng):
    """``out[i, j] = 1 if u < sigmoid(beta_i (A[i, j] + bias[j])) else 0``
    with ``beta_i = betas[i // n_chains]`` (``out`` may be ``A``); the
    uniforms are the counter-based stream of ``_sample_bernoulli_into``."""
    n, m = A.shape
    key = draw_key(rng)
    probabilities = np.empty(m, A.dtype)
    scratch = np.empty(m, np.int64)
    for i in range(n):
        beta = betas[i // n_chains]
        for j in range(m):
            probabilities[j] = beta * (A[i, j] + bias[j])
        _sigmoid_into(probabilities, probabilities, scratch)
        offset = np.uint64(i * m)
        for j in range(m):
            u = counter_uniform(key, offset + np.uint64(j))
            out[i, j] = 1.0 if u < probabilities[j] else 0.0


@njit(**_NJIT)
def _joint_energies(V, H, A, b, c, out):
    """``out[i] = E(v_i, h_i) = -b.v_i - c.h_i - h_i.A_i`` with ``A = V W^T``."""
    for i in range(V.shape[0]):
        e = 0.0
        for j in range(V.shape[1]):
            e -= b[j] * V[i, j]
        for j in range(H.shape[1]):
            e -= H[i, j] * (c[j] + A[i, j])
        out[i] = e


@njit(**_NJIT)
def _swap_rows(M, r0, r1):
    for j in range(M.shape[1]):
        tmp = M[r0, j]
        M[r0, j] = M[r1, j]
        M[r1, j] = tmp


@njit(**_NJIT)
def _swap_neighbours(V, H, A, energies, betas, n_chains, rng, swaps):
    """Metropolis swaps between neighbouring temperatures, the pairs
    ``(0, 1), (2, 3), ...`` first, then ``(1, 2), (3, 4), ...``.

    Swapping the states of replicas at ``beta_t`` and ``beta_t+1`` is accepted
    with probability ``min(1, exp((beta_t - beta_t+1) (E_t - E_t+1)))``.
    ``swaps[0, t]`` counts the accepted and ``swaps[1, t]`` the proposed swaps
    of the pair ``(t, t + 1)``. One key per call; the uniform of replica ``r``
    of pair ``t`` is draw ``t * n_chains + r``.
    """
    key = draw_key(rng)
    n_temperatures = betas.shape[0]
    for parity in range(2):
        for t in range(parity, n_temperatures - 1, 2):
            gap = betas[t] - betas[t + 1]
            for r in range(n_chains):
                r0 = t * n_chains + r
                r1 = r0 + n_chains
                log_ratio = gap * (energies[r0] - energies[r1])
                u = counter_uniform(key, np.uint64(t * n_chains + r))
                swaps[1, t] += 1.0
                if log_ratio >= 0.0 or u < np.exp(log_ratio):
                    swaps[0, t] += 1.0
                    _swap_rows(V, r0, r1)
                    _swap_rows(H, r0, r1)
                    _swap_rows(A, r0, r1)
                    tmp = energies[r0]
                    energies[r0] = energies[r1]
                    energies[r1] = tmp


@njit(**_NJIT)
def _tempered_gibbs_bernoulli(H, V, A, params, betas, n_steps, rng, swaps):
    """``n_steps`` of parallel tempering on a binary RBM, in place.

    Each step samples ``v ~ p_beta(v | h)`` then ``h ~ p_beta(h | v)`` in every
    block (``p_beta`` proportional to ``exp(-beta E)``), then proposes the swaps
    of ``_swap_neighbours``. ``H`` (n_temperatures * n_chains, n_hidden) is the
    persistent state; ``V`` and ``A`` (its visible states and ``V W^T``)
    are outputs and scratch of the same number of rows.
    """
    W, b, c = params
    n_chains = H.shape[0] // betas.shape[0]
    energies = np.empty(H.shape[0], W.dtype)
    for _ in range(n_steps):
        gemm(False, False, 1.0, H, W, 0.0, V)
        _tempered_sample_into(V, b, betas, n_chains, V, rng)
        gemm(False, True, 1.0, V, W, 0.0, A)
        _tempered_sample_into(A, c, betas, n_chains, H, rng)
        _joint_energies(V, H, A, b, c, energies)
        _swap_neighbours(V, H, A, energies, betas, n_chains, rng, swaps)


@njit(**_NJIT)
def _pt_epoch_bernoulli(X, rows, bounds, params, velocity, offsets, ladder, hyper, rng, swaps):
    """One epoch of stochastic maximum likelihood with a parallel-tempering
    negative phase on a binary RBM, in place.

    ``ladder`` is ``(chains, betas)``: the persistent hidden states of every
    temperature (``_tempered_gibbs_bernoulli``) and the inverse temperatures.
    Each batch runs ``hyper.n_gibbs_steps`` tempered steps; the negative
    particles are the visible states of the temperature-1 block with their
    hidden means, and the update is the (centred) one of
    ``_rbm_epoch._apply_update``. ``swaps`` (2, n_temperatures - 1)
    accumulates the accepted and proposed swaps.
    """
    W, b, c = params
    chains, betas = ladder
    n_chains = chains.shape[0] // betas.shape[0]
    k = int(hyper.n_gibbs_steps)
    direct = _is_direct_update(hyper, offsets)
    nh, nv = W.shape
    V = np.empty((chains.shape[0], nv), W.dtype)
    A = np.empty((chains.shape[0], nh), W.dtype)
    max_batch = 0
    for batch in range(bounds.shape[0] - 1):
        max_batch = max(max_batch, bounds[batch + 1] - bounds[batch])
    S = np.empty((max_batch + n_chains, nv), W.dtype)
    T = np.empty((max_batch + n_chains, nh), W.dtype)
    no_pattern = (np.zeros(1, np.int64), np.zeros(0, np.int64))
    for batch in range(bounds.shape[0] - 1):
        start = bounds[batch]
        B = bounds[batch + 1] - start
        m = B + n_chains
        _copy_rows(X, rows[start : start + B], S)
        _visible_to_hidden_means(S, 0, B, W, False, no_pattern, c, T)
        _tempered_gibbs_bernoulli(chains, V, A, params, betas, k, rng, swaps)
        for i in range(n_chains):
            for j in range(nv):
                S[B + i, j] = V[i, j]
        _visible_to_hidden_means(S, B, m, W, False, no_pattern, c, T)
        _apply_update(S[:m], T[:m], B, params, velocity, offsets, hyper, direct)


# ------------------------------------------------- Gaussian-Bernoulli RBMs
# The ladder tempers only the coupling and hidden-bias terms: at inverse
# temperature t, ``p_t(v, h) ~ exp(-1/2 sum_j beta_j (v_j - b_j)^2 +
# t (h.W (beta v) + c.h))``, a proper density for every t (at t = 0 the
# base model N(b, 1 / beta) times uniform hidden units), with conditionals
# ``p_t(v | h) = N(b + t W^T h, 1 / beta)`` and ``p_t(h | v) = sigmoid(t (W
# (beta v) + c))``. The swap of replicas at t and t' is accepted with
# probability ``min(1, exp((t - t') (E_c - E_c')))``, ``E_c = -h.(W (beta
# v) + c)`` the tempered (coupling) part of the energy.


@njit(**_NJIT)
def _tempered_visibles_gaussian(H, W, b, std, betas, n_chains, out, rng):
    """``out[i] ~ N(b + t_i W^T h_i, std**2)`` with ``t_i = betas[i //
    n_chains]`` (one standard normal per unit, row-major)."""
    gemm(False, False, 1.0, H, W, 0.0, out)
    for i in range(out.shape[0]):
        t = betas[i // n_chains]
        for j in range(out.shape[1]):
            out[i, j] = b[j] + t * out[i, j] + std[j] * rng.standard_normal()


@njit(**_NJIT)
def _tempered_gibbs_gaussian(H, V, P, A, params, beta, betas, n_steps, rng, swaps):
    """``n_steps`` of parallel tempering on a Gaussian-Bernoulli RBM (energy
    of ``_gaussian_epoch``, precisions ``beta``), in place on the hidden
    states ``H`` (n_temperatures * n_chains rows). Each step samples ``v ~
    p_t(v | h)`` then ``h ~ p_t(h | v)`` in every block, then proposes the
    swaps of ``_swap_neighbours`` on the coupling energies. ``V`` (visible
    states), ``P`` (``beta v``) and ``A`` (``P W^T``) are outputs and
    scratch of the same rows."""
    W, b, c = params
    n_chains = H.shape[0] // betas.shape[0]
    energies = np.empty(H.shape[0], W.dtype)
    zero = np.zeros(W.shape[1], W.dtype)
    std = np.empty(beta.shape[0], W.dtype)
    for j in range(beta.shape[0]):
        std[j] = 1.0 / np.sqrt(beta[j])
    for _ in range(n_steps):
        _tempered_visibles_gaussian(H, W, b, std, betas, n_chains, V, rng)
        for i in range(V.shape[0]):
            for j in range(V.shape[1]):
                P[i, j] = V[i, j] * beta[j]
        gemm(False, True, 1.0, P, W, 0.0, A)
        _tempered_sample_into(A, c, betas, n_chains, H, rng)
        _joint_energies(P, H, A, zero, c, energies)
        _swap_neighbours(V, H, A, energies, betas, n_chains, rng, swaps)


@njit(**_NJIT)
def _pt_epoch_gaussian(X, rows, bounds, params, velocity, scaling, ladder, hyper, rng, swaps):
    """One epoch of stochastic maximum likelihood with a parallel-tempering
    negative phase on a Gaussian-Bernoulli RBM, in place (the arguments of
    ``_gaussian_epoch._sgd_epoch_gaussian``, with ``ladder = (chains,
    betas)`` in place of the persistent chains and ``swaps`` as in
    ``_pt_epoch_bernoulli``). Each batch runs ``hyper.n_gibbs_steps`` steps
    of ``_tempered_gibbs_gaussian``; the negative particles are the visible
    states of the temperature-1 block with their hidden means, and the
    update is ``_gaussian_epoch._gaussian_update`` (that of CD/PCD)."""
    W, b, c, s = params
    mu, inv_sigma, s_max = scaling
    chains, betas = ladder
    n_chains = chains.shape[0] // betas.shape[0]
    k = int(hyper.n_gibbs_steps)
    nh, nv = W.shape
    dt = W.dtype
    max_batch = 0
    for batch in range(bounds.shape[0] - 1):
        max_batch = max(max_batch, bounds[batch + 1] - bounds[batch])
    S = np.empty((max_batch + n_chains, nv), dt)
    P = np.empty((max_batch + n_chains, nv), dt)
    T = np.empty((max_batch + n_chains, nh), dt)
    R = np.empty((max_batch + n_chains, nv), dt)
    V_ladder = np.empty((chains.shape[0], nv), dt)
    P_ladder = np.empty((chains.shape[0], nv), dt)
    A_ladder = np.empty((chains.shape[0], nh), dt)
    beta = np.empty(nv, dt)
    work = (np.empty(nv, dt), np.empty(nv, dt), np.empty(nh, dt), np.empty(nh, dt),
            np.empty(nv, dt), np.empty(nv, dt))
    for batch in range(bounds.shape[0] - 1):
        start = bounds[batch]
        B = bounds[batch + 1] - start
        m = B + n_chains
        for j in range(nv):
            beta[j] = np.exp(s[j])
        for i in range(B):
            r = rows[start + i]
            for j in range(nv):
                S[i, j] = (X[r, j] - mu[j]) * inv_sigma[j]
        _tempered_gibbs_gaussian(chains, V_ladder, P_ladder, A_ladder, (W, b, c), beta, betas,
                                 k, rng, swaps)
        for i in range(n_chains):
            for j in range(nv):
                S[B + i, j] = V_ladder[i, j]
        _scale_columns_into(S[:m], beta, P[:m])
        _hidden_means(P[:m], W, c, T[:m])
        _gaussian_update(S, P, T, R, B, n_chains, params, velocity, s_max, hyper, beta, work)
