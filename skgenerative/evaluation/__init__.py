"""Likelihood evaluation: exact log partition functions, AIS, bounds, sample checks."""

from ._exact import exact_log_partition

__all__ = ["exact_log_partition"]
