"""JSB Chorales: polyphonic music as binary piano rolls over 88 keys."""

from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._base import get_data_home

__all__ = ["load_jsb_chorales"]

FILE_NAME = "jsb_chorales.npz"
SPLITS = ("train", "valid", "test")


def load_jsb_chorales(path=None, data_home=None, *, dtype=np.float64):
    """The JSB Chorales piano rolls (Boulanger-Lewandowski et al. 2012 splits).

    382 four-part chorales by J. S. Bach, one frame per quarter note, each
    frame the set of the 88 piano keys (MIDI 21-108) that sound. Read from a
    local ``jsb_chorales.npz`` holding ``{split}_rolls`` (frames x 88, 0/1)
    and ``{split}_lengths`` (frames per chorale, in order) for the splits
    ``train``, ``valid`` and ``test`` (229, 76 and 77 chorales). No public
    source with a fixed checksum is known, so nothing is downloaded.

    The splits come in the input convention of the sequence models
    (:mod:`skgenerative.sequence`): one 2-D array of frames plus the lengths,
    e.g. ``model.fit(data.train, lengths=data.train_lengths)``.

    Parameters
    ----------
    path : str or path-like, default=None
        The ``.npz`` file, or the folder that holds ``jsb_chorales.npz``.
    data_home : str or path-like, default=None
        Where to look when ``path`` is None (see
        :func:`skgenerative.datasets.get_data_home`).
    dtype : dtype, default=numpy.float64
        dtype of the rolls.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``train``, ``valid``, ``test`` (frames x 88 arrays in {0, 1}),
        ``train_lengths``, ``valid_lengths``, ``test_lengths`` (int64),
        ``lowest_midi_note`` (21) and ``DESCR``.

    Raises
    ------
    FileNotFoundError
        When the file is not there.

    References
    ----------
    Boulanger-Lewandowski, N., Bengio, Y. and Vincent, P. (2012). Modeling
    temporal dependencies in high-dimensional sequences: application to
    polyphonic music generation and transcription. ICML.

    Examples
    --------
    >>> from skgenerative.datasets import load_jsb_chorales
    >>> data = load_jsb_chorales("jsb_chorales.npz")  # doctest: +SKIP
    >>> data.train.shape[1], data.train_lengths.sum() == data.train.shape[0]  # doctest: +SKIP
    (88, True)
    """
    if path is None:
        file = Path(get_data_home(data_home)) / FILE_NAME
    else:
        file = Path(path).expanduser()
        if file.is_dir():
            file = file / FILE_NAME
    if not file.is_file():
        raise FileNotFoundError(
            f"{file} not found. load_jsb_chorales reads a local {FILE_NAME} with the "
            "arrays {train,valid,test}_rolls (frames x 88) and {split}_lengths; pass "
            "its path or put it in the data home."
        )
    out = {}
    with np.load(file) as archive:
        for split in SPLITS:
            rolls = np.asarray(archive[f"{split}_rolls"], dtype=dtype)
            lengths = np.asarray(archive[f"{split}_lengths"], dtype=np.int64)
            if rolls.ndim != 2 or int(lengths.sum()) != rolls.shape[0]:
                raise ValueError(
                    f"{file}: {split}_lengths sum to {int(lengths.sum())} but "
                    f"{split}_rolls has shape {rolls.shape}."
                )
            out[split], out[f"{split}_lengths"] = rolls, lengths
    descr = (
        "JSB Chorales (Boulanger-Lewandowski et al. 2012 splits): binary piano rolls "
        "over 88 keys (MIDI 21-108), one frame per quarter note; "
        f"{len(out['train_lengths'])}/{len(out['valid_lengths'])}/"
        f"{len(out['test_lengths'])} chorales in train/valid/test."
    )
    return Bunch(**out, lowest_midi_note=21, DESCR=descr)
