"""Forward and reverse AIS for the covariance models of §20.5.2 (ssRBM, mcRBM, mPoT).

Each model's math module supplies ``annealed(p, beta)`` (the model at
inverse temperature ``beta``, itself a model of the same kind; ``beta = 0``
is ``N(0, Lambda^-1)`` times uniform or independent hidden units) and
``free_energy(Z, p)``; the caller supplies ``log Z`` of the base model and a
transition that leaves each intermediate model invariant (block Gibbs for
the ssRBM and the mPoT and mcRBM, or HMC). Reverse AIS (Burda, Grosse &
Salakhutdinov, 2015) runs the schedule backwards from samples of the model:
its ``log Z`` errs high where forward AIS errs low, so the two bracket the
truth when the start states are samples of the model.
"""

import numpy as np

from ..utils.hmc import hmc_transition
from ._ais import ais_schedule
from ._ais._result import _make_result

__all__ = ["bernoulli_mixture_draws", "forward_ais", "hmc_transition_of", "pooled_ais",
           "reverse_ais"]


def forward_ais(math, p, log_z0, n_runs, n_temperatures, transition, rng,
                return_states=False):
    """Forward AIS from ``math.annealed(p, 0)`` (``log Z = log_z0``) to
    ``p``: ``transition(Z, q, rng) -> Z`` of each intermediate model ``q``
    once per temperature. ``math`` is any object with ``annealed`` and
    ``free_energy`` (a model's math module); ``p`` in float64. Returns an
    ``AISResult``, and the chains' end states too when ``return_states``."""
    betas = ais_schedule(n_temperatures)
    Z = rng.standard_normal((n_runs, p.lam.shape[0])) / np.sqrt(p.lam)
    log_w, Z = _anneal(math, p, Z, betas, transition, rng)
    result = _make_result(log_w, log_z0, len(betas), "forward")
    return (result, Z) if return_states else result


def bernoulli_mixture_draws(logits, k, rng):
    """``k`` draws of binary vectors from the equal mixture of the factorial
    Bernoulli distributions with the log-odds rows of ``logits`` (m, n),
    and the log density of the mixture at each draw: ``(H, log q)``."""
    log_on, log_off = -np.logaddexp(0.0, -logits), -np.logaddexp(0.0, logits)
    rows = rng.integers(0, logits.shape[0], size=k)
    H = (rng.random((k, logits.shape[1])) < np.exp(log_on[rows])).astype(np.float64)
    log_q = np.logaddexp.reduce(H @ (log_on - log_off).T + log_off.sum(axis=1), axis=1)
    return H, log_q - np.log(logits.shape[0])


def pooled_ais(math, p, log_z0, n_runs, n_temperatures, transition, rng, importance_weights,
               anchors=None, n_importance=None):
    """Forward AIS pooled with importance sampling of the hidden units:
    ``importance_weights(p, anchors, n, rng)`` gives ``n`` log weights, each
    an unbiased estimate of ``Z`` (a proposal built on the anchor states),
    here on the AIS end states and the rows of ``anchors`` (centred; e.g.
    persistent chains); ``n_importance`` defaults to ``20 * n_runs``. Every
    weight of either kind estimates ``Z / Z_base`` without bias, so the mean
    over all of them does too. Returns an ``AISResult`` over all weights."""
    result, Z = forward_ais(math, p, log_z0, n_runs, n_temperatures, transition, rng,
                            return_states=True)
    if anchors is not None:
        Z = np.vstack([Z, np.asarray(anchors, dtype=np.float64)])
    n_importance = 20 * n_runs if n_importance is None else n_importance
    log_w = importance_weights(p, Z, n_importance, rng) - log_z0
    return _make_result(np.concatenate([result.log_weights, log_w]), log_z0,
                        result.n_temperatures, "forward")


def reverse_ais(math, p, log_z0, Z, n_temperatures, transition, rng):
    """Reverse AIS from ``p`` back to ``math.annealed(p, 0)`` (``log Z =
    log_z0``), starting from the rows of ``Z`` (centred samples of ``p``,
    one run each; e.g. the end states of long chains). Its weights estimate
    ``Z_0 / Z`` without bias, so the returned ``log Z`` overestimates the
    truth in expectation (held-out scores computed with it are
    conservative) as far as ``Z`` are samples of the model. Returns an
    ``AISResult`` with ``direction="reverse"``."""
    betas = ais_schedule(n_temperatures)[::-1]
    Z = np.asarray(Z, dtype=np.float64)
    return _make_result(_anneal(math, p, Z, betas, transition, rng)[0], log_z0, len(betas),
                        "reverse")


def _anneal(math, p, Z, betas, transition, rng):
    """The log AIS weights of the chains ``Z`` (at ``betas[0]``) carried
    along ``betas``: at each step the change of ``-F`` at the current
    states, then one transition of the new intermediate model. Returns the
    weights and the end states."""
    log_w = np.zeros(Z.shape[0])
    previous = math.annealed(p, float(betas[0]))
    for beta in betas[1:]:
        current = math.annealed(p, float(beta))
        log_w += math.free_energy(Z, previous) - math.free_energy(Z, current)
        Z = transition(Z, current, rng)
        previous = current
    return log_w, Z


def hmc_transition_of(math, step_size, n_leapfrog):
    """A ``transition(Z, q, rng)``: one HMC transition on ``math.energy_grad``
    with a fixed step size."""
    def transition(Z, q, rng):
        return hmc_transition(lambda x: math.energy_grad(x, q), Z, step_size, n_leapfrog,
                              rng)[0]
    return transition
