"""Approximate Bayesian computation for samples (§20.13): reject or reweight
a model's samples so that the means of chosen statistics match the data's
(Rubin, 1984; Bachman & Precup, 2015).
"""

import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

from ..utils.random import check_generator

__all__ = ["abc_adjust"]


def _tilting_weights(S, target):
    """The weights of least KL divergence from uniform whose weighted mean of
    the statistics ``S`` is ``target``: ``w_i ~ exp(lambda . s_i)`` with
    ``lambda`` minimising the convex dual ``log sum_i exp(lambda . s_i) -
    lambda . target``."""
    scale = S.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (S - target) / scale  # standardised, centred at the target

    def dual(lam):
        a = Z @ lam
        w = softmax(a)
        return logsumexp(a), Z.T @ w

    # an unreachable target makes the dual unbounded: the search runs off
    # (overflow warnings), and the check below reports it
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        res = minimize(dual, np.zeros(S.shape[1]), jac=True, method="BFGS",
                       options={"gtol": 1e-10, "maxiter": 200})
        w = softmax(Z @ res.x)
    if not np.all(np.isfinite(w)) or np.max(np.abs(Z.T @ w)) > 1e-4:
        raise ValueError(
            "abc_adjust: no weighting of these samples matches the target "
            "statistics (the target lies outside, or on the edge of, the range "
            "the samples' statistics span); draw more or broader samples."
        )
    return w


def abc_adjust(samples, statistics, target, *, method="reweight", random_state=None):
    """Reject or reweight samples so that chosen statistics match a target.

    Approximate Bayesian computation as in §20.13: instead of training a
    model to emit samples with the right moments, the samples themselves are
    adjusted. The weights are the exponential tilting ``w_i ~ exp(lambda .
    s(x_i))`` of least KL divergence from the uniform weights under which the
    weighted mean of the statistics ``s`` equals ``target`` exactly;
    ``"reject"`` keeps each sample with probability ``w_i / max_j w_j``
    (rejection sampling from the tilted distribution).

    Parameters
    ----------
    samples : array-like of shape (n_samples, n_features)
        E.g. draws of a generative model's chain.
    statistics : callable
        ``statistics(samples) -> array of shape (n_samples, n_statistics)``
        (or ``(n_samples,)``), the per-sample functions whose means should
        match, e.g. pixel means or the count of active units.
    target : array-like of shape (n_statistics,)
        The desired means, typically ``statistics(X_train).mean(axis=0)``.
    method : {"reweight", "reject"}, default="reweight"
    random_state : None, int or Generator
        The acceptance draws of ``"reject"``.

    Returns
    -------
    weights : ndarray of shape (n_samples,)
        With ``"reweight"``: non-negative, summing to 1.
    accepted : ndarray of shape (n_accepted, n_features)
        With ``"reject"``: the kept samples, in their order.

    Raises
    ------
    ValueError
        When no weighting of the samples reaches the target.

    References
    ----------
    Rubin, D. B. (1984). Bayesianly justifiable and relevant frequency
    calculations for the applied statistician. Annals of Statistics.
    Bachman, P. and Precup, D. (2015). Variational generative stochastic
    networks with collaborative shaping. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.denoising import abc_adjust
    >>> x = np.random.default_rng(0).standard_normal((5000, 1))
    >>> w = abc_adjust(x, lambda s: s, [0.5])
    >>> round(float(w @ x[:, 0]), 6)
    0.5
    """
    if method not in ("reweight", "reject"):
        raise ValueError(f"method must be 'reweight' or 'reject'; got {method!r}.")
    samples = np.asarray(samples)
    S = np.asarray(statistics(samples), dtype=np.float64)
    S = S.reshape(S.shape[0], -1)
    target = np.asarray(target, dtype=np.float64).reshape(-1)
    if S.shape[0] != samples.shape[0] or S.shape[1] != target.shape[0]:
        raise ValueError(
            f"statistics(samples) must have shape ({samples.shape[0]}, {target.shape[0]}) "
            f"to match target; got {S.shape}."
        )
    if not (np.all(np.isfinite(S)) and np.all(np.isfinite(target))):
        raise ValueError("The statistics and the target must be finite.")
    w = _tilting_weights(S, target)
    if method == "reweight":
        return w
    keep = check_generator(random_state).random(w.shape[0]) < w / w.max()
    return samples[keep]
