import numpy as np
import pytest

from skgenerative import DBM
from skgenerative.evaluation import AISResult, ais_log_partition_dbm, ais_schedule
from skgenerative.boltzmann._dbm import exact_log_partition_dbm

from tests import _reference as ref


def _tiny(sizes=(5, 4, 3), scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(0, scale, (sizes[l + 1], sizes[l])) for l in range(len(sizes) - 1)]
    bs = [rng.normal(0, scale, n) for n in sizes]
    return Ws, bs


class _Params:
    def __init__(self, Ws, bs):
        self.components_, self.intercepts_ = Ws, bs


@pytest.mark.parametrize("sizes", [(5, 4, 3), (4, 3, 3, 2)])
def test_ais_dbm_within_0_1_nat_of_exact_log_partition(sizes):
    Ws, bs = _tiny(sizes)
    result = ais_log_partition_dbm(_Params(Ws, bs), n_runs=100, betas=ais_schedule(2000),
                                   random_state=0)
    assert isinstance(result, AISResult)
    exact = ref.dbm_log_partition_brute_force(Ws, bs)
    assert abs(result.log_z - exact) < 0.1
    assert result.log_z_ci[0] - 0.05 <= exact <= result.log_z_ci[1] + 0.05
    assert result.ess > 10


def test_ais_dbm_is_reproducible_and_float32_close():
    Ws, bs = _tiny(seed=1)
    a = ais_log_partition_dbm(_Params(Ws, bs), n_runs=60, betas=500, random_state=3)
    b = ais_log_partition_dbm(_Params(Ws, bs), n_runs=60, betas=500, random_state=3)
    np.testing.assert_array_equal(a.log_weights, b.log_weights)
    c = ais_log_partition_dbm(_Params(Ws, bs), n_runs=60, betas=500, random_state=3,
                              dtype=np.float32)
    assert abs(c.log_z - a.log_z) < 0.1


def test_dbm_score_samples_uses_ais_when_forced():
    """score_samples with log_z='ais': the bound with AIS log Z stays within
    0.1 nat of the bound with the exact log Z on a tiny trained model."""
    X = (np.random.default_rng(0).random((100, 8)) < 0.3).astype(float)
    model = DBM(hidden_layer_sizes=(5, 4), max_iter=3, pretrain_max_iter=3, batch_size=10,
                log_z="ais", ais_n_runs=100, ais_n_temperatures=2000, random_state=0).fit(X)
    bound_ais = model.score_samples(X)
    assert model.log_partition_result_ is not None
    exact = exact_log_partition_dbm(model.components_, model.intercepts_)
    assert abs(model.log_partition_ - exact) < 0.1
    model.set_params(log_z="exact")
    model._log_partition = None
    bound_exact = model.score_samples(X)
    assert np.all(np.abs(bound_ais - bound_exact) < 0.1)


def test_ais_dbm_rejects_unfitted():
    with pytest.raises(TypeError):
        ais_log_partition_dbm(object())
