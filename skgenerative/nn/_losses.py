"""Likelihood heads and losses.

A *head* turns a network's linear output into a distribution over the data:
:class:`BernoulliHead` (output = logits) and :class:`GaussianHead` (output =
``[mean, s]`` with variance ``min_variance + softplus(s)``). Each gives the
per-row log-likelihood in nats (summed over features, accumulated in float64)
and its gradient w.r.t. the output, plus the mean and a sampler.

Losses (to minimise) return ``(loss per row, d sum(loss) / d output)``.
"""

import numpy as np

from ._activations import sigmoid, softplus
from ._kernels import _bernoulli_loglik, _bernoulli_loglik_grad

__all__ = [
    "BernoulliHead",
    "GaussianHead",
    "make_head",
    "bernoulli_log_likelihood",
    "gaussian_log_likelihood",
    "softmax",
    "softmax_cross_entropy",
    "squared_error",
    "logsumexp_rows",
]

_LOG_2PI = float(np.log(2 * np.pi))


def bernoulli_log_likelihood(X, logits, *, grad=False):
    """``sum_j x_j z_j - softplus(z_j)`` per row (float64).

    With ``grad=True`` also returns ``X - sigmoid(logits)`` (dtype of ``logits``),
    the gradient of the summed log-likelihood w.r.t. the logits.
    """
    X = np.ascontiguousarray(X, dtype=logits.dtype)
    logits = np.ascontiguousarray(logits)
    if not grad:
        return _bernoulli_loglik(X, logits)
    g = np.empty_like(logits)
    ll = _bernoulli_loglik_grad(X, logits, g)
    return ll, g


def gaussian_log_likelihood(X, mean, var, *, grad=False):
    """Diagonal-Gaussian log density per row (float64).

    With ``grad=True`` also returns the gradients w.r.t. ``mean`` and ``var``.
    """
    diff = X - mean
    sq = diff * diff
    ll = -0.5 * (_LOG_2PI + np.log(var) + sq / var)
    ll = ll.sum(axis=1, dtype=np.float64)
    if not grad:
        return ll
    return ll, diff / var, 0.5 * (sq / var - 1.0) / var


class BernoulliHead:
    """Independent Bernoulli outputs parametrised by logits (eq. 20.74).

    ``n_outputs(n_features) == n_features``.
    """

    name = "bernoulli"

    def n_outputs(self, n_features):
        return n_features

    def log_likelihood(self, X, out):
        return bernoulli_log_likelihood(X, out)

    def log_likelihood_grad(self, X, out):
        """``(log p(X | out) per row, d sum log p / d out)``."""
        return bernoulli_log_likelihood(X, out, grad=True)

    def mean(self, out):
        return sigmoid(out)

    def sample(self, out, rng):
        p = sigmoid(out)
        return (rng.random(p.shape) < p).astype(out.dtype)

    def base_rate_bias(self, mean, var):
        """Output bias giving every unit the data's mean: the logit of the
        (clipped) per-feature ``mean``; ``var`` is not used."""
        m = np.clip(mean, 1e-3, 1 - 1e-3)
        return np.log(m) - np.log1p(-m)


class GaussianHead:
    """Diagonal Gaussian outputs: ``out = [mean, s]``, ``var = min_variance + softplus(s)``.

    The variance floor keeps the density finite on constant features (§20.14).
    ``n_outputs(n_features) == 2 * n_features``.
    """

    name = "gaussian"

    def __init__(self, min_variance=1e-3):
        self.min_variance = float(min_variance)

    def n_outputs(self, n_features):
        return 2 * n_features

    def _split(self, out):
        d = out.shape[1] // 2
        mean, s = out[:, :d], out[:, d:]
        return mean, s, self.min_variance + softplus(s)

    def log_likelihood(self, X, out):
        mean, _, var = self._split(out)
        return gaussian_log_likelihood(X, mean, var)

    def log_likelihood_grad(self, X, out):
        mean, s, var = self._split(out)
        ll, g_mean, g_var = gaussian_log_likelihood(X, mean, var, grad=True)
        grad = np.concatenate([g_mean, g_var * sigmoid(s)], axis=1).astype(out.dtype, copy=False)
        return ll, grad

    def mean(self, out):
        return out[:, : out.shape[1] // 2].copy()

    def variance(self, out):
        return self._split(out)[2]

    def sample(self, out, rng):
        mean, _, var = self._split(out)
        return (mean + np.sqrt(var) * rng.standard_normal(mean.shape)).astype(out.dtype)

    def base_rate_bias(self, mean, var):
        """Output bias giving every unit the data's per-feature ``mean`` and
        ``var`` (above the variance floor): ``[mean, softplus^-1(var - floor)]``."""
        excess = np.maximum(var - self.min_variance, 1e-3)
        return np.concatenate([mean, np.log(np.expm1(excess))])


def make_head(name, *, min_variance=1e-3):
    if name == "bernoulli":
        return BernoulliHead()
    if name == "gaussian":
        return GaussianHead(min_variance)
    raise ValueError(f"Unknown likelihood {name!r}; use 'bernoulli' or 'gaussian'.")


def softmax(logits):
    """Row-wise softmax with max shift."""
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def logsumexp_rows(a):
    """``log sum_j exp(a_ij)`` per row, in float64, with max shift."""
    a = np.asarray(a, dtype=np.float64)
    m = a.max(axis=1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return (m + np.log(np.exp(a - m).sum(axis=1, keepdims=True)))[:, 0]


def softmax_cross_entropy(logits, y):
    """Classification loss for a softmax output.

    Parameters
    ----------
    logits : ndarray of shape (n_samples, n_classes)
    y : ndarray of shape (n_samples,) of int class indices, or (n_samples, n_classes)
        one-hot / probability targets.

    Returns
    -------
    loss : ndarray of shape (n_samples,)
        ``-log softmax(logits)[y]`` (float64).
    grad : ndarray like ``logits``
        ``softmax(logits) - onehot(y)``: gradient of ``loss.sum()``.
    """
    logits = np.asarray(logits)
    n, k = logits.shape
    y = np.asarray(y)
    if y.ndim == 1:
        target = np.zeros_like(logits)
        target[np.arange(n), y.astype(np.intp)] = 1
    else:
        target = y.astype(logits.dtype, copy=False)
    log_z = logsumexp_rows(logits)
    loss = log_z - (target * logits).sum(axis=1, dtype=np.float64)
    return loss, softmax(logits.copy()) - target


def squared_error(pred, target):
    """``0.5 * sum_j (pred - target)^2`` per row, and its gradient ``pred - target``."""
    diff = pred - target
    return 0.5 * (diff * diff).sum(axis=1, dtype=np.float64), diff
