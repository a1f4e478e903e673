"""The math of the gated (factored three-way) RBM (Memisevic & Hinton 2010;
§20.8), arrays in and out.

An input ``x`` (real or binary), a binary output ``y`` and binary mapping
units ``h`` interact through factors::

    E(y, h; x) = -sum_f (x.Fx_f)(y.Fy_f)(h.Fh_f) - (a + A x).y - (c + C x).h

(``A`` and ``C``, the input-dependent biases, are optional: zeros when not
trained). This is the conditional RBM of :mod:`._conditional_math` with
input-dependent weights ``W(x) = Fh diag(Fx x) Fy^T`` and no plain weights:
its parameter tuple ``P = (W, a, A, c, C, Fx, Fy, Fh)`` with ``W = 0`` is
passed to that module's CD gradient, mean field and enumeration. Summing
out ``h`` (or ``y``) is closed form::

    -F(y; x) = (a + A x).y + sum_j softplus(c_j + C_j x + (W(x) y)_j)
    log Z(x) = log sum_y exp(-F(y; x))
             = log sum_h exp((c + C x).h + sum_l softplus(a_l + A_l x + (W(x)^T h)_l))

so ``log p(y | x) = -F(y; x) - log Z(x)`` is exact when the smaller of the
output and mapping layers is enumerated.
"""

import numpy as np
from scipy.special import expit, logsumexp

from . import _conditional_math as cmath

__all__ = [
    "hidden_means",
    "output_means",
    "negative_free_energy",
    "log_partition",
    "log_conditional",
    "output_marginals",
    "gibbs_outputs",
]

#: Largest number of floats of one block of the enumeration (rows x states x units).
_BLOCK = 1 << 22


def _gates(X, P):
    """``V = X Fx^T`` (the input's factor projections) and the biases."""
    ay, ch = cmath.conditional_biases(X, P)
    return X @ P[5].T, ay, ch


def hidden_means(X, Y, P):
    """``p(h_j = 1 | x, y)`` per row."""
    V, ay, ch = _gates(X, P)
    return expit(cmath._hidden_input(Y, V, ch, P))


def output_means(X, H, P):
    """``p(y_l = 1 | x, h)`` per row."""
    V, ay, ch = _gates(X, P)
    return expit(cmath._output_input(H, V, ay, P))


def negative_free_energy(X, Y, P):
    """``-F(y; x)``: ``log sum_h exp(-E(y, h; x))`` per row."""
    V, ay, ch = _gates(X, P)
    return np.sum(ay * Y, axis=1) + np.logaddexp(0, cmath._hidden_input(Y, V, ch, P)).sum(axis=1)


def _enumerated_terms(X, P, over):
    """``(states, log_w, pre3)`` of the enumeration over one layer:
    ``log_w[i, s]`` is the unnormalised ``log p(state s | x_i)`` of that
    layer (the other summed out) and ``pre3[i, s]`` the other layer's inputs
    given it."""
    W, a, A, c, C, Fx, Fy, Fh = P
    if over == "outputs":
        states = cmath.all_binary_states(W.shape[1], W.dtype)
        base, pre3, _, _ = cmath._factored_inputs(X, P, states)
    else:
        states = cmath.all_binary_states(W.shape[0], W.dtype)
        V, ay, ch = _gates(X, P)
        base = ch @ states.T
        pre3 = ay[:, None, :] + (states @ W)[None] + (V[:, None, :] * (states @ Fh)[None]) @ Fy.T
    return states, base + np.logaddexp(0, pre3).sum(axis=2), pre3


def _log_partition_block(X, P, over):
    return logsumexp(_enumerated_terms(X, P, over)[1], axis=1)


def _marginals_block(X, P, over):
    states, log_w, pre3 = _enumerated_terms(X, P, over)
    w = np.exp(log_w - logsumexp(log_w, axis=1, keepdims=True))
    if over == "outputs":
        return w @ states
    return np.einsum("is,isl->il", w, expit(pre3))  # E_h p(y_l = 1 | x, h)


def _in_row_blocks(function, X, P, over):
    W = P[0]
    n_states = 2 ** (W.shape[1] if over == "outputs" else W.shape[0])
    rows = max(1, _BLOCK // (n_states * max(W.shape)))
    return [function(X[i:i + rows], P, over) for i in range(0, X.shape[0], rows)]


def output_marginals(X, P, over):
    """Exact ``p(y_l = 1 | x)`` per row, enumerating the outputs or the
    mapping units (``over``, as :func:`log_partition`), in blocks of rows."""
    if not X.shape[0]:
        return np.zeros((0, P[0].shape[1]), X.dtype)
    return np.vstack(_in_row_blocks(_marginals_block, X, P, over))


def log_partition(X, P, over):
    """``log Z(x)`` per row, enumerating the outputs (``over="outputs"``,
    ``2**n_outputs`` states) or the mapping units (``over="hidden"``), in
    blocks of rows."""
    if not X.shape[0]:
        return np.zeros(0, X.dtype)
    return np.concatenate(_in_row_blocks(_log_partition_block, X, P, over))


def log_conditional(X, Y, P, over):
    """Exact ``log p(y | x)`` per row (see :func:`log_partition` for ``over``)."""
    return negative_free_energy(X, Y, P) - log_partition(X, P, over)


def gibbs_outputs(X, P, n_steps, rng):
    """Binary samples of ``y`` given each row's ``x`` after ``n_steps`` block
    Gibbs sweeps ``h ~ p(h | x, y)``, ``y ~ p(y | x, h)``, started from the
    input-dependent biases alone (``y ~ sigmoid(a + A x)``)."""
    dtype = P[0].dtype
    V, ay, ch = _gates(X, P)
    Y = (rng.random(ay.shape) < expit(ay)).astype(dtype)
    for _ in range(n_steps):
        h_mean = expit(cmath._hidden_input(Y, V, ch, P))
        H = (rng.random(h_mean.shape) < h_mean).astype(dtype)
        Y = (rng.random(ay.shape) < expit(cmath._output_input(H, V, ay, P))).astype(dtype)
    return Y
