"""Input and state validation shared by all estimators."""

import os
import sys
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn

from ..exceptions import OutOfSupportWarning


def resolve_dtype(dtype, X):
    """The compute dtype: ``dtype`` if given, else float32 for float32 input,
    else float64 (scikit-learn's convention).

    Raises
    ------
    ValueError
        If ``dtype`` is given and is not float32 or float64.
    """
    if dtype is None:
        return np.dtype(np.float32 if getattr(X, "dtype", None) == np.float32 else np.float64)
    resolved = np.dtype(dtype)
    if resolved not in (np.float32, np.float64):
        raise ValueError(
            f"dtype must be None, numpy.float32 or numpy.float64; got {dtype!r}."
        )
    return resolved


#: Frames in these folders are the library's own: a warning names the first
#: frame outside them (scikit-learn's too, whose wrappers and meta-estimators
#: call ours).
_INTERNAL_DIRS = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep for module in (sklearn,)
) + (os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,)


def user_stacklevel():
    """The ``stacklevel`` that makes ``warnings.warn`` name the user's line.

    Called by the function that calls ``warnings.warn``: counts the frames
    from that function to the first one outside skgenerative and
    scikit-learn, however deep the call came (``fit`` through the template,
    ``score`` through ``score_samples``, a ``Pipeline`` around the model).
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL_DIRS):
        frame, level = frame.f_back, level + 1
    return level


def is_binary(X):
    """Whether every entry of ``X`` (dense or sparse) is 0 or 1."""
    data = X.data if sp.issparse(X) else np.asarray(X)
    return bool(np.all((data == 0) | (data == 1)))


def warn_if_not_binary(X, *, what="Bernoulli visible units", stacklevel=None):
    """Warn once if ``X`` has values outside [0, 1].

    Values strictly inside (0, 1) are accepted (they are read as probabilities,
    the usual mean-field convention); values outside say the data were not
    scaled. ``stacklevel=None`` names the user's line (:func:`user_stacklevel`).
    """
    data = X.data if sp.issparse(X) else X
    if data.size == 0:
        return
    lo, hi = np.min(data), np.max(data)
    if lo < 0 or hi > 1:
        warnings.warn(
            f"{what} expect values in [0, 1] but X has values in "
            f"[{lo:.4g}, {hi:.4g}]. Scale the data (e.g. "
            "sklearn.preprocessing.MinMaxScaler) or binarize it "
            "(sklearn.preprocessing.Binarizer) first; the results on "
            "unscaled data are not meaningful.",
            OutOfSupportWarning,
            stacklevel=user_stacklevel() if stacklevel is None else stacklevel,
        )


def validation_split(n_samples, fraction, rng, y=None):
    """Row indices of the training and validation sets (the one rule).

    ``max(1, round(fraction * n_samples))`` rows go to validation, drawn by
    one ``rng.permutation(n_samples)``; with class labels ``y`` (classifiers)
    every class gives its share, when each class has at least 2 rows. Both
    index arrays are sorted, so the training rows keep the data's order (what
    ``shuffle=False`` promises).

    Parameters
    ----------
    n_samples : int
    fraction : float in (0, 1)
    rng : numpy.random.Generator
    y : ndarray of int of shape (n_samples,), default=None
        Class codes ``0 .. n_classes - 1`` to stratify on.

    Returns
    -------
    train, val : ndarray of int

    Raises
    ------
    ValueError
        If fewer than 2 rows leave no training row.
    """
    n_val = max(1, int(round(fraction * n_samples)))
    if n_samples - n_val < 1:
        raise ValueError(
            f"early_stopping holds out validation_fraction={fraction} of the rows "
            f"for validation and needs at least 2 samples; got {n_samples}. Use "
            "more data or early_stopping=False."
        )
    perm = rng.permutation(n_samples)
    val = perm[:n_val]
    if y is not None:
        counts = np.bincount(y)
        if counts.min() >= 2 and n_val >= len(counts):
            val = np.concatenate([
                perm[y[perm] == k][: max(1, int(round(fraction * c)))]
                for k, c in enumerate(counts)
            ])
    mask = np.zeros(n_samples, dtype=bool)
    mask[val] = True
    rows = np.arange(n_samples)
    return rows[~mask], rows[mask]


def check_missing_mask(X, mask, n_features, dtype):
    """The data and missing-value mask of an ``impute`` method.

    Returns a copy of ``X`` in ``dtype`` and the boolean ``mask`` (True where
    a value is missing; ``None`` means the NaN entries of ``X``, as
    scikit-learn's imputers). Raises ``ValueError`` unless both have shape
    ``(n_samples, n_features)`` and every observed entry is finite.
    """
    X = np.array(X, dtype=dtype)
    mask = np.isnan(X) if mask is None else np.asarray(mask, dtype=bool)
    if X.ndim != 2 or mask.shape != X.shape or X.shape[1] != n_features:
        raise ValueError(
            f"X and mask must both have shape (n_samples, {n_features}); "
            f"got {X.shape} and {mask.shape}."
        )
    if not np.all(np.isfinite(X[~mask])):
        raise ValueError("Observed entries of X (mask False) must be finite.")
    return X, mask
