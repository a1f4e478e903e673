"""Plain-numpy twins of the RBM training methods beyond CD/PCD: parallel
tempering (``_kernels/_tempering.py``) and the ratio-matching and
pseudo-likelihood objectives (``_kernels/_flip_objectives.py``); and of the
general Boltzmann machine (``_kernels/_boltzmann_machine.py``) with its
brute-force references.

As in ``_reference.py``: slow and obvious, random draws consumed in the
kernels' order.
"""

import numpy as np
from scipy.special import expit, logsumexp

from tests.boltzmann._reference import (
    all_binary_states,
    bernoulli_sample,
    gaussian_update,
    gibbs_bernoulli,
    rbm_free_energy,
)
from tests.utils._reference import counter_uniforms, stream_key

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
        swap_neighbours(V, H, energy, betas, n_chains, rng, swaps)
    return H, V


def swap_neighbours(V, H, energy, betas, n_chains, rng, swaps):
    """Twin of ``_swap_neighbours`` (in place)."""
    key = stream_key(rng)
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


def tempered_gibbs_gaussian(H, W, b, c, beta, betas, n_steps, rng, swaps):
    """Twin of ``_kernels._tempering._tempered_gibbs_gaussian``: returns (H,
    V); only the coupling and hidden-bias terms are tempered."""
    n_chains = len(H) // len(betas)
    t = np.repeat(betas, n_chains)[:, None]
    std = 1.0 / np.sqrt(beta)
    for _ in range(n_steps):
        V = b + t * (H @ W) + std * rng.standard_normal((len(H), len(b)))
        A = (V * beta) @ W.T
        H = tempered_bernoulli_sample(A, c, betas, n_chains, rng)
        energy = -np.sum(H * (A + c), axis=1)
        swap_neighbours(V, H, energy, betas, n_chains, rng, swaps)
    return H, V


def pt_epoch_gaussian(X, rows, bounds, params, velocity, scaling, ladder, hyper, rng, swaps):
    """Twin of ``_kernels._tempering._pt_epoch_gaussian``; returns the new
    ladder chains (the parameters are updated in place)."""
    W, b, c, s = params
    mu, inv_sigma, s_max = scaling
    chains, betas = ladder
    n_chains = len(chains) // len(betas)
    for batch in range(len(bounds) - 1):
        beta = np.exp(s)
        Vd = (X[rows[bounds[batch] : bounds[batch + 1]]] - mu) * inv_sigma
        chains, V = tempered_gibbs_gaussian(chains, W, b, c, beta, betas,
                                            int(hyper.n_gibbs_steps), rng, swaps)
        Vn = V[:n_chains]
        Hd, Hn = expit((Vd * beta) @ W.T + c), expit((Vn * beta) @ W.T + c)
        gaussian_update(params, velocity, Vd, Hd, Vn, Hn, beta, hyper, s_max)
    return chains


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


# ------------------------------------------------- general Boltzmann machine


def bm_log_unnormalized(X, U, b):
    """1/2 x.U x + b.x of each row (U symmetric, zero diagonal)."""
    return 0.5 * np.einsum("ij,jk,ik->i", X, U, X) + X @ b


def bm_log_partition_brute_force(U, b):
    return logsumexp(bm_log_unnormalized(all_binary_states(len(b)), U, b))


def bm_visible_distribution(U, b, n_visible):
    """p(v) of every visible state (rows of all_binary_states(n_visible))."""
    X = all_binary_states(len(b))
    log_p = bm_log_unnormalized(X, U, b) - bm_log_partition_brute_force(U, b)
    n_hidden = len(b) - n_visible
    return np.exp(logsumexp(log_p.reshape(2**n_visible, 2**n_hidden), axis=1))


def bm_exact_gradient(V, U, b):
    """Exact gradient of the mean log-likelihood of the visible rows V wrt
    (U, b): <x x^T>_{data, p(h | v)} - <x x^T>_model (diagonal meaningless)."""
    n_visible = V.shape[1]
    X = all_binary_states(len(b))
    log_q = bm_log_unnormalized(X, U, b)
    p_model = np.exp(log_q - logsumexp(log_q))
    pos_xx, pos_x = np.zeros_like(U), np.zeros_like(b)
    for v in V:
        rows = np.all(X[:, :n_visible] == v, axis=1)
        w = np.exp(log_q[rows] - logsumexp(log_q[rows]))
        pos_xx += (X[rows] * w[:, None]).T @ X[rows] / len(V)
        pos_x += w @ X[rows] / len(V)
    return pos_xx - (X * p_model[:, None]).T @ X, pos_x - p_model @ X


def gibbs_sweeps_bm(X, U, b, first, n_steps, rng):
    """Twin of ``_kernels._gibbs_sweeps_bm`` (in place)."""
    n, d = X.shape
    for _ in range(n_steps):
        u = counter_uniforms(stream_key(rng), n * d).reshape(n, d)
        for r in range(n):
            for i in range(first, d):
                X[r, i] = float(u[r, i] < expit(b[i] + U[i] @ X[r]))


def mean_field_bm(X, U, b, first, n_iter, tol=1e-7):
    """Twin of ``_kernels._mean_field_bm`` (in place)."""
    for x in X:
        for _ in range(n_iter):
            change = 0.0
            for i in range(first, len(x)):
                new = expit(b[i] + U[i] @ x)
                change = max(change, abs(new - x[i]))
                x[i] = new
            if change <= tol:
                break


def sml_epoch_bm(X, rows, bounds, params, chains, mask, hyper, n_mean_field, rng):
    """Twin of ``_kernels._sml_epoch_bm`` (in place)."""
    U, b = params
    n_visible, d = X.shape[1], len(b)
    for batch in range(len(bounds) - 1):
        V = X[rows[bounds[batch] : bounds[batch + 1]]]
        P = np.hstack([V, np.full((len(V), d - n_visible), 0.5)])
        if d > n_visible:
            mean_field_bm(P, U, b, n_visible, n_mean_field)
        gibbs_sweeps_bm(chains, U, b, 0, int(hyper.n_gibbs_steps), rng)
        pos, neg = P.T @ P / len(P), chains.T @ chains / len(chains)
        U += np.where(mask, hyper.learning_rate * (pos - neg - hyper.l2 * U), 0)
        b += hyper.learning_rate * (P.mean(0) - chains.mean(0))


def ais_bm(X, U, b, b0, betas, rng):
    """Twin of ``_kernels._ais_bm``: returns the log weights (X in place)."""
    n, d = X.shape
    log_w = np.zeros(n)
    for t in range(1, len(betas)):
        log_w += (betas[t] - betas[t - 1]) * (bm_log_unnormalized(X, U, b) - X @ b0)
        u = counter_uniforms(stream_key(rng), n * d).reshape(n, d)
        for r in range(n):
            for i in range(d):
                a = b[i] + U[i] @ X[r]
                X[r, i] = float(u[r, i] < expit(betas[t] * a + (1 - betas[t]) * b0[i]))
    return log_w


# ---------------------------------------------------- DBN up-down (wake-sleep)


def up_down_step(v, rec, gen, top_params, train_top, lr, n_gibbs_steps, rng):
    """Twin of ``_dbn_math._up_down_step`` for binary layers, in place on the
    lists ``rec = (weights, biases)`` and ``gen = (weights, biases)``.

    ``top_params()`` returns the top RBM's current ``(W, b, c)`` and
    ``train_top(h)`` trains it on the wake states (the RBM's own update,
    checked against its twin elsewhere): the up-down logic is what this
    restates. Draws from ``rng``: the wake uniforms layer by layer, the top
    RBM's Gibbs sweeps, the sleep samples top-down.
    """
    rec_w, rec_b = rec
    gen_w, gen_b = gen
    n = len(v)
    wake = [v]
    for R, c in zip(rec_w, rec_b):
        u = rng.random((n, R.shape[1])).astype(v.dtype)
        wake.append((u < expit(wake[-1] @ R + c)).astype(v.dtype))
    steps = {}
    for l, (G, b) in enumerate(zip(gen_w, gen_b)):
        err = wake[l] - expit(wake[l + 1] @ G + b)
        steps[("G", l)], steps[("b", l)] = wake[l + 1].T @ err / n, err.mean(0)
    train_top(wake[-1])
    W, b_top, c_top = top_params()
    sleep = [gibbs_bernoulli(wake[-1].copy(), W, b_top, c_top, n_gibbs_steps, rng)]
    for G, b in zip(gen_w[::-1], gen_b[::-1]):
        p = expit(sleep[0] @ G + b)
        sleep.insert(0, (rng.random(p.shape) < p).astype(p.dtype))
    for l, (R, c) in enumerate(zip(rec_w, rec_b)):
        err = sleep[l + 1] - expit(sleep[l] @ R + c)
        steps[("R", l)], steps[("c", l)] = sleep[l].T @ err / n, err.mean(0)
    for l in range(len(gen_w)):
        gen_w[l] += lr * steps[("G", l)]
        gen_b[l] += lr * steps[("b", l)]
        rec_w[l] += lr * steps[("R", l)]
        rec_b[l] += lr * steps[("c", l)]

