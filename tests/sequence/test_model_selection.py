"""Model selection with sequences: ``sequence_ids`` (one label per frame) is
sliced per fold by scikit-learn and routed to ``fit`` and ``score``;
``GroupKFold(groups=sequence_ids)`` keeps every sequence whole."""

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV, GroupKFold, ShuffleSplit, cross_val_score

from skgenerative import RNNRBM, ConditionalRBM


def _sequences(n_seq=6, length=12, seed=0):
    # x_t = x_{t-2} (pairs of frames repeat): order 2 predicts what order 1 cannot
    rng = np.random.default_rng(seed)
    X = np.concatenate([np.tile((rng.random((2, 4)) < 0.5), (length // 2, 1))
                        for _ in range(n_seq)]).astype(float)
    return X, np.repeat(np.arange(n_seq) * 10 + 3, length)  # any labels


def _runs(ids):
    """lengths of the runs of equal labels."""
    return np.diff(np.flatnonzero(np.r_[True, ids[1:] != ids[:-1], True]))


def test_sequence_ids_are_lengths():
    X, ids = _sequences()
    model = ConditionalRBM(4, max_iter=2, random_state=0)
    a = model.fit(X, sequence_ids=ids).score_samples(X, sequence_ids=ids)
    b = model.fit(X, lengths=np.full(6, 12)).score_samples(X, lengths=np.full(6, 12))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="not both"):
        model.score(X, lengths=np.full(6, 12), sequence_ids=ids)
    with pytest.raises(ValueError, match="one entry per row"):
        model.score(X, sequence_ids=ids[1:])
    with pytest.raises(ValueError, match="not consecutive"):
        model.score(X, sequence_ids=np.tile([1, 2], 36))


@pytest.mark.parametrize("cls", [ConditionalRBM, RNNRBM])
def test_cross_validation_scores_whole_held_out_sequences(cls):
    X, ids = _sequences()
    model = cls(4, max_iter=2, random_state=0)
    cv = GroupKFold(n_splits=3)
    seen = []
    for train, test in cv.split(X, groups=ids):
        # no fold splits a sequence: every label's frames lie on one side
        assert not set(ids[train]) & set(ids[test])
        assert np.all(np.isin(_runs(ids[test]), 12)) and np.all(np.isin(_runs(ids[train]), 12))
        model.fit(X[train], lengths=_runs(ids[train]))
        seen.append(model.score(X[test], lengths=_runs(ids[test])))
    with sklearn.config_context(enable_metadata_routing=True):
        got = cross_val_score(model, X, cv=cv, params={"sequence_ids": ids, "groups": ids},
                              error_score="raise")
    np.testing.assert_array_equal(got, seen)


def test_grid_search_selects_by_held_out_sequence_likelihood():
    X, ids = _sequences(n_seq=8, length=16, seed=1)
    grid = {"order": [1, 2]}
    cv = GroupKFold(n_splits=4)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(ConditionalRBM(8, max_iter=10, learning_rate=0.1, random_state=0),
                              grid, cv=cv)
        search.fit(X, groups=ids, sequence_ids=ids)
    manual = []
    for order in grid["order"]:
        scores = []
        for train, test in cv.split(X, groups=ids):
            model = ConditionalRBM(8, order=order, max_iter=10, learning_rate=0.1,
                                   random_state=0).fit(X[train], lengths=_runs(ids[train]))
            scores.append(model.score(X[test], lengths=_runs(ids[test])))
        manual.append(np.mean(scores))
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], manual, rtol=1e-12)
    assert search.best_params_ == {"order": 2}  # the process has order 2
    assert manual[1] > manual[0] + 0.1


def test_a_splitter_that_scatters_sequences_is_an_error():
    # ShuffleSplit ignores groups and permutes the rows: labels come back
    # after others (a splitter that keeps the row order but drops frames, as
    # KFold does, cannot be detected: hence GroupKFold, see the docstrings)
    X, ids = _sequences()
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(ValueError, match="GroupKFold"):
            cross_val_score(ConditionalRBM(4, max_iter=1), X,
                            cv=ShuffleSplit(3, random_state=0),
                            params={"sequence_ids": ids}, error_score="raise")
        # lengths is not sample-aligned: it is never routed
        with pytest.raises(TypeError, match="lengths"):
            GridSearchCV(ConditionalRBM(4, max_iter=1), {"order": [1]}, cv=GroupKFold(2)).fit(
                X, groups=ids, lengths=np.full(6, 12))


def test_a_pipeline_routes_sequence_ids_to_the_sequence_model():
    # (scoring a Pipeline under routing fails in scikit-learn 1.9 for any
    # final step whose score takes no sample_weight, GaussianMixture
    # included; fit is routed)
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, ids = _sequences()
    with sklearn.config_context(enable_metadata_routing=True):
        piped = make_pipeline(FunctionTransformer(), ConditionalRBM(4, max_iter=2,
                                                                    random_state=0))
        piped.fit(X, sequence_ids=ids)
    bare = ConditionalRBM(4, max_iter=2, random_state=0).fit(X, lengths=np.full(6, 12))
    np.testing.assert_array_equal(piped[-1].components_, bare.components_)
    one = ConditionalRBM(4, max_iter=2, random_state=0).fit(X)  # ids ignored: one sequence
    assert not np.array_equal(one.components_, bare.components_)
