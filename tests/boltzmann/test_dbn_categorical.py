"""DBN with categorical (softmax) visible units: likelihoods against brute
force, samples, features, pickling, reproducibility and a digits benchmark."""

import itertools
import pickle

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.datasets import load_digits

from skgenerative import DBN, DBNClassifier
from skgenerative.exceptions import OutOfSupportWarning

CATEGORIES = [np.array([0.0, 1.0, 2.0])] * 3
#: Every visible state of 3 features with 3 categories.
GRID = np.array(list(itertools.product(range(3), repeat=3)), dtype=np.float64)


def _codes(n, seed=0):
    """Correlated codes: feature 1 copies feature 0 most of the time."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, (n, 3)).astype(np.float64)
    copy = rng.random(n) < 0.8
    X[copy, 1] = X[copy, 0]
    return X


@pytest.fixture(scope="module")
def tiny_dbn():
    X = _codes(300)
    dbn = DBN((3, 2), visible_type="categorical", max_iter=50, learning_rate=0.3,
              random_state=0).fit(X)
    return X, dbn


def _brute_force_log_likelihood(dbn, X):
    """``log p(v) = log sum_h1 p(v | h1) p(h1)``, ``p(h1)`` the top RBM's
    visible marginal, by enumerating h1 (and h2 inside log Z_top)."""
    top = dbn.top_rbm_
    W, b, c = (np.asarray(a, dtype=np.float64) for a in
               (top.components_, top.intercept_visible_, top.intercept_hidden_))
    n1 = W.shape[1]
    H1 = np.array(list(itertools.product([0.0, 1.0], repeat=n1)))
    H2 = np.array(list(itertools.product([0.0, 1.0], repeat=W.shape[0])))
    log_joint_top = H1 @ b[:, None] + (H1 @ W.T) @ H2.T + (H2 @ c)[None, :]
    log_prior = logsumexp(log_joint_top, axis=1) - logsumexp(log_joint_top)  # log p(h1)
    G = np.asarray(dbn.generative_weights_[0], dtype=np.float64)
    g = np.asarray(dbn.generative_biases_[0], dtype=np.float64)
    activation = H1 @ G + g  # (n_h1_states, 9): three groups of three
    log_softmax = np.concatenate(
        [activation[:, 3 * f : 3 * f + 3]
         - logsumexp(activation[:, 3 * f : 3 * f + 3], axis=1, keepdims=True)
         for f in range(3)], axis=1,
    )
    onehot = np.zeros((X.shape[0], 9))
    for f in range(3):
        onehot[np.arange(X.shape[0]), 3 * f + X[:, f].astype(int)] = 1
    log_cond = onehot @ log_softmax.T  # (n_rows, n_h1_states): log p(v | h1)
    return logsumexp(log_cond + log_prior[None, :], axis=1)


def test_exact_likelihood_normalises(tiny_dbn):
    _, dbn = tiny_dbn
    assert np.exp(_brute_force_log_likelihood(dbn, GRID)).sum() == pytest.approx(1.0, abs=1e-10)


def test_bound_below_exact_log_likelihood(tiny_dbn):
    _, dbn = tiny_dbn
    exact = _brute_force_log_likelihood(dbn, GRID)
    bound = dbn.variational_bound(GRID)  # summed over the 3 intermediate units
    assert np.all(bound <= exact + 1e-9)
    assert np.max(exact - bound) > 1e-6  # a real gap: q is not the posterior
    sampled = dbn.variational_bound(GRID, n_samples=4000)
    np.testing.assert_allclose(sampled, bound, atol=0.1)


def test_importance_estimate_normalises_and_matches_exact(tiny_dbn):
    _, dbn = tiny_dbn
    estimate, std = dbn.importance_estimate(GRID, n_samples=4000, return_std=True)
    assert np.exp(estimate).sum() == pytest.approx(1.0, abs=0.02)
    exact = _brute_force_log_likelihood(dbn, GRID)
    assert np.all(np.abs(estimate - exact) < 5 * std + 1e-3)
    # never below the bound of the same draws (Jensen)
    assert np.all(estimate >= dbn.variational_bound(GRID, n_samples=4000) - 1e-9)


def test_sample_returns_category_codes_from_the_model(tiny_dbn):
    X, dbn = tiny_dbn
    S = dbn.sample(4000, n_steps=50, random_state=0)
    assert S.shape == (4000, 3)
    assert set(np.unique(S)) <= {0.0, 1.0, 2.0}
    # the copied feature is reproduced by the model's samples
    assert np.mean(S[:, 0] == S[:, 1]) > 0.6
    # the samples' frequencies are the exact p(v) (total variation; ~0.03 expected)
    frequency = np.bincount((S @ [9, 3, 1]).astype(int), minlength=27) / len(S)
    exact = np.exp(_brute_force_log_likelihood(dbn, GRID))
    assert 0.5 * np.abs(frequency - exact).sum() < 0.06
    M = dbn.sample(5, n_steps=10, mean=True, random_state=0)
    assert M.shape == (5, 3) and set(np.unique(M)) <= {0.0, 1.0, 2.0}
    np.testing.assert_array_equal(dbn.sample(4, n_steps=10, random_state=3),
                                  dbn.sample(4, n_steps=10, random_state=3))


def test_categories_and_transform_shape(tiny_dbn):
    X, dbn = tiny_dbn
    assert [c.tolist() for c in dbn.categories_] == [[0.0, 1.0, 2.0]] * 3
    assert dbn.transform(X[:7]).shape == (7, 5)
    top = DBN((3, 2), visible_type="categorical", features="top", max_iter=1,
              random_state=0).fit(X)
    assert top.transform(X[:7]).shape == (7, 2)


def test_unknown_category_raises_and_non_integer_warns(tiny_dbn):
    X, dbn = tiny_dbn
    with pytest.raises(ValueError, match="unknown categories"):
        dbn.transform(X + 5)
    with pytest.raises(ValueError, match="unknown categories"):
        dbn.score_samples(X + 5)
    with pytest.warns(OutOfSupportWarning, match="integer-coded"):
        DBN((3, 2), visible_type="categorical", max_iter=1, random_state=0).fit(X + 0.5)


def test_given_categories_unseen_in_training():
    X = _codes(100)
    X[:, 2] = np.minimum(X[:, 2], 1)  # category 2 of the last feature never seen
    dbn = DBN((3, 2), visible_type="categorical", categories=CATEGORIES, max_iter=2,
              random_state=0).fit(X)
    assert np.all(np.isfinite(dbn.score_samples(GRID)))
    with pytest.raises(ValueError, match="unknown categories"):
        DBN((3, 2), visible_type="categorical", categories=CATEGORIES, max_iter=1).fit(X + 3)


def test_pickle_and_reproducibility(tiny_dbn):
    X, dbn = tiny_dbn
    clone = pickle.loads(pickle.dumps(dbn))
    np.testing.assert_array_equal(clone.score_samples(GRID), dbn.score_samples(GRID))
    np.testing.assert_array_equal(clone.transform(X), dbn.transform(X))
    again = DBN((3, 2), visible_type="categorical", max_iter=50, learning_rate=0.3,
                random_state=0).fit(X)
    np.testing.assert_array_equal(again.generative_weights_[0], dbn.generative_weights_[0])
    np.testing.assert_array_equal(again.top_rbm_.components_, dbn.top_rbm_.components_)
    np.testing.assert_array_equal(again.score_samples(GRID), dbn.score_samples(GRID))


def test_wake_sleep_and_one_layer():
    X = _codes(200)
    dbn = DBN((3, 2), visible_type="categorical", max_iter=3, fine_tune="wake-sleep",
              fine_tune_iter=2, random_state=0).fit(X)
    assert np.all(np.isfinite(dbn.score_samples(GRID)))
    assert not np.array_equal(dbn.generative_weights_[0],
                              dbn.recognition_weights_[0].T)  # untied by the updates
    one = DBN((3,), visible_type="categorical", max_iter=3, fine_tune="wake-sleep",
              fine_tune_iter=2, random_state=0).fit(X)
    # one layer: the exact likelihood of the categorical RBM
    assert np.exp(one.score_samples(GRID)).sum() == pytest.approx(1.0, abs=1e-9)
    assert set(np.unique(one.sample(20, n_steps=5, random_state=0))) <= {0.0, 1.0, 2.0}


def test_rejected_settings():
    X = _codes(50)
    with pytest.raises(ValueError, match="binary units in every layer"):
        DBN((3, 9), visible_type="categorical", layer_init="stacked", max_iter=1).fit(X)
    with pytest.raises(ValueError, match="visible_type"):
        DBNClassifier((3,), visible_type="categorical").fit(X, X[:, 0])


def test_digits_in_four_levels_beat_independent_categories():
    X = np.minimum(np.floor(load_digits().data / 4), 3)
    train, test = X[:1400], X[1400:]
    counts = np.stack([(train == k).sum(axis=0) for k in range(4)], axis=1) + 1.0
    log_p = np.log(counts / counts.sum(axis=1, keepdims=True))
    independent = log_p[np.arange(64), test.astype(int)].sum(axis=1).mean()
    dbn = DBN((32, 16), visible_type="categorical", categories=[np.arange(4.0)] * 64,
              learning_rate=0.05, max_iter=10, random_state=0).fit(train)
    assert dbn.score(test) > independent + 3  # a lower bound, about 7 nats above
