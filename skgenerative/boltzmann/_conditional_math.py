"""The math of the conditional RBM for structured outputs (§20.7), arrays in and out.

An RBM over binary outputs ``y`` (``n_outputs`` units) and binary hidden
units ``h`` whose biases are linear functions of the input ``x``::

    E(y, h; x) = -(a + A x).y - (c + C x).h - h.W y

Parameters ``P = (W, a, A, c, C)``: ``W`` (n_hidden, n_outputs), output
biases ``a`` and their input weights ``A`` (n_outputs, n_features), hidden
biases ``c`` and their input weights ``C`` (n_hidden, n_features). Summing
out ``h``::

    -F(y; x) = (a + A x).y + sum_j softplus(c_j + C_j x + W_j y)

and ``p(y | x) = exp(-F(y; x)) / Z(x)``. Optionally the weights depend on
the input too, through factors ``(Fx, Fy, Fh)`` (n_factors x n_features,
n_outputs x n_factors, n_hidden x n_factors) of a gated three-way
interaction (Memisevic & Hinton 2010): ``W(x) = W + Fh diag(Fx x) Fy^T``. The outputs range over a set of
allowed states (rows of ``states``): every binary vector for multi-label
targets, the one-hot vectors for a multiclass target (the constraint
"exactly one class"). When that set is small, ``Z(x)``, the exact
conditional likelihood, its gradient, the marginals and the mode come from
enumerating it; otherwise training uses CD-k and prediction mean field.
"""

import itertools

import numpy as np
from scipy.special import expit, softmax

from . import _kernels

__all__ = [
    "all_binary_states",
    "conditional_biases",
    "state_log_probabilities",
    "exact_gradient",
    "cd_gradient",
    "mean_field",
    "gibbs_outputs",
]


def _unpack(P):
    """``(W, a, A, c, C, Fx, Fy, Fh)``, the factors zero-sized when absent."""
    if len(P) == 8:
        return P
    W, a, A, c, C = P
    return (W, a, A, c, C, np.zeros((0, A.shape[1]), W.dtype),
            np.zeros((W.shape[1], 0), W.dtype), np.zeros((W.shape[0], 0), W.dtype))


def _has_factors(P):
    return len(P) == 8 and P[5].shape[0] > 0


def all_binary_states(n, dtype=np.float64):
    """Every binary vector of length ``n``, shape (2**n, n), row ``s`` the
    binary digits of ``s`` (first output most significant)."""
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=dtype).reshape(-1, n)


def conditional_biases(X, P):
    """The input-dependent biases ``(a + X A^T, c + X C^T)``."""
    W, a, A, c, C = P[:5]
    return X @ A.T + a, X @ C.T + c


def _enumeration_inputs(X, P, states):
    """``(base, ch, YW)`` of the kernels: output-bias scores of every state,
    hidden biases, and the states' hidden inputs, C-contiguous."""
    W = P[0]
    ay, ch = conditional_biases(X, P)
    return (np.ascontiguousarray(ay @ states.T), np.ascontiguousarray(ch),
            np.ascontiguousarray(states @ W.T))


def _factored_inputs(X, P, states):
    """``(base, pre3, V, Sy)`` with input-dependent weights: ``pre3[i, s] =
    c + C x_i + states[s] W(x_i)^T``, ``V = X Fx^T``, ``Sy = states Fy``."""
    W, a, A, c, C, Fx, Fy, Fh = P
    ay, ch = conditional_biases(X, P)
    V, Sy = X @ Fx.T, states @ Fy
    pre3 = ch[:, None, :] + (states @ W.T)[None] + (V[:, None, :] * Sy[None]) @ Fh.T
    return np.ascontiguousarray(ay @ states.T), np.ascontiguousarray(pre3), V, Sy


def state_log_probabilities(X, P, states):
    """``log p(y = states[s] | x_i)``, shape (n, n_states)."""
    if _has_factors(P):
        base, pre3, _, _ = _factored_inputs(X, P, states)
        out = np.empty_like(base)
        _kernels._conditional_log_probabilities_3d(base, pre3, out)
        return out
    base, ch, YW = _enumeration_inputs(X, P, states)
    out = np.empty_like(base)
    _kernels._conditional_log_probabilities(base, ch, YW, out)
    return out


def exact_gradient(X, index, P, states):
    """Gradient of ``sum_i log p(y_i | x_i)`` (ascent), ``y_i =
    states[index[i]]``, by enumerating the allowed states: the data term
    minus the expectation under ``p(y, h | x_i)``
    (:func:`_kernels._conditional_gradient` for the sums over states and
    hidden units, its 3-D form with factors).

    Returns ``(grads, log_likelihood)``: a dict keyed ``W, a, A, c, C`` (and
    ``Fx, Fy, Fh`` with factors) of sums over the rows, and the per-row
    ``log p(y_i | x_i)``.
    """
    Y = states[index]
    if _has_factors(P):
        Fx, Fy, Fh = P[5:]
        base, pre3, V, Sy = _factored_inputs(X, P, states)
        log_p, T = np.empty_like(base), np.empty_like(pre3)
        _kernels._conditional_gradient_3d(base, pre3, index, log_p, T)
        g_h = T.sum(axis=1)
        R = T @ Fh  # (n, S, F)
        VS = V[:, None, :] * Sy[None]
        grads = {
            "W": T.sum(axis=0).T @ states,
            "Fx": (R * Sy[None]).sum(axis=1).T @ X,
            "Fy": states.T @ (R * V[:, None, :]).sum(axis=0),
            "Fh": T.reshape(-1, T.shape[2]).T @ VS.reshape(-1, VS.shape[2]),
        }
    else:
        base, ch, YW = _enumeration_inputs(X, P, states)
        log_p = np.empty_like(base)
        h_data, g_h = np.empty_like(ch), np.empty_like(ch)
        M = np.empty_like(YW)
        _kernels._conditional_gradient(base, ch, YW, index, log_p, h_data, g_h, M)
        grads = {"W": h_data.T @ Y - M.T @ states}
    g_y = Y - np.exp(log_p) @ states
    grads.update({"a": g_y.sum(axis=0), "A": g_y.T @ X, "c": g_h.sum(axis=0), "C": g_h.T @ X})
    return grads, log_p[np.arange(X.shape[0]), index]


def _hidden_input(Y, V, ch, P):
    """``c + C x + W(x) y`` per row."""
    W, a, A, c, C, Fx, Fy, Fh = _unpack(P)
    pre = ch + Y @ W.T
    if Fx.shape[0]:
        pre += ((Y @ Fy) * V) @ Fh.T
    return pre


def _output_input(H, V, ay, P):
    """``a + A x + W(x)^T h`` per row."""
    W, a, A, c, C, Fx, Fy, Fh = _unpack(P)
    pre = ay + H @ W
    if Fx.shape[0]:
        pre += ((H @ Fh) * V) @ Fy.T
    return pre


def cd_gradient(X, Y, P, n_gibbs_steps, rng):
    """CD-k estimate of the gradient of ``sum_i log p(y_i | x_i)``: one chain
    per row, started at ``y_i`` and run under ``x_i``'s biases (and weights)."""
    W, a, A, c, C, Fx, Fy, Fh = _unpack(P)
    dtype = W.dtype
    ay, ch = conditional_biases(X, P)
    V = X @ Fx.T
    h_data = expit(_hidden_input(Y, V, ch, P))
    h = (rng.random(h_data.shape) < h_data).astype(dtype)
    for _ in range(n_gibbs_steps):
        y_neg = (rng.random(Y.shape) < expit(_output_input(h, V, ay, P))).astype(dtype)
        h_neg = expit(_hidden_input(y_neg, V, ch, P))
        h = (rng.random(h_neg.shape) < h_neg).astype(dtype)
    g_y, g_h = Y - y_neg, h_data - h_neg
    grads = {
        "W": h_data.T @ Y - h_neg.T @ y_neg, "a": g_y.sum(axis=0), "A": g_y.T @ X,
        "c": g_h.sum(axis=0), "C": g_h.T @ X,
    }
    if Fx.shape[0]:
        hd, hn, yd, yn = h_data @ Fh, h_neg @ Fh, Y @ Fy, y_neg @ Fy
        grads["Fx"] = (hd * yd - hn * yn).T @ X
        grads["Fy"] = Y.T @ (hd * V) - y_neg.T @ (hn * V)
        grads["Fh"] = h_data.T @ (yd * V) - h_neg.T @ (yn * V)
    return grads


def mean_field(X, P, n_iter):
    """Mean-field marginals ``q(y_l = 1 | x)`` of the outputs: alternating
    ``mu_h = sigmoid(c + C x + W(x) mu_y)``, ``mu_y = sigmoid(a + A x +
    W(x)^T mu_h)``, from ``mu_y = sigmoid(a + A x)``."""
    Fx = _unpack(P)[5]
    ay, ch = conditional_biases(X, P)
    V = X @ Fx.T
    mu_y = expit(ay)
    for _ in range(n_iter):
        mu_h = expit(_hidden_input(mu_y, V, ch, P))
        mu_y = expit(_output_input(mu_h, V, ay, P))
    return mu_y


def _draw_outputs(pre, rng, one_hot):
    """Outputs given their inputs ``pre``: independent bits, or one class per
    row from ``softmax(pre)`` as a one-hot row."""
    u = rng.random(pre.shape[0] if one_hot else pre.shape)
    if not one_hot:
        return (u < expit(pre)).astype(pre.dtype)
    cdf = np.cumsum(softmax(pre, axis=1), axis=1)
    k = np.minimum((cdf < u[:, None] * cdf[:, -1:]).sum(axis=1), pre.shape[1] - 1)
    return np.eye(pre.shape[1], dtype=pre.dtype)[k]


def gibbs_outputs(X, P, n_steps, rng, *, one_hot=False):
    """Draws of ``y`` given each row's ``x`` after ``n_steps`` block Gibbs
    sweeps ``h ~ p(h | x, y)``, ``y ~ p(y | x, h)``, started from ``y`` drawn
    under the output biases ``a + A x`` alone. ``one_hot``: the outputs are
    one class (one-hot rows), else independent binary labels."""
    Fx = _unpack(P)[5]
    dtype = P[0].dtype
    ay, ch = conditional_biases(X, P)
    V = X @ Fx.T
    Y = _draw_outputs(ay, rng, one_hot)
    for _ in range(n_steps):
        h_mean = expit(_hidden_input(Y, V, ch, P))
        H = (rng.random(h_mean.shape) < h_mean).astype(dtype)
        Y = _draw_outputs(_output_input(H, V, ay, P), rng, one_hot)
    return Y
