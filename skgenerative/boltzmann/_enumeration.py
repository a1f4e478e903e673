"""Exact log partition function and unnormalised log-probabilities of a small
deep Boltzmann machine, by enumeration of the odd or the even layers (the
others summed analytically).

Conventions (layer order, weight layout, energy) are those of
``_dbm.py``.
"""

import numpy as np
from scipy.special import logsumexp

from ._units import softplus

#: Enumeration chunk (states per block) of the exact partition function.
_ENUM_CHUNK = 4096


def _bits(start, stop, n):
    codes = np.arange(start, stop, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(np.float64)


def _log_sum_enumerated(Ws, bs, enum_layers, v=None, precision=None):
    """log sum over all states of the model (``v`` clamped if given),
    enumerating ``enum_layers`` and summing the others analytically.

    Every layer not enumerated (and not the clamped visible) must have all its
    neighbours enumerated or clamped. Gaussian visibles (``precision``) are
    never enumerated: clamped, or integrated given h_1 (``sum_j 1/2 log(2 pi /
    beta_j) + 1/2 beta_j ((b_0 + W_0^T h_1)_j^2 - b_0j^2)``).
    """
    gaussian = precision is not None
    if gaussian:
        beta = np.asarray(precision, dtype=np.float64)
        if 0 in enum_layers or (v is None and 1 not in enum_layers):
            raise ValueError("Gaussian visibles: enumerate h_1, never the visible layer.")
    Ws = [np.asarray(W, dtype=np.float64) for W in Ws]
    bs = [np.asarray(b, dtype=np.float64) for b in bs]
    L = len(Ws)
    sizes = [b.shape[0] for b in bs]
    n_enum = sum(sizes[l] for l in enum_layers)
    free = [l for l in range(L + 1) if l not in enum_layers and not (l == 0 and v is not None)]
    total = -np.inf
    for start in range(0, 2**n_enum, _ENUM_CHUNK):
        stop = min(2**n_enum, start + _ENUM_CHUNK)
        bits = _bits(start, stop, n_enum)
        X, pos, val = {}, 0, np.zeros(stop - start)
        for l in enum_layers:
            X[l] = bits[:, pos : pos + sizes[l]]
            pos += sizes[l]
            val += X[l] @ bs[l]
        if v is not None:
            v64 = np.asarray(v, dtype=np.float64)
            if gaussian:  # h_1 sees beta v; the visible term is quadratic
                X[0] = np.broadcast_to(beta * v64, (stop - start, sizes[0]))
                val -= 0.5 * np.sum(beta * (v64 - bs[0]) ** 2)
            else:
                X[0] = np.broadcast_to(v64, (stop - start, sizes[0]))
                val += X[0][0] @ bs[0]
        # pairs of adjacent fixed layers (clamped v next to an enumerated h_1)
        for l in range(L):
            if l in X and l + 1 in X:
                val += np.einsum("ij,ij->i", X[l + 1] @ Ws[l], X[l])
        for l in free:
            if l == 0 and gaussian:  # the Gaussian integral over v given h_1
                mean = bs[0] + X[1] @ Ws[0]
                val += 0.5 * ((mean**2 - bs[0] ** 2) @ beta)
                val += 0.5 * np.sum(np.log(2 * np.pi / beta))
                continue
            a = np.broadcast_to(bs[l], (stop - start, sizes[l])).copy()
            if l > 0:
                a += X[l - 1] @ Ws[l - 1].T
            if l < L:
                a += X[l + 1] @ Ws[l]
            val += softplus(a).sum(axis=1)
        total = np.logaddexp(total, logsumexp(val))
    return float(total)


def exact_log_partition_dbm(Ws, bs, precision=None):
    """Exact log Z of a DBM, enumerating the odd layers or the even layers
    (visible included), whichever has fewer units. With Gaussian visibles
    (``precision``) the odd (hidden) layers are enumerated and the visible
    layer is integrated analytically: a log-normaliser of a density."""
    L = len(Ws)
    sizes = [np.shape(b)[0] for b in bs]
    odd = list(range(1, L + 1, 2))
    even = list(range(0, L + 1, 2))
    if precision is not None:
        return _log_sum_enumerated(Ws, bs, odd, precision=precision)
    n_odd, n_even = sum(sizes[l] for l in odd), sum(sizes[l] for l in even)
    return _log_sum_enumerated(Ws, bs, odd if n_odd <= n_even else even)


def exact_log_unnormalized_dbm(V, Ws, bs, precision=None):
    """Exact ``log sum_h exp(-E(v, h))`` of each row of ``V`` (enumeration of
    the odd or even hidden layers, whichever is smaller; ``precision`` for
    Gaussian visibles)."""
    L = len(Ws)
    sizes = [np.shape(b)[0] for b in bs]
    odd = list(range(1, L + 1, 2))
    even = list(range(2, L + 1, 2))
    n_odd, n_even = sum(sizes[l] for l in odd), sum(sizes[l] for l in even)
    enum = odd if n_odd <= n_even or not even else even
    return np.array([_log_sum_enumerated(Ws, bs, enum, v, precision) for v in np.asarray(V)])


def _enumerated_units(sizes, gaussian=False):
    if gaussian:  # the visible layer is integrated, never enumerated
        return sum(sizes[1::2])
    return min(sum(sizes[1::2]), sum(sizes[0::2]))
