"""Numba kernels of the conditional RBM over enumerated output states (§20.7).

For row ``i`` and allowed output state ``s`` (a row of ``states``), the
unnormalised log-probability is

    base[i, s] + sum_j softplus(ch[i, j] + YW[s, j])

with ``base = ay @ states^T`` (the output-bias term, a BLAS product done
outside), ``ch`` the input-dependent hidden biases and ``YW = states @ W^T``.
The kernels fuse the sum over hidden units and states. Conventions follow
``_kernels/__init__.py``; the numpy twins are in
``tests/boltzmann/_reference_class.py``.
"""

import math

from numba import njit

from ._class_rbm import _log_normalize_row, _sigmoid, _softplus

__all__ = [
    "_conditional_log_probabilities", "_conditional_gradient",
    "_conditional_log_probabilities_3d", "_conditional_gradient_3d",
]

_NJIT = dict(cache=True, error_model="numpy")


@njit(**_NJIT)
def _conditional_log_probabilities(base, ch, YW, out):
    """``out[i, s] = log p(states[s] | x_i)`` (normalised over the states)."""
    n, n_hidden = ch.shape
    n_states = YW.shape[0]
    for i in range(n):
        for s in range(n_states):
            v = float(base[i, s])
            for j in range(n_hidden):
                v += _softplus(ch[i, j] + YW[s, j])
            out[i, s] = v
        _log_normalize_row(out, i)


@njit(**_NJIT)
def _conditional_gradient(base, ch, YW, index, log_p, h_data, g_h, M):
    """The log-probabilities and the hidden-side terms of the gradient of
    ``sum_i log p(states[index[i]] | x_i)``.

    Writes ``log_p`` (as :func:`_conditional_log_probabilities`),
    ``h_data[i] = sigmoid(ch[i] + YW[index[i]])`` (hidden means given the
    observed output), ``g_h[i] = h_data[i] - sum_s p_is sigmoid(ch[i] +
    YW[s])`` (data minus model hidden means) and accumulates ``M[s] = sum_i
    p_is sigmoid(ch[i] + YW[s])`` (so that the model term of the weight
    gradient is ``M^T states``).
    """
    _conditional_log_probabilities(base, ch, YW, log_p)
    n, n_hidden = ch.shape
    n_states = YW.shape[0]
    M[:, :] = 0.0
    for i in range(n):
        k = index[i]
        for j in range(n_hidden):
            h = _sigmoid(ch[i, j] + YW[k, j])
            h_data[i, j] = h
            g_h[i, j] = h
        for s in range(n_states):
            p = math.exp(log_p[i, s])
            for j in range(n_hidden):
                m = p * _sigmoid(ch[i, j] + YW[s, j])
                g_h[i, j] -= m
                M[s, j] += m


@njit(**_NJIT)
def _conditional_log_probabilities_3d(base, pre3, out):
    """:func:`_conditional_log_probabilities` with per-row hidden inputs
    ``pre3[i, s] = ch[i] + states[s] W(x_i)^T`` (input-dependent weights)."""
    n, n_states, n_hidden = pre3.shape
    for i in range(n):
        for s in range(n_states):
            v = float(base[i, s])
            for j in range(n_hidden):
                v += _softplus(pre3[i, s, j])
            out[i, s] = v
        _log_normalize_row(out, i)


@njit(**_NJIT)
def _conditional_gradient_3d(base, pre3, index, log_p, T):
    """Writes ``log_p`` and ``T[i, s, j] = ([s == index[i]] - p_is)
    sigmoid(pre3[i, s, j])``: the coefficient of every hidden-side
    gradient (``sum_s T[i, s]`` is the data minus model hidden mean)."""
    _conditional_log_probabilities_3d(base, pre3, log_p)
    n, n_states, n_hidden = pre3.shape
    for i in range(n):
        for s in range(n_states):
            a = -math.exp(log_p[i, s])
            if s == index[i]:
                a += 1.0
            for j in range(n_hidden):
                T[i, s, j] = a * _sigmoid(pre3[i, s, j])
