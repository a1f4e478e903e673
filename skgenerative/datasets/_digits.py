"""scikit-learn's bundled 8×8 digits, binarized: the embedded default data."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch

__all__ = ["load_binarized_digits"]


def load_binarized_digits(*, threshold=8, n_class=10, return_X_y=False, dtype=np.float64):
    """The bundled 8×8 digits of scikit-learn with binary pixels.

    The grey levels (0–16) are thresholded: a pixel is 1 when its level is
    ``>= threshold``. It needs no download, so tests, examples and doctests
    use it. Likelihoods on it are only comparable between models that use the
    same threshold.

    Parameters
    ----------
    threshold : float, default=8
        Grey level (of 16) at and above which a pixel is on; the default
        turns on about 43% of the pixels.
    n_class : int, default=10
        Number of classes to return (as :func:`sklearn.datasets.load_digits`).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    dtype : dtype, default=numpy.float64
        dtype of ``data``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (1797, 64) in {0, 1}, ``target`` (labels 0–9), ``images``
        (1797, 8, 8), ``image_shape`` ``(8, 8)``, ``threshold`` and ``DESCR``.
        Or ``(data, target)`` when ``return_X_y=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.datasets import load_binarized_digits
    >>> X, y = load_binarized_digits(return_X_y=True)
    >>> X.shape, np.unique(X).tolist()
    ((1797, 64), [0.0, 1.0])
    """
    digits = load_digits(n_class=n_class)
    X = (digits.data >= threshold).astype(dtype)
    if return_X_y:
        return X, digits.target
    descr = (
        f"scikit-learn's 8x8 digits (see sklearn.datasets.load_digits), binarized: "
        f"pixel = 1 where the grey level (0-16) is >= {threshold}.\n\n" + digits.DESCR
    )
    return Bunch(data=X, target=digits.target, images=X.reshape(-1, 8, 8),
                 image_shape=(8, 8), threshold=threshold, DESCR=descr)
