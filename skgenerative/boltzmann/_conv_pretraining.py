"""Greedy pretraining of a convolutional DBM with doubled inputs (§20.4.4, §20.6).

Salakhutdinov & Hinton (2009) pretrain the bottom RBM of a DBM with two tied
copies of the visible layer (its hidden units receive twice the bottom-up
input, standing in for the top-down input they get in the DBM) and the top
RBM with two tied copies of its hidden layer (its visible units receive twice
the top-down input, standing in for the missing bottom-up input); the DBM
then takes their weights unchanged, and every layer receives half of the
input each neighbouring RBM trained it with (``_pretraining.py`` for the
dense DBM). Here the same rule for the two :class:`ConvolutionalRBM` of a
:class:`ConvolutionalDBM`: a :class:`TiedCopiesConvLayer` is a
:class:`ConvLayer` with ``up`` tied copies of the visible layer and ``down``
of the hidden layer, and :class:`TiedCopiesConvRBM` trains it with
ConvolutionalRBM's own update (which calls only the layer's methods).
"""

import numpy as np

from ._conv_layer import ConvLayer
from ._conv_rbm import ConvolutionalRBM

__all__ = ["TiedCopiesConvLayer", "TiedCopiesConvRBM"]


class TiedCopiesConvLayer(ConvLayer):
    """A convolutional layer with ``up`` tied copies of its visible layer
    and ``down`` tied copies of its hidden layer, represented by the copy
    means (as the dense kernels of ``_kernels/_pretraining.py``):

    * the detectors receive ``up (F * s(v)) + c`` (on data all visible
      copies equal the image; in the chains ``v`` is the mean of the copies);
    * the pixels receive ``b + down (F ** h)`` with ``h`` the mean of the
      hidden copies;
    * a chain draws ``up`` visible copies given ``h`` and ``down`` hidden
      copies given ``v`` and keeps their means.

    The gradients are the per-copy ones (ConvLayer's statistics of the copy
    means). ``up = down = 1`` is the plain layer.
    """

    def __init__(self, geometry, units, F, b, c, params=None, *, up=1, down=1):
        super().__init__(geometry, units, F, b, c, params)
        self.up, self.down = int(up), int(down)

    def hidden_input(self, V):
        if self.up == 1:
            return super().hidden_input(V)
        scaled = ConvLayer(self.geometry, self.units, self.up * self.F, self.b, self.c,
                           self.params)
        return scaled.hidden_input(V)

    def visible_activation(self, H, beta=1.0, base=None):
        if self.down == 1:
            return super().visible_activation(H, beta, base)
        scaled = ConvLayer(self.geometry, self.units, self.down * self.F, self.b, self.c,
                           self.params)
        return scaled.visible_activation(H, beta, base)

    def sample_visible(self, H, rng):
        mean = self.units.mean(self.visible_activation(H), **self.params)
        draws = [self.units.sample(mean, rng, **self.params) for _ in range(self.up)]
        return np.ascontiguousarray(np.mean(draws, axis=0), dtype=H.dtype)

    def pool_and_sample(self, I, rng, beta=1.0):
        P, pooled, log_norm, H = super().pool_and_sample(I, rng, beta)
        if self.down > 1:
            copies = [H] + [self.sample_hidden(I, rng, beta) for _ in range(self.down - 1)]
            H = np.mean(copies, axis=0).astype(I.dtype)
        return P, pooled, log_norm, H


class TiedCopiesConvRBM(ConvolutionalRBM):
    """A :class:`ConvolutionalRBM` trained with tied copies of its layers
    (``copies = (up, down)``, set on the instance before ``fit``); its
    ``transform`` is the pooling probabilities of ``up (F * s(v)) + c``, the
    input of the RBM above. Used by :class:`ConvolutionalDBM`'s pretraining
    only."""

    copies = (1, 1)

    def _layer(self):
        up, down = self.copies
        return TiedCopiesConvLayer(
            self.geometry_, self._units, self.components_, self.intercept_visible_,
            self.intercept_hidden_, self._visible_params(), up=up, down=down,
        )
