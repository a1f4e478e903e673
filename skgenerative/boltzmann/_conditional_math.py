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
from scipy.special import expit, logsumexp

__all__ = [
    "all_binary_states",
    "conditional_biases",
    "state_log_probabilities",
    "exact_gradient",
    "cd_gradient",
    "mean_field",
]

#: Elements of the (rows, states, hidden) temporaries computed at once.
_CHUNK_ELEMENTS = 2**22


def all_binary_states(n, dtype=np.float64):
    """Every binary vector of length ``n``, shape (2**n, n), row ``s`` the
    binary digits of ``s`` (first output most significant)."""
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=dtype).reshape(-1, n)


def conditional_biases(X, P):
    """The input-dependent biases ``(a + X A^T, c + X C^T)``."""
    W, a, A, c, C = P
    return X @ A.T + a, X @ C.T + c


def _row_chunks(n, n_states, n_hidden):
    step = max(1, _CHUNK_ELEMENTS // max(1, n_states * n_hidden))
    return [slice(i, min(n, i + step)) for i in range(0, n, step)]


def state_log_probabilities(X, P, states):
    """``log p(y = states[s] | x_i)``, shape (n, n_states), float64."""
    W = P[0]
    ay, ch = conditional_biases(X, P)
    yw = states @ W.T  # (S, H)
    out = np.empty((X.shape[0], states.shape[0]))
    for rows in _row_chunks(X.shape[0], states.shape[0], W.shape[0]):
        out[rows] = ay[rows] @ states.T + np.logaddexp(
            0.0, ch[rows, None, :] + yw[None]
        ).sum(axis=2)
    return out - logsumexp(out, axis=1, keepdims=True)


def exact_gradient(X, index, P, states):
    """Gradient of ``sum_i log p(y_i | x_i)`` (ascent), ``y_i =
    states[index[i]]``, by enumerating the allowed states: the data term
    minus the expectation under ``p(y, h | x_i)``.

    Returns ``(grads, log_likelihood)``: a dict keyed ``W, a, A, c, C`` of
    sums over the rows, and the per-row ``log p(y_i | x_i)``.
    """
    W = P[0]
    dtype = W.dtype
    ay, ch = conditional_biases(X, P)
    yw = states @ W.T
    n = X.shape[0]
    Y = states[index]
    g_y = np.empty((n, states.shape[1]))
    g_h = np.empty((n, W.shape[0]))
    gW = np.zeros(W.shape)
    log_lik = np.empty(n)
    for rows in _row_chunks(n, states.shape[0], W.shape[0]):
        pre = ch[rows, None, :] + yw[None]  # (r, S, H)
        scores = ay[rows] @ states.T + np.logaddexp(0.0, pre).sum(axis=2)
        log_norm = logsumexp(scores, axis=1, keepdims=True)
        p = np.exp(scores - log_norm)  # (r, S)
        sig = expit(pre)
        r = np.arange(rows.stop - rows.start)
        log_lik[rows] = scores[r, index[rows]] - log_norm[:, 0]
        h_data = sig[r, index[rows]]  # (r, H)
        sig *= p[:, :, None]  # p(y = s | x) E[h | y = s, x]
        g_y[rows] = Y[rows] - p @ states
        g_h[rows] = h_data - sig.sum(axis=1)
        gW += h_data.T @ Y[rows] - sig.sum(axis=0).T @ states
    grads = {
        "W": gW, "a": g_y.sum(axis=0), "A": g_y.T @ X, "c": g_h.sum(axis=0), "C": g_h.T @ X,
    }
    return {k: v.astype(dtype, copy=False) for k, v in grads.items()}, log_lik


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
