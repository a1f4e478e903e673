"""Checks on samples: nearest training examples, MMD two-sample test, Parzen windows.

None of these is a likelihood. The nearest-neighbour check detects a model
that copies its training set (§20.14); MMD tests whether samples and held-out
data could come from the same distribution; the Parzen-window estimate is
provided because papers report it, with the caveats in its docstring.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.neighbors import NearestNeighbors

from ..nn._mmd import gaussian_kernel, median_distance as _median_bandwidth
from ..utils.random import check_generator

__all__ = [
    "MMDResult",
    "NearestNeighborsCheck",
    "mmd_test",
    "nearest_neighbors_check",
    "parzen_bandwidth",
    "parzen_log_likelihood",
    "plot_nearest_neighbors",
]


def _as_2d(X, name):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array; got shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return X


def _same_width(X, Y, names):
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"{names[0]} has {X.shape[1]} features but {names[1]} has {Y.shape[1]}."
        )


# ---------------------------------------------------------------------------
# nearest neighbours


@dataclass(frozen=True)
class NearestNeighborsCheck:
    """The training examples nearest to each sample.

    Attributes
    ----------
    indices : ndarray of shape (n_samples, n_neighbors)
        Rows of the training set, nearest first.
    distances : ndarray of shape (n_samples, n_neighbors)
        Euclidean distances.
    copy_fraction : float
        Fraction of samples whose nearest training example is at distance
        ``<= copy_tol``: exact (or near) copies of the training set.
    reference_distances : ndarray of shape (n_heldout,) or None
        Distances from each held-out example to its nearest training
        example, if held-out data were given: what "new but realistic" looks
        like. Samples much closer than this suggest memorisation.
    """

    indices: np.ndarray
    distances: np.ndarray
    copy_fraction: float
    reference_distances: object = None

    def summary(self):
        """One line: median nearest distance of samples (and of held-out data)."""
        text = (f"median distance to nearest training example: "
                f"{np.median(self.distances[:, 0]):.4g} (samples)")
        if self.reference_distances is not None:
            text += f", {np.median(self.reference_distances):.4g} (held-out data)"
        return text + f"; copies: {100 * self.copy_fraction:.1f}%"


def nearest_neighbors_check(samples, X_train, *, n_neighbors=1, X_heldout=None,
                            copy_tol=1e-8):
    """Find the training examples nearest to each sample (Euclidean distance).

    A model that only reproduces training examples produces good-looking
    samples and overfits (§20.14, figure 16.1 of the book). Show each sample
    next to its nearest training examples (:func:`plot_nearest_neighbors`)
    and compare the distances with those of held-out data.

    Parameters
    ----------
    samples : array-like of shape (n_samples, n_features)
    X_train : array-like of shape (n_train, n_features)
    n_neighbors : int, default=1
    X_heldout : array-like of shape (n_heldout, n_features), default=None
        Held-out data from the training distribution, as a reference.
    copy_tol : float, default=1e-8
        Distance at or below which a sample counts as a copy.

    Returns
    -------
    check : NearestNeighborsCheck
    """
    samples = _as_2d(samples, "samples")
    X_train = _as_2d(X_train, "X_train")
    _same_width(samples, X_train, ("samples", "X_train"))
    if not 1 <= n_neighbors <= X_train.shape[0]:
        raise ValueError(f"n_neighbors must be in [1, {X_train.shape[0]}]; got {n_neighbors}.")
    nn = NearestNeighbors(n_neighbors=n_neighbors).fit(X_train)
    distances, indices = nn.kneighbors(samples)
    reference = None
    if X_heldout is not None:
        X_heldout = _as_2d(X_heldout, "X_heldout")
        _same_width(X_heldout, X_train, ("X_heldout", "X_train"))
        reference = nn.kneighbors(X_heldout, n_neighbors=1)[0][:, 0]
    return NearestNeighborsCheck(
        indices=indices,
        distances=distances,
        copy_fraction=float(np.mean(distances[:, 0] <= copy_tol)),
        reference_distances=reference,
    )


def plot_nearest_neighbors(samples, X_train, check=None, *, image_shape, n_show=8,
                           n_neighbors=3, cmap="gray", fig=None):
    """Picture: each sample (first column) next to its nearest training examples.

    Needs matplotlib (imported here, not at package import).

    Parameters
    ----------
    samples, X_train : array-like
        As in :func:`nearest_neighbors_check`.
    check : NearestNeighborsCheck, default=None
        Reuse a computed check; ``None`` computes one with ``n_neighbors``.
    image_shape : tuple of int
        Shape of one image, e.g. ``(28, 28)``.
    n_show : int, default=8
        Number of samples (rows) shown.
    n_neighbors : int, default=3
        Neighbours per sample shown (at most those in ``check``).
    cmap : str, default="gray"
    fig : matplotlib Figure, default=None
        Draw into this figure (cleared), else a new one.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    samples = _as_2d(samples, "samples")
    X_train = _as_2d(X_train, "X_train")
    if check is None:
        check = nearest_neighbors_check(samples, X_train, n_neighbors=n_neighbors)
    n_show = min(n_show, samples.shape[0])
    n_neighbors = min(n_neighbors, check.indices.shape[1])
    if fig is None:
        fig = plt.figure(figsize=(1.2 * (n_neighbors + 1), 1.2 * n_show))
    else:
        fig.clear()
    axes = fig.subplots(n_show, n_neighbors + 1, squeeze=False)
    for row in range(n_show):
        images = [samples[row]] + [X_train[i] for i in check.indices[row, :n_neighbors]]
        for col, image in enumerate(images):
            ax = axes[row, col]
            ax.imshow(image.reshape(image_shape), cmap=cmap, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if col > 0:
                ax.set_xlabel(f"{check.distances[row, col - 1]:.2f}", fontsize=7)
    axes[0, 0].set_title("sample", fontsize=8)
    for col in range(1, n_neighbors + 1):
        axes[0, col].set_title(f"train NN {col}", fontsize=8)
    return fig


# ---------------------------------------------------------------------------
# MMD


@dataclass(frozen=True)
class MMDResult:
    """Result of :func:`mmd_test`.

    Attributes
    ----------
    mmd2 : float
        Unbiased estimate of the squared MMD (can be slightly negative when
        the distributions are equal).
    p_value : float
        Permutation p-value of the null hypothesis "same distribution":
        ``(1 + #{null >= mmd2}) / (1 + n_permutations)``.
    bandwidth : float
        Gaussian kernel bandwidth used.
    null_distribution : ndarray of shape (n_permutations,)
        ``mmd2`` of the permuted samples.
    """

    mmd2: float
    p_value: float
    bandwidth: float
    null_distribution: np.ndarray = field(repr=False)


def mmd_test(X, Y, *, bandwidth="median", n_permutations=500, random_state=None):
    """Two-sample test by the maximum mean discrepancy (Gretton et al. 2012).

    Typical use: ``X`` samples of the model, ``Y`` held-out data. The
    Gaussian kernel ``k(x, y) = exp(-|x - y|^2 / (2 bandwidth^2))``, the
    unbiased estimator ``MMD^2_u`` and a permutation test of the pooled
    samples.

    Parameters
    ----------
    X : array-like of shape (n, n_features)
    Y : array-like of shape (m, n_features)
        ``n, m >= 2``.
    bandwidth : "median" or float, default="median"
        ``"median"``: the median distance between distinct pooled points
        (median heuristic; on at most 1,000 random points).
    n_permutations : int, default=500
    random_state : None, int, numpy.random.RandomState or Generator

    Returns
    -------
    result : MMDResult

    Notes
    -----
    Memory and time grow as ``(n + m)^2``: a few thousand points in total.

    References
    ----------
    .. [1] A. Gretton, K. Borgwardt, M. Rasch, B. Schölkopf and A. Smola,
       "A kernel two-sample test", JMLR 13, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.evaluation import mmd_test
    >>> rng = np.random.default_rng(0)
    >>> result = mmd_test(rng.normal(size=(100, 2)), rng.normal(1, 1, (100, 2)),
    ...                   random_state=0)
    >>> bool(result.p_value < 0.01)
    True
    """
    X = _as_2d(X, "X")
    Y = _as_2d(Y, "Y")
    _same_width(X, Y, ("X", "Y"))
    n, m = X.shape[0], Y.shape[0]
    if n < 2 or m < 2:
        raise ValueError("mmd_test needs at least 2 rows in X and in Y.")
    n_permutations = int(n_permutations)
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be >= 1; got {n_permutations}.")
    rng = check_generator(random_state)
    Z = np.vstack([X, Y])
    if isinstance(bandwidth, str):
        if bandwidth != "median":
            raise ValueError(f"bandwidth must be 'median' or a float; got {bandwidth!r}.")
        bandwidth = _median_bandwidth(Z, rng)
    bandwidth = float(bandwidth)
    if not bandwidth > 0:
        raise ValueError(f"bandwidth must be positive; got {bandwidth}.")
    K = gaussian_kernel(Z, bandwidths=bandwidth)
    np.fill_diagonal(K, 0.0)
    row_sums = K.sum(axis=1)
    total = row_sums.sum()

    def mmd2(masks):
        # masks: (N, P) indicators of the "X" rows; sums over distinct pairs
        s_xx = np.einsum("ip,ip->p", masks, K @ masks)
        s_x_all = row_sums @ masks
        s_yy = total - 2 * s_x_all + s_xx
        s_xy = s_x_all - s_xx
        return s_xx / (n * (n - 1)) + s_yy / (m * (m - 1)) - 2 * s_xy / (n * m)

    observed = float(mmd2(np.r_[np.ones(n), np.zeros(m)][:, None])[0])
    null = np.empty(n_permutations)
    base = np.r_[np.ones(n), np.zeros(m)]
    for start in range(0, n_permutations, 100):
        stop = min(start + 100, n_permutations)
        masks = np.stack([rng.permutation(base) for _ in range(stop - start)], axis=1)
        null[start:stop] = mmd2(masks)
    p_value = (1.0 + np.sum(null >= observed)) / (1.0 + n_permutations)
    return MMDResult(mmd2=observed, p_value=float(p_value), bandwidth=bandwidth,
                     null_distribution=null)


# ---------------------------------------------------------------------------
# Parzen windows


def parzen_log_likelihood(samples, X, *, bandwidth, batch_size=1000):
    """Parzen-window (Gaussian kernel density) log-density of ``X`` under ``samples``.

    ``log p(x) = logsumexp_i(-|x - s_i|^2 / (2 sigma^2)) - log n - d/2 log(2 pi sigma^2)``.

    **Reported, never recommended.** Papers on GANs and GSNs report this
    number, so it is here to reproduce them; it is not a measure of the
    model's likelihood:

    * in high dimension it is far from the true log-likelihood, even with
      millions of samples, and it can rank models in the opposite order of
      their likelihoods (Theis, van den Oord & Bethge 2016);
    * a model that returns its training set can score well;
    * it is a density on real space: on binary data it is not comparable
      with the log-probabilities of binary models (see §20.14), and it
      depends strongly on ``bandwidth``, which must be chosen on a
      validation set (:func:`parzen_bandwidth`), never on the test set.

    Parameters
    ----------
    samples : array-like of shape (n_samples, n_features)
        Samples of the model (the kernel centres).
    X : array-like of shape (n_eval, n_features)
        Points to evaluate, e.g. test data.
    bandwidth : float
        Kernel standard deviation ``sigma``.
    batch_size : int, default=1000
        Rows of ``X`` per block (memory ``batch_size * n_samples``).

    Returns
    -------
    log_density : ndarray of shape (n_eval,)
        In nats.

    References
    ----------
    .. [1] L. Theis, A. van den Oord and M. Bethge, "A note on the
       evaluation of generative models", ICLR 2016.
    """
    samples = _as_2d(samples, "samples")
    X = _as_2d(X, "X")
    _same_width(samples, X, ("samples", "X"))
    bandwidth = float(bandwidth)
    if not bandwidth > 0:
        raise ValueError(f"bandwidth must be positive; got {bandwidth}.")
    n, d = samples.shape
    const = -math.log(n) - 0.5 * d * math.log(2 * math.pi * bandwidth**2)
    out = np.empty(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        sq = euclidean_distances(X[start:start + batch_size], samples, squared=True)
        out[start:start + batch_size] = logsumexp(-sq / (2 * bandwidth**2), axis=1) + const
    return out


def parzen_bandwidth(samples, X_val, bandwidths=None):
    """The bandwidth that maximises the mean Parzen log-density of ``X_val``.

    Parameters
    ----------
    samples : array-like of shape (n_samples, n_features)
    X_val : array-like of shape (n_val, n_features)
        Validation data (not the test set).
    bandwidths : array-like, default=None
        Candidates; ``None`` means 20 values log-spaced in [0.03, 1] times the
        median distance from the validation points to the samples.

    Returns
    -------
    bandwidth : float
    scores : ndarray
        Mean validation log-density of each candidate.
    """
    samples = _as_2d(samples, "samples")
    X_val = _as_2d(X_val, "X_val")
    if bandwidths is None:
        scale = float(np.median(euclidean_distances(X_val[:500], samples[:500])))
        bandwidths = np.logspace(np.log10(0.03), 0.0, 20) * max(scale, 1e-12)
    bandwidths = np.asarray(bandwidths, dtype=np.float64).ravel()
    scores = np.array([parzen_log_likelihood(samples, X_val, bandwidth=s).mean()
                       for s in bandwidths])
    return float(bandwidths[np.argmax(scores)]), scores
