"""The contractive penalty (Rifai et al., 2011) and the manifold-diffusion
sampler it enables (Rifai et al., 2012; §20.11).

For a one-layer encoder ``h = s(x W + b)`` the Jacobian is
``J = dh/dx = diag(s'(z)) W^T`` and its squared Frobenius norm
``||J||_F^2 = sum_j s'(z_j)^2 ||W_{:, j}||^2`` has a closed-form gradient.
"""

import numpy as np

from ..nn import sigmoid

__all__ = []


def _slope_squared(activation, z, h):
    """``s'(z)^2`` and its derivative w.r.t. ``z``."""
    if activation in ("sigmoid", "logistic"):
        d = h * (1 - h)
        return d * d, 2 * d * d * (1 - 2 * h)
    if activation == "tanh":
        d = 1 - h * h
        return d * d, -4 * h * d * d
    if activation == "softplus":
        s = sigmoid(z)
        return s * s, 2 * s * s * (1 - s)
    if activation == "relu":
        return (z > 0).astype(z.dtype), np.zeros_like(z)
    raise ValueError(f"No contraction penalty for activation {activation!r}.")


def contraction_penalty_and_grads(encoder, X, scale=None):
    """``||J_f(x)||_F^2`` per row of a one-layer ``encoder`` (float64) and,
    when ``scale`` is given, ``scale`` times the gradient of its sum."""
    layer = encoder.layers[0]
    W, b = encoder.params[layer.weight_key], encoder.params[layer.bias_key]
    z = X @ W + b
    h = encoder.predict(X)
    a, da = _slope_squared(layer.activation, z, h)
    col = (W * W).sum(axis=0)  # ||W_{:, j}||^2
    penalty = (a @ col).astype(np.float64)
    if scale is None:
        return penalty
    g_z = da * col * scale
    grads = {
        layer.weight_key: X.T @ g_z + 2 * scale * W * a.sum(axis=0),
        layer.bias_key: g_z.sum(axis=0),
    }
    return penalty, grads


def tangent_noise(encoder, X, scale, rng):
    """``J(x)^T eps``, ``eps ~ N(0, scale^2 I)`` in code space: Gaussian noise
    with covariance ``scale^2 J^T J``, along the directions the encoder is
    sensitive to (the estimated tangent plane of the data manifold)."""
    layer = encoder.layers[0]
    W, b = encoder.params[layer.weight_key], encoder.params[layer.bias_key]
    z = X @ W + b
    a, _ = _slope_squared(layer.activation, z, encoder.predict(X))
    eps = scale * rng.standard_normal(z.shape)
    return ((np.sqrt(a) * eps) @ W.T).astype(X.dtype)
