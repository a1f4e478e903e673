"""Deep Boltzmann machine kernels (§20.4): layer inputs, mean field and
block-Gibbs sweeps, binary or Gaussian visibles.

A DBM with L hidden layers is given as tuples: states ``S[0..L]`` (S[0] the
visible layer), each (n_rows, n_l) C-contiguous; weights ``Ws[0..L-1]`` with
``Ws[l]`` of shape (n_{l+1}, n_l) (scikit-learn's (hidden, visible) layout);
biases ``bs[0..L]``. Energy (eq. 20.25 generalised, with biases):
``E = -sum_l S[l+1] Ws[l] S[l] - sum_l bs[l] S[l]``. Even layers (0, 2, ...)
are conditionally independent given the odd ones and vice versa.

Gaussian visibles. Energy (the Gaussian-Bernoulli RBM's, eq. 20.42 with a
visible mean, for the bottom pair): ``E = 1/2 sum_j beta_j (v_j - b_j)^2 -
(beta v)^T W_0^T h_1 - sum_{l>=1} (h_{l+1}^T W_l h_l + b_l.h_l)``, so h_1 sees
``W_0 (beta v)`` and ``p(v | h_1) = N(b + W_0^T h_1, 1 / beta)``. The DBM
kernels here (mean field, Gibbs; a non-empty ``beta`` argument) and the DBM
AIS kernels of ``_ais.py`` take the weights with the precision
folded into the bottom layer, ``Ws[0] = W_0 * beta`` (columns scaled), so the
hidden layers are updated by the binary code unchanged and the visible input
``h_1 Ws[0]`` is ``beta (W_0^T h_1)``.
"""

import numpy as np
from numba import njit

from ...utils._blas import gemm
from ._elementwise import _NJIT, _sigmoid_bias_inplace


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
    precisions ``beta`` (``Ws[0]`` folded, see the module docstring),
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
    Gaussian (``Ws[0]`` folded, see the module docstring): ``v ~ N(b +
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
