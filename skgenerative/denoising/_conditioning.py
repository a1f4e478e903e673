"""Conditioning a denoising chain's stationary distribution on observed
units by importance weighting (the ``"importance"`` method of ``impute``).

The stationary distribution of a chain whose last step samples a factorised
reconstruction distribution ``p(x | omega)`` is the mixture ``pi(x) =
E[p(x | omega)]`` over the reconstruction parameters ``omega`` of a step
taken from stationarity. ``N`` free chains give ``N`` components
``omega_s``; conditioned on observed units ``x_o`` the mixture is again a
mixture of the same components with weights ``w_s ~ p(x_o | omega_s)`` (the
components factorise over units), so that ``pi(x_m | x_o) ~ sum_s w_s
p(x_m | omega_s)``. Unlike the clamped chain, which samples this
conditional only approximately (the chain lacks detailed balance; Alain et
al., 2015), this is exact up to the Monte Carlo error of the ``N``
components.

:func:`pseudo_gibbs` is the ``"gibbs"`` method, for DAEs trained with the
``"missing"`` corruption.
"""

import numpy as np
from scipy.special import log_expit, softmax

from ._corruption import drop

__all__ = []

#: Rows of ``X`` weighted at once (bounds the (rows, components) arrays).
_BLOCK = 256


def observed_log_likelihood(head, X, observed, out):
    """``log p(x_o | omega_s)`` for every row of ``X`` (its units where
    ``observed`` is True) and every component ``s`` (rows of ``out``), as an
    array of shape ``(n_rows, n_components)`` in float64."""
    X = np.where(observed, X, 0).astype(np.float64)
    o = observed.astype(np.float64)
    out = out.astype(np.float64)
    if head.name == "bernoulli":
        return (o * X) @ log_expit(out).T + (o - o * X) @ log_expit(-out).T
    m, v = head.mean(out), head.variance(out)
    return -0.5 * (
        o @ np.log(2 * np.pi * v).T + (o * X * X) @ (1 / v).T
        - 2 * (o * X) @ (m / v).T + o @ (m * m / v).T
    )


def condition_components(head, X, missing, draws, out, rng, mean):
    """Fill the ``missing`` units of ``X`` (in place) from the components
    ``out`` (with ``draws[s] ~ p(x | out[s])``) weighted by the observed
    units: the conditional mean ``sum_s w_s E[x_m | omega_s]`` with
    ``mean``, else the missing units of ``draws[s]``, ``s ~ w``."""
    mu = head.mean(out) if mean else None
    for start in range(0, X.shape[0], _BLOCK):
        rows = slice(start, start + _BLOCK)
        w = softmax(observed_log_likelihood(head, X[rows], ~missing[rows], out), axis=1)
        if mean:
            fill = (w @ mu).astype(X.dtype)
        else:
            u = rng.random(w.shape[0])
            pick = np.minimum((np.cumsum(w, axis=1) < u[:, None]).sum(axis=1), w.shape[1] - 1)
            fill = draws[pick]
        X[rows] = np.where(missing[rows], fill, X[rows])
    return X


def pseudo_gibbs(reconstruct, head, X, missing, level, n_steps, rng, mean):
    """Fill the ``missing`` units of ``X`` (in place) by pseudo-Gibbs sampling
    with the conditionals a DAE learned under the ``"missing"`` corruption.

    ``reconstruct(X_tilde)`` gives the reconstruction parameters of
    ``p(x | x~)``, where the units of ``x~`` equal to ``MISSING_VALUE`` are
    the hidden ones: trained to denoise random hidings, it approximates
    ``p(x_j | x_kept)`` for every unit and every kept subset. The chain
    starts from one draw of ``p(x_m | x_o)`` (every missing unit hidden);
    each of its ``n_steps`` steps hides every missing unit with probability
    ``level`` (the observed ones stay visible and clamped) and redraws the
    hidden ones from the reconstruction, the others keep their values. It
    is a Gibbs sampler of ``p(x_m | x_o)`` when the learned conditionals are
    those of one joint distribution, and otherwise samples the stationary
    distribution of these conditionals. With ``mean`` the missing units get
    the Rao-Blackwellised ergodic average of their reconstruction means over
    the steps that redrew them (the chain's marginals, which minimise the
    expected count of wrong units when thresholded), else the last state.
    """
    out = reconstruct(drop(X, missing))
    first = head.mean(out)
    X[:] = np.where(missing, head.sample(out, rng), X)
    total = np.zeros(X.shape)
    count = np.zeros(X.shape)
    for _ in range(n_steps):
        hidden = missing & (rng.random(X.shape) < level)
        out = reconstruct(drop(X, hidden))
        if mean:
            total += np.where(hidden, head.mean(out), 0.0)
            count += hidden
        X[:] = np.where(hidden, head.sample(out, rng), X)
    if mean:
        # a unit the steps never redrew keeps the first step's mean
        fill = np.where(count > 0, total / np.maximum(count, 1), first)
        X[:] = np.where(missing, fill, X)
    return X
