"""Early stopping on whole held-out sequences, and partial_fit by blocks of
sequences, for both sequence models."""

import numpy as np
import pytest

from skgenerative import RNNRBM, ConditionalRBM

MODELS = [
    (ConditionalRBM, dict(order=1, batch_size=10, learning_rate=0.1)),
    (RNNRBM, dict(n_recurrent=4, batch_size=1, learning_rate=0.02)),
]


def _sequences(seed=0, n_seq=10, length=10):
    rng = np.random.default_rng(seed)
    X = np.concatenate([np.roll(np.eye(4), rng.integers(4), axis=0)[np.arange(length) % 4]
                        for _ in range(n_seq)])
    X = np.abs(X - (rng.random(X.shape) < 0.1))  # noisy cycles
    return X, np.full(n_seq, length)


def _spy_on_split(model):
    held_out = {}
    split = model._validation_split

    def spy(X, y, rng):
        held_out["split"] = split(X, y, rng)
        return held_out["split"]

    model._validation_split = spy
    return held_out


@pytest.mark.parametrize("cls, params", MODELS)
def test_early_stopping_holds_out_whole_sequences_and_keeps_the_best(cls, params):
    X, lengths = _sequences()
    model = cls(4, max_iter=60, early_stopping=True, validation_fraction=0.3,
                n_iter_no_change=3, random_state=0, **params)
    held_out = _spy_on_split(model)
    model.fit(X, lengths=lengths)
    Z_train, y_train, Z_val, y_val = held_out["split"]
    val_lengths = model._epoch_lengths(y_val)
    np.testing.assert_array_equal(val_lengths, [10, 10, 10])  # 3 whole sequences
    assert Z_train.shape[0] + Z_val.shape[0] == X.shape[0]
    # the held-out rows are whole sequences of X (each a block of 10 rows)
    starts = [np.flatnonzero((X.reshape(10, 10, 4) == s).all(axis=(1, 2)))
              for s in Z_val.reshape(3, 10, 4)]
    assert all(len(s) >= 1 for s in starts)
    # the score is the log-likelihood per frame of the held-out sequences
    assert len(model.validation_scores_) == model.n_iter_
    assert model.n_iter_ < 60  # stopped
    best = max(model.validation_scores_)
    assert model._validation_score(Z_val, y_val) == pytest.approx(best, abs=1e-12)
    assert model.score(Z_val, lengths=val_lengths) == pytest.approx(best, abs=1e-12)


@pytest.mark.parametrize("cls, params", MODELS)
def test_early_stopping_beyond_exact_limit_uses_the_reconstruction_error(cls, params):
    X, lengths = _sequences(seed=1)
    model = cls(4, max_iter=3, early_stopping=True, exact_limit=2, random_state=0,
                **params).fit(X, lengths=lengths)
    assert len(model.validation_scores_) == 3
    assert all(np.isfinite(s) and s < 0 for s in model.validation_scores_)


def test_validation_enumerates_only_when_cheap_next_to_an_epoch():
    X, lengths = _sequences(seed=1)
    small = ConditionalRBM(4, max_iter=1, early_stopping=True, random_state=0)
    large = ConditionalRBM(12, max_iter=1, early_stopping=True, random_state=0)
    for model in (small, large):
        held_out = _spy_on_split(model)
        model.fit(X, lengths=lengths)
        Z_val, y_val = held_out["split"][2:]
        exact = model.score(Z_val, lengths=model._epoch_lengths(y_val))
        if model is small:  # 2**4 states per held-out frame: negligible
            assert model.validation_scores_[-1] == pytest.approx(exact, abs=1e-12)
        else:  # 2**12 states per frame against 70 training frames: the proxy
            assert not model._exact_validation_is_cheap(Z_val.shape[0])
            assert model.validation_scores_[-1] != pytest.approx(exact, abs=1e-3)


def test_early_stopping_needs_two_sequences():
    X, _ = _sequences()
    model = ConditionalRBM(4, max_iter=1, random_state=0).fit(X, lengths=np.full(10, 10))
    before = model.components_.copy()
    model.set_params(early_stopping=True)
    with pytest.raises(ValueError, match="at least 2 sequences"):
        model.fit(X)
    np.testing.assert_array_equal(model.components_, before)  # the fitted model is intact


@pytest.mark.parametrize("cls, params", MODELS)
def test_partial_fit_on_blocks_of_sequences_is_one_epoch_of_fit(cls, params):
    block, lengths = _sequences(seed=2, n_seq=2)
    # two identical blocks: the initial biases from the first block's
    # marginals are those of the whole data
    X = np.concatenate([block, block])
    whole = cls(4, max_iter=1, shuffle=False, random_state=0, **params)
    whole.fit(X, lengths=np.r_[lengths, lengths])
    parts = cls(4, random_state=0, **params)
    parts.partial_fit(block, lengths=lengths).partial_fit(block, sequence_ids=[0] * 10 + [1] * 10)
    for name in whole._parameter_names:
        np.testing.assert_array_equal(getattr(parts, name), getattr(whole, name), err_msg=name)
    assert parts.n_iter_ == 2
