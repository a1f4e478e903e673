"""Energy-based models (§20.1–20.8): RBMs, DBNs, DBMs and their unit types."""

from ._dbn import DBN, DBNClassifier
from ._rbm import BernoulliRBM

__all__ = ["BernoulliRBM", "DBN", "DBNClassifier"]
