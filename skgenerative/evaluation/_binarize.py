"""Binarization helpers for data in [0, 1].

Likelihoods measured on different binarizations are not comparable (§20.14
of the spec): a thresholded MNIST, a stochastic binarization drawn once, one
redrawn at every epoch, and the fixed file of Larochelle & Murray (2011,
:func:`skgenerative.datasets.fetch_binarized_mnist`) give likelihoods that
differ by tens of nats for the same model class. Report which one you used,
and compare models only on the same bits.
"""

import numpy as np

from ..utils.random import check_generator

__all__ = ["binarize_stochastic", "binarize_threshold"]


def _check_unit_interval(X, name="X"):
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric; got dtype {X.dtype}.")
    if X.dtype.kind == "f" and not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return X


def _out_dtype(X):
    return X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)


def binarize_threshold(X, threshold=0.5):
    """Binary pixels: 1 where ``X > threshold``, else 0.

    Deterministic, and *not* the binarization of the literature's MNIST
    likelihood figures (those use a stochastic binarization drawn once and
    shared as a file): likelihoods on thresholded data are not comparable
    with them.

    Parameters
    ----------
    X : array-like
        Data, typically grey levels scaled to [0, 1].
    threshold : float, default=0.5

    Returns
    -------
    X_bin : ndarray
        Same shape; float32 for float32 input, else float64.

    Examples
    --------
    >>> from skgenerative.evaluation import binarize_threshold
    >>> binarize_threshold([[0.2, 0.7]])
    array([[0., 1.]])
    """
    X = _check_unit_interval(X)
    return (X > threshold).astype(_out_dtype(X))


def binarize_stochastic(X, *, random_state=None):
    """Binary pixels drawn as Bernoulli(``X``): each pixel is 1 with probability
    equal to its grey level.

    Draw it **once** and keep the result (or use the shared fixed
    binarization) when likelihoods are to be compared: redrawing changes
    the data set, and likelihoods on a redrawn binarization, or one redrawn
    every epoch, differ from the fixed one.

    Parameters
    ----------
    X : array-like
        Probabilities in [0, 1].
    random_state : None, int, numpy.random.RandomState or Generator
        Fixes the draw.

    Returns
    -------
    X_bin : ndarray
        Same shape; float32 for float32 input, else float64.

    Examples
    --------
    >>> from skgenerative.evaluation import binarize_stochastic
    >>> binarize_stochastic([[0.0, 1.0]], random_state=0)
    array([[0., 1.]])
    """
    X = _check_unit_interval(X)
    if X.size and (X.min() < 0 or X.max() > 1):
        raise ValueError(
            f"binarize_stochastic needs probabilities in [0, 1]; X has values in "
            f"[{X.min():.4g}, {X.max():.4g}]. Scale it first (e.g. X / 255 or "
            "sklearn.preprocessing.MinMaxScaler)."
        )
    rng = check_generator(random_state)
    return (rng.random(X.shape) < X).astype(_out_dtype(X))
