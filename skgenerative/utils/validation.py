"""Input and state validation shared by all estimators."""

import warnings

import numpy as np
import scipy.sparse as sp

from ..exceptions import OutOfSupportWarning


def resolve_dtype(dtype, X):
    """The compute dtype: ``dtype`` if given, else float32 for float32 input,
    else float64 (scikit-learn's convention)."""
    if dtype is not None:
        return np.dtype(dtype)
    if getattr(X, "dtype", None) == np.float32:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def warn_if_not_binary(X, *, what="Bernoulli visible units", stacklevel=3):
    """Warn once if ``X`` has values outside [0, 1].

    Values strictly inside (0, 1) are accepted (they are read as probabilities,
    the usual mean-field convention); values outside say the data were not
    scaled.
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
            stacklevel=stacklevel,
        )
