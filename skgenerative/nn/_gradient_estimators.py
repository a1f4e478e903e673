"""Gradient estimators through random operations (§20.9).

* Reparametrization (eqs. 20.54–20.57): ``z = mean + exp(log_var / 2) * eps``
  with ``eps ~ N(0, I)`` drawn outside, so gradients flow to ``mean`` and
  ``log_var`` by the chain rule (:func:`reparametrize_gaussian` and its
  backward).
* REINFORCE for discrete samples (eqs. 20.59–20.62): ``J(y) d log p(y) / d w``,
  with the variance reducers of eqs. 20.66–20.69 and Mnih & Gregor (2014):
  a moving-average baseline, an input-dependent baseline network ``b(x)``
  trained by squared error, and variance normalisation
  (:class:`ReinforceBaseline`); and the per-coordinate optimal baseline of
  eq. 20.68 estimated from samples (:func:`optimal_baseline`).
"""

import numpy as np

from ._mlp import MLP

__all__ = [
    "reparametrize_gaussian",
    "reparametrize_gaussian_backward",
    "gaussian_kl_standard_normal",
    "diagonal_gaussian_log_density",
    "reinforce_gradient",
    "optimal_baseline",
    "ReinforceBaseline",
]

_LOG_2PI = float(np.log(2 * np.pi))


def reparametrize_gaussian(mean, log_var, eps):
    """``z = mean + exp(log_var / 2) * eps`` (eq. 20.57 with a Gaussian)."""
    return mean + np.exp(0.5 * log_var) * eps


def reparametrize_gaussian_backward(grad_z, log_var, eps):
    """Chain rule through :func:`reparametrize_gaussian`.

    Returns ``(d obj / d mean, d obj / d log_var)`` given ``d obj / d z``.
    """
    return grad_z, grad_z * eps * (0.5 * np.exp(0.5 * log_var))


def gaussian_kl_standard_normal(mean, log_var, *, grad=False):
    """``KL(N(mean, exp(log_var)) || N(0, I))`` per row (float64).

    With ``grad=True`` also returns its gradients w.r.t. ``mean`` and ``log_var``.
    """
    var = np.exp(log_var)
    kl = 0.5 * (mean * mean + var - 1.0 - log_var).sum(axis=1, dtype=np.float64)
    if not grad:
        return kl
    return kl, mean, 0.5 * (var - 1.0)


def diagonal_gaussian_log_density(z, mean=None, log_var=None):
    """``log N(z; mean, diag(exp(log_var)))`` per row (float64); standard normal
    when ``mean`` and ``log_var`` are None."""
    z = np.asarray(z, dtype=np.float64)
    if mean is None:
        return -0.5 * (z * z + _LOG_2PI).sum(axis=1)
    diff = z - mean
    return -0.5 * (diff * diff * np.exp(-log_var) + log_var + _LOG_2PI).sum(axis=1)


def reinforce_gradient(signal, score):
    """The REINFORCE estimate (eq. 20.62 / 20.69), averaged over samples.

    Parameters
    ----------
    signal : ndarray of shape (n_samples,) or (n_samples, n_params)
        The learning signal ``J(y) - b`` per sample (a per-coordinate baseline
        gives a 2-D signal).
    score : ndarray of shape (n_samples, n_params)
        ``d log p(y) / d w`` per sample.

    Returns
    -------
    grad : ndarray of shape (n_params,)
    """
    signal = np.asarray(signal)
    if signal.ndim == 1:
        signal = signal[:, None]
    return (signal * score).mean(axis=0)


def optimal_baseline(J, score):
    """Per-coordinate variance-minimising baseline (eq. 20.68) from samples.

    ``b_i = E[J s_i^2] / E[s_i^2]`` with ``s = d log p(y) / d w``. Estimated
    from samples other than those it will centre (otherwise it is biased).
    """
    sq = np.asarray(score) ** 2
    return (np.asarray(J)[:, None] * sq).mean(axis=0) / np.maximum(sq.mean(axis=0), 1e-300)


class ReinforceBaseline:
    """Variance reduction for REINFORCE as in NVIL (Mnih & Gregor, 2014).

    The centred, normalised learning signal is
    ``(J - c - b(x)) / max(1, sqrt(v))`` where ``c`` is a moving average of
    ``J - b(x)``, ``b(x)`` an optional input-dependent baseline network
    trained to minimise ``(J - c - b(x))^2``, and ``v`` a moving average of
    the variance of the centred signal (variance normalisation). Because
    ``c``, ``b`` and ``v`` are computed before they see the current sample's
    ``J``, the estimator stays unbiased up to the positive scale (eq. 20.67).

    Parameters
    ----------
    n_inputs : int or None, default=None
        Width of ``x`` for the input-dependent baseline; None for none.
    hidden_layer_sizes : tuple of int, default=(100,)
        Hidden layers of the baseline network (tanh).
    alpha : float, default=0.8
        Decay of the moving averages.
    moving_average : bool, default=True
    variance_normalization : bool, default=True
    dtype, random_state, prefix
        Passed to the baseline :class:`MLP` (whose parameters, ``params``,
        are stepped by the caller's optimizer with ``maximize=True``).
    """

    def __init__(
        self,
        n_inputs=None,
        hidden_layer_sizes=(100,),
        *,
        alpha=0.8,
        moving_average=True,
        variance_normalization=True,
        dtype=np.float64,
        random_state=None,
        prefix="baseline_",
    ):
        self.alpha = float(alpha)
        self.moving_average = moving_average
        self.variance_normalization = variance_normalization
        self.mean_ = 0.0
        self.var_ = 1.0
        self.n_updates_ = 0
        self.network = None
        if n_inputs is not None:
            sizes = [int(n_inputs), *hidden_layer_sizes, 1]
            self.network = MLP(
                sizes, "tanh", dtype=dtype, random_state=random_state, prefix=prefix
            )

    @property
    def params(self):
        return {} if self.network is None else self.network.params

    def predict(self, X):
        """``c + b(x)``: the full baseline for each row."""
        b = self.mean_ if self.moving_average else 0.0
        if self.network is not None:
            b = b + self.network.predict(X)[:, 0].astype(np.float64)
        return np.broadcast_to(np.asarray(b, dtype=np.float64), (len(X),)).copy()

    def signal(self, J, X=None, *, update=True):
        """Centred and normalised learning signal for a batch.

        Parameters
        ----------
        J : ndarray of shape (n_samples,)
            The raw learning signal (e.g. ``log p(x, h) - log q(h | x)``).
        X : ndarray of shape (n_samples, n_inputs) or None
            Inputs of the baseline network.
        update : bool, default=True
            Update the moving averages after centring (and return the
            baseline network's gradient).

        Returns
        -------
        signal : ndarray of shape (n_samples,)
        grads : dict
            Gradient (ascent on ``-0.5 * mean((J - c - b(x))^2)``) for the
            baseline network's parameters; empty without a network.
        """
        J = np.asarray(J, dtype=np.float64)
        c = self.mean_ if self.moving_average else 0.0
        grads = {}
        if self.network is not None:
            b, cache = self.network.forward(X)
            b = b[:, 0].astype(np.float64)
        else:
            b = 0.0
        centred = J - c - b
        scale = max(1.0, np.sqrt(self.var_)) if self.variance_normalization else 1.0
        out = centred / scale
        if update:
            if self.network is not None:
                g = (centred / len(J))[:, None].astype(self.network.dtype)
                grads = self.network.backward(cache, g)
            a = self.alpha
            if self.moving_average:
                self.mean_ = a * self.mean_ + (1 - a) * float(np.mean(J - b))
            if self.variance_normalization:
                self.var_ = a * self.var_ + (1 - a) * float(np.var(centred))
            self.n_updates_ += 1
        return out, grads
