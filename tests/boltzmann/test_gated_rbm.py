"""GatedRBM: the conditionals, the exact log p(y | x) and its gradient against
brute-force enumeration over outputs and mapping units on a tiny model; the
CD gradient against the exact one; Gibbs samples against p(y | x); the
estimator on shifted binary vectors and its input handling."""

import copy
import itertools
import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.linear_model import LogisticRegression

from skgenerative import GatedRBM
from skgenerative.boltzmann import _conditional_math as cmath
from skgenerative.boltzmann import _gated_math as G
from skgenerative.exceptions import OutOfSupportWarning

NX, NY, NH, NF = 3, 3, 2, 4


def _binary(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n))).reshape(-1, n)


def _params(biases=True, scale=0.8, seed=0):
    """``(W = 0, a, A, c, C, Fx, Fy, Fh)``; ``A, C`` zero unless ``biases``."""
    rng = np.random.default_rng(seed)
    a, c = rng.normal(0, scale, NY), rng.normal(0, scale, NH)
    A, C = rng.normal(0, scale, (NY, NX)), rng.normal(0, scale, (NH, NX))
    if not biases:
        A, C = np.zeros_like(A), np.zeros_like(C)
    Fx, Fy, Fh = (rng.normal(0, scale, s) for s in [(NF, NX), (NY, NF), (NH, NF)])
    return (np.zeros((NH, NY)), a, A, c, C, Fx, Fy, Fh)


def _inputs(n=4, seed=1):
    return np.random.default_rng(seed).normal(0, 1, (n, NX))


def _brute_joint(x, P):
    """``log p(y, h | x)`` of every (y, h), shape (2**NY, 2**NH), from the
    energy written as a sum over factors."""
    _, a, A, c, C, Fx, Fy, Fh = P
    Ys, Hs = _binary(NY), _binary(NH)
    E = np.array([[-np.sum((Fx @ x) * (y @ Fy) * (h @ Fh)) - (a + A @ x) @ y - (c + C @ x) @ h
                   for h in Hs] for y in Ys])
    return -E - logsumexp(-E)


@pytest.mark.parametrize("biases", [False, True])
def test_conditionals_match_enumeration(biases):
    P = _params(biases)
    Ys, Hs = _binary(NY), _binary(NH)
    for x in _inputs():
        log_joint = _brute_joint(x, P)
        X = np.repeat(x[None], len(Ys), axis=0)
        # p(h | x, y) factorises into the Bernoulli means of hidden_means
        mh = G.hidden_means(X, Ys, P)
        log_ph = np.log(np.where(Hs[None], mh[:, None], 1 - mh[:, None])).sum(axis=2)
        brute_ph = log_joint - logsumexp(log_joint, axis=1, keepdims=True)
        np.testing.assert_allclose(log_ph, brute_ph, atol=1e-10)
        # p(y | x, h) likewise
        X = np.repeat(x[None], len(Hs), axis=0)
        my = G.output_means(X, Hs, P)
        log_py = np.log(np.where(Ys[None], my[:, None], 1 - my[:, None])).sum(axis=2)
        brute_py = (log_joint - logsumexp(log_joint, axis=0, keepdims=True)).T
        np.testing.assert_allclose(log_py, brute_py, atol=1e-10)


@pytest.mark.parametrize("over", ["outputs", "hidden"])
@pytest.mark.parametrize("biases", [False, True])
def test_exact_log_conditional_matches_enumeration_and_normalises(over, biases):
    P = _params(biases)
    Ys = _binary(NY)
    for x in _inputs():
        X = np.repeat(x[None], len(Ys), axis=0)
        log_p = G.log_conditional(X, Ys, P, over)
        np.testing.assert_allclose(log_p, logsumexp(_brute_joint(x, P), axis=1), atol=1e-10)
        assert abs(logsumexp(log_p)) < 1e-10


def test_log_partition_blocks_agree():
    # rows split into blocks give the same values as one block
    P = _params()
    X = _inputs(n=50)
    whole = G._log_partition_block(X, P, "hidden")
    old = G._BLOCK
    try:
        G._BLOCK = 2 ** NH * NY * 3  # three rows per block
        np.testing.assert_allclose(G.log_partition(X, P, "hidden"), whole, atol=1e-12)
    finally:
        G._BLOCK = old


def test_exact_gradient_matches_finite_differences():
    P = list(_params())
    X = _inputs(n=5)
    index = np.array([0, 3, 5, 7, 2])
    states = _binary(NY)
    grads, log_lik = cmath.exact_gradient(X, index, tuple(P), states)
    np.testing.assert_allclose(log_lik, G.log_conditional(X, states[index], tuple(P), "hidden"),
                               atol=1e-10)
    eps = 1e-6
    for slot, key in [(1, "a"), (2, "A"), (3, "c"), (4, "C"), (5, "Fx"), (6, "Fy"), (7, "Fh")]:
        numeric = np.zeros_like(P[slot])
        for idx in np.ndindex(P[slot].shape):
            values = []
            for sign in (1, -1):
                Q = [p.copy() for p in P]
                Q[slot][idx] += sign * eps
                values.append(G.log_conditional(X, states[index], tuple(Q), "hidden").sum())
            numeric[idx] = (values[0] - values[1]) / (2 * eps)
        np.testing.assert_allclose(grads[key], numeric, atol=1e-6, err_msg=key)


def test_cd_gradient_averages_toward_the_exact_one():
    P = _params(scale=0.5)
    X = _inputs(n=4)
    index = np.array([1, 6, 3, 4])
    states = _binary(NY)
    exact, _ = cmath.exact_gradient(X, index, P, states)
    reps = 4000
    Xr, Yr = np.tile(X, (reps, 1)), np.tile(states[index], (reps, 1))
    rng = np.random.default_rng(0)
    errors = {}
    for k in (1, 30):
        cd = cmath.cd_gradient(Xr, Yr, P, k, rng)
        num = sum(np.sum((cd[key] / reps - exact[key]) ** 2) for key in ("a", "c", "Fx", "Fy", "Fh"))
        den = sum(np.sum(exact[key] ** 2) for key in ("a", "c", "Fx", "Fy", "Fh"))
        errors[k] = np.sqrt(num / den)
    assert errors[30] < 0.05, errors
    assert errors[30] < errors[1], errors


def test_gibbs_samples_follow_the_exact_conditional():
    P = _params(scale=0.7)
    x = _inputs(n=1)[0]
    n = 20000
    Y = G.gibbs_outputs(np.repeat(x[None], n, axis=0), P, 20, np.random.default_rng(0))
    codes = Y.astype(int) @ (2 ** np.arange(NY - 1, -1, -1))
    empirical = np.bincount(codes, minlength=2 ** NY) / n
    exact = np.exp(logsumexp(_brute_joint(x, P), axis=1))
    assert 0.5 * np.abs(empirical - exact).sum() < 0.02


def _shift_pairs(n=600, d=8, seed=0):
    """Random binary vectors x and y = x cyclically shifted by -1, 0 or +1."""
    rng = np.random.default_rng(seed)
    X = (rng.random((n, d)) < 0.3).astype(float)
    shift = rng.integers(0, 3, n)
    Y = np.array([np.roll(x, s - 1) for x, s in zip(X, shift)])
    return np.hstack([X, Y]), shift


def test_mapping_units_encode_the_shift_and_likelihood_improves():
    XY, shift = _shift_pairs()
    train, test = slice(0, 400), slice(400, None)
    untrained = GatedRBM(max_iter=0, random_state=0).fit(XY[train])
    model = GatedRBM(max_iter=15, random_state=0).fit(XY[train])
    assert model.score(XY[test]) > untrained.score(XY[test]) + 1.0
    accuracy = {}
    for name, est in [("untrained", untrained), ("trained", model)]:
        clf = LogisticRegression(max_iter=1000).fit(est.transform(XY[train]), shift[train])
        accuracy[name] = clf.score(est.transform(XY[test]), shift[test])
    # random factors already separate the shifts somewhat (0.81); training: 0.93
    assert accuracy["trained"] > max(0.88, accuracy["untrained"] + 0.05), accuracy
    # predict takes the inputs alone or whole rows, with the same result
    np.testing.assert_array_equal(model.predict(XY[test, :8]), model.predict(XY[test]))
    samples = model.sample(XY[:5, :8], n_steps=5, random_state=0)
    assert samples.shape == (5, 8) and set(np.unique(samples)) <= {0.0, 1.0}


def test_input_handling():
    XY, _ = _shift_pairs(n=40)
    with pytest.raises(ValueError, match="odd number"):
        GatedRBM(max_iter=1).fit(XY[:, :-1])
    with pytest.raises(ValueError, match="one output column"):
        GatedRBM(n_input_features=16, max_iter=1).fit(XY)
    model = GatedRBM(n_components=3, n_factors=4, max_iter=1, random_state=0).fit(XY)
    with pytest.raises(ValueError, match="expecting 16 features as input"):
        model.predict(XY[:, :5])
    with pytest.raises(ValueError, match="16 features"):
        model.transform(XY[:, :8])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.score_samples(XY * 2)
    found = [w for w in caught if issubclass(w.category, OutOfSupportWarning)]
    assert len(found) == 1 and found[0].filename == __file__
    assert model.enumerated_layer_ == "hidden"  # 3 mapping units, 8 outputs
    big = GatedRBM(n_components=10, n_factors=4, exact_limit=4, max_iter=1).fit(XY)
    assert big.enumerated_layer_ is None
    with pytest.raises(ValueError, match="exact_limit=4"):
        big.score_samples(XY)


def test_float32_early_stopping_and_seeded_sampling():
    XY, _ = _shift_pairs(n=120)
    model = GatedRBM(n_components=4, n_factors=6, max_iter=3, early_stopping=True,
                     random_state=0).fit(XY.astype(np.float32))
    assert len(model.validation_scores_) == 3  # exact mean log p(y | x) of held-out rows
    assert np.all(np.isfinite(model.validation_scores_))
    for out in (model.transform(XY), model.predict(XY[:, :8]), model.score_samples(XY),
                model.sample(XY[:4, :8], n_steps=3)):
        assert out.dtype == np.float32 and np.all(np.isfinite(out))
    np.testing.assert_array_equal(model.sample(XY[:4], random_state=1),
                                  model.sample(XY[:4, :8], random_state=1))


@pytest.mark.parametrize("over", ["outputs", "hidden"])
@pytest.mark.parametrize("biases", [False, True])
def test_exact_output_marginals_match_enumeration(over, biases):
    P = _params(biases)
    X = _inputs()
    got = G.output_marginals(X, P, over)
    for x, row in zip(X, got):
        p_y = np.exp(logsumexp(_brute_joint(x, P), axis=1))  # p(y | x) of every y
        np.testing.assert_allclose(row, p_y @ _binary(NY), atol=1e-10)


def test_predict_is_exact_when_it_can_be_and_partial_fit_continues():
    XY, _ = _shift_pairs(n=96)
    model = GatedRBM(n_components=3, n_factors=4, max_iter=2, random_state=0).fit(XY)
    X = XY[:10, :8]
    exact = model.predict(X)  # "auto": 3 mapping units are enumerated
    np.testing.assert_allclose(
        exact, G.output_marginals(X, model._params(), "hidden"), atol=1e-12)
    mf = model.set_params(predict_method="mean_field").predict(X)
    np.testing.assert_allclose(mf, cmath.mean_field(X, model._params(), 20))
    assert np.abs(mf - exact).max() < 0.2  # close, not equal
    with pytest.raises(ValueError, match="predict_method='mean_field'"):
        model.set_params(predict_method="exact", exact_limit=2).predict(X)
    # partial_fit: blocks in turn train like one pass over their concatenation
    online = GatedRBM(n_components=3, n_factors=4, batch_size=16, random_state=0)
    online.partial_fit(XY[:32])
    whole = copy.deepcopy(online).partial_fit(XY[32:])
    online.partial_fit(XY[32:64]).partial_fit(XY[64:])
    for name in ("factor_input_", "factor_output_", "factor_hidden_", "intercept_output_"):
        np.testing.assert_array_equal(getattr(online, name), getattr(whole, name))
