"""Whitened grey patches of scikit-learn's two bundled photographs (§20.5.2).

The covariance models of §20.5.2 are meant for natural images; this is their
embedded data set: no download, deterministic for a given ``random_state``.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.datasets import load_sample_images
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, validate_params

from ..utils.random import check_generator

__all__ = ["load_image_patches"]

#: ITU-R BT.601 luma weights (R, G, B).
_LUMA = np.array([0.299, 0.587, 0.114])


def _grey_images():
    """The bundled photographs as grey levels in [0, 1], shape (n, rows, cols)."""
    images = load_sample_images().images
    return [np.asarray(img, dtype=np.float64) @ _LUMA / 255.0 for img in images]


def _random_patches(images, col_range, n_patches, patch_size, rng):
    """``n_patches`` patches at uniform random positions, evenly over the
    images, each lying wholly inside the columns ``col_range(width)``."""
    per_image = np.diff(np.linspace(0, n_patches, len(images) + 1).round().astype(int))
    out = []
    for img, count in zip(images, per_image):
        lo, hi = col_range(img.shape[1])
        rows = rng.integers(0, img.shape[0] - patch_size + 1, size=count)
        cols = rng.integers(lo, hi - patch_size + 1, size=count)
        offsets = np.arange(patch_size)
        r = rows[:, None, None] + offsets[None, :, None]
        c = cols[:, None, None] + offsets[None, None, :]
        out.append(img[r, c].reshape(count, -1))
    return np.concatenate(out)


def _pca_whitening(patches, n_components):
    """Mean, principal axes (n_components, n_pixels) and their variances."""
    mean = patches.mean(axis=0)
    cov = np.cov(patches - mean, rowvar=False)
    variances, axes = np.linalg.eigh(cov)
    order = np.argsort(variances)[::-1][:n_components]
    axes = axes[:, order].T
    # fix the sign of each axis so the result does not depend on LAPACK
    signs = np.sign(axes[np.arange(n_components), np.abs(axes).argmax(axis=1)])
    return mean, axes * signs[:, None], variances[order]


@validate_params(
    {
        "patch_size": [Interval(Integral, 2, 64, closed="both")],
        "n_patches": [Interval(Integral, 1, None, closed="left")],
        "n_test_patches": [Interval(Integral, 1, None, closed="left")],
        "test_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state", np.random.Generator],
        "return_X": ["boolean"],
        "dtype": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def load_image_patches(patch_size=8, *, n_patches=20000, n_test_patches=5000,
                       test_fraction=0.25, random_state=0, return_X=False,
                       dtype=np.float64):
    """Whitened grey patches of natural images, split by image region.

    From the two photographs bundled with scikit-learn
    (:func:`sklearn.datasets.load_sample_images`), converted to grey levels
    in [0, 1]: square patches at random positions, each with its own mean
    (the DC component) removed, then PCA-whitened to ``patch_size**2 - 1``
    dimensions (removing the DC leaves that many directions of non-zero
    variance). The whitening is estimated on the training patches only and
    applied to both sets, so the training set has identity covariance.

    Training and held-out patches come from disjoint regions: the held-out
    patches lie wholly in the right-most ``test_fraction`` of the columns of
    each photograph and the training patches wholly in the rest, so no pixel
    is shared between the two sets.

    Parameters
    ----------
    patch_size : int, default=8
        Side of the square patches, in pixels.
    n_patches : int, default=20000
        Number of training patches (half from each photograph).
    n_test_patches : int, default=5000
        Number of held-out patches.
    test_fraction : float, default=0.25
        Fraction of each photograph's columns (on the right) reserved for the
        held-out patches.
    random_state : int, RandomState instance, Generator or None, default=0
        Positions of the patches.
    return_X : bool, default=False
        Return ``(data, data_test)`` instead of a Bunch.
    dtype : dtype, default=numpy.float64
        dtype of ``data`` and ``data_test``.

    Returns
    -------
    patches : :class:`~sklearn.utils.Bunch`
        ``data`` (n_patches, patch_size**2 - 1) and ``data_test``
        (n_test_patches, patch_size**2 - 1), whitened; ``components``
        (patch_size**2 - 1, patch_size**2), the principal axes in pixel
        space (rows, decreasing variance); ``explained_variance``, their
        variances; ``mean``, the mean DC-removed training patch; the
        ``patch_size``; and ``DESCR``. A whitened row ``z`` maps back to a
        DC-removed patch as ``(z * sqrt(explained_variance)) @ components +
        mean`` (reshape to ``(patch_size, patch_size)`` to view it).
        Or ``(data, data_test)`` when ``return_X=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.datasets import load_image_patches
    >>> X, X_test = load_image_patches(n_patches=2000, n_test_patches=500, return_X=True)
    >>> X.shape, X_test.shape
    ((2000, 63), (500, 63))
    >>> bool(np.allclose(np.cov(X, rowvar=False), np.eye(63)))
    True
    """
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(np.iinfo(np.int32).max)
    rng = check_generator(random_state)
    images = _grey_images()
    smallest = min(min(img.shape) for img in images)
    test_cols = [int(round(test_fraction * img.shape[1])) for img in images]
    if patch_size > smallest or min(test_cols) < patch_size or any(
        img.shape[1] - t < patch_size for img, t in zip(images, test_cols)
    ):
        raise ValueError(
            f"patch_size={patch_size} does not fit in both regions of the "
            f"{images[0].shape[0]}x{images[0].shape[1]} photographs with "
            f"test_fraction={test_fraction}; use a smaller patch_size or a "
            f"test_fraction nearer 0.5."
        )

    def train_cols(width):
        return 0, width - int(round(test_fraction * width))

    def test_region(width):
        return width - int(round(test_fraction * width)), width

    train = _random_patches(images, train_cols, n_patches, patch_size, rng)
    test = _random_patches(images, test_region, n_test_patches, patch_size, rng)
    train -= train.mean(axis=1, keepdims=True)
    test -= test.mean(axis=1, keepdims=True)
    n_components = patch_size**2 - 1
    mean, axes, variances = _pca_whitening(train, n_components)
    if not variances[-1] > 1e-12 * variances[0]:
        raise ValueError(
            f"The {n_patches} training patches span fewer than {n_components} "
            f"directions, so they cannot be whitened; use n_patches well above "
            f"patch_size**2 = {patch_size**2}."
        )
    scale = 1.0 / np.sqrt(variances)
    data = ((train - mean) @ axes.T * scale).astype(dtype)
    data_test = ((test - mean) @ axes.T * scale).astype(dtype)
    if return_X:
        return data, data_test
    descr = (
        f"Grey {patch_size}x{patch_size} patches of scikit-learn's two sample "
        f"photographs (china.jpg, flower.jpg), DC removed, PCA-whitened to "
        f"{n_components} dimensions on the training patches. Held-out patches "
        f"come from the right-most {test_fraction:g} of each photograph's "
        f"columns, training patches from the rest."
    )
    return Bunch(data=data, data_test=data_test, components=axes,
                 explained_variance=variances, mean=mean, patch_size=patch_size,
                 DESCR=descr)
