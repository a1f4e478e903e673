"""Plain-numpy twins of the numba helpers of ``skgenerative/utils/_numba_math.py``.

Slow and obvious on purpose: each function restates the math of a kernel so
that a test can check the kernel against it. Random draws are consumed in the
same order as the kernels, so the twins see the same stream. Tests import a
family's twins as ``from tests.<family> import _reference as ref``.
"""

import numpy as np


def counter_uniforms(key, n):
    """Draws 0..n-1 of the SplitMix64 stream ``key`` (twin of
    ``utils._numba_math.counter_uniform``), vectorised with uint64 wrap-around."""
    z = np.uint64(key) + np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / 9007199254740992.0


def stream_key(rng):
    """A stream key drawn like ``utils._numba_math.draw_key``: 53 random bits
    from one ``rng.random()``."""
    return np.uint64(rng.random() * 9007199254740992.0)


def softplus(x):
    """Twin of ``utils._numba_math.softplus_sum`` term by term."""
    return np.logaddexp(0.0, x)
