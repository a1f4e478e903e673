import numpy as np
import pytest

from skgenerative import MeanCovarianceRBM
from skgenerative.boltzmann import _mcrbm_math as mc
from skgenerative.boltzmann._covariance_ais import forward_ais, hmc_transition_of
from skgenerative.exceptions import OutOfSupportWarning
from skgenerative.utils.hmc import HamiltonianMonteCarlo
from tests.boltzmann import _reference_cov as ref
from tests.boltzmann.test_ssrbm import _patches


def tiny_params(seed=0, n_mean=2, n_cov=2, n_factors=3, d=2, dtype=np.float64):
    rng = np.random.default_rng(seed)
    p = mc.MCParams(
        W=rng.normal(0, 0.8, (n_mean, d)), b_mean=rng.normal(0, 1, n_mean),
        C=mc.unit_rows(rng.normal(size=(n_factors, d))),
        P=rng.uniform(0, 1.5, (n_cov, n_factors)), b_cov=rng.normal(0, 1, n_cov),
        lam=rng.uniform(0.7, 1.5, d),
    )
    return mc.MCParams(*(np.asarray(a, dtype=dtype) for a in p))


def test_free_energy_matches_brute_force_enumeration():
    p = tiny_params(1, d=3)
    X = np.random.default_rng(2).normal(size=(4, 3))
    expected = [ref.mc_free_energy_by_enumeration(x, p) for x in X]
    np.testing.assert_allclose(mc.free_energy(X, p), expected, rtol=1e-10)
    F, _ = mc.energy_grad(X, p)
    np.testing.assert_allclose(F, expected, rtol=1e-10)


def test_exact_log_partition_matches_quadrature_on_tiny_model():
    p = tiny_params(0)
    quad = ref.log_partition_by_quadrature_2d(lambda G: mc.free_energy(G, p))
    assert abs(mc.exact_log_partition(p) - quad) < 1e-6


def test_gradients_match_finite_differences():
    p = tiny_params(3, d=4)
    X = np.random.default_rng(4).normal(size=(6, 4))
    eps = 1e-6
    # in x (what HMC uses)
    _, grad = mc.energy_grad(X, p)
    numeric = np.stack([(mc.free_energy(X + eps * e, p) - mc.free_energy(X - eps * e, p))
                        / (2 * eps) for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
    # in the parameters (log Lambda for the precision)
    numeric = ref.parameter_finite_differences(lambda q: mc.free_energy(X, q).mean(), p,
                                               log_fields=("lam",))
    for i, (g, n) in enumerate(zip(mc.free_energy_gradients(X, p), numeric)):
        np.testing.assert_allclose(g, n, rtol=1e-5, atol=1e-8, err_msg=str(i))


def test_hmc_on_the_free_energy_matches_exact_moments():
    p = tiny_params(5)
    mean, cov = ref.mc_mixture_moments(p)
    n_chains = 3000
    hmc = HamiltonianMonteCarlo(lambda Z: mc.energy_grad(Z, p), n_leapfrog=10,
                                target_acceptance=0.8, random_state=0)
    hmc.burn_in(np.zeros((n_chains, 2)), n_steps=60)
    ref.assert_moments_match(hmc.run(n_steps=20), mean, cov)


def test_block_gibbs_matches_exact_moments():
    p = tiny_params(5)
    mean, cov = ref.mc_mixture_moments(p)
    rng = np.random.default_rng(0)
    Z = np.zeros((3000, 2))
    for _ in range(30):
        Z = mc.gibbs_sweep(Z, p, rng)
    ref.assert_moments_match(Z, mean, cov)


def test_gibbs_ais_within_a_tenth_of_a_nat_of_exact():
    p = tiny_params(6, n_mean=3, n_cov=3, d=3)
    exact = mc.exact_log_partition(p)
    result = forward_ais(mc, p, mc.base_log_partition(p), 100, 300, mc.gibbs_sweep,
                         np.random.default_rng(0))
    assert abs(result.log_z - exact) < 0.1
    assert result.log_z_std < 0.1


def test_ais_within_a_tenth_of_a_nat_of_exact():
    p = tiny_params(6, n_mean=3, n_cov=3, d=3)
    exact = mc.exact_log_partition(p)
    result = forward_ais(mc, p, mc.base_log_partition(p), 100, 300,
                         hmc_transition_of(mc, 0.3, 5), np.random.default_rng(0))
    assert abs(result.log_z - exact) < 0.1
    assert result.log_z_std < 0.1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_math_keeps_dtype(dtype):
    p = tiny_params(7, dtype=dtype)
    Z = np.random.default_rng(0).normal(size=(5, 2)).astype(dtype)
    F, grad = mc.energy_grad(Z, p)
    assert F.dtype == dtype and grad.dtype == dtype
    assert all(g.dtype == dtype for g in mc.free_energy_gradients(Z, p))


def test_fitted_model_density_integrates_to_one_and_constraints_hold():
    X = _patches() + np.array([3.0, -1.0])
    model = MeanCovarianceRBM(n_components=2, n_covariance_components=3, max_iter=4,
                              batch_size=20, random_state=0).fit(X)
    np.testing.assert_allclose(np.linalg.norm(model.factors_, axis=1), 1.0, rtol=1e-6)
    assert np.all(model.factor_loadings_ >= 0)
    assert 0.0 < model.hmc_acceptance_rate_ <= 1.0
    t = np.linspace(-12, 12, 301)
    xx, yy = np.meshgrid(t + 3.0, t - 1.0, indexing="ij")
    dens = np.exp(model.score_samples(np.column_stack([xx.ravel(), yy.ravel()])))
    total = np.trapezoid(np.trapezoid(dens.reshape(301, 301), t, axis=1), t)
    assert total == pytest.approx(1.0, abs=1e-4)


def test_learns_covariance_beyond_a_full_gaussian():
    from scipy.stats import multivariate_normal

    X = _patches(2000)
    X_test = _patches(1000, seed=1)
    model = MeanCovarianceRBM(n_components=2, n_covariance_components=4,
                              random_state=0).fit(X)
    full = multivariate_normal(X.mean(axis=0), np.cov(X, rowvar=False)).logpdf(X_test).mean()
    assert model.score(X_test) > full


def test_ais_score_is_labelled_and_bad_input_rejected():
    X = _patches(200)
    kw = dict(n_components=2, n_covariance_components=2, max_iter=2, random_state=0)
    exact = MeanCovarianceRBM(**kw).fit(X)
    ais = MeanCovarianceRBM(log_z="ais", ais_n_temperatures=300, **kw).fit(X)
    assert exact.score_kind_ == "exact" and ais.score_kind_ == "estimate"
    assert abs(ais.log_partition_ - exact.log_partition_) < 0.1
    assert np.all(ais.score_samples(X[:3], return_std=True)[1] > 0)
    with pytest.raises(ValueError, match="NaN"):
        exact.score_samples(np.array([[np.nan, 0.0]]))
    with pytest.raises(ValueError, match="features"):
        exact.transform(np.zeros((2, 3)))
    with pytest.warns(OutOfSupportWarning, match="unstandardised"):
        MeanCovarianceRBM(**kw).fit(X * 100)



def test_hidden_importance_sampling_and_pooled_ais_match_exact():
    p = tiny_params(4, n_mean=4, n_cov=5, n_factors=4, d=3)
    exact = mc.exact_log_partition(p)
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(200, 3)) / np.sqrt(p.lam)
    for _ in range(30):
        Z = mc.gibbs_sweep(Z, p, rng)
    # every state's log p~(h) (x integrated) sums to the exact log Z
    H = mc._states(9)
    log_w = mc.hidden_log_weights(H[:, :4], H[:, 4:], p)
    assert abs(np.logaddexp.reduce(log_w) - exact) < 1e-9
    for anchors, n in [(Z, 3000), (3.0 * Z[:10], 20000)]:
        log_w = mc.hidden_importance_weights(p, anchors, n, rng)
        assert abs(np.logaddexp.reduce(log_w) - np.log(n) - exact) < 0.05
    pooled = mc.ais_log_partition(p, 20, 5, np.random.default_rng(1))
    assert abs(pooled.log_z - exact) < 0.05 and pooled.n_runs == 420
