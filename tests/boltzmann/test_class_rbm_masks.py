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

    ones, zeros = np.ones(len(y)), np.zeros(len(y))
    grads, _, _ = G.gated_data_phase(X, y, P, e, 2, ones, zeros, inference, n_iter)
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


def _brute_joint(P, e, n1):
    """log p(x, z, k, h) of every state of a tiny model, as a dict."""
    W, b, c, U, d = P
    nh, nf = W.shape
    out = {}
    for x in itertools.product([0, 1], repeat=nf):
        for z in itertools.product([0, 1], repeat=nf):
            for h in itertools.product([0, 1], repeat=nh):
                for k in range(U.shape[0]):
                    xa, za, ha = np.array(x, float), np.array(z, float), np.array(h, float)
                    out[(x, z, h, k)] = (
                        b @ xa + e @ za + d[k] + c @ ha
                        + ha[:n1] @ (W[:n1] @ (za * xa) + U[k, :n1])
                        + ha[n1:] @ (W[n1:] @ ((1 - za) * xa)))
    log_z = logsumexp(list(out.values()))
    return {key: value - log_z for key, value in out.items()}


def _brute_model_statistics(P, e, n1):
    W = P[0]
    stats = {"W": np.zeros_like(W), "b": np.zeros(W.shape[1]), "c": np.zeros(W.shape[0]),
             "U": np.zeros_like(P[3]), "d": np.zeros(P[3].shape[0]), "e": np.zeros_like(e)}
    for (x, z, h, k), log_p in _brute_joint(P, e, n1).items():
        p = np.exp(log_p)
        xa, za, ha = np.array(x, float), np.array(z, float), np.array(h, float)
        stats["W"][:n1] += p * np.outer(ha[:n1], za * xa)
        stats["W"][n1:] += p * np.outer(ha[n1:], (1 - za) * xa)
        stats["b"] += p * xa
        stats["c"] += p * ha
        stats["U"][k, :n1] += p * ha[:n1]
        stats["d"][k] += p
        stats["e"] += p * za
    return stats


def test_generative_gradient_matches_finite_differences():
    P, e = _params(K=2, scale=0.5)
    X = _X()[:8]  # binary rows: log p(x, y) is a probability of a state
    y = np.arange(8) % 2
    joint = _brute_joint(P, e, 2)

    def log_lik(P, e):
        joint = _brute_joint(P, e, 2)
        total = 0.0
        for x, k in zip(X.astype(int), y):
            total += logsumexp([v for (xs, _, _, ks), v in joint.items()
                                if xs == tuple(x) and ks == k])
        return total

    assert len(joint) == 2 ** 9 * 2
    w_disc, w_gen = np.full(8, 1.0), np.full(8, 0.3)  # hybrid
    grads, _, _ = G.gated_data_phase(X, y, P, e, 2, w_disc, w_gen, "exact")
    model = _brute_model_statistics(P, e, 2)
    disc = G.gated_data_phase(X, y, P, e, 2, w_disc, 0 * w_gen, "exact")[0]
    eps, rng = 1e-6, np.random.default_rng(1)
    keys = {"W": 0, "b": 1, "c": 2, "U": 3, "d": 4, "e": None}
    for key, index in keys.items():
        gen = (grads[key] - disc[key]) / 0.3 - 8 * model[key]  # the generative gradient
        for _ in range(3):
            shape = e.shape if index is None else P[index].shape
            entry = tuple(rng.integers(s) for s in shape)
            values = []
            for sign in (1, -1):
                Pm, em = [p.copy() for p in P], e.copy()
                (em if index is None else Pm[index])[entry] += sign * eps
                values.append(log_lik(Pm, em))
            fd = (values[0] - values[1]) / (2 * eps)
            if key == "U" and entry[1] >= 2:
                fd = 0.0  # input-only units have no class weights
            np.testing.assert_allclose(gen[entry], fd, atol=1e-6, err_msg=key)


def test_joint_gibbs_sampler_matches_the_enumerated_joint():
    P, e = _params(K=2, scale=0.6)
    rng = np.random.default_rng(0)
    h = (rng.random((6000, 3)) < 0.5).astype(np.float64)
    x, _, y, _, _ = G.gibbs_joint(h, P, e, 2, 30, rng)
    exact = {}
    for (xs, _, _, k), log_p in _brute_joint(P, e, 2).items():
        exact[(xs, k)] = exact.get((xs, k), 0.0) + np.exp(log_p)
    counts = {}
    for row, k in zip(map(tuple, x.astype(int)), y):
        counts[(row, int(k))] = counts.get((row, int(k)), 0) + 1
    tv = 0.5 * sum(abs(counts.get(key, 0) / len(y) - p) for key, p in exact.items())
    assert tv < 0.04


def test_model_phase_is_unbiased_at_equilibrium():
    P, e = _params(K=2, scale=0.5)
    rng = np.random.default_rng(0)
    chains = (rng.random((20000, 3)) < 0.5).astype(np.float64)
    chains = G.gibbs_joint(chains, P, e, 2, 40, rng)[4]  # burn in
    exact = _brute_model_statistics(P, e, 2)
    grads = {key: np.zeros_like(value) for key, value in exact.items()}
    G.gated_model_phase(grads, P, e, 2, np.full(8, 20000 / 8), None, chains, 1, rng)
    for key in grads:
        np.testing.assert_allclose(-grads[key] / 20000, exact[key], atol=0.02, err_msg=key)


# ---------------------------------------------------------------- estimator
def _relevant_first_three(n=200, nf=6, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = (rng.random((n, nf)) < 0.5).astype(float)
    X[:, :3] = np.where(rng.random((n, 3)) < 0.85, y[:, None], 1 - y[:, None])
    return X, y


@pytest.mark.parametrize("inference, objective, method", [
    ("exact", "discriminative", "cd"), ("mean_field", "discriminative", "cd"),
    ("mean_field", "hybrid", "pcd"),
])
def test_fitted_masks_open_on_the_relevant_inputs(inference, objective, method):
    X, y = _relevant_first_three()
    clf = ClassRBM(n_components=6, n_input_only_components=1, objective=objective,
                   method=method, visible_masks=inference, max_iter=30,
                   random_state=0).fit(X, y)
    assert (clf.h_samples_ is None) == (method == "cd")
    e = clf.mask_intercept_
    assert e[:3].min() > e[3:].max()
    assert clf.score(X, y) > 0.85
    if inference == "exact":
        P = clf._params()[:5]
        np.testing.assert_allclose(clf.predict_log_proba(X[:6]),
                                   _brute_log_posterior(X[:6], P, e, 6), atol=1e-10)


def test_masks_reject_what_they_do_not_cover():
    X, y = _relevant_first_three(n=40)
    with pytest.raises(ValueError, match="does not combine"):
        ClassRBM(n_components=2, visible_masks="mean_field", n_factors=2).fit(X, y)
    with pytest.raises(ValueError, match="at most exact_limit=4 inputs, got 6"):
        ClassRBM(n_components=2, objective="discriminative", visible_masks="exact",
                 exact_limit=4).fit(X, y)
    clf = ClassRBM(n_components=2, objective="discriminative", visible_masks="mean_field",
                   max_iter=1, random_state=0, dtype=np.float32).fit(X, y)
    assert clf.components_.dtype == clf.mask_intercept_.dtype == np.float32
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="not available with visible_masks"):
        clf.score_samples(X)
    draws, labels = clf.sample(3, n_steps=2, return_labels=True, random_state=0)
    assert draws.shape == (3, 6) and draws.dtype == np.float32 and set(labels) <= {0, 1}


def test_posterior_in_row_blocks_matches_one_block(monkeypatch):
    P, e = _params(n2=1)
    X = np.random.default_rng(0).random((11, 3))
    whole = G.gated_class_log_posterior(X, P, e, 2, "mean_field", 5)
    monkeypatch.setattr(G, "_BLOCK", 40)  # blocks of one row
    np.testing.assert_allclose(G.gated_class_log_posterior(X, P, e, 2, "mean_field", 5),
                               whole, atol=1e-14)
    assert G.gated_class_log_posterior(X[:0], P, e, 2).shape == (0, 3)
