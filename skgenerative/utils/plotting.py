"""Optional pictures (matplotlib is an extra: ``pip install skgenerative[plot]``)."""

import numpy as np

__all__ = ["tile_images", "save_image_grid"]


def tile_images(images, image_shape, n_cols=None, pad=1):
    """Arrange flattened images in one 2-D array (a grid with ``pad`` pixels
    of background between tiles), each tile scaled to [0, 1]."""
    images = np.asarray(images, dtype=np.float64)
    n = images.shape[0]
    n_cols = n_cols or int(np.ceil(np.sqrt(n)))
    n_rows = int(np.ceil(n / n_cols))
    h, w = image_shape
    grid = np.full((n_rows * (h + pad) + pad, n_cols * (w + pad) + pad), 0.5)
    for k, image in enumerate(images):
        lo, hi = image.min(), image.max()
        tile = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
        r, c = divmod(k, n_cols)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        grid[top : top + h, left : left + w] = tile.reshape(h, w)
    return grid


def save_image_grid(path, panels, image_shape, *, n_cols=None, dpi=120):
    """Save a figure with one image grid per ``(title, images)`` panel.

    Returns the path, or raises ImportError naming the extra to install.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Saving pictures needs matplotlib: pip install 'skgenerative[plot]'."
        ) from exc
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 4.8))
    for ax, (title, images) in zip(np.atleast_1d(axes), panels):
        ax.imshow(tile_images(images, image_shape, n_cols=n_cols), cmap="gray", vmin=0, vmax=1)
        ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
