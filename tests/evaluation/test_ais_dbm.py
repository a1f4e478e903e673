import numpy as np
import pytest

from skgenerative import DBM
from skgenerative.evaluation import (
    AISResult,
    ais_log_partition_dbm,
    ais_schedule,
    reverse_ais_log_partition_dbm,
)
from skgenerative.boltzmann._enumeration import exact_log_partition_dbm

from tests.boltzmann import _reference as ref


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
    model._forget_log_partition()
    bound_exact = model.score_samples(X)
    assert np.all(np.abs(bound_ais - bound_exact) < 0.1)


def test_ais_dbm_rejects_unfitted():
    with pytest.raises(TypeError):
        ais_log_partition_dbm(object())


# ------------------------------------------------------------- reverse AIS


def _exact_samples(Ws, bs, n, seed):
    """Exact joint samples of a tiny DBM (one array per layer)."""
    states, log_p = ref.dbm_joint_table(Ws, bs)
    rows = np.random.default_rng(seed).choice(len(log_p), size=n, p=np.exp(log_p))
    return [s[rows] for s in states]


@pytest.mark.parametrize("start", ["exact", "gibbs"])
def test_reverse_ais_dbm_within_0_1_nat_of_exact_log_partition(start):
    Ws, bs = _tiny()
    init = _exact_samples(Ws, bs, 100, seed=4) if start == "exact" else None
    result = reverse_ais_log_partition_dbm(_Params(Ws, bs), init, n_runs=100,
                                           betas=ais_schedule(2000), n_gibbs=300,
                                           random_state=0)
    assert result.direction == "reverse"
    exact = ref.dbm_log_partition_brute_force(Ws, bs)
    assert abs(result.log_z - exact) < 0.1
    assert result.ess > 10


def test_forward_and_reverse_ais_dbm_bracket_log_z_on_a_short_schedule():
    """Forward AIS is low in expectation, reverse AIS (from exact samples)
    high. With 2 runs of a 10-temperature schedule the bias of each estimate
    is large, so the means of 200 estimates bracket the exact log Z with a
    wide margin (measured: 11.32 +- 0.09 < 11.92 < 12.84 +- 0.08)."""
    Ws, bs = _tiny(scale=1.5, seed=3)
    model = _Params(Ws, bs)
    exact = ref.dbm_log_partition_brute_force(Ws, bs)
    forward = [ais_log_partition_dbm(model, n_runs=2, betas=10, random_state=s).log_z
               for s in range(200)]
    reverse = [reverse_ais_log_partition_dbm(model, _exact_samples(Ws, bs, 2, seed=1000 + s),
                                             betas=10, random_state=s).log_z
               for s in range(200)]
    assert np.mean(forward) < exact - 0.3
    assert np.mean(reverse) > exact + 0.3


def test_reverse_ais_dbm_gaussian_visibles():
    from skgenerative.boltzmann._enumeration import exact_log_partition_dbm as exact_dbm

    rng = np.random.default_rng(5)
    Ws, bs = _tiny((3, 4, 3), scale=0.7, seed=5)
    model = _Params(Ws, bs)
    model.precision_ = rng.uniform(0.5, 2.0, 3)
    model.base_rate_ = np.zeros(3)
    result = reverse_ais_log_partition_dbm(model, n_runs=100, betas=2000, n_gibbs=300,
                                           random_state=1)
    from skgenerative.boltzmann._units import GaussianUnits

    log_z = exact_dbm(Ws, bs, GaussianUnits(), precision=model.precision_)
    assert abs(result.log_z - log_z) < 0.1


def test_reverse_ais_dbm_validates_init():
    Ws, bs = _tiny()
    model = _Params(Ws, bs)
    good = _exact_samples(Ws, bs, 4, seed=0)
    with pytest.raises(ValueError, match="one per layer"):
        reverse_ais_log_partition_dbm(model, good[:2])
    with pytest.raises(ValueError, match="shapes"):
        reverse_ais_log_partition_dbm(model, [good[0], good[1][:, :2], good[2]])
    bad = [g.astype(float) for g in good]
    bad[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        reverse_ais_log_partition_dbm(model, bad)
    # the model and its inputs are left as they were
    np.testing.assert_array_equal(good[0], _exact_samples(Ws, bs, 4, seed=0)[0])
