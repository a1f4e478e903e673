"""Maximum mean discrepancy with a mixture of Gaussian kernels (§20.10.5).

The core that both the evaluation layer (``evaluation.mmd_test``, a
two-sample test) and the models trained by moment matching (``GMMN``) or
scored by it (``GAN.score``) need, so it lives below both of them.

The kernel is a sum of Gaussian kernels of several bandwidths ``s``::

    k(x, y) = sum_s exp(-|x - y|^2 / (2 s^2))

(Li et al. 2015 use such a mixture so that no single bandwidth has to be
tuned). :func:`mmd2_unbiased` is the unbiased estimate of the squared MMD of
Gretton et al. (2012); with ``grad=True`` it also returns its gradient with
respect to the first sample, which is what a generator trained by moment
matching back-propagates.
"""

import numpy as np
from sklearn.metrics.pairwise import euclidean_distances

__all__ = ["gaussian_kernel", "median_distance", "mmd2_unbiased"]


def median_distance(Z, rng, max_points=1000):
    """Median Euclidean distance between distinct rows of ``Z``.

    On at most ``max_points`` rows drawn by ``rng`` (without replacement);
    pairs at distance zero are ignored; 1.0 when no pair is left. The median
    heuristic for a Gaussian kernel's bandwidth.
    """
    if Z.shape[0] > max_points:
        Z = Z[rng.choice(Z.shape[0], max_points, replace=False)]
    d = euclidean_distances(Z)
    d = d[np.triu_indices_from(d, k=1)]
    d = d[d > 0]
    return float(np.median(d)) if d.size else 1.0


def _check_bandwidths(bandwidths):
    bandwidths = np.atleast_1d(np.asarray(bandwidths, dtype=np.float64))
    if bandwidths.ndim != 1 or bandwidths.size == 0 or not np.all(bandwidths > 0):
        raise ValueError(f"bandwidths must be positive numbers; got {bandwidths!r}.")
    return bandwidths


def _kernels(sq_dists, bandwidths, *, weighted=False):
    """``sum_s exp(-d / (2 s^2))`` and, if ``weighted``, also ``sum_s exp(...) / s^2``."""
    K = W = None
    for s in bandwidths:
        term = np.exp(-sq_dists / (2 * s**2))
        # the first term is assigned, not added to zeros: with one bandwidth
        # the matrix is bit for bit the single Gaussian kernel
        K = term if K is None else K + term
        if weighted:
            W = term / s**2 if W is None else W + term / s**2
    return (K, W) if weighted else K


def gaussian_kernel(X, Y=None, bandwidths=1.0):
    """The mixture-of-Gaussians kernel matrix ``sum_s exp(-|x_i - y_j|^2 / (2 s^2))``.

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
    Y : ndarray of shape (m, n_features) or None
        None means ``X`` (then the squared distances on the diagonal are
        exactly zero).
    bandwidths : float or array-like of float
        The bandwidths ``s`` (kernel standard deviations), all positive.

    Returns
    -------
    K : ndarray of shape (n, m)
    """
    return _kernels(euclidean_distances(X, Y, squared=True), _check_bandwidths(bandwidths))


def _off_diagonal_sum(K):
    return K.sum() - np.trace(K)


#: Rows per block of the kernel sums of the value-only MMD (bounded memory).
_BLOCK_ROWS = 1024


def _kernel_sum(A, B, bandwidths, *, same):
    """``sum_{i, j} k(a_i, b_j)`` (over ``i != j`` when ``same``), by blocks
    of rows of ``A`` so that memory stays ``O(_BLOCK_ROWS * len(B))``."""
    total = 0.0
    for start in range(0, A.shape[0], _BLOCK_ROWS):
        K = _kernels(euclidean_distances(A[start:start + _BLOCK_ROWS], B, squared=True),
                     bandwidths)
        total += float(K.sum())
    if same:  # the diagonal: k(a, a) = one per bandwidth
        total -= A.shape[0] * len(bandwidths)
    return total


def mmd2_unbiased(X, Y, bandwidths, *, grad=False):
    """Unbiased estimate of the squared MMD between samples ``X`` and ``Y``.

    ``MMD^2_u = sum_{i != j} k(x_i, x_j) / (n (n - 1))
    + sum_{i != j} k(y_i, y_j) / (m (m - 1)) - 2 sum_{i, j} k(x_i, y_j) / (n m)``
    (Gretton et al. 2012, eq. 3) with the kernel of :func:`gaussian_kernel`.
    It is zero in expectation when both samples come from one distribution
    (and can then be slightly negative).

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
        ``n >= 2``; e.g. samples of a generator.
    Y : ndarray of shape (m, n_features)
        ``m >= 2``; e.g. data.
    bandwidths : float or array-like of float
    grad : bool, default=False
        Also return the gradient of ``MMD^2_u`` with respect to ``X`` (then
        the three kernel matrices are held in memory; without it the sums
        are taken by blocks of rows, in memory linear in ``n + m``).

    Returns
    -------
    mmd2 : float
    grad_X : ndarray of shape (n, n_features)
        Only with ``grad=True``:
        ``d/dx_a = 2/(n(n-1)) sum_j W(x_a, x_j)(x_j - x_a)
        - 2/(nm) sum_j W(x_a, y_j)(y_j - x_a)`` with
        ``W = sum_s exp(-|x - y|^2 / (2 s^2)) / s^2``.
    """
    n, m = X.shape[0], Y.shape[0]
    if n < 2 or m < 2:
        raise ValueError(f"the unbiased MMD needs at least 2 rows in each sample; got {n} and {m}.")
    bandwidths = _check_bandwidths(bandwidths)
    if not grad:
        return (_kernel_sum(X, X, bandwidths, same=True) / (n * (n - 1))
                + _kernel_sum(Y, Y, bandwidths, same=True) / (m * (m - 1))
                - 2.0 * _kernel_sum(X, Y, bandwidths, same=False) / (n * m))
    d_xx = euclidean_distances(X, squared=True)
    d_yy = euclidean_distances(Y, squared=True)
    d_xy = euclidean_distances(X, Y, squared=True)
    K_yy = _kernels(d_yy, bandwidths)
    K_xx, W_xx = _kernels(d_xx, bandwidths, weighted=True)
    K_xy, W_xy = _kernels(d_xy, bandwidths, weighted=True)
    mmd2 = float(
        _off_diagonal_sum(K_xx) / (n * (n - 1)) + _off_diagonal_sum(K_yy) / (m * (m - 1))
        - 2.0 * K_xy.sum() / (n * m)
    )
    # sum_j W_aj (z_j - x_a) = (W Z)_a - rowsum(W)_a x_a (the diagonal term
    # of W_xx multiplies x_a - x_a = 0, so it needs no removal)
    g_xx = W_xx @ X - W_xx.sum(axis=1, keepdims=True) * X
    g_xy = W_xy @ Y - W_xy.sum(axis=1, keepdims=True) * X
    grad_X = (2.0 / (n * (n - 1))) * g_xx - (2.0 / (n * m)) * g_xy
    return mmd2, grad_X.astype(X.dtype, copy=False)
