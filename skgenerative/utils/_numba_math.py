"""Elementwise math shared by the numba kernels of every family.

``sigmoid_into`` computes a whole vector of logistic sigmoids in a loop that
vectorises: numba's ``exp`` is a scalar libm call on these machines (no SVML),
about 5 ns per unit, while the float32 polynomial below runs at about 1 ns.
"""

import math

import numpy as np
from numba import types
from numba.extending import overload

__all__ = ["FASTMATH", "sigmoid_into"]

#: The safe fastmath subset (DESIGN.md §4): keeps isnan/inf semantics.
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


def sigmoid_into(a, h, scratch):
    """h = sigmoid(a) elementwise; under numba, dispatched on the dtype by the
    overload below (this body runs only with NUMBA_DISABLE_JIT=1)."""
    h[:] = 1.0 / (1.0 + np.exp(-a))


@overload(sigmoid_into, jit_options={"fastmath": FASTMATH, "error_model": "numpy"})
def _sigmoid_into_impl(a, h, scratch):
    if a.dtype == types.float32:
        return _sigmoid_into_float32
    return _sigmoid_into_exact


def _sigmoid_into_exact(a, h, scratch):
    for k in range(a.shape[0]):
        h[k] = 1.0 / (1.0 + math.exp(-a[k]))


def _sigmoid_into_float32(a, h, scratch):
    # exp(-a) = 2^n 2^f with n = round(-a log2 e) and a degree-6 polynomial
    # for 2^f on [-1/2, 1/2] (relative error ~1e-7, float32 rounding level);
    # 2^n is built from its exponent bits in ``scratch`` (int32), so both
    # loops vectorise (libm's expf does not, and costs ~5x more).
    bits = scratch.view(np.float32)
    for k in range(a.shape[0]):
        v = min(max(-a[k], np.float32(-87.0)), np.float32(87.0))
        t = v * np.float32(1.4426950408889634)
        n = np.float32(math.floor(t + np.float32(0.5)))
        f = t - n
        p = np.float32(1.5403530393381606e-4)
        p = p * f + np.float32(1.3333558146428443e-3)
        p = p * f + np.float32(9.618129107628477e-3)
        p = p * f + np.float32(5.550410866482158e-2)
        p = p * f + np.float32(0.2402265069591007)
        p = p * f + np.float32(0.6931471805599453)
        h[k] = p * f + np.float32(1.0)
        scratch[k] = (np.int32(n) + np.int32(127)) << np.int32(23)
    for k in range(a.shape[0]):
        h[k] = np.float32(1.0) / (np.float32(1.0) + h[k] * bits[k])
