"""Exact log partition function of an RBM by enumeration of one layer (Gray code)."""

import numpy as np
from numba import njit, prange

from ...utils._numba_math import softplus_sum
from ._elementwise import _NJIT


@njit(**_NJIT)
def _lowest_set_bit(g):
    t = 0
    while (g >> t) & 1 == 0:
        t += 1
    return t


@njit(cache=True, error_model="numpy", parallel=True)
def _log_partition_enum(W, b_other, c_enum, beta, n_blocks):
    """log sum over the 2^n binary states ``h`` of the enumerated layer of
    ``c_enum . h + sum_j f_j(b_other_j + (W.T h)_j)``.

    ``W`` has shape (n_enum, n_other). With ``beta`` empty the other layer is
    binary and ``f = softplus`` (its sum was done analytically); otherwise it
    is Gaussian with precisions ``beta`` and ``f_j(a) = beta_j a^2 / 2``
    (the Gaussian integral up to constants the caller adds).

    States are visited in Gray-code order so that each step adds or removes
    one row of ``W`` (O(n_other) per state); every block restarts from an
    exact sum so rounding does not accumulate. Everything is float64.
    """
    n_enum, n_other = W.shape
    n_states = np.int64(1) << n_enum
    block = n_states // n_blocks
    maxes = np.empty(n_blocks)
    sums = np.empty(n_blocks)
    gaussian = beta.shape[0] > 0
    for blk in prange(n_blocks):
        first = blk * block
        a = np.empty(n_other)
        scratch = np.empty(n_other, np.int64)
        work = np.empty(n_other)
        code = first ^ (first >> 1)
        lin = 0.0
        for j in range(n_other):
            a[j] = b_other[j]
        for i in range(n_enum):
            if (code >> i) & 1:
                lin += c_enum[i]
                for j in range(n_other):
                    a[j] += W[i, j]
        running_max = -np.inf
        running_sum = 0.0
        for g in range(first, first + block):
            if g > first:
                bit = _lowest_set_bit(g)
                sign = 1.0 if ((g ^ (g >> 1)) >> bit) & 1 else -1.0
                lin += sign * c_enum[bit]
                for j in range(n_other):
                    a[j] += sign * W[bit, j]
            value = lin
            if gaussian:
                for j in range(n_other):
                    value += 0.5 * beta[j] * a[j] * a[j]
            else:
                value += softplus_sum(a, scratch, work)
            if value > running_max:
                running_sum = running_sum * np.exp(running_max - value) + 1.0
                running_max = value
            else:
                running_sum += np.exp(value - running_max)
        maxes[blk] = running_max
        sums[blk] = running_sum
    top = maxes.max()
    total = 0.0
    for blk in range(n_blocks):
        total += sums[blk] * np.exp(maxes[blk] - top)
    return top + np.log(total)
