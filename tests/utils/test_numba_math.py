import numpy as np
from numba import njit

from skgenerative.utils._numba_math import counter_uniform, draw_key, sigmoid_into, softplus_sum

from tests.utils import _reference as ref


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
    twin = np.random.default_rng(3)
    expected = [ref.stream_key(twin) for _ in range(4)]
    np.testing.assert_array_equal(keys, np.array(expected, dtype=np.uint64))
    # 53 random bits: all distinct, none zero, spread over the range
    assert len(set(keys.tolist())) == 4 and keys.min() > 0
    assert keys.max() > 2**50


@njit
def _sigmoid(a, scratch):
    h = np.empty_like(a)
    sigmoid_into(a, h, scratch)
    return h


def test_sigmoid_into_accuracy_for_each_path():
    from scipy.special import expit

    a = np.concatenate([np.linspace(-40, 40, 2001), np.random.default_rng(0).normal(0, 8, 5000)])
    exact = expit(a)
    fast64 = _sigmoid(a, np.empty(a.size, np.int64))
    libm64 = _sigmoid(a, np.empty(a.size, np.int32))
    a32 = a.astype(np.float32)
    fast32 = _sigmoid(a32, np.empty(a.size, np.int32))
    np.testing.assert_allclose(fast64, exact, rtol=5e-15, atol=0)
    np.testing.assert_allclose(libm64, exact, rtol=1e-15, atol=0)
    # against the sigmoid of the float32-rounded input: the polynomial's own
    # error, ~1e-7 near 0 and growing as |a| * 6e-8 in the tail (float32
    # argument reduction), 2e-6 at |a| = 40 where sigmoid(a) ~ 1e-17
    reference32 = expit(a32.astype(np.float64))
    np.testing.assert_allclose(fast32, reference32, rtol=3e-6, atol=1e-30)
    # the scratch width must not matter (the RBM samplers pass int64)
    np.testing.assert_array_equal(_sigmoid(a32, np.empty(a.size, np.int64)), fast32)
    near_zero = np.abs(a32) < 4
    np.testing.assert_allclose(fast32[near_zero], reference32[near_zero], rtol=3e-7)
    extreme = _sigmoid(np.array([-1e4, -800.0, 800.0, 1e4]), np.empty(4, np.int64))
    assert np.all(extreme[:2] < 1e-300) and np.all(extreme[2:] == 1.0)


def test_softplus_sum_matches_twin_over_the_whole_range():
    """Per term to 1e-15 (relative above 1, absolute below), from the
    underflow of exp to large inputs, and as a sum of a realistic row."""
    rng = np.random.default_rng(0)
    special = np.array([0.0, 1e-300, -1e-300, 1e-10, -1e-10, 36.0, -36.0, 40.0, -40.0,
                        707.0, -707.0, 709.0, -709.0, -800.0, 800.0, -1e6, 1e6])
    terms = np.concatenate([special, np.linspace(-50, 50, 2001)])
    scratch, work = np.empty(1, np.int64), np.empty(1)
    got = np.array([softplus_sum(terms[i : i + 1], scratch, work) for i in range(terms.size)])
    expected = ref.softplus(terms)
    np.testing.assert_array_less(np.abs(got - expected) / np.maximum(1.0, expected), 1e-15)
    row = rng.normal(0.0, 5.0, 784)
    total = softplus_sum(row, np.empty(784, np.int64), np.empty(784))
    assert abs(total - ref.softplus(row).sum()) <= 1e-13 * abs(total)
