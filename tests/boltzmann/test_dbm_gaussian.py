"""DBM with Gaussian visibles (issue 6): exactness on tiny models, kernel twins,
samplers against exact distributions, and the estimator contract."""

import pickle

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import norm
from sklearn.utils.estimator_checks import parametrize_with_checks

from skgenerative import DBM
from skgenerative.boltzmann import _kernels
from skgenerative.boltzmann._enumeration import exact_log_partition_dbm, exact_log_unnormalized_dbm
from skgenerative.boltzmann._mean_field import elbo_unnormalized, mean_field
from skgenerative.boltzmann._units import GaussianUnits
from skgenerative.boltzmann._unit_math import _gaussian_free_energy, _gaussian_log_partition
from skgenerative.exceptions import OutOfSupportWarning

from tests.boltzmann import _reference as ref
from tests.boltzmann._checks import assert_dbm_gradient_matches_finite_differences

SIZES = (3, 4, 3)
GAUSS = GaussianUnits()


def _random_gaussian_dbm(sizes=SIZES, scale=0.7, seed=0):
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(0, scale, (sizes[l + 1], sizes[l])) for l in range(len(sizes) - 1)]
    bs = [rng.normal(0, scale, n) for n in sizes]
    beta = rng.uniform(0.5, 2.0, sizes[0])
    return Ws, bs, beta


def _log_z(Ws, bs, beta):
    return exact_log_partition_dbm(Ws, bs, GAUSS, precision=beta)


def _folded(Ws, beta, dtype=np.float64):
    return tuple(np.ascontiguousarray(W, dtype=dtype) for W in [Ws[0] * beta] + list(Ws[1:]))


def _model_with(Ws, bs, beta, **kwargs):
    """A Gaussian DBM whose plain parameters are (Ws, bs, beta)."""
    X = np.random.default_rng(0).normal(size=(30, len(bs[0])))
    params = dict(hidden_layer_sizes=tuple(len(b) for b in bs[1:]), visible_type="gaussian",
                  max_iter=0, pretrain=False, centering=False, random_state=0)
    params.update(kwargs)
    model = DBM(**params).fit(X)
    model.precision_ = np.asarray(beta, dtype=np.float64)
    model.offsets_ = [np.zeros(len(b)) for b in bs]
    model._cW, model._cb = model._standardize_plain(Ws, bs)
    model._sync_plain()
    model._forget_log_partition()
    for a, b in zip(model.components_ + model.intercepts_, list(Ws) + list(bs)):
        np.testing.assert_allclose(a, b, atol=1e-12)
    return model


# ------------------------------------------------------------------ exactness


@pytest.mark.parametrize("sizes", [(3, 4, 3), (2, 3, 2, 2), (3, 5)])
def test_gaussian_exact_log_partition_matches_brute_force(sizes):
    Ws, bs, beta = _random_gaussian_dbm(sizes)
    np.testing.assert_allclose(exact_log_partition_dbm(Ws, bs, GAUSS, precision=beta),
                               ref.gaussian_dbm_log_partition_brute_force(Ws, bs, beta),
                               rtol=0, atol=1e-8)


def test_gaussian_exact_log_partition_matches_quadrature():
    Ws, bs, beta = _random_gaussian_dbm((2, 3, 2), seed=1)
    grid = np.linspace(-16, 16, 401)
    np.testing.assert_allclose(exact_log_partition_dbm(Ws, bs, GAUSS, precision=beta),
                               ref.gaussian_dbm_log_partition_quadrature(Ws, bs, beta, grid),
                               rtol=0, atol=1e-8)


def test_one_hidden_layer_gaussian_dbm_is_the_gaussian_rbm():
    Ws, bs, beta = _random_gaussian_dbm((3, 5), seed=2)
    W, b, c = Ws[0], bs[0], bs[1]
    np.testing.assert_allclose(exact_log_partition_dbm(Ws, bs, GAUSS, precision=beta),
                               _gaussian_log_partition(W, b, c, beta), rtol=0, atol=1e-10)
    V = np.random.default_rng(0).normal(size=(6, 3))
    np.testing.assert_allclose(exact_log_unnormalized_dbm(V, Ws, bs, GAUSS, precision=beta),
                               -_gaussian_free_energy(V, W, b, c, beta), atol=1e-10)


@pytest.mark.parametrize("sizes", [(3, 4, 3), (2, 3, 2, 2)])
def test_gaussian_exact_log_marginal_matches_brute_force(sizes):
    Ws, bs, beta = _random_gaussian_dbm(sizes, seed=3)
    V = np.random.default_rng(1).normal(size=(5, sizes[0]))
    exact = exact_log_unnormalized_dbm(V, Ws, bs, GAUSS, precision=beta) - _log_z(Ws, bs, beta)
    np.testing.assert_allclose(exact, ref.gaussian_dbm_log_marginal_brute_force(V, Ws, bs, beta),
                               atol=1e-9)


def test_gaussian_bound_gap_is_kl():
    """ELBO = log p(v) - KL(Q || P(h | v)) with the Gaussian energy, in nats."""
    Ws, bs, beta = _random_gaussian_dbm(seed=4)
    v = np.array([0.3, -1.2, 0.8])
    Q, _ = mean_field(v[None], Ws, bs, n_iter=500, tol=1e-12, visible=GAUSS, precision=beta)
    H = ref._hidden_states(bs)
    log_joint = -ref.gaussian_dbm_energy([np.broadcast_to(v, (len(H[0]), 3))] + H, Ws, bs, beta)
    log_post = log_joint - np.logaddexp.reduce(log_joint)
    log_q = sum(np.log(np.where(h == 1, q, 1 - q)).sum(1) for h, q in zip(H, Q[1:]))
    kl = np.sum(np.exp(log_q) * (log_q - log_post))
    log_pv = ref.gaussian_dbm_log_marginal_brute_force(v[None], Ws, bs, beta)[0]
    bound = elbo_unnormalized(Q, Ws, bs, GAUSS, precision=beta)[0] - _log_z(Ws, bs, beta)
    np.testing.assert_allclose(bound, log_pv - kl, atol=1e-10)
    assert kl > 0


# ------------------------------------------------------------------ mean field


def test_gaussian_mean_field_fixed_point_satisfies_equations():
    Ws, bs, beta = _random_gaussian_dbm(scale=1.0, seed=5)
    V = np.random.default_rng(2).normal(size=(8, 3))
    Q, n_run = mean_field(V, Ws, bs, n_iter=1000, tol=1e-12, visible=GAUSS, precision=beta)
    assert n_run < 1000
    np.testing.assert_allclose(Q[1], expit((V * beta) @ Ws[0].T + Q[2] @ Ws[1] + bs[1]),
                               atol=1e-6)
    np.testing.assert_allclose(Q[2], expit(Q[1] @ Ws[1].T + bs[2]), atol=1e-6)


def test_gaussian_mean_field_imputation_is_the_conditional_mean():
    Ws, bs, beta = _random_gaussian_dbm(seed=6)
    model = _model_with(Ws, bs, beta)
    X = np.array([[0.5, np.nan, -0.4], [np.nan, np.nan, 1.0]])
    mask = np.isnan(X)
    out = model.impute(X, mask)
    np.testing.assert_array_equal(out[~mask], X[~mask])
    observed = (~mask).astype(float)
    Q, _ = mean_field(out, Ws, bs, n_iter=1000, tol=1e-13, observed=observed, visible=GAUSS,
                      precision=beta)
    np.testing.assert_allclose(Q[0], out, atol=1e-5)
    np.testing.assert_allclose(out[mask], (bs[0] + Q[1] @ Ws[0])[mask], atol=1e-5)


# ------------------------------------------------------------------ kernels vs numpy twins


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("with_mask", [False, True])
def test_gaussian_mean_field_kernel_matches_numpy_twin(dtype, with_mask):
    Ws, bs, beta = _random_gaussian_dbm((6, 5, 4, 3), seed=7)
    rng = np.random.default_rng(0)
    V = rng.normal(size=(7, 6)).astype(dtype)
    observed = (rng.random(V.shape) < 0.6).astype(dtype) if with_mask else np.zeros((0, 0), dtype)
    Q0 = [V] + [rng.random((7, n)).astype(dtype) for n in (5, 4, 3)]
    Qk = tuple(q.copy() for q in Q0)
    n_k = _kernels._mean_field_dbm(Qk, _folded(Ws, beta, dtype),
                                   tuple(b.astype(dtype) for b in bs), observed, 7,
                                   1e-9, GAUSS.kernel_layer(dtype, precision=beta), 0)
    Qr, n_r = ref.mean_field_dbm_gaussian(Q0, Ws, bs, beta, observed, 7, 1e-9)
    assert n_k == n_r
    tol = 1e-4 if dtype == np.float32 else 1e-11
    for a, b in zip(Qk, Qr):
        np.testing.assert_allclose(a, b, atol=tol)


def test_gaussian_gibbs_kernel_matches_numpy_twin():
    Ws, bs, beta = _random_gaussian_dbm((6, 5, 4, 3), seed=8)
    rng = np.random.default_rng(1)
    S0 = [rng.normal(size=(5, 6))] + [(rng.random((5, n)) < 0.5).astype(float) for n in (5, 4, 3)]
    observed = (rng.random((5, 6)) < 0.5).astype(float)
    for mask in (np.zeros((0, 0)), observed):
        S = tuple(s.copy() for s in S0)
        _kernels._gibbs_dbm(S, _folded(Ws, beta), tuple(bs), mask, 4, np.random.default_rng(7),
                            GAUSS.kernel_layer(np.float64, precision=beta), 0)
        Sr = ref.gibbs_dbm_gaussian(S0, Ws, bs, beta, mask, 4, np.random.default_rng(7))
        for a, b in zip(S, Sr):
            np.testing.assert_allclose(a, b, atol=1e-12)


def test_gaussian_ais_kernel_matches_numpy_twin():
    Ws, bs, beta = _random_gaussian_dbm((6, 5, 4, 3), seed=9)
    rng = np.random.default_rng(2)
    S0 = [rng.normal(size=(4, 6))] + [(rng.random((4, n)) < 0.5).astype(float) for n in (5, 4, 3)]
    base_mean = rng.normal(size=6)
    betas = np.linspace(0, 1, 30)
    S = tuple(s.copy() for s in S0)
    log_w = np.zeros(4)
    _kernels._ais_dbm_gaussian(S, _folded(Ws, beta), tuple(bs), base_mean, betas,
                               np.random.default_rng(3), log_w, beta)
    expected = ref.ais_dbm_gaussian_reference(S0, Ws, bs, beta, base_mean, betas,
                                              np.random.default_rng(3))
    np.testing.assert_allclose(log_w, expected, atol=1e-10)


# ------------------------------------------------------------------ estimator on a tiny model


def test_gaussian_score_samples_is_lower_bound_and_ais_is_close():
    from skgenerative.evaluation import ais_log_partition_dbm

    Ws, bs, beta = _random_gaussian_dbm(scale=0.8, seed=10)
    model = _model_with(Ws, bs, beta, n_mean_field_iter=200, tol=1e-10)
    V = np.random.default_rng(3).normal(size=(20, 3))
    bound = model.score_samples(V)
    exact = ref.gaussian_dbm_log_marginal_brute_force(V, Ws, bs, beta)
    assert np.all(bound <= exact + 1e-10)
    assert np.mean(exact - bound) < 1.0
    log_z = ref.gaussian_dbm_log_partition_brute_force(Ws, bs, beta)
    np.testing.assert_allclose(model.log_partition_, log_z, atol=1e-8)
    result = ais_log_partition_dbm(model, n_runs=100, betas=2000, random_state=0)
    assert abs(result.log_z - log_z) < 0.1
    # the estimator's own AIS path (log_z="ais") too
    model.set_params(log_z="ais", ais_n_temperatures=2000)
    model._forget_log_partition()
    assert abs(model.log_partition_ - log_z) < 0.1


def test_gaussian_variational_bound_gradient_matches_finite_differences():
    """d/dtheta mean_v [max_Q L(v, Q) - log Z]: W_0 gets <h1 (beta v)^T>_Q -
    <h1 (beta v)^T>_model, b_0 gets beta (v - <v>_model)."""
    Ws, bs, beta = _random_gaussian_dbm(scale=0.6, seed=11)
    V = np.random.default_rng(4).normal(size=(6, 3))

    def objective(Ws, bs):
        Q, _ = mean_field(V, Ws, bs, n_iter=2000, tol=1e-13, visible=GAUSS, precision=beta)
        return np.mean(elbo_unnormalized(Q, Ws, bs, GAUSS, precision=beta)) - _log_z(Ws, bs, beta)

    Q, _ = mean_field(V, Ws, bs, n_iter=2000, tol=1e-13, visible=GAUSS, precision=beta)
    H, p = ref.gaussian_dbm_hidden_distribution(Ws, bs, beta)
    v_mean = bs[0] + H[0] @ Ws[0]  # E[v | h1] per hidden state
    model_W0 = (H[0] * p[:, None]).T @ (v_mean * beta)
    model_W1 = (H[1] * p[:, None]).T @ H[0]
    grads_W = [Q[1].T @ (V * beta) / len(V) - model_W0, Q[2].T @ Q[1] / len(V) - model_W1]
    grads_b = [beta * (V.mean(0) - p @ v_mean), Q[1].mean(0) - p @ H[0], Q[2].mean(0) - p @ H[1]]
    assert_dbm_gradient_matches_finite_differences(objective, Ws, bs, grads_W, grads_b)


def _exact_sign_distribution(Ws, bs, beta):
    """Exact P(sign pattern of v): v | h1 is independent N(b + W_0^T h1, 1/beta)."""
    H, p = ref.gaussian_dbm_hidden_distribution(Ws, bs, beta)
    mean = bs[0] + H[0] @ Ws[0]
    p_pos = norm.sf(0.0, loc=mean, scale=1 / np.sqrt(beta))  # (n_states, nv)
    nv = len(bs[0])
    patterns = ref.all_binary_states(nv)
    probs = np.array([p @ np.prod(np.where(s == 1, p_pos, 1 - p_pos), axis=1) for s in patterns])
    return patterns, probs, p @ mean


def test_gaussian_gibbs_sampler_matches_exact_distribution():
    Ws, bs, beta = _random_gaussian_dbm(scale=0.8, seed=12)
    model = _model_with(Ws, bs, beta)
    X = model.sample(20000, n_steps=100, random_state=0)
    patterns, exact, exact_mean = _exact_sign_distribution(Ws, bs, beta)
    codes = ((X > 0) @ (2 ** np.arange(3))).astype(int)
    empirical = np.bincount(codes, minlength=8) / len(X)
    assert 0.5 * np.abs(empirical - exact[np.argsort(patterns @ (2 ** np.arange(3)))]).sum() <= 0.03
    stderr = X.std(axis=0) / np.sqrt(len(X))
    assert np.all(np.abs(X.mean(axis=0) - exact_mean) < 5 * stderr)


def test_gaussian_gibbs_imputation_matches_exact_conditional_mean():
    Ws, bs, beta = _random_gaussian_dbm(scale=0.8, seed=13)
    model = _model_with(Ws, bs, beta)
    v = np.array([0.7, -0.5, 0.0])
    mask = np.array([False, False, True])
    X = np.repeat(v[None], 8000, axis=0)
    out = model.impute(X, np.repeat(mask[None], 8000, axis=0), method="gibbs", n_steps=50,
                       random_state=0)
    np.testing.assert_array_equal(out[:, :2], X[:, :2])
    # exact E[v3 | v1, v2]: p(h, v3 | v1, v2) enumerated, v3 | h1 Gaussian
    H = ref._hidden_states(bs)
    n = len(H[0])
    grid = np.linspace(-12, 12, 4001)
    log_w = []
    for g in grid:
        states = [np.broadcast_to(np.array([v[0], v[1], g]), (n, 3))] + H
        log_w.append(np.logaddexp.reduce(-ref.gaussian_dbm_energy(states, Ws, bs, beta)))
    w = np.exp(np.array(log_w) - max(log_w))
    exact_mean = np.sum(w * grid) / np.sum(w)
    stderr = out[:, 2].std() / np.sqrt(len(out))
    assert abs(out[:, 2].mean() - exact_mean) < 5 * stderr


# ------------------------------------------------------------------ estimator contract


def _blobs(n=200, seed=0):
    """Two well separated clusters in 4-D: far from an independent Gaussian."""
    rng = np.random.default_rng(seed)
    centres = np.array([[2.0, -2.0, 2.0, -2.0], [-2.0, 2.0, -2.0, 2.0]])
    return centres[rng.integers(0, 2, n)] + 0.5 * rng.normal(size=(n, 4))


def test_gaussian_dbm_fits_clusters_better_than_independent_gaussian():
    X = _blobs()
    X_test = _blobs(seed=1)
    baseline = norm.logpdf(X_test, X.mean(0), X.std(0)).sum(1).mean()
    model = DBM((6, 3), visible_type="gaussian", max_iter=20, pretrain_max_iter=20,
                batch_size=20, learning_rate=0.01, pretrain_learning_rate=0.01,
                random_state=0).fit(X)
    assert model.log_partition_result_.method == "exact"  # 6 enumerated units
    assert model.score(X_test) > baseline + 1.0
    assert np.all(np.isfinite(model.sample(5, n_steps=20, random_state=0)))


def test_gaussian_random_state_dtype_pickle_and_partial_fit():
    X = _blobs(60)
    params = dict(hidden_layer_sizes=(4, 3), visible_type="gaussian", max_iter=2,
                  pretrain_max_iter=2, batch_size=20, random_state=3)
    a, b = DBM(**params).fit(X), DBM(**params).fit(X)
    for x, y in zip(a.components_ + a.intercepts_, b.components_ + b.intercepts_):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.sample(5, n_steps=10), b.sample(5, n_steps=10))
    clone = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(clone.sample(3, n_steps=5), a.sample(3, n_steps=5))
    np.testing.assert_array_equal(clone.score_samples(X), a.score_samples(X))
    sample = a.sample(4, n_steps=5)
    assert sample.dtype == np.float64 and len(np.unique(sample)) > 2  # real values
    a32 = DBM(**params).fit(X.astype(np.float32))
    assert a32.components_[0].dtype == np.float32 and a32.precision_.dtype == np.float32
    assert a32.transform(X.astype(np.float32)).dtype == np.float32
    assert a32.sample(2, n_steps=3).dtype == np.float32
    assert np.all(np.isfinite(a32.score_samples(X.astype(np.float32))))
    online = DBM(**params)
    for block in np.array_split(X, 3):
        online.partial_fit(block)
    assert online.n_iter_ == 3 and np.all(np.isfinite(online.score_samples(X)))


def test_gaussian_precision_parameters_and_scaling():
    X = 10.0 * _blobs(80) + 50.0
    model = DBM((4, 3), visible_type="gaussian", max_iter=1, pretrain_max_iter=1,
                random_state=0).fit(X)
    np.testing.assert_allclose(model.precision_, 1 / X.var(axis=0))
    # the density is of the data as given: shifting and scaling the data by
    # the same affine map moves the bound by the log-Jacobian only
    Z = (X - 50.0) / 10.0
    scaled = DBM((4, 3), visible_type="gaussian", max_iter=1, pretrain_max_iter=1,
                 random_state=0).fit(Z)
    np.testing.assert_allclose(model.score_samples(X), scaled.score_samples(Z) - 4 * np.log(10.0),
                               atol=1e-6)
    fixed = DBM((4,), visible_type="gaussian", precision=1.0, max_iter=0,
                pretrain=False, random_state=0)
    with pytest.warns(OutOfSupportWarning, match="StandardScaler"):
        fixed.fit(X)
    np.testing.assert_array_equal(fixed.precision_, np.ones(4))
    with pytest.raises(ValueError, match="precision"):
        DBM((4,), visible_type="gaussian", precision=[1.0, 2.0], max_iter=0).fit(Z)


def test_gaussian_bad_input_leaves_model_intact():
    X = _blobs(40)
    model = DBM((3,), visible_type="gaussian", max_iter=1, random_state=0).fit(X)
    before = [w.copy() for w in model.components_]
    for value in (np.nan, np.inf):
        bad = X.copy()
        bad[0, 0] = value
        with pytest.raises(ValueError):
            model.partial_fit(bad)
        with pytest.raises(ValueError):
            model.score_samples(bad)
    with pytest.raises(ValueError):
        model.transform(X[:, :3])
    for w, v in zip(before, model.components_):
        np.testing.assert_array_equal(w, v)


def test_classifier_with_gaussian_dbm():
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    from skgenerative import DBMClassifier
    from skgenerative.boltzmann._dbm_classifier import augmented_input

    digits = load_digits()
    X = StandardScaler().fit_transform(digits.data)[:600]
    y = digits.target[:600]
    dbm = DBM((32, 16), visible_type="gaussian", batch_size=20, max_iter=3, pretrain_max_iter=3,
              learning_rate=0.01, pretrain_learning_rate=0.02, random_state=0)
    # before fine-tuning the first MLP layer is one more mean-field pass:
    # h1 sees W_0 (beta v) + W_1^T q(h2)
    clf = DBMClassifier(dbm, max_iter=0, random_state=0).fit(X[:400], y[:400])
    Q, _ = clf.dbm_._mean_field(X[:5])
    _, cache = clf.mlp_.forward(augmented_input(clf.dbm_, X[:5]))
    W, b, beta = clf.dbm_.components_, clf.dbm_.intercepts_, clf.dbm_.precision_
    np.testing.assert_allclose(cache[1][0], expit((X[:5] * beta) @ W[0].T + Q[2] @ W[1] + b[1]),
                               atol=1e-10)
    clf.set_params(max_iter=15, learning_rate=1e-2, batch_size=50).fit(X[:400], y[:400])
    assert clf.score(X[400:], y[400:]) > 0.75


def test_gaussian_pretraining_divergence_is_reported():
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X = StandardScaler().fit_transform(load_digits().data)[:300]
    model = DBM((16, 8), visible_type="gaussian", pretrain_learning_rate=1.0, batch_size=20,
                pretrain_max_iter=5, max_iter=0, random_state=0)
    with pytest.raises(FloatingPointError, match="pretrain_learning_rate"):
        model.fit(X)


@parametrize_with_checks([DBM((3, 2), visible_type="gaussian", max_iter=2, pretrain_max_iter=2,
                              batch_size=10, n_mean_field_iter=10)])
def test_gaussian_dbm_passes_estimator_checks(estimator, check):
    """The common checks (tests/test_common.py) for the Gaussian variant too
    (CHECK_PARAMS holds one instance per class)."""
    check(estimator)


def test_gaussian_pretraining_composition():
    """The bottom RBM is the Gaussian RBM with two tied visible copies (its
    hidden units see 2 W (beta v) on data); the next RBM is trained on
    sigmoid(2 W (beta v) + c); the DBM keeps the bottom weights as they are."""
    from skgenerative.boltzmann._pretraining import (
        fit_scaled_gaussian_rbm,
        fit_scaled_rbm,
        pretrain_layers,
    )

    X = _blobs(60)
    beta = 1 / X.var(axis=0)
    scaling = (X.mean(axis=0), X.std(axis=0))
    kw = dict(learning_rate=0.01, batch_size=10, n_epochs=2)
    Ws, bs, rbms = pretrain_layers(X, (5, 3), rng=np.random.default_rng(0), visible=GAUSS,
                                   precision=beta, scaling=scaling, **kw)
    rng = np.random.default_rng(0)
    W0, b0, c0 = fit_scaled_gaussian_rbm(X, 5, 2.0, beta, scaling, rng=rng, **kw)
    H = expit(2 * (X * beta) @ W0.T + c0)
    W1, b1, c1 = fit_scaled_rbm(H, 3, 1.0, 2.0, rng=rng, **kw)
    assert rbms[0]["scales"] == (2.0, 1.0) and rbms[1]["scales"] == (1.0, 2.0)
    for a, b in zip(Ws + bs, [W0, W1, b0, 0.5 * (c0 + b1), c1]):
        np.testing.assert_allclose(a, b, atol=1e-12)
    # the estimator stores exactly these parameters (through the standardized space)
    model = DBM((5, 3), visible_type="gaussian", max_iter=0, pretrain_max_iter=2,
                pretrain_learning_rate=0.01, batch_size=10, random_state=0).fit(X)
    assert len(model.pretrained_rbms_) == 2
    W_model = model.pretrained_rbms_[0]["components"]
    np.testing.assert_allclose(model.components_[0], W_model, atol=1e-10)
    np.testing.assert_allclose(model.precision_, beta)
