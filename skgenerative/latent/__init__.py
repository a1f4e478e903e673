"""Directed latent-variable models (§20.10.1–20.10.3): SBN, VAE, IWAE, and
VAEs with several stochastic layers."""

from ._common import generate_samples
from ._hierarchical_vae import HierarchicalVAE
from ._sbn import SigmoidBeliefNet
from ._vae import IWAE, VAE

__all__ = ["SigmoidBeliefNet", "VAE", "IWAE", "HierarchicalVAE", "generate_samples"]
