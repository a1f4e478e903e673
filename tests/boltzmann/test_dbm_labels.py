"""Label units of a DBM (Fig. 20.4 b-c): kernels vs twins, joint log Z,
p(y | v) and the Gibbs sampler against enumeration of a tiny model, the
training and fitting contract."""

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative import DBM, DBMClassifier
from skgenerative.boltzmann import _kernels
from skgenerative.boltzmann._mean_field import centered_parameters
from tests.boltzmann import _reference as ref

SIZES = (4, 3, 2)  # visible, h1, h2
K = 3  # classes


def _random_labelled(sizes=SIZES, n_classes=K, scale=1.0, seed=0):
    """Weights and biases of every layer, the label layer last."""
    rng = np.random.default_rng(seed)
    full = tuple(sizes) + (n_classes,)
    Ws = [rng.normal(0, scale, (full[l + 1], full[l])) for l in range(len(full) - 1)]
    bs = [rng.normal(0, scale, n) for n in full]
    return Ws, bs


def _model_with(Ws, bs, **kwargs):
    """A DBM fitted with labels whose parameters are set to (Ws, bs)."""
    rng = np.random.default_rng(0)
    X = (rng.random((30, len(bs[0]))) < 0.5).astype(float)
    y = np.arange(30) % len(bs[-1])
    params = dict(hidden_layer_sizes=tuple(len(b) for b in bs[1:-1]), max_iter=0,
                  pretrain=False, centering=False, random_state=0)
    params.update(kwargs)
    model = DBM(**params).fit(X, y)
    model.offsets_ = [np.zeros(len(b)) for b in bs]
    model._cW, model._cb = centered_parameters(Ws, bs, model.offsets_)
    model._sync_plain()
    model._forget_log_partition()
    return model


def _joint_table(Ws, bs):
    """Every (v, h1, ..., y) of a tiny labelled DBM and its log probability."""
    sizes = [len(b) for b in bs]
    binary = [np.array(list(itertools.product([0.0, 1.0], repeat=n))) for n in sizes[:-1]]
    labels = np.eye(sizes[-1])
    layers = binary + [labels]
    index = np.array(list(itertools.product(*[range(len(s)) for s in layers])))
    states = [layers[l][index[:, l]] for l in range(len(layers))]
    neg_e = sum(np.einsum("ij,ij->i", states[l] @ W.T, states[l + 1]) for l, W in enumerate(Ws))
    neg_e = neg_e + sum(s @ b for s, b in zip(states, bs))
    return states, neg_e - logsumexp(neg_e), logsumexp(neg_e)


def _exact_label_posterior(V, Ws, bs):
    states, log_p, _ = _joint_table(Ws, bs)
    codes = states[0] @ (2 ** np.arange(V.shape[1])[::-1])
    y = states[-1].argmax(axis=1)
    out = []
    for v in V:
        rows = codes == v @ (2 ** np.arange(V.shape[1])[::-1])
        p = np.array([np.exp(logsumexp(log_p[rows & (y == k)])) for k in range(bs[-1].shape[0])])
        out.append(p / p.sum())
    return np.array(out)


# --------------------------------------------------------------- kernels


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("top", [_kernels.TOP_LABELS, _kernels.TOP_CLAMPED])
def test_mean_field_kernel_with_labels_matches_twin(dtype, top):
    Ws, bs = _random_labelled((6, 5, 4), seed=2)
    rng = np.random.default_rng(0)
    V = (rng.random((7, 6)) < 0.5).astype(dtype)
    Y = np.eye(K)[rng.integers(0, K, 7)].astype(dtype)
    Q0 = [V] + [rng.random((7, n)).astype(dtype) for n in (5, 4)] + [Y]
    Qk = tuple(q.copy() for q in Q0)
    n_k = _kernels._mean_field_dbm(Qk, tuple(W.astype(dtype) for W in Ws),
                                   tuple(b.astype(dtype) for b in bs), np.zeros((0, 0), dtype),
                                   7, 1e-9, _kernels.visible_layer(_kernels.BERNOULLI, dtype), top)
    Qr, n_r = ref.mean_field_dbm(Q0, Ws, bs, np.zeros((0, 0)), 7, 1e-9, top=top)
    assert n_k == n_r
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(Qk, Qr):
        np.testing.assert_allclose(a, b, atol=tol)
    if top == _kernels.TOP_CLAMPED:
        np.testing.assert_array_equal(Qk[-1], Y)
    else:
        np.testing.assert_allclose(Qk[-1].sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("top", [_kernels.TOP_LABELS, _kernels.TOP_CLAMPED])
def test_gibbs_kernel_with_labels_matches_twin(dtype, top):
    Ws, bs = _random_labelled((6, 5, 4, 3), seed=4)
    rng = np.random.default_rng(1)
    S0 = [(rng.random((5, n)) < 0.5).astype(dtype) for n in (6, 5, 4, 3)]
    S0.append(np.eye(K, dtype=dtype)[rng.integers(0, K, 5)])
    S = tuple(s.copy() for s in S0)
    _kernels._gibbs_dbm(S, tuple(W.astype(dtype) for W in Ws), tuple(b.astype(dtype) for b in bs),
                        np.zeros((0, 0), dtype), 4, np.random.default_rng(7),
                        _kernels.visible_layer(_kernels.BERNOULLI, dtype), top)
    Sr = ref.gibbs_dbm(S0, Ws, bs, np.zeros((0, 0)), 4, np.random.default_rng(7), top=top)
    for a, b in zip(S, Sr):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(S[-1].sum(axis=1), 1)


# ------------------------------------------------------------- exactness


def test_joint_log_partition_with_labels_matches_enumeration():
    Ws, bs = _random_labelled(seed=3)
    model = _model_with(Ws, bs)
    assert model.classes_.shape == (K,) and model.label_components_.shape == (K, SIZES[-1])
    _, _, log_z = _joint_table(Ws, bs)
    np.testing.assert_allclose(model.log_partition_, log_z, rtol=1e-10)
    assert model.log_partition_result_.method == "exact"


def test_label_ais_pools_classes_near_exact():
    Ws, bs = _random_labelled(scale=0.7, seed=3)
    model = _model_with(Ws, bs, log_z="ais", ais_n_runs=40, ais_n_temperatures=300)
    exact = _joint_table(Ws, bs)[2]
    result = model.log_partition_result_
    assert result.log_weights.shape == (40 * K,)
    assert abs(result.log_z - exact) < max(4 * result.log_z_std, 0.05)


def test_label_posterior_matches_enumeration():
    Ws, bs = _random_labelled(seed=5)
    model = _model_with(Ws, bs, n_mean_field_iter=200, tol=1e-10)
    V = np.array(list(itertools.product([0.0, 1.0], repeat=SIZES[0])))
    exact = _exact_label_posterior(V, Ws, bs)
    np.testing.assert_allclose(model._exact_label_posterior(V), exact, rtol=1e-9)
    mean_field = model.predict_proba(V)
    np.testing.assert_allclose(mean_field.sum(axis=1), 1.0)
    gap = np.abs(mean_field - exact).max()
    # mean field is an approximation: with unit-scale random weights and two
    # hidden layers the largest gap measured 0.019 (mean total variation
    # 0.018), every most probable class the exact one
    assert gap < 0.1, gap
    np.testing.assert_array_equal(mean_field.argmax(axis=1), exact.argmax(axis=1))
    np.testing.assert_array_equal(model.predict(V), model.classes_[mean_field.argmax(axis=1)])


def test_elbo_with_labels_bounds_exact_log_likelihood():
    Ws, bs = _random_labelled(seed=6)
    model = _model_with(Ws, bs, n_mean_field_iter=200, tol=1e-10)
    states, log_p, _ = _joint_table(Ws, bs)
    V = np.array(list(itertools.product([0.0, 1.0], repeat=SIZES[0])))
    codes = states[0] @ (2 ** np.arange(SIZES[0])[::-1])
    exact = np.array([logsumexp(log_p[codes == c]) for c in V @ (2 ** np.arange(SIZES[0])[::-1])])
    bound = model.score_samples(V)
    assert np.all(bound <= exact + 1e-9)
    assert np.all(bound > exact - 2.0)


def test_gibbs_with_labels_samples_exact_joint():
    Ws, bs = _random_labelled(scale=0.6, seed=7)
    model = _model_with(Ws, bs)
    states, log_p, _ = _joint_table(Ws, bs)
    n = 4000
    rng = np.random.default_rng(0)
    S = [(rng.random((n, len(b))) < 0.5).astype(float) for b in bs[:-1]]
    S = tuple(S + [np.eye(K)[rng.integers(0, K, n)]])
    model._gibbs(S, np.zeros((0, 0)), 50, rng)

    def code(v, y):  # the joint state of (v, y)
        return np.rint(v @ (2 ** np.arange(SIZES[0]))).astype(int) * K + y.argmax(axis=1)

    exact = np.bincount(code(states[0], states[-1]), weights=np.exp(log_p), minlength=16 * K)
    empirical = np.bincount(code(S[0], S[-1]), minlength=16 * K) / n
    tv = 0.5 * np.abs(exact - empirical).sum()
    assert tv < 0.06, tv


# ------------------------------------------------------------- estimator


def _labelled_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.random((n, 8)) < 0.5).astype(float)
    y = (X[:, 0] + X[:, 1] > 1).astype(int) + (X[:, 2] > 0)  # 3 classes
    return X, y


def test_joint_training_learns_labels_and_is_seeded():
    X, y = _labelled_data()
    # one hidden layer: on this toy the second layer of a two-layer DBM
    # stays nearly constant over the data, and p(y | v) with it
    params = dict(hidden_layer_sizes=(8,), max_iter=100, learning_rate=0.05, batch_size=20,
                  random_state=0)
    model = DBM(**params).fit(X, y)
    assert len(model.components_) == 1 and len(model.chains_) == 3
    assert (model.predict(X) == y).mean() > 0.75
    twin = DBM(**params).fit(X, y)
    np.testing.assert_array_equal(model.label_components_, twin.label_components_)
    # a fit without y afterwards forgets the labels
    model.set_params(max_iter=1).fit(X)
    assert not hasattr(model, "classes_") and not hasattr(model, "predict")


def test_labels_must_match_the_fitted_model():
    X, y = _labelled_data(60)
    model = DBM((3, 2), max_iter=1, pretrain=False, random_state=0, warm_start=True).fit(X, y)
    before = model.label_components_.copy()
    with pytest.raises(ValueError, match="not seen"):
        model.fit(X, y + 5)
    np.testing.assert_array_equal(model.label_components_, before)
    unlabelled = DBM((3, 2), max_iter=1, pretrain=False, random_state=0).fit(X)
    with pytest.raises(ValueError, match="without labels"):
        unlabelled.partial_fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        DBM((3, 2), max_iter=1).fit(X, np.linspace(0, 1, 60))


def test_partial_fit_with_labels_continues_with_or_without_labels():
    X, y = _labelled_data(60)
    model = DBM((3, 2), random_state=0).partial_fit(X, y).partial_fit(X[:20], y[:20])
    before = model.label_components_.copy()
    # unlabelled rows train p(v) with the labels summed out (free in mean field)
    model.partial_fit(X[20:])
    assert model.predict_proba(X).shape == (60, 3)
    assert not np.array_equal(model.label_components_, before)


@pytest.mark.parametrize("visible_type", ["gaussian", "categorical"])
def test_labels_with_other_visible_types(visible_type):
    X, y = _labelled_data(60)
    if visible_type == "gaussian":
        X = X + np.random.default_rng(0).normal(0, 0.3, X.shape)
    model = DBM((3, 2), visible_type=visible_type, max_iter=2, pretrain_max_iter=2,
                learning_rate=0.005, pretrain_learning_rate=0.01, random_state=0).fit(X, y)
    P = model.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-6)
    assert np.all(np.isfinite(model.score_samples(X)))
    assert model.sample(2, n_steps=3, random_state=0).shape == (2, 8)


def test_classifier_label_units_option():
    X, y = _labelled_data(150)
    dbm = DBM((8,), max_iter=10, learning_rate=0.05, batch_size=20, random_state=0)
    clf = DBMClassifier(dbm, label_units=True, max_iter=0, random_state=0).fit(X, y)
    assert hasattr(clf.dbm_, "classes_")
    # the softmax layer starts as the label layer's conditional p(y | h_L)
    np.testing.assert_array_equal(clf.mlp_.params["W1"], clf.dbm_.label_components_.T)
    np.testing.assert_array_equal(clf.mlp_.params["b1"], clf.dbm_.label_intercept_)
    clf.set_params(max_iter=100, learning_rate=0.02, batch_size=50).fit(X, y)
    assert clf.score(X, y) > 0.8
