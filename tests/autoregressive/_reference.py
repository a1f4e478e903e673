"""Plain-numpy references of the autoregressive models
(``skgenerative/autoregressive/_kernels.py``).

Slow and obvious on purpose: each function restates the math of a kernel so
that a test can check the kernel against it. Random draws are consumed in the
same order as the kernels, so the twins see the same stream. Tests import a
family's twins as ``from tests.<family> import _reference as ref``.
"""

import numpy as np
from scipy.special import expit, logsumexp


def nade_log_prob_bernoulli(X, W, V, b, c, order):
    """NADE log p(x), vectorised over samples, one step per dimension."""
    X = X.astype(np.float64)
    A = np.tile(c.astype(np.float64), (X.shape[0], 1))
    ll = np.zeros(X.shape[0])
    for i in order:
        logit = expit(A) @ V[i] + b[i]
        ll += X[:, i] * logit - np.logaddexp(0.0, logit)
        A += np.outer(X[:, i], W[i])
    return ll


def nade_grad_bernoulli(X, W, V, b, c, order):
    """Gradient of sum_s log p(x_s) by explicit back-propagation through the
    unrolled NADE graph; returns (gW, gV, gb, gc)."""
    X = X.astype(np.float64)
    n, D = X.shape
    A = np.tile(c.astype(np.float64), (n, 1))
    hidden, resid = [], []
    for i in order:
        Hd = expit(A)
        logit = Hd @ V[i] + b[i]
        hidden.append(Hd)
        resid.append(X[:, i] - expit(logit))
        A = A + np.outer(X[:, i], W[i])
    gW, gV = np.zeros(W.shape), np.zeros(V.shape)
    gb, dA = np.zeros(b.shape), np.zeros((n, c.shape[0]))
    for d in reversed(range(D)):
        i = order[d]
        gW[i] = X[:, i] @ dA
        gV[i] = resid[d] @ hidden[d]
        gb[i] = resid[d].sum()
        dA = dA + np.outer(resid[d], V[i]) * hidden[d] * (1 - hidden[d])
    return gW, gV, gb, dA.sum(axis=0)


def nade_sample_bernoulli(W, V, b, c, order, U):
    """Ancestral NADE samples driven by the uniforms ``U`` (n, D)."""
    n, D = U.shape
    X = np.zeros((n, D))
    A = np.tile(c.astype(np.float64), (n, 1))
    for d, i in enumerate(order):
        p = expit(expit(A) @ V[i] + b[i])
        X[:, i] = U[:, d] < p
        A += np.outer(X[:, i], W[i])
    return X


def rnade_conditional_params(out, min_variance):
    """Mixture log-weights, means and variances from the 3K outputs (rows)."""
    K = out.shape[-1] // 3
    log_alpha = out[..., :K] - logsumexp(out[..., :K], axis=-1, keepdims=True)
    return log_alpha, out[..., K : 2 * K], np.exp(2 * out[..., 2 * K :]) + min_variance


def rnade_log_prob(X, W, V, b, c, order, min_variance):
    """RNADE log-density, vectorised over samples."""
    X = X.astype(np.float64)
    A = np.tile(c.astype(np.float64), (X.shape[0], 1))
    ll = np.zeros(X.shape[0])
    for i in order:
        out = expit(A) @ V[i].T + b[i]
        log_alpha, mu, var = rnade_conditional_params(out, min_variance)
        diff = X[:, i : i + 1] - mu
        comp = log_alpha - 0.5 * (np.log(2 * np.pi * var) + diff**2 / var)
        ll += logsumexp(comp, axis=1)
        A += np.outer(X[:, i], W[i])
    return ll


def oanade_log_prob_one_ordering(X, params, mean, order, activation="relu", n_steps=1):
    """Order-agnostic NADE log p(x | order): one full network evaluation per
    conditional, with the mask of the dimensions already seen (no
    incremental trick), and ``n_steps`` NADE-k inference steps."""
    act = (lambda z: np.maximum(z, 0)) if activation == "relu" else expit
    X = X.astype(np.float64)
    n, D = X.shape
    M = np.zeros((n, D))
    ll = np.zeros(n)
    for i in order:
        v = np.tile(mean, (n, 1))
        for _ in range(n_steps):
            u = M * X + (1 - M) * v
            Wx, Wm = params["input_weights_"][:D], params["input_weights_"][D:]
            h = act(u @ Wx + M @ Wm + params["intercept_hidden_"][0])
            for layer, U in enumerate(params["hidden_weights_"]):
                h = act(h @ U + params["intercept_hidden_"][layer + 1])
            logits = h @ params["output_weights_"] + params["intercept_visible_"]
            v = expit(logits)
        ll += X[:, i] * logits[:, i] - np.logaddexp(0.0, logits[:, i])
        M[:, i] = 1.0
    return ll
