"""RNNRBM with weight_rank > 0: the RNN also sets each frame's weights
(a rank-r modulation of factors). Exact likelihood, BPTT gradients of the
factors, sampler, AIS with per-frame weights, learning."""

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative import RNNRBM
from tests.sequence._reference import (
    all_sequences,
    assert_bptt_gradients_match_finite_differences,
    assert_sampler_matches_exact,
    random_model,
)


def _weighted_rnnrbm(seed=0, scale=1.0, nh=2, **params):
    return random_model(RNNRBM, 3, seed, scale, n_components=nh, n_recurrent=2,
                        weight_rank=2, **params)


def test_frames_have_their_own_weights_and_sequences_are_normalised():
    model = _weighted_rnnrbm()
    X, n_seq = all_sequences(3, 3)
    W, _, _ = model._frame_rbms(X[:3], np.array([3]))
    assert W.shape == (3, 2, 3) and not np.allclose(W[1], W[2])
    u = np.tanh(model.recurrent_intercept_ + model.initial_state_ @ model.recurrent_weights_.T
                + X[0] @ model.input_weights_.T)  # u_1
    a = model.recurrent_to_weights_ @ u
    expected = model.components_ + model.weight_factors_hidden_ @ np.diag(a) \
        @ model.weight_factors_visible_.T
    np.testing.assert_allclose(W[1], expected, atol=1e-12)
    scores = model.score_samples(X, lengths=np.full(n_seq, 3))
    np.testing.assert_allclose(logsumexp(scores), 0.0, atol=1e-10)


def test_bptt_gradients_of_the_weight_factors_match_finite_differences():
    model = _weighted_rnnrbm(seed=2, scale=0.7)
    W, _, _ = model._frame_rbms(np.zeros((4, 3)), np.array([4]))
    assert W.ndim == 3  # per-frame weights: exact_negative_phase gives E[h v^T] per frame
    assert_bptt_gradients_match_finite_differences(model)


def test_sampler_matches_exact_sequence_distribution():
    assert_sampler_matches_exact(_weighted_rnnrbm(seed=4, scale=0.8))


def test_ais_with_per_frame_weights_matches_exact():
    model = _weighted_rnnrbm(seed=5, scale=0.7, nh=5)
    X = (np.random.default_rng(6).random((9, 3)) < 0.5).astype(float)
    exact = model.score_samples(X, lengths=[4, 5])
    model.set_params(exact_limit=4, ais_n_runs=32, ais_n_temperatures=300)
    estimate, std = model.score_samples(X, lengths=[4, 5], return_std=True)
    assert np.all(std > 0)
    assert np.all(np.abs(estimate - exact) < 4 * std + 1e-3)


def test_learning_raises_the_likelihood_and_rank_is_fixed_after_fit():
    # a cycle whose frames share units, so the weights matter
    X = np.tile([[1, 1, 0], [0, 1, 1], [1, 0, 1]], (20, 1)).astype(float)
    lengths = [30, 30]
    start = RNNRBM(4, n_recurrent=4, weight_rank=2, max_iter=0, random_state=0).fit(
        X, lengths=lengths)
    model = RNNRBM(4, n_recurrent=4, weight_rank=2, learning_rate=0.02, batch_size=1,
                   max_iter=15, random_state=0).fit(X, lengths=lengths)
    assert model.score(X, lengths=lengths) > start.score(X, lengths=lengths) + 1.0
    assert model.sample(4, random_state=0).shape == (4, 3)
    model.set_params(weight_rank=1)
    with pytest.raises(ValueError, match="weight_rank"):
        model.partial_fit(X, lengths=lengths)
    assert model.weight_factors_hidden_.shape == (4, 2)  # unchanged
    model.set_params(weight_rank=0).fit(X, lengths=lengths)
    assert not hasattr(model, "weight_factors_hidden_")
