"""ConditionalRBM: exact sequence likelihood, gradients, sampler, input convention."""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from skgenerative import ConditionalRBM
from skgenerative.sequence._conditional import frame_log_likelihood
from skgenerative.sequence._crbm import _parameter_gradients
from skgenerative.sequence._validation import history_matrix
from tests.sequence._reference import (
    assert_sampler_matches_exact,
    all_sequences,
    binary_states,
    exact_negative_phase,
    finite_difference_gradients,
    random_model,
)


def _random_crbm(nv=3, nh=2, order=2, seed=0, visible_units="bernoulli"):
    return random_model(ConditionalRBM, nv, seed, n_components=nh, order=order,
                        visible_units=visible_units)


def test_sequence_likelihood_sums_to_one_over_every_sequence():
    model = _random_crbm()
    X, n_seq = all_sequences(3, 3)
    scores = model.score_samples(X, lengths=np.full(n_seq, 3))
    assert scores.shape == (n_seq,)
    np.testing.assert_allclose(logsumexp(scores), 0.0, atol=1e-10)
    # and score is the mean per frame
    assert model.score(X, lengths=np.full(n_seq, 3)) == pytest.approx(scores.sum() / X.shape[0])


def test_frame_conditional_matches_brute_force_enumeration():
    model = _random_crbm(seed=3)
    X = (np.random.default_rng(1).random((5, 3)) < 0.5).astype(float)
    U = history_matrix(X, np.array([5]), model.order)
    Bv, Bh = model._biases(U)
    H, V = binary_states(2), binary_states(3)
    W = model.components_
    for t in range(5):  # log p(v_t | u_t) = log sum_h e^{-E(v_t,h)} / sum_{v,h} e^{-E}
        energy = -(V @ Bv[t])[:, None] - (H @ Bh[t])[None, :] - V @ W.T @ H.T
        log_p = logsumexp(-energy, axis=1) - logsumexp(-energy)
        row = np.flatnonzero((V == X[t]).all(1))[0]
        got = frame_log_likelihood(X[t : t + 1], W, Bv[t : t + 1], Bh[t : t + 1], False)
        np.testing.assert_allclose(got[0], log_p[row], atol=1e-12)


def test_gaussian_frame_likelihood_is_the_mixture_of_gaussians():
    model = _random_crbm(nv=2, nh=2, order=1, seed=4, visible_units="gaussian")
    model.mean_[...] = [0.5, -1.0]
    model.std_[...] = [2.0, 0.5]
    X = np.random.default_rng(2).normal(size=(4, 2))
    got, _ = model._frame_log_likelihood(X, np.array([4]))
    Z = (X - model.mean_) / model.std_
    Bv, Bh = model._biases(history_matrix(Z, np.array([4]), 1))
    H, W = binary_states(2), model.components_
    for t in range(4):  # p(z) = sum_h pi(h) N(z; b + W.T h, I)
        means = Bv[t] + H @ W
        log_pi = H @ Bh[t] + 0.5 * (means**2).sum(1)
        log_pi -= logsumexp(log_pi)
        log_pdf = [multivariate_normal(m, np.eye(2)).logpdf(Z[t]) for m in means]
        expected = logsumexp(log_pi + log_pdf) - np.log(model.std_).sum()
        np.testing.assert_allclose(got[t], expected, atol=1e-10)


def test_gradients_with_exact_expectations_match_finite_differences():
    model = _random_crbm(seed=5)
    X = (np.random.default_rng(3).random((7, 3)) < 0.5).astype(float)
    lengths = np.array([4, 3])
    U = history_matrix(X, lengths, model.order)
    Bv, Bh = model._biases(U)
    W = model.components_
    grads = _parameter_gradients(X, U, W, Bh, exact_negative_phase(W, Bv, Bh))
    numeric = finite_difference_gradients(model, lambda: model.score_samples(X, lengths).sum())
    for name, grad in zip(model._parameter_names, grads):
        np.testing.assert_allclose(grad, numeric[name], atol=1e-6, err_msg=name)


def test_sampler_matches_exact_sequence_distribution():
    model = _random_crbm(nv=3, nh=2, order=1, seed=6)
    for name in model._parameter_names:  # a moderately peaked model
        getattr(model, name)[...] *= 0.8
    assert_sampler_matches_exact(model)


def test_sample_continues_initial_frames():
    model = _random_crbm(seed=7)
    initial = np.array([[1.0, 0, 1], [0, 1, 0]])
    a = model.sample(4, initial=initial, n_sequences=3, random_state=1)
    b = model.sample(4, initial=initial, n_sequences=3, random_state=1)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (12, 3) and set(np.unique(a)) <= {0.0, 1.0}
    with pytest.raises(ValueError):
        model.sample(4, initial=np.ones((2, 5)))
    with pytest.raises(ValueError, match="n_sequences"):
        model.sample(4, n_sequences=0)
    with pytest.raises(ValueError, match="n_frames"):
        model.sample(0)


@pytest.mark.parametrize("lengths, match", [
    ([3, 3], "sum to 6 frames but X has 7 rows"),
    ([7, 0], "at least one frame"),
    ([3.5, 3.5], "integers"),
    ([[3, 4]], "1-D"),
    ([], "non-empty"),
])
def test_bad_lengths_raise_clear_errors(lengths, match):
    X = np.zeros((7, 3))
    with pytest.raises(ValueError, match=match):
        ConditionalRBM(2, max_iter=1).fit(X, lengths=lengths)


def test_lengths_none_is_one_sequence():
    model = _random_crbm(seed=8)
    X = (np.random.default_rng(4).random((6, 3)) < 0.5).astype(float)
    np.testing.assert_array_equal(model.score_samples(X), model.score_samples(X, [6]))
    # splitting the sequence changes the histories, hence the scores
    assert model.score_samples(X, [3, 3]).sum() != pytest.approx(model.score_samples(X)[0])


@pytest.mark.parametrize("method", ["cd", "pcd"])
def test_learns_a_deterministic_cycle_better_than_independent_frames(method):
    # frames cycle 0 -> 1 -> 2: the history predicts each frame exactly
    X = np.tile(np.eye(3), (40, 1))
    lengths = [30, 30, 30, 30]
    model = ConditionalRBM(4, order=1, method=method, learning_rate=0.1, batch_size=10,
                           max_iter=20, random_state=0).fit(X, lengths=lengths)
    independent = np.log(1 / 3) + 2 * np.log(2 / 3)  # best factorised model per frame
    assert model.score(X, lengths=lengths) > independent + 0.5


def test_gaussian_frames_of_an_autoregressive_process_beat_an_independent_gaussian():
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(0)
    X = np.zeros((400, 2))
    for t in range(1, 400):  # x_t = 0.9 x_{t-1} + noise, scaled per feature
        X[t] = 0.9 * X[t - 1] + rng.normal(size=2)
    X *= [1.0, 10.0]
    lengths = [100] * 4
    model = ConditionalRBM(4, order=1, visible_units="gaussian", learning_rate=0.01,
                           batch_size=20, max_iter=30, random_state=0)
    model.fit(X[:300], lengths=lengths[:3])
    independent = GaussianMixture(1, covariance_type="diag").fit(X[:300]).score(X[300:])
    assert model.score(X[300:]) > independent + 0.5
