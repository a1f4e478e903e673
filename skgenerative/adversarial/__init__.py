"""Generator networks trained without a likelihood (§20.10.2, 20.10.4–6): GAN
(and conditional GAN), LAPGAN and generative moment matching networks."""

from ._gan import GAN
from ._gmmn import GMMN
from ._lapgan import LAPGAN

__all__ = ["GAN", "GMMN", "LAPGAN"]
