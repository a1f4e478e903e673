"""Denoising autoencoders and generative stochastic networks as generative
models (§20.11–20.12)."""

from ._abc import abc_adjust
from ._dae import DenoisingAutoencoder
from ._gsn import GenerativeStochasticNetwork
from ._gsn_classifier import GSNClassifier

__all__ = ["DenoisingAutoencoder", "GenerativeStochasticNetwork", "GSNClassifier", "abc_adjust"]
