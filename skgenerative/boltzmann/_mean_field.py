"""Mean-field inference in a deep Boltzmann machine (eqs. 20.33-20.34), its
variational bound (eq. 20.35), and the centred parametrisation (eq. 20.37):
sufficient statistics and the maps between centred and plain parameters.

Conventions (layer order, weight layout, energy) are those of
``_dbm.py``. The visible layer is a unit type of ``_units.py`` (``visible``,
binary by default) whose own parameters are passed as keywords (``**params``,
e.g. ``precision`` of Gaussian units). The hot loops are the kernels of
``_kernels/_dbm.py``.
"""

import numpy as np
from scipy.special import xlogy

from . import _kernels
from ._units import BernoulliUnits

#: The default visible layer, and the unit type of every hidden layer.
_BINARY = BernoulliUnits()


def _as_tuple(arrays, dtype):
    return tuple(np.ascontiguousarray(a, dtype=dtype) for a in arrays)


def kernel_weights(Ws, visible, params, dtype):
    """The weights as the DBM kernels take them: the visible unit type's
    statistic folded into the bottom layer (``W_0 * beta`` for Gaussian
    units). A folded layer is a fresh array, and then the others are copied
    too: a numba tuple must not mix writable and read-only arrays (e.g. a
    model loaded from a memmap)."""
    W0 = visible.fold(Ws[0], **params)
    rest = list(Ws[1:]) if W0 is Ws[0] else [np.array(W) for W in Ws[1:]]
    return _as_tuple([W0] + rest, dtype)


def mean_field(V, Ws, bs, *, n_iter=30, tol=1e-6, observed=None, init=None,
               visible=_BINARY, top=0, labels=None, **params):
    """Mean-field posterior Q(h | v) of a DBM (eqs. 20.33-20.34).

    Parameters
    ----------
    V : ndarray of shape (n_samples, n_visible)
    Ws, bs : sequences of arrays
        Weights (``Ws[l]`` of shape ``(n_{l+1}, n_l)``) and biases (visible first).
    n_iter : int
        Maximum number of fixed-point iterations (odd layers, then even ones).
    tol : float
        Stop when no unit changes by more than ``tol``.
    observed : ndarray of shape (n_samples, n_visible) or None
        If given, visible entries where ``observed == 0`` are updated too.
    init : list of arrays or None
        Starting values of the hidden layers; None does an upward pass with
        doubled inputs below the top.
    visible : UnitType, default=BernoulliUnits()
        The visible unit type. Unobserved visibles take the mean of their
        optimal factor: ``sigmoid``, the conditional mean ``b_0 + W_0^T q_1``
        (Gaussian) or the softmax of each group (categorical).
    top : {0, 1, 2}, default=0
        The last layer: a binary hidden layer (0), a one-hot label layer
        inferred by mean field (1, its factor the softmax of its input) or
        clamped to ``labels`` (2); see ``_kernels/_dbm.py``.
    labels : ndarray of shape (n_samples, n_classes) or None
        One-hot labels, with ``top=2``.
    **params
        The visible layer's own parameters (``precision`` of Gaussian units).

    Returns
    -------
    Q : list of ndarray
        ``Q[0]`` is the (possibly imputed) visible layer, ``Q[l]`` the
        posterior means of hidden layer ``l``.
    n_iter_run : int
    """
    dtype = Ws[0].dtype
    Ws, bs = kernel_weights(Ws, visible, params, dtype), _as_tuple(bs, dtype)
    m = V.shape[0]
    Q = [np.array(V, dtype=dtype, order="C")]
    if init is None:
        Q += [np.empty((m, b.shape[0]), dtype=dtype) for b in bs[1:]]
        if top == _kernels.TOP_CLAMPED:
            Q[-1][...] = labels
        Q = tuple(Q)
        _kernels._bottom_up_dbm(Q, Ws, bs, top)
    else:
        Q = tuple(Q + [np.array(q, dtype=dtype, order="C") for q in init])
    if observed is None:
        mask = np.zeros((0, 0), dtype=dtype)
    else:
        mask = np.ascontiguousarray(observed, dtype=dtype)
    n_run = _kernels._mean_field_dbm(Q, Ws, bs, mask, int(n_iter), float(tol),
                                     visible.kernel_layer(dtype, **params), top)
    return list(Q), int(n_run)


def _linear_neg_energy(S, Ws, bs):
    """``sum_l s_{l+1}^T W_l s_l + sum_l b_l.s_l`` per row (float64)."""
    total = np.zeros(S[0].shape[0])
    for l, W in enumerate(Ws):
        total += np.einsum("ij,ij->i", S[l] @ W.T, S[l + 1], dtype=np.float64)
    for l, b in enumerate(bs):
        total += S[l] @ b.astype(np.float64)
    return total


def expected_neg_energy(Q, Ws, bs, visible=_BINARY, **params):
    """``-E_Q[E(v, h)]`` per row for a factorial Q (Q[0] = v clamped).

    The visible terms are the unit type's ``coupling_terms``: with Gaussian
    visibles (``precision``) ``-1/2 sum_j beta_j (v_j - b_0j)^2 + q_1^T W_0
    (beta v)``.
    """
    S0, b0, own = visible.coupling_terms(Q[0], bs[0], **params)
    return own + _linear_neg_energy([S0] + list(Q[1:]), Ws, [b0] + list(bs[1:]))


def bernoulli_entropy(Q):
    """Entropy of the factorial hidden layers of Q (nats, per row)."""
    total = np.zeros(Q[0].shape[0])
    for q in Q[1:]:
        q = q.astype(np.float64)
        total -= (xlogy(q, q) + xlogy(1 - q, 1 - q)).sum(axis=1)
    return total


def categorical_entropy(q):
    """Entropy of a one-hot (softmax) factor of each row (nats)."""
    q = q.astype(np.float64)
    return -xlogy(q, q).sum(axis=1)


def elbo_unnormalized(Q, Ws, bs, visible=_BINARY, labels=False, **params):
    """``L(v, Q) + log Z`` (eq. 20.35 without ``-log Z``), per row; with
    Gaussian visibles (``precision``) a log-density bound up to ``log Z``.
    ``labels=True``: the last layer of Q is a free one-hot label layer (a
    categorical factor; its entropy is the categorical one)."""
    if not labels:
        return expected_neg_energy(Q, Ws, bs, visible, **params) + bernoulli_entropy(Q)
    return (expected_neg_energy(Q, Ws, bs, visible, **params) + bernoulli_entropy(Q[:-1])
            + categorical_entropy(Q[-1]))


def centered_statistics(S, mu):
    """Sufficient statistics ``<(s_{l+1}-mu)^T (s_l-mu)>`` and ``<s_l>`` of a
    batch of (mean-field or sampled) states (eq. 20.37 with offsets ``mu``)."""
    m = S[0].shape[0]
    C = [s - u for s, u in zip(S, mu)]
    pair = [C[l + 1].T @ C[l] / m for l in range(len(S) - 1)]
    means = [s.mean(axis=0) for s in S]
    return pair, means


def plain_parameters(cW, cb, mu):
    """Fold offsets into plain-energy parameters (same distribution).

    ``-(x - mu)^T U (x - mu) - (x - mu).b'`` equals, up to a constant, the
    plain energy with ``W = W'`` and ``b_l = b'_l - W'_{l-1} mu_{l-1} -
    W'_l^T mu_{l+1}``.
    """
    L = len(cW)
    bs = []
    for l in range(L + 1):
        b = cb[l].copy()
        if l > 0:
            b -= cW[l - 1] @ mu[l - 1]
        if l < L:
            b -= mu[l + 1] @ cW[l]
        bs.append(b)
    return [W.copy() for W in cW], bs


def centered_parameters(Ws, bs, mu):
    """Inverse of :func:`plain_parameters`."""
    L = len(Ws)
    cb = []
    for l in range(L + 1):
        b = bs[l].copy()
        if l > 0:
            b += Ws[l - 1] @ mu[l - 1]
        if l < L:
            b += mu[l + 1] @ Ws[l]
        cb.append(b)
    return [W.copy() for W in Ws], cb
