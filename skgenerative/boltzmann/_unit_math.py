"""Array math of the unit types (``_units.py``): log partition functions by
enumeration, the Gaussian standardisation, softmax groups, the support
warnings. Plain functions, array in, array out.
"""

import warnings

import numpy as np
from scipy.special import logsumexp

from ..exceptions import OutOfSupportWarning
from ..utils.validation import user_stacklevel
from . import _kernels
from ._kernels import _categorical as _categorical_kernels

#: Learned precisions (in the standardized space) stay above this: a
#: conditional standard deviation of at most 100 training standard deviations.
_LOG_PRECISION_MIN = float(np.log(1e-4))
#: A fixed precision times the data variance above this means the data are far
#: wider than the model's conditional noise: probably unstandardised data.
_SCALE_MISMATCH = 10.0
#: Clip of the data marginals before the log (Hinton's practical guide).
_MARGINAL_CLIP = 1e-3
_LOG_2PI = float(np.log(2 * np.pi))


def softplus(x):
    """``log(1 + exp(x))`` computed without overflow."""
    return np.logaddexp(0, x)


def _enumeration_blocks(n_enum):
    return 64 if n_enum >= 6 else 1


# --------------------------------------------------------------------------
# exact log Z (enumeration)


def _binary_log_partition(W, b, c):
    """Exact log Z of a binary RBM, enumerating the smaller layer.

    ``W`` is (n_hidden, n_visible). Summing out the other layer analytically:
    ``log Z = logsumexp_h [c.h + sum_j softplus(b_j + (W.T h)_j)]``.
    """
    W = np.ascontiguousarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    if W.shape[0] > W.shape[1]:  # enumerate the visible layer instead
        W, b, c = np.ascontiguousarray(W.T), c, b
    n_enum = W.shape[0]
    return float(_kernels._log_partition_enum(W, b, c, np.empty(0), _enumeration_blocks(n_enum)))


def _gaussian_log_partition(W, b, c, beta):
    """Exact log Z of a Gaussian-Bernoulli RBM, enumerating the hidden layer.

    ``log Z = 1/2 sum_j log(2 pi / beta_j)
    + logsumexp_h [c.h + 1/2 sum_j beta_j ((b + W.T h)_j^2 - b_j^2)]``.
    """
    W = np.ascontiguousarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    log_sum = _kernels._log_partition_enum(W, b, c, beta, _enumeration_blocks(W.shape[0]))
    constant = 0.5 * np.sum(np.log(2 * np.pi / beta)) - 0.5 * np.sum(beta * b * b)
    return float(log_sum + constant)


def _categorical_log_partition(W, b, c, offsets):
    """Exact log Z of an RBM with softmax visible groups, enumerating ``h``.

    ``log Z = logsumexp_h [c.h + sum_f logsumexp_k (b + W.T h)_{f,k}]``.
    """
    W = np.ascontiguousarray(W, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    c = np.ascontiguousarray(c, dtype=np.float64)
    n_blocks = _enumeration_blocks(W.shape[0])
    return float(_categorical_kernels._log_partition_enum_categorical(W, b, c, offsets, n_blocks))


# --------------------------------------------------------------------------
# Gaussian units: free energy, standardisation, precisions


def _gaussian_free_energy(V, W, b, c, beta):
    """``F(v) = 1/2 sum_j beta_j (v_j - b_j)^2 - sum_i softplus(c_i + (W (beta v))_i)``."""
    quadratic = 0.5 * ((V - b) ** 2 @ beta)
    return quadratic - softplus((V * beta) @ W.T + c).sum(axis=1)


def _to_standardized(W, b, c, beta, mean, std):
    """Parameters of the same model for ``z = (v - mean) / std``.

    Returns ``(W_z, b_z, c_z, s_z)`` with ``s_z`` the log-precision of ``z``.
    """
    return (
        W / std,
        (b - mean) / std,
        c + W @ (beta * mean),
        np.log(beta) + 2 * np.log(std),
    )


def _from_standardized(W_z, b_z, c_z, s_z, mean, std):
    """Inverse of :func:`_to_standardized`: returns ``(W, b, c, beta)``."""
    W = W_z * std
    beta = np.exp(s_z) / std**2
    return W, mean + std * b_z, c_z - W @ (beta * mean), beta


def _initial_precision(precision, variance, min_variance):
    """The visible precisions a ``precision`` parameter asks for:
    ``"auto"`` is ``1 / max(variance, min_variance)`` per feature, a number
    or array is used as given (validated)."""
    if isinstance(precision, str):  # "auto"
        return 1.0 / np.maximum(variance, min_variance)
    precision = np.asarray(precision, dtype=np.float64)
    if precision.ndim > 1 or (precision.ndim == 1 and precision.shape != variance.shape):
        raise ValueError(
            f"precision must be 'auto', a positive number or an array of shape "
            f"({variance.shape[0]},); got shape {precision.shape}."
        )
    if not np.all(np.isfinite(precision)) or np.any(precision <= 0):
        raise ValueError("precision must be finite and positive.")
    return np.broadcast_to(precision, variance.shape).copy()


def _gaussian_log_normalizer(precision, n_features):
    """``1/2 sum_j log(beta_j / (2 pi))`` (a float)."""
    return 0.5 * float(
        np.sum(np.log(np.asarray(precision).astype(np.float64))) - n_features * _LOG_2PI
    )


def _warn_if_not_codes(owner, X, stacklevel=None):
    """Warn (``OutOfSupportWarning``) when categorical data are not integer
    codes: ``owner`` names the estimator in the message."""
    if X.dtype.kind == "f" and X.size and not np.all(X == np.round(X)):
        warnings.warn(
            f"{owner} expects integer-coded categories but X has non-integer "
            "values: every distinct value of a column is taken as a category. "
            "Discretize real-valued data first (e.g. "
            "sklearn.preprocessing.KBinsDiscretizer(encode='ordinal')).",
            OutOfSupportWarning,
            stacklevel=user_stacklevel() if stacklevel is None else stacklevel + 1,
        )


def _warn_if_unscaled(name, X, precision, stacklevel=None,
                      alternatives="precision='auto' or learn_precision=True"):
    """Warn when the data vary far more than the conditional standard
    deviation ``1 / sqrt(precision)`` of fixed-precision Gaussian visibles."""
    beta = np.asarray(precision, dtype=np.float64)
    if X.shape[0] < 2 or (beta.ndim == 1 and beta.shape[0] != X.shape[1]):
        return  # a shape mismatch is reported as a ValueError at initialisation
    ratio = np.max(X.var(axis=0, dtype=np.float64) * beta)
    if ratio > _SCALE_MISMATCH:
        warnings.warn(
            f"{name}: the data vary up to {np.sqrt(ratio):.3g} times "
            "more than the fixed conditional standard deviation 1/sqrt(precision) "
            "of the visible units: the data look unstandardised. Standardize them "
            f"(sklearn.preprocessing.StandardScaler), or use {alternatives}.",
            OutOfSupportWarning,
            stacklevel=user_stacklevel() if stacklevel is None else stacklevel + 1,
        )


# --------------------------------------------------------------------------
# the protocol


def _group_logsumexp(A, offsets):
    """``logsumexp`` over each softmax group: shape (n_rows, n_groups)."""
    out = np.empty((A.shape[0], offsets.shape[0] - 1), dtype=np.float64)
    for f in range(offsets.shape[0] - 1):
        out[:, f] = logsumexp(A[:, offsets[f] : offsets[f + 1]], axis=1)
    return out


def _group_softmax(A, offsets):
    """Softmax within each group of columns."""
    norm = _group_logsumexp(A, offsets)
    return np.exp(A - np.repeat(norm, np.diff(offsets), axis=1)).astype(A.dtype, copy=False)


#: Unit types by name.
