"""Denoising-autoencoder samplers and GSNs (§20.11–20.12)."""

__all__ = []
