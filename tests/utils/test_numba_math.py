import numpy as np
from numba import njit

from skgenerative.utils._numba_math import counter_uniform, draw_key

from .. import _reference as ref


@njit
def _stream(key, n):
    out = np.empty(n)
    for i in range(n):
        out[i] = counter_uniform(key, np.uint64(i))
    return out


def test_counter_uniforms_match_twin_and_python_body():
    key = np.uint64(0xDEADBEEF12345)
    compiled = _stream(key, 1000)
    np.testing.assert_array_equal(compiled, ref.counter_uniforms(key, 1000))
    python = [counter_uniform(key, i) for i in range(1000)]  # the un-jitted body
    np.testing.assert_array_equal(compiled, python)


def test_counter_uniforms_look_uniform_and_independent():
    u = _stream(np.uint64(12345), 200_000)
    assert 0.0 <= u.min() and u.max() < 1.0
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    expected = len(u) / 20
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 43.8  # 99.9 % quantile, 19 degrees of freedom
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01
    other = _stream(np.uint64(12346), 200_000)
    assert abs(np.corrcoef(u, other)[0, 1]) < 0.01


@njit
def _keys(rng, n):
    out = np.empty(n, np.uint64)
    for i in range(n):
        out[i] = draw_key(rng)
    return out


def test_draw_key_follows_the_numpy_generator_stream():
    keys = _keys(np.random.default_rng(3), 4)
    expected = np.random.default_rng(3).integers(0, 2**63 - 1, size=4)
    np.testing.assert_array_equal(keys, expected.astype(np.uint64))
