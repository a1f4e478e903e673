"""Collaborative shaping of a GSN's chain during training (Bachman & Precup,
2015; the approximate Bayesian computation of §20.13).

A *guide* ``f`` (an MLP with one linear output) is trained, as a logistic
classifier, to tell data rows (label +1) from the states of the chain's
training walks (label -1), with a penalty ``GUIDE_L2 * f^2`` on its output
that keeps it finite where the two overlap. The chain is trained to keep the
guide from rejecting its states: each step ``k`` of a walk adds the
unilateral penalty ``(r + r^2) / 2``, ``r = max(0, -f(mu_k))``, of the
reconstruction mean ``mu_k = E[x_k | h_k]`` to the walk-back cost. Only
states the guide places on the chain's side (``f < 0``, where the chain puts
more mass than the data) are pushed, towards higher ``f``; states it accepts
are left alone ("collaborative", not adversarial). In ABC terms the guide is
a learned acceptance test of the chain's samples against the data, and the
chain is trained so that its trajectories pass it.

With a linear guide (``guide_layer_sizes=()``) ``f(x) = w . x + b`` is linear
in the units, ``E f(x_k) = f(mu_k)`` exactly, and the shaping matches the
units' means (the statistics of :func:`abc_adjust`); hidden layers let the
guide test richer statistics, as the paper's MLP guide.
"""

import numpy as np

from ..nn import softplus, sigmoid

__all__ = []

#: Weight of the guide's output penalty (Bachman & Precup's ``lam_l2d``).
GUIDE_L2 = 0.05


def _mean_grad_to_out(head, out, g_mean):
    """``d / d out`` of a function of ``mu = head.mean(out)`` given ``d / d mu``."""
    if head.name == "bernoulli":
        mu = sigmoid(out)
        return (g_mean * mu * (1 - mu)).astype(out.dtype, copy=False)
    return np.concatenate([g_mean, np.zeros_like(g_mean)], axis=1).astype(out.dtype, copy=False)


def shaping_penalty_and_grad(guide, head, out):
    """The shaping penalty ``(r + r^2) / 2``, ``r = max(0, -f(mu))``, per row
    (float64) and its gradient with respect to the head's input ``out``
    (the guide's parameters are constants)."""
    f, cache = guide.forward(head.mean(out))
    f = f[:, 0].astype(np.float64)
    r = np.maximum(0.0, -f)
    g_f = -(0.5 + r) * (f < 0)
    _, g_mu = guide.backward(cache, g_f[:, None].astype(out.dtype), input_grad=True)
    return 0.5 * (r + r * r), _mean_grad_to_out(head, out, g_mu)


def guide_loss_and_grads(guide, X_data, X_chain):
    """The guide's loss, ``mean softplus(-f(data)) + mean softplus(f(chain))
    + GUIDE_L2 * mean f^2``, and its gradient (to be minimised)."""
    n = X_data.shape[0]
    f, cache = guide.forward(np.vstack([X_data, X_chain]))
    f = f[:, 0]
    sign = np.concatenate([np.ones(n), -np.ones(X_chain.shape[0])])
    weight = np.where(sign > 0, 1.0 / n, 1.0 / X_chain.shape[0])
    loss = float(weight @ softplus(-sign * f) + GUIDE_L2 * np.mean(f * f))
    g_f = -sign * weight * sigmoid(-sign * f) + 2 * GUIDE_L2 * f / f.shape[0]
    return loss, guide.backward(cache, g_f[:, None].astype(f.dtype))
