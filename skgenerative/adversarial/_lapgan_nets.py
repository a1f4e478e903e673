"""Convolutional networks of a LAPGAN level (Denton et al. 2015, §20.10.4, §20.10.6).

A finer level's generator maps ``[z | c | labels]`` (noise, the expanded
coarser image ``c`` as a row, one-hot labels) to the band-pass detail ``h``
of the same size as ``c``. As in Denton et al.'s CIFAR-10 models the noise
enters as an extra image plane (a linear map of ``z``) beside ``c``, and
the two planes go through convolutions that keep the image size:

* :class:`NoisePlane` — ``[z | c | rest] -> [c | z A + a | rest]``;
* valid 3x3 convolutions (each shrinks the maps by 2) to
  ``conv_channels[0], conv_channels[1], ...``, then 3x3 transposed
  convolutions of stride 1 (each grows them by 2) back through
  ``..., conv_channels[0]`` and to one linear channel of the image's size,
  plus a bias per pixel. The labels enter the first convolution as
  constant planes.

The discriminator sees ``[h | c | labels]``: two image channels (detail and
coarser image), labels as planes, through
:func:`~skgenerative.nn._convnet.conv_discriminator`.
"""

import numpy as np

from ..nn._conv import Conv2D, ConvTranspose2D
from ..nn._convnet import Bias, ImageLayer, Sequential, conv_discriminator
from ..nn._mlp import _check_activation

__all__ = ["NoisePlane", "conv_level_generator", "conv_level_discriminator"]

_KERNEL = 3


class NoisePlane:
    """``[z | image | rest] -> [image | z A + a | rest]``: the noise ``z`` of
    ``n_noise`` columns becomes one image plane of ``n_pixels`` values, put
    after the image (so the two are the channels of the next convolution).

    Parameters
    ----------
    n_noise, n_pixels, n_rest : int
        Columns of ``z``, of the image (and of the plane), and after the image.
    weight_key, bias_key : str
    """

    def __init__(self, n_noise, n_pixels, n_rest, *, weight_key="W", bias_key="b"):
        self.n_noise, self.n_pixels, self.n_rest = int(n_noise), int(n_pixels), int(n_rest)
        self.n_in = self.n_noise + self.n_pixels + self.n_rest
        self.n_out = 2 * self.n_pixels + self.n_rest
        self.weight_key, self.bias_key = weight_key, bias_key

    def init_params(self, rng, dtype=np.float64):
        """Glorot-uniform ``A``, zero ``a``."""
        scale = np.sqrt(6.0 / (self.n_noise + self.n_pixels))
        A = rng.uniform(-scale, scale, size=(self.n_noise, self.n_pixels)).astype(dtype)
        return {self.weight_key: A, self.bias_key: np.zeros(self.n_pixels, dtype=dtype)}

    def forward(self, params, X):
        k, p = self.n_noise, self.n_pixels
        z = X[:, :k]
        plane = z @ params[self.weight_key] + params[self.bias_key]
        return np.concatenate([X[:, k:k + p], plane, X[:, k + p:]], axis=1), z

    def backward(self, params, cache, grad_a, input_grad=True):
        z, p = cache, self.n_pixels
        g_plane = grad_a[:, p:2 * p]
        grads = {self.weight_key: z.T @ g_plane, self.bias_key: g_plane.sum(axis=0)}
        if not input_grad:
            return grads, None
        g_z = g_plane @ params[self.weight_key].T
        return grads, np.concatenate([g_z, grad_a[:, :p], grad_a[:, 2 * p:]], axis=1)


def conv_level_generator(n_noise, n_labels, level_shape, channels, activation, *,
                         dtype=np.float64, random_state=None, prefix=""):
    """The generator of a finer LAPGAN level (module docstring).

    Returns
    -------
    Sequential
        From rows ``[z | c | labels]`` to detail rows of ``level_shape``.
    """
    _check_activation(activation)
    channels = tuple(int(c) for c in channels)
    if not channels or min(channels) < 1:
        raise ValueError(f"conv_channels needs at least one positive int; got {channels!r}.")
    h, w = (int(s) for s in level_shape)
    if min(h, w) - (_KERNEL - 1) * len(channels) < 1:
        raise ValueError(
            f"LAPGAN level images of shape {(h, w)} are too small for {len(channels)} "
            f"convolution layers (conv_channels={channels!r}); use fewer conv_channels or "
            "fewer levels.")
    layers = [NoisePlane(n_noise, h * w, n_labels, weight_key=f"{prefix}W0",
                         bias_key=f"{prefix}b0")]
    shape = (2, h, w)
    for i, c in enumerate(channels):  # shrinking
        conv = Conv2D(shape[0] + (n_labels if i == 0 else 0), c, _KERNEL,
                      activation=activation, weight_key=f"{prefix}W{len(layers)}",
                      bias_key=f"{prefix}b{len(layers)}")
        layers.append(ImageLayer(conv, shape, n_planes=n_labels if i == 0 else 0))
        shape = layers[-1].out_shape
    growing = (*channels[-2::-1], 1)  # back to the image size, one linear channel
    for i, c in enumerate(growing):
        up = ConvTranspose2D(shape[0], c, _KERNEL, stride=1,
                             activation=activation if i < len(growing) - 1 else "linear",
                             weight_key=f"{prefix}W{len(layers)}",
                             bias_key=f"{prefix}b{len(layers)}")
        layers.append(ImageLayer(up, shape))
        shape = layers[-1].out_shape
    layers.append(Bias(h * w, bias_key=f"{prefix}b{len(layers)}"))
    return Sequential(layers, dtype=dtype, random_state=random_state)


def conv_level_discriminator(n_labels, level_shape, channels, hidden_sizes, activation, *,
                             dtype=np.float64, random_state=None, prefix=""):
    """The discriminator of a finer LAPGAN level: rows ``[h | c | labels]``
    to one logit (module docstring)."""
    return conv_discriminator(level_shape, n_labels, channels, hidden_sizes, activation,
                              in_channels=2, dtype=dtype, random_state=random_state,
                              prefix=prefix)
