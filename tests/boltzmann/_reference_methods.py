"""Plain-numpy twins of the RBM training methods beyond CD/PCD: parallel
tempering (``_kernels/_tempering.py``) and the ratio-matching and
pseudo-likelihood objectives (``_kernels/_flip_objectives.py``).

As in ``_reference.py``: slow and obvious, random draws consumed in the
kernels' order.
"""

import numpy as np
from scipy.special import expit

from tests.boltzmann._reference import bernoulli_sample, rbm_free_energy
from tests.utils._reference import counter_uniforms

RATIO_MATCHING, PSEUDO_LIKELIHOOD = 0, 1


# ---------------------------------------------------------------- objectives


def flipped(V, j):
    """V with bit j of every row flipped."""
    out = V.copy()
    out[:, j] = 1 - out[:, j]
    return out


def flip_loss(V, W, b, c, objective):
    """Mean over rows of sum_j sigmoid(F(x) - F(x~j))**2 (ratio matching,
    eq. 18.26) or of -sum_j log p(x_j | x_-j) (pseudo-likelihood)."""
    F = rbm_free_energy(V, W, b, c)
    loss = np.zeros(len(V))
    for j in range(V.shape[1]):
        d = F - rbm_free_energy(flipped(V, j), W, b, c)
        loss += expit(d) ** 2 if objective == RATIO_MATCHING else np.logaddexp(0, d)
    return loss.mean()


def free_energy_gradient(V, W, b, c):
    """Per-row gradients of F(v) wrt (W, b, c): (-h v^T, -v, -h), h = E[h | v]."""
    H = expit(V @ W.T + c)
    return -H[:, :, None] * V[:, None, :], -V, -H


def flip_gradient(V, W, b, c, objective):
    """Gradient of ``flip_loss``: mean of sum_j g_j (grad F(x) - grad F(x~j))."""
    F = rbm_free_energy(V, W, b, c)
    gx = free_energy_gradient(V, W, b, c)
    grads = [np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)]
    for j in range(V.shape[1]):
        Vj = flipped(V, j)
        s = expit(F - rbm_free_energy(Vj, W, b, c))
        g = 2 * s**2 * (1 - s) if objective == RATIO_MATCHING else s
        for total, at_x, at_flip in zip(grads, gx, free_energy_gradient(Vj, W, b, c)):
            weight = g.reshape((-1,) + (1,) * (at_x.ndim - 1))
            total += (weight * (at_x - at_flip)).mean(axis=0)
    return grads


def flip_epoch(X, rows, bounds, params, velocity, hyper, objective):
    """Twin of ``_kernels._flip_epoch_bernoulli`` (in place; returns the mean
    batch loss)."""
    W, b, c = params
    dW, db, dc = velocity
    lr, momentum, l2, l1 = hyper.learning_rate, hyper.momentum, hyper.l2, hyper.l1
    losses = []
    for batch in range(len(bounds) - 1):
        V = X[rows[bounds[batch] : bounds[batch + 1]]]
        losses.append(flip_loss(V, W, b, c, objective))
        gW, gb, gc = flip_gradient(V, W, b, c, objective)
        dW[:] = momentum * dW - lr * (gW + l2 * W + l1 * np.sign(W))
        W += dW
        db[:] = momentum * db - lr * gb
        b += db
        dc[:] = momentum * dc - lr * gc
        c += dc
    return np.mean(losses)


# ------------------------------------------------------- parallel tempering


def tempered_bernoulli_sample(A, bias, betas, n_chains, rng):
    """Twin of ``_tempered_sample_into``: row i at beta = betas[i // n_chains]."""
    beta = np.repeat(betas, n_chains)[:, None]
    return bernoulli_sample(expit(beta * (A + bias)), rng)


def tempered_gibbs(H, W, b, c, betas, n_steps, rng, swaps):
    """Twin of ``_kernels._tempered_gibbs_bernoulli``: returns (H, V)."""
    n_chains = len(H) // len(betas)
    for _ in range(n_steps):
        V = tempered_bernoulli_sample(H @ W, b, betas, n_chains, rng)
        H = tempered_bernoulli_sample(V @ W.T, c, betas, n_chains, rng)
        energy = -V @ b - H @ c - np.sum(H * (V @ W.T), axis=1)
        key = rng.integers(0, 2**63 - 1)
        u = counter_uniforms(key, len(H))
        for parity in (0, 1):
            for t in range(parity, len(betas) - 1, 2):
                for r in range(n_chains):
                    r0, r1 = t * n_chains + r, (t + 1) * n_chains + r
                    log_ratio = (betas[t] - betas[t + 1]) * (energy[r0] - energy[r1])
                    swaps[1, t] += 1
                    if log_ratio >= 0 or u[t * n_chains + r] < np.exp(log_ratio):
                        swaps[0, t] += 1
                        for M in (V, H, energy):
                            M[[r0, r1]] = M[[r1, r0]]
    return H, V


def pt_epoch(X, rows, bounds, params, velocity, ladder, hyper, rng, swaps):
    """Twin of ``_kernels._pt_epoch_bernoulli`` without centring (in place)."""
    W, b, c = params
    dW, db, dc = velocity
    chains, betas = ladder
    n_chains = len(chains) // len(betas)
    lr, momentum, l2, l1 = hyper.learning_rate, hyper.momentum, hyper.l2, hyper.l1
    for batch in range(len(bounds) - 1):
        Vd = X[rows[bounds[batch] : bounds[batch + 1]]]
        Hd = expit(Vd @ W.T + c)
        H, V = tempered_gibbs(chains, W, b, c, betas, int(hyper.n_gibbs_steps), rng, swaps)
        chains[:] = H
        Vn = V[:n_chains]
        Hn = expit(Vn @ W.T + c)
        grad_W = Hd.T @ Vd / len(Vd) - Hn.T @ Vn / n_chains
        step_W = momentum * dW + lr * grad_W - lr * l2 * W - lr * l1 * np.sign(W)
        db[:] = momentum * db + lr * (Vd.mean(0) - Vn.mean(0))
        dc[:] = momentum * dc + lr * (Hd.mean(0) - Hn.mean(0))
        W += step_W
        dW[:] = step_W
        b += db
        c += dc
