"""DBM with categorical (softmax) visibles (issue 12): exactness on tiny models
against brute-force enumeration of every joint state, kernel twins, the Gibbs
sampler and AIS against exact answers, and the estimator contract."""

import pickle

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from skgenerative import DBM, DBMClassifier
from skgenerative.boltzmann import _kernels
from skgenerative.boltzmann._enumeration import exact_log_partition_dbm, exact_log_unnormalized_dbm
from skgenerative.boltzmann._kernels._categorical import SGDHyper, _sgd_epoch_categorical
from skgenerative.boltzmann._mean_field import centered_parameters, elbo_unnormalized, mean_field
from skgenerative.boltzmann._pretraining import fit_scaled_categorical_rbm, pretrain_layers
from skgenerative.boltzmann._units import CategoricalUnits
from skgenerative.boltzmann._unit_math import _categorical_log_partition
from skgenerative.evaluation import ais_log_partition_dbm
from skgenerative.exceptions import OutOfSupportWarning

from tests.boltzmann import _reference as ref
from tests.boltzmann._checks import assert_dbm_gradient_matches_finite_differences

GROUPS = (3, 2)  # categories of each visible feature


def _units(groups=GROUPS):
    return CategoricalUnits([np.arange(k) for k in groups])


def _random_dbm(hidden=(3, 2), groups=GROUPS, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    sizes = (sum(groups),) + tuple(hidden)
    Ws = [rng.normal(0, scale, (sizes[l + 1], sizes[l])) for l in range(len(sizes) - 1)]
    bs = [rng.normal(0, scale, n) for n in sizes]
    return Ws, bs


def _model_with(Ws, bs, groups=GROUPS, **kwargs):
    """A categorical DBM whose plain parameters are (Ws, bs)."""
    codes = np.stack([np.arange(30) % k for k in groups], axis=1)
    params = dict(hidden_layer_sizes=tuple(len(b) for b in bs[1:]), visible_type="categorical",
                  max_iter=0, pretrain=False, centering=False, random_state=0)
    params.update(kwargs)
    model = DBM(**params).fit(codes)
    model.offsets_ = [np.zeros(len(b)) for b in bs]
    model._cW, model._cb = centered_parameters(Ws, bs, model.offsets_)
    model._sync_plain()
    model._forget_log_partition()
    return model


def _codes_to_index(codes, groups=GROUPS):
    """Row index of each code in ``ref.categorical_states(groups)`` order."""
    return np.ravel_multi_index(tuple(np.asarray(codes).T), groups)


# ------------------------------------------------------------------ exactness


@pytest.mark.parametrize("hidden", [(3, 2), (2, 3, 2), (4,)])
def test_exact_log_partition_matches_brute_force(hidden):
    Ws, bs = _random_dbm(hidden)
    _, log_p_table = ref.categorical_dbm_joint_table(Ws, bs, GROUPS)  # normalised
    neg_e = -ref.dbm_energy(ref.categorical_dbm_joint_table(Ws, bs, GROUPS)[0], Ws, bs)
    np.testing.assert_allclose(exact_log_partition_dbm(Ws, bs, _units()), logsumexp(neg_e),
                               rtol=1e-12)
    assert np.isclose(np.exp(log_p_table).sum(), 1.0)


def test_one_hidden_layer_is_the_categorical_rbm():
    Ws, bs = _random_dbm((4,), seed=1)
    units = _units()
    np.testing.assert_allclose(exact_log_partition_dbm(Ws, bs, units),
                               _categorical_log_partition(Ws[0], bs[0], bs[1], units.offsets),
                               rtol=1e-12)


@pytest.mark.parametrize("hidden", [(3, 2), (2, 3, 2)])
def test_exact_log_marginal_matches_brute_force(hidden):
    Ws, bs = _random_dbm(hidden, seed=2)
    codes, p = ref.categorical_dbm_visible_distribution(Ws, bs, GROUPS)
    V = ref.one_hot(codes, GROUPS)
    units = _units()
    exact = exact_log_unnormalized_dbm(V, Ws, bs, units) - exact_log_partition_dbm(Ws, bs, units)
    np.testing.assert_allclose(exact, np.log(p), atol=1e-10)
    np.testing.assert_allclose(np.exp(exact).sum(), 1.0, rtol=1e-10)


def test_mean_field_bound_is_below_exact_log_likelihood_by_the_kl():
    """ELBO = log p(v) - KL(Q || P(h | v)) <= log p(v), with the enumerated posterior."""
    Ws, bs = _random_dbm(seed=3)
    units = _units()
    states, log_p = ref.categorical_dbm_joint_table(Ws, bs, GROUPS)
    codes, p = ref.categorical_dbm_visible_distribution(Ws, bs, GROUPS)
    V = ref.one_hot(codes, GROUPS)
    Q, _ = mean_field(V, Ws, bs, n_iter=500, tol=1e-12, visible=units)
    bound = elbo_unnormalized(Q, Ws, bs, units) - exact_log_partition_dbm(Ws, bs, units)
    assert np.all(bound <= np.log(p) + 1e-10)
    for i, v in enumerate(V):
        rows = np.all(states[0] == v, axis=1)
        log_post = log_p[rows] - logsumexp(log_p[rows])
        log_q = sum(np.log(np.where(h == 1, q, 1 - q)).sum(1)
                    for h, q in zip([s[rows] for s in states[1:]], [q[i] for q in Q[1:]]))
        kl = np.sum(np.exp(log_q) * (log_q - log_post))
        np.testing.assert_allclose(bound[i], np.log(p[i]) - kl, atol=1e-10)


def test_variational_bound_gradient_matches_finite_differences():
    """d/dtheta mean_v [max_Q L(v, Q) - log Z] = <.>_Q - <.>_model (envelope):
    the statistics the training uses, with one-hot visibles."""
    Ws, bs = _random_dbm(scale=0.7, seed=4)
    units = _units()
    V = ref.one_hot(np.array([[0, 1], [2, 0], [1, 1], [2, 1]]), GROUPS)

    def objective(Ws, bs):
        Q, _ = mean_field(V, Ws, bs, n_iter=2000, tol=1e-13, visible=units)
        return np.mean(elbo_unnormalized(Q, Ws, bs, units)) - exact_log_partition_dbm(Ws, bs,
                                                                                     units)

    Q, _ = mean_field(V, Ws, bs, n_iter=2000, tol=1e-13, visible=units)
    table = ref.categorical_dbm_joint_table(Ws, bs, GROUPS)
    model_pair, model_mean = ref.dbm_model_statistics(Ws, bs, table)
    grads_W = [Q[l + 1].T @ Q[l] / len(V) - model_pair[l] for l in range(2)]
    grads_b = [Q[l].mean(0) - model_mean[l] for l in range(3)]
    assert_dbm_gradient_matches_finite_differences(objective, Ws, bs, grads_W, grads_b)


# ------------------------------------------------------------------ kernels vs numpy twins


def _states(rng, groups, hidden, n, dtype=np.float64):
    codes = np.stack([rng.integers(0, k, n) for k in groups], axis=1)
    V = ref.one_hot(codes, groups).astype(dtype)
    return [V] + [(rng.random((n, h)) < 0.5).astype(dtype) for h in hidden]


def _group_mask(rng, groups, n):
    """An observed mask constant within each softmax group."""
    return np.repeat(rng.random((n, len(groups))) < 0.5, groups, axis=1).astype(float)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("with_mask", [False, True])
def test_mean_field_kernel_matches_numpy_twin(dtype, with_mask):
    groups, hidden = (3, 2, 4), (5, 4, 3)
    units = _units(groups)
    Ws, bs = _random_dbm(hidden, groups, seed=5)
    rng = np.random.default_rng(0)
    Q0 = _states(rng, groups, hidden, 7, dtype)
    Q0[1:] = [rng.random(q.shape).astype(dtype) for q in Q0[1:]]
    observed = _group_mask(rng, groups, 7).astype(dtype) if with_mask else np.zeros((0, 0), dtype)
    Qk = tuple(q.copy() for q in Q0)
    n_k = _kernels._mean_field_dbm(Qk, tuple(W.astype(dtype) for W in Ws),
                                   tuple(b.astype(dtype) for b in bs), observed, 7, 1e-9,
                                   units.kernel_layer(dtype), 0)
    Qr, n_r = ref.mean_field_dbm(Q0, Ws, bs, observed, 7, 1e-9, offsets=units.offsets)
    assert n_k == n_r
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(Qk, Qr):
        np.testing.assert_allclose(a, b, atol=tol)
    if with_mask:  # missing groups are distributions, observed ones untouched
        for lo, hi in zip(units.offsets[:-1], units.offsets[1:]):
            np.testing.assert_allclose(Qk[0][:, lo:hi].sum(axis=1), 1.0, rtol=1e-5)
        np.testing.assert_array_equal(Qk[0][observed != 0], Q0[0][observed != 0])


def test_gibbs_kernel_matches_numpy_twin():
    groups, hidden = (3, 2, 4), (5, 4, 3)
    units = _units(groups)
    Ws, bs = _random_dbm(hidden, groups, seed=6)
    rng = np.random.default_rng(1)
    S0 = _states(rng, groups, hidden, 5)
    for mask in (np.zeros((0, 0)), _group_mask(rng, groups, 5)):
        S = tuple(s.copy() for s in S0)
        _kernels._gibbs_dbm(S, tuple(Ws), tuple(bs), mask, 4, np.random.default_rng(7),
                            units.kernel_layer(np.float64), 0)
        Sr = ref.gibbs_dbm(S0, Ws, bs, mask, 4, np.random.default_rng(7), offsets=units.offsets)
        for a, b in zip(S, Sr):
            np.testing.assert_array_equal(a, b)
        for lo, hi in zip(units.offsets[:-1], units.offsets[1:]):  # one-hot groups
            np.testing.assert_array_equal(S[0][:, lo:hi].sum(axis=1), 1.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ais_kernel_matches_numpy_twin(dtype):
    groups, hidden = (3, 2, 4), (5, 4, 3)
    units = _units(groups)
    Ws, bs = _random_dbm(hidden, groups, seed=7)
    rng = np.random.default_rng(2)
    S0 = _states(rng, groups, hidden, 4)
    b_base = rng.normal(size=sum(groups))
    betas = np.linspace(0, 1, 30)
    S = tuple(s.astype(dtype) for s in S0)
    log_w = np.zeros(4)
    _kernels._ais_dbm_categorical(S, tuple(W.astype(dtype) for W in Ws),
                                  tuple(b.astype(dtype) for b in bs), b_base.astype(dtype),
                                  betas, np.random.default_rng(3), log_w, units.offsets)
    expected = ref.ais_dbm_reference(S0, Ws, bs, b_base, betas, np.random.default_rng(3),
                                     offsets=units.offsets)
    np.testing.assert_allclose(log_w, expected, atol=1e-10 if dtype == np.float64 else 1e-3)


@pytest.mark.parametrize("copies", [1, 2])
def test_tied_copies_epoch_kernel_matches_numpy_twin(copies):
    """The categorical RBM epoch with ``copies`` tied visible copies (the bottom
    RBM of DBM pretraining): count data in, sums of one-hot draws in the chains."""
    groups = (3, 2, 4)
    units = _units(groups)
    rng = np.random.default_rng(4)
    X = copies * ref.one_hot(np.stack([rng.integers(0, k, 23) for k in groups], axis=1), groups)
    params = (rng.normal(0, 0.5, (5, 9)), rng.normal(0, 0.5, 9), rng.normal(0, 0.5, 5))
    chains = (rng.random((6, 5)) < 0.5).astype(float)
    rows, bounds = rng.permutation(23), np.array([0, 8, 16, 23], dtype=np.int64)
    hyper = SGDHyper(0.1, 0.5, 0.01, 0.0, 2, True, copies)
    a = [tuple(p.copy() for p in params), tuple(np.zeros_like(p) for p in params), chains.copy()]
    b = [tuple(p.copy() for p in params), tuple(np.zeros_like(p) for p in params), chains.copy()]
    _sgd_epoch_categorical(X, rows, bounds, a[0], a[1], a[2], units.offsets, hyper,
                           np.random.default_rng(9))
    ref.sgd_epoch_categorical(X, rows, bounds, b[0], b[1], b[2], units.offsets, hyper,
                              np.random.default_rng(9))
    np.testing.assert_array_equal(a[2], b[2])
    for x, y in zip(a[0] + a[1], b[0] + b[1]):
        np.testing.assert_allclose(x, y, atol=1e-12)


# ------------------------------------------------------------------ samplers and AIS


def test_gibbs_sampler_matches_exact_visible_distribution():
    Ws, bs = _random_dbm(scale=0.8, seed=8)
    model = _model_with(Ws, bs)
    X = model.sample(20000, n_steps=100, random_state=0)
    assert X.dtype.kind == "i"
    empirical = np.bincount(_codes_to_index(X), minlength=6) / len(X)
    _, exact = ref.categorical_dbm_visible_distribution(Ws, bs, GROUPS)
    assert 0.5 * np.abs(empirical - exact).sum() <= 0.03


def test_gibbs_imputation_matches_exact_conditional():
    groups = (3, 2, 2)
    Ws, bs = _random_dbm((3, 2), groups, scale=0.8, seed=9)
    model = _model_with(Ws, bs, groups)
    X = np.repeat(np.array([[2.0, np.nan, np.nan]]), 10000, axis=0)
    mask = np.isnan(X)
    out = model.impute(X, mask, method="gibbs", n_steps=50, random_state=0)
    np.testing.assert_array_equal(out[:, 0], 2)
    codes, p = ref.categorical_dbm_visible_distribution(Ws, bs, groups)
    keep = codes[:, 0] == 2
    exact = p[keep] / p[keep].sum()  # p(v2, v3 | v1 = 2), in (v2, v3) order
    empirical = np.bincount(out[:, 1] * 2 + out[:, 2], minlength=4) / len(out)
    assert 0.5 * np.abs(empirical - exact).sum() <= 0.03
    # mean field fills in the most probable category of its factor
    filled = model.impute(X[:2], mask[:2])
    assert filled.dtype.kind == "i" and np.all(filled[:, 0] == 2)


def test_ais_log_partition_close_to_exact():
    Ws, bs = _random_dbm((4, 3), scale=0.8, seed=10)
    model = _model_with(Ws, bs, log_z="ais", ais_n_runs=100, ais_n_temperatures=2000)
    exact = exact_log_partition_dbm(Ws, bs, _units())
    result = model.log_partition_result_
    assert result.method == "ais" and model.score_kind_ == "estimate"
    assert abs(model.log_partition_ - exact) < max(0.1, 4 * result.log_z_std)
    assert result.log_z_ci[0] - 0.05 <= exact <= result.log_z_ci[1] + 0.05
    # the public driver on the fitted model (its categorical visible layer)
    again = ais_log_partition_dbm(model, n_runs=100, betas=2000, random_state=1)
    assert abs(again.log_z - exact) < 0.1
    _, std = model.score_samples(np.array([[0, 1], [2, 0]]), return_std=True)
    np.testing.assert_array_equal(std, result.log_z_std)
    assert result.log_z_std > 0


# ------------------------------------------------------------------ pretraining


def test_pretraining_bottom_rbm_has_two_tied_visible_copies():
    """The bottom RBM sees ``2 W v`` on data and sums two softmax draws per
    group in its chains; the next RBM is trained on sigmoid(2 W v + c) and the
    DBM keeps the bottom weights, averaging the shared biases."""
    units = _units((3, 2, 4))
    rng = np.random.default_rng(0)
    V = ref.one_hot(np.stack([rng.integers(0, k, 60) for k in (3, 2, 4)], axis=1), (3, 2, 4))
    kw = dict(learning_rate=0.05, batch_size=10, n_epochs=2)
    Ws, bs, rbms = pretrain_layers(V, (5, 3), rng=np.random.default_rng(0), visible=units, **kw)
    rng = np.random.default_rng(0)
    W0, b0, c0 = fit_scaled_categorical_rbm(V, 5, 2.0, units, rng=rng, **kw)
    from skgenerative.boltzmann._pretraining import fit_scaled_rbm

    W1, b1, c1 = fit_scaled_rbm(expit(2 * V @ W0.T + c0), 3, 1.0, 2.0, rng=rng, **kw)
    assert rbms[0]["scales"] == (2.0, 1.0)
    for a, b in zip(Ws + bs, [W0, W1, b0, 0.5 * (c0 + b1), c1]):
        np.testing.assert_allclose(a, b, atol=1e-12)
    model = DBM((5, 3), visible_type="categorical", max_iter=0, pretrain_max_iter=2,
                pretrain_learning_rate=0.05, batch_size=10, centering=False,
                random_state=0).fit(units.decode(V))
    for a, b in zip(model.components_ + model.intercepts_, Ws + bs):
        np.testing.assert_allclose(a, b, atol=1e-12)


# ------------------------------------------------------------------ estimator contract


def _codes(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return np.stack([rng.integers(0, 3, n), rng.integers(0, 2, n), rng.integers(5, 9, n)], axis=1)


def test_categorical_dbm_fits_pickles_samples_codes_and_scores():
    X = _codes()
    params = dict(hidden_layer_sizes=(4, 3), visible_type="categorical", max_iter=2,
                  pretrain_max_iter=2, batch_size=20, random_state=0)
    model = DBM(**params).fit(X)
    assert [c.tolist() for c in model.categories_] == [[0, 1, 2], [0, 1], [5, 6, 7, 8]]
    np.testing.assert_array_equal(model.feature_offsets_, [0, 3, 5, 9])
    assert model.components_[0].shape == (4, 9) and model.transform(X).shape == (60, 7)
    sample = model.sample(50, n_steps=10, random_state=0)
    assert sample.dtype.kind == "i" and sample.shape == (50, 3)
    assert all(np.isin(sample[:, f], c).all() for f, c in enumerate(model.categories_))
    scores, std = model.score_samples(X, return_std=True)
    assert model.score_kind_ == "lower_bound" and np.all(std == 0) and np.all(scores < 0)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.score_samples(X), scores)
    np.testing.assert_array_equal(clone.sample(3, n_steps=5, random_state=1),
                                  model.sample(3, n_steps=5, random_state=1))
    again = DBM(**params).fit(X)  # the same seed gives the same bits
    for a, b in zip(again.components_ + again.intercepts_, model.components_ + model.intercepts_):
        np.testing.assert_array_equal(a, b)
    model32 = DBM(**params).fit(X.astype(np.float32))
    assert model32.components_[0].dtype == np.float32
    assert model32.transform(X.astype(np.float32)).dtype == np.float32
    online = DBM(**params)
    for block in np.array_split(X, 3):
        online.partial_fit(block)
    assert online.n_iter_ == 3 and np.all(np.isfinite(online.score_samples(X)))
    # one hidden layer: mean field is exact, the bound is the CategoricalRBM's log p(v)
    one = DBM((3,), visible_type="categorical", max_iter=2, batch_size=20, random_state=0).fit(X)
    V = one._visible_values(X)
    W, b = one.components_, one.intercepts_
    log_p = (V @ b[0] + np.logaddexp(0, V @ W[0].T + b[1]).sum(1)) - one.log_partition_
    np.testing.assert_allclose(one.score_samples(X), log_p, atol=1e-8)
    assert np.isclose(logsumexp(one.score_samples(ref.categorical_states((3, 2, 4)) + [0, 0, 5])),
                      0.0)


def test_unknown_categories_and_bad_input():
    X = _codes()
    model = DBM((4, 3), visible_type="categorical", max_iter=1, pretrain_max_iter=1,
                random_state=0).fit(X)
    before = [w.copy() for w in model.components_]
    unknown = X[:3].copy()
    unknown[0, 2] = 4  # not a category of feature 2
    with pytest.raises(ValueError, match="unknown categories"):
        model.score_samples(unknown)
    with pytest.raises(ValueError, match="unknown categories"):
        model.partial_fit(unknown)
    with pytest.raises(ValueError):
        model.partial_fit(np.where(X == 0, np.nan, X))
    with pytest.raises(ValueError):
        model.transform(X[:, :2])
    with pytest.warns(OutOfSupportWarning, match="integer-coded"), pytest.raises(ValueError):
        model.transform(X + 0.5 * (X == 5))  # 5.5: not a code, and not a category
    for w, v in zip(before, model.components_):
        np.testing.assert_array_equal(w, v)
    model.set_params(handle_unknown="ignore")  # the fitted units keep their setting
    with pytest.raises(ValueError, match="unknown categories"):
        model.score_samples(unknown)
    ignoring = DBM((4, 3), visible_type="categorical", handle_unknown="ignore", max_iter=1,
                   pretrain_max_iter=1, random_state=0).fit(X)
    scores = ignoring.score_samples(unknown)
    assert scores[0] == -np.inf and np.all(np.isfinite(scores[1:]))
    assert np.all(np.isfinite(ignoring.transform(unknown)))
    with pytest.raises(ValueError, match="categories"):
        DBM((3,), visible_type="categorical", categories=[[0, 1]], max_iter=0).fit(X)
    with pytest.raises(ValueError, match="unknown categories"):  # a refit that fails...
        model.set_params(categories=[[0, 1, 2], [0, 1], [5, 6, 7]]).fit(X)
    for w, v in zip(before, model.components_):  # ... leaves the fitted model as it was
        np.testing.assert_array_equal(w, v)
    assert len(model.categories_[2]) == 4 and np.all(np.isfinite(model.score_samples(X)))


def test_classifier_with_categorical_dbm():
    """DBMClassifier on a categorical DBM: the one-hot visible layer is the
    MLP's input, and its first layer is one more mean-field pass."""
    from sklearn.datasets import load_digits

    from skgenerative.boltzmann._dbm_classifier import augmented_input

    digits = load_digits()
    X, y = np.minimum(digits.data // 4, 3)[:600], digits.target[:600]
    dbm = DBM((32, 16), visible_type="categorical", categories=[np.arange(4)] * 64,
              batch_size=20, max_iter=3, pretrain_max_iter=3, learning_rate=0.01,
              random_state=0)
    clf = DBMClassifier(dbm, max_iter=0, random_state=0).fit(X[:400], y[:400])
    Q, _ = clf.dbm_._mean_field(clf.dbm_._visible_values(X[:5]))
    _, cache = clf.mlp_.forward(augmented_input(clf.dbm_, X[:5]))
    W, b = clf.dbm_.components_, clf.dbm_.intercepts_
    V = clf.dbm_._visible_values(X[:5])
    np.testing.assert_allclose(cache[1][0], expit(V @ W[0].T + Q[2] @ W[1] + b[1]), atol=1e-10)
    # measured 0.715 (logistic regression on the one-hot codes: 0.80; the
    # binary DBMClassifier on thresholded pixels at this budget: 0.51)
    clf.set_params(max_iter=15, batch_size=50).fit(X[:400], y[:400])
    assert clf.score(X[400:], y[400:]) > 0.65


def test_learning_beats_the_independent_categorical_model_on_digits():
    """4-level digits: the DBM's bound with the exact log Z (12 enumerated
    units) beats the independent categorical model on held-out data (measured:
    -41.8 against -49.6 nats)."""
    from sklearn.datasets import load_digits

    X = np.minimum(load_digits().data // 4, 3).astype(int)
    X_train, X_test = X[:1500], X[1500:]
    counts = np.stack([np.bincount(X_train[:, f], minlength=4) for f in range(64)]) + 1.0
    log_p = np.log(counts / counts.sum(axis=1, keepdims=True))
    independent = np.mean(log_p[np.arange(64), X_test].sum(axis=1))
    model = DBM((12, 6), visible_type="categorical", categories=[np.arange(4)] * 64,
                max_iter=10, pretrain_max_iter=10, batch_size=20, learning_rate=0.01,
                random_state=0).fit(X_train)
    assert model.log_partition_result_.method == "exact"
    assert model.score(X_test) > independent + 5.0
