"""The result of an AIS run: the log partition estimate, its standard error,
interval and effective sample size, and the warning when it rests on few chains."""

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from ...exceptions import UnreliableEstimateWarning
from ...utils.validation import user_stacklevel

__all__ = ["AISResult", "warn_if_unreliable"]


@dataclass(frozen=True)
class AISResult:
    """An AIS estimate of a log partition function, with its uncertainty.

    Attributes
    ----------
    log_z : float
        The estimate of ``log Z`` (log of the mean importance weight times the
        base model's ``Z``, for forward AIS; ``log Z_base`` minus the log of
        the mean reverse weight, for reverse AIS).
    log_z_std : float
        Standard error of ``log_z`` by the delta method: the standard deviation
        of the normalised weights over ``sqrt(n_runs)``. It measures the Monte
        Carlo noise only; it cannot see modes that no chain reached.
    log_z_ci : tuple of float
        ``(low, high)``: ``log(mean w -/+ 3 std err)``, the ±3 standard-error
        interval of Salakhutdinov & Murray (2008), mapped to the log scale
        (asymmetric; ``low`` is ``-inf`` when the interval reaches zero).
        :meth:`confidence_interval` gives other widths.
    ess : float
        Effective sample size ``(sum w)^2 / sum w^2`` of the importance
        weights, between 1 and ``n_runs``; far below ``n_runs`` means the
        estimate rests on a few chains: use more temperatures.
    log_weights : ndarray of shape (n_runs,)
        The log importance weights (forward: of ``Z / Z_base``; reverse: of
        ``Z_base / Z``).
    log_z_base : float
        ``log Z`` of the base model.
    n_temperatures : int
        Length of the schedule.
    direction : {"forward", "reverse"}
        Forward AIS underestimates ``log Z`` in expectation (likelihoods
        computed with it are optimistic); reverse AIS overestimates it
        (likelihoods are conservative, provided its start states are true
        samples of the model).
    """

    log_z: float
    log_z_std: float
    log_z_ci: tuple
    ess: float
    log_weights: np.ndarray = field(repr=False)
    log_z_base: float
    n_temperatures: int
    direction: str

    @property
    def method(self):
        """"ais": how the estimate was obtained (as ``LogPartitionResult.method``)."""
        return "ais"

    @property
    def n_runs(self):
        """Number of AIS chains."""
        return int(self.log_weights.shape[0])

    def confidence_interval(self, n_std=3.0):
        """``(low, high)`` interval of ``n_std`` standard errors of the mean
        weight, on the log scale (``low = -inf`` if it reaches zero)."""
        return _interval(self.log_weights, self.log_z_base, self.direction, n_std)

    def __float__(self):
        return float(self.log_z)


#: An effective sample size below this share of the runs means that a few
#: chains carry the AIS estimate.
_MIN_ESS_FRACTION = 0.1


def warn_if_unreliable(result, what, fix):
    """Warn (``UnreliableEstimateWarning``) when the AIS ``result`` rests on
    few weights: its effective sample size is below 10 % of the runs (AIS
    chains, plus importance draws where a model pools them).
    ``what`` names the estimate, ``fix`` says how to get a better one."""
    n_runs = result.log_weights.shape[0]
    if result.ess >= _MIN_ESS_FRACTION * n_runs:
        return
    warnings.warn(
        f"{what} rests on few importance weights (effective sample size "
        f"{result.ess:.1f} of {n_runs} runs, AIS chains or importance draws): its "
        f"error bar (+-{result.log_z_std:.2f}) is too small, and the estimate of "
        f"log Z then tends to be low, so scores look better than they are. {fix}",
        UnreliableEstimateWarning,
        stacklevel=user_stacklevel(),
    )


def _weight_stats(log_weights):
    """log mean weight, relative standard error of the mean, ESS."""
    n = log_weights.shape[0]
    log_mean = logsumexp(log_weights) - math.log(n)
    w = np.exp(log_weights - log_mean)  # normalised: mean 1
    rel_se = float(np.std(w, ddof=1) / math.sqrt(n)) if n > 1 else math.inf
    ess = float(np.sum(w) ** 2 / np.sum(w**2))
    return float(log_mean), rel_se, ess


def _interval(log_weights, log_z_base, direction, n_std):
    log_mean, rel_se, _ = _weight_stats(log_weights)
    lo_factor = 1.0 - n_std * rel_se
    log_lo = math.log(lo_factor) if lo_factor > 0 else -math.inf
    log_hi = math.log1p(n_std * rel_se)
    if direction == "forward":
        log_z = log_z_base + log_mean
        return (log_z + log_lo, log_z + log_hi)
    log_z = log_z_base - log_mean
    return (log_z - log_hi, log_z - log_lo)


def _make_result(log_weights, log_z_base, n_temperatures, direction):
    log_mean, rel_se, ess = _weight_stats(log_weights)
    sign = 1.0 if direction == "forward" else -1.0
    return AISResult(
        log_z=float(log_z_base + sign * log_mean),
        log_z_std=rel_se,
        log_z_ci=_interval(log_weights, log_z_base, direction, 3.0),
        ess=ess,
        log_weights=log_weights,
        log_z_base=float(log_z_base),
        n_temperatures=int(n_temperatures),
        direction=direction,
    )
