"""Energy-based models (§20.1–20.8): RBMs, DBNs, DBMs and their unit types."""

from ._boltzmann_machine import BoltzmannMachine
from ._categorical_rbm import CategoricalRBM
from ._class_rbm import ClassRBM
from ._conditional import ConditionalBoltzmannMachine
from ._conv_dbm import ConvolutionalDBM
from ._conv_rbm import ConvolutionalRBM
from ._dbm import DBM
from ._dbm_classifier import DBMClassifier
from ._dbn import DBN
from ._dbn_classifier import DBNClassifier
from ._gated import GatedRBM
from ._gaussian_rbm import GaussianBernoulliRBM
from ._mcrbm import MeanCovarianceRBM
from ._mpot import MeanProductTDistribution
from ._mpdbm import MPDBM
from ._rbm import BernoulliRBM
from ._ssrbm import SpikeSlabRBM

__all__ = [
    "BernoulliRBM",
    "BoltzmannMachine",
    "CategoricalRBM",
    "ClassRBM",
    "ConditionalBoltzmannMachine",
    "ConvolutionalDBM",
    "ConvolutionalRBM",
    "DBM",
    "DBMClassifier",
    "DBN",
    "DBNClassifier",
    "GatedRBM",
    "GaussianBernoulliRBM",
    "MPDBM",
    "MeanCovarianceRBM",
    "MeanProductTDistribution",
    "SpikeSlabRBM",
]
