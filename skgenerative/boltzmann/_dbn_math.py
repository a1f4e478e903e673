"""The math of deep belief nets on plain arrays (§20.3): upward means, the
recognition distribution q, the unnormalised joint, ancestral and recognition
sampling, the enumerated bound and the up-down (wake-sleep) step. The
estimator is :class:`~skgenerative.boltzmann.DBN` (``_dbn.py``)."""

import numpy as np
from scipy.special import expit

from ..nn import bernoulli_log_likelihood
from ._stacked_rbms import _bernoulli_draw
from ._units import GaussianUnits

_LOG_2PI = float(np.log(2 * np.pi))


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


def _gaussian_log_density(v, mean, precision):
    """``log N(v; mean, 1 / precision)`` summed over features, per row (float64)."""
    sq = ((v - mean) ** 2) @ precision
    return -0.5 * np.asarray(sq, dtype=np.float64) + 0.5 * float(
        np.sum(np.log(precision.astype(np.float64))) - v.shape[1] * _LOG_2PI
    )


def _log_joint_unnormalized(states, gen_weights, gen_biases, top_rbm, precision=None,
                            units=None):
    """``log p*(v, h_1..h_{L-1})`` per row (float64): the directed layers'
    ``log p(h_l | h_{l+1})`` (eqs. 20.18-20.19; eq. 20.20 for the data layer
    when ``precision`` is given, softmax groups when ``units`` is the data
    layer's CategoricalUnits) plus ``-F_top(h_{L-1})``, the top RBM's
    unnormalised log marginal of its visible layer (eq. 20.17)."""
    total = -np.asarray(top_rbm._free_energy(states[-1]), dtype=np.float64)
    for l, (G, b) in enumerate(zip(gen_weights, gen_biases)):
        activation = states[l + 1] @ G + b
        if l == 0 and units is not None:
            total += units.log_conditional(states[0], activation)
        elif l == 0 and precision is not None:
            total += _gaussian_log_density(states[0], activation, precision)
        else:
            total += bernoulli_log_likelihood(states[l], activation)
    return total


def _sample_recognition(v, rec_weights, rec_biases, uniforms):
    """States ``[v, h_1, ..., h_{L-1}]`` drawn up the recognition chain."""
    states = [v]
    for R, c, u in zip(rec_weights, rec_biases, uniforms):
        p = expit(states[-1] @ R + c)
        states.append((u < p).astype(v.dtype))
    return states


def _sample_down(top_visible, gen_weights, gen_biases, rng, mean=False, precision=None,
                 units=None):
    """Ancestral pass from ``h_{L-1}`` down to ``v`` (eqs. 20.18-20.20); returns
    ``[v, h_1, ..., h_{L-1}]`` (``v`` is ``E[v | h_1]`` when ``mean``).
    ``precision`` makes the data layer Gaussian (eq. 20.20), ``units`` (the
    data layer's CategoricalUnits) softmax groups, one-hot coded."""
    states = [top_visible]
    for l in range(len(gen_weights) - 1, -1, -1):
        activation = states[0] @ gen_weights[l] + gen_biases[l]
        if l == 0 and units is not None:
            p = units.mean(activation)
            states.insert(0, p if mean else units.sample(p, rng))
            continue
        if l == 0 and precision is not None:
            v = activation if mean else GaussianUnits.sample(activation, rng, precision)
            states.insert(0, v)
            continue
        p = expit(activation)
        states.insert(0, p if (mean and l == 0) else _bernoulli_draw(p, rng))
    return states


def _all_binary_states(n, dtype):
    """The ``2**n`` binary vectors of length n, as rows."""
    codes = np.arange(2**n, dtype=np.int64)[:, None]
    return ((codes >> np.arange(n, dtype=np.int64)) & 1).astype(dtype)


def _enumerated_log_weights(X, sizes, rec, gen, top_rbm, precision=None, units=None):
    """``(log q(h | v), log p*(v, h))``, each (n_rows, n_states), for every
    joint state ``h`` of the intermediate layers (``sizes``)."""
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
    if units is not None:  # softmax groups: v.a - sum_f logsumexp_k a_{f,k}
        log_p = (X @ act.T).astype(np.float64) + units.free_energy(act)[None, :]
    elif precision is None:
        log_p = (X @ act.T).astype(np.float64) - np.logaddexp(0, act).sum(
            axis=1, dtype=np.float64
        )
    else:  # -1/2 sum_j beta_j (v_j - mu_j)^2 expanded over (rows, states)
        quad = (
            ((X * X) @ precision)[:, None] - 2 * (X * precision) @ act.T
            + ((act * act) @ precision)[None, :]
        )
        log_p = -0.5 * quad.astype(np.float64) + 0.5 * float(
            np.sum(np.log(precision.astype(np.float64))) - X.shape[1] * _LOG_2PI
        )
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
    precision = model.visible_precision_
    for l, (G, b) in enumerate(zip(model.generative_weights_, model.generative_biases_)):
        activation = wake[l + 1] @ G + b
        # delta rule: the error of the layer's mean (Gaussian data: not squashed)
        if l == 0 and model._categorical_units is not None:
            err = wake[l] - model._categorical_units.mean(activation)
        else:
            err = wake[l] - (
                activation if (l == 0 and precision is not None) else expit(activation)
            )
        grads[f"G{l}"], grads[f"b{l}"] = wake[l + 1].T @ err / n, err.mean(axis=0)
    top = model.top_rbm_
    top.partial_fit(model._visible_codes(wake[-1]) if len(wake) == 1 else wake[-1])
    negative = np.ascontiguousarray(wake[-1])
    top._gibbs_kernel(negative, top.n_gibbs_steps, rng)
    sleep = _sample_down(negative, model.generative_weights_, model.generative_biases_, rng,
                         precision=precision, units=model._categorical_units)
    for l, (R, c) in enumerate(zip(model.recognition_weights_, model.recognition_biases_)):
        err = sleep[l + 1] - expit(sleep[l] @ R + c)
        grads[f"R{l}"], grads[f"c{l}"] = sleep[l].T @ err / n, err.mean(axis=0)
    model._fine_tune_optimizer.step(grads, learning_rate=lr)


# ---------------------------------------------------------------------------
# the generative DBN
# ---------------------------------------------------------------------------
