"""Warm starts of the generator networks: a learning-rate schedule set
between fits takes effect, and the optimizers' state carries on."""

import copy

import numpy as np
import pytest

from skgenerative.adversarial import GAN, GMMN, LAPGAN

SMALL = dict(generator_layer_sizes=(16,), batch_size=50)
MODELS = {
    "GAN": lambda **kw: GAN(discriminator_layer_sizes=(16,), **SMALL, **kw),
    "LAPGAN": lambda **kw: LAPGAN(discriminator_layer_sizes=(16,), **SMALL, **kw),
    "GMMN": lambda **kw: GMMN(**SMALL, **kw),
}


def _generator_params(model):
    nets = model.generators_ if hasattr(model, "generators_") else [model.generator_]
    return {f"{i}:{k}": v.copy() for i, net in enumerate(nets) for k, v in net.params.items()}


def _optimizers(model):
    return [getattr(model, n) for n in ("g_optimizer_", "d_optimizer_") if hasattr(model, n)]


@pytest.mark.parametrize("name", MODELS)
def test_warm_start_takes_the_new_learning_rate_and_keeps_the_moments(name):
    X = np.random.default_rng(0).random((100, 36))  # 6 x 6 images for the LAPGAN
    model = MODELS[name](max_iter=1, random_state=0, warm_start=True).fit(X)
    start = _generator_params(model)
    n_steps = [opt.n_steps for opt in _optimizers(model)]
    moves = {}
    for lr in (1e-3, 1e-7):
        copy_ = copy.deepcopy(model).set_params(learning_rate=lr)
        copy_.fit(X)
        assert [opt.learning_rate for opt in _optimizers(copy_)] == [lr] * len(n_steps)
        # the moments carried on: the step count continues from the first fit
        assert all(opt.n_steps > n for opt, n in zip(_optimizers(copy_), n_steps))
        now = _generator_params(copy_)
        moves[lr] = np.sqrt(sum(np.sum((now[k] - start[k]) ** 2) for k in start))
    assert moves[1e-7] < 1e-2 * moves[1e-3]
