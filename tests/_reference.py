"""Plain-numpy twins of the numba kernels, one section per family.

Slow and obvious on purpose: each twin follows the textbook formula and draws
its random numbers in the order its kernel does, so the tests can check that
kernel and twin agree.
"""

import numpy as np

# ---------------------------------------------------------------------------
# evaluation: annealed importance sampling (skgenerative/evaluation/_kernels.py)


def _softplus(x):
    return np.logaddexp(0.0, x)


def ais_bernoulli_reference(V, W, b_base, b, c, betas, rng):
    """AIS for a Bernoulli RBM, as in Salakhutdinov & Murray (2008).

    ``log p*_beta(v) = (1 - beta) b_base.v + beta b.v + sum softplus(beta (c + W v))``;
    the weight increment is computed by subtracting two evaluations of it.
    Returns ``(log_w, final V)``.
    """
    V = np.array(V, dtype=np.float64)
    log_w = np.zeros(V.shape[0])

    def log_p(V, beta):
        return ((1 - beta) * V @ b_base + beta * V @ b
                + _softplus(beta * (V @ W.T + c)).sum(axis=1))

    for k in range(1, len(betas)):
        beta = betas[k]
        log_w += log_p(V, beta) - log_p(V, betas[k - 1])
        p_h = 1.0 / (1.0 + np.exp(-beta * (V @ W.T + c)))
        H = (rng.random(p_h.shape, dtype=np.float32) < p_h).astype(np.float64)
        if k == len(betas) - 1:
            break
        p_v = 1.0 / (1.0 + np.exp(-((1 - beta) * b_base + beta * (b + H @ W))))
        V = (rng.random(p_v.shape, dtype=np.float32) < p_v).astype(np.float64)
    return log_w, V


def ais_gaussian_bernoulli_reference(V, W, b_base, b, c, precision, betas, rng):
    """AIS for a Gaussian-Bernoulli RBM (precisions ``precision``).

    ``log p*_beta(v) = -1/2 sum p [(1 - beta)(v - b_base)^2 + beta (v - b)^2]
    + sum softplus(beta (c + W (p v)))``. Returns ``(log_w, final V)``.
    """
    V = np.array(V, dtype=np.float64)
    log_w = np.zeros(V.shape[0])

    def log_p(V, beta):
        quad = ((1 - beta) * (V - b_base) ** 2 + beta * (V - b) ** 2) @ precision
        return -0.5 * quad + _softplus(beta * ((V * precision) @ W.T + c)).sum(axis=1)

    for k in range(1, len(betas)):
        beta = betas[k]
        log_w += log_p(V, beta) - log_p(V, betas[k - 1])
        p_h = 1.0 / (1.0 + np.exp(-beta * ((V * precision) @ W.T + c)))
        H = (rng.random(p_h.shape, dtype=np.float32) < p_h).astype(np.float64)
        if k == len(betas) - 1:
            break
        mean = (1 - beta) * b_base + beta * (b + H @ W)
        V = mean + rng.standard_normal(mean.shape) / np.sqrt(precision)
    return log_w, V
