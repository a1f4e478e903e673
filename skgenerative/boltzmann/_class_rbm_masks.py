"""Point-wise gated class RBM (Sohn et al. 2013; §20.8): binary visible masks
gate the path from the input to the class, arrays in and out.

Each input ``x_i`` has a binary mask ``z_i``. A mask of one routes ``x_i`` to
the class-relevant hidden units (the first ``n_class_units`` rows of ``W``,
those with class weights); a mask of zero removes it from them and routes it
to the input-only hidden units (the other rows; with none, ``x_i`` then
reaches no hidden unit and drops out of the inference of the class)::

    E(x, z, k, h) = -b.x - e.z - d_k - c.h - h1.(W1 (z * x) + U1[k])
                    - h2.W2 ((1 - z) * x)

with ``h = (h1, h2)``, ``W = [W1; W2]``, ``U = [U1, 0]`` (the class-relevant
and input-only groups) and ``e`` the masks' biases. Summing out ``h``, the
score of class ``k`` for one mask vector is

    S_k(z) = d_k + e.z + sum_j softplus(A1_kj(z)) + sum_j softplus(A2_j(z)),
    A1_k(z) = c1 + U1[k] + W1 (z * x),  A2(z) = c2 + W2 ((1 - z) * x)

(``b.x`` cancels from ``p(k | x)``) and ``p(k | x) = softmax_k log sum_z
exp(S_k(z))``: the masks couple through the hidden units, so the sum over
their ``2**n_features`` states has no closed form. Two inferences:

* ``"exact"``: enumerate the mask states (tiny inputs only);
* ``"mean_field"``: Sohn et al.'s inference, factorised Bernoulli masks
  ``q(z_i = 1) = mu_i`` per class, the hidden units summed out exactly
  given them. Since the energy is bilinear in ``(z, h)``, the naive
  mean-field bound over both with the hidden means optimised out is
  ``L_k = max_mu S_k(mu) + H(mu) <= log sum_z exp(S_k(z))``, reached at
  the fixed point ``mu = sigmoid(e + x * (sigmoid(A1_k) W1 - sigmoid(A2)
  W2))``; the posterior is ``softmax_k L_k``.

In both cases the gradient of a class score is the expectation of
``dS_k(z)/dtheta`` (over the exact mask posterior of class ``k``, or at
``mu``: the envelope theorem at the fixed point), so one routine serves both.
The generative term ``log p(x, y)`` adds the same data statistics (and
``b``'s) minus the joint model's, estimated by block Gibbs sampling: given
``h`` the class and each pair ``(x_i, z_i)`` are independent (CD-k or PCD-k,
as for the plain class RBM; with mean-field inference the data phase uses
the mask means, as Sohn et al. do).
"""

import itertools

import numpy as np
from scipy.special import expit, log_softmax, logsumexp

__all__ = [
    "gated_class_log_posterior", "gated_data_phase", "gated_model_phase", "gibbs_joint",
    "hidden_given", "mask_states",
]

#: Damping of the parallel mean-field updates (undamped, they can oscillate).
_DAMPING = 0.5
#: Largest number of floats of one block of rows (rows x classes x states x units).
_BLOCK = 1 << 22


def mask_states(n_features, dtype=np.float64):
    """Every binary mask vector, shape (2**n_features, n_features)."""
    return np.array(list(itertools.product([0, 1], repeat=n_features)),
                    dtype=dtype).reshape(-1, n_features)


def _split(P, n_class_units):
    W, b, c, U, d = P[:5]
    m = n_class_units
    return W[:m], W[m:], c[:m], c[m:], U[:, :m], d


def _hidden_inputs(X, G, P, n_class_units):
    """``(A1, A2)`` for gates ``G`` of shape (n, K, S, nf): the inputs of the
    class-relevant (n, K, S, n1) and input-only (n, K, S, n2) hidden units."""
    W1, W2, c1, c2, U1, d = _split(P, n_class_units)
    Xg = X[:, None, None, :]
    A1 = (G * Xg) @ W1.T + c1 + U1[None, :, None, :]
    A2 = ((1 - G) * Xg) @ W2.T + c2
    return A1, A2


def _scores(X, G, P, e, n_class_units):
    """``S_k(g)`` (n, K, S) and the hidden inputs."""
    A1, A2 = _hidden_inputs(X, G, P, n_class_units)
    d = P[4]
    S = (d[None, :, None] + G @ e + np.logaddexp(0, A1).sum(axis=-1)
         + np.logaddexp(0, A2).sum(axis=-1))
    return S, A1, A2


def _entropy(mu):
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(mu * np.log(mu) + (1 - mu) * np.log1p(-mu))
    return np.nan_to_num(h).sum(axis=-1)


def _mean_field(X, P, e, n_class_units, n_iter):
    """The fixed point ``mu`` of every row and class, shape (n, K, 1, nf)."""
    W1, W2 = _split(P, n_class_units)[:2]
    K = P[3].shape[0]
    mu = np.broadcast_to(expit(e), (X.shape[0], K, 1, X.shape[1])).copy()
    for _ in range(n_iter):
        A1, A2 = _hidden_inputs(X, mu, P, n_class_units)
        drive = expit(A1) @ W1 - expit(A2) @ W2
        target = expit(e + X[:, None, None, :] * drive)
        mu = _DAMPING * mu + (1 - _DAMPING) * target
    return mu


def _class_scores(X, P, e, n_class_units, inference, n_iter):
    """``(L, G, R, A1, A2)``: class scores ``L`` (n, K), the gates ``G``
    (n, K, S, nf) of the expectation, their weights ``R`` (n, K, S) and the
    hidden inputs at them."""
    dtype = P[0].dtype
    if inference == "exact":
        G = mask_states(X.shape[1], dtype)[None, None]
        S, A1, A2 = _scores(X, G, P, e, n_class_units)
        L = logsumexp(S, axis=-1)
        R = np.exp(S - L[..., None])
        G = np.broadcast_to(G, (X.shape[0], P[3].shape[0]) + G.shape[2:])
    else:
        G = _mean_field(X, P, e, n_class_units, n_iter)
        S, A1, A2 = _scores(X, G, P, e, n_class_units)
        L = S[..., 0] + _entropy(G[:, :, 0])
        R = np.ones(L.shape + (1,), dtype=L.dtype)
    return L, G, R, A1, A2


def gated_class_log_posterior(X, P, e, n_class_units, inference="mean_field", n_iter=20):
    """``log p(k | x)`` of each row, shape (n, n_classes): exact over the
    mask states or from the mean-field class scores (see the module)."""
    K, nf = P[3].shape[0], X.shape[1]
    n_states = 2 ** nf if inference == "exact" else 1
    rows = max(1, _BLOCK // (K * n_states * max(nf, P[0].shape[0])))
    L = [_class_scores(X[i:i + rows], P, e, n_class_units, inference, n_iter)[0]
         for i in range(0, X.shape[0], rows)]
    return log_softmax(np.vstack(L), axis=1) if L else np.zeros((0, K), P[0].dtype)


def gated_data_phase(X, y, P, e, n_class_units, w_disc, w_gen, inference="mean_field",
                     n_iter=20):
    """The exact-or-mean-field part of the ascent direction of ``sum_i
    [w_disc_i log p(y_i | x_i) + w_gen_i log p(x_i, y_i)]`` (class codes
    ``y``): the discriminative gradient and the data phase of the generative
    one, the masks' posterior expectation taken as their inference says.

    Returns ``(grads, log_p, h_data)``: a dict keyed ``W, b, c, U, d, e`` of
    sums over the rows (``U``'s input-only columns zero), the class
    log-posteriors and the hidden means of each row under its own class.
    """
    L, G, R, A1, A2 = _class_scores(X, P, e, n_class_units, inference, n_iter)
    log_p = log_softmax(L, axis=1)
    rows = np.arange(X.shape[0])
    coef = -np.exp(log_p) * w_disc[:, None]
    coef[rows, y] += w_disc + w_gen
    T = coef[..., None] * R  # (n, K, S): weight of each gate's statistics
    H1, H2 = expit(A1), expit(A2)
    H2 = np.broadcast_to(H2, H1.shape[:3] + H2.shape[3:])  # no class term
    h_data = np.hstack([np.einsum("ns,nsj->nj", R[rows, y], H1[rows, y]),
                        np.einsum("ns,nsj->nj", R[rows, y], H2[rows, y])])
    H1, H2 = H1 * T[..., None], H2 * T[..., None]
    Xg = X[:, None, None, :]
    n1 = n_class_units
    width = (G.shape[0] * G.shape[1] * G.shape[2], -1)
    gW1 = H1.reshape(width[0], n1).T @ (G * Xg).reshape(width)
    gW2 = H2.reshape(width[0], H2.shape[-1]).T @ ((1 - G) * Xg).reshape(width)
    gU = np.zeros_like(P[3])
    gU[:, :n1] = H1.sum(axis=(0, 2))
    grads = {
        "W": np.vstack([gW1, gW2]),
        "b": w_gen @ X,
        "c": np.concatenate([H1.sum(axis=(0, 1, 2)), H2.sum(axis=(0, 1, 2))]),
        "U": gU,
        "d": coef.sum(axis=0),
        "e": np.einsum("nks,nksf->f", T, G),
    }
    dtype = P[0].dtype
    return {k: np.asarray(v, dtype=dtype) for k, v in grads.items()}, log_p, h_data


def hidden_given(x, z, y, P, n_class_units):
    """Hidden means given inputs ``x``, masks ``z`` and class codes ``y``."""
    W1, W2, c1, c2, U1, d = _split(P, n_class_units)
    return np.hstack([expit(c1 + U1[y] + (z * x) @ W1.T), expit(c2 + ((1 - z) * x) @ W2.T)])


def gibbs_joint(h, P, e, n_class_units, n_steps, rng):
    """``n_steps`` block-Gibbs sweeps ``h -> (x, z, y) -> h`` of the joint
    model: given ``h`` the class and every pair ``(x_i, z_i)`` are
    independent; ``x_i`` is drawn with its mask summed out, then ``z_i``.
    Returns ``(x, z, y, h_mean, h)`` after the last sweep."""
    W1, W2, c1, c2, U1, d = _split(P, n_class_units)
    b, dtype, n1 = P[1], P[0].dtype, n_class_units
    for _ in range(n_steps):
        g1, g2 = h[:, :n1] @ W1, h[:, n1:] @ W2
        logit_x = b + np.logaddexp(g2, e + g1) - np.logaddexp(0, e)
        x = (rng.random(logit_x.shape) < expit(logit_x)).astype(dtype)
        z = (rng.random(x.shape) < expit(e + x * (g1 - g2))).astype(dtype)
        logits = d + h[:, :n1] @ U1.T
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        cdf = np.cumsum(p, axis=1)
        u = rng.random(h.shape[0]) * cdf[:, -1]
        y = np.minimum((cdf < u[:, None]).sum(axis=1), d.shape[0] - 1)
        h_mean = hidden_given(x, z, y, P, n1)
        h = (rng.random(h_mean.shape) < h_mean).astype(dtype)
    return x, z, y, h_mean, h


def gated_model_phase(grads, P, e, n_class_units, w_gen, h_data, chains, n_gibbs_steps, rng):
    """Subtract from ``grads`` the model term of the generative part,
    ``sum(w_gen)`` times the joint model's expected statistics, by
    ``n_gibbs_steps`` sweeps of :func:`gibbs_joint` from the batch's hidden
    means ``h_data`` (CD-k, each chain weighted by its row's ``w_gen``) or
    from the persistent ``chains`` (PCD-k, updated in place)."""
    total = float(w_gen.sum())
    if total == 0.0:
        return
    dtype, n1 = P[0].dtype, n_class_units
    if chains is None:
        rows = np.flatnonzero(w_gen)
        h = (rng.random((rows.size, h_data.shape[1])) < h_data[rows]).astype(dtype)
        weights = w_gen[rows].astype(dtype)
    else:
        h = chains
        weights = np.full(chains.shape[0], total / chains.shape[0], dtype=dtype)
    x, z, y, h_mean, h_new = gibbs_joint(h, P, e, n1, n_gibbs_steps, rng)
    if chains is not None:
        chains[...] = h_new
    wh = h_mean * weights[:, None]
    grads["W"][:n1] -= wh[:, :n1].T @ (z * x)
    grads["W"][n1:] -= wh[:, n1:].T @ ((1 - z) * x)
    grads["b"] -= weights @ x
    grads["c"] -= wh.sum(axis=0)
    np.subtract.at(grads["U"][:, :n1], y, wh[:, :n1])
    np.subtract.at(grads["d"], y, weights)
    grads["e"] -= weights @ z
