"""Dense forward/backward passes of the order-agnostic NADE network.

Plain numpy (BLAS GEMMs). The network maps the input ``u`` and the mask ``m``
to output logits through ``L`` equally wide hidden layers::

    h_1 = act(u Wx + m Wm + c_1),  h_l = act(h_{l-1} U_{l-1} + c_l),
    logits = h_L V^T + b.

These are generic dense-layer back-propagation helpers written here because
``skgenerative.nn`` had no layer toolkit yet; they should move onto it (one
back-propagation implementation for the package) when it lands.

``params`` is a dict with the keys of :data:`PARAM_KEYS`: ``weights_`` (D, H),
``mask_weights_`` (D, H), ``hidden_weights_`` (L - 1, H, H),
``intercept_hidden_`` (L, H), ``output_weights_`` (D, H),
``intercept_visible_`` (D,).
"""

import numpy as np
from scipy.special import expit

PARAM_KEYS = (
    "weights_",
    "mask_weights_",
    "hidden_weights_",
    "intercept_hidden_",
    "output_weights_",
    "intercept_visible_",
)


def _relu(z):
    return np.maximum(z, 0, out=z)


def _relu_derivative(h):
    return (h > 0).astype(h.dtype)


def _sigmoid_derivative(h):
    return h * (1 - h)


ACTIVATIONS = {"relu": _relu, "sigmoid": lambda z: expit(z, out=z)}
DERIVATIVES = {"relu": _relu_derivative, "sigmoid": _sigmoid_derivative}


def upper_layers_forward(h, params, activation):
    """Hidden layers 2..L from h_1; returns the list [h_1, ..., h_L]."""
    act = ACTIVATIONS[activation]
    hidden = [h]
    for layer, U in enumerate(params["hidden_weights_"]):
        hidden.append(act(hidden[-1] @ U + params["intercept_hidden_"][layer + 1]))
    return hidden


def network_forward(U, M, params, activation):
    """Logits (n, D) and the hidden activations of every layer."""
    z = U @ params["weights_"] + M @ params["mask_weights_"] + params["intercept_hidden_"][0]
    hidden = upper_layers_forward(ACTIVATIONS[activation](z), params, activation)
    logits = hidden[-1] @ params["output_weights_"].T + params["intercept_visible_"]
    return logits, hidden


def network_backward(dlogits, U, M, hidden, params, activation, grads):
    """Accumulate parameter gradients into ``grads``; return d/dU."""
    deriv = DERIVATIVES[activation]
    grads["output_weights_"] += dlogits.T @ hidden[-1]
    grads["intercept_visible_"] += dlogits.sum(axis=0)
    dh = dlogits @ params["output_weights_"]
    for layer in range(len(hidden) - 1, 0, -1):
        dz = dh * deriv(hidden[layer])
        grads["hidden_weights_"][layer - 1] += hidden[layer - 1].T @ dz
        grads["intercept_hidden_"][layer] += dz.sum(axis=0)
        dh = dz @ params["hidden_weights_"][layer - 1].T
    dz = dh * deriv(hidden[0])
    grads["weights_"] += U.T @ dz
    grads["mask_weights_"] += M.T @ dz
    grads["intercept_hidden_"][0] += dz.sum(axis=0)
    return dz @ params["weights_"].T
