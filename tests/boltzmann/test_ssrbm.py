import numpy as np
import pytest

from skgenerative import SpikeSlabRBM
from skgenerative.boltzmann import _ssrbm_math as ss
from skgenerative.exceptions import OutOfSupportWarning, PartitionFunctionError
from tests.boltzmann import _reference_cov as ref


def tiny_params(seed=0, n=2, d=2, dtype=np.float64):
    rng = np.random.default_rng(seed)
    p = ss.SSParams(
        W=rng.normal(0, 0.8, (n, d)), b=rng.normal(0, 1, n), mu=rng.normal(0, 0.7, n),
        alpha=rng.uniform(1.0, 2.0, n), phi=rng.uniform(0, 0.5, (n, d)),
        lam=rng.uniform(1.0, 2.0, d),
    )
    p = p._replace(W=ss.enforce_positive_definite(p, 0.3))
    return ss.SSParams(*(np.asarray(a, dtype=dtype) for a in p))


def test_free_energy_matches_energy_integrated_numerically():
    p = tiny_params(1)
    X = np.random.default_rng(2).normal(size=(3, 2))
    expected = [ref.free_energy_by_quadrature(x, p) for x in X]
    np.testing.assert_allclose(ss.free_energy(X, p), expected, rtol=1e-7, atol=1e-8)


def test_exact_log_partition_matches_quadrature_on_tiny_model():
    p = tiny_params(0)
    assert ss.pd_ratio(p) < 1
    quad = ref.log_partition_by_quadrature_2d(lambda G: ss.free_energy(G, p))
    assert abs(ss.exact_log_partition(p) - quad) < 1e-6


def test_free_energy_gradients_match_finite_differences():
    p = tiny_params(3, n=3, d=4)
    X = np.random.default_rng(4).normal(size=(7, 4))
    numeric = ref.parameter_finite_differences(lambda q: ss.free_energy(X, q).mean(), p,
                                               log_fields=("alpha", "lam"))
    grads = list(ss.free_energy_gradients(X, p))
    # the x-independent term of alpha's gradient is left out: add it back
    grads[3] = grads[3] + 0.5  # d/dlog(alpha) of -log(2 pi / alpha) / 2
    for i, (g, n) in enumerate(zip(grads, numeric)):
        np.testing.assert_allclose(g, n, rtol=1e-5, atol=1e-7, err_msg=str(i))


def test_gibbs_sampler_matches_exact_moments():
    p = tiny_params(5, n=2, d=2)
    mean, cov = ref.mixture_moments(p)
    rng = np.random.default_rng(6)
    n_chains = 4000
    Z = rng.normal(size=(n_chains, 2)) / np.sqrt(p.lam)
    for _ in range(100):
        Z = ss.gibbs_sweep(Z, p, rng)
    ref.assert_moments_match(Z, mean, cov)


def test_spike_state_integrals_sum_to_the_quadrature_log_partition():
    p = tiny_params(7, n=3, d=2)
    log_w = ss.spike_state_terms(p, 0, 8)[0]
    quad = ref.log_partition_by_quadrature_2d(lambda G: ss.free_energy(G, p))
    assert abs(np.logaddexp.reduce(log_w) - quad) < 1e-6


def test_ais_within_a_tenth_of_a_nat_of_exact():
    p = tiny_params(8, n=4, d=3)
    exact = ss.exact_log_partition(p)
    result = ss.ais_log_partition(p, 200, 1000, np.random.default_rng(0))
    assert abs(result.log_z - exact) < 0.1
    assert result.log_z_std < 0.1


def test_spike_importance_sampling_matches_exact_log_partition():
    # 10 spikes (1,024 states): anchors from Gibbs chains, and far-off
    # anchors (a poor proposal is still unbiased, only noisier)
    p = tiny_params(10, n=10, d=3)
    exact = ss.exact_log_partition(p)
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(300, 3)) / np.sqrt(p.lam)
    for _ in range(50):
        Z = ss.gibbs_sweep(Z, p, rng)
    log_z, std, ess = ss.importance_log_partition(p, Z, 4000, rng)
    assert abs(log_z - exact) < 0.05 and std < 0.05 and ess > 1000
    log_z, std, ess = ss.importance_log_partition(p, 3.0 * Z[:20], 20000, rng)
    assert abs(log_z - exact) < max(0.1, 4 * std)
    # spike_terms of the enumerated states is spike_state_terms
    np.testing.assert_array_equal(ss.spike_terms(p, ss._spike_states(10, 5, 9))[0],
                                  ss.spike_state_terms(p, 5, 9)[0])


def test_ais_pooled_with_spike_sampling_survives_a_short_schedule():
    # a peaked model and 3 temperatures: forward AIS alone is off by more
    # than a quarter nat, the pooled estimate is not
    from types import SimpleNamespace

    from skgenerative.boltzmann._covariance_ais import forward_ais

    p = tiny_params(0, n=10, d=3)
    p = p._replace(b=p.b * 4, mu=p.mu * 3, phi=p.phi * 10)
    p = p._replace(W=ss.enforce_positive_definite(p, 0.05))
    exact = ss.exact_log_partition(p)
    this = SimpleNamespace(annealed=ss.annealed, free_energy=ss.free_energy)
    alone = forward_ais(this, p, ss.base_log_partition(p), 20, 3, ss.gibbs_sweep,
                        np.random.default_rng(0))
    assert abs(alone.log_z - exact) > 0.25
    pooled = ss.ais_log_partition(p, 20, 3, np.random.default_rng(0))
    assert abs(pooled.log_z - exact) < 0.05
    assert pooled.n_runs == 20 + 400 and pooled.direction == "forward"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sweep_and_free_energy_keep_dtype(dtype):
    p = tiny_params(9, dtype=dtype)
    Z = np.random.default_rng(0).normal(size=(5, 2)).astype(dtype)
    assert ss.gibbs_sweep(Z, p, np.random.default_rng(1)).dtype == dtype
    assert ss.free_energy(Z, p).dtype == dtype
    p64 = ss.SSParams(*(a.astype(np.float64) for a in p))
    np.testing.assert_allclose(ss.free_energy(Z, p), ss.free_energy(Z.astype(np.float64), p64),
                               rtol=1e-4 if dtype == np.float32 else 1e-12)


def test_positive_definiteness_is_enforced_and_violations_name_the_fix():
    p = tiny_params(10, n=3, d=2)
    bad = p._replace(lam=p.lam * 0.01)
    assert ss.pd_ratio(bad) > 1
    repaired = bad._replace(W=ss.enforce_positive_definite(bad, 0.2))
    assert ss._spectral_ratio(repaired.W, repaired.alpha, repaired.lam) == pytest.approx(0.8)
    assert ss.pd_ratio(repaired) <= 0.8 + 1e-12
    with pytest.raises(PartitionFunctionError, match="Multiply precision_"):
        ss.check_positive_definite(bad, "SpikeSlabRBM")
    with pytest.raises(PartitionFunctionError, match="precision_"):
        ss.exact_log_partition(bad)


def _all_precisions_min_eigenvalue(p):
    n = p.W.shape[0]
    _, prec, _ = ss.spike_state_terms(p, 0, 1 << n)
    return np.linalg.eigvalsh(prec)[:, 0].min()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_split_condition_keeps_every_spike_state_normalisable(seed):
    # large spike precisions on some units: the split heuristic lets their
    # filters grow past what Lambda alone allows, and every P_h stays
    # positive definite (all 2**n states enumerated)
    p = tiny_params(seed, n=6, d=3)
    rng = np.random.default_rng(seed)
    phi = np.where(rng.random((6, 1)) < 0.5, rng.uniform(20, 50, (6, 3)), 0.0)
    p = p._replace(W=3.0 * rng.normal(size=(6, 3)), phi=phi, lam=p.lam * 0.5)
    split = p._replace(W=ss.enforce_positive_definite(p, 0.1, split=True))
    shared = p._replace(W=ss.enforce_positive_definite(p, 0.1))
    assert ss.pd_ratio(split) <= 0.9 + 1e-9
    assert np.all(ss.self_covered_ratio(split)[ss.self_covered_ratio(split) <= 1] <= 0.9 + 1e-9)
    assert _all_precisions_min_eigenvalue(split) > 0
    # the covered units keep larger filters than the shared condition allows
    covered = ss.self_covered_ratio(split) <= 1
    assert covered.any()
    assert np.all(np.abs(split.W[covered]).sum(1) > np.abs(shared.W[covered]).sum(1))
    assert ss._spectral_ratio(split.W, split.alpha, split.lam) > 1  # invalid under "shared"
    ss.check_positive_definite(split, "SpikeSlabRBM")  # valid: no error
    # idempotent
    np.testing.assert_allclose(ss.enforce_positive_definite(split, 0.1, split=True), split.W,
                               rtol=1e-12)


def test_exact_log_partition_of_a_split_normalised_model_matches_quadrature():
    p = tiny_params(4, n=3, d=2)
    p = p._replace(W=np.array([[4.0, 1.0], [0.3, 0.2], [-0.5, 2.0]]),
                   phi=np.array([[30.0, 10.0], [0.0, 0.0], [5.0, 40.0]]))
    p = p._replace(W=ss.enforce_positive_definite(p, 0.1, split=True))
    assert ss._spectral_ratio(p.W, p.alpha, p.lam) > 1
    quad = ref.log_partition_by_quadrature_2d(lambda G: ss.free_energy(G, p), lim=12.0, n=601)
    assert abs(ss.exact_log_partition(p) - quad) < 1e-5


def _patches(n=400, seed=0):
    # two-dimensional data with scale mixing: a Gaussian scale mixture
    rng = np.random.default_rng(seed)
    scale = np.where(rng.random(n) < 0.5, 0.3, 1.6)
    L = np.array([[1.0, 0.0], [0.8, 0.6]])
    return (rng.normal(size=(n, 2)) @ L.T) * scale[:, None]


def _two_scales(n, seed=0):
    # half the rows nearly flat (scale 0.03), half at scale 1.5: the
    # precision ratio of whitened image patches in two dimensions
    rng = np.random.default_rng(seed)
    scale = np.where(rng.random(n) < 0.5, 0.03, 1.5)
    return (rng.normal(size=(n, 2)) @ np.array([[1.0, 0.8], [0.0, 0.6]])) * scale[:, None]


def test_fitted_model_density_integrates_to_one():
    X = _patches() + np.array([3.0, -1.0])  # an offset: mean_ must be handled
    model = SpikeSlabRBM(n_components=3, max_iter=5, batch_size=20, learning_rate=0.01,
                         random_state=0).fit(X)
    assert model.score_kind_ == "exact"
    t = np.linspace(-12, 12, 301)
    xx, yy = np.meshgrid(t + 3.0, t - 1.0, indexing="ij")
    dens = np.exp(model.score_samples(np.column_stack([xx.ravel(), yy.ravel()])))
    total = np.trapezoid(np.trapezoid(dens.reshape(301, 301), t, axis=1), t)
    assert total == pytest.approx(1.0, abs=1e-4)


def test_learns_covariance_beyond_a_diagonal_gaussian():
    from scipy.stats import multivariate_normal

    X = _patches(2000)
    X_test = _patches(1000, seed=1)
    model = SpikeSlabRBM(n_components=4, random_state=0).fit(X)
    diag = multivariate_normal(X.mean(axis=0), np.diag(X.var(axis=0))).logpdf(X_test).mean()
    full = multivariate_normal(X.mean(axis=0), np.cov(X, rowvar=False)).logpdf(X_test).mean()
    assert model.score(X_test) > full > diag


def test_spike_precisions_reach_the_scale_of_flat_data():
    # whitened image patches are half flat: the spike-gated precisions must
    # grow to many times Lambda. Trained in log(Phi + Lambda) they do; with
    # additive steps (before) Phi stayed near 0 and the model scored below a
    # full Gaussian on this two-scale mixture (-2.48 against -2.45). 40
    # epochs: under the linear schedule 20 epochs of 30 updates move Phi
    # half as far (Phi 9.5, -1.84 nats; at a constant rate -0.65)
    from scipy.stats import multivariate_normal

    X, X_test = _two_scales(3000), _two_scales(1000, seed=1)
    model = SpikeSlabRBM(n_components=4, max_iter=40, random_state=0).fit(X)
    full = multivariate_normal(X.mean(axis=0), np.cov(X, rowvar=False)).logpdf(X_test).mean()
    assert model.spike_precision_.max() > 50 * model.precision_.max()
    assert model.score(X_test) > full + 1.5


def test_linear_schedule_falls_to_zero_and_partial_fit_runs_at_the_full_rate():
    X = _patches(200)
    params = dict(n_components=3, max_iter=4, batch_size=50, random_state=0)
    rates = []
    original = SpikeSlabRBM._begin_epoch

    def spy(self, epoch, n_epochs):
        original(self, epoch, n_epochs)
        rates.append(self._current_learning_rate)

    SpikeSlabRBM._begin_epoch = spy
    try:
        model = SpikeSlabRBM(**params).fit(X)
        linear = model.components_.copy()
        model.partial_fit(X)
        constant = SpikeSlabRBM(**params, learning_rate_schedule="constant").fit(X)
    finally:
        SpikeSlabRBM._begin_epoch = original
    np.testing.assert_allclose(rates, [0.01, 0.0075, 0.005, 0.0025] + [0.01] + [0.01] * 4)
    assert not np.allclose(linear, constant.components_)
    # the first epoch is at the full rate under either schedule
    one = {**params, "max_iter": 1}
    np.testing.assert_array_equal(
        SpikeSlabRBM(**one).fit(X).components_,
        SpikeSlabRBM(**one, learning_rate_schedule="constant").fit(X).components_)


def test_spike_precision_gradient_in_its_training_coordinates():
    # _step_gradients turns dF/dPhi into the gradient in u = log(Phi + Lambda)
    # that _apply_steps moves: check by finite differences in u
    p = tiny_params(3, n=3, d=4)
    X = np.random.default_rng(4).normal(size=(7, 4))
    model = SpikeSlabRBM()
    grads = model._step_gradients(ss.free_energy_gradients(X, p), p)
    eps = 1e-6
    numeric = np.zeros_like(p.phi)
    for idx in np.ndindex(p.phi.shape):
        values = []
        for sign in (1, -1):
            phi = p.phi.copy()
            phi[idx] = (phi[idx] + p.lam[idx[1]]) * np.exp(sign * eps) - p.lam[idx[1]]
            values.append(ss.free_energy(X, p._replace(phi=phi)).mean())
        numeric[idx] = (values[0] - values[1]) / (2 * eps)
    np.testing.assert_allclose(grads[4], numeric, rtol=1e-5, atol=1e-8)


def test_broken_model_raises_with_the_fix_and_bad_input_is_rejected():
    X = _patches(100)
    model = SpikeSlabRBM(n_components=3, max_iter=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="NaN"):
        model.score_samples(np.array([[np.nan, 0.0]]))
    with pytest.raises(ValueError, match="features"):
        model.transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="init"):
        model.sample(2, init="nope")
    with pytest.raises(ValueError, match="at most"):
        model.sample(10**4, init="persistent")
    model.precision_ = model.precision_ * 1e-6
    model._forget_log_partition()
    with pytest.raises(PartitionFunctionError, match="Multiply precision_"):
        model.score_samples(X)
    with pytest.raises(PartitionFunctionError, match="Multiply precision_"):
        model.sample(2)
    with pytest.warns(OutOfSupportWarning, match="unstandardised"):
        SpikeSlabRBM(n_components=2, max_iter=1, random_state=0).fit(X * 100)


def test_ais_score_is_labelled_and_close_to_exact():
    X = _patches(200)
    exact = SpikeSlabRBM(n_components=4, max_iter=3, random_state=0).fit(X)
    ais = SpikeSlabRBM(n_components=4, max_iter=3, random_state=0, log_z="ais",
                       ais_n_temperatures=1000).fit(X)
    np.testing.assert_array_equal(exact.components_, ais.components_)
    assert exact.score_kind_ == "exact" and ais.score_kind_ == "estimate"
    assert abs(ais.log_partition_ - exact.log_partition_) < 0.1
    scores, std = ais.score_samples(X[:5], return_std=True)
    assert np.all(std > 0)


def test_transform_is_the_posterior_mean_of_the_sparse_code():
    # E[h s | x] by sampling the exact conditionals of the energy
    p = tiny_params(11, n=3, d=2)
    model = SpikeSlabRBM(n_components=3, max_iter=0, random_state=0).fit(np.zeros((4, 2)))
    model.components_, model.intercept_hidden_, model.slab_mean_ = p.W, p.b, p.mu
    model.slab_precision_, model.spike_precision_, model.precision_ = p.alpha, p.phi, p.lam
    model.mean_ = np.zeros(2)
    x = np.array([[0.7, -1.2]])
    rng = np.random.default_rng(0)
    n = 200_000
    P = model.spike_proba(x)[0]
    H = rng.random((n, 3)) < P
    U = x[0] @ p.W.T
    S = H * (p.mu + U / p.alpha) + rng.normal(size=(n, 3)) / np.sqrt(p.alpha)
    np.testing.assert_allclose(model.transform(x)[0], (H * S).mean(axis=0), atol=0.01)
    # spike posterior from the energy: the spikes are independent given x
    for i in range(3):
        on = np.eye(3)[i]
        log_odds = (ref.log_slab_integral(x[0], on, p)
                    - ref.log_slab_integral(x[0], np.zeros(3), p))
        assert abs(np.log(P[i] / (1 - P[i])) - log_odds) < 1e-6


@pytest.mark.parametrize("name", ["SpikeSlabRBM", "MeanCovarianceRBM",
                                  "MeanProductTDistribution"])
def test_covariance_models_in_pipeline_and_grid_search(name):
    import skgenerative
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = _patches(120) * 5.0  # unscaled: the pipeline standardizes first
    kw = dict(max_iter=2, batch_size=20, random_state=0)
    if name != "SpikeSlabRBM":
        kw.update(n_covariance_components=2, n_leapfrog=5)
    if name == "MeanProductTDistribution":
        kw.update(ais_n_temperatures=30, ais_n_runs=10)
    model = getattr(skgenerative, name)(**kw)
    pipe = make_pipeline(StandardScaler(), model)
    search = GridSearchCV(pipe, {f"{name.lower()}__n_components": [1, 2]}, cv=2).fit(X)
    assert np.isfinite(search.best_score_)
    assert search.best_estimator_.transform(X).shape[0] == 120
