"""Plain-numpy twins of the kernels of ``skgenerative/nn/_kernels.py``.

Slow and obvious on purpose: each function restates the math of a kernel so
that a test can check the kernel against it. Random draws are consumed in the
same order as the kernels, so the twins see the same stream. Tests import a
family's twins as ``from tests.<family> import _reference as ref``.
"""

import numpy as np


def bernoulli_loglik_grad(X, logits):
    """Twin of ``_bernoulli_loglik_grad``: (row log-likelihoods, x - sigmoid(z))."""
    z = logits.astype(np.float64)
    ll = (X * z - np.logaddexp(0.0, z)).sum(axis=1)
    return ll, (X - 1.0 / (1.0 + np.exp(-z))).astype(logits.dtype)


def bernoulli_loglik(X, logits):
    """Twin of ``_bernoulli_loglik``."""
    return bernoulli_loglik_grad(X, logits)[0]


def adam_update(param, grad, m, v, beta1, beta2, step_size, epsilon):
    """Twin of ``_adam_update`` (returns new arrays)."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param + step_size * m / (np.sqrt(v) + epsilon), m, v
