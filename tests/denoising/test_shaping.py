"""Collaborative shaping of a GSN (Bachman & Precup, 2015): the guide's loss
and the shaped walk's gradients by finite differences, and the shaped chain
closer to the data of a tiny problem than the unshaped one."""

import pickle

import numpy as np
import pytest

from skgenerative.denoising import GenerativeStochasticNetwork
from skgenerative.denoising._corruption import corrupt
from skgenerative.denoising._gsn import _walk_objective_and_grads
from skgenerative.denoising._shaping import GUIDE_L2, guide_loss_and_grads
from skgenerative.nn import MLP, BernoulliHead, GaussianHead, softplus
from tests.denoising.test_dae import STATES, _data_distribution, _state_index, _tv
from tests.denoising.test_gsn import _FrozenWalk


def _check_gradient(grads, params, objective, rng, rtol=1e-4):
    assert set(grads) == set(params)
    for key, value in params.items():
        for _ in range(3):
            i = tuple(rng.integers(0, s) for s in value.shape)
            old = value[i]
            value[i] = old + 1e-6
            up = objective()
            value[i] = old - 1e-6
            down = objective()
            value[i] = old
            np.testing.assert_allclose(grads[key][i], (up - down) / 2e-6, rtol=rtol, atol=1e-7)


@pytest.mark.parametrize("head", [BernoulliHead(), GaussianHead(0.05)], ids=["bern", "gauss"])
def test_shaped_walk_gradient_matches_finite_differences(head):
    rng = np.random.default_rng(0)
    head = _FrozenWalk(head, [rng.random((5, 4)) for _ in range(2)])
    f = MLP([4 + 3, 5, 3], "tanh", "tanh", random_state=0, prefix="f_")
    g = MLP([3, 6, head.n_outputs(4)], "tanh", random_state=1, prefix="g_")
    # a guide that rejects some of the states and accepts others
    guide = MLP([4, 5, 1], "tanh", random_state=2, prefix="d_")
    guide.params["d_W0"] *= 3
    X = (rng.random((5, 4)) < 0.5).astype(float)

    def run(grads=True):
        return _walk_objective_and_grads(
            f, g, head, X, lambda s, r: corrupt(s, "gaussian", 0.3, r), 0.5, 3,
            np.random.default_rng(4), grads=grads, guide=guide, shaping=2.0,
        )

    plain = _walk_objective_and_grads(
        f, g, head, X, lambda s, r: corrupt(s, "gaussian", 0.3, r), 0.5, 3,
        np.random.default_rng(4), grads=False,
    )
    objective, grads = run()
    assert np.all(objective <= plain) and np.any(objective < plain - 1e-3)
    _check_gradient(grads, {**f.params, **g.params}, lambda: run(False).mean(), rng)


def test_guide_loss_is_penalised_logistic_regression_and_its_gradient():
    rng = np.random.default_rng(0)
    guide = MLP([3, 4, 1], "tanh", random_state=0, prefix="d_")
    data, chain = rng.random((6, 3)), rng.random((4, 3))
    loss, grads = guide_loss_and_grads(guide, data, chain)
    fd, fc = guide.predict(data)[:, 0], guide.predict(chain)[:, 0]
    f = np.concatenate([fd, fc])
    expected = softplus(-fd).mean() + softplus(fc).mean() + GUIDE_L2 * np.mean(f * f)
    np.testing.assert_allclose(loss, expected)
    _check_gradient(grads, guide.params, lambda: guide_loss_and_grads(guide, data, chain)[0], rng)


def _moments_error(S, X):
    return np.abs(S.T @ S / S.shape[0] - X.T @ X / X.shape[0]).max()


def test_shaping_brings_the_chain_closer_to_the_data():
    p_data = _data_distribution()
    X = STATES[np.random.default_rng(0).choice(64, size=2000, p=p_data)]
    # heavy corruption and short training: the plain chain is too broad
    params = dict(n_components=16, noise_level=0.5, learning_rate=0.01, batch_size=50,
                  max_iter=10, random_state=0)
    plain = GenerativeStochasticNetwork(**params).fit(X)
    shaped = GenerativeStochasticNetwork(shaping=5.0, guide_layer_sizes=(16,), **params).fit(X)
    assert plain.guide_ is None and shaped.guide_.layer_sizes == (6, 16, 1)
    S_plain = plain.sample(5000, n_steps=30, random_state=1)
    S_shaped = shaped.sample(5000, n_steps=30, random_state=1)
    dist = [np.bincount(_state_index(S), minlength=64) / 5000 for S in (S_plain, S_shaped)]
    # measured: TV 0.164 -> 0.101, largest error of E[x_i x_j] 0.078 -> 0.043
    assert _tv(dist[1], p_data) < 0.8 * _tv(dist[0], p_data)
    assert _moments_error(S_shaped, X) < 0.7 * _moments_error(S_plain, X)
    # the shaped model pickles and continues training with its guide
    again = pickle.loads(pickle.dumps(shaped))
    again.partial_fit(X[:200])
    np.testing.assert_array_equal(again.guide_optimizer_.params["d_W0"], again.guide_.params["d_W0"])
    assert not np.array_equal(again.guide_.params["d_W0"], shaped.guide_.params["d_W0"])


def test_warm_start_can_turn_shaping_on():
    X = (np.random.default_rng(0).random((60, 5)) < 0.4).astype(float)
    gsn = GenerativeStochasticNetwork(n_components=4, max_iter=1, warm_start=True,
                                      random_state=0).fit(X)
    assert gsn.guide_ is None
    gsn.set_params(shaping=1.0, guide_layer_sizes=()).fit(X)
    assert gsn.guide_.layer_sizes == (5, 1)
    with pytest.raises(ValueError, match="guide_layer_sizes"):
        GenerativeStochasticNetwork(guide_layer_sizes=(0,), max_iter=1).fit(X)
