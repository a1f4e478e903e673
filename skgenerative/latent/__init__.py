"""Directed latent-variable models (§20.10.1–20.10.3): SBN, VAE, IWAE."""

from ._common import generate_samples
from ._sbn import SigmoidBeliefNet
from ._vae import IWAE, VAE

__all__ = ["SigmoidBeliefNet", "VAE", "IWAE", "generate_samples"]
