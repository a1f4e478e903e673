"""Plain-numpy twins of the Boltzmann kernels (``skgenerative/boltzmann/_kernels/``),
and brute-force references of RBMs, DBNs and DBMs.

Slow and obvious on purpose: each function restates the math of a kernel so
that a test can check the kernel against it. Random draws are consumed in the
same order as the kernels (row-major, one ``rng.random()`` per unit), so the
twins see the same stream. Tests import a family's twins as
``from tests.<family> import _reference as ref``.
"""

import itertools

import numpy as np
from scipy.special import expit, logsumexp

from tests.utils._reference import counter_uniforms, stream_key

# ===========================================================================
# RBMs


def all_binary_states(n):
    """(2**n, n) array of every binary vector of length n."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def rbm_energy(V, H, W, b, c):
    """E(v, h) = -b.v - c.h - h.W v for every pair of rows (V[i], H[j])."""
    return -(V @ b)[:, None] - (H @ c)[None, :] - V @ W.T @ H.T


def rbm_log_partition_brute_force(W, b, c):
    """log Z by summing exp(-E) over the full joint state space."""
    V = all_binary_states(W.shape[1])
    H = all_binary_states(W.shape[0])
    return logsumexp(-rbm_energy(V, H, W, b, c))


def rbm_log_marginal_brute_force(V, W, b, c):
    """log p(v) = log sum_h exp(-E(v, h)) - log Z, by brute force."""
    H = all_binary_states(W.shape[0])
    return logsumexp(-rbm_energy(V, H, W, b, c), axis=1) - rbm_log_partition_brute_force(
        W, b, c
    )


def rbm_free_energy(V, W, b, c):
    return -V @ b - np.logaddexp(0, V @ W.T + c).sum(axis=1)


def rbm_exact_gradient(V, W, b, c):
    """Exact gradient of the mean log-likelihood of the rows of V wrt (W, b, c)."""
    H_data = expit(V @ W.T + c)
    S = all_binary_states(W.shape[1])
    p = np.exp(-rbm_free_energy(S, W, b, c) - rbm_log_partition_brute_force(W, b, c))
    H_model = expit(S @ W.T + c)
    gW = H_data.T @ V / len(V) - (H_model * p[:, None]).T @ S
    gb = V.mean(axis=0) - p @ S
    gc = H_data.mean(axis=0) - p @ H_model
    return gW, gb, gc


def gaussian_rbm_log_partition_quadrature(W, b, c, beta, grid):
    """log Z of a Gaussian-Bernoulli RBM (one or two visibles) by quadrature
    over a grid of each visible and enumeration of the hidden layer."""
    H = all_binary_states(W.shape[0])
    mesh = np.stack(np.meshgrid(*([grid] * W.shape[1]), indexing="ij"), -1)
    V = mesh.reshape(-1, W.shape[1])
    energy = (
        0.5 * ((V - b) ** 2 * beta).sum(1)[:, None]
        - (V * beta) @ W.T @ H.T
        - (H @ c)[None, :]
    )
    log_unnorm = logsumexp(-energy, axis=1)
    cell = (grid[1] - grid[0]) ** W.shape[1]
    return logsumexp(log_unnorm) + np.log(cell)


def bernoulli_sample(P, rng):
    """Twin of the kernels' Bernoulli sampling: one key from ``rng``, then
    counter-based uniforms in row-major order."""
    key = stream_key(rng)
    u = counter_uniforms(key, P.size).reshape(P.shape)
    return (u < P).astype(P.dtype)


def nonzero_pattern(S):
    """Twin of ``_kernels._nonzero_pattern`` from row 0: CSR (ptr, idx)."""
    rows, cols = np.nonzero(S)
    ptr = np.zeros(S.shape[0] + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=S.shape[0]), out=ptr[1:])
    return ptr, cols.astype(np.int64)


def sparse_product(S, D):
    """Twin of ``_kernels._sparse_product``."""
    return S @ D


def sparse_transpose_product_add(S, T, out):
    """Twin of ``_kernels._sparse_transpose_product_add``."""
    return out + S.T @ T


def sgd_epoch_bernoulli(X, rows, bounds, params, velocity, offsets, chains, hyper, rng):
    """Twin of ``_kernels._sgd_epoch_bernoulli`` (same arguments, in place)."""
    W, b, c = params
    dW, db, dc = velocity
    mu, lam = offsets
    lr, momentum, l2, l1 = hyper.learning_rate, hyper.momentum, hyper.l2, hyper.l1
    rate = hyper.offset_rate
    k, persistent = int(hyper.n_gibbs_steps), hyper.persistent > 0

    def sample(P):
        return bernoulli_sample(P, rng)

    for batch in range(len(bounds) - 1):
        Vd = X[rows[bounds[batch] : bounds[batch + 1]]].copy()
        B = len(Vd)
        if persistent:
            Vn = sample(expit(chains @ W + b))
            Hd, Hn = expit(Vd @ W.T + c), expit(Vn @ W.T + c)
            for _ in range(k - 1):
                chains[:] = sample(Hn)
                Vn = sample(expit(chains @ W + b))
                Hn = expit(Vn @ W.T + c)
            chains[:] = sample(Hn)
        else:
            Hd = expit(Vd @ W.T + c)
            h = sample(Hd)
            for step in range(k):
                Vn = sample(expit(h @ W + b))
                Hn = expit(Vn @ W.T + c)
                if step < k - 1:
                    h = sample(Hn)
        C = len(Vn)
        if rate > 0:
            mu += rate * (Vd.mean(0) - mu)
            lam += rate * (Hd.mean(0) - lam)
        # centred gradient (Melchior et al. 2016) in plain-energy parameters
        grad_W = (Hd - lam).T @ (Vd - mu) / B - (Hn - lam).T @ (Vn - mu) / C
        step_W = momentum * dW + lr * grad_W - lr * l2 * W - lr * l1 * np.sign(W)
        db[:] = momentum * db + lr * (Vd.mean(0) - Vn.mean(0))
        dc[:] = momentum * dc + lr * (Hd.mean(0) - Hn.mean(0))
        W += step_W
        dW[:] = step_W
        b += db - step_W.T @ lam
        c += dc - step_W @ mu


def gibbs_bernoulli(V, W, b, c, n_steps, rng):
    """Twin of ``_kernels._gibbs_bernoulli``: returns the new V."""
    for _ in range(n_steps):
        H = bernoulli_sample(expit(V @ W.T + c), rng)
        V = bernoulli_sample(expit(H @ W + b), rng)
    return V


def gaussian_rbm_energy(V, H, W, b, c, beta):
    """E(v, h) of a Gaussian-Bernoulli RBM, shape (len(V), len(H))."""
    quad = 0.5 * ((V - b) ** 2 * beta).sum(1)
    return quad[:, None] - (V * beta) @ W.T @ H.T - (H @ c)[None, :]


def gaussian_rbm_log_partition_formula(W, b, c, beta):
    """log Z with the Gaussian integral done per hidden state, plain numpy."""
    H = all_binary_states(W.shape[0])
    A = b + H @ W
    terms = H @ c + 0.5 * ((A**2 - b**2) * beta).sum(1)
    return 0.5 * np.log(2 * np.pi / beta).sum() + logsumexp(terms)


def gaussian_rbm_free_energy_brute_force(V, W, b, c, beta):
    """F(v) = -log sum_h exp(-E(v, h)) by enumerating h."""
    H = all_binary_states(W.shape[0])
    return -logsumexp(-gaussian_rbm_energy(V, H, W, b, c, beta), axis=1)


def gaussian_rbm_log_density(V, W, b, c, beta):
    """log p(v) = -F(v) - log Z, by enumeration of h."""
    return -gaussian_rbm_free_energy_brute_force(V, W, b, c, beta) - (
        gaussian_rbm_log_partition_formula(W, b, c, beta)
    )


def gaussian_rbm_exact_gradient(V, W, b, c, s):
    """Gradient of the mean log-likelihood of V w.r.t. (W, b, c, s),
    ``beta = exp(s)``: data averages of -dE/dtheta (hidden means) minus exact
    model averages (enumerate h; v | h is Gaussian, its moments are exact)."""
    beta = np.exp(s)
    Hd = expit((V * beta) @ W.T + c)
    Rd = Hd @ W
    H = all_binary_states(W.shape[0])
    A = b + H @ W  # E[v | h]
    log_ph = H @ c + 0.5 * ((A**2 - b**2) * beta).sum(1)
    ph = np.exp(log_ph - logsumexp(log_ph))
    gW = Hd.T @ V * beta / len(V) - (ph[:, None] * H).T @ A * beta
    gb = beta * (V.mean(0) - ph @ A)
    gc = Hd.mean(0) - ph @ H
    # E[(v - b)^2 | h] = (a - b)^2 + 1 / beta ; E[v (W.T h) | h] = a (W.T h)
    data_q = (-0.5 * (V - b) ** 2 + V * Rd).mean(0)
    RH = H @ W
    model_q = ph @ (-0.5 * ((A - b) ** 2 + 1 / beta) + A * RH)
    gs = beta * (data_q - model_q)
    return gW, gb, gc, gs


def sgd_epoch_gaussian(X, rows, bounds, params, velocity, scaling, chains, hyper, rng):
    """Twin of ``_kernels._sgd_epoch_gaussian`` (same arguments, in place)."""
    W, b, c, s = params
    mu, inv_sigma, s_max = scaling
    k, persistent = int(hyper.n_gibbs_steps), hyper.persistent > 0

    def sample(P):
        return bernoulli_sample(P, rng)

    def sample_v(h, beta):
        return h @ W + b + rng.standard_normal((len(h), len(b))) / np.sqrt(beta)

    for batch in range(len(bounds) - 1):
        beta = np.exp(s)
        Vd = (X[rows[bounds[batch] : bounds[batch + 1]]] - mu) * inv_sigma
        if persistent:
            Vn = sample_v(chains, beta)
            Hd, Hn = expit((Vd * beta) @ W.T + c), expit((Vn * beta) @ W.T + c)
            for _ in range(k - 1):
                chains[:] = sample(Hn)
                Vn = sample_v(chains, beta)
                Hn = expit((Vn * beta) @ W.T + c)
            chains[:] = sample(Hn)
        else:
            Hd = expit((Vd * beta) @ W.T + c)
            h = sample(Hd)
            for step in range(k):
                Vn = sample_v(h, beta)
                Hn = expit((Vn * beta) @ W.T + c)
                if step < k - 1:
                    h = sample(Hn)
        gaussian_update(params, velocity, Vd, Hd, Vn, Hn, beta, hyper, s_max)


def gaussian_update(params, velocity, Vd, Hd, Vn, Hn, beta, hyper, s_max):
    """Twin of ``_gaussian_epoch._gaussian_update``: one batch's update from
    the data ``(Vd, Hd)`` and negative particles ``(Vn, Hn)`` (hidden means),
    in place."""
    W, b, c, s = params
    dW, db, dc, ds = velocity
    lr, momentum, l2, l1 = hyper.learning_rate, hyper.momentum, hyper.l2, hyper.l1
    B, C = len(Vd), len(Vn)
    grad_W = Hd.T @ (Vd * beta) / B - Hn.T @ (Vn * beta) / C
    grad_b = beta * (Vd.mean(0) - Vn.mean(0))
    grad_c = Hd.mean(0) - Hn.mean(0)
    q_d = (-0.5 * (Vd - b) ** 2 + Vd * (Hd @ W)).mean(0)
    q_n = (-0.5 * (Vn - b) ** 2 + Vn * (Hn @ W)).mean(0)
    grad_s = beta * (q_d - q_n)
    step_W = momentum * dW + lr * grad_W - lr * l2 * W - lr * l1 * np.sign(W)
    W += step_W
    dW[:] = step_W
    db[:] = momentum * db + lr * grad_b
    dc[:] = momentum * dc + lr * grad_c
    b += db
    c += dc
    if hyper.learn_precision > 0:
        ds[:] = momentum * ds + lr * grad_s
        s[:] = np.clip(s + ds, hyper.min_log_precision, s_max)


def gibbs_gaussian(V, W, b, c, beta, n_steps, rng):
    """Twin of ``_kernels._gibbs_gaussian``: returns the new V."""
    for _ in range(n_steps):
        H = bernoulli_sample(expit((V * beta) @ W.T + c), rng)
        V = H @ W + b + rng.standard_normal(V.shape) / np.sqrt(beta)
    return V


def uniform_bernoulli_sample(P, rng):
    """Bernoulli draws with ``rng.random`` uniforms in row-major order (the
    categorical kernels' hidden sampling)."""
    return (rng.random(P.shape) < P).astype(P.dtype)


def softmax_groups(A, offsets):
    """Softmax within each group of columns ``offsets[f]:offsets[f + 1]``."""
    P = np.empty_like(A)
    for lo, hi in zip(offsets[:-1], offsets[1:]):
        P[:, lo:hi] = np.exp(A[:, lo:hi] - logsumexp(A[:, lo:hi], axis=1, keepdims=True))
    return P


def categorical_sample(P, offsets, rng):
    """One-hot draws from group probabilities, one uniform per (row, group),
    row-major: the first category whose cumulative probability exceeds it."""
    u = rng.random((P.shape[0], len(offsets) - 1))
    V = np.zeros_like(P)
    for f, (lo, hi) in enumerate(zip(offsets[:-1], offsets[1:])):
        cumulative = np.cumsum(P[:, lo:hi], axis=1)
        k = (u[:, f : f + 1] * cumulative[:, -1:] < cumulative).argmax(axis=1)
        V[np.arange(len(P)), lo + k] = 1.0
    return V


def categorical_states(sizes):
    """Every joint category code, shape (prod(sizes), len(sizes))."""
    return np.array(list(itertools.product(*[range(s) for s in sizes])))


def one_hot(codes, sizes):
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    V = np.zeros((len(codes), offsets[-1]))
    for f in range(len(sizes)):
        V[np.arange(len(codes)), offsets[f] + codes[:, f]] = 1.0
    return V


def categorical_rbm_log_partition_brute_force(W, b, c, sizes):
    """log Z summing exp(-E(v, h)) over every visible state and hidden state."""
    V = one_hot(categorical_states(sizes), sizes)
    H = all_binary_states(W.shape[0])
    return logsumexp(rbm_energy(V, H, W, b, c) * -1.0)


def categorical_rbm_exact_gradient(V, W, b, c, sizes):
    """Exact mean gradient of log p(v) over the rows of one-hot ``V``:
    ``<h v^T>_data - <h v^T>_model`` (and the bias terms), the model
    expectations summed over every visible state."""
    states = one_hot(categorical_states(sizes), sizes)
    log_p = -rbm_free_energy(states, W, b, c)
    p = np.exp(log_p - logsumexp(log_p))
    Hd, Hm = expit(V @ W.T + c), expit(states @ W.T + c)
    grad_W = Hd.T @ V / len(V) - (Hm * p[:, None]).T @ states
    grad_b = V.mean(axis=0) - p @ states
    grad_c = Hd.mean(axis=0) - p @ Hm
    return grad_W, grad_b, grad_c


def categorical_rbm_log_likelihood(V, W, b, c, sizes):
    """Mean exact log p(v) of the rows of one-hot ``V`` (brute force)."""
    return float(np.mean(-rbm_free_energy(V, W, b, c))
                 - categorical_rbm_log_partition_brute_force(W, b, c, sizes))


def gibbs_categorical(V, W, b, c, offsets, n_steps, rng):
    """Twin of ``_categorical_kernels._gibbs_categorical``: returns the new V."""
    for _ in range(n_steps):
        H = uniform_bernoulli_sample(expit(V @ W.T + c), rng)
        V = categorical_sample(softmax_groups(H @ W + b, offsets), offsets, rng)
    return V


def sgd_epoch_categorical(X, rows, bounds, params, velocity, chains, offsets, hyper, rng):
    """Twin of ``_categorical_kernels._sgd_epoch_categorical`` (in place);
    with ``hyper.copies = r`` a negative visible row is the sum of ``r``
    one-hot draws, copy after copy."""
    W, b, c = params
    dW, db, dc = velocity
    k = hyper.n_gibbs_steps

    def visibles(h):
        P = softmax_groups(h @ W + b, offsets)
        return sum(categorical_sample(P, offsets, rng) for _ in range(hyper.copies))

    for batch in range(len(bounds) - 1):
        Vd = X[rows[bounds[batch] : bounds[batch + 1]]]
        if hyper.persistent:
            h = chains
        else:
            Hd = expit(Vd @ W.T + c)
            h = uniform_bernoulli_sample(Hd, rng)
        for step in range(k):
            Vn = visibles(h)
            Hn = expit(Vn @ W.T + c)
            if hyper.persistent or step < k - 1:
                h = uniform_bernoulli_sample(Hn, rng)
        if hyper.persistent:
            chains[:] = h
        Hd = expit(Vd @ W.T + c)
        lr, momentum = hyper.learning_rate, hyper.momentum
        grad_W = Hd.T @ Vd / len(Vd) - Hn.T @ Vn / len(Vn)
        dW[:] = momentum * dW + lr * grad_W - lr * hyper.l2 * W - lr * hyper.l1 * np.sign(W)
        W += dW
        db[:] = momentum * db + lr * (Vd.mean(0) - Vn.mean(0))
        b += db
        dc[:] = momentum * dc + lr * (Hd.mean(0) - Hn.mean(0))
        c += dc


# ===========================================================================
# AIS of RBMs (``_kernels/_ais.py``)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _ais_linear_visible_reference(V, W, b_base, b, c, betas, rng, sample_visibles):
    """AIS for an RBM whose visible energy is linear in ``v`` (binary or
    softmax visibles), as in Salakhutdinov & Murray (2008).

    ``log p*_beta(v) = (1 - beta) b_base.v + beta b.v + sum softplus(beta (c + W v))``;
    the weight increment is computed by subtracting two evaluations of it.
    ``sample_visibles(logits, rng)`` draws ``v`` given its total input.
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
        V = sample_visibles((1 - beta) * b_base + beta * (b + H @ W), rng)
    return log_w, V


def ais_bernoulli_reference(V, W, b_base, b, c, betas, rng):
    """AIS for a Bernoulli RBM: binary visibles drawn with float32 uniforms."""

    def sample_visibles(logits, rng):
        p_v = 1.0 / (1.0 + np.exp(-logits))
        return (rng.random(p_v.shape, dtype=np.float32) < p_v).astype(np.float64)

    return _ais_linear_visible_reference(V, W, b_base, b, c, betas, rng, sample_visibles)


def ais_categorical_reference(V, W, b_base, b, c, offsets, betas, rng):
    """AIS for an RBM with softmax visible groups (one-hot ``V``): each group
    drawn from the softmax of its logits, one float64 uniform per group."""

    def sample_visibles(logits, rng):
        return categorical_sample(softmax_groups(logits, offsets), offsets, rng)

    return _ais_linear_visible_reference(V, W, b_base, b, c, betas, rng, sample_visibles)


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


# ===========================================================================
# DBN (skgenerative/boltzmann/_dbn_math.py): brute force over every state


def _bernoulli_log_prob(X, logits):
    """log prod_j Bernoulli(x_j; sigmoid(logit_j)), per row."""
    return (X * logits - np.logaddexp(0, logits)).sum(axis=1)


def dbn_visible_distribution(gen_weights, gen_biases, W_top, b_top, c_top):
    """Every visible state and its probability under the DBN's generative process.

    The top RBM's marginal of its visible layer ``h_{L-1}`` by brute force over
    its joint states, then ``p(h_l) = sum_{h_{l+1}} p(h_{l+1}) p(h_l | h_{l+1})``
    down to ``v``. ``gen_weights[l]`` has shape ``(n_{l+1}, n_l)``.
    """
    states = all_binary_states(W_top.shape[1])
    H_top = all_binary_states(W_top.shape[0])
    log_p = logsumexp(-rbm_energy(states, H_top, W_top, b_top, c_top), axis=1)
    p = np.exp(log_p - logsumexp(log_p))
    for G, b in zip(gen_weights[::-1], gen_biases[::-1]):
        lower = all_binary_states(G.shape[1])
        cond = np.exp(np.stack([_bernoulli_log_prob(lower, np.broadcast_to(h @ G + b, lower.shape))
                                for h in states]))  # (upper states, lower states)
        p = p @ cond
        states = lower
    return states, p


def dbn_elbo_brute_force(V, rec_weights, rec_biases, gen_weights, gen_biases, W_top, b_top, c_top):
    """The variational bound of each row of V with the recognition chain q,
    summing over every joint state of the intermediate layers."""
    log_z = rbm_log_partition_brute_force(W_top, b_top, c_top)
    sizes = [G.shape[0] for G in gen_weights]
    out = []
    for v in V:
        total = 0.0
        for joint in itertools.product([0.0, 1.0], repeat=sum(sizes)):
            hs = np.split(np.array(joint), np.cumsum(sizes)[:-1])
            layers = [v, *hs]
            log_q = sum(_bernoulli_log_prob(layers[l + 1][None], (layers[l] @ R + c)[None])[0]
                        for l, (R, c) in enumerate(zip(rec_weights, rec_biases)))
            log_p = -rbm_free_energy(layers[-1][None], W_top, b_top, c_top)[0]
            log_p += sum(_bernoulli_log_prob(layers[l][None], (layers[l + 1] @ G + b)[None])[0]
                         for l, (G, b) in enumerate(zip(gen_weights, gen_biases)))
            total += np.exp(log_q) * (log_p - log_q)
        out.append(total - log_z)
    return np.array(out)


# ===========================================================================
# DBM (``_kernels/_dbm.py``, ``_kernels/_ais.py``, ``_kernels/_pretraining.py``)


def dbm_energy(states, Ws, bs):
    """E(x) = -sum_l x_{l+1} W_l x_l - sum_l b_l x_l for rows of per-layer states."""
    E = -sum(s @ b for s, b in zip(states, bs))
    for l, W in enumerate(Ws):
        E = E - np.einsum("ij,ij->i", states[l] @ W.T, states[l + 1])
    return E


def dbm_joint_table(Ws, bs):
    """Every joint state of a tiny DBM: (list of per-layer states, log p)."""
    sizes = [len(b) for b in bs]
    X = all_binary_states(sum(sizes))
    states, pos = [], 0
    for n in sizes:
        states.append(X[:, pos : pos + n])
        pos += n
    neg_e = -dbm_energy(states, Ws, bs)
    return states, neg_e - logsumexp(neg_e)


def dbm_log_partition_brute_force(Ws, bs):
    sizes = [len(b) for b in bs]
    X = all_binary_states(sum(sizes))
    states, pos = [], 0
    for n in sizes:
        states.append(X[:, pos : pos + n])
        pos += n
    return logsumexp(-dbm_energy(states, Ws, bs))


def dbm_visible_distribution(Ws, bs):
    """(all visible states, exact p(v)) of a tiny DBM."""
    states, log_p = dbm_joint_table(Ws, bs)
    nv = len(bs[0])
    codes = states[0] @ (2 ** np.arange(nv))
    p = np.zeros(2**nv)
    np.add.at(p, codes.astype(int), np.exp(log_p))
    V = ((np.arange(2**nv)[:, None] >> np.arange(nv)) & 1).astype(float)
    return V, p


def dbm_log_marginal_brute_force(V, Ws, bs):
    """Exact log p(v) for each row of V."""
    Vs, p = dbm_visible_distribution(Ws, bs)
    codes = (np.asarray(V) @ (2 ** np.arange(V.shape[1]))).astype(int)
    return np.log(p[codes])


def categorical_dbm_joint_table(Ws, bs, sizes):
    """Every joint state of a tiny DBM with softmax visible groups of
    ``sizes`` categories: (list of per-layer states, log p)."""
    V = one_hot(categorical_states(sizes), sizes)
    H = all_binary_states(sum(len(b) for b in bs[1:]))
    rows = np.repeat(np.arange(len(V)), len(H))
    hidden = np.tile(H, (len(V), 1))
    states, pos = [V[rows]], 0
    for b in bs[1:]:
        states.append(hidden[:, pos : pos + len(b)])
        pos += len(b)
    neg_e = -dbm_energy(states, Ws, bs)
    return states, neg_e - logsumexp(neg_e)


def categorical_dbm_visible_distribution(Ws, bs, sizes):
    """(every category code, exact p(v)), codes in ``categorical_states`` order."""
    states, log_p = categorical_dbm_joint_table(Ws, bs, sizes)
    n_h = len(log_p) // np.prod(sizes)
    p = np.exp(log_p).reshape(-1, n_h).sum(axis=1)
    return categorical_states(sizes), p


def dbm_model_statistics(Ws, bs, table=None):
    """Exact E_model[x_{l+1} x_l^T] and E_model[x_l] (over ``table``, the
    states and log-probabilities of every joint state; default binary)."""
    states, log_p = dbm_joint_table(Ws, bs) if table is None else table
    p = np.exp(log_p)
    pair = [(states[l + 1] * p[:, None]).T @ states[l] for l in range(len(Ws))]
    means = [p @ s for s in states]
    return pair, means


def mean_field_dbm(Q, Ws, bs, observed, n_iter, tol, offsets=None, top=0):
    """Twin of ``_kernels._mean_field_dbm``; returns (Q, iterations).
    ``offsets``: softmax visible groups (categorical visibles); ``top``: the
    last layer is binary (0), a free softmax label layer (1) or clamped (2)."""
    Q = [np.array(q, dtype=np.float64) for q in Q]
    L = len(Q) - 1

    def inp(l):
        a = np.zeros_like(Q[l])
        if l > 0:
            a += Q[l - 1] @ Ws[l - 1].T
        if l < L:
            a += Q[l + 1] @ Ws[l]
        return a + bs[l]

    for it in range(n_iter):
        delta = 0.0
        for parity in (1, 0):
            for l in range(parity, L + 1, 2):
                if l == 0 and observed.shape[0] == 0:
                    continue
                if l == L and top == 2:
                    continue
                if l == L and top == 1:
                    new = softmax_groups(inp(l), [0, Q[l].shape[1]])
                elif l == 0 and offsets is not None:
                    new = softmax_groups(inp(0), offsets)
                else:
                    new = expit(inp(l))
                if l == 0:
                    new = np.where(observed != 0, Q[0], new)
                delta = max(delta, np.max(np.abs(new - Q[l])))
                Q[l] = new
        if delta <= tol:
            return Q, it + 1
    return Q, n_iter


def gibbs_dbm(S, Ws, bs, observed, n_steps, rng, offsets=None, top=0):
    """Twin of ``_kernels._gibbs_dbm``; returns the new states.
    ``offsets``: softmax visible groups (categorical visibles), one uniform
    per (row, group); ``top`` as in :func:`mean_field_dbm` (a free label
    layer draws one uniform per row, a clamped one none)."""
    S = [np.array(s, dtype=np.float64) for s in S]
    L = len(S) - 1
    for _ in range(n_steps):
        for parity in (0, 1):
            for l in range(parity, L + 1, 2):
                if l == L and top == 2:
                    continue
                a = np.zeros_like(S[l]) + bs[l]
                if l > 0:
                    a += S[l - 1] @ Ws[l - 1].T
                if l < L:
                    a += S[l + 1] @ Ws[l]
                if l == L and top == 1:
                    groups = [0, a.shape[1]]
                    new = categorical_sample(softmax_groups(a, groups), groups, rng)
                elif l == 0 and offsets is not None:
                    new = categorical_sample(softmax_groups(a, offsets), offsets, rng)
                else:
                    new = (rng.random(a.shape) < expit(a)).astype(np.float64)
                if l == 0 and observed.shape[0] > 0:
                    new = np.where(observed != 0, S[0], new)
                S[l] = new
    return S


def ais_dbm_reference(S, Ws, bs, b_base, betas, rng, offsets=None):
    """Twin of ``boltzmann._kernels._ais_dbm``: returns log weights.

    ``log p*_beta(x_even) = (1-beta) b_base.v + beta sum_even b.x
    + sum_odd softplus(beta a_odd)``, odd layers sampled then even layers.
    With ``offsets`` (softmax visible groups) the twin of
    ``_ais_dbm_categorical``: the visible groups are drawn from the softmax
    of ``beta a_0 + (1 - beta) b_base``, one float64 uniform per (row, group).
    """
    S = [np.array(s, dtype=np.float64) for s in S]
    L = len(S) - 1
    log_w = np.zeros(S[0].shape[0])

    def total_input(l):
        a = np.zeros_like(S[l]) + bs[l]
        if l > 0:
            a += S[l - 1] @ Ws[l - 1].T
        if l < L:
            a += S[l + 1] @ Ws[l]
        return a

    def log_p(beta):
        val = (1 - beta) * S[0] @ b_base + beta * sum(S[l] @ bs[l] for l in range(0, L + 1, 2))
        for l in range(1, L + 1, 2):
            val = val + _softplus(beta * total_input(l)).sum(axis=1)
        return val

    for k in range(1, len(betas)):
        beta = betas[k]
        log_w += log_p(beta) - log_p(betas[k - 1])
        for l in range(1, L + 1, 2):
            S[l] = (_uniforms32(rng, S[l].shape) < expit(beta * total_input(l))).astype(float)
        if k == len(betas) - 1:
            break
        for l in range(0, L + 1, 2):
            a = beta * total_input(l)
            if l == 0:
                a = a + (1 - beta) * b_base
            if l == 0 and offsets is not None:
                S[0] = categorical_sample(softmax_groups(a, offsets), offsets, rng)
            else:
                S[l] = (_uniforms32(rng, S[l].shape) < expit(a)).astype(float)
    return log_w


def _uniforms32(rng, shape):
    """One bulk draw of float32 uniforms, row-major (as the AIS kernels)."""
    return rng.random(int(np.prod(shape)), dtype=np.float32).reshape(shape)


def sgd_epoch_scaled_rbm(X, rows, bounds, params, velocity, offsets, chains, hyper, rng):
    """Twin of ``_kernels._sgd_epoch_scaled_rbm`` (DBM pretraining RBM).

    ``hyper.up`` and ``hyper.down``: tied copies of the visible and hidden layer;
    states are copy means: each hidden copy ~ Bernoulli(sigmoid(up W v + c)),
    each visible copy ~ Bernoulli(sigmoid(down W^T h + b)); the update is the
    (centred) gradient ``<h v^T>_data - <h v^T>_chains`` as in
    ``sgd_epoch_bernoulli``.
    """
    W, b, c = params
    dW, db, dc = velocity
    mu, lam = offsets
    lr, momentum, l2, l1 = hyper.learning_rate, hyper.momentum, hyper.l2, hyper.l1
    rate = hyper.offset_rate
    k, persistent = int(hyper.n_gibbs_steps), hyper.persistent > 0
    up, down = hyper.up, hyper.down

    def uniforms(shape):  # counter-based stream, one key per call
        key = stream_key(rng)
        return counter_uniforms(key, int(np.prod(shape))).reshape(shape)

    def sample(P):  # mean of `down` hidden copies, consecutive draws per unit
        U = uniforms(P.shape + (int(down),))
        return (U < P[..., None]).mean(axis=-1).astype(P.dtype)

    def hidden(V):
        return expit(up * (V @ W.T) + c)

    def visible(H):  # mean of `up` visible copies, copy-major uniforms
        P = expit(down * (H @ W) + b)
        U = uniforms((int(up),) + P.shape)
        return (U < P).mean(axis=0).astype(P.dtype)

    for batch in range(len(bounds) - 1):
        Vd = X[rows[bounds[batch] : bounds[batch + 1]]].copy()
        B = len(Vd)
        if persistent:
            Vn = visible(chains)
            Hd, Hn = hidden(Vd), hidden(Vn)
            for _ in range(k - 1):
                chains[:] = sample(Hn)
                Vn = visible(chains)
                Hn = hidden(Vn)
            chains[:] = sample(Hn)
        else:
            Hd = hidden(Vd)
            h = sample(Hd)
            for step in range(k):
                Vn = visible(h)
                Hn = hidden(Vn)
                if step < k - 1:
                    h = sample(Hn)
        C = len(Vn)
        if rate > 0:
            mu += rate * (Vd.mean(0) - mu)
            lam += rate * (Hd.mean(0) - lam)
        grad_W = (Hd - lam).T @ (Vd - mu) / B - (Hn - lam).T @ (Vn - mu) / C
        step_W = momentum * dW + lr * grad_W - lr * l2 * W - lr * l1 * np.sign(W)
        db[:] = momentum * db + lr * (Vd.mean(0) - Vn.mean(0))
        dc[:] = momentum * dc + lr * (Hd.mean(0) - Hn.mean(0))
        W += step_W
        dW[:] = step_W
        b += db - step_W.T @ lam
        c += dc - step_W @ mu


# ===========================================================================
# DBM with Gaussian visibles (``_*_dbm_gaussian`` kernels)
#
# E = 1/2 sum_j beta_j (v_j - b_0j)^2 - h_1^T W_0 (beta v) - sum_{l>=1}
# (h_{l+1}^T W_l h_l + b_l.h_l). The kernels take ``Ws[0] = W_0 * beta``; the
# twins below take the plain ``W_0`` and ``beta`` and compute each term from
# the energy directly.


def gaussian_dbm_energy(states, Ws, bs, beta):
    """E(v, h) for rows of per-layer states (states[0] real-valued)."""
    V = states[0]
    E = 0.5 * ((V - bs[0]) ** 2) @ beta - np.einsum("ij,ij->i", (V * beta) @ Ws[0].T, states[1])
    for l in range(1, len(Ws)):
        E = E - np.einsum("ij,ij->i", states[l] @ Ws[l].T, states[l + 1])
    for l in range(1, len(bs)):
        E = E - states[l] @ bs[l]
    return E


def _hidden_states(bs):
    sizes = [len(b) for b in bs[1:]]
    X = all_binary_states(sum(sizes))
    states, pos = [], 0
    for n in sizes:
        states.append(X[:, pos : pos + n])
        pos += n
    return states


def gaussian_dbm_log_hidden_weights(Ws, bs, beta):
    """(all hidden states, log of the unnormalised marginal of each):
    every hidden layer enumerated, the visible integral taken from the
    energy at v = 0 and the Gaussian density, ``log int exp(-E(v, h)) dv =
    -E(0, h) - log N(0; m(h), 1 / beta)`` with ``m(h) = b + W_0^T h_1``."""
    from scipy.stats import norm

    H = _hidden_states(bs)
    n = H[0].shape[0]
    zero = np.zeros((n, len(bs[0])))
    mean = bs[0] + H[0] @ Ws[0]
    log_density_at_zero = norm.logpdf(zero, loc=mean, scale=1 / np.sqrt(beta)).sum(axis=1)
    return H, -gaussian_dbm_energy([zero] + H, Ws, bs, beta) - log_density_at_zero


def gaussian_dbm_log_partition_brute_force(Ws, bs, beta):
    return logsumexp(gaussian_dbm_log_hidden_weights(Ws, bs, beta)[1])


def gaussian_dbm_log_partition_quadrature(Ws, bs, beta, grid):
    """log Z of a Gaussian DBM with one or two visibles: a grid over each
    visible (rectangle rule) and every hidden state enumerated."""
    H = _hidden_states(bs)
    nv = len(bs[0])
    mesh = np.stack(np.meshgrid(*([grid] * nv), indexing="ij"), -1).reshape(-1, nv)
    total = -np.inf
    for k in range(H[0].shape[0]):
        states = [mesh] + [np.broadcast_to(h[k], (len(mesh), h.shape[1])) for h in H]
        total = np.logaddexp(total, logsumexp(-gaussian_dbm_energy(states, Ws, bs, beta)))
    return total + nv * np.log(grid[1] - grid[0])


def gaussian_dbm_log_marginal_brute_force(V, Ws, bs, beta):
    """Exact log p(v) of each row of V, every hidden layer enumerated."""
    H = _hidden_states(bs)
    log_z = gaussian_dbm_log_partition_brute_force(Ws, bs, beta)
    out = []
    for v in np.asarray(V, dtype=np.float64):
        states = [np.broadcast_to(v, (H[0].shape[0], len(v)))] + H
        out.append(logsumexp(-gaussian_dbm_energy(states, Ws, bs, beta)) - log_z)
    return np.array(out)


def gaussian_dbm_hidden_distribution(Ws, bs, beta):
    """(hidden states per layer, exact p(h)) with v integrated out."""
    H, log_w = gaussian_dbm_log_hidden_weights(Ws, bs, beta)
    return H, np.exp(log_w - logsumexp(log_w))


def _gaussian_dbm_input(S, Ws, bs, beta, l):
    """Total input of hidden layer ``l`` (bias included), or for ``l = 0``
    the visible conditional mean ``b + W_0^T h_1``."""
    L = len(S) - 1
    if l == 0:
        return bs[0] + S[1] @ Ws[0]
    a = np.zeros_like(S[l]) + bs[l]
    a += (S[l - 1] * beta if l == 1 else S[l - 1]) @ Ws[l - 1].T
    if l < L:
        a += S[l + 1] @ Ws[l]
    return a


def mean_field_dbm_gaussian(Q, Ws, bs, beta, observed, n_iter, tol):
    """Twin of ``_kernels._mean_field_dbm`` with Gaussian visibles (plain ``Ws``)."""
    Q = [np.array(q, dtype=np.float64) for q in Q]
    L = len(Q) - 1
    for it in range(n_iter):
        delta = 0.0
        for parity in (1, 0):
            for l in range(parity, L + 1, 2):
                if l == 0 and observed.shape[0] == 0:
                    continue
                a = _gaussian_dbm_input(Q, Ws, bs, beta, l)
                new = np.where(observed != 0, Q[0], a) if l == 0 else expit(a)
                delta = max(delta, np.max(np.abs(new - Q[l])))
                Q[l] = new
        if delta <= tol:
            return Q, it + 1
    return Q, n_iter


def gibbs_dbm_gaussian(S, Ws, bs, beta, observed, n_steps, rng):
    """Twin of ``_kernels._gibbs_dbm`` with Gaussian visibles (plain ``Ws``)."""
    S = [np.array(s, dtype=np.float64) for s in S]
    L = len(S) - 1
    for _ in range(n_steps):
        for parity in (0, 1):
            for l in range(parity, L + 1, 2):
                a = _gaussian_dbm_input(S, Ws, bs, beta, l)
                if l == 0:
                    new = a + rng.standard_normal(a.shape) / np.sqrt(beta)
                    if observed.shape[0] > 0:
                        new = np.where(observed != 0, S[0], new)
                else:
                    new = (rng.random(a.shape) < expit(a)).astype(np.float64)
                S[l] = new
    return S


def ais_dbm_gaussian_reference(S, Ws, bs, beta, base_mean, betas, rng):
    """Twin of ``boltzmann._kernels._ais_dbm_gaussian`` (plain ``Ws``): log weights of
    the path ``log p*_t = -1/2 sum beta [(1-t)(v - m)^2 + t (v - b)^2] + t
    sum_{even l>=2} b.x + sum_odd softplus(t a_odd)``."""
    S = [np.array(s, dtype=np.float64) for s in S]
    L = len(S) - 1
    log_w = np.zeros(S[0].shape[0])

    def log_p(t):
        V = S[0]
        val = -0.5 * ((1 - t) * (V - base_mean) ** 2 + t * (V - bs[0]) ** 2) @ beta
        val = val + t * sum((S[l] @ bs[l] for l in range(2, L + 1, 2)), np.zeros(len(V)))
        for l in range(1, L + 1, 2):
            val = val + _softplus(t * _gaussian_dbm_input(S, Ws, bs, beta, l)).sum(axis=1)
        return val

    for k in range(1, len(betas)):
        t = betas[k]
        log_w += log_p(t) - log_p(betas[k - 1])
        for l in range(1, L + 1, 2):
            p = expit(t * _gaussian_dbm_input(S, Ws, bs, beta, l))
            S[l] = (_uniforms32(rng, S[l].shape) < p).astype(float)
        if k == len(betas) - 1:
            break
        for l in range(0, L + 1, 2):
            a = _gaussian_dbm_input(S, Ws, bs, beta, l)
            if l == 0:
                mean = (1 - t) * base_mean + t * a
                S[0] = mean + rng.standard_normal(a.shape) / np.sqrt(beta)
            else:
                S[l] = (_uniforms32(rng, S[l].shape) < expit(t * a)).astype(float)
    return log_w
