"""Denoising autoencoders as generative models (§20.11)."""

from ._dae import DenoisingAutoencoder

__all__ = ["DenoisingAutoencoder"]
