"""Tests of the DBN and the DBN classifier (§20.3) against exact enumeration,
exact sampling distributions, and baselines."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from scipy.special import logsumexp

import skgenerative

from skgenerative import DBN, BernoulliRBM, DBNClassifier
from skgenerative.exceptions import OutOfSupportWarning
from tests.boltzmann import _reference as ref


def _structured_binary(n, n_features, seed):
    """Noisy copies of three prototypes: data a tiny DBN can model."""
    rng = np.random.default_rng(seed)
    protos = (rng.random((3, n_features)) < 0.5).astype(float)
    X = protos[rng.integers(0, 3, n)]
    flip = rng.random(X.shape) < 0.1
    return np.abs(X - flip)


def _generative(dbn):
    top = dbn.top_rbm_
    return (dbn.generative_weights_, dbn.generative_biases_,
            top.components_, top.intercept_visible_, top.intercept_hidden_)


@pytest.fixture(scope="module")
def tiny_dbns():
    """A 6-4-3 DBN as pretrained (tied weights) and after wake-sleep (untied)."""
    X = _structured_binary(300, 6, 0)
    common = dict(hidden_layer_sizes=(4, 3), max_iter=30, learning_rate=0.1,
                  batch_size=10, random_state=0)
    tied = DBN(**common).fit(X)
    untied = DBN(**common, fine_tune="wake-sleep", fine_tune_iter=10,
                 fine_tune_learning_rate=0.05).fit(X)
    return X, tied, untied


@pytest.mark.parametrize("which", ["tied", "untied"])
def test_bound_below_exact_log_likelihood_tiny_dbn(tiny_dbns, which):
    X, tied, untied = tiny_dbns
    dbn = tied if which == "tied" else untied
    states, p = ref.dbn_visible_distribution(*_generative(dbn))
    assert p.sum() == pytest.approx(1.0)
    exact = np.log(p)
    V = ref.all_binary_states(6)
    np.testing.assert_array_equal(states, V)
    bound = dbn.variational_bound(V)  # enumerated: deterministic, exact bound
    assert np.all(bound <= exact + 1e-9)
    assert np.mean(exact - bound) > 1e-3  # a real gap: q is not the posterior
    reference = ref.dbn_elbo_brute_force(
        V[:8], dbn.recognition_weights_, dbn.recognition_biases_, *_generative(dbn)
    )
    np.testing.assert_allclose(bound[:8], reference, rtol=1e-10, atol=1e-10)
    assert dbn.score_kind_ == "lower_bound"
    np.testing.assert_array_equal(dbn.score_samples(V), bound)


def test_sampled_bound_is_unbiased_for_the_enumerated_bound(tiny_dbns):
    X, tied, _ = tiny_dbns
    V = ref.all_binary_states(6)
    exact_bound = tied.variational_bound(V)
    sampled = tied.variational_bound(V, n_samples=4000)
    assert abs(np.mean(sampled - exact_bound)) < 0.02
    np.testing.assert_allclose(sampled, exact_bound, atol=0.15)


@pytest.mark.parametrize("which", ["tied", "untied"])
def test_importance_estimate_converges_to_exact(tiny_dbns, which):
    X, tied, untied = tiny_dbns
    dbn = tied if which == "tied" else untied
    V = ref.all_binary_states(6)
    exact = np.log(ref.dbn_visible_distribution(*_generative(dbn))[1])
    errors = [np.mean(np.abs(dbn.importance_estimate(V, n_samples=k) - exact))
              for k in (1, 10, 100, 3000)]
    assert errors[0] > errors[1] > errors[2] > errors[3]
    assert errors[-1] < 0.01
    # a lower bound in expectation: at small k the average is below exact
    assert np.mean(dbn.importance_estimate(V, n_samples=2) - exact) < 0


@pytest.mark.parametrize("which", ["tied", "untied"])
def test_sampler_matches_exact_distribution_tiny_dbn(tiny_dbns, which):
    X, tied, untied = tiny_dbns
    dbn = tied if which == "tied" else untied
    states, p = ref.dbn_visible_distribution(*_generative(dbn))
    S = dbn.sample(20000, n_steps=100, random_state=1)
    codes = S.astype(int) @ (1 << np.arange(6))  # index into all_binary_states order
    order = states.astype(int) @ (1 << np.arange(6))
    empirical = np.bincount(codes, minlength=64)[order] / len(S)
    tv = 0.5 * np.abs(empirical - p).sum()
    assert tv <= 0.05, tv


def test_one_hidden_layer_dbn_is_the_rbm():
    X = _structured_binary(200, 6, 1)
    dbn = DBN((4,), max_iter=5, random_state=0).fit(X)
    top = dbn.top_rbm_
    assert isinstance(top, BernoulliRBM)
    exact = ref.rbm_log_marginal_brute_force(X, top.components_, top.intercept_visible_,
                                             top.intercept_hidden_)
    np.testing.assert_allclose(dbn.score_samples(X), exact, rtol=1e-10)
    np.testing.assert_allclose(dbn.importance_estimate(X), exact, rtol=1e-10)
    np.testing.assert_allclose(dbn.transform(X), top.transform(X))


def _digits_dbn(sizes, X, **kw):
    n = len(sizes)
    params = dict(learning_rate=[0.02, 0.01][:n], max_iter=20, batch_size=20,
                  n_gibbs_steps=[1, 5][:n], method="cd", layer_input="sample",
                  layer_init="stacked", n_importance_samples=100, random_state=0)
    params.update(kw)
    return DBN(sizes, **params).fit(X)


def test_stacked_layer_starts_at_the_shallower_likelihood(binary_digits):
    X, _ = binary_digits
    one = _digits_dbn((16,), X)
    two = _digits_dbn((16, 64), X, max_iter=[20, 0])
    np.testing.assert_array_equal(one.rbms_[0].components_, two.rbms_[0].components_)
    # q(h1 | v) is the first RBM's exact posterior and the top RBM is its
    # mirror image: the bound equals the one-layer log-likelihood (every
    # importance weight is the same, so even the sampled bound is exact)
    np.testing.assert_allclose(two.score_samples(X[:200]), one.score_samples(X[:200]),
                               atol=1e-8)


def test_greedy_training_raises_the_training_bound(binary_digits):
    X, _ = binary_digits
    one = _digits_dbn((16,), X)
    two = _digits_dbn((16, 64), X)
    np.testing.assert_array_equal(one.rbms_[0].components_, two.rbms_[0].components_)
    assert one.score_kind_ == two.score_kind_ == "lower_bound"
    gain = two.score(X) - one.score(X)
    assert gain > 0.02, gain


def test_stacked_init_needs_mirror_sizes(binary_digits):
    X, _ = binary_digits
    with pytest.raises(ValueError, match="stacked"):
        DBN((16, 32), max_iter=1, layer_init="stacked").fit(X[:50])


def test_transform_features_and_names():
    X = _structured_binary(100, 6, 2)
    dbn = DBN((5, 3), max_iter=2, features="top", random_state=0).fit(X)
    assert dbn.transform(X).shape == (100, 3)
    dbn_all = DBN((5, 3), max_iter=2, features="all", random_state=0).fit(X)
    H = dbn_all.transform(X)
    assert H.shape == (100, 8)
    np.testing.assert_allclose(H[:, 5:], dbn.transform(X))
    np.testing.assert_allclose(H[:, :5], dbn.rbms_[0].transform(X))
    assert list(dbn_all.get_feature_names_out()) == [f"dbn{i}" for i in range(8)]


def test_per_layer_hyperparameters():
    X = _structured_binary(60, 6, 3)
    dbn = DBN((5, 4, 3), learning_rate=[0.1, 0.05, 0.01], max_iter=[1, 2, 3],
              method=["cd", "pcd", "cd"], batch_size=7, random_state=0).fit(X)
    assert [r.learning_rate for r in dbn.rbms_] == [0.1, 0.05, 0.01]
    assert [r.method for r in dbn.rbms_] == ["cd", "pcd", "cd"]
    assert dbn.layer_n_iter_ == [1, 2, 3] and dbn.n_iter_ == 6
    assert {r.batch_size for r in dbn.rbms_} == {7}
    with pytest.raises(ValueError, match="one per layer"):
        DBN((5, 4), learning_rate=[0.1, 0.1, 0.1]).fit(X)


def test_layer_input_sample_feeds_binary_states():
    X = _structured_binary(60, 6, 4)
    dbn = DBN((5, 3), max_iter=2, layer_input="sample", random_state=0).fit(X)
    assert set(np.unique(dbn.rbms_[1].h_samples_)) <= {0.0, 1.0}
    base = dbn.rbms_[1].base_rate_  # logit of the training marginals of layer 2's input
    assert np.all(np.isfinite(base))


def test_ais_log_partition_of_a_large_top_rbm():
    X = _structured_binary(200, 6, 5)
    exact = DBN((4, 3), max_iter=5, random_state=0).fit(X)
    ais = DBN((4, 3), max_iter=5, random_state=0, log_z="ais", ais_n_runs=50,
              ais_n_temperatures=2000).fit(X)
    assert ais.score_kind_ == "estimate"
    assert ais.log_partition_ == pytest.approx(exact.log_partition_, abs=0.05)
    assert ais.log_partition_result_.n_runs == 50
    imp = DBN((4, 3), max_iter=5, random_state=0, score_method="importance").fit(X)
    assert imp.score_kind_ == "estimate"


def test_deterministic_scores_and_seeded_fit():
    X = _structured_binary(80, 6, 6)
    kw = dict(max_iter=3, fine_tune="wake-sleep", fine_tune_iter=2, random_state=3)
    a, b = DBN((20, 3), **kw).fit(X), DBN((20, 3), **kw).fit(X)
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    np.testing.assert_array_equal(a.score_samples(X), a.score_samples(X))
    # per-row seeds: a row's score does not depend on the other rows
    np.testing.assert_array_equal(a.score_samples(X[::-1])[::-1], a.score_samples(X))
    np.testing.assert_array_equal(a.score_samples(X[:5]), a.score_samples(X)[:5])
    np.testing.assert_array_equal(a.sample(5, n_steps=10), b.sample(5, n_steps=10))


def test_wake_sleep_unties_the_weights():
    X = _structured_binary(100, 6, 7)
    dbn = DBN((5, 3), max_iter=3, fine_tune="wake-sleep", fine_tune_iter=3,
              random_state=0).fit(X)
    W = dbn.rbms_[0].components_
    assert not np.allclose(dbn.generative_weights_[0], W)
    assert not np.allclose(dbn.recognition_weights_[0], W.T)
    assert dbn.top_rbm_ is dbn.rbms_[-1]
    assert dbn.n_iter_ == 3 + 3 + 3


def test_sample_mean_and_continues_stream():
    X = _structured_binary(100, 6, 8)
    dbn = DBN((5, 3), max_iter=2, random_state=0).fit(X)
    m = dbn.sample(4, n_steps=5, mean=True)
    assert np.all((m > 0) & (m < 1))
    clone = pickle.loads(pickle.dumps(dbn))
    np.testing.assert_array_equal(clone.sample(3, n_steps=5), dbn.sample(3, n_steps=5))
    with pytest.raises(ValueError):
        dbn.sample(0)


def test_pickle_and_float32():
    X = _structured_binary(100, 6, 9).astype(np.float32)
    dbn = DBN((5, 3), max_iter=2, random_state=0).fit(X)
    assert dbn.transform(X).dtype == np.float32
    assert dbn.sample(2, n_steps=3).dtype == np.float32
    clone = pickle.loads(pickle.dumps(dbn))
    np.testing.assert_array_equal(clone.score_samples(X), dbn.score_samples(X))
    np.testing.assert_array_equal(clone.transform(X), dbn.transform(X))


def test_bad_input_leaves_model_intact():
    X = _structured_binary(50, 6, 10)
    dbn = DBN((4, 3), max_iter=2, random_state=0).fit(X)
    before = dbn.score_samples(X)
    bad = X.copy()
    bad[0, 0] = np.nan
    for method in (dbn.score_samples, dbn.transform, dbn.variational_bound):
        with pytest.raises(ValueError, match="NaN"):
            method(bad)
        with pytest.raises(ValueError, match="features"):
            method(X[:, :5])
    with pytest.raises(ValueError):
        DBN((4, 3)).fit(bad)
    with pytest.raises(ValueError):
        DBN((4, 3)).fit(X[0])
    with pytest.raises(ValueError, match="at least one layer"):
        DBN(()).fit(X)
    np.testing.assert_array_equal(dbn.score_samples(X), before)
    with pytest.warns(OutOfSupportWarning, match="MinMaxScaler"):
        DBN((4, 3), max_iter=1).fit(X * 16)


# ---------------------------------------------------------------- classifier


@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X / 16.0, y, test_size=0.25, random_state=0,
                                          stratify=y)
    return Xtr, ytr, Xte, yte


def test_classifier_beats_logistic_regression_on_digits(digits_split):
    Xtr, ytr, Xte, yte = digits_split
    clf = DBNClassifier((100,), max_iter=20, learning_rate=0.05, fine_tune_iter=100,
                        fine_tune_learning_rate=3e-3, fine_tune_batch_size=20,
                        alpha=0.0, early_stopping=True, random_state=0).fit(Xtr, ytr)
    logreg = LogisticRegression(max_iter=2000).fit(Xtr, ytr)
    acc, base = clf.score(Xte, yte), logreg.score(Xte, yte)
    assert acc >= base, (acc, base)
    proba = clf.predict_proba(Xte)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(Xte))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(Xte)), proba, rtol=1e-10)
    assert len(clf.validation_scores_) == clf.n_iter_


def test_classifier_starts_from_the_pretrained_weights(digits_split):
    Xtr, ytr, _, _ = digits_split
    clf = DBNClassifier((16, 8), max_iter=2, fine_tune_iter=0, random_state=0).fit(Xtr, ytr)
    for l, rbm in enumerate(clf.rbms_):
        np.testing.assert_array_equal(clf.mlp_.params[f"W{l}"], rbm.components_.T)
        np.testing.assert_array_equal(clf.mlp_.params[f"b{l}"], rbm.intercept_hidden_)


def test_classifier_sgd_string_labels_and_pickle(digits_split):
    Xtr, ytr, Xte, _ = digits_split
    labels = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven",
                       "eight", "nine"])
    clf = DBNClassifier((32,), max_iter=2, solver="sgd", fine_tune_learning_rate=0.1,
                        fine_tune_iter=5, early_stopping=False, random_state=0)
    clf.fit(Xtr[:400], labels[ytr[:400]])
    assert set(clf.predict(Xte)) <= set(labels)
    assert clf.n_iter_ == 5 and not hasattr(clf, "validation_scores_")
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.predict_proba(Xte), clf.predict_proba(Xte))


def test_classifier_bad_input(digits_split):
    Xtr, ytr, _, _ = digits_split
    with pytest.raises(ValueError, match="class"):
        DBNClassifier((8,), max_iter=1).fit(Xtr[:20], np.zeros(20))
    clf = DBNClassifier((8,), max_iter=1, fine_tune_iter=2, random_state=0).fit(Xtr, ytr)
    before = clf.predict_proba(Xtr[:10])
    with pytest.raises(ValueError, match="features"):
        clf.predict(Xtr[:, :10])
    bad = Xtr[:10].copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        clf.predict(bad)
    np.testing.assert_array_equal(clf.predict_proba(Xtr[:10]), before)


# ---------------------------------------------------------- Gaussian visibles


def _gaussian_mixture_exact(dbn):
    """Per hidden state h1: log p(h1) and the mean of p(v | h1) (eq. 20.20)."""
    top = dbn.top_rbm_
    H1 = ref.all_binary_states(top.n_features_in_)
    W, b, c = top.components_, top.intercept_visible_, top.intercept_hidden_
    log_prior = -ref.rbm_free_energy(H1, W, b, c) - ref.rbm_log_partition_brute_force(W, b, c)
    means = H1 @ dbn.generative_weights_[0] + dbn.generative_biases_[0]
    return log_prior, means


@pytest.fixture(scope="module")
def gaussian_dbn():
    rng = np.random.default_rng(0)
    centers = np.array([[-1.5, 0.0], [1.5, 1.0], [0.0, -1.5]])
    X = centers[rng.integers(0, 3, 400)] + 0.4 * rng.standard_normal((400, 2))
    dbn = DBN((3, 2), visible_type="gaussian", learning_rate=[0.01, 0.1], max_iter=30,
              batch_size=10, random_state=0).fit(X)
    return X, dbn


def test_gaussian_visible_dbn_bound_and_estimate_vs_exact_density(gaussian_dbn):
    X, dbn = gaussian_dbn
    assert isinstance(dbn.rbms_[0], skgenerative.GaussianBernoulliRBM)
    beta = dbn.visible_precision_
    np.testing.assert_array_equal(beta, dbn.rbms_[0].precision_)
    log_prior, means = _gaussian_mixture_exact(dbn)
    V = X[:50]
    log_norm = 0.5 * np.sum(np.log(beta / (2 * np.pi)))
    comp = -0.5 * (((V[:, None, :] - means[None]) ** 2) @ beta) + log_norm
    exact = logsumexp(comp + log_prior, axis=1)
    bound = dbn.score_samples(V)
    assert np.all(bound <= exact + 1e-9)
    est = dbn.importance_estimate(V, n_samples=3000)
    np.testing.assert_allclose(est, exact, atol=0.05)
    # recognition weights see beta * v, as the Gaussian RBM's hidden units do
    # (features="all" by default: the first layer's means, then the top layer's)
    H1 = dbn.rbms_[0].transform(V)
    np.testing.assert_allclose(dbn.transform(V), np.hstack([H1, dbn.top_rbm_.transform(H1)]))


def test_gaussian_visible_dbn_sampler_moments(gaussian_dbn):
    X, dbn = gaussian_dbn
    log_prior, means = _gaussian_mixture_exact(dbn)
    p = np.exp(log_prior)
    mean = p @ means
    second = (means * p[:, None]).T @ means + np.diag(1 / dbn.visible_precision_)
    S = dbn.sample(20000, n_steps=100, random_state=2)
    np.testing.assert_allclose(S.mean(axis=0), mean, atol=0.05)
    np.testing.assert_allclose(S.T @ S / len(S), second, atol=0.1)


def test_gaussian_visible_dbn_wake_sleep_and_classifier(gaussian_dbn):
    X, _ = gaussian_dbn
    dbn = DBN((3, 2), visible_type="gaussian", learning_rate=[0.01, 0.1], max_iter=3,
              fine_tune="wake-sleep", fine_tune_iter=2, random_state=0).fit(X)
    assert np.all(np.isfinite(dbn.score_samples(X)))
    y = (X[:, 0] > 0).astype(int)
    clf = DBNClassifier((8,), visible_type="gaussian", learning_rate=0.01, max_iter=3,
                        fine_tune_iter=30, fine_tune_learning_rate=0.01,
                        random_state=0).fit(X, y)
    rbm = clf.rbms_[0]
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match="Gaussian"):
        DBN((3, 2), visible_type="gaussian", layer_init="stacked", max_iter=1).fit(X)
    assert rbm.precision_.shape == (2,)


# ------------------------------------------------------------ sklearn glue


def test_pipeline_grid_search_and_set_output(binary_digits):
    pd = pytest.importorskip("pandas")
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    X, X_test = binary_digits
    target = load_digits().target
    X, X_test, y, y_test = X[:500], X_test[:100], target[:500], target[1500:1600]
    pipe = make_pipeline(DBN((32, 16), max_iter=20, random_state=0),
                         LogisticRegression(max_iter=500)).fit(X, y)
    assert pipe.score(X_test, y_test) > 0.5  # chance is 0.1
    search = GridSearchCV(DBN(max_iter=2, random_state=0),
                          {"hidden_layer_sizes": [(4, 3), (8, 4)]}, cv=2).fit(X)
    assert search.best_params_["hidden_layer_sizes"] in [(4, 3), (8, 4)]
    out = DBN((5, 3), max_iter=1, features="top", random_state=0).set_output(transform="pandas")
    frame = out.fit(X).transform(X_test)
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == ["dbn0", "dbn1", "dbn2"]


def test_warm_start_continues_greedy_training_layer_by_layer():
    # the budgeted reproduction runs train one layer one epoch per fit call
    X = _structured_binary(300, 12, seed=0)
    kw = dict(hidden_layer_sizes=(6, 4), batch_size=20, random_state=0)
    whole = DBN(max_iter=(3, 0), **kw).fit(X)
    dbn = DBN(max_iter=(1, 0), warm_start=True, **kw).fit(X)
    top_before = dbn.rbms_[1].components_.copy()
    dbn.fit(X).fit(X)
    # the bottom RBM continued exactly; the untrained top layer was left alone
    np.testing.assert_array_equal(dbn.rbms_[0].components_, whole.rbms_[0].components_)
    np.testing.assert_array_equal(dbn.rbms_[1].components_, top_before)
    assert dbn.layer_n_iter_ == [3, 0] and dbn.n_iter_ == 3

    bottom = dbn.rbms_[0].components_.copy()
    dbn.set_params(max_iter=(0, 4)).fit(X)
    np.testing.assert_array_equal(dbn.rbms_[0].components_, bottom)
    assert dbn.layer_n_iter_ == [3, 4] and dbn.n_iter_ == 7
    # the directed layer is tied to the (unchanged) bottom RBM, the top moved
    np.testing.assert_array_equal(dbn.generative_weights_[0], bottom)
    assert dbn.top_rbm_ is dbn.rbms_[1] and dbn.rbms_[1].n_iter_ == 4
    assert not np.array_equal(dbn.rbms_[1].components_, top_before)


def test_warm_start_with_no_layer_epochs_continues_wake_sleep_only():
    X = _structured_binary(200, 10, seed=1)
    dbn = DBN((5, 3), max_iter=2, fine_tune="wake-sleep", fine_tune_iter=1,
              warm_start=True, random_state=0).fit(X)
    bottom = dbn.rbms_[0].components_.copy()
    generative = dbn.generative_weights_[0].copy()
    dbn.set_params(max_iter=0).fit(X)
    np.testing.assert_array_equal(dbn.rbms_[0].components_, bottom)
    assert not np.array_equal(dbn.generative_weights_[0], generative)  # wake-sleep went on
    assert dbn.n_iter_ == 2 + 2 + 2  # layer epochs, then two wake-sleep epochs


def test_warm_start_refuses_new_layer_sizes_and_keeps_the_model():
    X = _structured_binary(100, 8, seed=2)
    dbn = DBN((4, 3), max_iter=1, warm_start=True, random_state=0).fit(X)
    before = dbn.score_samples(X[:5])
    with pytest.raises(ValueError, match="hidden_layer_sizes is now"):
        dbn.set_params(hidden_layer_sizes=(4, 2)).fit(X)
    np.testing.assert_array_equal(dbn.set_params(hidden_layer_sizes=(4, 3)).score_samples(X[:5]), before)
