"""The math of the class RBM (Larochelle & Bengio 2008; §20.8), arrays in and out.

Parameters ``P = (W, b, c, U, d)``: weights ``W`` (n_hidden, n_features),
visible biases ``b``, hidden biases ``c``, class weights ``U`` (n_classes,
n_hidden), class biases ``d``. Energy of a binary ``x``, a class ``k``
(one-hot ``y``) and binary ``h``:

    E(x, k, h) = -b.x - d_k - c.h - h.W x - h.U[k]

Summing out ``h``: ``-F(x, k) = b.x + d_k + sum_j softplus(c_j + W_j x + U_kj)``,
so ``p(k | x)`` is a softmax over the classes of ``-F(x, k)`` (exact, no
partition function) and ``log p(x) = logsumexp_k(-F(x, k)) - log Z`` with

    Z = sum_k exp(d_k) Z_RBM(W, b, c + U[k]),

a mixture of ordinary binary RBMs, one per class: its ``log Z`` comes from
their exact ``log Z`` (enumerating the smaller layer) or from one AIS run per
class whose weights combine run by run into one unbiased estimate of ``Z``.
"""

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
]


def hidden_input(X, W, c):
    """``A = X W^T + c`` (before the class term), C-contiguous."""
    return np.ascontiguousarray(X @ W.T + c)


def class_log_posterior(X, P):
    """``log p(y = k | x)`` of each row, shape (n, n_classes)."""
    W, b, c, U, d = P
    A = hidden_input(X, W, c)
    out = np.empty((X.shape[0], U.shape[0]), dtype=A.dtype)
    _kernels._class_log_posterior(A, U, d, out)
    return out


def joint_negative_free_energy(X, P):
    """``-F(x, k)`` for every row and class, shape (n, n_classes), float64."""
    W, b, c, U, d = P
    A = hidden_input(X, W, c).astype(np.float64)
    out = np.empty((X.shape[0], U.shape[0]))
    for k in range(U.shape[0]):
        out[:, k] = np.logaddexp(0.0, A + U[k]).sum(axis=1)
    return out + (X @ b)[:, None] + d


def exact_log_partition(P):
    """``log Z`` by enumeration: one exact binary-RBM ``log Z`` per class."""
    W, b, c, U, d = P
    terms = [float(d[k]) + _binary_log_partition(W, b, c + U[k]) for k in range(U.shape[0])]
    return float(logsumexp(terms))


def ais_log_partition_classes(P, base_rate, n_runs, n_temperatures, random_state):
    """AIS estimate of ``log Z`` as an ``AISResult``: one forward AIS per
    class RBM ``(W, b, c + U[k])`` from the same base model, run ``r`` of
    every class combined into ``sum_k exp(d_k) Z_base w_kr``, an unbiased
    estimate of ``Z`` (the runs stay independent)."""
    from types import SimpleNamespace

    W, b, c, U, d = P
    rng = np.random.default_rng(random_state)
    log_w = np.empty((U.shape[0], n_runs))
    log_z_base = None
    for k in range(U.shape[0]):
        rbm = SimpleNamespace(components_=W, intercept_visible_=b, intercept_hidden_=c + U[k])
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


def gibbs_joint(h, P, n_steps, rng):
    """``n_steps`` block-Gibbs sweeps ``h -> (x, y) -> h`` of the joint model.

    Returns ``(x, y, h_mean, h)`` after the last sweep: binary ``x``, class
    codes ``y``, the hidden means given them and a draw of ``h``.
    """
    W, b, c, U, d = P
    dtype = W.dtype
    for _ in range(n_steps):
        x = (rng.random((h.shape[0], W.shape[1])) < expit(h @ W + b)).astype(dtype)
        y = sample_classes(h @ U.T + d, rng)
        h_mean = expit(x @ W.T + c + U[y])
        h = (rng.random(h_mean.shape) < h_mean).astype(dtype)
    return x, y, h_mean, h


def data_phase(X, y, P, w_disc, w_gen):
    """The exact part of the ascent direction of ``sum_i [w_disc_i log
    p(y_i | x_i) + w_gen_i log p(x_i, y_i)]`` (``log p(x_i)`` for ``y_i =
    -1``): the whole discriminative gradient and the data phase of the
    generative one (:func:`_kernels._class_gradient`).

    Returns ``(grads, log_p, A)``: a dict of sums over the batch keyed ``W,
    b, c, U, d``, the class log-posteriors and the hidden inputs ``X W^T + c``.
    """
    W, b, c, U, d = P
    dtype = W.dtype
    A = hidden_input(X, W, c)
    log_p = np.empty((X.shape[0], U.shape[0]), dtype=dtype)
    G = np.empty_like(A)
    gU = np.empty_like(U)
    gd = np.empty_like(d)
    wq = (w_disc + w_gen).astype(dtype)
    _kernels._class_gradient(A, U, d, y, wq, w_disc.astype(dtype), log_p, G, gU, gd)
    grads = {"W": G.T @ X, "b": w_gen.astype(dtype) @ X, "c": G.sum(axis=0), "U": gU, "d": gd}
    return grads, log_p, A


def model_phase(grads, y, P, w_gen, log_p, A, chains, n_gibbs_steps, rng):
    """Subtract from ``grads`` the model term of the generative part,
    ``sum(w_gen)`` times the model's expected statistics, estimated by
    ``n_gibbs_steps`` Gibbs sweeps from ``chains``: ``None`` starts them at
    the batch's own rows (CD-k; the labels of unlabelled rows drawn from
    ``p(y | x)``), each weighted by its ``w_gen``; an array of hidden states
    continues those persistent chains (PCD-k) in place, each weighted
    ``sum(w_gen) / n_chains``."""
    W, b, c, U, d = P
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
        h_mean = expit(A[rows] + U[labels])
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


def batch_gradient(X, y, P, w_disc, w_gen, chains, n_gibbs_steps, rng):
    """Ascent direction of the objective of a batch (:func:`data_phase`
    minus :func:`model_phase`); returns ``(grads, log_p)``."""
    grads, log_p, A = data_phase(X, y, P, w_disc, w_gen)
    model_phase(grads, y, P, w_gen, log_p, A, chains, n_gibbs_steps, rng)
    return grads, log_p
