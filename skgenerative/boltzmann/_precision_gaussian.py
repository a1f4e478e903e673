"""Gaussian draws given a precision matrix per row: the ``x`` step of block
Gibbs sampling in the mPoT and the mcRBM (§20.5.2), where ``x`` given the
hidden units is Gaussian with a non-diagonal precision (eq. 20.47)."""

import numpy as np
from scipy.linalg import solve_triangular

__all__ = ["ROWS_PER_BLOCK", "gaussian_from_precision", "gaussian_log_integral"]

#: Rows whose ``(d, d)`` precision matrices are built and factorised at once
#: (bounds the memory of a block to ``ROWS_PER_BLOCK * d * d`` floats).
ROWS_PER_BLOCK = 256

#: Largest dimension solved by NumPy's batched LU instead of SciPy's
#: triangular solve (speed only).
_SMALL = 16


def gaussian_from_precision(prec, linear, rng):
    """One draw ``x_n ~ N(P_n^-1 m_n, P_n^-1)`` per row.

    Parameters
    ----------
    prec : ndarray of shape (n, d, d)
        Symmetric positive definite precisions ``P_n`` (float64).
    linear : ndarray of shape (n, d)
        Linear terms ``m_n`` of the log-density ``-x'P x / 2 + m.x``.
    rng : numpy.random.Generator

    Returns
    -------
    x : ndarray of shape (n, d), float64
        With ``P = L L'`` (Cholesky), ``x = L'^-1 (L^-1 m + eps)``,
        ``eps ~ N(0, I)``: mean ``P^-1 m``, covariance ``L'^-1 L^-1 = P^-1``.
    """
    L = np.linalg.cholesky(prec)
    y = _solve(L, linear, lower=True)
    y += rng.standard_normal(y.shape)
    return _solve(np.swapaxes(L, 1, 2), y, lower=False)


def gaussian_log_integral(prec, linear):
    """``log int exp(-x'P_n x / 2 + m_n.x) dx - (d / 2) log(2 pi)`` per row:
    ``m'P^-1 m / 2 - log|P| / 2``, the ``x`` integrated out of an energy
    quadratic in ``x`` (``prec`` (n, d, d) symmetric positive definite,
    float64; ``linear`` (n, d)). ``LinAlgError`` when a ``P_n`` is not
    positive definite."""
    L = np.linalg.cholesky(prec)
    y = np.linalg.solve(L, linear[:, :, None])[:, :, 0]
    log_det = 2.0 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
    return 0.5 * np.sum(y * y, axis=1) - 0.5 * log_det


def _solve(T, b, *, lower):
    """``T^-1 b`` row by row for triangular ``T`` (n, d, d). SciPy's batched
    triangular solve loops over the batch in Python, slow for many small
    matrices; NumPy's batched LU solve is quick there (the same answer)."""
    if T.shape[1] <= _SMALL:
        return np.linalg.solve(T, b[..., None])[..., 0]
    return solve_triangular(T, b[..., None], lower=lower, check_finite=False)[..., 0]
