"""Plain-numpy twins of the kernels of ``skgenerative/sequence/_kernels.py``."""

import itertools

import numpy as np
from scipy.special import logsumexp


def frame_log_partition(W, B, C, gaussian):
    W = np.asarray(W, dtype=np.float64)
    n_hidden, n_visible = W.shape
    # counting order: unit k is bit k of the state index
    S = np.array([[(s >> k) & 1 for k in range(n_hidden)] for s in range(1 << n_hidden)],
                 dtype=np.float64)
    A = B[:, None, :] + (S @ W)[None, :, :]  # (frames, states, visible)
    if gaussian:
        visible = 0.5 * (A**2 - B[:, None, :] ** 2).sum(-1)
    else:
        visible = np.logaddexp(0, A).sum(-1)
    out = logsumexp(C @ S.T + visible, axis=1)
    if gaussian:
        out += 0.5 * n_visible * np.log(2 * np.pi)
    return out


def gibbs_conditional(V, W, B, C, n_steps, rng, gaussian):
    """Returns (V, H) after the sweeps; V is not changed."""
    V = V.copy()
    H = np.zeros((V.shape[0], W.shape[0]), dtype=V.dtype)
    for _ in range(n_steps):
        P = 1 / (1 + np.exp(-(C + V @ W.T)))
        H = (rng.random(P.shape) < P).astype(V.dtype)
        A = B + H @ W
        if gaussian:
            V = (A + rng.standard_normal(A.shape)).astype(V.dtype)
        else:
            V = (rng.random(A.shape) < 1 / (1 + np.exp(-A))).astype(V.dtype)
    return V, H


def binary_states(n):
    """Every binary vector of length n, one per row."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))
