"""Out-of-core training: ``partial_fit`` over the row chunks of an array that
need not fit in memory (a dask array, a memory map).

No dask import: a dask array is read one row chunk at a time through
``numpy.asarray`` of a slice, which computes that chunk only. dask-ml's
``Incremental`` does the same for one estimator but wraps it (the fitted
model is its ``estimator_``), and passes scikit-learn's ``classes``
argument, which our unsupervised ``partial_fit`` has no use for.
"""

import numpy as np

__all__ = ["partial_fit_chunks", "row_chunks"]


def row_chunks(X, chunk_size=None):
    """The ``(start, stop)`` row ranges of ``X``'s chunks.

    A dask array's own row chunks (``X.chunks[0]``) unless ``chunk_size``
    is given; otherwise rows in runs of ``chunk_size`` (all rows at once when
    both are missing).
    """
    n_rows = X.shape[0]
    if chunk_size is None and hasattr(X, "chunks") and X.chunks is not None:
        sizes = X.chunks[0]
    else:
        size = n_rows if chunk_size is None else int(chunk_size)
        if size < 1:
            raise ValueError(f"chunk_size must be at least 1; got {chunk_size}.")
        sizes = [min(size, n_rows - start) for start in range(0, n_rows, size)]
    stops = np.cumsum(sizes)
    return [(int(stop - size), int(stop)) for size, stop in zip(sizes, stops)]


def partial_fit_chunks(estimator, X, *, chunk_size=None, n_epochs=1):
    """Train ``estimator`` by ``partial_fit`` on each row chunk of ``X`` in turn.

    Only one chunk is in memory at a time: the result is that of calling
    ``estimator.partial_fit`` on the same chunks as numpy arrays, in order,
    ``n_epochs`` times over.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
    X : array-like of shape (n_samples, n_features)
        A dask array (its row chunks are used), or anything sliceable by rows.
    chunk_size : int, default=None
        Rows per chunk; None means the dask array's own chunks.
    n_epochs : int, default=1
        Passes over ``X``.

    Returns
    -------
    estimator : the estimator, trained

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import BernoulliRBM
    >>> from skgenerative.utils.chunks import partial_fit_chunks
    >>> X = (np.random.default_rng(0).random((100, 6)) < 0.5).astype(float)
    >>> rbm = partial_fit_chunks(BernoulliRBM(n_components=3, random_state=0), X,
    ...                          chunk_size=30, n_epochs=2)
    >>> rbm.components_.shape
    (3, 6)
    """
    if n_epochs < 1:
        raise ValueError(f"n_epochs must be at least 1; got {n_epochs}.")
    ranges = row_chunks(X, chunk_size)
    for _ in range(n_epochs):
        for start, stop in ranges:
            estimator.partial_fit(np.asarray(X[start:stop]))
    return estimator
