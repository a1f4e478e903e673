"""Convolutional networks on rows: DCGAN-style generators and discriminators (§20.10.6).

Estimators store images as rows of ``height * width`` pixels. The networks
here keep that interface: :class:`ImageLayer` wraps a convolution,
transposed convolution or un-pooling layer so that it reads and writes
flat rows (reshaping to ``(n, channels, height, width)`` inside), and
:class:`Sequential` chains such layers and :class:`~skgenerative.nn.Dense`
layers with the forward / backward / ``params`` interface of
:class:`~skgenerative.nn.MLP` (it subclasses it), so the dropout passes of
``nn._dropout``, the optimizers and every caller of an ``MLP`` take a
convolutional network unchanged.

* :func:`conv_generator` — dense layers, a dense map to a small stack of
  feature maps, transposed convolutions (stride 2) that double their size,
  and a last convolution to one linear channel, cropped to the image
  (Radford et al. 2015's generator; batch normalisation optional);
* :func:`conv_discriminator` — convolutions (the first of stride 1, the
  others of stride 2), then dense layers and one output logit. Extra input
  columns (a conditional GAN's one-hot labels) enter the first convolution
  as constant planes.
"""

import numpy as np

from ..utils.random import check_generator
from ._batchnorm import BatchNorm
from ._conv import Conv2D, ConvTranspose2D, Unpool2D
from ._mlp import MLP, Dense, _check_activation

__all__ = ["ImageLayer", "Bias", "MinibatchStd", "Sequential", "batch_normalised_mlp",
           "conv_generator", "conv_discriminator", "resolve_image_shape"]

#: Kernel of the transposed convolutions (stride 2: a size h becomes 2 h + 2)
#: and of the convolutions.
_UP_KERNEL, _KERNEL = 4, 3


def _output_shape(layer, shape):
    c, h, w = shape
    if isinstance(layer, Unpool2D):
        return (c, h * layer.k, w * layer.k)
    return (layer.out_channels, layer.output_size(h), layer.output_size(w))


class ImageLayer:
    """A layer on 4-D images applied to flat rows.

    Parameters
    ----------
    layer : Conv2D, ConvTranspose2D or Unpool2D
    in_shape : (int, int, int)
        ``(channels, height, width)`` of the image part of an input row.
    n_planes : int, default=0
        Extra input columns after the image, each broadcast to a constant
        ``height x width`` plane appended as a channel (the layer must take
        ``channels + n_planes`` input channels).
    crop : None or (int, int), default=None
        Keep only the upper-left ``height x width`` of the output.
    """

    def __init__(self, layer, in_shape, *, n_planes=0, crop=None):
        self.layer = layer
        self.in_shape = tuple(int(s) for s in in_shape)
        self.n_planes = int(n_planes)
        shape = _output_shape(layer, (self.in_shape[0] + self.n_planes, *self.in_shape[1:]))
        if min(shape) < 1:
            raise ValueError(f"{type(layer).__name__} maps an input of shape "
                             f"{self.in_shape} to the empty shape {shape}.")
        self.full_shape = shape
        if crop is not None:
            if crop[0] > shape[1] or crop[1] > shape[2]:
                raise ValueError(f"cannot crop {shape[1:]} to {tuple(crop)}.")
            shape = (shape[0], int(crop[0]), int(crop[1]))
        self.out_shape = shape
        self.crop = crop
        self.n_in = int(np.prod(self.in_shape)) + self.n_planes
        self.n_out = int(np.prod(shape))

    def init_params(self, rng, dtype=np.float64):
        return self.layer.init_params(rng, dtype)

    def forward(self, params, X):
        n = X.shape[0]
        p = X.shape[1] - self.n_planes
        images = X[:, :p].reshape(n, *self.in_shape)
        if self.n_planes:
            planes = np.broadcast_to(X[:, p:, None, None],
                                     (n, self.n_planes, *self.in_shape[1:]))
            images = np.concatenate([images, planes], axis=1)
        a, cache = self.layer.forward(params, images)
        if self.crop is not None:
            a = a[:, :, :self.crop[0], :self.crop[1]]
        return np.ascontiguousarray(a).reshape(n, self.n_out), cache

    def backward(self, params, cache, grad_a, input_grad=True):
        n = grad_a.shape[0]
        g = grad_a.reshape(n, *self.out_shape)
        if self.crop is not None:
            full = np.zeros((n, *self.full_shape), dtype=g.dtype)
            full[:, :, :self.crop[0], :self.crop[1]] = g
            g = full
        grads, gX = self.layer.backward(params, cache, g, input_grad)
        if gX is None:
            return grads, None
        c = self.in_shape[0]
        flat = gX[:, :c].reshape(n, -1)
        if self.n_planes:
            flat = np.concatenate([flat, gX[:, c:].sum(axis=(2, 3))], axis=1)
        return grads, flat


class Bias:
    """A bias per unit, ``a = X + b``: a convolutional network's per-pixel
    output offset (a convolution's own bias is one per channel)."""

    def __init__(self, n, *, bias_key="b"):
        self.n_in = self.n_out = int(n)
        self.bias_key = bias_key

    def init_params(self, rng, dtype=np.float64):
        return {self.bias_key: np.zeros(self.n_out, dtype=dtype)}

    def forward(self, params, X):
        return X + params[self.bias_key], None

    def backward(self, params, cache, grad_a, input_grad=True):
        return {self.bias_key: grad_a.sum(axis=0)}, (grad_a if input_grad else None)


class MinibatchStd:
    """Append one column: the features' standard deviation across a group of
    rows (the minibatch standard-deviation feature of Karras et al. 2018).

    Rows are split into consecutive groups of ``group_size`` (the last group
    may be smaller); for each group the standard deviation of every feature
    over the group's rows (``sqrt(var + eps)``) is averaged over the
    features, and that one number is appended to each of the group's rows.
    A discriminator that sees it can tell a batch of near-identical
    generated rows from a batch of varied real ones, so a generator that
    collapses onto a few shapes is penalised (a remedy against mode
    collapse). A row's output depends on the other rows of its group: in a
    GAN, real and generated rows pass in separate halves of the stacked
    batch, and groups lie within a half when the batch size is a multiple
    of ``group_size``.
    """

    def __init__(self, n, *, group_size=4, eps=1e-8):
        self.n_in = int(n)
        self.n_out = self.n_in + 1
        self.group_size = int(group_size)
        self.eps = float(eps)

    def init_params(self, rng, dtype=np.float64):
        return {}

    def _groups(self, n):
        return [slice(i, min(i + self.group_size, n)) for i in range(0, n, self.group_size)]

    def forward(self, params, X):
        stat = np.empty((X.shape[0], 1), dtype=X.dtype)
        parts = []
        for rows in self._groups(X.shape[0]):
            centred = X[rows] - X[rows].mean(axis=0)
            std = np.sqrt(np.mean(centred**2, axis=0) + self.eps)
            stat[rows] = std.mean()
            parts.append((centred, std))
        return np.concatenate([X, stat], axis=1), parts

    def backward(self, params, cache, grad_a, input_grad=True):
        if not input_grad:
            return {}, None
        gX = np.array(grad_a[:, :self.n_in])
        for rows, (centred, std) in zip(self._groups(grad_a.shape[0]), cache):
            # d mean_j std_j / d x_ij = (x_ij - mu_j) / (n_rows p std_j)
            total = grad_a[rows, self.n_in].sum()
            gX[rows] += total * centred / (centred.shape[0] * self.n_in * std)
        return {}, gX


def resolve_image_shape(image_shape, n_features):
    """``(height, width)`` of the images stored as rows of ``n_features``
    pixels: ``image_shape`` checked, or (None) square when ``n_features`` is
    a square number, else one row ``(1, n_features)``."""
    if image_shape is None:
        side = int(round(np.sqrt(n_features)))
        return (side, side) if side * side == n_features else (1, n_features)
    shape = tuple(int(s) for s in image_shape)
    if len(shape) != 2 or shape[0] * shape[1] != n_features:
        raise ValueError(f"image_shape {image_shape!r} does not hold {n_features} "
                         "pixels per row.")
    return shape


class Sequential(MLP):
    """A chain of layers on rows (:class:`~skgenerative.nn.Dense` and
    :class:`ImageLayer`) with the interface of :class:`~skgenerative.nn.MLP`.

    Parameters
    ----------
    layers : list
        Layers with ``n_in``, ``n_out``, ``init_params``, ``forward`` and
        ``backward``; each one's ``n_in`` is the previous one's ``n_out``.
    dtype : dtype, default=np.float64
    random_state : None, int or numpy.random.Generator
        Initialisation of the weights, layer by layer.

    Attributes
    ----------
    layers : list
    layer_sizes : tuple of int
        Width of the input rows and of every layer's output rows.
    params : dict of str to ndarray
    """

    def __init__(self, layers, *, dtype=np.float64, random_state=None):
        for before, after in zip(layers[:-1], layers[1:]):
            if before.n_out != after.n_in:
                raise ValueError(f"a layer of {before.n_out} outputs feeds one of "
                                 f"{after.n_in} inputs.")
        self.layers = list(layers)
        self.layer_sizes = (layers[0].n_in, *(layer.n_out for layer in layers))
        self.prefix = ""
        self.dtype = np.dtype(dtype)
        rng = check_generator(random_state)
        self.params = {}
        for layer in self.layers:
            self.params.update(layer.init_params(rng, self.dtype))


def _keys(prefix, i):
    return dict(weight_key=f"{prefix}W{i}", bias_key=f"{prefix}b{i}")


def _batch_norm(n_channels, n_positions, activation, prefix, i):
    """The BatchNorm layer at position ``i`` of a chain (keys ``gamma{i}``, ``beta{i}``)."""
    return BatchNorm(n_channels, n_positions, activation, scale_key=f"{prefix}gamma{i}",
                     shift_key=f"{prefix}beta{i}")


def _check_channels(channels):
    channels = tuple(int(c) for c in channels)
    if not channels or min(channels) < 1:
        raise ValueError(f"conv_channels needs at least one positive int; got {channels!r}.")
    return channels


def _seed_size(size, n_up):
    """The smallest side of the first feature map from which ``n_up``
    transposed convolutions (``h -> 2 h + 2``) and the last convolution
    (``h -> h - 2``) reach at least ``size``."""
    h = 1
    while True:
        s = h
        for _ in range(n_up):
            s = 2 * s + _UP_KERNEL - 2
        if s - (_KERNEL - 1) >= size:
            return h
        h += 1


def batch_normalised_mlp(layer_sizes, activation, *, dtype=np.float64, random_state=None,
                         prefix=""):
    """An MLP whose hidden layers are linear :class:`~skgenerative.nn.Dense`
    layers each followed by a :class:`~skgenerative.nn._batchnorm.BatchNorm`
    layer that applies ``activation``; the output layer is linear. Keys as
    :class:`~skgenerative.nn.MLP`'s (``W{i}``, ``b{i}``) plus ``gamma{i}``,
    ``beta{i}``, numbered by position in the chain.

    Returns
    -------
    Sequential
    """
    _check_activation(activation)
    sizes = [int(s) for s in layer_sizes]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(Dense(sizes[i], sizes[i + 1], "linear", **_keys(prefix, len(layers))))
        if i < len(sizes) - 2:
            layers.append(_batch_norm(sizes[i + 1], 1, activation, prefix, len(layers)))
    return Sequential(layers, dtype=dtype, random_state=random_state)


def conv_generator(n_inputs, image_shape, channels, hidden_sizes, activation, *,
                   out_channels=1, pixel_bias=False, batch_norm=False, dtype=np.float64,
                   random_state=None, prefix=""):
    """A DCGAN-style generator from ``n_inputs`` columns to image rows.

    Dense layers of ``hidden_sizes``, a dense layer to ``channels[-1]``
    feature maps of a small seed size, transposed convolutions (kernel 4,
    stride 2) through ``channels[-2], ..., channels[0]``, then a convolution
    (kernel 3) to ``out_channels`` linear channels cropped to
    ``image_shape`` (rows ``[channel 0 pixels, channel 1 pixels, ...]``),
    followed by a bias per output unit when ``pixel_bias``. With
    ``batch_norm`` every layer but the last is linear and followed by a
    :class:`~skgenerative.nn._batchnorm.BatchNorm` layer (per unit after a
    dense layer, per channel after a transposed convolution) that applies
    ``activation``, as in Radford et al. (2015).

    Returns
    -------
    Sequential
    """
    _check_activation(activation)
    channels = _check_channels(channels)
    H, W = (int(s) for s in image_shape)
    n_up = len(channels) - 1
    h0, w0 = _seed_size(H, n_up), _seed_size(W, n_up)
    hidden_activation = "linear" if batch_norm else activation
    layers = []

    def normalise(n_channels, n_positions):
        if batch_norm:
            layers.append(_batch_norm(n_channels, n_positions, activation, prefix, len(layers)))

    widths = [int(n_inputs), *(int(s) for s in hidden_sizes)]
    for i in range(len(widths) - 1):
        layers.append(Dense(widths[i], widths[i + 1], hidden_activation,
                            **_keys(prefix, len(layers))))
        normalise(widths[i + 1], 1)
    shape = (channels[-1], h0, w0)
    layers.append(Dense(widths[-1], int(np.prod(shape)), hidden_activation,
                        **_keys(prefix, len(layers))))
    normalise(shape[0], h0 * w0)
    for i in range(n_up, 0, -1):
        up = ConvTranspose2D(channels[i], channels[i - 1], _UP_KERNEL, stride=2,
                             activation=hidden_activation, **_keys(prefix, len(layers)))
        layers.append(ImageLayer(up, shape))
        shape = layers[-1].out_shape
        normalise(shape[0], shape[1] * shape[2])
    last = Conv2D(channels[0], int(out_channels), _KERNEL, activation="linear",
                  **_keys(prefix, len(layers)))
    layers.append(ImageLayer(last, shape, crop=(H, W)))
    if pixel_bias:
        layers.append(Bias(layers[-1].n_out, bias_key=f"{prefix}b{len(layers)}"))
    return Sequential(layers, dtype=dtype, random_state=random_state)


def conv_discriminator(image_shape, n_extra, channels, hidden_sizes, activation, *,
                       in_channels=1, minibatch_std=False, dtype=np.float64,
                       random_state=None, prefix=""):
    """A DCGAN-style discriminator from image rows (plus ``n_extra`` columns,
    constant input planes) to one logit.

    Convolutions (kernel 3) to ``channels[0], channels[1], ...``, the first
    of stride 1 and the others of stride 2, then dense layers of
    ``hidden_sizes`` and a linear output. A row holds ``in_channels``
    images of ``image_shape`` one after the other (a LAPGAN level: the
    detail and the coarser image), then the ``n_extra`` columns.

    Returns
    -------
    Sequential
    """
    _check_activation(activation)
    channels = _check_channels(channels)
    H, W = (int(s) for s in image_shape)
    shape = (int(in_channels), H, W)
    layers = []
    for i, c in enumerate(channels):
        in_channels = shape[0] + (n_extra if i == 0 else 0)
        if min(shape[1:]) < _KERNEL:
            raise ValueError(
                f"images of shape {(H, W)} are too small for {len(channels)} convolution "
                f"layers (conv_channels={channels!r}): feature maps of {shape[1:]} reach "
                f"layer {i}; use fewer conv_channels.")
        conv = Conv2D(in_channels, c, _KERNEL, stride=1 if i == 0 else 2,
                      activation=activation, **_keys(prefix, i))
        layers.append(ImageLayer(conv, shape, n_planes=n_extra if i == 0 else 0))
        shape = layers[-1].out_shape
    widths = [int(np.prod(shape)), *(int(s) for s in hidden_sizes), 1]
    if minibatch_std:
        layers.append(MinibatchStd(widths[0]))
        widths[0] += 1
    for j in range(len(widths) - 1):
        act = activation if j < len(widths) - 2 else "linear"
        layers.append(Dense(widths[j], widths[j + 1], act, **_keys(prefix, len(layers))))
    return Sequential(layers, dtype=dtype, random_state=random_state)
