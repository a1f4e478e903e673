"""Diffusion inversion (§20.13)."""

__all__ = []
