"""Autoregressive models with exact likelihoods (§20.10.7–20.10.10 of the spec).

FVSBN (logistic autoregressive network) and NADE (binary neural
autoregressive density estimator); exact ``score_samples`` and exact
ancestral ``sample`` for every model.
"""

from ._fvsbn import FVSBN
from ._nade import NADE
from ._neural_ar import NeuralAutoregressive
from ._oanade import OrderAgnosticNADE
from ._rnade import RNADE

__all__ = ["FVSBN", "NADE", "NeuralAutoregressive", "OrderAgnosticNADE", "RNADE"]
