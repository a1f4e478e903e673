"""Log-likelihood results that say what kind of number they are.

§20.14: "it is important to think and communicate clearly about exactly what
is being measured". A :class:`LogLikelihood` carries, next to the per-sample
values, whether they are exact, a stochastic estimate, or a bound, and how
they were obtained, so a table of results cannot silently mix them.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ..boltzmann._ais import AISResult, ais_log_partition

__all__ = ["LOG_LIKELIHOOD_KINDS", "LogLikelihood", "log_likelihood", "rbm_log_likelihood"]

#: ``exact``: the log-likelihood itself. ``estimate``: a stochastic estimate
#: (e.g. forward AIS: unbiased in Z, so optimistic in log-likelihood in
#: expectation). ``lower_bound``: at most the log-likelihood (variational
#: bounds deterministically; reverse AIS in expectation). ``upper_bound``: at
#: least the log-likelihood.
LOG_LIKELIHOOD_KINDS = ("exact", "estimate", "lower_bound", "upper_bound")


@dataclass(frozen=True)
class LogLikelihood:
    """Per-sample log-likelihoods (nats) with their kind and method.

    Attributes
    ----------
    values : ndarray of shape (n_samples,)
        Log-likelihood (or estimate / bound) of each sample, in nats.
    kind : {"exact", "estimate", "lower_bound", "upper_bound"}
        What the values are (see ``LOG_LIKELIHOOD_KINDS``).
    method : str
        How they were computed, e.g. ``"exact enumeration"``, ``"AIS (100 runs
        x 14501 temperatures)"``, ``"ELBO"``.
    offset_interval : tuple of float or None
        Uncertainty shared by all samples (e.g. from an AIS estimate of
        ``log Z``): ``(low, high)`` to add to ``mean - offset``; the interval
        of the mean is ``mean_interval``.
    """

    values: np.ndarray = field(repr=False)
    kind: str
    method: str
    offset_interval: object = None

    def __post_init__(self):
        if self.kind not in LOG_LIKELIHOOD_KINDS:
            raise ValueError(f"kind must be one of {LOG_LIKELIHOOD_KINDS}; got {self.kind!r}.")

    @property
    def mean(self):
        """Mean log-likelihood per sample (nats)."""
        return float(np.mean(self.values))

    @property
    def std_error(self):
        """Standard error of the mean over the samples (data sampling noise)."""
        n = self.values.shape[0]
        return float(np.std(self.values, ddof=1) / math.sqrt(n)) if n > 1 else math.nan

    @property
    def mean_interval(self):
        """``(low, high)`` of the mean from the shared (e.g. log Z) uncertainty,
        or ``(mean, mean)`` when there is none."""
        if self.offset_interval is None:
            return (self.mean, self.mean)
        return (self.mean + self.offset_interval[0], self.mean + self.offset_interval[1])

    def __str__(self):
        text = f"{self.mean:.2f} nats ({self.kind}, {self.method}"
        if self.offset_interval is not None:
            lo, hi = self.mean_interval
            text += f"; interval [{lo:.2f}, {hi:.2f}]"
        return text + ")"


def log_likelihood(model, X, *, method=None):
    """``model.score_samples(X)`` as a :class:`LogLikelihood`, tagged with the
    model's ``score_kind_`` ("exact" if the model does not say).

    Parameters
    ----------
    model : fitted generative estimator
    X : array-like of shape (n_samples, n_features)
    method : str, default=None
        Description; ``None`` uses the model's class name.

    Returns
    -------
    result : LogLikelihood
    """
    values = np.asarray(model.score_samples(X), dtype=np.float64)
    kind = getattr(model, "score_kind_", "exact")
    return LogLikelihood(values=values, kind=kind, method=method or type(model).__name__)


def _log_unnormalized(model, X):
    """``log sum_h exp(-E(v, h))`` for each row of ``X`` (RBM family, duck-typed)."""
    W = np.asarray(model.components_, dtype=np.float64)
    b = np.asarray(model.intercept_visible_, dtype=np.float64)
    c = np.asarray(model.intercept_hidden_, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != b.shape[0]:
        raise ValueError(f"X must have shape (n_samples, {b.shape[0]}); got {X.shape}.")
    precision = getattr(model, "precision_", None)
    if precision is None:
        return X @ b + np.logaddexp(0.0, X @ W.T + c).sum(axis=1)
    p = np.asarray(precision, dtype=np.float64)
    return (-0.5 * ((X - b) ** 2) @ np.broadcast_to(p, b.shape)
            + np.logaddexp(0.0, (X * p) @ W.T + c).sum(axis=1))


def rbm_log_likelihood(model, X, log_partition=None, **ais_params):
    """Log-likelihood of each row of ``X`` under an RBM, ``log p*(v) - log Z``.

    Parameters
    ----------
    model : fitted RBM
        Duck-typed as in :func:`ais_log_partition` (binary or Gaussian
        visibles).
    X : array-like of shape (n_samples, n_visible)
    log_partition : None, float or AISResult, default=None
        ``log Z``. A float is taken as exact. A forward :class:`AISResult`
        gives an ``"estimate"`` (optimistic in expectation); a reverse one
        gives a ``"lower_bound"`` (conservative in expectation, if its start
        states were model samples). ``None`` runs :func:`ais_log_partition`
        with ``ais_params``.
    **ais_params
        Passed to :func:`ais_log_partition` when ``log_partition`` is None.

    Returns
    -------
    result : LogLikelihood
        With ``offset_interval`` from the AIS interval of ``log Z``.
    """
    if log_partition is None:
        log_partition = ais_log_partition(model, **ais_params)
    values = _log_unnormalized(model, X)
    if isinstance(log_partition, AISResult):
        res = log_partition
        lo, hi = res.log_z_ci
        kind = "estimate" if res.direction == "forward" else "lower_bound"
        method = (f"{'AIS' if res.direction == 'forward' else 'reverse AIS'} "
                  f"({res.n_runs} runs x {res.n_temperatures} temperatures)")
        return LogLikelihood(values=values - res.log_z, kind=kind, method=method,
                             offset_interval=(res.log_z - hi, res.log_z - lo))
    return LogLikelihood(values=values - float(log_partition), kind="exact",
                         method="exact log Z")
