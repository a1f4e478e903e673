"""Plain-numpy twins of the class-RBM kernels (``_kernels/_class_rbm.py``)
and brute-force enumerations of tiny class RBMs, for the tests.

The enumerations never use the closed forms the package relies on: they sum
``exp(-E(x, k, h))`` over every binary ``h`` (and ``x``) explicitly.
"""

import itertools

import numpy as np
from scipy.special import expit, logsumexp


def class_log_posterior(A, U, d):
    """Twin of ``_class_log_posterior``."""
    A64, U64 = A.astype(np.float64), U.astype(np.float64)
    scores = d.astype(np.float64) + np.logaddexp(0.0, A64[:, None, :] + U64[None]).sum(axis=2)
    return scores - logsumexp(scores, axis=1, keepdims=True)


def class_log_posterior_3d(A3, d):
    """Twin of ``_class_log_posterior_3d``."""
    scores = d.astype(np.float64) + np.logaddexp(0.0, A3.astype(np.float64)).sum(axis=2)
    return scores - logsumexp(scores, axis=1, keepdims=True)


def class_gradient_3d(A3, d, y, wq, wp):
    """Twin of ``_class_gradient_3d``: returns ``(log_p, T, gd)``."""
    log_p = class_log_posterior_3d(A3, d)
    p = np.exp(log_p)
    q = p.copy()
    labelled = y >= 0
    q[labelled] = np.eye(A3.shape[1])[y[labelled]]
    a = wq[:, None] * q - wp[:, None] * p
    return log_p, a[:, :, None] * expit(A3.astype(np.float64)), a.sum(axis=0)


def class_gradient(A, U, d, y, wq, wp):
    """Twin of ``_class_gradient``: returns ``(log_p, G, gU, gd)``."""
    log_p = class_log_posterior(A, U, d)
    p = np.exp(log_p)
    q = p.copy()
    labelled = y >= 0
    q[labelled] = np.eye(U.shape[0])[y[labelled]]
    a = wq[:, None] * q - wp[:, None] * p  # (n, K)
    s = expit(A.astype(np.float64)[:, None, :] + U.astype(np.float64)[None])  # (n, K, nh)
    G = np.einsum("ik,ikj->ij", a, s)
    gU = np.einsum("ik,ikj->kj", a, s)
    return log_p, G, gU, a.sum(axis=0)


def binary_states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n))).reshape(-1, n)


def energy(x, k, h, P):
    """E(x, k, h) for one configuration; with factors ``P[5:] = (Fv, Fh,
    Fl)`` the three-way term ``sum_f (h.Fh_f) Fl_kf (Fv_f.x)`` too."""
    W, b, c, U, d = (np.asarray(a, dtype=np.float64) for a in P[:5])
    e = -(b @ x + d[k] + c @ h + h @ W @ x + h @ U[k])
    if len(P) == 8:
        Fv, Fh, Fl = (np.asarray(a, dtype=np.float64) for a in P[5:])
        e -= np.sum((h @ Fh) * Fl[k] * (Fv @ x))
    return e


def log_unnormalised_joint(x, k, P):
    """log sum_h exp(-E(x, k, h)), by enumerating h."""
    H = binary_states(P[0].shape[0])
    return logsumexp([-energy(x, k, h, P) for h in H])


def brute_log_posterior(X, P):
    """log p(k | x) by enumerating h."""
    K = P[3].shape[0]
    scores = np.array([[log_unnormalised_joint(x, k, P) for k in range(K)] for x in X])
    return scores - logsumexp(scores, axis=1, keepdims=True)


def brute_log_partition(P):
    """log Z by enumerating x, k and h."""
    nf, K = P[0].shape[1], P[3].shape[0]
    return logsumexp([
        log_unnormalised_joint(x, k, P) for x in binary_states(nf) for k in range(K)
    ])


def brute_model_statistics(P):
    """Exact model expectations of the sufficient statistics, keyed like the
    gradients: E[h x^T], E[x], E[h], E[onehot(k) h^T], E[onehot(k)]."""
    W, b, c, U, d = (np.asarray(a, dtype=np.float64) for a in P[:5])
    nh, nf, K = W.shape[0], W.shape[1], U.shape[0]
    states = [(x, k, h) for x in binary_states(nf) for k in range(K) for h in binary_states(nh)]
    log_w = np.array([-energy(x, k, h, P) for x, k, h in states])
    w = np.exp(log_w - logsumexp(log_w))
    stats = {"W": np.zeros((nh, nf)), "b": np.zeros(nf), "c": np.zeros(nh),
             "U": np.zeros((K, nh)), "d": np.zeros(K)}
    if len(P) == 8:  # -dE/dFactor: the three-way statistics
        Fv, Fh, Fl = (np.asarray(a, dtype=np.float64) for a in P[5:])
        stats.update({"Fv": np.zeros(Fv.shape), "Fh": np.zeros(Fh.shape),
                      "Fl": np.zeros(Fl.shape)})
    for p, (x, k, h) in zip(w, states):
        stats["W"] += p * np.outer(h, x)
        stats["b"] += p * x
        stats["c"] += p * h
        stats["U"][k] += p * h
        stats["d"][k] += p
        if len(P) == 8:
            hf, vf = h @ Fh, Fv @ x
            stats["Fv"] += p * np.outer(hf * Fl[k], x)
            stats["Fh"] += p * np.outer(h, Fl[k] * vf)
            stats["Fl"][k] += p * hf * vf
    return stats


def brute_joint_distribution(P):
    """p(x, k) over every (x, k), as a dict keyed (tuple(x), k)."""
    nf, K = P[0].shape[1], P[3].shape[0]
    keys = [(tuple(x), k) for x in binary_states(nf) for k in range(K)]
    log_p = np.array([log_unnormalised_joint(np.array(x), k, P) for x, k in keys])
    p = np.exp(log_p - logsumexp(log_p))
    return dict(zip(keys, p))


# ------------------------------------------- conditional RBM (_kernels/_conditional.py)
def conditional_log_probabilities(base, ch, YW):
    """Twin of ``_conditional_log_probabilities``."""
    pre = ch.astype(np.float64)[:, None, :] + YW.astype(np.float64)[None]
    scores = base.astype(np.float64) + np.logaddexp(0.0, pre).sum(axis=2)
    return scores - logsumexp(scores, axis=1, keepdims=True)


def conditional_gradient(base, ch, YW, index):
    """Twin of ``_conditional_gradient``: returns ``(log_p, h_data, g_h, M)``."""
    log_p = conditional_log_probabilities(base, ch, YW)
    p = np.exp(log_p)
    sig = expit(ch.astype(np.float64)[:, None, :] + YW.astype(np.float64)[None])  # (n, S, H)
    h_data = sig[np.arange(len(index)), index]
    weighted = p[:, :, None] * sig
    return log_p, h_data, h_data - weighted.sum(axis=1), weighted.sum(axis=0)


def conditional_log_probabilities_3d(base, pre3):
    """Twin of ``_conditional_log_probabilities_3d``."""
    scores = base.astype(np.float64) + np.logaddexp(0.0, pre3.astype(np.float64)).sum(axis=2)
    return scores - logsumexp(scores, axis=1, keepdims=True)


def conditional_gradient_3d(base, pre3, index):
    """Twin of ``_conditional_gradient_3d``: returns ``(log_p, T)``."""
    log_p = conditional_log_probabilities_3d(base, pre3)
    a = -np.exp(log_p)
    a[np.arange(len(index)), index] += 1.0
    return log_p, a[:, :, None] * expit(pre3.astype(np.float64))
