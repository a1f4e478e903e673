"""Monte Carlo estimates of log-likelihoods and their standard errors.

Importance-sampled scores (VAE, IWAE, sigmoid belief nets; AIS weights of the
Boltzmann models) estimate ``log p(x)`` by ``log mean_j w_j`` over ``k``
importance weights. Every such score can report its standard error the same
way, by the delta method: the mean of the weights has standard error
``sqrt(var(w) / k)``, and ``d log m / d m = 1 / m``, so

    std(log mean w) ~= sqrt(var(w) / k) / mean(w).

The ratio does not change when every weight is multiplied by the same
constant, so it is computed on ``exp(log_w - max log_w)`` in float64: no
overflow, and no underflow of the largest weights.
"""

import numpy as np

__all__ = ["log_mean_exp_and_std"]


def log_mean_exp_and_std(log_w, axis=0):
    """``log mean(exp(log_w))`` along ``axis`` and its delta-method standard error.

    Parameters
    ----------
    log_w : array-like
        Log importance weights; ``axis`` runs over the ``k`` weights of one
        estimate (any dtype; computed in float64).
    axis : int, default=0

    Returns
    -------
    log_mean : ndarray of float64
        ``log (1/k) sum_j exp(log_w_j)``, with ``axis`` removed.
    std : ndarray of float64
        ``sqrt(var(w) / k) / mean(w)`` (``var`` with ``ddof=0``), the
        estimated standard error of ``log_mean`` as an estimate of the log of
        the weights' expectation. 0 when all weights are equal (in
        particular ``k = 1``, where the spread is unknown: ask for more
        samples), ``inf`` where every weight is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.utils._monte_carlo import log_mean_exp_and_std
    >>> log_mean, std = log_mean_exp_and_std(np.log([[1.0], [3.0]]))
    >>> float(np.exp(log_mean[0])), float(std[0])
    (2.0, 0.3535533905932738)
    """
    log_w = np.asarray(log_w, dtype=np.float64)
    k = log_w.shape[axis]
    m = log_w.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    w = np.exp(log_w - m)
    total = w.sum(axis=axis, keepdims=True)
    mean = np.squeeze(total, axis=axis) / k
    spread = np.sqrt(w.var(axis=axis) / k)
    with np.errstate(divide="ignore", invalid="ignore"):  # all weights 0: -inf, inf
        # the same operations, in the same order, as nn.logsumexp_rows - log k
        log_mean = np.squeeze(m + np.log(total), axis=axis) - np.log(k)
        std = np.where(mean > 0, spread / mean, np.inf)
    return log_mean, std
