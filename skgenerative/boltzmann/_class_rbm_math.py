"""The math of the class RBM (Larochelle & Bengio 2008; §20.8), arrays in and out.

Parameters ``P = (W, b, c, U, d)``, optionally followed by the factors of
class-multiplicative interactions ``(Fv, Fh, Fl)``: weights ``W`` (n_hidden,
n_features), visible biases ``b``, hidden biases ``c``, class weights ``U``
(n_classes, n_hidden), class biases ``d``; factor weights ``Fv`` (n_factors,
n_features), ``Fh`` (n_hidden, n_factors), ``Fl`` (n_classes, n_factors).
Energy of a binary ``x``, a class ``k`` (one-hot ``y``) and binary ``h``:

    E(x, k, h) = -b.x - d_k - c.h - h.W_k x - h.U[k],
    W_k = W + Fh diag(Fl[k]) Fv

(the factored three-way interaction of Nair & Hinton 2009 makes the
input-hidden weights depend on the class; without factors ``W_k = W``).
Summing out ``h``: ``-F(x, k) = b.x + d_k + sum_j softplus(c_j + (W_k x)_j
+ U_kj)``, so ``p(k | x)`` is a softmax over the classes of ``-F(x, k)``
(exact, no partition function) and ``log p(x) = logsumexp_k(-F(x, k)) - log
Z`` with

    Z = sum_k exp(d_k) Z_RBM(W_k, b, c + U[k]),

a mixture of ordinary binary RBMs, one per class: its ``log Z`` comes from
their exact ``log Z`` (enumerating the smaller layer) or from one AIS run per
class whose weights combine run by run into one unbiased estimate of ``Z``.
"""

from types import SimpleNamespace

import numpy as np
from scipy.special import expit, logsumexp

from . import _kernels
from ._ais import ais_log_partition
from ._ais._result import _make_result
from ._unit_math import _binary_log_partition

__all__ = [
    "class_log_posterior",
    "joint_negative_free_energy",
    "exact_log_partition",
    "ais_log_partition_classes",
    "batch_gradient",
    "data_phase",
    "model_phase",
    "gibbs_joint",
    "sample_classes",
    "hidden_given",
    "class_weights",
]


def _unpack(P):
    """``(W, b, c, U, d, Fv, Fh, Fl)``, the factors zero-sized when absent."""
    if len(P) == 8:
        return P
    W, b, c, U, d = P
    return (W, b, c, U, d, np.zeros((0, W.shape[1]), W.dtype),
            np.zeros((W.shape[0], 0), W.dtype), np.zeros((U.shape[0], 0), W.dtype))


def _has_factors(P):
    return len(P) == 8 and P[5].shape[0] > 0


def hidden_input(X, W, c):
    """``A = X W^T + c`` (before the class term), C-contiguous."""
    return np.ascontiguousarray(X @ W.T + c)


def class_weights(P, k):
    """``W_k``: the input-hidden weights given class ``k``."""
    W, b, c, U, d, Fv, Fh, Fl = _unpack(P)
    return W + (Fh * Fl[k]) @ Fv


def class_hidden_inputs(X, P):
    """Hidden inputs given ``x`` and each class, shape (n, n_classes, n_hidden)."""
    W, b, c, U, d, Fv, Fh, Fl = _unpack(P)
    A3 = hidden_input(X, W, c)[:, None, :] + U[None]
    if Fv.shape[0]:
        A3 += ((X @ Fv.T)[:, None, :] * Fl[None]) @ Fh.T
    return np.ascontiguousarray(A3)


def class_log_posterior(X, P):
    """``log p(y = k | x)`` of each row, shape (n, n_classes)."""
    W, b, c, U, d = P[:5]
    out = np.empty((X.shape[0], U.shape[0]), dtype=W.dtype)
    if _has_factors(P):
        _kernels._class_log_posterior_3d(class_hidden_inputs(X, P), d, out)
    else:
        _kernels._class_log_posterior(hidden_input(X, W, c), U, d, out)
    return out


def joint_negative_free_energy(X, P):
    """``-F(x, k)`` for every row and class, shape (n, n_classes), float64."""
    W, b, c, U, d = P[:5]
    out = np.empty((X.shape[0], U.shape[0]))
    for k in range(U.shape[0]):
        A = X @ class_weights(P, k).T + c + U[k]
        out[:, k] = np.logaddexp(0.0, A.astype(np.float64)).sum(axis=1)
    return out + (X @ b)[:, None] + d


def exact_log_partition(P):
    """``log Z`` by enumeration: one exact binary-RBM ``log Z`` per class."""
    W, b, c, U, d = P[:5]
    terms = [float(d[k]) + _binary_log_partition(class_weights(P, k), b, c + U[k])
             for k in range(U.shape[0])]
    return float(logsumexp(terms))


def ais_log_partition_classes(P, base_rate, n_runs, n_temperatures, random_state):
    """AIS estimate of ``log Z`` as an ``AISResult``: one forward AIS per
    class RBM ``(W_k, b, c + U[k])`` from the same base model, run ``r`` of
    every class combined into ``sum_k exp(d_k) Z_base w_kr``, an unbiased
    estimate of ``Z`` (the runs stay independent)."""
    W, b, c, U, d = P[:5]
    rng = np.random.default_rng(random_state)
    log_w = np.empty((U.shape[0], n_runs))
    log_z_base = None
    for k in range(U.shape[0]):
        rbm = SimpleNamespace(components_=np.ascontiguousarray(class_weights(P, k)),
                              intercept_visible_=b, intercept_hidden_=c + U[k])
        result = ais_log_partition(
            rbm, n_runs=n_runs, betas=n_temperatures, base_rate=base_rate,
            random_state=rng.integers(2**32),
        )
        log_z_base = result.log_z_base  # the same base model for every class
        log_w[k] = float(d[k]) + result.log_weights
    return _make_result(logsumexp(log_w, axis=0), log_z_base, result.n_temperatures, "forward")


def sample_classes(logits, rng):
    """One class per row from softmax(logits) (one uniform per row)."""
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(p, axis=1)
    u = rng.random(logits.shape[0]) * cdf[:, -1]
    return np.minimum((cdf < u[:, None]).sum(axis=1), logits.shape[1] - 1)


def hidden_given(x, y, P):
    """Hidden means given inputs ``x`` and class codes ``y``."""
    W, b, c, U, d, Fv, Fh, Fl = _unpack(P)
    pre = x @ W.T + c + U[y]
    if Fv.shape[0]:
        pre += ((x @ Fv.T) * Fl[y]) @ Fh.T
    return expit(pre)


def gibbs_joint(h, P, n_steps, rng):
    """``n_steps`` block-Gibbs sweeps ``h -> (x, y) -> h`` of the joint model.

    ``x`` and ``y`` are conditionally independent given ``h`` only without
    factors; with them the sweep draws ``y | h`` (``x`` summed out) and then
    ``x | h, y``. Returns ``(x, y, h_mean, h)`` after the last sweep: binary
    ``x``, class codes ``y``, the hidden means given them and a draw of ``h``.
    """
    W, b, c, U, d, Fv, Fh, Fl = _unpack(P)
    dtype = W.dtype
    for _ in range(n_steps):
        if Fv.shape[0]:
            # y | h: sum over x of exp(-E) = exp(d_k + h.U_k) prod_i (1 + e^{..})
            logits = np.stack([
                h @ U[k] + d[k] + np.logaddexp(0.0, h @ class_weights(P, k) + b).sum(axis=1)
                for k in range(U.shape[0])
            ], axis=1)
            y = sample_classes(logits, rng)
            act = h @ W + b + ((h @ Fh) * Fl[y]) @ Fv
        else:
            act = h @ W + b
        x = (rng.random((h.shape[0], W.shape[1])) < expit(act)).astype(dtype)
        if not Fv.shape[0]:
            y = sample_classes(h @ U.T + d, rng)
        h_mean = hidden_given(x, y, P)
        h = (rng.random(h_mean.shape) < h_mean).astype(dtype)
    return x, y, h_mean, h


def data_phase(X, y, P, w_disc, w_gen):
    """The exact part of the ascent direction of ``sum_i [w_disc_i log
    p(y_i | x_i) + w_gen_i log p(x_i, y_i)]`` (``log p(x_i)`` for ``y_i =
    -1``): the whole discriminative gradient and the data phase of the
    generative one (:func:`_kernels._class_gradient`, or its 3-D form with
    factors).

    Returns ``(grads, log_p)``: a dict of sums over the batch keyed ``W, b,
    c, U, d`` (and ``Fv, Fh, Fl`` with factors) and the class log-posteriors.
    """
    W, b, c, U, d = P[:5]
    dtype = W.dtype
    n = X.shape[0]
    log_p = np.empty((n, U.shape[0]), dtype=dtype)
    gd = np.empty_like(d)
    wq, wp = (w_disc + w_gen).astype(dtype), w_disc.astype(dtype)
    if _has_factors(P):
        Fv, Fh, Fl = P[5:]
        A3 = class_hidden_inputs(X, P)
        T = np.empty_like(A3)
        _kernels._class_gradient_3d(A3, d, y, wq, wp, log_p, T, gd)
        G, gU = T.sum(axis=1), T.sum(axis=0)
        V = X @ Fv.T
        R = T @ Fh  # (n, K, F)
        VL = V[:, None, :] * Fl[None]  # (n, K, F)
        factor_grads = {
            "Fv": (R * Fl[None]).sum(axis=1).T @ X,
            "Fh": T.reshape(-1, T.shape[2]).T @ VL.reshape(-1, VL.shape[2]),
            "Fl": np.einsum("ikf,if->kf", R, V),
        }
    else:
        A = hidden_input(X, W, c)
        G, gU = np.empty_like(A), np.empty_like(U)
        _kernels._class_gradient(A, U, d, y, wq, wp, log_p, G, gU, gd)
        factor_grads = {}
    grads = {"W": G.T @ X, "b": w_gen.astype(dtype) @ X, "c": G.sum(axis=0), "U": gU, "d": gd}
    grads.update(factor_grads)
    return grads, log_p


def model_phase(grads, X, y, P, w_gen, log_p, chains, n_gibbs_steps, rng):
    """Subtract from ``grads`` the model term of the generative part,
    ``sum(w_gen)`` times the model's expected statistics, estimated by
    ``n_gibbs_steps`` Gibbs sweeps from ``chains``: ``None`` starts them at
    the batch's own rows (CD-k; the labels of unlabelled rows drawn from
    ``p(y | x)``), each weighted by its ``w_gen``; an array of hidden states
    continues those persistent chains (PCD-k) in place, each weighted
    ``sum(w_gen) / n_chains``."""
    W, b, c, U, d, Fv, Fh, Fl = _unpack(P)
    dtype = W.dtype
    total = float(w_gen.sum())
    if total == 0.0:
        return
    if chains is None:
        rows = np.flatnonzero(w_gen)
        labels = y[rows].copy()
        unlabelled = labels < 0
        if unlabelled.any():
            labels[unlabelled] = sample_classes(log_p[rows[unlabelled]], rng)
        h_mean = hidden_given(X[rows], labels, P)
        h = (rng.random(h_mean.shape) < h_mean).astype(dtype)
        weights = w_gen[rows].astype(dtype)
    else:
        h = chains
        weights = np.full(chains.shape[0], total / chains.shape[0], dtype=dtype)
    x, y_neg, h_mean, h_new = gibbs_joint(h, P, n_gibbs_steps, rng)
    if chains is not None:
        chains[...] = h_new
    wh = h_mean * weights[:, None]
    grads["W"] -= wh.T @ x
    grads["b"] -= weights @ x
    grads["c"] -= wh.sum(axis=0)
    np.subtract.at(grads["U"], y_neg, wh)
    np.subtract.at(grads["d"], y_neg, weights)
    if "Fv" in grads:
        Vn = x @ Fv.T
        Ph = wh @ Fh
        grads["Fh"] -= wh.T @ (Vn * Fl[y_neg])
        np.subtract.at(grads["Fl"], y_neg, Ph * Vn)
        grads["Fv"] -= (Ph * Fl[y_neg]).T @ x


def batch_gradient(X, y, P, w_disc, w_gen, chains, n_gibbs_steps, rng):
    """Ascent direction of the objective of a batch (:func:`data_phase`
    minus :func:`model_phase`); returns ``(grads, log_p)``."""
    grads, log_p = data_phase(X, y, P, w_disc, w_gen)
    model_phase(grads, X, y, P, w_gen, log_p, chains, n_gibbs_steps, rng)
    return grads, log_p
