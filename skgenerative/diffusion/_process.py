"""Forward diffusion processes of Sohl-Dickstein et al. (2015) (§20.13).

A process is the Markov chain ``q(x_t | x_{t-1})``, ``t = 1..T``, that
slowly destroys the structure of the data, and its closed forms: the
marginal ``q(x_t | x_0)``, the posterior ``q(x_{t-1} | x_t, x_0)`` and the
KL of ``q(x_T | x_0)`` from the prior ``p(x_T)``. Both processes corrupt
every unit independently.

* :class:`BinomialDiffusion` (binary data):
  ``q(x_t = 1 | x_{t-1}) = x_{t-1} (1 - beta_t) + beta_t / 2``, prior
  ``Bernoulli(1/2)``; a distribution is represented by its probabilities.
* :class:`GaussianDiffusion` (real data):
  ``q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t)``, prior
  ``N(0, 1)``; a distribution is represented by ``(mean, variance)``.

With ``alpha_bar_t = prod_{s <= t} (1 - beta_s)`` both marginals mix the data
with the prior in proportion ``alpha_bar_t``.

A process also knows the reverse kernel of the *independent-units* model
with the data's per-unit moments (:meth:`reverse_base`): the exact reversal
of the diffusion when the units are independent. The learned kernel is that
baseline plus a network's correction, so an untrained model scores as the
independent model does and training only adds the dependencies. The default schedule
``beta_t = 1 / (T - t + 1)`` (Sohl-Dickstein et al.'s binomial schedule)
gives ``alpha_bar_t = 1 - t / T``: ``x_T`` is exactly the prior. For
Gaussian diffusion the default is geometric from ``1e-3`` to 1
(:func:`geometric_schedule`): with the erasing schedule's first step
``1 / T`` the bound on a continuous density is loose.
"""

import numpy as np

__all__ = [
    "BinomialDiffusion", "GaussianDiffusion", "erase_schedule", "geometric_schedule",
    "make_diffusion",
]

_EPS = 1e-7


def erase_schedule(n_steps):
    """``beta_t = 1 / (T - t + 1)``, ``t = 1..T``: ``alpha_bar_t = 1 - t / T``."""
    t = np.arange(1, n_steps + 1, dtype=np.float64)
    return 1.0 / (n_steps - t + 1.0)


def _at(values, t):
    """``values[t]``: a float for an int ``t``, a column for an array of steps
    (one per row), so that it broadcasts against ``(n_rows, n_features)``."""
    if np.ndim(t) == 0:
        return float(values[int(t)])
    return values[np.asarray(t)][:, None]


def geometric_schedule(n_steps, first=1e-3):
    """``beta_t`` geometric from ``first`` to 1 (``x_T`` is the prior): small
    first steps, which a continuous density needs for a tight bound."""
    if n_steps == 1:
        return np.ones(1)
    return np.geomspace(first, 1.0, n_steps)


class _Diffusion:
    """The schedule. Methods take ``t`` as an int or as one step per row.

    ``data_mean`` and ``data_var`` are the per-unit moments of the data
    (for :meth:`reverse_base`).
    """

    def __init__(self, betas, data_mean, data_var):
        self.data_mean = np.asarray(data_mean, dtype=np.float64)
        self.data_var = np.asarray(data_var, dtype=np.float64)
        self.betas = np.asarray(betas, dtype=np.float64)
        self.alpha_bar = np.cumprod(1.0 - self.betas)
        self._beta_at = np.concatenate([[0.0], self.betas])  # index t = 1..T
        self._alpha_bar_at = np.concatenate([[1.0], self.alpha_bar])  # t = 0..T

    @property
    def n_steps(self):
        return self.betas.shape[0]

    def _alpha_bar(self, t):
        """``alpha_bar_t`` for ``t = 0..T`` (``alpha_bar_0 = 1``)."""
        return _at(self._alpha_bar_at, t)

    def _beta(self, t):
        return _at(self._beta_at, t)


class BinomialDiffusion(_Diffusion):
    """Binomial diffusion of binary units (probabilities in, probabilities out)."""

    name = "binomial"

    def marginal(self, X0, t):
        """``q(x_t = 1 | x_0)``."""
        a = self._alpha_bar(t)
        return X0 * a + 0.5 * (1.0 - a)

    @staticmethod
    def noise(rng, shape):
        """The noise :meth:`sample_marginal` turns into a draw (uniforms)."""
        return rng.random(shape)

    def sample_marginal(self, X0, t, noise):
        """A draw of ``x_t ~ q(x_t | x_0)`` from :meth:`noise`."""
        return (noise < self.marginal(X0, t)).astype(X0.dtype)

    def posterior(self, X0, Xt, t):
        """``q(x_{t-1} = 1 | x_t, x_0)`` for ``t >= 2``."""
        b = self._beta(t)
        m = self.marginal(X0, t - 1)
        like1 = Xt * (1 - b / 2) + (1 - Xt) * (b / 2)  # q(x_t | x_{t-1} = 1)
        like0 = Xt * (b / 2) + (1 - Xt) * (1 - b / 2)
        num = like1 * m
        return num / (num + like0 * (1 - m))

    def reverse_base(self, Xt, t):
        """Logits of ``q(x_{t-1} = 1 | x_t)`` when ``x_0`` has independent
        units of probability ``data_mean``."""
        q = np.clip(self.posterior(self.data_mean, Xt, t), _EPS, 1 - _EPS)
        return (np.log(q) - np.log1p(-q)).astype(Xt.dtype)

    @staticmethod
    def entropy(q):
        """Entropy of independent Bernoulli(q) units, summed per row (float64)."""
        q = np.clip(q.astype(np.float64), _EPS, 1 - _EPS)
        return -(q * np.log(q) + (1 - q) * np.log1p(-q)).sum(axis=1)

    def prior_kl(self, X0):
        """``KL(q(x_T | x_0) || Bernoulli(1/2))`` per row."""
        return -self.entropy(self.marginal(X0, self.n_steps)) + X0.shape[1] * np.log(2.0)

    def sample_prior(self, shape, rng, dtype):
        return (rng.random(shape) < 0.5).astype(dtype)


class GaussianDiffusion(_Diffusion):
    """Gaussian diffusion of real units (mean and variance of each unit)."""

    name = "gaussian"

    def __init__(self, betas, data_mean, data_var, min_variance):
        super().__init__(betas, data_mean, data_var)
        self.min_variance = float(min_variance)

    def reverse_base(self, Xt, t):
        """``[mean, s]`` (the Gaussian head's parametrisation, variance
        ``min_variance + softplus(s)``) of ``q(x_{t-1} | x_t)`` when ``x_0`` has
        independent Gaussian units with the data's moments."""
        a_prev, b = self._alpha_bar(t - 1), self._beta(t)
        V = a_prev * self.data_var + 1 - a_prev  # var(x_{t-1})
        M = np.sqrt(a_prev) * self.data_mean  # mean(x_{t-1})
        S = (1 - b) * V + b  # var(x_t)
        mean = M + np.sqrt(1 - b) * V / S * (Xt - np.sqrt(1 - b) * M)
        var = np.broadcast_to(V * b / S, mean.shape)
        s = np.log(np.expm1(np.maximum(var - self.min_variance, 1e-6)))
        return np.hstack([mean, s]).astype(Xt.dtype)

    def marginal(self, X0, t):
        a = self._alpha_bar(t)
        return np.sqrt(a) * X0, 1.0 - a

    @staticmethod
    def noise(rng, shape):
        """The noise :meth:`sample_marginal` turns into a draw (standard normals)."""
        return rng.standard_normal(shape)

    def sample_marginal(self, X0, t, noise):
        """A draw of ``x_t ~ q(x_t | x_0)`` from :meth:`noise`."""
        mean, var = self.marginal(X0, t)
        return (mean + np.sqrt(var) * noise).astype(X0.dtype)

    def posterior(self, X0, Xt, t):
        """Mean and variance of ``q(x_{t-1} | x_t, x_0)`` for ``t >= 2``."""
        b = self._beta(t)
        a_prev, a_t = self._alpha_bar(t - 1), self._alpha_bar(t)
        mean = (np.sqrt(a_prev) * b * X0 + np.sqrt(1 - b) * (1 - a_prev) * Xt) / (1 - a_t)
        return mean, (1 - a_prev) * b / (1 - a_t)

    @staticmethod
    def entropy(var, n_features):
        """Entropy of ``n_features`` independent Gaussians of variance ``var``."""
        return 0.5 * n_features * np.log(2 * np.pi * np.e * var)

    def prior_kl(self, X0):
        """``KL(q(x_T | x_0) || N(0, 1))`` per row."""
        mean, var = self.marginal(X0.astype(np.float64), self.n_steps)
        return 0.5 * (var + mean**2 - 1.0 - np.log(var)).sum(axis=1)

    def sample_prior(self, shape, rng, dtype):
        return rng.standard_normal(shape).astype(dtype)


def make_diffusion(name, betas, data_mean, data_var, *, min_variance=1e-4):
    if name == "binomial":
        return BinomialDiffusion(betas, data_mean, data_var)
    if name == "gaussian":
        return GaussianDiffusion(betas, data_mean, data_var, min_variance)
    raise ValueError(f"Unknown diffusion {name!r}; use 'binomial' or 'gaussian'.")
