import numpy as np
import pytest

from skgenerative.datasets import load_image_patches
from skgenerative.datasets._patches import _grey_images


def test_patches_are_whitened_and_invertible():
    data = load_image_patches(n_patches=3000, n_test_patches=600)
    X, X_test = data.data, data.data_test
    assert X.shape == (3000, 63) and X_test.shape == (600, 63)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(np.cov(X, rowvar=False), np.eye(63), atol=1e-8)
    assert np.all(np.diff(data.explained_variance) <= 0)
    # back to pixels: DC-removed patches (zero mean within each patch)
    pixels = (X * np.sqrt(data.explained_variance)) @ data.components + data.mean
    np.testing.assert_allclose(pixels.mean(axis=1), 0.0, atol=1e-10)
    # the held-out set, whitened with the training statistics, is near white
    assert np.abs(np.cov(X_test, rowvar=False) - np.eye(63)).max() < 1.5


def test_train_and_test_patches_come_from_disjoint_regions():
    # reconstruct the pixels of one image's columns: every training patch
    # must match a position left of the split, every test patch right of it
    images = _grey_images()
    size = 4
    data = load_image_patches(size, n_patches=200, n_test_patches=20, random_state=3)
    X = (data.data * np.sqrt(data.explained_variance)) @ data.components + data.mean
    Xt = (data.data_test * np.sqrt(data.explained_variance)) @ data.components + data.mean
    img = images[0]
    split = img.shape[1] - int(round(0.25 * img.shape[1]))
    windows = np.lib.stride_tricks.sliding_window_view(img, (size, size))
    windows = windows.reshape(-1, size * size)
    windows = windows - windows.mean(axis=1, keepdims=True)
    # every window's column, keyed by its (DC-removed) pixels (+ 0.0: no -0.0)
    keys = (np.round(windows, 5) + 0.0).tobytes()
    stride = size * size * 8
    columns = {keys[i * stride:(i + 1) * stride]: i % (img.shape[1] - size + 1)
               for i in range(windows.shape[0])}

    def column_of(patch):
        return columns[(np.round(patch, 5) + 0.0).tobytes()]

    assert all(column_of(p) + size <= split for p in X[:10])  # first 100: image 0
    assert all(column_of(p) >= split for p in Xt[:10])


def test_patches_are_reproducible_and_typed():
    kw = dict(n_patches=200, n_test_patches=10, return_X=True)
    a = load_image_patches(random_state=1, dtype=np.float32, **kw)
    b = load_image_patches(random_state=np.random.default_rng(1), dtype=np.float32, **kw)
    c = load_image_patches(random_state=2, **kw)
    assert a[0].dtype == np.float32
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.allclose(a[0], c[0])


def test_patch_size_that_does_not_fit_is_rejected():
    with pytest.raises(ValueError, match="patch_size"):
        load_image_patches(60, test_fraction=0.05, n_patches=5, n_test_patches=5)
    with pytest.raises(ValueError, match="patch_size"):
        load_image_patches(1)
    with pytest.raises(ValueError, match="n_patches well above"):
        load_image_patches(8, n_patches=40)
