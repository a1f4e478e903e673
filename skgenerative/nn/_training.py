"""The minibatch-optimizer loop of every back-propagated model.

One epoch is the same everywhere: visit the rows in a given order, in
batches; for each batch ask the model for its objective and gradients,
put the gradients on the scale of the batch mean (and add a weight
penalty), take one optimizer step, report progress. A model supplies only
the objective of a batch (:func:`minibatch_epoch`'s ``batch_objective``).
"""

import numpy as np

from ._losses import softmax_cross_entropy

__all__ = ["minibatch_epoch", "softmax_classifier_epoch"]


def minibatch_epoch(
    X,
    y,
    order,
    batch_size,
    batch_objective,
    optimizer,
    *,
    gradients="sum",
    alpha=0.0,
    progress=None,
):
    """One epoch of minibatch optimisation: one ``optimizer.step`` per batch.

    Rows are visited in ``order`` in consecutive batches of ``batch_size``
    (the last one may be smaller). For each batch the loop calls
    ``batch_objective(X[rows], y[rows])`` (``y[rows]`` is None when ``y`` is
    None), which returns ``(objective, grads)``:

    * ``objective``: a float or an array of per-row values; the loop adds
      their sum (as a Python float) to the epoch total;
    * ``grads``: dict of arrays keyed like ``optimizer.params``; with
      ``gradients="sum"`` they are gradients of the objective *summed* over
      the batch and the loop multiplies them in place by ``1 / n_rows`` (the
      step follows the batch mean); with ``gradients="mean"`` the hook has
      already scaled them (e.g. the output gradient before back-propagation)
      and the loop uses them as they are.

    Then, if ``alpha`` is non-zero, ``alpha * param`` (the gradient of
    ``alpha / 2 * ||param||^2``) is added to the gradient of every penalised
    weight matrix (the keys starting with ``"W"``, as in :class:`MLP`), read
    from ``optimizer.params``; the sign follows the
    optimizer's convention, so ``alpha`` penalises a *minimised* loss
    (``maximize=False``). Finally ``optimizer.step(grads)`` and
    ``progress(n_rows)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, ...) or None
        Targets handed to the hook with the same rows (None: unsupervised).
    order : ndarray of int of shape (n_rows,) or None
        The rows of the epoch, in visiting order (e.g. ``rng.permutation``);
        None means every row in the given order.
    batch_size : int
    batch_objective : callable
        ``batch_objective(X_batch, y_batch) -> (objective, grads)``.
    optimizer : skgenerative.nn.SGD or Adam
        Its ``params`` are the arrays the gradients refer to.
    gradients : {"sum", "mean"}, default="sum"
        What ``grads`` are: of the summed objective (the loop divides by the
        batch size) or already of the batch mean.
    alpha : float, default=0.0
        L2 penalty on the weight matrices.
    progress : callable or None, default=None
        Called with the number of rows after each batch.

    Returns
    -------
    mean_objective : float
        Sum of the batch objectives (each taken before its batch's step,
        without the penalty) divided by the number of rows visited.
    """
    if gradients not in ("sum", "mean"):
        raise ValueError(f"gradients must be 'sum' or 'mean'; got {gradients!r}.")
    if order is None:
        order = np.arange(X.shape[0])
    total = 0.0
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        objective, grads = batch_objective(X[rows], None if y is None else y[rows])
        if gradients == "sum":
            scale = 1.0 / len(rows)
            for g in grads.values():
                g *= scale
        if alpha:
            _add_l2_penalty(grads, optimizer.params, alpha)
        optimizer.step(grads)
        total += float(np.sum(objective))
        if progress is not None:
            progress(len(rows))
    return total / len(order)


def _add_l2_penalty(grads, params, alpha):
    """``grads[key] += alpha * params[key]`` for the weight matrices (new
    arrays: a hook may return views it still needs)."""
    for key in grads:
        if key.startswith("W"):
            grads[key] = grads[key] + alpha * params[key]


def softmax_classifier_epoch(mlp, optimizer, X, y, order, batch_size, *, alpha=0.0, progress=None):
    """One epoch of minibatch training of a classifier network.

    ``mlp`` maps rows of ``X`` to class logits; rows are visited in ``order``
    in batches of ``batch_size``. Each step back-propagates the batch-mean
    softmax cross-entropy plus ``alpha / 2`` times the squared norm of the
    weight matrices (parameters whose key starts with ``"W"``) and calls
    ``optimizer.step`` (an optimizer built with ``maximize=False``). An
    instance of :func:`minibatch_epoch`.

    Parameters
    ----------
    mlp : skgenerative.nn.MLP
    optimizer : skgenerative.nn.SGD or Adam
        Over ``mlp.params``.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Class indices.
    order : ndarray of int or None
        Row order of the epoch (None: in order).
    batch_size : int
    alpha : float, default=0.0
        L2 penalty on the weights.
    progress : callable or None
        Called with the number of rows after each batch.

    Returns
    -------
    loss : float
        Mean cross-entropy over the epoch (without the penalty), before each
        batch's step.
    """

    def cross_entropy(X_batch, y_batch):
        logits, cache = mlp.forward(X_batch)
        loss, grad = softmax_cross_entropy(logits, y_batch)
        # scale before back-propagation: the gradients come out as batch means
        return loss, mlp.backward(cache, grad / len(y_batch))

    return minibatch_epoch(
        X, y, order, batch_size, cross_entropy, optimizer,
        gradients="mean", alpha=alpha, progress=progress,
    )
