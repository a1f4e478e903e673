"""The input convention of every sequence model, and the arrays built from it.

A data set of sequences is one 2-D array ``X`` of frames (rows, in order,
sequence after sequence) plus ``lengths``, the number of frames of each
sequence, as hmmlearn takes it: ``fit(X, lengths=[3, 5])`` is two sequences,
rows 0-2 and rows 3-7. ``lengths=None`` means that ``X`` is one sequence.

Or, equivalently, ``sequence_ids``: one label per frame, the frames of each
sequence consecutive rows (``[7, 7, 7, 2, 2, 2, 2, 2]`` is ``lengths=[3, 5]``).
Being sample-aligned, it is what scikit-learn's model selection can slice
per fold (metadata routing), with ``GroupKFold(groups=sequence_ids)``
keeping whole sequences together.
"""

from numbers import Integral

import numpy as np

__all__ = [
    "check_lengths", "frame_positions", "history_matrix", "resolve_lengths",
    "sequence_starts",
]


def check_lengths(lengths, n_samples):
    """Validated ``lengths`` (int64, 1-D) of sequences covering ``n_samples`` rows.

    Raises ValueError for anything but positive integers that sum to
    ``n_samples`` (ragged, empty or mismatched input).
    """
    if lengths is None:
        return np.array([n_samples], dtype=np.int64)
    if isinstance(lengths, Integral) and not isinstance(lengths, bool):
        lengths = [lengths]
    array = np.asarray(lengths)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(
            f"lengths must be a non-empty 1-D sequence of frame counts; got shape "
            f"{array.shape}."
        )
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.integer)
        or (np.issubdtype(array.dtype, np.floating) and np.all(np.mod(array, 1) == 0))
    ):
        raise ValueError(f"lengths must be integers; got {array.dtype} values.")
    array = array.astype(np.int64)
    if np.any(array < 1):
        bad = int(np.flatnonzero(array < 1)[0])
        raise ValueError(
            f"every sequence needs at least one frame; lengths[{bad}] = {array[bad]}."
        )
    if int(array.sum()) != n_samples:
        raise ValueError(
            f"lengths sum to {int(array.sum())} frames but X has {n_samples} rows: "
            "X must hold the frames of every sequence, one after the other."
        )
    return array


def resolve_lengths(lengths, sequence_ids, n_samples):
    """Validated ``lengths`` from ``lengths`` or ``sequence_ids`` (at most one
    given; neither: one sequence).

    ``sequence_ids`` must have one entry per row, and the rows of each
    sequence must be consecutive: a label that comes back after another one
    means the frames of a sequence were scattered (e.g. by a splitter that
    ignores groups), which raises rather than score wrong histories.
    """
    if sequence_ids is None:
        return check_lengths(lengths, n_samples)
    if lengths is not None:
        raise ValueError("Pass lengths or sequence_ids, not both.")
    ids = np.asarray(sequence_ids)
    if ids.ndim != 1 or ids.shape[0] != n_samples:
        raise ValueError(
            f"sequence_ids must have one entry per row of X ({n_samples}); got shape "
            f"{ids.shape}."
        )
    if n_samples == 0:
        raise ValueError("sequence_ids is empty: there are no frames.")
    change = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    bounds = np.concatenate(([0], change, [n_samples]))
    labels = ids[bounds[:-1]]
    if len(np.unique(labels)) != len(labels):
        values, counts = np.unique(labels, return_counts=True)
        raise ValueError(
            f"the frames of sequence {values[counts > 1][0]!r} are not consecutive rows: "
            "each sequence's frames must come one after the other, in order. In model "
            "selection, split by whole sequences (e.g. GroupKFold with "
            "groups=sequence_ids), never shuffle frames."
        )
    return np.diff(bounds).astype(np.int64)


def sequence_starts(lengths):
    """First row of each sequence (int64)."""
    return np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)


def frame_positions(lengths):
    """Index of each row within its sequence (0 for a first frame)."""
    n = int(np.sum(lengths))
    return np.arange(n, dtype=np.int64) - np.repeat(sequence_starts(lengths), lengths)


def history_matrix(X, lengths, order):
    """The previous ``order`` frames of every row, most recent first.

    Row ``t`` is ``[x_{t-1}, x_{t-2}, ..., x_{t-order}]`` (shape
    ``(n_samples, order * n_features)``); frames before the start of a
    sequence are zeros, so a first frame has an all-zero history.
    """
    n, d = X.shape
    positions = frame_positions(lengths)
    U = np.zeros((n, order * d), dtype=X.dtype)
    for k in range(1, order + 1):
        rows = np.flatnonzero(positions >= k)
        U[rows, (k - 1) * d : k * d] = X[rows - k]
    return U
