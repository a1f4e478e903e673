"""Exact log partition function and unnormalised log-probabilities of a small
deep Boltzmann machine, by enumeration of the odd or the even layers (the
others summed analytically).

Conventions (layer order, weight layout, energy) are those of
``_dbm.py``.
"""

import numpy as np
from scipy.special import logsumexp

from ._units import BernoulliUnits

#: Enumeration chunk (states per block) of the exact partition function.
_ENUM_CHUNK = 4096

#: The default visible layer, and the unit type of every hidden layer.
_BINARY = BernoulliUnits()


def _bits(start, stop, n):
    codes = np.arange(start, stop, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(np.float64)


def _log_sum_enumerated(Ws, bs, enum_layers, v=None, visible=_BINARY, **params):
    """log sum over all states of the model (``v`` clamped if given),
    enumerating ``enum_layers`` and summing the others analytically.

    Every layer not enumerated (and not the clamped visible) must have all its
    neighbours enumerated or clamped. The visible layer is a unit type of
    ``_units.py`` with its parameters (``**params``): clamped, it adds its
    ``coupling_terms``; summed out given h_1, its ``log_sum`` (softplus,
    the Gaussian integral ``sum_j 1/2 log(2 pi / beta_j) + 1/2 beta_j ((b_0 +
    W_0^T h_1)_j^2 - b_0j^2)``, or a logsumexp per softmax group); it is
    enumerated only if it is ``enumerable`` (binary).
    """
    if not visible.enumerable and (0 in enum_layers or (v is None and 1 not in enum_layers)):
        raise ValueError(
            f"{type(visible).__name__}: enumerate h_1, never the visible layer."
        )
    Ws = [np.asarray(W, dtype=np.float64) for W in Ws]
    bs = [np.asarray(b, dtype=np.float64) for b in bs]
    L = len(Ws)
    sizes = [b.shape[0] for b in bs]
    n_enum = sum(sizes[l] for l in enum_layers)
    free = [l for l in range(L + 1) if l not in enum_layers and not (l == 0 and v is not None)]
    if v is not None:  # the clamped visible's statistic and own energy
        S0, b0, own = visible.coupling_terms(np.asarray(v, dtype=np.float64)[None, :], bs[0],
                                             **params)
        clamped_value = float(np.ravel(own + S0 @ np.asarray(b0, dtype=np.float64))[0])
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
            X[0] = np.broadcast_to(S0[0], (stop - start, sizes[0]))
            val += clamped_value
        # pairs of adjacent fixed layers (clamped v next to an enumerated h_1)
        for l in range(L):
            if l in X and l + 1 in X:
                val += np.einsum("ij,ij->i", X[l + 1] @ Ws[l], X[l])
        for l in free:
            a = np.broadcast_to(bs[l], (stop - start, sizes[l])).copy()
            if l > 0:
                a += X[l - 1] @ Ws[l - 1].T
            if l < L:
                a += X[l + 1] @ Ws[l]
            terms, constant = (visible.log_sum(a, bs[0], **params) if l == 0
                               else _BINARY.log_sum(a, bs[l]))
            val += terms
            val += constant
        total = np.logaddexp(total, logsumexp(val))
    return float(total)


def exact_log_partition_dbm(Ws, bs, visible=_BINARY, **params):
    """Exact log Z of a DBM, enumerating the odd layers or the even layers
    (visible included), whichever has fewer units. A visible layer that is
    not ``enumerable`` (Gaussian, categorical; ``visible`` a unit type of
    ``_units.py`` with its parameters ``**params``) is summed out given h_1
    and the odd (hidden) layers are enumerated: for Gaussian units a
    log-normaliser of a density."""
    L = len(Ws)
    sizes = [np.shape(b)[0] for b in bs]
    odd = list(range(1, L + 1, 2))
    even = list(range(0, L + 1, 2))
    if not visible.enumerable:
        return _log_sum_enumerated(Ws, bs, odd, visible=visible, **params)
    n_odd, n_even = sum(sizes[l] for l in odd), sum(sizes[l] for l in even)
    return _log_sum_enumerated(Ws, bs, odd if n_odd <= n_even else even)


def exact_log_unnormalized_dbm(V, Ws, bs, visible=_BINARY, **params):
    """Exact ``log sum_h exp(-E(v, h))`` of each row of ``V`` (enumeration of
    the odd or even hidden layers, whichever is smaller; ``visible`` and
    ``**params`` as in :func:`exact_log_partition_dbm`, ``V`` the layer's
    values: one-hot groups for categorical units)."""
    L = len(Ws)
    sizes = [np.shape(b)[0] for b in bs]
    odd = list(range(1, L + 1, 2))
    even = list(range(2, L + 1, 2))
    n_odd, n_even = sum(sizes[l] for l in odd), sum(sizes[l] for l in even)
    enum = odd if n_odd <= n_even or not even else even
    return np.array([_log_sum_enumerated(Ws, bs, enum, v, visible, **params)
                     for v in np.asarray(V)])


def _enumerated_units(sizes, enumerable_visible=True):
    if not enumerable_visible:  # the visible layer is summed out, never enumerated
        return sum(sizes[1::2])
    return min(sum(sizes[1::2]), sum(sizes[0::2]))
