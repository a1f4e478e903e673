"""Unit types of Boltzmann machines.

A unit type says how a layer's units respond to their total input
(``activation``): the conditional mean, how to sample, and the term the layer
contributes to the free energy when it is summed (or integrated) out. Models
(RBM, DBN, DBM) compose unit types instead of branching on them; a new unit
type is a new class here.

All methods are plain numpy on the Python side; the hot training loops have
fused numba versions in ``_kernels.py``.
"""

import numpy as np
from scipy.special import expit

from ..utils.random import check_generator

__all__ = ["BernoulliUnits", "GaussianUnits", "softplus"]


def softplus(x):
    """``log(1 + exp(x))`` computed without overflow."""
    return np.logaddexp(0, x)


class BernoulliUnits:
    """Binary {0, 1} units: p(u = 1 | activation) = sigmoid(activation)."""

    name = "bernoulli"

    @staticmethod
    def mean(activation):
        return expit(activation)

    @staticmethod
    def sample(mean, rng):
        rng = check_generator(rng)
        return (rng.random(mean.shape) < mean).astype(mean.dtype)

    @staticmethod
    def marginal_free_energy(activation):
        """``-log sum_u exp(u * activation)`` summed over units (per row)."""
        return -softplus(activation).sum(axis=-1)


class GaussianUnits:
    """Real units with diagonal precision ``beta``: N(mean, 1 / beta).

    ``activation`` is the conditional mean itself (bias plus input).
    """

    name = "gaussian"

    @staticmethod
    def mean(activation):
        return activation

    @staticmethod
    def sample(mean, rng, precision):
        rng = check_generator(rng)
        noise = rng.standard_normal(mean.shape).astype(mean.dtype, copy=False)
        return mean + noise / np.sqrt(precision).astype(mean.dtype, copy=False)
