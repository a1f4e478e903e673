"""The math of deep belief nets on plain arrays (§20.3): upward means, the
recognition distribution q, the unnormalised joint, ancestral and recognition
sampling, the enumerated bound and the up-down (wake-sleep) step. The
estimator is :class:`~skgenerative.boltzmann.DBN` (``_dbn.py``)."""

import numpy as np
from scipy.special import expit

from ..nn import bernoulli_log_likelihood
from ._units import BernoulliUnits

#: The unit type of every hidden layer.
_BINARY = BernoulliUnits()


def _layer_units(l, data_units, data_params):
    """``(units, params)`` of layer ``l`` (0 is the data layer)."""
    return (data_units, data_params or {}) if l == 0 else (_BINARY, {})


def _upward_means(X, weights, biases):
    """Mean-field upward pass ``mu_{l+1} = sigmoid(mu_l R_l + c_l)`` (eq. 20.22-20.23);
    returns the list ``[mu_1, ..., mu_L]``."""
    out, a = [], X
    for R, c in zip(weights, biases):
        a = expit(a @ R + c)
        out.append(a)
    return out


def _log_q(states, rec_weights, rec_biases):
    """``log q(h_1..h_{L-1} | v)`` per row (float64) of the recognition chain
    ``q(h_1 | v) q(h_2 | h_1) ...`` for ``states = [v, h_1, ..., h_{L-1}]``."""
    total = np.zeros(states[0].shape[0])
    for l, (R, c) in enumerate(zip(rec_weights, rec_biases)):
        total += bernoulli_log_likelihood(states[l + 1], states[l] @ R + c)
    return total


def _log_joint_unnormalized(states, gen_weights, gen_biases, top_rbm, data_units=_BINARY,
                            data_params=None):
    """``log p*(v, h_1..h_{L-1})`` per row (float64): the directed layers'
    ``log p(h_l | h_{l+1})`` (eqs. 20.18-20.19; the data layer's from its
    unit type ``data_units`` with parameters ``data_params``, e.g. eq. 20.20
    for Gaussian units) plus ``-F_top(h_{L-1})``, the top RBM's unnormalised
    log marginal of its visible layer (eq. 20.17)."""
    total = -np.asarray(top_rbm._free_energy(states[-1]), dtype=np.float64)
    for l, (G, b) in enumerate(zip(gen_weights, gen_biases)):
        units, params = _layer_units(l, data_units, data_params)
        total += units.log_conditional(states[l], states[l + 1] @ G + b, **params)
    return total


def _sample_recognition(v, rec_weights, rec_biases, uniforms):
    """States ``[v, h_1, ..., h_{L-1}]`` drawn up the recognition chain."""
    states = [v]
    for R, c, u in zip(rec_weights, rec_biases, uniforms):
        p = expit(states[-1] @ R + c)
        states.append((u < p).astype(v.dtype))
    return states


def _sample_down(top_visible, gen_weights, gen_biases, rng, mean=False, data_units=_BINARY,
                 data_params=None):
    """Ancestral pass from ``h_{L-1}`` down to ``v`` (eqs. 20.18-20.20); returns
    ``[v, h_1, ..., h_{L-1}]`` (``v`` is ``E[v | h_1]`` when ``mean``). The
    data layer is of the unit type ``data_units`` (parameters ``data_params``),
    in its layer values (one-hot groups for categorical units)."""
    states = [top_visible]
    for l in range(len(gen_weights) - 1, -1, -1):
        units, params = _layer_units(l, data_units, data_params)
        p = units.mean(states[0] @ gen_weights[l] + gen_biases[l], **params)
        states.insert(0, p if (mean and l == 0) else units.sample(p, rng, **params))
    return states


def _all_binary_states(n, dtype):
    """The ``2**n`` binary vectors of length n, as rows."""
    codes = np.arange(2**n, dtype=np.int64)[:, None]
    return ((codes >> np.arange(n, dtype=np.int64)) & 1).astype(dtype)


def _enumerated_log_weights(X, sizes, rec, gen, top_rbm, data_units=_BINARY, data_params=None):
    """``(log q(h | v), log p*(v, h))``, each (n_rows, n_states), for every
    joint state ``h`` of the intermediate layers (``sizes``); the data layer
    is of the unit type ``data_units`` (parameters ``data_params``)."""
    rec_weights, rec_biases = rec
    gen_weights, gen_biases = gen
    states = np.split(_all_binary_states(sum(sizes), X.dtype), np.cumsum(sizes)[:-1], axis=1)
    # terms that do not involve v: the upper layers of q and p*
    const_q = _log_q(states, rec_weights[1:], rec_biases[1:]) if len(sizes) > 1 else 0.0
    const_p = _log_joint_unnormalized(states, gen_weights[1:], gen_biases[1:], top_rbm)
    logits_q = X @ rec_weights[0] + rec_biases[0]  # (n, n_1)
    log_q = (
        logits_q @ states[0].T - np.logaddexp(0, logits_q).sum(axis=1, keepdims=True)
    ).astype(np.float64) + const_q
    act = states[0] @ gen_weights[0] + gen_biases[0]  # (n_states, n_v)
    log_p = data_units.log_conditional_table(X, act, **(data_params or {}))
    return log_q, log_p + const_p


def _up_down_step(model, v, lr, rng):
    """One up-down (wake-sleep) update on the batch ``v`` (Hinton et al. 2006).

    Wake: sample up with the recognition weights and move the generative
    weights toward reconstructing each layer from the one above (delta rule);
    train the top RBM on the sampled ``h_{L-1}``. Sleep: from the top RBM's
    negative states after ``n_gibbs_steps`` sweeps, sample down with the
    generative weights and move the recognition weights toward predicting
    each layer from the one below.
    """
    n = v.shape[0]
    uniforms = [rng.random((n, w.shape[1])).astype(v.dtype) for w in model.recognition_weights_]
    wake = _sample_recognition(v, model.recognition_weights_, model.recognition_biases_, uniforms)
    grads = {}
    data_units, data_params = model._data_units, model._data_params
    for l, (G, b) in enumerate(zip(model.generative_weights_, model.generative_biases_)):
        # delta rule: the error of the layer's conditional mean
        units, params = _layer_units(l, data_units, data_params)
        err = wake[l] - units.mean(wake[l + 1] @ G + b, **params)
        grads[f"G{l}"], grads[f"b{l}"] = wake[l + 1].T @ err / n, err.mean(axis=0)
    top = model.top_rbm_
    top.partial_fit(model._visible_codes(wake[-1]) if len(wake) == 1 else wake[-1])
    negative = np.ascontiguousarray(wake[-1])
    top._gibbs_kernel(negative, top.n_gibbs_steps, rng)
    sleep = _sample_down(negative, model.generative_weights_, model.generative_biases_, rng,
                         data_units=data_units, data_params=data_params)
    for l, (R, c) in enumerate(zip(model.recognition_weights_, model.recognition_biases_)):
        err = sleep[l + 1] - expit(sleep[l] @ R + c)
        grads[f"R{l}"], grads[f"c{l}"] = sleep[l].T @ err / n, err.mean(axis=0)
    model._fine_tune_optimizer.step(grads, learning_rate=lr)


# ---------------------------------------------------------------------------
# the generative DBN
# ---------------------------------------------------------------------------
