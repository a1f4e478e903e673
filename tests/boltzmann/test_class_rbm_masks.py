"""ClassRBM with point-wise visible masks (Sohn et al. 2013): the exact class
posterior against a brute-force sum over masks and hidden units, the
mean-field posterior as a bound, both gradients against finite differences,
and the estimator option."""

import itertools

import numpy as np
import pytest
from scipy.special import log_softmax, logsumexp

from skgenerative import ClassRBM
from skgenerative.boltzmann import _class_rbm_masks as G


def _params(n1=2, n2=1, nf=3, K=3, scale=0.9, seed=0):
    rng = np.random.default_rng(seed)
    nh = n1 + n2
    W = rng.normal(0, scale, (nh, nf))
    b, c = rng.normal(0, scale, nf), rng.normal(0, scale, nh)
    U = rng.normal(0, scale, (K, nh))
    U[:, n1:] = 0.0
    d, e = rng.normal(0, scale, K), rng.normal(0, scale, nf)
    return (W, b, c, U, d), e


def _brute_log_posterior(X, P, e, n1):
    """log p(k | x) by summing exp(-E(x, z, k, h)) over every binary z and h."""
    W, b, c, U, d = P
    nh, nf = W.shape
    out = np.empty((X.shape[0], U.shape[0]))
    for i, x in enumerate(X):
        for k in range(U.shape[0]):
            terms = []
            for z in itertools.product([0, 1], repeat=nf):
                z = np.array(z, float)
                for h in itertools.product([0, 1], repeat=nh):
                    h = np.array(h, float)
                    h1, h2 = h[:n1], h[n1:]
                    neg_e = (b @ x + e @ z + d[k] + c @ h + h1 @ (W[:n1] @ (z * x) + U[k, :n1])
                             + h2 @ (W[n1:] @ ((1 - z) * x)))
                    terms.append(neg_e)
            out[i, k] = logsumexp(terms)
    return log_softmax(out, axis=1)


def _X(nf=3):
    rng = np.random.default_rng(3)
    X = np.array(list(itertools.product([0, 1], repeat=nf)), float)
    return np.vstack([X, rng.random((2, nf))])  # and grey levels


@pytest.mark.parametrize("n2", [0, 1])
def test_exact_posterior_matches_brute_force(n2):
    P, e = _params(n2=n2)
    X = _X()
    np.testing.assert_allclose(
        G.gated_class_log_posterior(X, P, e, 2, inference="exact"),
        _brute_log_posterior(X, P, e, 2), atol=1e-10,
    )


def test_mean_field_scores_bound_the_exact_ones_and_are_close():
    P, e = _params(scale=0.5)
    X = _X()
    exact = G._class_scores(X, P, e, 2, "exact", 0)[0]
    mf = G._class_scores(X, P, e, 2, "mean_field", 200)[0]
    assert np.all(mf <= exact + 1e-10)
    post_mf = G.gated_class_log_posterior(X, P, e, 2, "mean_field", 200)
    post_exact = G.gated_class_log_posterior(X, P, e, 2, "exact")
    np.testing.assert_allclose(np.exp(post_mf), np.exp(post_exact), atol=0.05)


def test_masks_off_remove_the_input_from_the_class_path():
    # masks forced to 0 (very negative bias): the posterior ignores x
    P, e = _params(n2=1)
    post = G.gated_class_log_posterior(_X(), P, np.full(3, -60.0), 2, "exact")
    np.testing.assert_allclose(post, post[[0]].repeat(len(post), axis=0), atol=1e-12)
    # forced to 1 with no input-only units: the plain class RBM
    P, e = _params(n2=0)
    from skgenerative.boltzmann import _class_rbm_math as M
    np.testing.assert_allclose(
        G.gated_class_log_posterior(_X(), P, np.full(3, 60.0), 2, "exact"),
        M.class_log_posterior(_X(), P), atol=1e-10,
    )


@pytest.mark.parametrize("inference", ["exact", "mean_field"])
def test_gradient_matches_finite_differences(inference):
    P, e = _params(scale=0.5)
    X = _X()
    y = np.arange(X.shape[0]) % 3
    n_iter = 300  # converged fixed point: the envelope theorem applies

    def objective(P, e):
        log_p = G.gated_class_log_posterior(X, P, e, 2, inference, n_iter)
        return log_p[np.arange(len(y)), y].sum()

    grads, _ = G.gated_discriminative_gradient(X, y, P, e, 2, inference, n_iter)
    np.testing.assert_array_equal(grads["U"][:, 2:], 0.0)
    eps, rng = 1e-6, np.random.default_rng(0)
    keys = {"W": 0, "c": 2, "U": 3, "d": 4, "e": None}
    for key, index in keys.items():
        for _ in range(4):
            shape = e.shape if index is None else P[index].shape
            entry = tuple(rng.integers(s) for s in shape)
            if key == "U" and entry[1] >= 2:
                continue
            values = []
            for sign in (1, -1):
                Pm, em = [p.copy() for p in P], e.copy()
                target = em if index is None else Pm[index]
                target[entry] += sign * eps
                values.append(objective(Pm, em))
            fd = (values[0] - values[1]) / (2 * eps)
            np.testing.assert_allclose(grads[key][entry], fd, atol=1e-6, err_msg=key)


# ---------------------------------------------------------------- estimator
def _relevant_first_three(n=200, nf=6, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = (rng.random((n, nf)) < 0.5).astype(float)
    X[:, :3] = np.where(rng.random((n, 3)) < 0.85, y[:, None], 1 - y[:, None])
    return X, y


@pytest.mark.parametrize("inference", ["exact", "mean_field"])
def test_fitted_masks_open_on_the_relevant_inputs(inference):
    X, y = _relevant_first_three()
    clf = ClassRBM(n_components=6, n_input_only_components=1, objective="discriminative",
                   visible_masks=inference, max_iter=30, random_state=0).fit(X, y)
    e = clf.mask_intercept_
    assert e[:3].min() > e[3:].max()
    assert clf.score(X, y) > 0.85
    if inference == "exact":
        P = clf._params()[:5]
        np.testing.assert_allclose(clf.predict_log_proba(X[:6]),
                                   _brute_log_posterior(X[:6], P, e, 6), atol=1e-10)


def test_masks_reject_what_they_do_not_cover():
    X, y = _relevant_first_three(n=40)
    with pytest.raises(ValueError, match="discriminative objective only"):
        ClassRBM(n_components=2, visible_masks="mean_field").fit(X, y)
    with pytest.raises(ValueError, match="at most exact_limit=4 inputs, got 6"):
        ClassRBM(n_components=2, objective="discriminative", visible_masks="exact",
                 exact_limit=4).fit(X, y)
    clf = ClassRBM(n_components=2, objective="discriminative", visible_masks="mean_field",
                   max_iter=1, random_state=0, dtype=np.float32).fit(X, y)
    assert clf.components_.dtype == clf.mask_intercept_.dtype == np.float32
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-5)
    for method in (clf.score_samples, lambda X: clf.sample(2)):
        with pytest.raises(ValueError, match="not available with visible_masks"):
            method(X)


def test_posterior_in_row_blocks_matches_one_block(monkeypatch):
    P, e = _params(n2=1)
    X = np.random.default_rng(0).random((11, 3))
    whole = G.gated_class_log_posterior(X, P, e, 2, "mean_field", 5)
    monkeypatch.setattr(G, "_BLOCK", 40)  # blocks of one row
    np.testing.assert_allclose(G.gated_class_log_posterior(X, P, e, 2, "mean_field", 5),
                               whole, atol=1e-14)
    assert G.gated_class_log_posterior(X[:0], P, e, 2).shape == (0, 3)
