"""Autoregressive models with exact likelihoods (§20.10.7–20.10.10 of the spec).

FVSBN and its real-valued linear-Gaussian twin, the neural autoregressive
network of Bengio & Bengio, NADE, RNADE and the order-agnostic deep NADE
(EoNADE ensembles, NADE-k, imputation); exact ``score_samples`` and exact
ancestral ``sample`` for every model.
"""

from ._fvsbn import FVSBN
from ._linear_gaussian import LinearGaussianAutoregressive
from ._nade import NADE
from ._neural_ar import NeuralAutoregressive
from ._oanade import OrderAgnosticNADE
from ._rnade import RNADE

__all__ = [
    "FVSBN",
    "LinearGaussianAutoregressive",
    "NADE",
    "NeuralAutoregressive",
    "OrderAgnosticNADE",
    "RNADE",
]
