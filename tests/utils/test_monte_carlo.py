import numpy as np
import pytest

from skgenerative.utils._monte_carlo import log_mean_exp_and_std


@pytest.mark.parametrize("axis", [0, 1])
def test_log_mean_and_std_match_a_direct_numpy_computation(axis):
    rng = np.random.default_rng(0)
    log_w = rng.normal(size=(50, 7)) * 2.0
    w = np.exp(log_w)
    k = w.shape[axis]
    log_mean, std = log_mean_exp_and_std(log_w, axis=axis)
    np.testing.assert_allclose(log_mean, np.log(w.mean(axis=axis)), rtol=1e-12)
    np.testing.assert_allclose(std, np.sqrt(w.var(axis=axis) / k) / w.mean(axis=axis), rtol=1e-12)
    assert log_mean.dtype == std.dtype == np.float64


def test_stable_for_weights_far_outside_the_float_range():
    log_w = np.random.default_rng(1).normal(size=(30, 4))
    log_mean, std = log_mean_exp_and_std(log_w)
    for shift in (-5000.0, 5000.0):
        shifted_mean, shifted_std = log_mean_exp_and_std(log_w + shift)  # exp would overflow
        np.testing.assert_allclose(shifted_mean, log_mean + shift, rtol=1e-12)
        np.testing.assert_allclose(shifted_std, std, rtol=1e-9)


def test_equal_weights_have_zero_error_and_zero_weights_infinite_error():
    log_mean, std = log_mean_exp_and_std(np.full((5, 2), -3.0))
    np.testing.assert_allclose(log_mean, -3.0)
    np.testing.assert_array_equal(std, 0.0)
    log_mean, std = log_mean_exp_and_std(np.full((5, 1), -np.inf))
    assert log_mean[0] == -np.inf and std[0] == np.inf
