"""Math of RBMs whose biases change from frame to frame (array in, array out).

Frame ``t`` is an RBM with weights ``W`` (n_hidden, n_visible) and its own
biases ``Bv[t]`` (visible) and ``Bh[t]`` (hidden), set by the past. Its
energy is ``-Bv_t.v - Bh_t.h - h.W v`` for binary visibles and
``1/2 |v - Bv_t|^2 - Bh_t.h - h.W v`` for unit-precision Gaussian visibles.
Both sequence models (conditional RBM, RNN-RBM) reduce to this per frame:
they differ in how the biases are computed from the past, hence in how the
gradients with respect to the biases flow back to their parameters.

``W`` is shared by every frame (2-D), or is one matrix per frame (3-D,
(n_frames, n_hidden, n_visible)) when the past also sets the weights.
"""

import numpy as np
from scipy.special import expit

from ..boltzmann._units import softplus
from . import _kernels

__all__ = [
    "cd_negative_phase",
    "frame_gradients",
    "frame_log_likelihood",
    "frame_unnormalised",
    "gibbs_frames",
    "hidden_input",
    "visible_input",
    "weight_stack",
]


def weight_stack(W, dtype=np.float64):
    """``W`` as the kernels take it: (n_weights, n_hidden, n_visible),
    C-contiguous, one matrix when shared."""
    return np.ascontiguousarray(W[None] if W.ndim == 2 else W, dtype=dtype)


def hidden_input(V, W):
    """``W_t v_t`` of every frame (shared or per-frame weights)."""
    return V @ W.T if W.ndim == 2 else np.einsum("tkj,tj->tk", W, V)


def visible_input(H, W):
    """``W_t^T h_t`` of every frame (shared or per-frame weights)."""
    return H @ W if W.ndim == 2 else np.einsum("tkj,tk->tj", W, H)


def frame_unnormalised(V, W, Bv, Bh, gaussian):
    """``log p*(v_t)`` of every frame's RBM (float64): the hidden layer summed
    out, ``own_t(v) + sum_k softplus(Bh_tk + W_k v)`` with ``own_t(v) =
    Bv_t.v`` (binary) or ``-1/2 |v - Bv_t|^2`` (unit Gaussian)."""
    V64 = np.asarray(V, dtype=np.float64)
    W64 = np.asarray(W, dtype=np.float64)
    Bv64 = np.asarray(Bv, dtype=np.float64)
    Bh64 = np.asarray(Bh, dtype=np.float64)
    if gaussian:
        own = -0.5 * np.sum((V64 - Bv64) ** 2, axis=1)
    else:
        own = np.sum(V64 * Bv64, axis=1)
    return own + softplus(Bh64 + hidden_input(V64, W64)).sum(axis=1)


def frame_log_likelihood(V, W, Bv, Bh, gaussian):
    """``log p(v_t | biases_t)`` of every frame (float64), exact: the hidden
    layer is summed out for the numerator and enumerated for ``log Z_t``."""
    log_z = _kernels._frame_log_partition(
        weight_stack(W), np.ascontiguousarray(Bv, dtype=np.float64),
        np.ascontiguousarray(Bh, dtype=np.float64), gaussian,
    )
    return frame_unnormalised(V, W, Bv, Bh, gaussian) - log_z


def gibbs_frames(V, W, Bv, Bh, n_steps, rng, gaussian):
    """``n_steps`` block-Gibbs sweeps of every frame's RBM from ``V`` (not
    changed); returns the visible states after the sweeps."""
    dtype = W.dtype
    V = np.array(V, dtype=dtype, order="C")
    H = np.empty((V.shape[0], W.shape[-2]), dtype=dtype)
    _kernels._gibbs_conditional(
        V, weight_stack(W, dtype), np.ascontiguousarray(Bv, dtype=dtype),
        np.ascontiguousarray(Bh, dtype=dtype), n_steps, rng, H, gaussian,
    )
    return V


def cd_negative_phase(V_neg, W, Bh):
    """The model side of the gradient from a sample ``V_neg`` of each frame's
    RBM: ``(E[v], E[h], E[h v^T])``, the expectations replaced by the
    sample (the hidden layer by its conditional mean); ``E[h v^T]`` summed
    over frames for shared weights, per frame for per-frame weights."""
    H_neg = expit(Bh + hidden_input(V_neg, W))
    if W.ndim == 3:
        return V_neg, H_neg, H_neg[:, :, None] * V_neg[:, None, :]
    return V_neg, H_neg, H_neg.T @ V_neg


def frame_gradients(V, W, Bh, negative):
    """Gradients of ``sum_t log p(v_t | biases_t)`` with respect to each
    frame's biases and to the weights, given the model side
    ``negative = (E[v], E[h], E[h v^T])`` (exact expectations give the
    exact gradient; a CD sample its estimate).

    Returns ``(dBv, dBh, dW)`` with ``dBv`` (n_frames, n_visible) and ``dBh``
    (n_frames, n_hidden) per frame; ``dW`` summed over frames when
    ``E[h v^T]`` is (shared weights), else per frame.
    """
    E_v, E_h, E_hv = negative
    H = expit(Bh + hidden_input(V, W))
    if np.ndim(E_hv) == 3:
        return V - E_v, H - E_h, H[:, :, None] * V[:, None, :] - E_hv
    return V - E_v, H - E_h, H.T @ V - E_hv
