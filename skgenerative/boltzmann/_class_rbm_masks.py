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
"""

import itertools

import numpy as np
from scipy.special import expit, log_softmax, logsumexp

__all__ = ["gated_class_log_posterior", "gated_discriminative_gradient", "mask_states"]

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


def gated_discriminative_gradient(X, y, P, e, n_class_units, inference="mean_field",
                                  n_iter=20):
    """Gradient (ascent) of ``sum_i log p(y_i | x_i)`` for class codes
    ``y``; returns ``(grads, log_p)``: a dict keyed ``W, c, U, d, e`` of sums
    over the rows (``U``'s input-only columns zero) and the log-posteriors."""
    L, G, R, A1, A2 = _class_scores(X, P, e, n_class_units, inference, n_iter)
    log_p = log_softmax(L, axis=1)
    coef = -np.exp(log_p)
    coef[np.arange(X.shape[0]), y] += 1.0
    T = coef[..., None] * R  # (n, K, S): weight of each gate's statistics
    H1, H2 = expit(A1) * T[..., None], expit(A2) * T[..., None]
    Xg = X[:, None, None, :]
    n1 = n_class_units
    width = (G.shape[0] * G.shape[1] * G.shape[2], -1)
    gW1 = H1.reshape(width[0], n1).T @ (G * Xg).reshape(width)
    gW2 = H2.reshape(width[0], H2.shape[-1]).T @ ((1 - G) * Xg).reshape(width)
    gU = np.zeros_like(P[3])
    gU[:, :n1] = H1.sum(axis=(0, 2))
    grads = {
        "W": np.vstack([gW1, gW2]).astype(P[0].dtype, copy=False),
        "c": np.concatenate([H1.sum(axis=(0, 1, 2)), H2.sum(axis=(0, 1, 2))]),
        "U": gU,
        "d": coef.sum(axis=0),
        "e": np.einsum("nks,nksf->f", T, G),
    }
    dtype = P[0].dtype
    return {k: np.asarray(v, dtype=dtype) for k, v in grads.items()}, log_p
