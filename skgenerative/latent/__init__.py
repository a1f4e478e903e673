"""Directed latent-variable models (§20.10.1–20.10.3): SBN, VAE, IWAE."""

__all__ = []
