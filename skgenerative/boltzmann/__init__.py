"""Energy-based models (§20.1–20.8): RBMs, DBNs, DBMs and their unit types."""

from ._categorical_rbm import CategoricalRBM
from ._dbm import DBM, MPDBM, DBMClassifier
from ._dbn import DBN, DBNClassifier
from ._gaussian_rbm import GaussianBernoulliRBM
from ._rbm import BernoulliRBM

__all__ = [
    "BernoulliRBM",
    "CategoricalRBM",
    "DBM",
    "DBMClassifier",
    "DBN",
    "DBNClassifier",
    "GaussianBernoulliRBM",
    "MPDBM",
]
