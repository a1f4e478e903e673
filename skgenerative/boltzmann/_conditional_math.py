"""The math of the conditional RBM for structured outputs (§20.7), arrays in and out.

An RBM over binary outputs ``y`` (``n_outputs`` units) and binary hidden
units ``h`` whose biases are linear functions of the input ``x``::

    E(y, h; x) = -(a + A x).y - (c + C x).h - h.W y

Parameters ``P = (W, a, A, c, C)``: ``W`` (n_hidden, n_outputs), output
biases ``a`` and their input weights ``A`` (n_outputs, n_features), hidden
biases ``c`` and their input weights ``C`` (n_hidden, n_features). Summing
out ``h``::

    -F(y; x) = (a + A x).y + sum_j softplus(c_j + C_j x + W_j y)

and ``p(y | x) = exp(-F(y; x)) / Z(x)``. The outputs range over a set of
allowed states (rows of ``states``): every binary vector for multi-label
targets, the one-hot vectors for a multiclass target (the constraint
"exactly one class"). When that set is small, ``Z(x)``, the exact
conditional likelihood, its gradient, the marginals and the mode come from
enumerating it; otherwise training uses CD-k and prediction mean field.
"""

import itertools

import numpy as np
from scipy.special import expit

from . import _kernels

__all__ = [
    "all_binary_states",
    "conditional_biases",
    "state_log_probabilities",
    "exact_gradient",
    "cd_gradient",
    "mean_field",
]

def all_binary_states(n, dtype=np.float64):
    """Every binary vector of length ``n``, shape (2**n, n), row ``s`` the
    binary digits of ``s`` (first output most significant)."""
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=dtype).reshape(-1, n)


def conditional_biases(X, P):
    """The input-dependent biases ``(a + X A^T, c + X C^T)``."""
    W, a, A, c, C = P
    return X @ A.T + a, X @ C.T + c


def _enumeration_inputs(X, P, states):
    """``(base, ch, YW)`` of the kernels: output-bias scores of every state,
    hidden biases, and the states' hidden inputs, C-contiguous."""
    W = P[0]
    ay, ch = conditional_biases(X, P)
    return (np.ascontiguousarray(ay @ states.T), np.ascontiguousarray(ch),
            np.ascontiguousarray(states @ W.T))


def state_log_probabilities(X, P, states):
    """``log p(y = states[s] | x_i)``, shape (n, n_states)."""
    base, ch, YW = _enumeration_inputs(X, P, states)
    out = np.empty_like(base)
    _kernels._conditional_log_probabilities(base, ch, YW, out)
    return out


def exact_gradient(X, index, P, states):
    """Gradient of ``sum_i log p(y_i | x_i)`` (ascent), ``y_i =
    states[index[i]]``, by enumerating the allowed states: the data term
    minus the expectation under ``p(y, h | x_i)``
    (:func:`_kernels._conditional_gradient` for the sums over states and
    hidden units).

    Returns ``(grads, log_likelihood)``: a dict keyed ``W, a, A, c, C`` of
    sums over the rows, and the per-row ``log p(y_i | x_i)``.
    """
    base, ch, YW = _enumeration_inputs(X, P, states)
    log_p = np.empty_like(base)
    h_data, g_h = np.empty_like(ch), np.empty_like(ch)
    M = np.empty_like(YW)
    _kernels._conditional_gradient(base, ch, YW, index, log_p, h_data, g_h, M)
    Y = states[index]
    g_y = Y - np.exp(log_p) @ states
    grads = {
        "W": h_data.T @ Y - M.T @ states, "a": g_y.sum(axis=0), "A": g_y.T @ X,
        "c": g_h.sum(axis=0), "C": g_h.T @ X,
    }
    return grads, log_p[np.arange(X.shape[0]), index]


def cd_gradient(X, Y, P, n_gibbs_steps, rng):
    """CD-k estimate of the gradient of ``sum_i log p(y_i | x_i)``: one chain
    per row, started at ``y_i`` and run under ``x_i``'s biases."""
    W = P[0]
    dtype = W.dtype
    ay, ch = conditional_biases(X, P)
    h_data = expit(ch + Y @ W.T)
    h = (rng.random(h_data.shape) < h_data).astype(dtype)
    for _ in range(n_gibbs_steps):
        y_neg = (rng.random(Y.shape) < expit(ay + h @ W)).astype(dtype)
        h_neg = expit(ch + y_neg @ W.T)
        h = (rng.random(h_neg.shape) < h_neg).astype(dtype)
    g_y, g_h = Y - y_neg, h_data - h_neg
    return {
        "W": h_data.T @ Y - h_neg.T @ y_neg, "a": g_y.sum(axis=0), "A": g_y.T @ X,
        "c": g_h.sum(axis=0), "C": g_h.T @ X,
    }


def mean_field(X, P, n_iter):
    """Mean-field marginals ``q(y_l = 1 | x)`` of the outputs: alternating
    ``mu_h = sigmoid(c + C x + W mu_y)``, ``mu_y = sigmoid(a + A x + W^T
    mu_h)``, from ``mu_y = sigmoid(a + A x)``."""
    W = P[0]
    ay, ch = conditional_biases(X, P)
    mu_y = expit(ay)
    for _ in range(n_iter):
        mu_h = expit(ch + mu_y @ W.T)
        mu_y = expit(ay + mu_h @ W)
    return mu_y
