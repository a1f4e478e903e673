"""Variational autoencoders with several stochastic layers (§20.10.3).

The generative model is a chain of Gaussian layers ``z_L -> ... -> z_1 -> x``
(each conditional an MLP), the recognition model the reverse chain
``x -> z_1 -> ... -> z_L``; the two-stochastic-layer architecture of Burda,
Grosse & Salakhutdinov (2016). Training maximises the k-sample
importance-weighted bound (eq. 20.79): ``k = 1`` is the VAE bound (with a
sampled KL, since with several layers the KL has no closed form), ``k > 1``
the IWAE bound.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import GenerativeMixin
from ..nn import MLP, Adam, diagonal_gaussian_log_density, make_head, reparametrize_gaussian
from ..nn import reparametrize_gaussian_backward
from ..nn._mlp import check_layer_sizes
from ..utils._monte_carlo import log_mean_exp_and_std
from ..utils._threads import blas_threads
from ..utils.random import draw_seed
from ..utils.validation import warn_if_not_binary
from ..nn._estimator import NetworkTrainingMixin
from ._common import (
    _SCORE_BLOCK,
    _ImportanceScoreMixin,
    _normalised_weights,
    _row_draw_blocks,
    generate_samples,
)
from ._vae import _encode, _encoder_backward

__all__ = ["HierarchicalVAE"]

_LOG_2PI = np.log(2 * np.pi)


# ---------------------------------------------------------------------------
# the math: functions of (encoders, decoders, head, X, noise)
# ---------------------------------------------------------------------------


def _forward(encoders, decoders, head, X, eps, *, grad):
    """Log weights ``log p(x, z) - log q(z | x)`` of the reparametrised draws.

    ``X`` has shape (n, p) and ``eps[l]`` (k n, d_l): ``k`` draws per row,
    ordered [draw][row]. ``encoders[l]`` maps ``z_{l-1}`` (``z_0 = x``) to
    the mean and log-variance of ``q(z_l | z_{l-1})``; ``decoders[0]`` maps
    ``z_1`` to the output distribution of ``x`` and ``decoders[l]`` (l >= 1)
    maps ``z_{l+1}`` to the mean and log-variance of ``p(z_l | z_{l+1})``
    (0-based layers). ``q(z_1 | x)`` depends on the row only, so its network
    runs once per row, not once per draw (in Burda et al.'s architecture that
    network holds 46 % of a draw's multiply-adds). Returns ``log_w`` (k n,)
    float64 and, with ``grad``, what :func:`_backward` needs.
    """
    k = eps[0].shape[0] // X.shape[0]
    mean, log_var, cache = _encode(encoders[0], X)
    log_var = np.tile(log_var, (k, 1))
    z = reparametrize_gaussian(np.tile(mean, (k, 1)), log_var, eps[0])
    q_layers = [(log_var, cache, z)]
    for enc, e in zip(encoders[1:], eps[1:]):
        mean, log_var, cache = _encode(enc, z)
        z = reparametrize_gaussian(mean, log_var, e)
        q_layers.append((log_var, cache, z))
    zs = [z for _, _, z in q_layers]
    # -log q(z_l | z_{l-1}) at z = mean + sigma * eps
    log_w = sum(
        0.5 * (e.astype(np.float64) ** 2 + lv + _LOG_2PI).sum(axis=1)
        for e, (lv, _, _) in zip(eps, q_layers)
    )
    out, out_cache = decoders[0].forward(zs[0])
    X_rep = np.tile(X, (k, 1)) if k > 1 else X
    if grad:
        log_px, g_out = head.log_likelihood_grad(X_rep, out)
    else:
        log_px, g_out = head.log_likelihood(X_rep, out), None
    log_w = log_w + log_px
    p_layers = []
    for l in range(1, len(decoders)):
        mean_p, log_var_p, cache = _encode(decoders[l], zs[l])
        log_w = log_w + diagonal_gaussian_log_density(zs[l - 1], mean_p, log_var_p)
        p_layers.append((mean_p, log_var_p, cache))
    log_w = log_w + diagonal_gaussian_log_density(zs[-1])
    return log_w, (q_layers, out_cache, g_out, p_layers, X.shape[0])


def _backward(encoders, decoders, eps, saved, row_weights):
    """Gradients of ``sum_r row_weights[r] * log_w[r]`` w.r.t. every parameter."""
    q_layers, out_cache, g_out, p_layers, n = saved
    zs = [z for _, _, z in q_layers]
    a = row_weights.reshape(-1, 1).astype(zs[0].dtype)
    grads, g_z = {}, [np.zeros_like(z) for z in zs]
    g_dec, g_z[0] = decoders[0].backward(out_cache, g_out * a, input_grad=True)
    grads.update(g_dec)
    for l, (mean_p, log_var_p, cache) in enumerate(p_layers, start=1):
        # log N(z_{l-1}; mean_p(z_l), exp(log_var_p(z_l)))
        precision = np.exp(-log_var_p)
        diff = zs[l - 1] - mean_p
        g_z[l - 1] -= a * diff * precision
        g_mean = a * diff * precision
        g_lv = a * 0.5 * (diff * diff * precision - 1.0)
        g_dec, g_in = _encoder_backward(decoders[l], cache, g_mean, g_lv, input_grad=True)
        grads.update(g_dec)
        g_z[l] += g_in
    g_z[-1] -= a * zs[-1]  # the standard normal prior of the top layer
    for l in range(len(encoders) - 1, -1, -1):
        log_var, cache, _ = q_layers[l]
        g_mean, g_lv = reparametrize_gaussian_backward(g_z[l], log_var, eps[l])
        g_lv = g_lv + 0.5 * a  # -log q at fixed eps: +log_var / 2
        if l > 0:
            g_enc, g_in = _encoder_backward(encoders[l], cache, g_mean, g_lv, input_grad=True)
            g_z[l - 1] += g_in
        else:  # q(z_1 | x) ran once per row: sum its gradients over the draws
            g_mean = g_mean.reshape(-1, n, g_mean.shape[1]).sum(axis=0)
            g_lv = g_lv.reshape(-1, n, g_lv.shape[1]).sum(axis=0)
            g_enc = _encoder_backward(encoders[l], cache, g_mean, g_lv)
        grads.update(g_enc)
    return grads


def _bound_and_grads(encoders, decoders, head, X, eps):
    """The k-sample bound per row and the gradient of its batch mean.

    ``eps[l]`` has shape (k, n, d_l). The gradient of ``log (1/k) sum_i w_i``
    is ``sum_i w~_i grad log w_i`` with self-normalised weights ``w~``
    (Burda et al., 2016, eq. 13).
    """
    k, n = eps[0].shape[:2]
    flat = [e.reshape(k * n, -1) for e in eps]
    log_w, saved = _forward(encoders, decoders, head, X, flat, grad=True)
    log_w = log_w.reshape(k, n)
    bound = log_mean_exp_and_std(log_w)[0]
    row_weights = (_normalised_weights(log_w) / n).reshape(k * n)
    return bound, _backward(encoders, decoders, flat, saved, row_weights)


# ---------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------


class HierarchicalVAE(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    GenerativeMixin,
    _ImportanceScoreMixin,
    NetworkTrainingMixin,
    BaseEstimator,
):
    """Variational autoencoder with several Gaussian stochastic layers.

    Generative model ``z_L ~ N(0, I)``, ``z_l ~ N(mu_l(z_{l+1}),
    diag(sigma_l^2(z_{l+1})))``, ``x ~ p(x | g(z_1))``; recognition model
    ``q(z_1 | x) q(z_2 | z_1) ...``, each conditional an MLP. Trained by Adam
    on the k-sample importance-weighted bound (eq. 20.79) by the
    reparametrization trick: ``n_importance=1`` is the VAE (Kingma & Welling,
    2014) with a sampled KL, ``n_importance=k > 1`` the IWAE (Burda, Grosse &
    Salakhutdinov, 2016). The defaults are the two-stochastic-layer
    architecture of Burda et al. (784-200-200-100-100-100-50, tanh).

    Parameters
    ----------
    n_components : int or tuple of int, default=(100, 50)
        Sizes of the stochastic layers, from the data upwards; an int gives
        every layer (one per entry of ``hidden_layer_sizes``) that size.
    hidden_layer_sizes : tuple of tuple of int, default=((200, 200), (100, 100))
        Deterministic hidden layers of the networks between consecutive
        stochastic layers (the first entry between ``x`` and ``z_1``), used
        in the recognition networks and, reversed, in the generative ones.
        One entry per stochastic layer.
    n_importance : int, default=1
        ``k`` of the training bound.
    activation : {"tanh", "relu", "softplus", "sigmoid"}, default="tanh"
    likelihood : {"bernoulli", "gaussian"}, default="bernoulli"
        ``p(x | z_1)``. Bernoulli expects data in [0, 1] (warns otherwise).
    min_variance : float, default=1e-3
        Variance floor of the Gaussian output (unused for Bernoulli).
    learning_rate : float, default=1e-3
        Adam step size.
    batch_size : int, default=100
    max_iter : int, default=20
        Epochs (the maximum with early stopping).
    n_importance_samples : int, default=1000
        ``k`` of the importance-sampled ``log p(x)`` of :meth:`score_samples`.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when the mean
        training bound on them (``n_importance`` draws per row, the same
        draws every epoch) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the best parameters are restored.
    validation_fraction : float, default=0.1
    tol : float, default=1e-4
    n_iter_no_change : int, default=10
    dtype : None, np.float32 or np.float64, default=None
        Compute dtype; None follows the input (float32 in -> float32).
    warm_start : bool, default=False
        Continue from the fitted networks and optimizer on ``fit`` (Adam's
        moments carry on; a changed ``learning_rate`` takes effect).
    verbose : int, default=0
    random_state : None, int or Generator, default=None
        Fixes initialisation, noise, batches, samples and scores.

    Attributes
    ----------
    encoders_ : list of skgenerative.nn.MLP
        ``encoders_[l]`` gives the mean and log-variance of ``q(z_{l+1} |
        z_l)`` (``z_0 = x``).
    decoders_ : list of skgenerative.nn.MLP
        ``decoders_[0]`` gives ``p(x | z_1)``; ``decoders_[l]`` the mean and
        log-variance of ``p(z_l | z_{l+1})``.
    optimizer_ : skgenerative.nn.Adam
    dtype_ : numpy.dtype
    random_state_ : numpy.random.Generator
    score_seed_ : int
        Seed of the importance samples of :meth:`score_samples`.
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    validation_scores_ : list of float
        Mean validation bound per epoch (with ``early_stopping``).

    See Also
    --------
    VAE, IWAE : one stochastic layer, with the KL term in closed form.

    Notes
    -----
    :meth:`score_samples` is the importance-sampled estimate of ``log p(x)``
    with ``n_importance_samples`` draws from the recognition chain, seeded
    per row from ``score_seed_``: ``score_kind_ = "estimate"`` (a lower bound
    in expectation), with its standard error on request.

    References
    ----------
    Burda, Grosse & Salakhutdinov (2016), Importance weighted autoencoders.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.latent import HierarchicalVAE
    >>> X = (np.random.default_rng(0).random((100, 8)) < 0.3).astype(float)
    >>> model = HierarchicalVAE((4, 2), hidden_layer_sizes=((8,), (4,)), max_iter=3,
    ...                         n_importance_samples=20, random_state=0).fit(X)
    >>> model.score_samples(X[:2]).shape, model.sample(3, random_state=0).shape
    ((2,), (3, 8))
    """

    score_kind_ = "estimate"
    _state_names = ("encoders_", "decoders_", "optimizer_", "random_state_")
    _parameter_names = ("_parameter_vector",)

    _parameter_constraints: dict = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
        "hidden_layer_sizes": ["array-like"],
        "n_importance": [Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions({"tanh", "relu", "softplus", "sigmoid"})],
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
        n_components=(100, 50),
        *,
        hidden_layer_sizes=((200, 200), (100, 100)),
        n_importance=1,
        activation="tanh",
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
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_importance = n_importance
        self.activation = activation
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

    def _layer_sizes(self):
        """(stochastic sizes, hidden sizes per stochastic layer), validated."""
        hidden = tuple(self.hidden_layer_sizes)
        sizes = self.n_components
        if isinstance(sizes, numbers.Integral):  # every layer that size
            sizes = (sizes,) * max(len(hidden), 1)
        sizes = tuple(sizes)
        if not sizes or any(not isinstance(s, numbers.Integral) or s < 1 for s in sizes):
            raise ValueError(
                f"n_components must be a positive int or a non-empty tuple of them; "
                f"got {self.n_components!r}."
            )
        if len(hidden) != len(sizes):
            raise ValueError(
                f"hidden_layer_sizes needs one tuple of hidden sizes per stochastic layer "
                f"({len(sizes)}, from n_components={self.n_components!r}); got "
                f"{len(hidden)}: {self.hidden_layer_sizes!r}."
            )
        return sizes, [check_layer_sizes(h, "hidden_layer_sizes") for h in hidden]

    @property
    def _n_features_out(self):
        return sum(self._layer_sizes()[0])

    def _initialize(self, X, y, rng, *, partial):
        self.dtype_ = X.dtype
        sizes, hidden = self._layer_sizes()
        below = [X.shape[1], *sizes[:-1]]
        head = self._head
        self.encoders_ = [
            MLP([below[l], *hidden[l], 2 * sizes[l]], self.activation, dtype=X.dtype,
                random_state=rng, prefix=f"enc{l}_")
            for l in range(len(sizes))
        ]
        self.decoders_ = [
            MLP([sizes[l], *hidden[l][::-1], head.n_outputs(X.shape[1]) if l == 0
                 else 2 * below[l]], self.activation, dtype=X.dtype, random_state=rng,
                prefix=f"dec{l}_")
            for l in range(len(sizes))
        ]
        self._init_output_bias(X)
        self.optimizer_ = Adam(self._network_parameters, learning_rate=self.learning_rate)
        self.score_seed_ = draw_seed(rng)
        self.n_iter_ = 0

    def _network_parameters(self):
        params = {}
        for net in self.encoders_ + self.decoders_:
            params.update(net.params)
        return params

    def _init_output_bias(self, X):
        """Output bias of p(x | z_1) at the data's base rate."""
        net = self.decoders_[0]
        b = net.params[f"dec0_b{len(net.layers) - 1}"]
        b[:] = self._head.base_rate_bias(
            X.mean(axis=0, dtype=np.float64), X.var(axis=0, dtype=np.float64)
        )

    # -- training ----------------------------------------------------------

    def _noise(self, k, n, rng):
        return [rng.standard_normal((k, n, d)).astype(self.dtype_)
                for d in self._layer_sizes()[0]]

    def _batch_bound_and_grads(self, X, rng):
        eps = self._noise(self.n_importance, X.shape[0], rng)
        return _bound_and_grads(self.encoders_, self.decoders_, self._head, X, eps)

    def _validation_score(self, X_val, y_val):
        # the training bound with the same draws every epoch: k forward
        # passes per validation row
        return float(np.mean(self.importance_bound(X_val, self.n_importance)))

    def _check_support(self, X):
        if self.likelihood == "bernoulli":
            warn_if_not_binary(X, what=f"{type(self).__name__} with a Bernoulli output")

    # -- inference ---------------------------------------------------------

    def _importance_log_weights(self, X, k, seed):
        """(k, n) log weights in blocks of rows; each row's noise from its own
        generator (see ``utils.random.row_generators``)."""
        sizes = self._layer_sizes()[0]
        total = sum(sizes)
        head, parts = self._head, []
        normal = np.random.Generator.standard_normal
        # a block stacks min(n k, ~_SCORE_BLOCK) draws: with k in the
        # thousands its products are large enough for every BLAS thread
        widest = max(a * b for net in self.encoders_ + self.decoders_
                     for a, b in zip(net.layer_sizes[:-1], net.layer_sizes[1:]))
        with blas_threads(min(X.shape[0] * k, max(k, _SCORE_BLOCK)) * widest):
            for idx, noise in _row_draw_blocks(X, k, total, seed, normal):
                noise = noise.astype(self.dtype_).reshape(k * len(idx), total)
                eps = np.split(noise, np.cumsum(sizes)[:-1], axis=1)
                log_w, _ = _forward(self.encoders_, self.decoders_, head, X[idx], eps, grad=False)
                parts.append(log_w.reshape(k, len(idx)))
        return np.concatenate(parts, axis=1)

    def transform(self, X):
        """Means of the recognition chain, all layers concatenated.

        ``m_1 = E_q[z_1 | x]``, ``m_2 = E_q[z_2 | z_1 = m_1]``, ...

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, sum(n_components))
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        means, inputs = [], X
        for enc in self.encoders_:
            inputs = _encode(enc, inputs)[0]
            means.append(inputs)
        return np.concatenate(means, axis=1)

    def sample(self, n_samples=1, *, random_state=None, mean=False):
        """Ancestral samples down the generative chain.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : None, int or Generator
            None continues the fitted stream ``random_state_``.
        mean : bool, default=False
            Return ``E[x | z_1]`` instead of a draw of ``x``.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        return generate_samples(self, n_samples, random_state=random_state, mean=mean)

    def _sample_prior(self, n, rng):
        return rng.standard_normal((n, self._layer_sizes()[0][-1])).astype(self.dtype_)

    def _generate_from_code(self, code, rng, mean):
        z = code
        for dec in self.decoders_[:0:-1]:
            m, log_var, _ = _encode(dec, z)
            z = reparametrize_gaussian(m, log_var, rng.standard_normal(m.shape).astype(m.dtype))
        out = self.decoders_[0].predict(z)
        head = self._head
        return head.mean(out) if mean else head.sample(out, rng)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
