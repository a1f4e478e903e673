"""The binarized MNIST of Larochelle & Murray (2011).

The standard fixed binarization of MNIST used for likelihood figures in the
literature (RBM, DBN, DBM, NADE, VAE and IWAE papers): 50,000 training,
10,000 validation and 10,000 test images of 28×28 binary pixels, no labels.
It was drawn once, stochastically, from the grey levels, and is shared as
files so that everybody evaluates on the same bits (see §20.14 of the spec:
likelihoods on different binarizations are not comparable).
"""

import hashlib
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._base import _download, get_data_home

__all__ = ["fetch_binarized_mnist"]

_BASE_URL = "http://www.cs.toronto.edu/~larocheh/public/datasets/binarized_mnist/"

#: Size and SHA-256 of the .amat text files on the server: one image per line,
#: 784 characters '0'/'1' separated by single spaces. These are the values
#: recorded in TensorFlow Datasets' checksum registry
#: (tensorflow_datasets/url_checksums/binarized_mnist.txt); we confirmed
#: them independently by re-serialising a local copy of the arrays to the
#: .amat format byte for byte (see _amat_bytes), which gives the same digests.
_FILES = {
    "train": (50000, 78400000,
              "ad693b29f94c14277b095f5238ddefbbdaaae0939789dd2f4f0205278cee3e4d"),
    "valid": (10000, 15680000,
              "1de3d397c40fe8eeb33dafd4099a1f665ec01e96d9be234aaeeac8a34930e2e2"),
    "test": (10000, 15680000,
             "e6687bfea3f820c174f33b7865140b2a2dd2930ef786f35d45795fc193b5ab2c"),
}

_SUBSETS = ("train", "valid", "test", "all")
_N_PIXELS = 784

_DESCR = """Binarized MNIST (Larochelle & Murray, 2011)
-------------------------------------------

The fixed stochastic binarization of MNIST used for likelihood figures in the
literature: train 50,000, valid 10,000, test 10,000 images of 28x28 pixels in
{0, 1}; no labels; the test split is sorted by digit. A few pixels are never on
in train but on in test: clip probabilities in log-likelihoods.

Reference figures (test log-likelihood, nats): independent Bernoulli -205.8;
RBM 500 hidden CD-25 (AIS) -86.34; NADE -88.86; DBM -84.62; IWAE -82.90.

H. Larochelle and I. Murray, "The neural autoregressive distribution
estimator", AISTATS 2011. R. Salakhutdinov and I. Murray, "On the quantitative
analysis of deep belief networks", ICML 2008.
"""


def _amat_bytes(X):
    """The .amat serialisation of a binary array (inverse of _parse_amat)."""
    X = np.asarray(X, dtype=np.uint8)
    buf = np.full((X.shape[0], 2 * X.shape[1]), ord(" "), dtype=np.uint8)
    buf[:, 0::2] = X + ord("0")
    buf[:, -1] = ord("\n")
    return buf.tobytes()


def _parse_amat(raw, n_rows):
    """Parse an .amat file of '0'/'1' digits into a (n_rows, 784) uint8 array."""
    chars = np.frombuffer(raw, dtype=np.uint8)
    digits = chars[(chars == ord("0")) | (chars == ord("1"))]
    if digits.size != n_rows * _N_PIXELS:
        raise OSError(
            f"Expected {n_rows} x {_N_PIXELS} binary values, found {digits.size}; "
            "the file is not a binarized MNIST .amat file."
        )
    return (digits - ord("0")).reshape(n_rows, _N_PIXELS)


def _verify(X, subset):
    """Check an array against the published checksum of its .amat file."""
    n_rows, _, sha = _FILES[subset]
    if X.shape != (n_rows, _N_PIXELS) or not np.isin(X, (0, 1)).all():
        return False
    return hashlib.sha256(_amat_bytes(X)).hexdigest() == sha


def _load_local(local_path, subset):
    """Read one subset from a local copy: an .npz with keys train/valid/test,
    or a folder holding the .amat files."""
    local_path = Path(local_path)
    n_rows = _FILES[subset][0]
    if local_path.is_dir():
        amat = local_path / f"binarized_mnist_{subset}.amat"
        if not amat.exists():
            raise FileNotFoundError(f"{amat} does not exist.")
        X = _parse_amat(amat.read_bytes(), n_rows)
    elif local_path.exists():
        with np.load(local_path) as archive:
            if subset not in archive:
                raise ValueError(
                    f"{local_path} has no array {subset!r} (keys: {sorted(archive)})."
                )
            X = np.asarray(archive[subset])
    else:
        raise FileNotFoundError(f"local_path {local_path} does not exist.")
    if not _verify(X, subset):
        raise OSError(
            f"The {subset!r} split in {local_path} is not the standard binarized "
            f"MNIST (shape or SHA-256 of its .amat serialisation differs)."
        )
    return X.astype(np.uint8)


def _fetch_subset(subset, folder, download_if_missing, local_path):
    cache = folder / f"binarized_mnist_{subset}.npy"
    if cache.exists():
        return np.load(cache)
    if local_path is not None:
        X = _load_local(local_path, subset)
    elif not download_if_missing:
        raise OSError(
            f"binarized MNIST {subset!r} is not in {folder} and download_if_missing "
            "is False."
        )
    else:
        n_rows, size, sha = _FILES[subset]
        amat = folder / f"binarized_mnist_{subset}.amat"
        _download(_BASE_URL + amat.name, amat, sha256=sha, size=size)
        X = _parse_amat(amat.read_bytes(), n_rows)
        amat.unlink()
    tmp = cache.with_name(cache.name + ".part.npy")
    np.save(tmp, X)
    tmp.replace(cache)
    return X


def fetch_binarized_mnist(data_home=None, subset="train", *, download_if_missing=True,
                          local_path=None, dtype=np.float64, return_X=False):
    """Load the binarized MNIST of Larochelle & Murray (2011), downloading it once.

    The standard fixed binarization used for likelihood figures in the
    literature (Salakhutdinov & Murray 2008; Larochelle & Murray 2011; Burda
    et al. 2015): train 50,000, valid 10,000, test 10,000 rows of 784 pixels
    in {0, 1}. Likelihoods on other binarizations (thresholded, or
    re-binarized at every epoch) are not comparable with these figures.

    The three ``.amat`` files (about 110 MB of text) are downloaded from the
    authors' server, checked against their published size and SHA-256, and
    cached as ``.npy`` arrays (uint8, about 55 MB) in
    ``data_home/binarized_mnist``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache folder; ``None`` means ``$SKGENERATIVE_DATA`` or
        ``~/skgenerative_data`` (:func:`get_data_home`).
    subset : {"train", "valid", "test", "all"}, default="train"
        The split; ``"all"`` concatenates train, valid and test in that order.
    download_if_missing : bool, default=True
        If False, raise ``OSError`` instead of downloading when the data are
        not cached.
    local_path : str or path-like, default=None
        A local copy to use instead of the server: an ``.npz`` archive with
        arrays ``train``, ``valid``, ``test``, or a folder holding the three
        ``binarized_mnist_{subset}.amat`` files. It is verified against the
        same checksums and then cached like a download.
    dtype : dtype, default=numpy.float64
        dtype of the returned data (``numpy.float32`` for float32 models,
        ``numpy.uint8`` to save memory).
    return_X : bool, default=False
        Return the array alone instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (n_samples, 784) in {0, 1}, ``subset``, ``image_shape``
        ``(28, 28)`` and ``DESCR``. Or the array when ``return_X=True``.

    Raises
    ------
    ConnectionError
        When a download is needed and the server cannot be reached.
    OSError
        When a file fails its checksum, or when the data are not cached and
        ``download_if_missing=False``.

    References
    ----------
    .. [1] H. Larochelle and I. Murray, "The neural autoregressive
       distribution estimator", AISTATS 2011.
    .. [2] R. Salakhutdinov and I. Murray, "On the quantitative analysis of
       deep belief networks", ICML 2008.

    Examples
    --------
    >>> from skgenerative.datasets import fetch_binarized_mnist
    >>> X_train = fetch_binarized_mnist(subset="train").data  # doctest: +SKIP
    >>> X_train.shape  # doctest: +SKIP
    (50000, 784)
    """
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {_SUBSETS}; got {subset!r}.")
    folder = Path(get_data_home(data_home)) / "binarized_mnist"
    folder.mkdir(parents=True, exist_ok=True)
    names = ("train", "valid", "test") if subset == "all" else (subset,)
    parts = [_fetch_subset(s, folder, download_if_missing, local_path) for s in names]
    X = (parts[0] if len(parts) == 1 else np.concatenate(parts)).astype(dtype)
    if return_X:
        return X
    return Bunch(data=X, subset=subset, image_shape=(28, 28), DESCR=_DESCR)
