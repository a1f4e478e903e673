"""ConditionalBoltzmannMachine: the conditional distribution, its gradient,
marginals and mode against brute-force enumeration over outputs and hidden
units; mean field; the estimator on multi-label and multiclass targets."""

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import hamming_loss
from sklearn.multiclass import OneVsRestClassifier

from skgenerative import ConditionalBoltzmannMachine
from skgenerative.boltzmann import _conditional_math as M
from skgenerative.boltzmann import _kernels
from tests.boltzmann import _reference_class as ref


def _params(nh=2, L=3, nf=2, scale=0.9, seed=0, n_factors=0):
    """Random parameters; with ``n_factors`` the gating factors too."""
    rng = np.random.default_rng(seed)
    shapes = [(nh, L), (L,), (L, nf), (nh,), (nh, nf)]
    if n_factors:
        shapes += [(n_factors, nf), (L, n_factors), (nh, n_factors)]
    return tuple(rng.normal(0, scale, s) for s in shapes)


def _binary(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n))).reshape(-1, n)


def _brute_log_p(x, P):
    """log p(y | x) over every binary y, summing exp(-E) over every h."""
    W, a, A, c, C = P[:5]
    if len(P) == 8:  # input-dependent weights W(x) = W + Fh diag(Fx x) Fy^T
        Fx, Fy, Fh = P[5:]
        W = W + (Fh * (Fx @ x)) @ Fy.T
    Ys, Hs = _binary(W.shape[1]), _binary(W.shape[0])
    scores = np.array([
        logsumexp([(a + A @ x) @ y + (c + C @ x) @ h + h @ W @ y for h in Hs]) for y in Ys
    ])
    return scores - logsumexp(scores)


def _inputs(n=5, nf=2, seed=1):
    return np.random.default_rng(seed).normal(0, 1, (n, nf))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_match_numpy_twins(dtype):
    rng = np.random.default_rng(0)
    base, ch, YW = (np.ascontiguousarray(rng.normal(0, 1, s), dtype=dtype)
                    for s in [(6, 8), (6, 5), (8, 5)])
    index = rng.integers(0, 8, 6).astype(np.int64)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    out = np.empty_like(base)
    _kernels._conditional_log_probabilities(base, ch, YW, out)
    np.testing.assert_allclose(out, ref.conditional_log_probabilities(base, ch, YW), atol=tol)
    got = (np.empty_like(base), np.empty_like(ch), np.empty_like(ch), np.empty_like(YW))
    _kernels._conditional_gradient(base, ch, YW, index, *got)
    for g, want in zip(got, ref.conditional_gradient(base, ch, YW, index)):
        np.testing.assert_allclose(g, want, atol=tol, rtol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_3d_kernels_match_numpy_twins(dtype):
    rng = np.random.default_rng(0)
    base = np.ascontiguousarray(rng.normal(0, 1, (6, 8)), dtype=dtype)
    pre3 = np.ascontiguousarray(rng.normal(0, 1, (6, 8, 5)), dtype=dtype)
    index = rng.integers(0, 8, 6).astype(np.int64)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    out = np.empty_like(base)
    _kernels._conditional_log_probabilities_3d(base, pre3, out)
    np.testing.assert_allclose(out, ref.conditional_log_probabilities_3d(base, pre3), atol=tol)
    log_p, T = np.empty_like(base), np.empty_like(pre3)
    _kernels._conditional_gradient_3d(base, pre3, index, log_p, T)
    want_log_p, want_T = ref.conditional_gradient_3d(base, pre3, index)
    np.testing.assert_allclose(log_p, want_log_p, atol=tol)
    np.testing.assert_allclose(T, want_T, atol=tol, rtol=tol)


@pytest.mark.parametrize("n_factors", [0, 2])
def test_state_log_probabilities_match_enumeration(n_factors):
    P = _params(n_factors=n_factors)
    X = _inputs()
    states = M.all_binary_states(3)
    got = M.state_log_probabilities(X, P, states)
    want = np.array([_brute_log_p(x, P) for x in X])
    np.testing.assert_allclose(got, want, atol=1e-10)


@pytest.mark.parametrize("n_factors", [0, 2])
def test_exact_gradient_matches_finite_differences(n_factors):
    P = _params(n_factors=n_factors)
    X = _inputs()
    index = np.array([0, 3, 5, 7, 6])
    states = M.all_binary_states(3)

    def objective(params):
        return sum(_brute_log_p(x, params)[k] for x, k in zip(X, index))

    grads, log_lik = M.exact_gradient(X, index, P, states)
    np.testing.assert_allclose(log_lik.sum(), objective(P), atol=1e-10)
    rng = np.random.default_rng(0)
    eps = 1e-5
    for i, key in enumerate(["W", "a", "A", "c", "C", "Fx", "Fy", "Fh"][: len(P)]):
        for _ in range(3):
            entry = tuple(rng.integers(s) for s in P[i].shape)
            plus, minus = [p.copy() for p in P], [p.copy() for p in P]
            plus[i][entry] += eps
            minus[i][entry] -= eps
            fd = (objective(plus) - objective(minus)) / (2 * eps)
            np.testing.assert_allclose(grads[key][entry], fd, atol=1e-6, err_msg=key)


def test_cd_gradient_data_term_and_mean_field_without_coupling():
    # with W = 0 the outputs are independent given x: mean field is exact and
    # CD's expected model term is the exact one
    W, a, A, c, C = _params(L=3)
    P = (np.zeros_like(W), a, A, c, C)
    X = _inputs(n=4)
    exact = np.exp(M.state_log_probabilities(X, P, M.all_binary_states(3))) @ M.all_binary_states(3)
    np.testing.assert_allclose(M.mean_field(X, P, 5), exact, atol=1e-12)
    Y = (np.random.default_rng(0).random((4, 3)) < 0.5).astype(float)
    rng = np.random.default_rng(0)
    mean = np.mean([M.cd_gradient(X, Y, P, 1, rng)["a"] for _ in range(4000)], axis=0)
    np.testing.assert_allclose(mean, (Y - exact).sum(axis=0), atol=0.05)


def _multilabel(n=300, seed=0):
    X, Y = make_multilabel_classification(
        n_samples=n, n_features=8, n_classes=4, n_labels=2, random_state=seed
    )
    return (X - X.mean(0)) / X.std(0), Y


def test_estimator_matches_enumeration_on_a_tiny_model():
    X, Y = _multilabel(n=60)
    model = ConditionalBoltzmannMachine(n_components=2, max_iter=3, random_state=0).fit(X, Y)
    states = _binary(4)
    log_p = np.array([_brute_log_p(x, model._params()) for x in X[:5]])
    # score_samples(X, y) is log p(y | x), normalised over every label set
    np.testing.assert_allclose(
        model.score_samples(X[:5], Y[:5]),
        log_p[np.arange(5), Y[:5] @ [8, 4, 2, 1]], atol=1e-10,
    )
    per_state = np.array([model.score_samples(X[:5], np.tile(s, (5, 1)).astype(int))
                          for s in states]).T
    np.testing.assert_allclose(logsumexp(per_state, axis=1), 0.0, atol=1e-10)
    # marginals and mode
    np.testing.assert_allclose(model.predict_proba(X[:5]), np.exp(log_p) @ states, atol=1e-10)
    np.testing.assert_array_equal(
        model.predict(X[:5]), (np.exp(log_p) @ states > 0.5).astype(int)
    )
    np.testing.assert_array_equal(
        model.set_params(predict_method="mode").predict(X[:5]), states[log_p.argmax(axis=1)]
    )
    np.testing.assert_allclose(model.score_samples(X[:5]), log_p.max(axis=1), atol=1e-10)
    _, std = model.score_samples(X[:5], Y[:5], return_std=True)
    np.testing.assert_array_equal(std, 0.0)
    assert model.score_kind_ == "exact"


def test_beats_independent_logistic_regressions_on_correlated_labels():
    X, Y = _multilabel(n=600)
    train, test = slice(0, 400), slice(400, None)
    ovr = OneVsRestClassifier(LogisticRegression()).fit(X[train], Y[train])
    model = ConditionalBoltzmannMachine(n_components=32, max_iter=20, random_state=0)
    model.fit(X[train], Y[train])
    assert model.score(X[test], Y[test]) > ovr.score(X[test], Y[test])  # subset accuracy
    assert hamming_loss(Y[test], model.predict(X[test])) <= hamming_loss(
        Y[test], ovr.predict(X[test])) + 0.01


def test_many_labels_train_by_cd_and_predict_by_mean_field():
    X, Y = _multilabel(n=200)
    model = ConditionalBoltzmannMachine(n_components=8, max_iter=30, exact_limit=2,
                                        random_state=0).fit(X, Y)
    assert model.states_ is None
    proba = model.predict_proba(X)
    assert proba.shape == Y.shape and np.all((proba > 0) & (proba < 1))
    np.testing.assert_array_equal(model.predict(X), (proba > 0.5).astype(int))
    # majority per label: 0.44; exact training and decoding: 0.21
    assert hamming_loss(Y, model.predict(X)) < 0.25
    with pytest.raises(ValueError, match="exact_limit"):
        model.score_samples(X, Y)
    with pytest.raises(ValueError, match="exact_limit"):
        model.set_params(predict_method="mode").predict(X)


def test_multiclass_targets_use_one_hot_states():
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1, (90, 3))
    y = np.array(["a", "b", "c"])[np.argmax(X, axis=1)]
    model = ConditionalBoltzmannMachine(n_components=4, max_iter=30, random_state=0).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        np.exp(model.score_samples(X, y)), proba[np.arange(90), np.searchsorted(model.classes_, y)]
    )
    assert model.score(X, y) > 0.9


def test_bad_targets_raise():
    X, Y = _multilabel(n=40)
    with pytest.raises(ValueError, match="indicator"):
        ConditionalBoltzmannMachine(max_iter=1).fit(X, Y * 2)
    model = ConditionalBoltzmannMachine(n_components=2, max_iter=1, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match="4 columns"):
        model.score_samples(X, Y[:, :3])
    warm = ConditionalBoltzmannMachine(n_components=2, max_iter=1, warm_start=True).fit(X, Y)
    before = warm.components_.copy()
    with pytest.raises(ValueError, match="first fit"):
        warm.fit(X, Y[:, 0])
    np.testing.assert_array_equal(warm.components_, before)


@pytest.mark.parametrize("n_factors", [0, 2])
def test_long_cd_chains_give_the_exact_gradient(n_factors):
    # CD-k with k large enough to mix: the model term becomes a sample of the
    # exact expectation, so the estimate averages to the exact gradient
    P = _params(n_factors=n_factors, scale=0.6)
    rng = np.random.default_rng(0)
    X = np.repeat(_inputs(n=2), 5000, axis=0)
    states = M.all_binary_states(3)
    index = rng.integers(0, 8, len(X))
    exact, _ = M.exact_gradient(X, index, P, states)
    cd = M.cd_gradient(X, states[index], P, 30, rng)
    assert exact.keys() == cd.keys()
    for key in exact:  # within 15 % of the gradient's largest entry
        scale = np.abs(exact[key]).max() / len(X)
        np.testing.assert_allclose(cd[key] / len(X), exact[key] / len(X),
                                   atol=0.15 * scale + 1e-3, err_msg=key)


def test_gated_weights_option_trains_and_stays_exact():
    X, Y = _multilabel(n=60)
    model = ConditionalBoltzmannMachine(n_components=2, n_factors=3, max_iter=3,
                                        random_state=0).fit(X, Y)
    assert model.factor_input_.shape == (3, 8) and model.factor_hidden_.shape == (2, 3)
    log_p = np.array([_brute_log_p(x, model._params()) for x in X[:4]])
    np.testing.assert_allclose(
        model.score_samples(X[:4], Y[:4]), log_p[np.arange(4), Y[:4] @ [8, 4, 2, 1]],
        atol=1e-10,
    )
    cd = ConditionalBoltzmannMachine(n_components=2, n_factors=3, max_iter=2, exact_limit=2,
                                     random_state=0).fit(X, Y)
    assert np.all(np.isfinite(cd.predict_proba(X)))
    assert ConditionalBoltzmannMachine(n_components=2, max_iter=1).fit(X, Y) \
        .factor_input_.shape == (0, 8)
