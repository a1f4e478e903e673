"""Autoregressive models (§20.10.7–20.10.10): FVSBN, neural AR, NADE and kin."""

__all__ = []
