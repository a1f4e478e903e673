"""Warnings and errors specific to skgenerative."""

__all__ = ["OutOfSupportWarning", "PartitionFunctionError", "UnreliableEstimateWarning"]


class OutOfSupportWarning(UserWarning):
    """Input values lie outside the support of the model's visible units.

    Raised (as a warning, never an error) when, for example, pixels in [0, 255]
    are given to Bernoulli visible units that expect values in [0, 1]. The
    message names the fix (``MinMaxScaler``, binarization, ``StandardScaler``).
    """


class PartitionFunctionError(RuntimeError):
    """The log partition function cannot be computed with the requested method.

    For example ``log_z="exact"`` on a model whose smaller layer is too large to
    enumerate.
    """


class UnreliableEstimateWarning(UserWarning):
    """A Monte Carlo estimate rests on too few effective samples.

    Raised when, for example, the AIS weights behind a model's ``log Z`` have
    an effective sample size far below the number of runs: one or two chains
    carry the estimate, its error bar is too small, and forward AIS then
    tends to underestimate ``log Z`` (scores look too good). The message names
    the fix (more temperatures or runs).
    """
