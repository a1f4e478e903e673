"""Likelihood evaluation: exact log partition functions, AIS, bounds, sample checks."""

__all__ = []
