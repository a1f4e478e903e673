"""Laplacian pyramids of images stored as rows (LAPGAN, Denton et al. 2015).

An image row of ``h * w`` pixels is reduced by averaging 2 x 2 blocks (an
axis of length 1 is kept; an odd length repeats its last pixel) and expanded
by repeating each pixel over its block (cropped to the finer shape). The
Laplacian pyramid of ``I_0`` is ``h_k = I_k - expand(I_{k+1})`` for
``k < K`` and ``I_K`` itself, so ``I_k = expand(I_{k+1}) + h_k`` rebuilds
every level exactly.
"""

import numpy as np

__all__ = ["pyramid_shapes", "reduce", "expand"]


def _halve(size):
    return size if size == 1 else (size + 1) // 2


def pyramid_shapes(shape, levels):
    """Image shapes from the finest (``shape``) to the coarsest, ``levels`` of them."""
    shapes = [tuple(int(s) for s in shape)]
    for _ in range(levels - 1):
        h, w = shapes[-1]
        shapes.append((_halve(h), _halve(w)))
    return shapes


def reduce(X, shape):
    """Rows of ``shape`` images -> rows of the next coarser level (2 x 2 means)."""
    n = X.shape[0]
    h, w = shape
    images = X.reshape(n, h, w)
    if h > 1 and h % 2:
        images = np.concatenate([images, images[:, -1:]], axis=1)
    if w > 1 and w % 2:
        images = np.concatenate([images, images[:, :, -1:]], axis=2)
    fh, fw = (1 if h == 1 else 2), (1 if w == 1 else 2)
    H, W = images.shape[1] // fh, images.shape[2] // fw
    return images.reshape(n, H, fh, W, fw).mean(axis=(2, 4)).reshape(n, H * W)


def expand(C, coarse_shape, fine_shape):
    """Rows of ``coarse_shape`` images -> rows of ``fine_shape`` (pixel repetition)."""
    n = C.shape[0]
    (H, W), (h, w) = coarse_shape, fine_shape
    fh, fw = (1 if h == 1 else 2), (1 if w == 1 else 2)
    images = C.reshape(n, H, W).repeat(fh, axis=1).repeat(fw, axis=2)[:, :h, :w]
    return np.ascontiguousarray(images.reshape(n, h * w))
