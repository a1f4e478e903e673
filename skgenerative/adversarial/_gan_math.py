"""The GAN game's losses and one round of it, as functions of the networks.

The discriminator ``d(x) = sigmoid(D(x))`` is represented by its logit
``D(x)``. Losses are *minimised* and returned with their gradients w.r.t.
the logits (of the batch-mean loss), so that they back-propagate directly:

* discriminator (eq. 20.81, maximise ``v``): ``-E log d(x) - E log(1 - d(g(z)))``
  ``= mean softplus(-D(x)) + mean softplus(D(g(z)))``;
* generator, ``loss="minimax"`` (the zero-sum game of eq. 20.80, the generator
  receives ``-v``): ``E log(1 - d(g(z))) = -mean softplus(D(g(z)))``;
* generator, ``loss="non_saturating"`` (§20.10.4, Goodfellow et al. 2014):
  ``-E log d(g(z)) = mean softplus(-D(g(z)))``, whose gradient stays large
  when the discriminator confidently rejects the samples.
"""

import numpy as np

from ..nn import sigmoid, softplus
from ..nn._dropout import dropout_backward, dropout_forward

__all__ = ["discriminator_loss", "generator_loss", "GENERATOR_LOSSES"]

GENERATOR_LOSSES = ("minimax", "non_saturating")


def discriminator_loss(logits_real, logits_fake):
    """``mean softplus(-l_real) + mean softplus(l_fake)`` and its gradients.

    Returns
    -------
    loss : float
    grad_real, grad_fake : ndarray
        Gradients of ``loss`` w.r.t. each logit (shapes of the inputs).
    """
    n_real, n_fake = logits_real.shape[0], logits_fake.shape[0]
    loss = float(np.mean(softplus(-logits_real)) + np.mean(softplus(logits_fake)))
    grad_real = (sigmoid(logits_real) - 1.0) / n_real
    grad_fake = sigmoid(logits_fake) / n_fake
    return loss, grad_real, grad_fake


def generator_loss(logits_fake, kind):
    """The generator's batch-mean loss (``kind`` in ``GENERATOR_LOSSES``) and
    its gradient w.r.t. the discriminator's logits on the samples."""
    n = logits_fake.shape[0]
    if kind == "minimax":
        return float(-np.mean(softplus(logits_fake))), -sigmoid(logits_fake) / n
    if kind == "non_saturating":
        return float(np.mean(softplus(-logits_fake))), (sigmoid(logits_fake) - 1.0) / n
    raise ValueError(f"Unknown generator loss {kind!r}; use one of {GENERATOR_LOSSES}.")


def _with_labels(A, labels):
    """Rows of ``A`` with the one-hot ``labels`` appended (conditional GAN)."""
    return A if labels is None else np.concatenate([A, labels], axis=1)


def discriminator_step(generator, discriminator, X, labels, noise, rate, rng):
    """Loss, parameter gradients and accuracy of one discriminator update.

    Real rows ``X`` and generated rows ``g(noise)`` (both with their one-hot
    ``labels`` appended when conditional) pass through the dropped-out
    discriminator in one stacked batch.

    Returns
    -------
    loss : float
    grads : dict
        Of the discriminator's parameters.
    accuracy : float
        Fraction of real rows with ``D > 0`` and generated rows with ``D < 0``.
    """
    fake = generator.predict(_with_labels(noise, labels))
    n = X.shape[0]
    stacked = np.concatenate([_with_labels(X, labels), _with_labels(fake, labels)], axis=0)
    logits, cache = dropout_forward(discriminator, stacked, rate, rng)
    logits = logits[:, 0]
    loss, g_real, g_fake = discriminator_loss(logits[:n], logits[n:])
    grads = dropout_backward(discriminator, cache, np.concatenate([g_real, g_fake])[:, None])
    accuracy = float((np.sum(logits[:n] > 0) + np.sum(logits[n:] < 0)) / logits.shape[0])
    return loss, grads, accuracy


def generator_step(generator, discriminator, labels, noise, kind, rate, rng):
    """Loss and parameter gradients of one generator update: the gradient of
    the generator's loss through the (dropped-out, fixed) discriminator into
    the samples, then through the generator."""
    fake, g_cache = generator.forward(_with_labels(noise, labels))
    logits, d_cache = dropout_forward(discriminator, _with_labels(fake, labels), rate, rng)
    loss, g_logits = generator_loss(logits[:, 0], kind)
    _, g_input = dropout_backward(
        discriminator, d_cache, g_logits[:, None], input_grad=True, param_grads=False
    )
    return loss, generator.backward(g_cache, g_input[:, : fake.shape[1]])
