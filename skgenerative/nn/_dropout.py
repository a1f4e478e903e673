"""Dropout on the hidden layers of an :class:`~skgenerative.nn.MLP`.

Inverted dropout (Srivastava et al. 2014): during training each hidden unit
is kept with probability ``1 - rate`` and the kept activations are divided by
``1 - rate``, so the deterministic network (no dropout, no rescaling) is the
one used at prediction time. A GAN's discriminator is trained this way, and
the generator follows the gradient of the *dropped-out* discriminator
(§20.10.4: "units should be stochastically dropped while computing the
gradient for the generator network to follow").

The passes below run the layers of an ``MLP`` one by one (the same
:class:`~skgenerative.nn.Dense` forward and backward as ``MLP.forward`` /
``MLP.backward``) with a mask after every hidden layer; with ``rate=0`` they
give exactly ``MLP.forward`` / ``MLP.backward``.
"""

import numpy as np

__all__ = ["dropout_forward", "dropout_backward", "hidden_features"]


def _mask(shape, rate, rng, dtype):
    keep = rng.random(shape) >= rate
    return keep.astype(dtype) / dtype.type(1.0 - rate)


def dropout_forward(mlp, X, rate, rng):
    """Forward pass with dropout on every hidden layer's output.

    Parameters
    ----------
    mlp : skgenerative.nn.MLP
    X : ndarray of shape (n_samples, n_inputs)
    rate : float in [0, 1)
        Probability of dropping a hidden unit (0: no dropout, no draws).
    rng : numpy.random.Generator
        Draws the masks.

    Returns
    -------
    output : ndarray of shape (n_samples, n_outputs)
    cache : tuple
        The layer caches and masks, for :func:`dropout_backward`.
    """
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be in [0, 1); got {rate!r}.")
    a = np.asarray(X, dtype=mlp.dtype)
    caches, masks = [], []
    last = len(mlp.layers) - 1
    for i, layer in enumerate(mlp.layers):
        a, c = layer.forward(mlp.params, a)
        caches.append(c)
        mask = _mask(a.shape, rate, rng, mlp.dtype) if rate > 0 and i < last else None
        if mask is not None:
            a = a * mask
        masks.append(mask)
    return a, (caches, masks)


def dropout_backward(mlp, cache, grad_output, *, input_grad=False, param_grads=True):
    """Back-propagate ``grad_output`` through the dropped-out network of
    :func:`dropout_forward` (the same masks).

    Parameters
    ----------
    mlp : skgenerative.nn.MLP
    cache : tuple
        From :func:`dropout_forward`.
    grad_output : ndarray of shape (n_samples, n_outputs)
    input_grad : bool, default=False
        Also return ``d obj / d X``.
    param_grads : bool, default=True
        Whether the parameter gradients are wanted; when only the input
        gradient is (a generator following a fixed discriminator), pass False
        and an empty dict is returned in their place.

    Returns
    -------
    grads : dict of str to ndarray
    grad_input : ndarray of shape (n_samples, n_inputs)
        Only when ``input_grad=True``.
    """
    caches, masks = cache
    grads = {}
    g = np.asarray(grad_output, dtype=mlp.dtype)
    for i in range(len(mlp.layers) - 1, -1, -1):
        if masks[i] is not None:
            g = g * masks[i]
        need = input_grad or i > 0
        layer_grads, g = mlp.layers[i].backward(mlp.params, caches[i], g, need)
        if param_grads:
            grads.update(layer_grads)
    return (grads, g) if input_grad else grads


def hidden_features(mlp, X):
    """The deterministic activations of the last hidden layer (no dropout).

    Parameters
    ----------
    mlp : skgenerative.nn.MLP
        With at least one hidden layer.
    X : ndarray of shape (n_samples, n_inputs)

    Returns
    -------
    H : ndarray of shape (n_samples, mlp.layer_sizes[-2])
    """
    if len(mlp.layers) < 2:
        raise ValueError("the network has no hidden layer.")
    a = np.asarray(X, dtype=mlp.dtype)
    for layer in mlp.layers[:-1]:
        a = layer.forward(mlp.params, a)[0]
    return a
