"""LAPGAN (Denton et al. 2015): a Laplacian pyramid of conditional GANs (§20.10.4)."""

import numbers

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval

from ..nn import MLP, Adam
from ..nn._convnet import resolve_image_shape
from ._common import CONV_CONSTRAINTS
from ._gan import _COLLAPSE_CHECK_SAMPLES, _AdversarialNet
from ._gan_math import _with_labels, discriminator_step, generator_step
from ._lapgan_nets import conv_level_discriminator, conv_level_generator
from ._pyramid import expand, pyramid_shapes, reduce

__all__ = ["LAPGAN"]


def _merge(parts):
    merged = {}
    for part in parts:
        merged.update(part)
    return merged


class LAPGAN(_AdversarialNet):
    """Laplacian pyramid of adversarial networks (Denton, Chintala, Szlam & Fergus 2015).

    The image is generated coarse to fine: a GAN draws the coarsest level
    ``I_K`` of the Laplacian pyramid, and at every finer level ``k`` a
    conditional GAN draws the band-pass detail ``h_k`` given the expanded
    coarser image, ``I_k = expand(I_{k+1}) + g_k(z_k, expand(I_{k+1}))``
    (§20.10.4). Level ``k``'s networks are trained on the pyramid of the
    training images: its discriminator tells real details ``h_k = I_k -
    expand(I_{k+1})`` from generated ones, both conditioned on the real
    ``expand(I_{k+1})``. Each level is a GAN as in :class:`GAN` (same
    losses, dropout, ``n_critic``), dense or (``architecture="conv"``)
    convolutional; all levels take their steps together,
    one per batch. ``fit(X, y)`` with class labels trains a class-conditional
    LAPGAN (Denton et al.'s CIFAR-10 models): the one-hot label is appended
    to the input of every level's generator and discriminator, and
    ``sample(n, y=...)`` draws images of the given labels.

    Parameters
    ----------
    n_components : int, default=8
        Dimension of the noise of every level.
    levels : int, default=2
        Pyramid levels (at least two): each halves the image's height and
        width (an axis of length 1 is kept).
    image_shape : None or (int, int), default=None
        ``(height, width)`` of the images stored as rows. None: square when
        ``n_features`` is a square number, else one row ``(1, n_features)``.
    architecture : {"dense", "conv"}, default="dense"
        ``"conv"``: every level but the coarsest is convolutional (the
        coarsest stays dense, as in Denton et al.'s models). A level's
        generator takes the noise as one more image plane (a linear map of
        ``z``) beside the expanded coarser image and applies 3x3
        convolutions through ``conv_channels`` and 3x3 transposed
        convolutions of stride 1 back to the level's size, to one linear
        channel plus a bias per pixel (labels enter as constant planes); its
        discriminator takes the detail and the coarser image as two
        channels, through the convolutions of :class:`GAN`'s conv
        discriminator and then its dense layers.
    conv_channels : tuple of int, default=(16, 32)
        Feature maps of the convolution layers (``architecture="conv"``).
    generator_layer_sizes, discriminator_layer_sizes, activation, \
discriminator_activation, loss, dropout, n_critic, learning_rate, batch_size, \
max_iter, n_score_samples, dtype, warm_start, verbose, random_state
        As in :class:`GAN`, for the networks of every level (the hidden
        layers of the dense levels; ``discriminator_layer_sizes`` also after
        the convolutions of a conv discriminator). With
        ``architecture="conv"``, ``"auto"`` activations are tanh
        (generators) and leaky relu (discriminators) at every level, and the
        ``"auto"`` learning rate is 2e-4 (1e-3 for dense levels) and
        ``max_iter="auto"`` 50 epochs (200 dense).

    Attributes
    ----------
    generators_, discriminators_ : list of skgenerative.nn.MLP
        Per level, finest first (convolutional levels: networks with the
        same interface).
    g_optimizer_, d_optimizer_ : skgenerative.nn.Adam
        Over the parameters of all levels.
    classes_ : ndarray of shape (n_classes,)
        Labels of a conditional LAPGAN (only after ``fit(X, y)``).
    class_prior_ : ndarray of shape (n_classes,)
        Label frequencies of the training data (conditional LAPGAN).
    image_shape_ : tuple of int
    level_shapes_ : list of tuple of int
        Image shape of every level, finest first.
    data_mean_, data_scale_, score_bandwidths_, score_seed_, dtype_, \
random_state_, n_iter_, n_features_in_, feature_names_in_
        As in :class:`GAN`.

    See Also
    --------
    GAN : one level, dense or convolutional.

    Notes
    -----
    Like every GAN it has no likelihood and no ``score_samples``;
    :meth:`score` is the negative MMD^2 between samples and the data (of
    (image, label) pairs when ``y`` is given to a conditional model). There
    is no ``transform``: the
    discriminators see pyramid levels, not images (use :class:`GAN` for
    discriminator features).

    References
    ----------
    Denton, E., Chintala, S., Szlam, A. and Fergus, R. (2015). Deep generative
    image models using a Laplacian pyramid of adversarial networks. NIPS.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skgenerative.adversarial import LAPGAN
    >>> X = load_digits().data / 16
    >>> lapgan = LAPGAN(max_iter=2, random_state=0).fit(X)
    >>> lapgan.level_shapes_
    [(8, 8), (4, 4)]
    >>> lapgan.sample(3).shape
    (3, 64)
    >>> conditional = LAPGAN(max_iter=2, random_state=0).fit(X, load_digits().target)
    >>> conditional.sample(2, y=7).shape
    (2, 64)
    """

    _state_names = ("generators_", "discriminators_", "g_optimizer_", "d_optimizer_",
                    "random_state_", "_n_stuck_epochs", "_stuck_warned", "_collapse_warned",
                    "diversity_ratio_")

    _parameter_constraints = {
        **_AdversarialNet._parameter_constraints,
        **CONV_CONSTRAINTS,
        "levels": [Interval(numbers.Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        n_components=8,
        *,
        levels=2,
        image_shape=None,
        generator_layer_sizes=(128, 128),
        discriminator_layer_sizes=(128, 128),
        activation="auto",
        discriminator_activation="auto",
        architecture="dense",
        conv_channels=(16, 32),
        loss="non_saturating",
        dropout=0.0,
        n_critic=1,
        learning_rate="auto",
        batch_size=100,
        max_iter="auto",
        n_score_samples=500,
        dtype=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        super().__init__(
            n_components, generator_layer_sizes=generator_layer_sizes,
            discriminator_layer_sizes=discriminator_layer_sizes, activation=activation,
            discriminator_activation=discriminator_activation, loss=loss, dropout=dropout,
            n_critic=n_critic, learning_rate=learning_rate, batch_size=batch_size,
            max_iter=max_iter, n_score_samples=n_score_samples, dtype=dtype,
            warm_start=warm_start, verbose=verbose, random_state=random_state,
        )
        self.levels = levels
        self.image_shape = image_shape
        self.architecture = architecture
        self.conv_channels = conv_channels

    # ------------------------------------------------------------- set-up
    def _initialize(self, X, y, rng, *, partial):
        gen, disc = self._layer_sizes()
        self.image_shape_ = resolve_image_shape(self.image_shape, X.shape[1])
        self.level_shapes_ = pyramid_shapes(self.image_shape_, self.levels)
        self._init_classes(y)
        self._init_scaling(X, rng)
        self.generators_, self.discriminators_ = [], []
        last = self.levels - 1
        g_act, d_act = self._activations()
        for k, (h, w) in enumerate(self.level_shapes_):
            # the expanded coarser image, and the one-hot label (conditional)
            cond = (0 if k == last else h * w) + self._n_classes
            if self.architecture == "conv" and k < last:
                self.generators_.append(conv_level_generator(
                    self.n_components, self._n_classes, (h, w), self.conv_channels,
                    g_act, dtype=X.dtype, random_state=rng, prefix=f"gen{k}_"))
                self.discriminators_.append(conv_level_discriminator(
                    self._n_classes, (h, w), self.conv_channels, disc, d_act,
                    dtype=X.dtype, random_state=rng, prefix=f"disc{k}_"))
                continue
            self.generators_.append(MLP([self.n_components + cond, *gen, h * w],
                                        g_act, dtype=X.dtype, random_state=rng,
                                        prefix=f"gen{k}_"))
            self.discriminators_.append(MLP([h * w + cond, *disc, 1], d_act,
                                            dtype=X.dtype, random_state=rng,
                                            prefix=f"disc{k}_"))
        # bound methods, not merged dicts: see skgenerative.nn._optimizers
        self.g_optimizer_ = Adam(self._generator_parameters, self._learning_rate(), beta1=0.5,
                                 maximize=False)
        self.d_optimizer_ = Adam(self._discriminator_parameters, self._learning_rate(), beta1=0.5,
                                 maximize=False)
        self._start_monitoring()

    def _generator_parameters(self):
        return _merge(g.params for g in self.generators_)

    def _discriminator_parameters(self):
        return _merge(d.params for d in self.discriminators_)

    def _trainable_params(self):
        return {**self.g_optimizer_.params, **self.d_optimizer_.params}

    def _pyramid(self, X, labels):
        """(target, condition) of every level, finest first: the detail
        ``h_k`` and ``expand(I_{k+1})``; the coarsest image and None. The
        one-hot ``labels`` (conditional) are appended to every condition."""
        images = [X]
        for k in range(self.levels - 1):
            images.append(reduce(images[-1], self.level_shapes_[k]))
        pairs = []
        for k in range(self.levels - 1):
            cond = expand(images[k + 1], self.level_shapes_[k + 1], self.level_shapes_[k])
            pairs.append((images[k] - cond, _with_labels(cond, labels)))
        pairs.append((images[-1], labels))
        return pairs

    # ----------------------------------------------------------- training
    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        order = rng.permutation(X.shape[0]) if shuffle else np.arange(X.shape[0])
        k, dtype = self.n_components, self.dtype_
        totals, n_d, n_g = np.zeros(3), 0, 0
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            pairs = self._pyramid(X[rows], None if y is None else y[rows])
            d_grads, accuracy = [], 0.0
            for G, D, (target, cond) in zip(self.generators_, self.discriminators_, pairs):
                noise = rng.standard_normal((len(rows), k)).astype(dtype)
                loss, grads, acc = discriminator_step(G, D, target, cond, noise,
                                                      self.dropout, rng)
                d_grads.append(grads)
                totals[0] += loss / self.levels
                accuracy += acc / self.levels
            self.d_optimizer_.step(_merge(d_grads))
            n_d += 1
            totals[2] += accuracy
            if n_d % self.n_critic == 0:
                g_grads = []
                for G, D, (_, cond) in zip(self.generators_, self.discriminators_, pairs):
                    noise = rng.standard_normal((len(rows), k)).astype(dtype)
                    loss, grads = generator_step(G, D, cond, noise, self.loss, self.dropout, rng)
                    g_grads.append(grads)
                    totals[1] += loss / self.levels
                self.g_optimizer_.step(_merge(g_grads))
                n_g += 1
            progress(len(rows))
        stats = {
            "discriminator loss": totals[0] / n_d,
            "generator loss": totals[1] / n_g if n_g else float("nan"),
            "discriminator accuracy": totals[2] / n_d,
        }
        self._check_discriminator(stats["discriminator accuracy"])
        self._warn_if_collapsed(self._sample_standardized(_COLLAPSE_CHECK_SAMPLES, rng, None))
        self._measure_diversity(X)
        return stats

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the networks of every level for ``max_iter`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Images as rows (``image_shape``).
        y : array-like of shape (n_samples,), default=None
            Class labels: given, every level is conditioned on the one-hot
            label too (class-conditional LAPGAN, Denton et al. 2015).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y)

    # ------------------------------------------------------------ outputs
    def _sample_standardized(self, n_samples, rng, y):
        """Coarse to fine: ``I_K = g_K(z)``, ``I_k = c + g_k(z, c)`` with
        ``c = expand(I_{k+1})`` (and the one-hot label appended to the
        input of every level, when conditional)."""
        k, dtype = self.n_components, self.dtype_
        labels = self._sample_labels(n_samples, rng, y)
        noise = rng.standard_normal((n_samples, k)).astype(dtype)
        image = self.generators_[-1].predict(_with_labels(noise, labels))
        for level in range(self.levels - 2, -1, -1):
            cond = expand(image, self.level_shapes_[level + 1], self.level_shapes_[level])
            noise = rng.standard_normal((n_samples, k)).astype(dtype)
            image = cond + self.generators_[level].predict(
                np.concatenate([noise, _with_labels(cond, labels)], axis=1))
        return image
