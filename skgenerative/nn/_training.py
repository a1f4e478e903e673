"""Training loops on top of the MLP: the pieces several estimators share."""

from ._losses import softmax_cross_entropy

__all__ = ["softmax_classifier_epoch"]


def softmax_classifier_epoch(mlp, optimizer, X, y, order, batch_size, *, alpha=0.0, progress=None):
    """One epoch of minibatch training of a classifier network.

    ``mlp`` maps rows of ``X`` to class logits; rows are visited in ``order``
    in batches of ``batch_size``. Each step back-propagates the batch-mean
    softmax cross-entropy plus ``alpha / 2`` times the squared norm of the
    weight matrices (parameters whose key starts with ``"W"``) and calls
    ``optimizer.step`` (an optimizer built with ``maximize=False``).

    Parameters
    ----------
    mlp : skgenerative.nn.MLP
    optimizer : skgenerative.nn.SGD or Adam
        Over ``mlp.params``.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Class indices.
    order : ndarray of int
        Row order of the epoch.
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
    total = 0.0
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        logits, cache = mlp.forward(X[rows])
        loss, grad = softmax_cross_entropy(logits, y[rows])
        grads = mlp.backward(cache, grad / len(rows))
        if alpha:
            for key, value in mlp.params.items():
                if key.startswith("W"):
                    grads[key] = grads[key] + alpha * value
        optimizer.step(grads)
        total += float(loss.sum())
        if progress is not None:
            progress(len(rows))
    return total / len(order)
