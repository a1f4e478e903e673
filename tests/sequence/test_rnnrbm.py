"""RNNRBM: exact sequence likelihood, BPTT gradients, sampler, learning."""

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative import RNNRBM
from tests.sequence._reference import (
    assert_bptt_gradients_match_finite_differences,
    assert_sampler_matches_exact,
    all_sequences,
    random_model,
)


def _random_rnnrbm(nv=3, nh=2, nr=2, seed=0, scale=1.0):
    return random_model(RNNRBM, nv, seed, scale, n_components=nh, n_recurrent=nr)


def test_sequence_likelihood_sums_to_one_over_every_sequence():
    model = _random_rnnrbm()
    X, n_seq = all_sequences(3, 3)
    scores = model.score_samples(X, lengths=np.full(n_seq, 3))
    assert scores.shape == (n_seq,)
    np.testing.assert_allclose(logsumexp(scores), 0.0, atol=1e-10)


def test_scores_do_not_depend_on_how_sequences_are_batched():
    model = _random_rnnrbm(seed=1)
    X = (np.random.default_rng(0).random((9, 3)) < 0.5).astype(float)
    together = model.score_samples(X, lengths=[2, 4, 3])
    apart = [model.score_samples(X[:2])[0], model.score_samples(X[2:6])[0],
             model.score_samples(X[6:])[0]]
    np.testing.assert_allclose(together, apart, atol=1e-12)


def test_bptt_gradients_with_exact_expectations_match_finite_differences():
    model = _random_rnnrbm(seed=2, scale=0.7)
    assert_bptt_gradients_match_finite_differences(model)


def test_sampler_matches_exact_sequence_distribution():
    assert_sampler_matches_exact(_random_rnnrbm(seed=4, scale=0.8))


def test_sample_continues_initial_frames_reproducibly():
    model = _random_rnnrbm(seed=5)
    initial = np.array([[1.0, 0, 1], [0, 1, 0]])
    a = model.sample(4, initial=initial, n_sequences=3, random_state=1)
    np.testing.assert_array_equal(a, model.sample(4, initial=initial, n_sequences=3,
                                                  random_state=1))
    assert a.shape == (12, 3)
    with pytest.raises(ValueError, match="sum to"):
        model.score_samples(np.zeros((4, 3)), lengths=[2, 3])


def test_gaussian_frames_fit_and_score():
    X = np.random.default_rng(0).normal(size=(40, 2)) * [1.0, 5.0]
    model = RNNRBM(3, n_recurrent=3, visible_units="gaussian", max_iter=5,
                   random_state=0).fit(X, lengths=[20, 20])
    assert np.isfinite(model.score(X, lengths=[20, 20]))
    assert model.sample(5, random_state=0).shape == (5, 2)


def test_learns_a_deterministic_cycle_better_than_independent_frames():
    X = np.tile(np.eye(3), (40, 1))
    lengths = [30, 30, 30, 30]
    model = RNNRBM(4, n_recurrent=4, learning_rate=0.02, batch_size=1, max_iter=20,
                   random_state=0).fit(X, lengths=lengths)
    independent = np.log(1 / 3) + 2 * np.log(2 / 3)  # best factorised model per frame
    assert model.score(X, lengths=lengths) > independent + 0.5


def test_pretraining_fits_the_rbm_to_the_frames():
    # frames from two prototypes: the RBM alone can model them far better
    # than the initial independent model of the marginals
    rng = np.random.default_rng(0)
    prototypes = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=float)
    X = prototypes[rng.integers(0, 2, 200)]
    X = np.abs(X - (rng.random(X.shape) < 0.05))
    plain = RNNRBM(4, n_recurrent=2, max_iter=0, random_state=0).fit(X)
    pretrained = RNNRBM(4, n_recurrent=2, max_iter=0, pretrain_iter=30, learning_rate=0.05,
                        random_state=0).fit(X)
    assert pretrained.score(X) > plain.score(X) + 1.0
    np.testing.assert_array_equal(pretrained.recurrent_weights_, plain.recurrent_weights_)


def test_beats_independent_frames_on_jsb_chorales():
    from tests.conftest import SHARED_DATA

    from skgenerative.datasets import load_jsb_chorales

    path = SHARED_DATA / "jsb_chorales.npz"
    if not path.exists():
        pytest.skip("jsb_chorales.npz not available")
    data = load_jsb_chorales(path)
    train, lengths = data.train[: data.train_lengths[:40].sum()], data.train_lengths[:40]
    test, test_lengths = data.test[: data.test_lengths[:10].sum()], data.test_lengths[:10]
    p = np.clip(train.mean(axis=0), 1e-3, 1 - 1e-3)
    independent = np.mean(test @ np.log(p) + (1 - test) @ np.log(1 - p))
    # a small budget (the full data at the defaults: -7.2 against -11.1, see
    # benchmarks/README.md)
    model = RNNRBM(8, n_recurrent=16, batch_size=2, max_iter=10, random_state=0)
    model.fit(train, lengths=lengths)
    assert model.score(test, lengths=test_lengths) > independent + 0.5
