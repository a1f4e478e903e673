"""Corruption processes ``C(x~ | x)`` of denoising autoencoders (§20.11.1).

Each one corrupts every unit independently (the process factorises over
units), which is what makes the DAE chain of a tiny model enumerable
exactly (``tests/denoising``):

* ``"gaussian"``: ``x~ = x + level * N(0, 1)``;
* ``"salt_pepper"``: with probability ``level`` a unit is replaced by 0 or 1
  (each with probability 1/2), else kept (for data in [0, 1]);
* ``"mask"``: with probability ``level`` a unit is set to 0 (masking noise),
  else kept;
* ``"missing"``: with probability ``level`` a unit is set to ``MISSING_VALUE``
  (0.5), else kept: for binary data a value no unit takes, so that the
  network sees which units are unknown. A DAE trained with it learns the
  conditionals ``p(x_j | x_kept)`` of every unit given random subsets of the
  others (the missingness of imputation, as in order-agnostic NADE), which
  ``impute(method="gibbs")`` uses.
"""

import numpy as np

__all__ = ["MISSING_VALUE", "NOISES", "check_noise_level", "corrupt", "drop"]

NOISES = ("gaussian", "salt_pepper", "mask", "missing")

#: The value of a unit the ``"missing"`` corruption hides.
MISSING_VALUE = 0.5


def corrupt(X, noise, level, rng):
    """A draw of ``x~ ~ C(x~ | x)`` for every row of ``X`` (new array, dtype of ``X``).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    noise : {"gaussian", "salt_pepper", "mask", "missing"}
    level : float
        Standard deviation (``"gaussian"``) or the probability that a unit
        is corrupted (the others).
    rng : numpy.random.Generator

    Returns
    -------
    X_tilde : ndarray like ``X``
    """
    if noise == "gaussian":
        return X + (level * rng.standard_normal(X.shape)).astype(X.dtype, copy=False)
    if noise == "salt_pepper":
        hit = rng.random(X.shape) < level
        value = (rng.random(X.shape) < 0.5).astype(X.dtype)
        return np.where(hit, value, X)
    if noise == "mask":
        keep = rng.random(X.shape) >= level
        return X * keep.astype(X.dtype)
    if noise == "missing":
        return drop(X, rng.random(X.shape) < level)
    raise ValueError(f"Unknown noise {noise!r}; choose one of {NOISES}.")


def drop(X, hidden):
    """``X`` with the units where ``hidden`` is True set to ``MISSING_VALUE``."""
    return np.where(hidden, X.dtype.type(MISSING_VALUE), X)


def check_noise_level(noise, level):
    """``level`` is a probability for the noises that corrupt units at random."""
    if noise != "gaussian" and level >= 1:
        raise ValueError(
            f"noise_level is a probability for noise={noise!r}: it must be "
            f"in (0, 1); got {level!r}."
        )
