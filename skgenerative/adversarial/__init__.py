"""Generator networks trained without a likelihood (§20.10.2, 20.10.4–6): GAN
(and conditional GAN) and generative moment matching networks."""

from ._gan import GAN
from ._gmmn import GMMN

__all__ = ["GAN", "GMMN"]
