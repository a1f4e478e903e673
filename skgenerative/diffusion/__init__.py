"""Diffusion inversion (§20.13): diffusion probabilistic models."""

from ._model import DiffusionModel

__all__ = ["DiffusionModel"]
