"""The math of the mean and covariance RBM (§20.5.2, eqs. 20.43-20.47).

Energy, with ``x`` centred by the model's fixed offset, binary mean units
``h^m`` and covariance units ``h^c``::

    E(x, h^m, h^c) = 1/2 x' Lambda x - sum_j x.W_j h^m_j - b^m.h^m
                     + 1/2 sum_k h^c_k sum_f P_kf (C_f.x)^2 - b^c.h^c

the Gaussian-Bernoulli energy of eq. 20.44 (with a diagonal precision
``Lambda`` where the book has ``I``: the data need not have unit variance)
plus the cRBM energy of eq. 20.45 with its filters factored as in Ranzato &
Hinton (2010): ``r^(k) r^(k)' = sum_f P_kf C_f C_f'``, unit-norm factor
filters ``C_f`` and non-negative loadings ``P`` (``P = I`` is eq. 20.45 with
``r^(k) = C_k``). Given both hidden groups, ``x`` is Gaussian (eq. 20.47)
with precision ``Lambda + C' diag(P' h^c) C`` and mean
``(that precision)^-1 W' h^m``: sampling it needs a matrix factorisation
(one Cholesky per row, :func:`gibbs_sweep`), which the original avoids by
running Hamiltonian Monte Carlo on the free energy

    F(x) = 1/2 x' Lambda x - sum_j softplus(b^m_j + W_j.x)
           - sum_k softplus(b^c_k - 1/2 sum_f P_kf (C_f.x)^2).
"""

import math
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
from scipy.special import expit, logsumexp

from ._covariance_ais import bernoulli_mixture_draws, pooled_ais
from ._precision_gaussian import ROWS_PER_BLOCK, gaussian_from_precision, gaussian_log_integral


_LOG_2PI = math.log(2.0 * math.pi)


class MCParams(NamedTuple):
    """Parameters of a mean and covariance RBM (see the module docstring)."""

    W: np.ndarray  # (n_mean, n_features)
    b_mean: np.ndarray  # (n_mean,)
    C: np.ndarray  # (n_factors, n_features), unit-norm rows
    P: np.ndarray  # (n_covariance, n_factors), >= 0
    b_cov: np.ndarray  # (n_covariance,)
    lam: np.ndarray  # (n_features,), > 0


def hidden_inputs(Z, p):
    """Inputs of the mean and of the covariance units, and the factor
    projections ``V = Z C'``."""
    V = Z @ p.C.T
    return p.b_mean + Z @ p.W.T, p.b_cov - 0.5 * (V * V) @ p.P.T, V


def free_energy(Z, p):
    """``F(x)`` of each row (both hidden groups summed out)."""
    Hm, Hc, _ = hidden_inputs(Z, p)
    return (0.5 * (Z * Z) @ p.lam - np.logaddexp(0.0, Hm).sum(axis=1)
            - np.logaddexp(0.0, Hc).sum(axis=1))


def energy_grad(Z, p):
    """``F(x)`` and ``dF/dx`` of each row: the energy HMC moves on."""
    Hm, Hc, V = hidden_inputs(Z, p)
    F = (0.5 * (Z * Z) @ p.lam - np.logaddexp(0.0, Hm).sum(axis=1)
         - np.logaddexp(0.0, Hc).sum(axis=1))
    grad = p.lam * Z - expit(Hm) @ p.W + ((expit(Hc) @ p.P) * V) @ p.C
    return F, grad


def free_energy_gradients(Z, p):
    """Mean over rows of ``dF/dtheta`` for ``theta`` in (W, b^m, C, P, b^c,
    log Lambda)."""
    n = Z.shape[0]
    Hm, Hc, V = hidden_inputs(Z, p)
    Sm, Sc = expit(Hm), expit(Hc)
    gW = -(Sm.T @ Z) / n
    gb_mean = -Sm.mean(axis=0)
    gC = (((Sc @ p.P) * V).T @ Z) / n
    gP = 0.5 * (Sc.T @ (V * V)) / n
    gb_cov = -Sc.mean(axis=0)
    glog_lam = 0.5 * p.lam * (Z * Z).mean(axis=0)
    return gW, gb_mean, gC, gP, gb_cov, glog_lam


def unit_rows(C):
    """``C`` with every row scaled to unit Euclidean norm (a zero row stays 0)."""
    norms = np.sqrt(np.sum(C.astype(np.float64) ** 2, axis=1, keepdims=True))
    return (C / np.where(norms > 0, norms, 1.0)).astype(C.dtype)


def posteriors(Z, p):
    """``p(h^m = 1 | x)`` and ``p(h^c = 1 | x)``."""
    Hm, Hc, _ = hidden_inputs(Z, p)
    return expit(Hm), expit(Hc)


def conditional_precisions(Hc_state, p):
    """``Lambda + C' diag(P' h^c) C`` for each row of ``Hc_state``."""
    scale = Hc_state @ p.P  # (k, n_factors)
    prec = np.einsum("kf,fi,fj->kij", scale, p.C, p.C)
    d = p.C.shape[1]
    prec[:, np.arange(d), np.arange(d)] += p.lam
    return prec


def reconstruction(Z, p):
    """Mean-field reconstruction ``E[x | h]`` at ``h = p(h | x)`` (eq. 20.47,
    one linear solve per row)."""
    Sm, Sc = posteriors(Z, p)
    prec = conditional_precisions(Sc.astype(np.float64), p)
    return np.linalg.solve(prec, (Sm @ p.W).astype(np.float64)[:, :, None])[:, :, 0]


def gibbs_sweep(Z, p, rng):
    """One block-Gibbs sweep ``x -> (h^m, h^c) -> x`` of every row (new array
    of ``Z``'s dtype): Bernoulli draws of both groups, then ``x`` from eq.
    20.47 by one Cholesky factorisation per row."""
    p64 = MCParams(*(np.asarray(a, dtype=np.float64) for a in p))
    Hm_in, Hc_in, _ = hidden_inputs(Z.astype(np.float64), p64)
    Hm = (rng.random(Hm_in.shape) < expit(Hm_in)).astype(np.float64)
    Hc = (rng.random(Hc_in.shape) < expit(Hc_in)).astype(np.float64)
    out = np.empty(Z.shape)
    for start in range(0, Z.shape[0], ROWS_PER_BLOCK):
        rows = slice(start, start + ROWS_PER_BLOCK)
        out[rows] = gaussian_from_precision(conditional_precisions(Hc[rows], p64),
                                            Hm[rows] @ p64.W, rng)
    return out.astype(Z.dtype)


# ------------------------------------------------------------ exact log Z
def _states(n):
    codes = np.arange(1 << n, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n)) & 1).astype(np.float64)


def exact_log_partition(p):
    """``log Z`` by enumerating both hidden groups; ``x`` integrated
    analytically for each state (one Cholesky factorisation per covariance
    state, shared by all mean states)."""
    p = MCParams(*(np.asarray(a, dtype=np.float64) for a in p))
    d = p.W.shape[1]
    Hm = _states(p.W.shape[0])
    M = Hm @ p.W  # (2**n_mean, d)
    mean_bias = Hm @ p.b_mean
    Hc = _states(p.P.shape[0])
    terms = []
    for h, prec in zip(Hc, conditional_precisions(Hc, p)):
        L = np.linalg.cholesky(prec)
        Y = np.linalg.solve(L, M.T)
        log_det = 2.0 * np.sum(np.log(np.diag(L)))
        terms.append(mean_bias + 0.5 * np.sum(Y * Y, axis=0) + h @ p.b_cov - 0.5 * log_det)
    return float(logsumexp(np.concatenate(terms)) + 0.5 * d * _LOG_2PI)


# ------------------------------------------------------------ importance sampling
def hidden_log_weights(Hm, Hc, p):
    """``log p~(h) = log int exp(-E(x, h)) dx`` of each row of ``(Hm, Hc)``
    (``x`` given ``h`` is Gaussian: eq. 20.47)."""
    W = np.asarray(p.W, dtype=np.float64)
    out = np.empty(Hm.shape[0])
    for start in range(0, Hm.shape[0], ROWS_PER_BLOCK):
        rows = slice(start, start + ROWS_PER_BLOCK)
        out[rows] = gaussian_log_integral(conditional_precisions(Hc[rows], p), Hm[rows] @ W)
    return out + Hm @ p.b_mean + Hc @ p.b_cov + 0.5 * W.shape[1] * _LOG_2PI


def hidden_importance_weights(p, anchors, n_samples, rng, batch=256):
    """Log importance weights ``log p~(h) - log q(h)`` of ``n_samples``
    hidden states drawn from the mixture of the factorial posteriors ``p(h |
    x_m)`` at the rows of ``anchors`` (centred): each an unbiased estimate
    of ``Z`` on the log scale, whatever the anchors."""
    p = MCParams(*(np.asarray(a, dtype=np.float64) for a in p))
    Hm_in, Hc_in, _ = hidden_inputs(np.asarray(anchors, dtype=np.float64), p)
    logits, n_mean = np.hstack([Hm_in, Hc_in]), Hm_in.shape[1]
    log_w = []
    for start in range(0, n_samples, batch):
        H, log_q = bernoulli_mixture_draws(logits, min(batch, n_samples - start), rng)
        log_w.append(hidden_log_weights(H[:, :n_mean], H[:, n_mean:], p) - log_q)
    return np.concatenate(log_w)


def ais_log_partition(p, n_runs, n_temperatures, rng, anchors=None, n_importance=None):
    """Forward AIS (block Gibbs per temperature) pooled with
    :func:`hidden_importance_weights` (see ``_covariance_ais.pooled_ais``)."""
    p = MCParams(*(np.asarray(a, dtype=np.float64) for a in p))
    this = SimpleNamespace(annealed=annealed, free_energy=free_energy)
    return pooled_ais(this, p, base_log_partition(p), n_runs, n_temperatures, gibbs_sweep,
                      rng, hidden_importance_weights, anchors, n_importance)


# ------------------------------------------------------------ AIS
def annealed(p, beta):
    """The model at inverse temperature ``beta``: ``E_beta = x'Lambda x / 2 +
    beta * (the rest of E)``, itself an mcRBM."""
    return MCParams(W=beta * p.W, b_mean=beta * p.b_mean, C=p.C, P=beta * p.P,
                    b_cov=beta * p.b_cov, lam=p.lam)


def base_log_partition(p):
    """``log Z`` of ``annealed(p, 0)``: ``N(0, Lambda^-1)`` times ``2**n``
    hidden states."""
    d = p.W.shape[1]
    n_hidden = p.W.shape[0] + p.P.shape[0]
    return float(0.5 * d * _LOG_2PI - 0.5 * np.sum(np.log(p.lam)) + n_hidden * math.log(2.0))
