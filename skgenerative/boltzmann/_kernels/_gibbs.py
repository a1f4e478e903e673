"""Block-Gibbs sweeps of binary and Gaussian-Bernoulli RBMs."""

import numpy as np
from numba import njit

from ...utils._blas import gemm
from ._elementwise import (
    _NJIT,
    _bernoulli_sample_inplace,
    _hidden_means,
    _sample_visibles_bernoulli,
)


@njit(**_NJIT)
def _gibbs_bernoulli(V, W, b, c, n_steps, rng, H):
    """Run ``n_steps`` block-Gibbs sweeps v -> h -> v in place on ``V``.

    ``H`` (n_chains, n_hidden) is scratch space and ends holding the last
    hidden sample.
    """
    for _ in range(n_steps):
        _hidden_means(V, W, c, H)
        _bernoulli_sample_inplace(H, rng)
        _sample_visibles_bernoulli(H, W, b, V, rng)


@njit(**_NJIT)
def _gibbs_gaussian(V, W, b, c, beta, n_steps, rng, H):
    """Block-Gibbs sweeps of a Gaussian-Bernoulli RBM, in place on ``V``.

    p(h=1|v) = sigmoid(W (beta*v) + c), p(v|h) = N(b + W.T h, 1/beta).
    """
    n, nv = V.shape
    scaled = np.empty_like(V)
    std = (1.0 / np.sqrt(beta)).astype(V.dtype)
    for _ in range(n_steps):
        for i in range(n):
            for j in range(nv):
                scaled[i, j] = V[i, j] * beta[j]
        _hidden_means(scaled, W, c, H)
        _bernoulli_sample_inplace(H, rng)
        gemm(False, False, 1.0, H, W, 0.0, V)
        for i in range(n):
            for j in range(nv):
                V[i, j] += b[j] + std[j] * rng.standard_normal()
