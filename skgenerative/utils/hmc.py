"""Hamiltonian (hybrid) Monte Carlo on any differentiable energy (Neal, 1993).

The sampler the covariance models of §20.5.2 use for their visible units
(``p(x | h)`` of an mcRBM or mPoT needs a matrix inverse; HMC on the free
energy does not). Many chains run at once: the energy and its gradient are
evaluated on all chains together (one matrix product per leapfrog step for
the Boltzmann models), and every chain accepts or rejects its own
trajectory.

The step size is adapted toward a target acceptance rate during burn-in only
(multiplicatively, after every transition); afterwards it is fixed, so the
chains leave the target distribution invariant.
"""

import math
from numbers import Integral, Real

import numpy as np

from .random import check_generator

__all__ = ["HamiltonianMonteCarlo", "adapt_step_size", "hmc_transition"]


def hmc_transition(energy_grad, x, step_size, n_leapfrog, rng):
    """One HMC transition of every chain.

    Parameters
    ----------
    energy_grad : callable
        ``energy_grad(x) -> (energy, grad)`` for ``x`` of shape
        ``(n_chains, n_features)``: the energy of each chain (the negative
        unnormalised log-density) and its gradient, shapes ``(n_chains,)``
        and ``(n_chains, n_features)``.
    x : ndarray of shape (n_chains, n_features)
        Current positions (not modified).
    step_size : float
        Leapfrog step.
    n_leapfrog : int
        Leapfrog steps per trajectory.
    rng : numpy.random.Generator
        Draws the momenta and the acceptance tests.

    Returns
    -------
    x_new : ndarray of shape (n_chains, n_features)
        New positions (a chain that rejects keeps its position).
    accepted : ndarray of bool, shape (n_chains,)
    """
    momentum = rng.standard_normal(x.shape).astype(x.dtype, copy=False)
    energy, grad = energy_grad(x)
    start = energy + 0.5 * np.einsum("ij,ij->i", momentum, momentum)
    position = x.copy()
    p = momentum - 0.5 * step_size * grad
    for step in range(n_leapfrog):
        position += step_size * p
        end_energy, grad = energy_grad(position)
        if step < n_leapfrog - 1:
            p -= step_size * grad
    p -= 0.5 * step_size * grad
    end = end_energy + 0.5 * np.einsum("ij,ij->i", p, p)
    log_u = np.log(rng.random(x.shape[0]))
    with np.errstate(invalid="ignore"):
        accepted = log_u < (start - end)  # NaN or inf trajectories reject
    x_new = x.copy()
    x_new[accepted] = position[accepted]
    return x_new, accepted


def adapt_step_size(step_size, acceptance, target, rate):
    """The step size moved toward ``target`` acceptance: multiplied by
    ``exp(rate * (acceptance - target))`` (grows when too many trajectories
    are accepted, shrinks when too few)."""
    return float(step_size * math.exp(rate * (acceptance - target)))


class HamiltonianMonteCarlo:
    """Persistent Hamiltonian Monte Carlo chains on a differentiable energy.

    Parameters
    ----------
    energy_grad : callable
        ``energy_grad(x) -> (energy, grad)`` on ``x`` of shape
        ``(n_chains, n_features)``, returning the energy of each chain and
        its gradient; the target density is ``exp(-energy)`` (up to a
        constant). Evaluated on all chains at once.
    step_size : float, default=0.1
        Initial leapfrog step (adapted during burn-in).
    n_leapfrog : int, default=20
        Leapfrog steps per transition.
    target_acceptance : float, default=0.65
        Acceptance rate the burn-in adapts the step size toward.
    adaptation_rate : float, default=0.1
        Rate of the multiplicative adaptation
        (see :func:`adapt_step_size`).
    random_state : int, RandomState instance, Generator or None, default=None

    Attributes
    ----------
    positions_ : ndarray of shape (n_chains, n_features)
        Current state of the persistent chains.
    step_size_ : float
        Current step size (fixed outside burn-in).
    acceptance_rate_ : float
        Fraction of proposals accepted by the last call to :meth:`run`.
    burn_in_acceptance_rate_ : float
        Fraction accepted during the last :meth:`burn_in`.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.utils.hmc import HamiltonianMonteCarlo
    >>> precision = np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> def energy_grad(x):
    ...     g = x @ precision
    ...     return 0.5 * np.einsum("ij,ij->i", x, g), g
    >>> hmc = HamiltonianMonteCarlo(energy_grad, random_state=0)
    >>> hmc.burn_in(np.zeros((100, 2)), n_steps=200).run(n_steps=20).shape
    (100, 2)
    >>> bool(0.5 < hmc.acceptance_rate_ < 0.8)
    True
    """

    def __init__(self, energy_grad, *, step_size=0.1, n_leapfrog=20,
                 target_acceptance=0.65, adaptation_rate=0.1, random_state=None):
        self.energy_grad = energy_grad
        self.step_size = step_size
        self.n_leapfrog = n_leapfrog
        self.target_acceptance = target_acceptance
        self.adaptation_rate = adaptation_rate
        self.random_state = random_state
        self._check_params()
        self.step_size_ = float(step_size)
        self._rng = check_generator(random_state)

    def _check_params(self):
        if not callable(self.energy_grad):
            raise TypeError(f"energy_grad must be callable, got {self.energy_grad!r}.")
        for name, low in (("step_size", 0.0), ("adaptation_rate", 0.0)):
            value = getattr(self, name)
            if not isinstance(value, Real) or not value > low or not math.isfinite(value):
                raise ValueError(f"{name} must be a positive finite number, got {value!r}.")
        if not isinstance(self.n_leapfrog, Integral) or self.n_leapfrog < 1:
            raise ValueError(f"n_leapfrog must be an int >= 1, got {self.n_leapfrog!r}.")
        if not isinstance(self.target_acceptance, Real) or not 0 < self.target_acceptance < 1:
            raise ValueError(
                f"target_acceptance must be in (0, 1), got {self.target_acceptance!r}."
            )

    def _set_positions(self, x):
        x = np.array(x, dtype=np.result_type(np.asarray(x).dtype, np.float32), copy=True)
        if x.ndim != 2 or not np.all(np.isfinite(x)):
            raise ValueError(
                "Initial positions must be a finite 2-D array (n_chains, n_features); "
                f"got shape {x.shape}."
            )
        self.positions_ = x

    def burn_in(self, x=None, n_steps=100):
        """Run ``n_steps`` transitions, adapting the step size after each.

        Parameters
        ----------
        x : array-like of shape (n_chains, n_features), default=None
            Starting positions; None continues the persistent chains.
        n_steps : int, default=100

        Returns
        -------
        self : HamiltonianMonteCarlo
        """
        if x is not None:
            self._set_positions(x)
        accepted = 0
        for _ in range(n_steps):
            self.positions_, acc = hmc_transition(
                self.energy_grad, self.positions_, self.step_size_, self.n_leapfrog, self._rng
            )
            accepted += acc.sum()
            self.step_size_ = adapt_step_size(
                self.step_size_, acc.mean(), self.target_acceptance, self.adaptation_rate
            )
        self.burn_in_acceptance_rate_ = float(accepted) / max(n_steps * len(self.positions_), 1)
        return self

    def run(self, n_steps=1, *, return_trace=False):
        """Run ``n_steps`` transitions at the fixed step size.

        Parameters
        ----------
        n_steps : int, default=1
        return_trace : bool, default=False
            Return every transition's positions, shape
            ``(n_steps, n_chains, n_features)``, instead of the last.

        Returns
        -------
        positions : ndarray
        """
        if not hasattr(self, "positions_"):
            raise RuntimeError("No chains yet: call burn_in(x) first.")
        trace = [] if return_trace else None
        accepted = 0
        for _ in range(n_steps):
            self.positions_, acc = hmc_transition(
                self.energy_grad, self.positions_, self.step_size_, self.n_leapfrog, self._rng
            )
            accepted += acc.sum()
            if return_trace:
                trace.append(self.positions_)
        self.acceptance_rate_ = float(accepted) / max(n_steps * len(self.positions_), 1)
        return np.stack(trace) if return_trace else self.positions_.copy()
