"""Likelihood evaluation: exact log partition functions, AIS, bounds, sample checks."""

from ._ais import (
    AISResult,
    LogPartitionSandwich,
    ais_log_partition,
    ais_schedule,
    base_rate_from_data,
    log_partition_sandwich,
    reverse_ais_log_partition,
)

__all__ = [
    "AISResult",
    "LogPartitionSandwich",
    "ais_log_partition",
    "ais_schedule",
    "base_rate_from_data",
    "log_partition_sandwich",
    "reverse_ais_log_partition",
]
