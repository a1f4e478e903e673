"""Pictures of models (optional: ``pip install 'skgenerative[plot]'``).

Nothing in the package imports this module; it imports matplotlib when a
function is called. Every function draws on ``ax`` (a new figure's axes when
None) and returns the axes.

* :func:`plot_samples`: a grid of images (samples of a model, or any images);
* :func:`plot_filters`: the first-layer weights of a model, one tile per unit;
* :func:`plot_learning_curve`: the per-epoch ``validation_scores_``;
* :func:`plot_ais_weights`: the log importance weights of an AIS run, with
  the effective sample size and the estimate of ``log Z``.
"""

import numpy as np

from .utils.plotting import tile_images

__all__ = ["plot_ais_weights", "plot_filters", "plot_learning_curve", "plot_samples"]


def _axes(ax):
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "skgenerative.plotting needs matplotlib: pip install 'skgenerative[plot]'."
        ) from exc
    return plt.figure().add_subplot()


def _image_shape(n_features, image_shape):
    if image_shape is not None:
        return tuple(image_shape)
    side = int(round(np.sqrt(n_features)))
    if side * side != n_features:
        raise ValueError(
            f"{n_features} features are not a square image: pass image_shape."
        )
    return side, side


def plot_samples(samples, image_shape=None, *, n_samples=64, n_cols=None, ax=None,
                 random_state=None, title=None):
    """A grid of images: rows of ``samples``, or draws of a fitted model.

    Parameters
    ----------
    samples : array-like of shape (n, n_features) or fitted model with ``sample``
        Images, one per row; a model is asked for ``n_samples`` samples.
    image_shape : (height, width), default=None
        None means square images.
    n_samples : int, default=64
        How many to draw from a model (rows of an array are all shown).
    n_cols : int, default=None
        Tiles per row; None means a square grid.
    ax : matplotlib Axes, default=None
    random_state : int or None, default=None
        Passed to the model's ``sample``.
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    if hasattr(samples, "sample"):
        samples = samples.sample(n_samples, random_state=random_state)
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2:
        raise ValueError(f"samples must be 2-D (one image per row); got shape {samples.shape}.")
    ax = _axes(ax)
    shape = _image_shape(samples.shape[1], image_shape)
    ax.imshow(tile_images(samples, shape, n_cols=n_cols), cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def _first_layer_weights(model):
    weights = getattr(model, "components_", None)
    if weights is None:
        raise ValueError(
            f"{type(model).__name__} has no components_: pass its weights as an array."
        )
    if isinstance(weights, (list, tuple)):  # layered models: the bottom layer
        weights = weights[0]
    return np.asarray(weights)


def plot_filters(model, image_shape=None, *, n_filters=64, n_cols=None, ax=None, title=None):
    """The first-layer weights of a model (``components_``, shape
    (n_units, n_features)), or a weight array, one tile per unit.

    Each tile is scaled to its own range (grey is the background).

    Parameters
    ----------
    model : fitted model with ``components_``, or array of shape (n_units, n_features)
    image_shape : (height, width), default=None
    n_filters : int, default=64
        How many units to show (the first ones).
    n_cols : int, default=None
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    weights = model if isinstance(model, np.ndarray) else _first_layer_weights(model)
    if weights.ndim != 2:
        raise ValueError(f"weights must be 2-D (units x features); got shape {weights.shape}.")
    return plot_samples(weights[:n_filters], image_shape, n_cols=n_cols, ax=ax,
                        title=title or "filters")


def plot_learning_curve(model, *, ax=None, label=None):
    """The validation score of each epoch (``validation_scores_``, higher is better).

    Parameters
    ----------
    model : fitted model trained with a validation split (``early_stopping=True``)
    ax : matplotlib Axes, default=None
    label : str, default=None
        Legend entry; None means the model's class name.

    Returns
    -------
    ax : matplotlib Axes
    """
    scores = getattr(model, "validation_scores_", None)
    if scores is None:
        raise ValueError(
            f"{type(model).__name__} has no validation_scores_: fit it with a "
            f"validation split (early_stopping=True)."
        )
    ax = _axes(ax)
    epochs = np.arange(1, len(scores) + 1)
    ax.plot(epochs, scores, marker="o", label=label or type(model).__name__)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation score")
    ax.legend()
    return ax


def plot_ais_weights(result, *, ax=None, bins=30):
    """Histogram of the log importance weights of an AIS run.

    A long right tail (a few chains carrying the estimate, a small effective
    sample size) means ``log Z`` is unreliable: use more temperatures.

    Parameters
    ----------
    result : AISResult
        From :func:`skgenerative.evaluation.ais_log_partition` or a model's
        ``log_partition_result_``.
    ax : matplotlib Axes, default=None
    bins : int, default=30

    Returns
    -------
    ax : matplotlib Axes
    """
    log_w = np.asarray(result.log_weights, dtype=np.float64)
    ax = _axes(ax)
    ax.hist(log_w - log_w.max(), bins=bins)
    ax.set_xlabel("log weight - max log weight")
    ax.set_ylabel("AIS runs")
    ax.set_title(
        f"{result.direction} AIS, {log_w.size} runs, {result.n_temperatures} temperatures: "
        f"log Z = {result.log_z:.2f} ± {result.log_z_std:.2f}, ESS = {result.ess:.1f}",
        fontsize="small",
    )
    return ax
