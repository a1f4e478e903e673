"""Exact log partition functions by enumeration (tiny and small models)."""

from sklearn.utils.validation import check_is_fitted

__all__ = ["exact_log_partition"]


def exact_log_partition(model):
    """Exact log Z of a fitted Boltzmann machine with a small enumerable layer.

    Enumerates the binary states of the model's smaller layer (the hidden
    layer of a Gaussian-Bernoulli RBM) and sums the other analytically, in a
    numba-parallel Gray-code loop: cost ``2**n_units * n_other``. Practical up
    to about 25 units.

    Parameters
    ----------
    model : fitted estimator
        Any skgenerative model implementing ``_exact_log_partition``
        (the RBM family).

    Returns
    -------
    log_z : float
    """
    check_is_fitted(model)
    if not hasattr(model, "_exact_log_partition"):
        raise TypeError(
            f"{type(model).__name__} has no enumerable partition function."
        )
    return model._exact_log_partition()
