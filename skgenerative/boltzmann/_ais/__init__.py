"""Annealed importance sampling (AIS) of the log partition function of RBMs
and DBMs: the drivers, their result type and the temperature schedule.

They live in the Boltzmann family, below the models that cache ``log Z``
and below :mod:`skgenerative.evaluation`, which re-exports the public names.
"""

from ._dbm import ais_log_partition_dbm, reverse_ais_log_partition_dbm
from ._rbm import (
    LogPartitionSandwich,
    ais_log_partition,
    base_rate_from_data,
    log_partition_sandwich,
    reverse_ais_log_partition,
)
from ._result import AISResult, warn_if_unreliable
from ._schedule import ais_schedule

__all__ = [
    "AISResult",
    "LogPartitionSandwich",
    "ais_log_partition",
    "ais_log_partition_dbm",
    "ais_schedule",
    "base_rate_from_data",
    "log_partition_sandwich",
    "reverse_ais_log_partition",
    "reverse_ais_log_partition_dbm",
    "warn_if_unreliable",
]
