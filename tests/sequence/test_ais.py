"""Per-frame AIS of the sequence models beyond ``exact_limit``: estimates
against the exact per-frame log Z, honest error bars, determinism."""

import numpy as np
import pytest

from skgenerative import RNNRBM, ConditionalRBM
from skgenerative.exceptions import UnreliableEstimateWarning
from skgenerative.sequence._ais import frame_log_partition_ais
from skgenerative.sequence._kernels import _frame_log_partition
from skgenerative.boltzmann._ais import ais_schedule
from tests.sequence._reference import random_model

MODELS = [(RNNRBM, dict(n_recurrent=3)), (ConditionalRBM, dict(order=2))]


def _model_and_data(cls, params, visible_units, seed=0):
    # 6 hidden units, just above a lowered exact_limit of 5
    model = random_model(cls, 5, seed, 0.7, n_components=6, visible_units=visible_units,
                         **params)
    rng = np.random.default_rng(seed + 1)
    if visible_units == "gaussian":
        X = rng.normal(size=(12, 5))
    else:
        X = (rng.random((12, 5)) < 0.5).astype(float)
    return model, X, [5, 7]


@pytest.mark.parametrize("visible_units", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("cls, params", MODELS)
def test_ais_scores_match_exact_within_their_error_bars(cls, params, visible_units):
    model, X, lengths = _model_and_data(cls, params, visible_units)
    assert model.score_kind_ == "exact"
    exact = model.score_samples(X, lengths)
    model.set_params(exact_limit=5, ais_n_runs=16, ais_n_temperatures=200)
    assert model.score_kind_ == "estimate"
    rough, rough_std = model.score_samples(X, lengths, return_std=True)
    assert np.all(rough_std > 0)
    assert np.all(np.abs(rough - exact) < 4 * rough_std)
    model.set_params(ais_n_runs=64, ais_n_temperatures=1000)
    fine, fine_std = model.score_samples(X, lengths, return_std=True)
    assert np.all(fine_std < rough_std / 2)  # more effort, smaller error bars
    assert np.all(np.abs(fine - exact) < 4 * fine_std + 1e-3)
    np.testing.assert_array_equal(fine, model.score_samples(X, lengths))  # deterministic
    assert model.score(X, lengths=lengths) == pytest.approx(fine.sum() / X.shape[0])


def test_per_frame_error_bars_are_calibrated():
    # many frames with their own biases: the standardised errors of the
    # per-frame log Z estimates behave like standard normals
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.8, (6, 8))
    Bv, Bh = rng.normal(0, 1, (200, 8)), rng.normal(0, 1, (200, 6))
    exact = _frame_log_partition(W[None], Bv, Bh, False)
    log_z, var, ess = frame_log_partition_ais(W, Bv, Bh, False, ais_schedule(50), 16,
                                              np.random.default_rng(1))
    z = (log_z - exact) / np.sqrt(var)
    assert np.all(var > 0) and np.all((ess >= 1) & (ess <= 16))
    assert np.mean(np.abs(z) < 3) > 0.9
    assert np.mean(np.abs(z) < 0.5) < 0.6  # errors of the size the bars say, not far below
    assert abs(np.mean(log_z - exact)) < 0.1


def test_ais_scores_do_not_depend_on_the_other_sequences():
    model, X, _ = _model_and_data(RNNRBM, dict(n_recurrent=3), "bernoulli", seed=2)
    model.set_params(exact_limit=5, ais_n_runs=4, ais_n_temperatures=50)
    together = model.score_samples(X, lengths=[3, 4, 5])
    apart = [model.score_samples(X[:3])[0], model.score_samples(X[3:7])[0],
             model.score_samples(X[7:])[0]]
    np.testing.assert_array_equal(together, apart)
    swapped = model.score_samples(np.concatenate([X[7:], X[:3]]), lengths=[5, 3])
    np.testing.assert_array_equal(swapped, together[[2, 0]])


def test_too_short_a_schedule_warns():
    model, X, lengths = _model_and_data(ConditionalRBM, dict(order=1), "bernoulli", seed=3)
    model.components_ *= 6  # strong couplings: two temperatures cannot bridge them
    model.set_params(exact_limit=5, ais_n_runs=20, ais_n_temperatures=2)
    with pytest.warns(UnreliableEstimateWarning, match="effective sample size"):
        model.score_samples(X, lengths)
