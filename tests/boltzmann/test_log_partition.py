"""The one log-partition policy of RBMs, DBN and DBM (issue 12, part 3)."""

import numpy as np
import pytest

from skgenerative import DBM, DBN, BernoulliRBM, CategoricalRBM, GaussianBernoulliRBM
from skgenerative.boltzmann._log_partition import LogPartitionResult

NAMES = ("log_z", "exact_limit", "ais_n_runs", "ais_n_temperatures")


def _data(n=60, d=8, seed=0):
    return (np.random.default_rng(seed).random((n, d)) < 0.4).astype(float)


def _small(cls, **kw):
    if cls is DBM:
        return DBM((3, 2), max_iter=2, pretrain_max_iter=2, batch_size=10, random_state=0, **kw)
    if cls is DBN:
        return DBN((4, 3), max_iter=2, random_state=0, **kw)
    if cls is GaussianBernoulliRBM:
        return GaussianBernoulliRBM(n_components=4, max_iter=2, random_state=0, **kw)
    if cls is CategoricalRBM:  # the 0/1 data read as category codes
        return CategoricalRBM(n_components=4, max_iter=2, random_state=0, **kw)
    return BernoulliRBM(n_components=4, n_iter=2, random_state=0, **kw)


@pytest.mark.parametrize("cls", [BernoulliRBM, GaussianBernoulliRBM, CategoricalRBM, DBN, DBM])
def test_every_boltzmann_model_has_the_same_log_partition_names(cls):
    params = cls().get_params()
    assert all(name in params for name in NAMES)
    model = _small(cls).fit(_data())
    result = model.log_partition_result_
    assert isinstance(result, LogPartitionResult) and result.method == "exact"
    assert model.log_partition_ == result.log_z
    assert model.log_partition_ci_ == (result.log_z, result.log_z)


@pytest.mark.parametrize("cls, exact_kind", [
    (BernoulliRBM, "exact"), (GaussianBernoulliRBM, "exact"), (CategoricalRBM, "exact"),
    (DBN, "lower_bound"), (DBM, "lower_bound"),
])
def test_score_kind_is_lower_bound_only_when_log_z_is_exact(cls, exact_kind):
    X = _data()
    assert _small(cls).fit(X).score_kind_ == exact_kind
    ais = _small(cls, log_z="ais", ais_n_runs=20, ais_n_temperatures=200).fit(X)
    assert ais.score_kind_ == "estimate"
    assert ais.log_partition_result_.method == "ais"
    assert _small(cls, log_z=3.0).fit(X).score_kind_ == "estimate"


def test_dbn_importance_score_is_an_estimate():
    dbn = _small(DBN, score_method="importance").fit(_data())
    assert dbn.score_kind_ == "estimate"


@pytest.mark.parametrize("cls", [BernoulliRBM, GaussianBernoulliRBM, CategoricalRBM, DBN, DBM])
def test_return_std_is_zero_when_exact_and_the_ais_error_otherwise(cls):
    X = _data()
    exact = _small(cls).fit(X)
    scores, std = exact.score_samples(X, return_std=True)
    np.testing.assert_array_equal(scores, exact.score_samples(X))
    if cls is not DBN:  # the DBN's bound is summed exactly here too
        np.testing.assert_array_equal(std, 0.0)
    ais = _small(cls, log_z="ais", ais_n_runs=20, ais_n_temperatures=200).fit(X)
    scores, std = ais.score_samples(X, return_std=True)
    np.testing.assert_array_equal(scores, ais.score_samples(X))
    log_z_std = ais.log_partition_result_.log_z_std
    assert log_z_std > 0
    np.testing.assert_allclose(std, log_z_std)


def test_dbn_importance_std_adds_the_sampling_error():
    X = _data()
    dbn = DBN((4, 6), max_iter=2, random_state=0, score_method="importance",
              n_importance_samples=20).fit(X)
    few = dbn.importance_estimate(X, n_samples=10, return_std=True)[1]
    many = dbn.importance_estimate(X, n_samples=640, return_std=True)[1]
    assert np.all(few > 0)
    # the delta-method error shrinks like 1 / sqrt(k): 8x here, up to noise
    assert 4 < np.median(few / many) < 16


@pytest.mark.parametrize("cls", [BernoulliRBM, CategoricalRBM, DBN, DBM])
def test_set_params_of_the_log_z_policy_is_not_hidden_by_the_cache(cls):
    X = _data()
    model = _small(cls).fit(X)
    exact = model.log_partition_
    before = model.score_samples(X)
    model.set_params(log_z=exact + 1.0)
    assert model.log_partition_ == exact + 1.0
    assert model.log_partition_result_.method == "given"
    np.testing.assert_allclose(model.score_samples(X), before - 1.0)
    model.set_params(log_z="auto")
    assert model.log_partition_ == exact and model.score_kind_ != "estimate"
