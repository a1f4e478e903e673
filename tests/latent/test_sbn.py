import itertools

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative.latent import SigmoidBeliefNet
from skgenerative.latent._sbn import (
    _generative_log_joint,
    _recognition_grads_on,
    _weighted_backward,
)


def _states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def _log_bern(x, logits):
    return (x * logits - np.logaddexp(0, logits)).sum(-1)


def _exact_log_px(model, X):
    """Brute force: sum over every joint hidden state of p(h_L) ... p(x | h_1)."""
    gen, b = model.generative_, model.prior_["prior_b"]
    hidden = [_states(net.n_inputs) for net in gen]
    out = []
    for x in X:
        terms = []
        for hs in itertools.product(*hidden):
            states = [x, *hs]
            lp = _log_bern(states[-1], b)
            for l, net in enumerate(gen):
                W, c = net.params[f"gen{l}_W0"], net.params[f"gen{l}_b0"]
                lp += _log_bern(states[l], states[l + 1] @ W + c)
            terms.append(lp)
        out.append(logsumexp(terms))
    return np.array(out)


def _bars_and_stripes(side=3):
    rows = []
    for bits in itertools.product([0, 1], repeat=side):
        img = np.repeat(np.array(bits)[:, None], side, axis=1)
        rows += [img.ravel(), img.T.ravel()]
    return np.unique(np.array(rows, dtype=float), axis=0)


@pytest.fixture(scope="module")
def tiny_sbn():
    rng = np.random.default_rng(0)
    X = (rng.random((200, 4)) < [0.2, 0.7, 0.5, 0.4]).astype(float)
    model = SigmoidBeliefNet((3, 2), max_iter=20, learning_rate=1e-2, batch_size=20,
                             n_importance_samples=20000, random_state=0)
    return model.fit(X)


def test_score_samples_matches_exact_enumeration_on_tiny_net(tiny_sbn):
    X = _states(4)
    exact = _exact_log_px(tiny_sbn, X)
    np.testing.assert_allclose(np.exp(exact).sum(), 1.0)
    np.testing.assert_allclose(tiny_sbn.score_samples(X), exact, atol=0.02)
    # fewer samples: a lower bound in expectation, never above within error bars
    log_w = tiny_sbn._log_weights(X, 6000, 1)  # (k, n): 6000 independent weights per row
    groups = logsumexp(log_w.reshape(2000, 3, -1), axis=1) - np.log(3)  # 2000 draws of L_3
    se = groups.std(0) / np.sqrt(len(groups))
    assert np.all(groups.mean(0) <= exact + 4 * se)
    # and the single weights are unbiased for p(x) itself
    w = np.exp(log_w)
    assert np.all(np.abs(w.mean(0) - np.exp(exact)) < 4 * w.std(0) / np.sqrt(len(w)))


def test_ancestral_samples_follow_the_exact_distribution(tiny_sbn):
    X = _states(4)
    p = np.exp(_exact_log_px(tiny_sbn, X))
    S = tiny_sbn.sample(20000, random_state=0)
    codes = S @ (2 ** np.arange(4)[::-1])
    freq = np.bincount(codes.astype(int), minlength=16) / len(S)
    assert 0.5 * np.abs(freq - p).sum() < 0.02


def test_log_joint_and_recognition_gradients_match_finite_differences(tiny_sbn):
    rng = np.random.default_rng(1)
    model = tiny_sbn
    states = model._dream(6, rng)
    w = rng.random(6)
    _, parts, g_prior = _generative_log_joint(model.generative_, model.prior_["prior_b"], states)
    grads = _weighted_backward(model.generative_, parts, w)
    grads["prior_b"] = (g_prior * w[:, None]).sum(0)
    grads.update(_recognition_grads_on(model.recognition_, states, w))

    def objective():
        lp = _generative_log_joint(model.generative_, model.prior_["prior_b"], states)[0]
        lq = 0.0
        for l, net in enumerate(model.recognition_):
            lq = lq + _log_bern(states[l + 1], net.predict(states[l]))
        return float((w * (lp + lq)).sum())

    for key, value in model.optimizer_.params.items():
        i = (0,) * value.ndim
        old = value[i]
        value[i] = old + 1e-6
        up = objective()
        value[i] = old - 1e-6
        down = objective()
        value[i] = old
        np.testing.assert_allclose(grads[key][i], (up - down) / 2e-6, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("method", ["wake-sleep", "rws", "nvil"])
def test_each_learning_rule_raises_exact_training_likelihood_on_bars_and_stripes(method):
    X = _bars_and_stripes(3)  # 14 patterns, 9 pixels
    X_train = np.repeat(X, 20, axis=0)
    model = SigmoidBeliefNet((8,), method=method, max_iter=0, n_importance_samples=10,
                             learning_rate=3e-2, batch_size=20, random_state=0).fit(X_train)
    before = _exact_log_px(model, X).mean()
    model.set_params(warm_start=True, max_iter=40).fit(X_train)
    after = _exact_log_px(model, X).mean()
    # uniform over the 14 patterns would be log(1/14) = -2.64; 9 fair coins -6.24
    assert after > before + 1.0, (before, after)
    assert after > -5.5


def test_nvil_updates_its_baseline_and_variance_normaliser(binary_digits):
    m = SigmoidBeliefNet((8,), method="nvil", max_iter=2, n_importance_samples=10,
                         random_state=0).fit(binary_digits[0][:300])
    assert m.baseline_.n_updates_ == 6
    assert m.baseline_.mean_ < 0  # tracks log p(x, h) - log q(h | x)
    assert any(k.startswith("baseline_") for k in m.optimizer_.params)


def test_transform_is_mean_field_upward_pass(binary_digits):
    X = binary_digits[0][:50]
    m = SigmoidBeliefNet((6, 3), max_iter=1, n_importance_samples=10, random_state=0).fit(X)
    H = m.transform(X)
    assert H.shape == (50, 3) and np.all((H > 0) & (H < 1))
    a = X
    for l, net in enumerate(m.recognition_):
        a = 1 / (1 + np.exp(-(a @ net.params[f"rec{l}_W0"] + net.params[f"rec{l}_b0"])))
    np.testing.assert_allclose(H, a)
    assert list(m.get_feature_names_out()) == ["sigmoidbeliefnet0", "sigmoidbeliefnet1",
                                               "sigmoidbeliefnet2"]


def test_deterministic_scores_and_float32(binary_digits):
    X = binary_digits[0][:200]
    a = SigmoidBeliefNet((5,), max_iter=2, n_importance_samples=20, random_state=3).fit(X)
    b = SigmoidBeliefNet((5,), max_iter=2, n_importance_samples=20, random_state=3).fit(X)
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    np.testing.assert_array_equal(a.score_samples(X[::-1])[::-1], a.score_samples(X))
    f = SigmoidBeliefNet((5,), max_iter=2, n_importance_samples=20,
                         random_state=3).fit(X.astype(np.float32))
    assert f.transform(X).dtype == np.float32 and f.sample(2).dtype == np.float32
    assert f.score_samples(X).dtype == np.float64


def test_partial_fit_and_bad_input(binary_digits):
    X = binary_digits[0]
    m = SigmoidBeliefNet((5,), method="nvil", batch_size=100, n_importance_samples=10,
                         random_state=0)
    m.partial_fit(X[:300]).partial_fit(X[300:600])
    assert m.optimizer_.n_steps == 6 and m.n_iter_ == 2
    before = m.score_samples(X[:20])
    bad = X[:5].copy()
    bad[1, 1] = np.inf
    with pytest.raises(ValueError):
        m.partial_fit(bad)
    np.testing.assert_array_equal(m.score_samples(X[:20]), before)


def _exact_elbo(model, x):
    """sum_h q(h | x) (log p(x, h) - log q(h | x)) for a one-hidden-layer net."""
    H = _states(model.recognition_[0].n_outputs)
    rec, gen = model.recognition_[0], model.generative_[0]
    log_q = _log_bern(H, x @ rec.params["rec0_W0"] + rec.params["rec0_b0"])
    log_p = _log_bern(H, model.prior_["prior_b"]) + _log_bern(
        x, H @ gen.params["gen0_W0"] + gen.params["gen0_b0"]
    )
    return float((np.exp(log_q) * (log_p - log_q)).sum())


def _fd(f, arr, i, h=1e-6):
    old = arr[i]
    arr[i] = old + h
    up = f()
    arr[i] = old - h
    down = f()
    arr[i] = old
    return (up - down) / (2 * h)


@pytest.fixture
def one_layer_sbn():
    rng = np.random.default_rng(0)
    X = (rng.random((100, 4)) < [0.2, 0.7, 0.5, 0.4]).astype(float)
    return SigmoidBeliefNet((3,), method="nvil", max_iter=3, learning_rate=1e-2, batch_size=20,
                            random_state=0).fit(X)


def test_reweighted_generative_gradient_approaches_exact_log_likelihood_gradient(one_layer_sbn):
    model = one_layer_sbn
    x = np.array([[1.0, 0.0, 1.0, 1.0]])
    k = 50_000
    grads, _ = model._wake(
        x, lambda lw: ((np.exp(lw - lw.max()) / np.exp(lw - lw.max()).sum()).ravel(), None),
        np.random.default_rng(0), k,
    )
    params = model.optimizer_.params
    for key, i in [("gen0_W0", (1, 2)), ("gen0_b0", (0,)), ("prior_b", (2,))]:
        exact = _fd(lambda: _exact_log_px(model, x)[0], params[key], i)
        np.testing.assert_allclose(grads[key][i], exact, atol=0.02)


def test_nvil_recognition_gradient_is_unbiased_for_the_elbo_gradient(one_layer_sbn):
    model = one_layer_sbn
    model.baseline_.variance_normalization = False
    x = np.array([[1.0, 0.0, 1.0, 1.0]])
    X = np.repeat(x, 500, axis=0)
    rng = np.random.default_rng(1)
    keys = [("rec0_W0", (0, 1)), ("rec0_W0", (2, 0)), ("rec0_b0", (2,))]
    est = np.array([
        [model._batch_bound_and_grads(X, rng)[1][key][i] for key, i in keys] for _ in range(200)
    ])
    exact = [_fd(lambda: _exact_elbo(model, x[0]), model.optimizer_.params[key], i)
             for key, i in keys]
    se = est.std(axis=0) / np.sqrt(len(est))
    assert np.all(np.abs(est.mean(axis=0) - exact) < 4 * se + 1e-3), (est.mean(0), exact, se)


def test_score_is_within_a_few_reported_standard_errors_of_the_exact_log_likelihood(tiny_sbn):
    X = _states(4)
    log_prob, std = tiny_sbn.score_samples(X, return_std=True)
    error = np.abs(log_prob - _exact_log_px(tiny_sbn, X))
    assert np.all(std > 0) and np.all(error < 4 * std)
