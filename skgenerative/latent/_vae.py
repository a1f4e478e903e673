"""Variational autoencoders (§20.10.3): the VAE bound (eqs. 20.76–20.78) and the
importance-weighted bound of IWAE (eq. 20.79), trained with the
reparametrization trick (§20.9) through :class:`skgenerative.nn.MLP` networks.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import GenerativeMixin
from ..nn import (
    MLP,
    Adam,
    diagonal_gaussian_log_density,
    gaussian_kl_standard_normal,
    make_head,
    reparametrize_gaussian,
    reparametrize_gaussian_backward,
)
from ..nn._convnet import conv_generator, resolve_image_shape
from ..nn._mlp import check_layer_sizes
from ..utils._monte_carlo import log_mean_exp_and_std
from ..utils._threads import blas_threads
from ..utils.random import draw_seed
from ..utils.validation import warn_if_not_binary
from ..nn._estimator import NetworkTrainingMixin
from ._common import (
    _ImportanceScoreMixin,
    _normalised_weights,
    _row_draw_blocks,
    generate_samples,
)

__all__ = ["VAE", "IWAE"]

#: log-variances of q(z | x) are clipped to this range (exp stays finite)
_LOG_VAR_LIMIT = 20.0


# ---------------------------------------------------------------------------
# the math: module-level functions of (encoder, decoder, head, X, noise)
# ---------------------------------------------------------------------------


def _encode(encoder, X):
    """Mean and (clipped) log-variance of q(z | x), and what backward needs."""
    out, cache = encoder.forward(X)
    d = out.shape[1] // 2
    raw = out[:, d:]
    log_var = np.clip(raw, -_LOG_VAR_LIMIT, _LOG_VAR_LIMIT)
    inside = (np.abs(raw) < _LOG_VAR_LIMIT).astype(out.dtype)
    return out[:, :d], log_var, (cache, inside)


def _encoder_backward(encoder, enc_cache, g_mean, g_log_var, *, input_grad=False):
    cache, inside = enc_cache
    return encoder.backward(
        cache, np.concatenate([g_mean, g_log_var * inside], axis=1), input_grad=input_grad
    )


def _elbo_and_grads(encoder, decoder, head, X, eps):
    """One-sample reparametrised ELBO with the analytic KL (eq. 20.77).

    Returns the per-row bound (float64) and the gradient of its batch mean
    w.r.t. every parameter of both networks.
    """
    n = X.shape[0]
    mean, log_var, enc_cache = _encode(encoder, X)
    z = reparametrize_gaussian(mean, log_var, eps)
    out, dec_cache = decoder.forward(z)
    log_px, g_out = head.log_likelihood_grad(X, out)
    kl, g_kl_mean, g_kl_lv = gaussian_kl_standard_normal(mean, log_var, grad=True)
    g_out /= n
    g_dec, g_z = decoder.backward(dec_cache, g_out, input_grad=True)
    g_mean, g_lv = reparametrize_gaussian_backward(g_z, log_var, eps)
    g_mean = g_mean - g_kl_mean / n
    g_lv = g_lv - g_kl_lv / n
    g_enc = _encoder_backward(encoder, enc_cache, g_mean, g_lv)
    return log_px - kl, {**g_enc, **g_dec}


def _log_weights(decoder, head, X, mean, log_var, eps):
    """``log p(x, z_i) - log q(z_i | x)`` for eps of shape (k, n, d); also the
    decoder outputs and caches. Rows of the stacked batch are ordered [i][row]."""
    k, n, d = eps.shape
    z = reparametrize_gaussian(mean[None], log_var[None], eps).reshape(k * n, d)
    out, dec_cache = decoder.forward(z)
    X_rep = np.broadcast_to(X, (k,) + X.shape).reshape(k * n, -1)
    return z, out, dec_cache, X_rep


def _iwae_bound_and_grads(encoder, decoder, head, X, eps):
    """The k-sample importance-weighted bound (eq. 20.79) and its gradient.

    ``eps`` has shape (k, n, d). The gradient of ``log (1/k) sum_i w_i`` is
    ``sum_i w~_i grad log w_i`` with self-normalised weights ``w~`` (Burda et
    al., 2015, eq. 13), each ``grad log w_i`` by the reparametrization trick.
    """
    k, n, d = eps.shape
    mean, log_var, enc_cache = _encode(encoder, X)
    z, out, dec_cache, X_rep = _log_weights(decoder, head, X, mean, log_var, eps)
    log_px, g_out = head.log_likelihood_grad(X_rep, out)
    eps_flat = eps.reshape(k * n, d)
    # log p(z) - log q(z | x): the 2 pi terms cancel
    log_pz_q = (-0.5 * (z.astype(np.float64) ** 2 - eps_flat**2)).sum(axis=1) + 0.5 * np.tile(
        log_var.sum(axis=1, dtype=np.float64), k
    )
    log_w = (log_px + log_pz_q).reshape(k, n)
    bound = log_mean_exp_and_std(log_w)[0]
    w = (_normalised_weights(log_w) / n).reshape(k * n, 1).astype(out.dtype)
    g_out *= w
    g_dec, g_z = decoder.backward(dec_cache, g_out, input_grad=True)
    g_z = g_z - w * z  # from log p(z)
    g_mean, g_lv = reparametrize_gaussian_backward(g_z, np.tile(log_var, (k, 1)), eps_flat)
    g_lv = g_lv + 0.5 * w  # from -log q(z | x) at fixed eps
    g_mean = g_mean.reshape(k, n, d).sum(axis=0)
    g_lv = g_lv.reshape(k, n, d).sum(axis=0)
    g_enc = _encoder_backward(encoder, enc_cache, g_mean, g_lv)
    return bound, {**g_enc, **g_dec}


def _log_weights_and_elbo_terms(encoder, decoder, head, X, eps):
    """Log importance weights (k, n) and the ELBO estimate (analytic KL) per row."""
    k, n, d = eps.shape
    mean, log_var, _ = _encode(encoder, X)
    z, out, _, X_rep = _log_weights(decoder, head, X, mean, log_var, eps)
    log_px = head.log_likelihood(X_rep, out)
    log_pz = diagonal_gaussian_log_density(z)
    log_q = diagonal_gaussian_log_density(
        z, np.tile(mean, (k, 1)).astype(np.float64), np.tile(log_var, (k, 1)).astype(np.float64)
    )
    log_w = (log_px + log_pz - log_q).reshape(k, n)
    kl = gaussian_kl_standard_normal(mean.astype(np.float64), log_var.astype(np.float64))
    return log_w, log_px.reshape(k, n).mean(axis=0) - kl


# ---------------------------------------------------------------------------
# estimators
# ---------------------------------------------------------------------------


class VAE(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    GenerativeMixin,
    _ImportanceScoreMixin,
    NetworkTrainingMixin,
    BaseEstimator,
):
    """Variational autoencoder with a Gaussian code (Kingma & Welling, 2014).

    Generative model ``z ~ N(0, I)``, ``x ~ p(x | g(z))`` with ``g`` an MLP
    decoder and independent Bernoulli (binary data) or diagonal Gaussian
    (real data) outputs; approximate posterior ``q(z | x) = N(mu(x),
    diag(sigma^2(x)))`` from an MLP encoder. Trained by Adam on the
    reparametrised variational bound (eqs. 20.76–20.78) with the KL term in
    closed form.

    Parameters
    ----------
    n_components : int, default=2
        Dimension of the latent code ``z``.
    encoder_layer_sizes, decoder_layer_sizes : tuple of int, default=(200, 200)
        Hidden layers of the encoder (``x -> (mu, log sigma^2)``) and the
        decoder (``z -> p(x | z)``).
    activation : {"tanh", "relu", "softplus", "sigmoid"}, default="tanh"
        Hidden-layer activation of both networks.
    architecture : {"dense", "conv"}, default="dense"
        The decoder's (the encoder stays dense). ``"conv"``: rows are images
        of ``image_shape``, and the decoder maps ``z`` through its dense
        layers to ``conv_channels[-1]`` small feature maps, then transposed
        convolutions (kernel 4, stride 2) through ``conv_channels[-2], ...,
        conv_channels[0]`` and a linear 3x3 convolution to the output image
        (two channels, mean and variance parameter, for Gaussian), plus a
        bias per output pixel (§20.10.6).
    image_shape : None or (int, int), default=None
        ``(height, width)`` of the images (``architecture="conv"``). None:
        square.
    conv_channels : tuple of int, default=(16, 32)
        Feature maps of the decoder's convolution layers, from the image
        inwards (``architecture="conv"``).
    likelihood : {"bernoulli", "gaussian"}, default="bernoulli"
        ``p(x | z)``. Bernoulli expects data in [0, 1] (warns otherwise);
        Gaussian learns a per-pixel variance ``min_variance + softplus(s)``.
    min_variance : float, default=1e-3
        Variance floor of the Gaussian decoder (keeps the density bounded on
        constant features, §20.14). Unused for Bernoulli.
    learning_rate : float, default=1e-3
        Adam step size.
    batch_size : int, default=100
    max_iter : int, default=20
        Epochs (the maximum with early stopping).
    n_importance_samples : int, default=1000
        ``k`` of the importance-sampled ``log p(x)`` estimate of
        :meth:`score_samples`.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when the mean
        validation ELBO has not improved by ``tol`` for ``n_iter_no_change``
        epochs (the best parameters are restored). The validation ELBO is
        estimated with one posterior draw per row (the same draws every
        epoch), so scoring costs one forward pass per validation row.
    validation_fraction : float, default=0.1
    tol : float, default=1e-4
    n_iter_no_change : int, default=10
    dtype : None, np.float32 or np.float64, default=None
        Compute dtype; None follows the input (float32 in → float32).
    warm_start : bool, default=False
        Continue from the fitted networks and optimizer on ``fit`` (Adam's
        moments carry on; a changed ``learning_rate`` takes effect).
    verbose : int, default=0
    random_state : None, int or Generator, default=None
        Fixes initialisation, noise, batches, samples and scores.

    Attributes
    ----------
    encoder_, decoder_ : skgenerative.nn.MLP
        The networks; their ``params`` dicts hold the weights. With
        ``architecture="conv"`` the decoder is a convolutional network with
        the same interface.
    image_shape_ : tuple of int
        The images' shape (``architecture="conv"`` only).
    optimizer_ : skgenerative.nn.Adam
        Optimizer state (kept by ``partial_fit`` and ``warm_start``).
    dtype_ : numpy.dtype
    random_state_ : numpy.random.Generator
    score_seed_ : int
        Seed of the importance samples of :meth:`score_samples`, drawn at
        the first fit, so scores are deterministic.
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    validation_scores_ : list of float
        Mean validation ELBO per epoch (with ``early_stopping``), estimated
        with one posterior draw per row.

    See Also
    --------
    IWAE : the same networks trained on the importance-weighted bound.
    SigmoidBeliefNet : directed model with binary latent units.

    Notes
    -----
    :meth:`score_samples` returns ``log (1/k) sum_i p(x, z_i) / q(z_i | x)``,
    ``z_i ~ q(z | x)``: an importance-sampling estimate of ``log p(x)`` that
    is a lower bound in expectation (eq. 20.79) and tightens as ``k`` grows;
    ``score_kind_ = "estimate"``. :meth:`elbo` returns the variational bound.
    ``score_samples(X, return_std=True)`` also returns the Monte Carlo
    standard error of each estimate (delta method on the importance weights).
    With the Gaussian decoder these are densities of ``X`` as given.

    References
    ----------
    Kingma, D. P. and Welling, M. (2014). Auto-encoding variational Bayes. ICLR.
    Rezende, D. J., Mohamed, S. and Wierstra, D. (2014). Stochastic
    back-propagation and approximate inference in deep generative models. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skgenerative.latent import VAE
    >>> X = (load_digits().data > 7).astype(np.float64)
    >>> vae = VAE(n_components=4, encoder_layer_sizes=(64,), decoder_layer_sizes=(64,),
    ...           max_iter=5, n_importance_samples=50, random_state=0).fit(X)
    >>> vae.transform(X[:3]).shape
    (3, 4)
    >>> bool(vae.score(X[:100]) > -40)
    True
    """

    score_kind_ = "estimate"
    _state_names = ("encoder_", "decoder_", "optimizer_", "random_state_")
    _parameter_names = ("_parameter_vector",)

    _parameter_constraints = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "encoder_layer_sizes": ["array-like"],
        "decoder_layer_sizes": ["array-like"],
        "activation": [StrOptions({"tanh", "relu", "softplus", "sigmoid"})],
        "architecture": [StrOptions({"dense", "conv"})],
        "image_shape": [None, tuple],
        "conv_channels": ["array-like"],
        "likelihood": [StrOptions({"bernoulli", "gaussian"})],
        "min_variance": [Interval(numbers.Real, 0, None, closed="neither")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
        "n_importance_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "dtype": [None, type, np.dtype, str],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        n_components=2,
        *,
        encoder_layer_sizes=(200, 200),
        decoder_layer_sizes=(200, 200),
        activation="tanh",
        architecture="dense",
        image_shape=None,
        conv_channels=(16, 32),
        likelihood="bernoulli",
        min_variance=1e-3,
        learning_rate=1e-3,
        batch_size=100,
        max_iter=20,
        n_importance_samples=1000,
        early_stopping=False,
        validation_fraction=0.1,
        tol=1e-4,
        n_iter_no_change=10,
        dtype=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.encoder_layer_sizes = encoder_layer_sizes
        self.decoder_layer_sizes = decoder_layer_sizes
        self.activation = activation
        self.architecture = architecture
        self.image_shape = image_shape
        self.conv_channels = conv_channels
        self.likelihood = likelihood
        self.min_variance = min_variance
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.n_importance_samples = n_importance_samples
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    # -- set-up ------------------------------------------------------------

    @property
    def _head(self):
        return make_head(self.likelihood, min_variance=self.min_variance)

    @property
    def _n_features_out(self):
        return self.n_components

    def _initialize(self, X, y, rng, *, partial):
        self.dtype_ = X.dtype
        n, p = X.shape
        enc = check_layer_sizes(self.encoder_layer_sizes, "encoder_layer_sizes")
        dec = check_layer_sizes(self.decoder_layer_sizes, "decoder_layer_sizes")
        head = self._head
        self.encoder_ = MLP(
            [p, *enc, 2 * self.n_components], self.activation, dtype=X.dtype,
            random_state=rng, prefix="enc_",
        )
        self.__dict__.pop("image_shape_", None)
        if self.architecture == "conv":
            self.image_shape_ = resolve_image_shape(self.image_shape, p)
            self.decoder_ = conv_generator(
                self.n_components, self.image_shape_, self.conv_channels, dec,
                self.activation, out_channels=head.n_outputs(p) // p, pixel_bias=True,
                dtype=X.dtype, random_state=rng, prefix="dec_",
            )
        else:
            self.decoder_ = MLP(
                [self.n_components, *dec, head.n_outputs(p)], self.activation,
                dtype=X.dtype, random_state=rng, prefix="dec_",
            )
        self._init_output_bias(X)
        self.optimizer_ = Adam(self._network_parameters, learning_rate=self.learning_rate)
        self.score_seed_ = draw_seed(rng)
        self.n_iter_ = 0

    def _network_parameters(self):
        return {**self.encoder_.params, **self.decoder_.params}

    def _init_output_bias(self, X):
        """Decoder output bias at the data's base rate (see the heads'
        ``base_rate_bias``)."""
        b = self.decoder_.params[f"dec_b{len(self.decoder_.layers) - 1}"]
        b[:] = self._head.base_rate_bias(
            X.mean(axis=0, dtype=np.float64), X.var(axis=0, dtype=np.float64)
        )

    # -- training ----------------------------------------------------------

    def _batch_bound_and_grads(self, X, rng):
        eps = rng.standard_normal((X.shape[0], self.n_components)).astype(self.dtype_)
        return _elbo_and_grads(self.encoder_, self.decoder_, self._head, X, eps)

    def _validation_score(self, X_val, y_val):
        # One posterior draw per row, the same draws every epoch: an unbiased
        # ELBO estimate costing one forward pass per validation row (about 4 %
        # of an epoch at validation_fraction=0.1), where ``elbo()``'s
        # n_importance_samples draws would cost many epochs.
        return float(np.mean(self._log_weights(X_val, 1, self.score_seed_)[1]))

    def _check_support(self, X):
        if self.likelihood == "bernoulli":
            warn_if_not_binary(X, what=f"{type(self).__name__} with a Bernoulli decoder")

    # -- inference ---------------------------------------------------------

    def _log_weights(self, X, k, seed):
        """(log weights (k, n), ELBO per row) computed in blocks of rows; each
        row's noise comes from its own generator (see ``utils.random.row_generators``)."""
        log_w, elbo = [], []
        normal = np.random.Generator.standard_normal
        with blas_threads():
            for idx, eps in _row_draw_blocks(X, k, self.n_components, seed, normal):
                lw, el = _log_weights_and_elbo_terms(
                    self.encoder_, self.decoder_, self._head, X[idx], eps.astype(self.dtype_)
                )
                log_w.append(lw)
                elbo.append(el)
        return np.concatenate(log_w, axis=1), np.concatenate(elbo)

    def _importance_log_weights(self, X, k, seed):
        return self._log_weights(X, k, seed)[0]

    def elbo(self, X):
        """The variational lower bound (eq. 20.77) per row, in nats.

        ``E_q log p(x | z)`` is averaged over ``n_importance_samples`` draws
        (seed stored at fit); the KL term is exact.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._log_weights(X, self.n_importance_samples, self.score_seed_)[1]

    def transform(self, X):
        """Posterior means ``E_q[z | x]`` (the encoder's ``mu``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        return _encode(self.encoder_, X)[0].copy()

    def inverse_transform(self, Z):
        """Decoder mean ``E[x | z]`` for codes ``Z``.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components)

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        check_is_fitted(self)
        Z = np.asarray(Z, dtype=self.dtype_)
        if Z.ndim != 2 or Z.shape[1] != self.n_components:
            raise ValueError(
                f"Z must have shape (n_samples, {self.n_components}); got {Z.shape}."
            )
        if not np.all(np.isfinite(Z)):
            raise ValueError("Z contains NaN or infinity.")
        return self._head.mean(self.decoder_.predict(Z))

    def sample(self, n_samples=1, *, random_state=None, mean=False):
        """Ancestral samples: ``z ~ N(0, I)``, then ``x ~ p(x | z)``.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : None, int or Generator
            None continues the fitted stream ``random_state_``.
        mean : bool, default=False
            Return ``E[x | z]`` instead of a draw of ``x``.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        return generate_samples(self, n_samples, random_state=random_state, mean=mean)

    def _sample_prior(self, n, rng):
        return rng.standard_normal((n, self.n_components)).astype(self.dtype_)

    def _generate_from_code(self, code, rng, mean):
        out = self.decoder_.predict(code)
        head = self._head
        return head.mean(out) if mean else head.sample(out, rng)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


class IWAE(VAE):
    """Importance-weighted autoencoder (Burda, Grosse & Salakhutdinov, 2016).

    The networks and generative model of :class:`VAE`, trained on the
    k-sample bound (eq. 20.79)
    ``L_k = E log (1/k) sum_i p(x, z_i) / q(z_i | x)``, which is tighter than
    the ELBO for ``k > 1`` and lets ``q`` be broader than the true posterior.

    Parameters
    ----------
    n_components : int, default=2
    n_importance : int, default=5
        ``k`` of the training bound (``k = 1`` is the VAE with a sampled KL).
    encoder_layer_sizes, decoder_layer_sizes, activation, architecture, \
image_shape, conv_channels, likelihood, \
min_variance, learning_rate, batch_size, max_iter, n_importance_samples, \
early_stopping, validation_fraction, tol, n_iter_no_change, dtype, \
warm_start, verbose, random_state
        As in :class:`VAE`; with ``early_stopping`` the validation score is
        the ``k``-sample training bound ``L_k`` (``n_importance`` draws per
        row, the same draws every epoch).

    Attributes
    ----------
    encoder_, decoder_, image_shape_, optimizer_, dtype_, random_state_, \
score_seed_, n_iter_, n_features_in_, feature_names_in_, validation_scores_
        As in :class:`VAE`.

    See Also
    --------
    VAE : the single-sample variational bound.

    References
    ----------
    Burda, Y., Grosse, R. and Salakhutdinov, R. (2016). Importance weighted
    autoencoders. ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.latent import IWAE
    >>> X = (np.random.default_rng(0).random((60, 8)) < 0.3).astype(float)
    >>> iwae = IWAE(n_components=2, n_importance=5, encoder_layer_sizes=(16,),
    ...             decoder_layer_sizes=(16,), max_iter=3, n_importance_samples=20,
    ...             random_state=0).fit(X)
    >>> iwae.score_samples(X[:2]).shape
    (2,)
    """

    _parameter_constraints = {
        **VAE._parameter_constraints,
        "n_importance": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_components=2,
        *,
        n_importance=5,
        encoder_layer_sizes=(200, 200),
        decoder_layer_sizes=(200, 200),
        activation="tanh",
        architecture="dense",
        image_shape=None,
        conv_channels=(16, 32),
        likelihood="bernoulli",
        min_variance=1e-3,
        learning_rate=1e-3,
        batch_size=100,
        max_iter=20,
        n_importance_samples=1000,
        early_stopping=False,
        validation_fraction=0.1,
        tol=1e-4,
        n_iter_no_change=10,
        dtype=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        super().__init__(
            n_components,
            encoder_layer_sizes=encoder_layer_sizes,
            decoder_layer_sizes=decoder_layer_sizes,
            activation=activation,
            architecture=architecture,
            image_shape=image_shape,
            conv_channels=conv_channels,
            likelihood=likelihood,
            min_variance=min_variance,
            learning_rate=learning_rate,
            batch_size=batch_size,
            max_iter=max_iter,
            n_importance_samples=n_importance_samples,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            dtype=dtype,
            warm_start=warm_start,
            verbose=verbose,
            random_state=random_state,
        )
        self.n_importance = n_importance

    def _batch_bound_and_grads(self, X, rng):
        eps = rng.standard_normal((self.n_importance, X.shape[0], self.n_components))
        return _iwae_bound_and_grads(
            self.encoder_, self.decoder_, self._head, X, eps.astype(self.dtype_)
        )

    def _validation_score(self, X_val, y_val):
        return float(np.mean(self.importance_bound(X_val, self.n_importance)))
