"""Energy-based models (§20.1–20.8): RBMs, DBNs, DBMs and their unit types."""

from ._dbm import DBM
from ._gaussian_rbm import GaussianBernoulliRBM
from ._rbm import BernoulliRBM

__all__ = ["BernoulliRBM", "DBM", "GaussianBernoulliRBM"]
