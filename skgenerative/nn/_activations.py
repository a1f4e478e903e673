"""Elementwise activations and their derivatives.

``ACTIVATIONS[name](z)`` returns ``a = f(z)``; ``DERIVATIVES[name](z, a)``
returns ``f'(z)`` (given both the pre-activation and the activation, so each
derivative uses whichever is cheaper). Adding an activation is one entry in
each dict, as in :mod:`sklearn.neural_network`.
"""

import numpy as np

__all__ = ["ACTIVATIONS", "DERIVATIVES", "sigmoid", "softplus", "log_sigmoid"]


def sigmoid(z):
    """Logistic function, stable for large ``|z|``; keeps the dtype."""
    z = np.asarray(z)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def softplus(z):
    """``log(1 + exp(z))`` without overflow."""
    z = np.asarray(z)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def log_sigmoid(z):
    """``log sigmoid(z) = -softplus(-z)``."""
    return -softplus(-np.asarray(z))


def _identity(z):
    return z


def _relu(z):
    return np.maximum(z, 0)


#: Slope of ``leaky_relu`` for negative inputs (Radford et al. 2015's
#: discriminators).
LEAKY_SLOPE = 0.2


def _leaky_relu(z):
    return np.where(z > 0, z, z * z.dtype.type(LEAKY_SLOPE))


def _d_identity(z, a):
    return np.ones_like(z)


def _d_sigmoid(z, a):
    return a * (1 - a)


def _d_tanh(z, a):
    return 1 - a * a


def _d_relu(z, a):
    return (z > 0).astype(z.dtype)


def _d_leaky_relu(z, a):
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(LEAKY_SLOPE))


def _d_softplus(z, a):
    return sigmoid(z)


ACTIVATIONS = {
    "linear": _identity,
    "identity": _identity,
    "sigmoid": sigmoid,
    "logistic": sigmoid,
    "tanh": np.tanh,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "softplus": softplus,
}

DERIVATIVES = {
    "linear": _d_identity,
    "identity": _d_identity,
    "sigmoid": _d_sigmoid,
    "logistic": _d_sigmoid,
    "tanh": _d_tanh,
    "relu": _d_relu,
    "leaky_relu": _d_leaky_relu,
    "softplus": _d_softplus,
}
