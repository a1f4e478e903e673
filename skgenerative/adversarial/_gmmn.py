"""Generative moment matching networks (§20.10.5): a generator trained by MMD."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from ..nn import MLP, Adam, median_distance, minibatch_epoch, mmd2_unbiased, squared_error
from ..nn._mlp import check_layer_sizes
from ..utils._threads import blas_threads
from ._common import (
    BANDWIDTH_FACTORS,
    CONV_CONSTRAINTS,
    GENERATOR_CONSTRAINTS,
    _GeneratorNetMixin,
)

__all__ = ["GMMN"]

#: Samples drawn after each epoch to check the generator for collapse.
_COLLAPSE_CHECK_SAMPLES = 256


def _mmd_objective(generator, X, noise, bandwidths):
    """MMD^2 between ``g(noise)`` and the batch ``X`` and its gradient w.r.t.
    the generator's parameters (Li et al. 2015, eq. 4, unbiased form)."""
    samples, cache = generator.forward(noise)
    mmd2, grad = mmd2_unbiased(samples, X, bandwidths, grad=True)
    return mmd2, generator.backward(cache, grad)


def _train_autoencoder(encoder, decoder, X, *, n_epochs, batch_size, learning_rate, rng):
    """Squared-error training of ``decoder(encoder(x))`` by Adam (GMMN+AE's
    first stage). Returns the final epoch's mean reconstruction error."""
    optimizer = Adam({**encoder.params, **decoder.params}, learning_rate, maximize=False)

    def reconstruction(X_batch, _):
        code, enc_cache = encoder.forward(X_batch)
        out, dec_cache = decoder.forward(code)
        loss, grad = squared_error(out, X_batch)
        grad /= X_batch.shape[0]
        g_dec, g_code = decoder.backward(dec_cache, grad, input_grad=True)
        return loss, {**encoder.backward(enc_cache, g_code), **g_dec}

    error = np.nan
    for _ in range(n_epochs):
        error = minibatch_epoch(X, None, rng.permutation(X.shape[0]), batch_size,
                                reconstruction, optimizer, gradients="mean")
    return error


class GMMN(_GeneratorNetMixin, BaseEstimator):
    """Generative moment matching network (Li, Swersky & Zemel 2015).

    A generator network ``x = g(z)``, ``z ~ N(0, I)`` (§20.10.2), trained
    alone by Adam to minimise the maximum mean discrepancy between a batch
    of its samples and a batch of data (§20.10.5), with a mixture of
    Gaussian kernels of several bandwidths (unbiased MMD², Gretton et al.
    2012). With ``autoencoder_layer_sizes`` it is a GMMN+AE: an
    autoencoder is trained first on the data, the generator matches the
    distribution of its codes, and the decoder maps generated codes back.

    The data are standardised (training mean and standard deviation of each
    feature); the generator's output is linear on that scale.

    Parameters
    ----------
    n_components : int, default=8
        Dimension of the noise ``z``.
    generator_layer_sizes : tuple of int, default=(128, 128)
        Hidden layers of the generator.
    activation : {"tanh", "relu", "softplus", "sigmoid"}, default="tanh"
        Hidden-layer activation (generator and autoencoder). On the ring of
        8 Gaussians of the tests tanh reached 0.83 of the samples within
        3 sigma of a mode in 60 epochs where relu reached 0.45.
    architecture : {"dense", "conv"}, default="dense"
        ``"conv"``: rows are images of ``image_shape`` and the generator is
        convolutional (DCGAN-style, §20.10.6): its dense layers map the noise
        to ``conv_channels[-1]`` small feature maps, transposed convolutions
        (kernel 4, stride 2) go through ``conv_channels[-2], ...,
        conv_channels[0]`` and a linear 3x3 convolution gives the image. Not
        with ``autoencoder_layer_sizes`` (the generator then makes codes).
    image_shape : None or (int, int), default=None
        ``(height, width)`` of the images (``architecture="conv"``). None:
        square.
    conv_channels : tuple of int, default=(16, 32)
        Feature maps of the generator's convolution layers, from the image
        inwards (``architecture="conv"``).
    bandwidths : "auto" or array-like of float, default="auto"
        Kernel bandwidths of the training MMD, on the standardised scale
        (in code space for GMMN+AE). ``"auto"``: the median distance between
        training rows (codes) times ``(0.05, 0.1, 0.2, 0.5, 1, 2)``, so that
        both the fine structure and the global shape are matched.
    autoencoder_layer_sizes : None or tuple of int, default=None
        GMMN+AE: the encoder's hidden layers followed by the code size (the
        decoder mirrors them; sigmoid code units, as Li et al.). None trains
        the generator on the data directly.
    autoencoder_max_iter : int, default=50
        Epochs of autoencoder training (GMMN+AE only).
    learning_rate : float, default=1e-2
        Adam step size (generator and autoencoder).
    batch_size : int, default=100
        Data rows per step, and as many generated rows. The MMD is a
        statistic of a whole batch: small batches underestimate the
        discrepancy (§20.10.5).
    max_iter : int, default=200
        Epochs of generator training.
    n_score_samples : int, default=500
        Model samples compared with the data by :meth:`score`.
    dtype : None, np.float32 or np.float64, default=None
        Compute dtype; None follows the input.
    warm_start : bool, default=False
        Continue from the fitted networks and optimizer on ``fit`` (Adam's
        moments carry on; a changed ``learning_rate`` takes effect).
    verbose : int, default=0
    random_state : None, int or Generator, default=None

    Attributes
    ----------
    generator_ : skgenerative.nn.MLP
        For ``architecture="conv"`` a convolutional network with the same
        interface.
    image_shape_ : tuple of int
        The images' shape (``architecture="conv"`` only).
    g_optimizer_ : skgenerative.nn.Adam
    encoder_, decoder_ : skgenerative.nn.MLP
        The autoencoder (GMMN+AE only).
    reconstruction_error_ : float
        Mean squared reconstruction error per row (half the squared norm) of
        the autoencoder's last epoch (GMMN+AE only).
    bandwidths_ : ndarray
        The training kernel bandwidths.
    data_mean_, data_scale_ : ndarray of shape (n_features,)
    score_bandwidths_ : ndarray
        Kernel bandwidths of :meth:`score` (standardised data scale).
    score_seed_ : int
    dtype_ : numpy.dtype
    random_state_ : numpy.random.Generator
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    GAN : a generator trained against a discriminator.

    Notes
    -----
    **No likelihood.** As for :class:`GAN` there is no ``score_samples``;
    :meth:`score` is the negative squared MMD between model samples and the
    data (``score_kind_ = "sample_quality"``): the training criterion,
    measured on other data.

    References
    ----------
    Li, Y., Swersky, K. and Zemel, R. (2015). Generative moment matching
    networks. ICML.
    Dziugaite, G. K., Roy, D. M. and Ghahramani, Z. (2015). Training
    generative neural networks via maximum mean discrepancy optimization. UAI.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.adversarial import GMMN
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal([2.0, -1.0], 0.5, size=(500, 2))
    >>> gmmn = GMMN(max_iter=20, random_state=0).fit(X)
    >>> gmmn.sample(1000, random_state=0).mean(axis=0).round(0) + 0.0
    array([ 2., -1.])
    """

    _state_names = ("generator_", "g_optimizer_", "random_state_", "_collapse_warned")
    _parameter_names = ("_parameter_vector",)

    _parameter_constraints = {
        **GENERATOR_CONSTRAINTS,
        **CONV_CONSTRAINTS,
        "bandwidths": [StrOptions({"auto"}), "array-like"],
        "autoencoder_layer_sizes": [None, "array-like"],
        "autoencoder_max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        n_components=8,
        *,
        generator_layer_sizes=(128, 128),
        activation="tanh",
        architecture="dense",
        image_shape=None,
        conv_channels=(16, 32),
        bandwidths="auto",
        autoencoder_layer_sizes=None,
        autoencoder_max_iter=50,
        learning_rate=1e-2,
        batch_size=100,
        max_iter=200,
        n_score_samples=500,
        dtype=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.generator_layer_sizes = generator_layer_sizes
        self.activation = activation
        self.architecture = architecture
        self.image_shape = image_shape
        self.conv_channels = conv_channels
        self.bandwidths = bandwidths
        self.autoencoder_layer_sizes = autoencoder_layer_sizes
        self.autoencoder_max_iter = autoencoder_max_iter
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.n_score_samples = n_score_samples
        self.dtype = dtype
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------- set-up
    @property
    def _autoencoder(self):
        return self.autoencoder_layer_sizes is not None

    def _initialize(self, X, y, rng, *, partial):
        gen = check_layer_sizes(self.generator_layer_sizes, "generator_layer_sizes")
        for name in ("encoder_", "decoder_", "reconstruction_error_"):
            self.__dict__.pop(name, None)
        if self._autoencoder and self.architecture == "conv":
            raise ValueError("architecture='conv' makes images and cannot be combined with "
                             "autoencoder_layer_sizes (the generator of a GMMN+AE makes "
                             "codes).")
        self._init_image_shape(X.shape[1])
        self._init_scaling(X, rng)
        Z = self._standardize(X)
        if self._autoencoder:
            Z = self._fit_autoencoder(Z, rng)
        self.bandwidths_ = self._training_bandwidths(Z, rng)
        self.generator_ = self._make_generator(self.n_components, Z.shape[1], gen, rng,
                                               X.dtype)
        self.g_optimizer_ = Adam(self.generator_.params, self.learning_rate, maximize=False)
        self._collapse_warned = False
        self.n_iter_ = 0

    def _training_bandwidths(self, Z, rng):
        if isinstance(self.bandwidths, str):
            return median_distance(Z, rng) * np.asarray(BANDWIDTH_FACTORS)
        bandwidths = np.asarray(self.bandwidths, dtype=np.float64).ravel()
        if bandwidths.size == 0 or not np.all(bandwidths > 0):
            raise ValueError(f"bandwidths must be 'auto' or positive numbers; got "
                             f"{self.bandwidths!r}.")
        return bandwidths

    def _fit_autoencoder(self, Z, rng):
        """Train the autoencoder on the standardised data; returns the codes."""
        sizes = check_layer_sizes(self.autoencoder_layer_sizes, "autoencoder_layer_sizes")
        if not sizes:
            raise ValueError("autoencoder_layer_sizes needs at least the code size.")
        *hidden, code = sizes
        p = Z.shape[1]
        self.encoder_ = MLP([p, *hidden, code], self.activation, "sigmoid", dtype=Z.dtype,
                            random_state=rng, prefix="enc_")
        self.decoder_ = MLP([code, *hidden[::-1], p], self.activation, dtype=Z.dtype,
                            random_state=rng, prefix="dec_")
        with blas_threads():  # small products: one BLAS thread (utils._threads)
            self.reconstruction_error_ = _train_autoencoder(
                self.encoder_, self.decoder_, Z, n_epochs=self.autoencoder_max_iter,
                batch_size=self.batch_size, learning_rate=self.learning_rate, rng=rng)
        return self.encoder_.predict(Z)

    def _trainable_params(self):
        return self.generator_.params

    def _training_data(self, X, y):
        Z = self._standardize(X)
        return (self.encoder_.predict(Z) if self._autoencoder else Z), None

    # ----------------------------------------------------------- training
    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        order = rng.permutation(X.shape[0]) if shuffle else None

        def mmd(X_batch, _):
            noise = rng.standard_normal((X_batch.shape[0], self.n_components))
            if X_batch.shape[0] < 2:  # a last batch of one row: no unbiased MMD
                return 0.0, {k: np.zeros_like(v) for k, v in self.generator_.params.items()}
            mmd2, grads = _mmd_objective(self.generator_, X_batch, noise.astype(self.dtype_),
                                         self.bandwidths_)
            return mmd2 * X_batch.shape[0], grads

        mean = minibatch_epoch(X, None, order, self.batch_size, mmd, self.g_optimizer_,
                               gradients="mean", progress=progress)
        self._warn_if_collapsed(self._sample_standardized(_COLLAPSE_CHECK_SAMPLES, rng, None))
        return {"MMD^2": mean}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the generator (after the autoencoder, for GMMN+AE).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (real-valued).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X)

    # ------------------------------------------------------------ outputs
    def _sample_standardized(self, n_samples, rng, y):
        noise = rng.standard_normal((n_samples, self.n_components)).astype(self.dtype_)
        out = self.generator_.predict(noise)
        return self.decoder_.predict(out) if self._autoencoder else out

    def sample(self, n_samples=1, *, random_state=None):
        """Draw ``x = g(z)``, ``z ~ N(0, I)`` (decoded, for GMMN+AE).

        Parameters
        ----------
        n_samples : int, default=1
        random_state : None, int or Generator
            None continues the fitted stream ``random_state_``.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        rng = self._sampling_rng(n_samples, random_state)
        with blas_threads():
            return self._unstandardize(self._sample_standardized(n_samples, rng, None))
