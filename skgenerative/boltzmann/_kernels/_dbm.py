"""Deep Boltzmann machine kernels (§20.4): layer inputs, mean field and
block-Gibbs sweeps, with binary, Gaussian or categorical (softmax) visibles.

A DBM with L hidden layers is given as tuples: states ``S[0..L]`` (S[0] the
visible layer), each (n_rows, n_l) C-contiguous; weights ``Ws[0..L-1]`` with
``Ws[l]`` of shape (n_{l+1}, n_l) (scikit-learn's (hidden, visible) layout);
biases ``bs[0..L]``. Energy (eq. 20.25 generalised, with biases):
``E = -sum_l S[l+1] Ws[l] S[l] - sum_l bs[l] S[l]``. Even layers (0, 2, ...)
are conditionally independent given the odd ones and vice versa.

The visible layer's unit type reaches the kernels as a :data:`VisibleLayer`
(``kind`` and the layer's own parameters, by name); the hidden layers are
binary. :func:`_mean_field_visible` and :func:`_gibbs_visible` are the one
place that tells the kinds apart.

Gaussian visibles. Energy (the Gaussian-Bernoulli RBM's, eq. 20.42 with a
visible mean, for the bottom pair): ``E = 1/2 sum_j beta_j (v_j - b_j)^2 -
(beta v)^T W_0^T h_1 - sum_{l>=1} (h_{l+1}^T W_l h_l + b_l.h_l)``, so h_1 sees
``W_0 (beta v)`` and ``p(v | h_1) = N(b + W_0^T h_1, 1 / beta)``. The DBM
kernels here and the DBM AIS kernels take the weights with the precision
folded into the bottom layer, ``Ws[0] = W_0 * beta`` (columns scaled), so the
hidden layers are updated by the binary code unchanged and the visible input
``h_1 Ws[0]`` is ``beta (W_0^T h_1)``.

Categorical visibles. The visible layer is one-hot: feature ``f`` owns the
columns ``offsets[f]:offsets[f + 1]`` (a softmax group) and
``p(v_f = k | h_1) = softmax_k(b + W_0^T h_1)_{f, k}``; the energy is the
binary one with one-hot ``v``. Sampling draws one uniform per (row, group),
row-major (the kernels of ``_categorical.py``, reused).

Label layer (Salakhutdinov & Hinton 2009, Fig. 20.4 b-c). The argument
``top`` of the kernels says what the last layer ``S[L]`` is: 0 a binary
hidden layer (a DBM without labels), 1 a one-hot label layer (a single
softmax group attached to the top hidden layer ``S[L - 1]`` by ``Ws[L - 1]``)
that is inferred / sampled, 2 the label layer clamped (never updated).
Its energy is the binary one with one-hot ``S[L]``; it is a layer of the
even/odd alternation like any other. Sampling it draws one uniform per row.
"""

from collections import namedtuple

import numpy as np
from numba import njit

from ...utils._blas import gemm
from ._categorical import _sample_groups_inplace, _softmax_groups_inplace
from ._elementwise import _NJIT, _sigmoid_bias_inplace

#: Kinds of visible layer (``VisibleLayer.kind``).
BERNOULLI, GAUSSIAN, CATEGORICAL = 0, 1, 2

#: The visible layer as the DBM kernels see it: its ``kind`` and its own
#: parameters, ``precision`` (Gaussian; folded into ``Ws[0]`` too) and the
#: softmax group boundaries ``offsets`` (categorical), empty for the kinds
#: that have none.
VisibleLayer = namedtuple("VisibleLayer", ["kind", "precision", "offsets"])


def visible_layer(kind, dtype, *, precision=None, offsets=None):
    """A :data:`VisibleLayer` of ``kind`` for kernels of float ``dtype``."""
    precision = np.zeros(0, dtype) if precision is None else precision
    offsets = np.zeros(0, np.int64) if offsets is None else offsets
    return VisibleLayer(
        int(kind),
        np.ascontiguousarray(precision, dtype=dtype),
        np.ascontiguousarray(offsets, dtype=np.int64),
    )


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


#: The kinds of top layer (argument ``top``): binary hidden, free label
#: layer, clamped label layer.
TOP_HIDDEN, TOP_LABELS, TOP_CLAMPED = 0, 1, 2


@njit(**_NJIT)
def _label_groups():
    return np.zeros(2, np.int64)


@njit(**_NJIT)
def _bottom_up_dbm(Q, Ws, bs, top):
    """Initial mean-field values: one upward pass, inputs of all but the top
    hidden layer doubled (they stand in for the missing top-down input). A
    free label layer (``top == 1``) then takes the softmax of its input; a
    clamped one (``top == 2``) is left as it is."""
    L = len(Q) - 1
    top_hidden = L if top == TOP_HIDDEN else L - 1
    one = Q[0].dtype.type(1.0)
    for l in range(1, top_hidden + 1):
        Ql = Q[l]
        gemm(False, True, 2.0 if l < top_hidden else 1.0, Q[l - 1], Ws[l - 1], 0.0, Ql)
        b = bs[l]
        for i in range(Ql.shape[0]):
            for j in range(Ql.shape[1]):
                Ql[i, j] = one / (one + np.exp(-(Ql[i, j] + b[j])))
    if top == TOP_LABELS:
        gemm(False, True, 1.0, Q[L - 1], Ws[L - 1], 0.0, Q[L])
        groups = _label_groups()
        groups[1] = Q[L].shape[1]
        _softmax_groups_inplace(Q[L], bs[L], groups)


@njit(**_NJIT)
def _track_copy(src, dst):
    """``dst[:] = src``; returns the largest change of an entry."""
    delta = 0.0
    for i in range(dst.shape[0]):
        for j in range(dst.shape[1]):
            d = abs(np.float64(src[i, j]) - np.float64(dst[i, j]))
            if d > delta:
                delta = d
            dst[i, j] = src[i, j]
    return delta


@njit(**_NJIT)
def _mean_field_visible(A, b, visible, observed, V):
    """The mean-field update of the unobserved visible entries (``observed ==
    0``) given their input ``A`` (no bias): the mean of their optimal factor,
    ``sigmoid(A + b)`` (binary), ``b + A / beta`` (Gaussian, ``A`` from the
    folded weights) or the softmax of each unobserved group (categorical; a
    group is observed when its first column is). ``A`` is overwritten;
    returns the largest change."""
    one = V.dtype.type(1.0)
    m, n = V.shape
    delta = 0.0
    if visible.kind == CATEGORICAL:
        offsets = visible.offsets
        _softmax_groups_inplace(A, b, offsets)
        for i in range(m):
            for f in range(offsets.shape[0] - 1):
                lo, hi = offsets[f], offsets[f + 1]
                if observed[i, lo] != 0:
                    continue
                delta = max(delta, _track_copy(A[i : i + 1, lo:hi], V[i : i + 1, lo:hi]))
        return delta
    beta = visible.precision
    for i in range(m):
        for j in range(n):
            if observed[i, j] != 0:
                continue
            if visible.kind == GAUSSIAN:
                q = b[j] + A[i, j] / beta[j]
            else:
                q = one / (one + np.exp(-(A[i, j] + b[j])))
            d = abs(np.float64(q) - np.float64(V[i, j]))
            if d > delta:
                delta = d
            V[i, j] = q
    return delta


@njit(**_NJIT)
def _mean_field_dbm(Q, Ws, bs, observed, n_iter, tol, visible, top):
    """Mean-field fixed-point iterations (eqs. 20.33-20.34), in place on ``Q``.

    One iteration updates the odd layers given the even ones, then the even
    hidden layers given the odd ones; each block update is the exact
    coordinate maximiser of the ELBO, so the bound never decreases.
    ``Q[0]`` is the clamped visible layer; if ``observed`` has rows, the
    visible entries where ``observed == 0`` are updated too (imputation) by
    :func:`_mean_field_visible` for the ``visible`` layer (a
    :data:`VisibleLayer`; ``Ws[0]`` folded, see the module docstring).
    ``top``: the kind of the last layer (module docstring); a free label
    layer takes the softmax of its input (the optimal categorical factor).
    Stops when no unit changes by more than ``tol``; returns the number of
    iterations run.
    """
    L = len(Q) - 1
    m = Q[0].shape[0]
    groups = _label_groups()
    groups[1] = Q[L].shape[1]
    free_visible = observed.shape[0] > 0
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
                if l == L and top == TOP_CLAMPED:
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
                if l == 0:
                    d = _mean_field_visible(A, bs[0], visible, observed, Ql)
                elif l == L and top == TOP_LABELS:
                    _softmax_groups_inplace(A, bs[l], groups)
                    d = _track_copy(A, Ql)
                else:  # A becomes the new q of the layer
                    _sigmoid_bias_inplace(A, bs[l])
                    d = _track_copy(A, Ql)
                if d > delta:
                    delta = d
        if delta <= tol:
            return it + 1
    return n_iter


@njit(**_NJIT)
def _gibbs_visible(A, b, visible, observed, rng, V):
    """Sample the visible layer given its input ``A`` (no bias), in place on
    ``V``, keeping the entries where ``observed != 0`` (if ``observed`` has
    rows; their draws are still made): one uniform per unit, row-major
    (binary); one standard normal per unit, ``v ~ N(b + A / beta, 1 /
    beta)`` (Gaussian, ``A`` from the folded weights); one uniform per
    (row, group), row-major, from the softmax of ``A + b`` (categorical; a
    group is clamped when its first column is). ``A`` is overwritten."""
    one = V.dtype.type(1.0)
    zero = V.dtype.type(0.0)
    clamp = observed.shape[0] > 0
    m, n = V.shape
    if visible.kind == CATEGORICAL:
        offsets = visible.offsets
        _softmax_groups_inplace(A, b, offsets)
        _sample_groups_inplace(A, offsets, rng)
        for i in range(m):
            for f in range(offsets.shape[0] - 1):
                lo, hi = offsets[f], offsets[f + 1]
                if clamp and observed[i, lo] != 0:
                    continue
                for k in range(lo, hi):
                    V[i, k] = A[i, k]
        return
    beta = visible.precision
    std = np.empty(beta.shape[0], np.float64)
    for j in range(beta.shape[0]):
        std[j] = 1.0 / np.sqrt(np.float64(beta[j]))
    for i in range(m):
        for j in range(n):
            if visible.kind == GAUSSIAN:
                z = rng.standard_normal()
                if clamp and observed[i, j] != 0:
                    continue
                V[i, j] = b[j] + A[i, j] / beta[j] + std[j] * z
                continue
            p = one / (one + np.exp(-(A[i, j] + b[j])))
            u = rng.random()
            if clamp and observed[i, j] != 0:
                continue
            V[i, j] = one if u < p else zero


@njit(**_NJIT)
def _gibbs_dbm(S, Ws, bs, observed, n_steps, rng, visible, top):
    """``n_steps`` block-Gibbs sweeps in place on the states ``S``.

    A sweep samples the even layers (visible, h2, ...) given the odd ones,
    then the odd layers given the even ones (Algorithm 20.1). The visible
    layer is sampled by :func:`_gibbs_visible` for the ``visible`` layer (a
    :data:`VisibleLayer`; ``Ws[0]`` folded, see the module docstring),
    keeping the entries where ``observed != 0`` (if ``observed`` has rows);
    a uniform is drawn for every hidden unit, row-major, layer by layer.
    ``top``: the kind of the last layer (module docstring); a free label
    layer is drawn from its softmax with one uniform per row, a clamped one
    is kept (no draws).
    """
    L = len(S) - 1
    m = S[0].shape[0]
    groups = _label_groups()
    groups[1] = S[L].shape[1]
    one = S[0].dtype.type(1.0)
    zero = S[0].dtype.type(0.0)
    for _ in range(n_steps):
        for parity in (0, 1):
            for l in range(parity, L + 1, 2):
                if l == L and top == TOP_CLAMPED:
                    continue
                Sl = S[l]
                A = np.empty((m, Sl.shape[1]), dtype=Sl.dtype)
                _dbm_layer_input(S, Ws, l, A)
                b = bs[l]
                if l == 0:
                    _gibbs_visible(A, b, visible, observed, rng, Sl)
                    continue
                if l == L and top == TOP_LABELS:
                    _softmax_groups_inplace(A, b, groups)
                    _sample_groups_inplace(A, groups, rng)
                    _track_copy(A, Sl)
                    continue
                for i in range(m):
                    for j in range(Sl.shape[1]):
                        p = one / (one + np.exp(-(A[i, j] + b[j])))
                        Sl[i, j] = one if rng.random() < p else zero
