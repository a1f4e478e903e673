"""Denoising autoencoders as generative models (§20.11): the DAE Markov
chain (§20.11.1), clamping and conditional sampling (§20.11.2) and walk-back
training (§20.11.3), on :class:`skgenerative.nn.MLP` networks.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ..nn import MLP, Adam
from ..nn._mlp import check_layer_sizes
from ..utils.random import draw_seed
from ..utils._threads import blas_threads
from ._chain import _COMMON_CONSTRAINTS, _DenoisingChainMixin
from ._contractive import contraction_penalty_and_grads, tangent_noise
from ._corruption import NOISES

__all__ = ["DenoisingAutoencoder"]


# ---------------------------------------------------------------------------
# the math: functions of (encoder, decoder, head, arrays)
# ---------------------------------------------------------------------------


def _reconstruction(encoder, decoder, X_tilde):
    """``omega = g(f(x~))``: the parameters of ``p(x | x~)`` (the head's input)."""
    return decoder.predict(encoder.predict(X_tilde))


def _denoising_loglik_and_grads(encoder, decoder, head, X, X_tilde, scale):
    """``log p(x | x~)`` per row (float64), the reconstruction output, and
    ``scale`` times the gradient of its sum over rows w.r.t. every parameter
    (the corrupted inputs ``x~`` are constants)."""
    code, enc_cache = encoder.forward(X_tilde)
    out, dec_cache = decoder.forward(code)
    ll, g_out = head.log_likelihood_grad(X, out)
    g_out *= scale
    g_dec, g_code = decoder.backward(dec_cache, g_out, input_grad=True)
    g_enc = encoder.backward(enc_cache, g_code)
    return ll, out, {**g_enc, **g_dec}


def _walkback_objective_and_grads(encoder, decoder, head, X, corruption, walkback, rng,
                                  contraction=0.0):
    """The walk-back objective (§20.11.3) of a batch and its gradient.

    A chain starts at the data ``x_0 = x``; step ``i`` corrupts the state
    (``x~_i ~ C(x~ | x_{i-1})``) and samples ``x_i ~ p(x | x~_i)``. The
    objective of a row is ``(1/k) sum_i log p(x | x~_i)``: every
    reconstruction along the walk is asked to return to the data (with
    ``k = 1``, the ordinary denoising criterion). The walk's samples are
    constants of the gradient (Bengio et al., 2013). ``corruption(X, rng)``
    draws ``x~``. With ``contraction`` the objective of each step also
    subtracts ``contraction * ||J_f(x~)||_F^2``, the contractive penalty on
    the encoder at its input (one-layer encoders). Returns the per-row
    objective and the gradient of its batch mean.
    """
    n = X.shape[0]
    state = X
    total = np.zeros(n)
    grads = None
    for i in range(walkback):
        X_tilde = corruption(state, rng)
        ll, out, g = _denoising_loglik_and_grads(
            encoder, decoder, head, X, X_tilde, 1.0 / (n * walkback)
        )
        if contraction:
            penalty, g_pen = contraction_penalty_and_grads(
                encoder, X_tilde, -contraction / (n * walkback)
            )
            ll = ll - contraction * penalty
            for key, value in g_pen.items():
                g[key] = g[key] + value
        total += ll
        if grads is None:
            grads = g
        else:
            for key, value in g.items():
                grads[key] += value
        if i + 1 < walkback:
            state = head.sample(out, rng)
    return total / walkback, grads


def _manifold_walk(encoder, decoder, head, X, n_steps, scale, rng):
    """Manifold diffusion (Rifai et al., 2012): ``x <- E[x | g(f(x + e))]``
    with ``e ~ N(0, scale^2 J^T J)``, noise along the tangent directions the
    (contractive) encoder estimates."""
    for _ in range(n_steps):
        X = head.mean(_reconstruction(encoder, decoder, X + tangent_noise(encoder, X, scale, rng)))
    return X


def _run_chain(encoder, decoder, head, X, free, n_steps, corruption, rng, mean,
               return_output=False):
    """``n_steps`` steps of the DAE chain from ``X`` (§20.11.1).

    Each step corrupts the whole state, encodes, decodes and samples the
    reconstruction distribution; units where ``free`` is False keep their
    values (clamping, §20.11.2; ``free=None`` resamples every unit). With
    ``mean`` the last step returns the reconstruction mean instead of a draw;
    with ``return_output`` also the last step's reconstruction parameters.
    """
    for step in range(n_steps):
        out = _reconstruction(encoder, decoder, corruption(X, rng))
        new = head.mean(out) if mean and step + 1 == n_steps else head.sample(out, rng)
        X = new if free is None else np.where(free, new, X)
    return (X, out) if return_output else X


# ---------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------


class DenoisingAutoencoder(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _DenoisingChainMixin,
    BaseEstimator,
):
    """Denoising autoencoder with a generative Markov chain (§20.11).

    An encoder ``h = f(x~)`` and a decoder ``omega = g(h)`` (MLPs) are trained
    to maximise the denoising log-likelihood ``log p(x | omega = g(f(x~)))``
    of clean data ``x`` given a corrupted copy ``x~ ~ C(x~ | x)``, by Adam.
    The model it defines is implicit: the stationary distribution of the
    chain ``x -> x~ ~ C(x~ | x) -> x ~ p(x | g(f(x~)))`` (Bengio et al.,
    2013), which :meth:`sample` runs; :meth:`impute` runs it with the
    observed units clamped (§20.11.2). ``walkback=k`` trains on ``k``
    corrupt-and-sample steps from each example, every reconstruction asked to
    return to the example (§20.11.3).

    Parameters
    ----------
    n_components : int, default=256
        Width of the code ``h`` (the encoder's last layer).
    encoder_layer_sizes : tuple of int, default=()
        Further hidden layers of the encoder (before the code).
    decoder_layer_sizes : tuple of int, default=(256,)
        Hidden layers of the decoder (after the code).
    activation : {"sigmoid", "tanh", "relu", "softplus"}, default="relu"
        Activation of the hidden layers and of the code.
    likelihood : {"bernoulli", "gaussian"}, default="bernoulli"
        The reconstruction distribution ``p(x | omega)``: independent
        Bernoulli (data in [0, 1]; warns otherwise) or diagonal Gaussian with
        a learned variance ``min_variance + softplus(s)`` per unit.
    min_variance : float, default=1e-3
        Variance floor of the Gaussian reconstruction.
    noise : {"auto", "missing", "salt_pepper", "mask", "gaussian"}, default="auto"
        The corruption ``C(x~ | x)``: a unit hidden (set to 0.5, a value
        binary data never take), replaced by 0 or 1 at random, set to 0, or
        Gaussian noise added (see ``skgenerative.denoising._corruption``).
        Trained to undo ``"missing"``, the network learns the conditional of
        every unit given random subsets of the others, which
        :meth:`impute` uses (``method="gibbs"``, see Notes); it is meant for
        binary data (on grey levels 0.5 is a real value: grey-digit samples
        had MMD² 0.120 with it, 0.088 with ``"salt_pepper"`` at 0.2;
        ``benchmarks/README.md``). ``"auto"``: ``"missing"`` when the training data
        are binary, else ``"salt_pepper"`` (``noise_`` says which).
    noise_level : float or "auto", default="auto"
        Probability that a unit is corrupted (``"missing"``,
        ``"salt_pepper"``, ``"mask"``; in (0, 1)) or the noise's standard
        deviation (``"gaussian"``). It sets how far the chain moves per step
        and how much the learned distribution smooths the data's.
        ``"auto"``: 0.5 for ``"missing"``, 0.2 for the others
        (``noise_level_``).
    walkback : int, default=3
        Corrupt-and-sample steps per training example (1: the ordinary
        denoising criterion). Walk-back removes spurious attractors of the
        chain: on binarized digits, at ``walkback=1`` the chain's samples
        over-represent some digits (MMD² to the test rows 0.023, 0.0025 at
        3).
    contraction : float, default=0.0
        Weight of the contractive penalty ``||J_f(x~)||_F^2`` on the
        encoder's Jacobian at its input (Rifai et al., 2011), subtracted from
        the denoising log-likelihood; needs a one-layer encoder
        (``encoder_layer_sizes=()``). A contractive encoder estimates the
        data manifold's tangent plane: ``sample(method="manifold")``.
    learning_rate : float, default=3e-3
        Adam step size.
    batch_size : int, default=100
    max_iter : int, default=200
        Epochs (the maximum with early stopping).
    n_steps : int, default=100
        Default number of chain steps of :meth:`sample` and :meth:`impute`.
    n_score_samples : int, default=10
        Corruptions per row averaged by :meth:`score`.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows; stop when their mean
        denoising log-likelihood (:meth:`score`) has not improved by ``tol``
        for ``n_iter_no_change`` epochs (the best parameters are restored).
    validation_fraction : float, default=0.1
    tol : float, default=1e-4
    n_iter_no_change : int, default=10
    dtype : None, np.float32 or np.float64, default=None
        Compute dtype; None follows the input.
    warm_start : bool, default=False
    verbose : int, default=0
    random_state : None, int or Generator, default=None
        Fixes initialisation, corruption, batches, chains and scores.

    Attributes
    ----------
    encoder_, decoder_ : skgenerative.nn.MLP
    optimizer_ : skgenerative.nn.Adam
    base_mean_, base_var_ : ndarray of shape (`n_features_in_`,)
        Per-unit mean and variance of the first data seen; chains start from
        independent draws with these moments.
    noise_ : str
        The corruption trained with (``noise`` with ``"auto"`` resolved).
    noise_level_ : float
        Its level (``noise_level`` with ``"auto"`` resolved).
    dtype_ : numpy.dtype
    random_state_ : numpy.random.Generator
    score_seed_ : int
        Seed of the corruptions of :meth:`score` (deterministic scores).
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    validation_scores_ : list of float

    See Also
    --------
    sklearn.neural_network.BernoulliRBM : a Boltzmann machine sampled by Gibbs.
    skgenerative.VAE : an autoencoder with an explicit (bounded) likelihood.

    Notes
    -----
    A DAE defines no tractable likelihood, so it has no ``score_samples``.
    :meth:`score` returns the mean *denoising* log-likelihood
    ``E_{x~ ~ C(x~ | x)} log p(x | x~)`` (nats per row, Monte Carlo over
    ``n_score_samples`` corruptions seeded per row): ``score_kind_ =
    "denoising"``. It is the training criterion (higher is better, so
    ``GridSearchCV`` works), not ``log p(x)``; compare it only between models
    with the same corruption.

    The chain's stationary distribution approaches the data's as the
    reconstruction distribution approaches the true ``p(x | x~)`` (Bengio et
    al., 2013). Clamped chains sample the stationary conditional only
    approximately: the operator need not satisfy detailed balance (Alain et
    al., 2015).

    The defaults are chosen for imputation as well as sampling. Hiding half
    of the units at random (``noise="missing"``, ``noise_level=0.5``: what
    ``"auto"`` chooses for binary data) trains
    the reconstruction ``p(x | x~)`` to be the conditional of every hidden
    unit given the visible ones, for random visible subsets (the training
    of order-agnostic NADE and of denoising-autoencoder imputers);
    :meth:`impute` then runs pseudo-Gibbs sampling with these conditionals
    and, with ``mean=True``, averages their means. On binarized digits with
    the top or bottom half of each test image missing it got fewer pixels
    wrong than ``KNNImputer()`` when fitted on complete training images (one
    seed: 0.137 against 0.144; fitted on masked images through
    :class:`~skgenerative.GenerativeImputer` it tied, 0.144;
    ``benchmarks/README.md``); the 200 epochs
    and the decoder's hidden layer are needed for it (30 epochs of a
    one-layer sigmoid network were worse than ``IterativeImputer``), and
    walk-back keeps the chain's samples as good as before.

    Walk-back pairs later, farther corruptions with the example, whose best
    reconstruction distribution is broader: with a network of limited
    capacity the learned chain is then smoother than with ``walkback=1``
    (on a 6-unit test problem its stationary distribution had a higher
    entropy than the data's and a larger total variation distance to it).

    References
    ----------
    Vincent, P., Larochelle, H., Bengio, Y. and Manzagol, P.-A. (2008).
    Extracting and composing robust features with denoising autoencoders. ICML.
    Bengio, Y., Yao, L., Alain, G. and Vincent, P. (2013). Generalized
    denoising auto-encoders as generative models. NIPS.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skgenerative.denoising import DenoisingAutoencoder
    >>> X = (load_digits().data > 7).astype(np.float64)
    >>> dae = DenoisingAutoencoder(n_components=32, max_iter=5, random_state=0).fit(X)
    >>> dae.transform(X[:3]).shape
    (3, 32)
    >>> dae.sample(2, n_steps=10).shape
    (2, 64)
    >>> mask = np.zeros(X[:2].shape, dtype=bool)
    >>> mask[:, 32:] = True
    >>> dae.impute(X[:2], mask, n_steps=10).shape
    (2, 64)
    """

    _state_names = ("encoder_", "decoder_", "optimizer_", "random_state_")
    _parameter_names = ("_parameter_vector",)

    _parameter_constraints = {
        **_COMMON_CONSTRAINTS,
        "encoder_layer_sizes": ["array-like"],
        "contraction": [Interval(numbers.Real, 0, None, closed="left")],
        "noise": [StrOptions({*NOISES, "auto"})],
        "noise_level": [Interval(numbers.Real, 0, None, closed="neither"),
                        StrOptions({"auto"})],
    }

    def __init__(
        self,
        n_components=256,
        *,
        encoder_layer_sizes=(),
        decoder_layer_sizes=(256,),
        activation="relu",
        likelihood="bernoulli",
        min_variance=1e-3,
        noise="auto",
        noise_level="auto",
        walkback=3,
        contraction=0.0,
        learning_rate=3e-3,
        batch_size=100,
        max_iter=200,
        n_steps=100,
        n_score_samples=10,
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
        self.likelihood = likelihood
        self.min_variance = min_variance
        self.noise = noise
        self.noise_level = noise_level
        self.walkback = walkback
        self.contraction = contraction
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.n_steps = n_steps
        self.n_score_samples = n_score_samples
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    # -- set-up ------------------------------------------------------------

    def _initialize(self, X, y, rng, *, partial):
        self._resolve_noise(X)
        self.dtype_ = X.dtype
        p = X.shape[1]
        enc = check_layer_sizes(self.encoder_layer_sizes, "encoder_layer_sizes")
        if self.contraction and enc:
            raise ValueError(
                "contraction needs a one-layer encoder: set encoder_layer_sizes=() "
                f"(got {enc!r})."
            )
        dec = check_layer_sizes(self.decoder_layer_sizes, "decoder_layer_sizes")
        head = self._head
        self.encoder_ = MLP(
            [p, *enc, self.n_components], self.activation, self.activation,
            dtype=X.dtype, random_state=rng, prefix="enc_",
        )
        self.decoder_ = MLP(
            [self.n_components, *dec, head.n_outputs(p)], self.activation, dtype=X.dtype,
            random_state=rng, prefix="dec_",
        )
        self._init_base(X, self.decoder_)
        # a bound method, not the dict: see skgenerative.nn._optimizers
        self.optimizer_ = Adam(self._network_parameters, learning_rate=self.learning_rate)
        self.score_seed_ = draw_seed(rng)
        self.n_iter_ = 0

    def _network_parameters(self):
        return {**self.encoder_.params, **self.decoder_.params}

    # -- training ----------------------------------------------------------

    def _batch_bound_and_grads(self, X, rng):
        return _walkback_objective_and_grads(
            self.encoder_, self.decoder_, self._head, X, self._corrupt, self.walkback, rng,
            self.contraction,
        )

    # -- the hooks of the chain ----------------------------------------------

    def _score_rows(self, rows, rng):
        """``log p(x | x~)`` for one corruption of each row."""
        out = _reconstruction(self.encoder_, self.decoder_, self._corrupt(rows, rng))
        return self._head.log_likelihood(rows, out)

    def _codes(self, X):
        """The encoder's code ``h = f(x)`` of the clean rows."""
        return self.encoder_.predict(X)

    def _run_chain(self, X, free, n_steps, rng, mean, return_output=False):
        return _run_chain(
            self.encoder_, self.decoder_, self._head, X, free, n_steps,
            self._corrupt, rng, mean, return_output,
        )

    def _gibbs_reconstruction(self, n_rows, rng):
        """``p(x | x~)`` of each step of ``impute(method="gibbs")``."""
        return lambda X_tilde: _reconstruction(self.encoder_, self.decoder_, X_tilde)

    def sample(self, n_samples=1, *, n_steps=None, random_state=None, mean=False,
               method="chain", tangent_scale=1.0):
        """Run ``n_samples`` independent chains from base-rate draws.

        Parameters
        ----------
        n_samples : int, default=1
        n_steps : int, default=None
            Steps per chain; None uses ``self.n_steps``.
        random_state : None, int or Generator
            None continues the fitted stream ``random_state_``.
        mean : bool, default=False
            ``"chain"`` only: the reconstruction mean of the last step
            instead of a draw.
        method : {"chain", "manifold"}, default="chain"
            ``"chain"``: the DAE chain of §20.11.1 (corrupt, encode, decode,
            sample the reconstruction distribution). ``"manifold"``: manifold
            diffusion (Rifai et al., 2012) for contractive models with a
            one-layer encoder: ``x <- E[x | g(f(x + e))]``, ``e ~ N(0,
            tangent_scale^2 J^T J)``, a random walk along the tangent plane
            the encoder estimates; returns reconstruction means.
        tangent_scale : float, default=1.0
            ``"manifold"`` only: the step's noise scale in code space.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        if method == "chain":
            return self._chain_sample(n_samples, n_steps, random_state, mean)
        if method != "manifold":
            raise ValueError(f"method must be 'chain' or 'manifold'; got {method!r}.")
        n_steps = self.n_steps if n_steps is None else n_steps
        rng = self._sampling_rng(n_samples, random_state, n_steps)
        if len(self.encoder_.layers) != 1:
            raise ValueError("method='manifold' needs a one-layer encoder "
                             "(encoder_layer_sizes=()).")
        with blas_threads():
            return _manifold_walk(self.encoder_, self.decoder_, self._head,
                                  self._chain_start(n_samples, rng), n_steps, tangent_scale, rng)
