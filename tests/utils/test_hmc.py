import numpy as np
import pytest

from skgenerative.utils.hmc import HamiltonianMonteCarlo, adapt_step_size, hmc_transition

COV = np.array([[1.0, 0.9, 0.2], [0.9, 1.5, -0.3], [0.2, -0.3, 0.5]])
MEAN = np.array([1.0, -2.0, 0.5])
PREC = np.linalg.inv(COV)


def gaussian_energy_grad(x):
    d = x - MEAN
    g = d @ PREC
    return 0.5 * np.einsum("ij,ij->i", d, g), g


def test_moments_of_correlated_gaussian_within_monte_carlo_error():
    n_chains = 4000
    hmc = HamiltonianMonteCarlo(gaussian_energy_grad, n_leapfrog=10, target_acceptance=0.7,
                                random_state=0)
    start = np.full((n_chains, 3), 4.0)  # far from the mode: burn-in must move there
    hmc.burn_in(start, n_steps=60)
    x = hmc.run(n_steps=20)
    # the chains are independent: moments of their final positions
    se_mean = np.sqrt(np.diag(COV) / n_chains)
    assert np.all(np.abs(x.mean(axis=0) - MEAN) < 4 * se_mean)
    sd = np.sqrt(np.diag(COV))
    se_cov = np.sqrt((np.outer(sd, sd) ** 2 + COV**2) / n_chains)
    assert np.all(np.abs(np.cov(x, rowvar=False) - COV) < 4 * se_cov)
    assert abs(hmc.acceptance_rate_ - 0.7) < 0.06


def test_step_size_adapts_in_burn_in_only():
    hmc = HamiltonianMonteCarlo(gaussian_energy_grad, step_size=2.0, n_leapfrog=5,
                                target_acceptance=0.8, random_state=1)
    hmc.burn_in(np.zeros((200, 3)), n_steps=80)
    assert hmc.step_size_ < 2.0  # far too large a start: shrunk
    step = hmc.step_size_
    trace = hmc.run(n_steps=5, return_trace=True)
    assert hmc.step_size_ == step and trace.shape == (5, 200, 3)
    np.testing.assert_array_equal(trace[-1], hmc.positions_)
    assert abs(hmc.acceptance_rate_ - 0.8) < 0.1


def test_transition_is_reversible_and_rejects_nan():
    # a zero-length trajectory (energy unchanged) always accepts
    x = np.random.default_rng(0).normal(size=(50, 3))
    rng = np.random.default_rng(1)
    x_new, acc = hmc_transition(gaussian_energy_grad, x, 1e-9, 1, rng)
    assert acc.all() and np.allclose(x_new, x, atol=1e-8)

    def nan_energy(z):
        e, g = gaussian_energy_grad(z)
        return np.where(z[:, 0] > -100, np.nan, e), g

    x_new, acc = hmc_transition(nan_energy, x, 0.1, 3, rng)
    assert not acc.any()
    np.testing.assert_array_equal(x_new, x)


def test_same_seed_same_chains_and_float32_kept():
    a = HamiltonianMonteCarlo(gaussian_energy_grad, random_state=3)
    b = HamiltonianMonteCarlo(gaussian_energy_grad, random_state=3)
    start = np.zeros((20, 3), dtype=np.float32)
    xa = a.burn_in(start, 5).run(3)
    xb = b.burn_in(start, 5).run(3)
    np.testing.assert_array_equal(xa, xb)
    assert a.positions_.dtype == np.float32


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="step_size"):
        HamiltonianMonteCarlo(gaussian_energy_grad, step_size=0.0)
    with pytest.raises(ValueError, match="target_acceptance"):
        HamiltonianMonteCarlo(gaussian_energy_grad, target_acceptance=1.0)
    with pytest.raises(ValueError, match="n_leapfrog"):
        HamiltonianMonteCarlo(gaussian_energy_grad, n_leapfrog=0)
    with pytest.raises(TypeError, match="callable"):
        HamiltonianMonteCarlo(None)
    hmc = HamiltonianMonteCarlo(gaussian_energy_grad)
    with pytest.raises(RuntimeError, match="burn_in"):
        hmc.run()
    with pytest.raises(ValueError, match="finite 2-D"):
        hmc.burn_in(np.array([[np.nan, 0.0, 0.0]]))
    assert adapt_step_size(1.0, 0.9, 0.65, 0.1) > 1.0 > adapt_step_size(1.0, 0.3, 0.65, 0.1)
