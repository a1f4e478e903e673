"""Annealed importance sampling of a DBM with categorical (softmax) visibles.

The scheme of ``_ais_dbm`` (``_ais.py``): the AIS state is the even layers,
the odd layers are summed out analytically, the path is geometric from an
independent base model (visible logits ``b_base``, uniform hidden units) to
the DBM. Only the visible step differs: at inverse temperature ``t`` each
softmax group of the visible layer is drawn from
``softmax((1 - t) b_base + t (b_0 + W_0^T h_1))`` (one uniform per (row,
group), row-major, the sampler of ``_categorical.py``). The weight
increments, the odd layers and the binary even layers are those of
``_ais.py``.
"""

import numpy as np
from numba import njit

from ...utils._numba_math import FASTMATH as _FASTMATH
from ._ais import _ais_dbm, _ais_dbm_sample_binary_layer
from ._categorical import _sample_groups_inplace, _softmax_groups_inplace
from ._dbm import _dbm_layer_input


@njit(cache=True, nogil=True, error_model="numpy")
def _ais_softmax_visible(S, Ws, b, b_base, t, offsets, rng):
    """Draw the one-hot visible layer ``S[0]`` at temperature ``t`` given
    ``S[1]``: logits ``t (W_0^T h_1 + b) + (1 - t) b_base`` per group."""
    V = S[0]
    _dbm_layer_input(S, Ws, 0, V)  # reads S[1] only
    tt = V.dtype.type(t)
    bias = np.empty(V.shape[1], V.dtype)
    for k in range(V.shape[1]):
        bias[k] = tt * b[k] + V.dtype.type(1.0 - t) * b_base[k]
    for i in range(V.shape[0]):
        for k in range(V.shape[1]):
            V[i, k] *= tt
    _softmax_groups_inplace(V, bias, offsets)
    _sample_groups_inplace(V, offsets, rng)


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ais_dbm_categorical(S, Ws, bs, b_base, betas, rng, log_w, offsets):
    """Forward AIS over a DBM with softmax visible groups (``offsets``),
    odd layers summed out. Intermediate distributions::

        log p*_t = (1 - t) b_base.v + t sum_{even l} b_l.x_l
                   + sum_{odd l} sum_i softplus(t a_{l,i}(x_even))

    with ``v`` one-hot: those of ``_ais_dbm``, whose step from ``betas[k -
    1]`` to ``betas[k]`` (run on those two temperatures: the even layers'
    linear increment, then the odd layers' increment and draws at
    ``betas[k]``, where its schedule ends) is reused as it is. Then the
    visible groups and the binary even layers are drawn at ``betas[k]``.
    The base model's visible groups are independent softmaxes of
    ``b_base``. ``log_w`` (float64) is incremented; with the temperatures
    descending this is reverse AIS.
    """
    L = len(S) - 1
    n_temps = betas.shape[0]
    for k in range(1, n_temps):
        _ais_dbm(S, Ws, bs, b_base, betas[k - 1 : k + 1], rng, log_w)
        if k == n_temps - 1:
            break
        t = betas[k]
        _ais_softmax_visible(S, Ws, bs[0], b_base, t, offsets, rng)
        for l in range(2, L + 1, 2):
            _ais_dbm_sample_binary_layer(S, Ws, bs, l, t, b_base, rng)
