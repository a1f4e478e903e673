"""Collaborative shaping of a GSN (Bachman & Precup, 2015): the guide's loss
and its gradient by finite differences (the shaped walk's gradient: in
test_gsn.py), and the shaped chain closer to the data of a tiny problem than
the unshaped one."""

import pickle

import numpy as np
import pytest

from skgenerative.denoising import GenerativeStochasticNetwork
from skgenerative.denoising._shaping import GUIDE_L2, guide_loss_and_grads
from skgenerative.nn import MLP, softplus
from tests.denoising.test_dae import STATES, _data_distribution, _fd_check, _state_index, _tv


def test_guide_loss_is_penalised_logistic_regression_and_its_gradient():
    rng = np.random.default_rng(0)
    guide = MLP([3, 4, 1], "tanh", random_state=0, prefix="d_")
    data, chain = rng.random((6, 3)), rng.random((4, 3))
    loss, grads = guide_loss_and_grads(guide, data, chain)
    fd, fc = guide.predict(data)[:, 0], guide.predict(chain)[:, 0]
    f = np.concatenate([fd, fc])
    expected = softplus(-fd).mean() + softplus(fc).mean() + GUIDE_L2 * np.mean(f * f)
    np.testing.assert_allclose(loss, expected)
    _fd_check(lambda: guide_loss_and_grads(guide, data, chain)[0], guide.params, grads)


def _moments_error(S, X):
    return np.abs(S.T @ S / S.shape[0] - X.T @ X / X.shape[0]).max()


def test_shaping_brings_the_chain_closer_to_the_data():
    p_data = _data_distribution()
    X = STATES[np.random.default_rng(0).choice(64, size=2000, p=p_data)]
    # heavy corruption and short training: the plain chain is too broad
    params = dict(n_components=16, noise="salt_pepper", noise_level=0.5, learning_rate=0.01,
                  batch_size=50, max_iter=10, random_state=0)
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
