"""The log-partition policy of the Boltzmann models (RBMs, DBN, DBM).

One set of hyperparameters and fitted names for every model whose score
needs ``log Z``:

``log_z`` : {"auto", "exact", "ais"} or float
    "auto" enumerates when the enumerated layers have at most ``exact_limit``
    units, else runs AIS; a float is taken as given.
``exact_limit`` : int
``ais_n_runs`` : int
    Number of AIS chains.
``ais_n_temperatures`` : int or None
    Length of the AIS schedule (None: Salakhutdinov & Murray's 14,501).

``log_partition_`` (float) and ``log_partition_result_`` (an
:class:`~skgenerative.evaluation.AISResult` after AIS, a
:class:`LogPartitionResult` for exact or given values) are computed on first
use and cached until the parameters or one of the four settings above change; AIS draws from a seed stored at ``fit`` (``_score_seed``), so
scores are deterministic after ``fit`` and ``fit`` stays fast.
``score_kind_`` follows from the method: a model whose score is exact given
``log Z`` (RBMs) is ``"exact"`` with an enumerated ``log Z``; one whose score
is a variational bound (DBM, DBN) is ``"lower_bound"``; with AIS (which can
over- or underestimate) or a given value both are ``"estimate"``.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np

from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..exceptions import PartitionFunctionError
from ._ais import warn_if_unreliable

__all__ = ["LogPartitionMixin", "LogPartitionResult"]

#: Enumerating more than 2**30 states is never attempted.
_MAX_ENUMERATED = 30


@dataclass(frozen=True)
class LogPartitionResult:
    """An exact or user-given ``log Z`` (no Monte Carlo error).

    Attributes
    ----------
    log_z : float
    log_z_std : float
        0.0: the value carries no sampling error.
    log_z_ci : tuple of float
        ``(log_z, log_z)``.
    method : {"exact", "given"}
    """

    log_z: float
    method: str

    @property
    def log_z_std(self):
        return 0.0

    @property
    def log_z_ci(self):
        return (self.log_z, self.log_z)


class LogPartitionMixin:
    """Computes, caches and labels ``log Z`` for a Boltzmann model.

    Hooks: ``_enumerated_units()`` (units summed over by enumeration),
    ``_exact_log_partition()``, ``_ais_log_partition(n_runs, betas,
    random_state)`` -> ``AISResult``; class attribute
    ``_score_kind_when_exact``.
    """

    _score_kind_when_exact = "exact"

    _log_partition_constraints = {
        "log_z": [StrOptions({"auto", "exact", "ais"}), numbers.Real],
        "exact_limit": [Interval(numbers.Integral, 0, _MAX_ENUMERATED, closed="both")],
        "ais_n_runs": [Interval(numbers.Integral, 2, None, closed="left")],
        "ais_n_temperatures": [Interval(numbers.Integral, 2, None, closed="left"), None],
    }

    def _log_partition_method(self):
        """"given", "exact" or "ais", as ``log_z`` and ``exact_limit`` ask."""
        log_z = self.log_z
        if isinstance(log_z, numbers.Real) and not isinstance(log_z, bool):
            return "given"
        if log_z == "exact" or (log_z == "auto" and self._enumerated_units() <= self.exact_limit):
            return "exact"
        return "ais"

    def _forget_log_partition(self):
        """Drop the cached value (the parameters changed)."""
        self._log_partition_result = None

    def _log_partition_settings(self):
        """The hyperparameters a cached ``log Z`` was computed with: a
        ``set_params`` that changes one of them makes the cache stale."""
        return (self.log_z, self.exact_limit, self.ais_n_runs, self.ais_n_temperatures)

    @property
    def log_partition_result_(self):
        """How ``log_partition_`` was obtained, with its error: an
        ``AISResult`` (``log_z_std``, ``log_z_ci``, ``ess``) or a
        :class:`LogPartitionResult` (exact or given)."""
        check_is_fitted(self)
        settings = self._log_partition_settings()
        if (getattr(self, "_log_partition_result", None) is None
                or getattr(self, "_log_partition_key", None) != settings):
            self._log_partition_result = self._compute_log_partition()
            self._log_partition_key = settings
        return self._log_partition_result

    @property
    def log_partition_(self):
        """``log Z`` of the fitted model (computed on first use, then cached)."""
        return float(self.log_partition_result_.log_z)

    @property
    def log_partition_ci_(self):
        """(low, high) interval of ``log_partition_``: a point for exact or
        given values, ±3 standard errors for AIS."""
        return tuple(self.log_partition_result_.log_z_ci)

    @property
    def score_kind_(self):
        """What ``score_samples`` returns (see ``skgenerative.base.SCORE_KINDS``)."""
        check_is_fitted(self)
        if self._log_partition_method() == "exact":
            return self._score_kind_when_exact
        return "estimate"

    def _compute_log_partition(self):
        method = self._log_partition_method()
        if method == "given":
            return LogPartitionResult(float(self.log_z), "given")
        if method == "exact":
            n_enum = self._enumerated_units()
            if n_enum > _MAX_ENUMERATED:
                raise PartitionFunctionError(
                    f"log_z='exact' would enumerate 2**{n_enum} states; use "
                    "log_z='ais' (or 'auto')."
                )
            return LogPartitionResult(float(self._exact_log_partition()), "exact")
        result = self._ais_log_partition(
            self.ais_n_runs, self.ais_n_temperatures, self._score_seed
        )
        warn_if_unreliable(
            result, f"{type(self).__name__}'s log Z",
            f"Raise ais_n_temperatures (now {self.ais_n_temperatures}) or ais_n_runs "
            f"(now {self.ais_n_runs}), or pass a better estimate as log_z=<float>.",
        )
        return result

    def _log_partition_std(self):
        """Standard error of ``log_partition_`` (0 for exact or given values)."""
        std = float(self.log_partition_result_.log_z_std)
        return std if math.isfinite(std) else math.inf

    def _scores_with_std(self, scores, return_std, sampling_std=None):
        """``scores``, or ``(scores, std)`` with the standard error of each:
        the error of ``log Z`` combined with the per-row Monte Carlo error
        ``sampling_std`` of the unnormalised part (independent, so in
        quadrature)."""
        if not return_std:
            return scores
        var = np.full(scores.shape, self._log_partition_std() ** 2, dtype=np.float64)
        if sampling_std is not None:
            var += np.asarray(sampling_std, dtype=np.float64) ** 2
        return scores, np.sqrt(var)
