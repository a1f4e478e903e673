"""Numba kernels of the neural toolkit (fused elementwise work around BLAS).

Every kernel has a plain-numpy twin in ``tests/nn/_reference.py``.
"""

import numpy as np
from numba import njit

from ..utils._numba_math import FASTMATH as _FASTMATH


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def _bernoulli_loglik_grad(X, logits, grad):
    """Row sums of ``x z - softplus(z)`` (float64) and, in ``grad``,
    ``x - sigmoid(z)``: the Bernoulli log-likelihood and its gradient w.r.t.
    the logits in one pass."""
    n, d = logits.shape
    out = np.empty(n)
    for i in range(n):
        s = 0.0
        for j in range(d):
            z = logits[i, j]
            x = X[i, j]
            if z >= 0:
                e = np.exp(-z)
                sp = z + np.log1p(e)
                p = 1.0 / (1.0 + e)
            else:
                e = np.exp(z)
                sp = np.log1p(e)
                p = e / (1.0 + e)
            s += x * z - sp
            grad[i, j] = x - p
        out[i] = s
    return out


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def _bernoulli_loglik(X, logits):
    """Row sums of ``x z - softplus(z)`` in float64."""
    n, d = logits.shape
    out = np.empty(n)
    for i in range(n):
        s = 0.0
        for j in range(d):
            z = logits[i, j]
            if z >= 0:
                sp = z + np.log1p(np.exp(-z))
            else:
                sp = np.log1p(np.exp(z))
            s += X[i, j] * z - sp
        out[i] = s
    return out


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def _adam_update(param, grad, m, v, beta1, beta2, step_size, epsilon):
    """One fused Adam step on flat arrays (in place): moments, then
    ``param += step_size * m / (sqrt(v) + epsilon)``; ``step_size`` carries
    the sign and the folded bias corrections."""
    for i in range(param.shape[0]):
        g = grad[i]
        mi = beta1 * m[i] + (1.0 - beta1) * g
        vi = beta2 * v[i] + (1.0 - beta2) * g * g
        m[i] = mi
        v[i] = vi
        param[i] += step_size * mi / (np.sqrt(vi) + epsilon)
