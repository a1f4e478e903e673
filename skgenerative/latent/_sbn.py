"""Sigmoid belief networks (§20.10.1, eq. 20.70) with a recognition network
(Helmholtz machine), trained by wake-sleep, reweighted wake-sleep or NVIL.

Generative model, top to bottom: ``h_L ~ Bernoulli(sigmoid(b_L))``,
``h_{l-1} | h_l ~ Bernoulli(sigmoid(W_l h_l + b_{l-1}))``, with ``h_0 = x``.
Recognition model, bottom to top: ``h_{l+1} | h_l ~ Bernoulli(sigmoid(R_l h_l
+ c_{l+1}))``. Each conditional is a one-layer :class:`skgenerative.nn.MLP`
with linear output (logits) and a Bernoulli head, so the gradients of
``log p`` and ``log q`` w.r.t. the logits are ``h - sigmoid(logits)``,
back-propagated by the shared toolkit.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import GenerativeMixin
from ..nn import MLP, Adam, ReinforceBaseline, bernoulli_log_likelihood, sigmoid
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

__all__ = ["SigmoidBeliefNet"]



# ---------------------------------------------------------------------------
# the math
# ---------------------------------------------------------------------------


def _recognition_pass(recognition, X, uniforms, *, grad=True, first_logits=None):
    """Sample ``h_1..h_L ~ q(h | x)`` layer by layer.

    ``uniforms[l]`` (shape ``(n, size_l)``) drives the Bernoulli draws.
    Returns the states ``[x, h_1, ..., h_L]``, ``log q(h | x)`` per row
    (float64) and per layer ``(cache, d log q / d logits)`` (an empty list
    when ``grad`` is False). ``first_logits``, when given, are the first
    layer's logits of ``X`` (scoring computes them once per data row rather
    than once per importance sample).
    """
    states, log_q, parts = [X], 0.0, []
    for l, (net, u) in enumerate(zip(recognition, uniforms)):
        if l == 0 and first_logits is not None:
            logits, cache = first_logits, None
        else:
            logits, cache = net.forward(states[-1])
        h = (u < sigmoid(logits)).astype(logits.dtype)
        if grad:
            ll, g = bernoulli_log_likelihood(h, logits, grad=True)
            parts.append((cache, g))
        else:
            ll = bernoulli_log_likelihood(h, logits)
        log_q = log_q + ll
        states.append(h)
    return states, log_q, parts


def _generative_log_joint(generative, prior_b, states, *, grad=True):
    """``log p(x, h)`` per row (float64) for states ``[x, h_1..h_L]``, and per
    layer ``(cache, d log p / d logits)``; the last entry is the prior's
    gradient w.r.t. its logits (rows). With ``grad=False`` only ``log p``
    is computed (the other two are None)."""
    top = states[-1]
    prior_logits = np.ascontiguousarray(np.broadcast_to(prior_b, top.shape))
    if not grad:
        log_p = bernoulli_log_likelihood(top, prior_logits)
        for l, net in enumerate(generative):
            log_p = log_p + bernoulli_log_likelihood(states[l], net.predict(states[l + 1]))
        return log_p, None, None
    log_p, g_prior = bernoulli_log_likelihood(top, prior_logits, grad=True)
    parts = []
    for l, net in enumerate(generative):
        logits, cache = net.forward(states[l + 1])
        ll, g = bernoulli_log_likelihood(states[l], logits, grad=True)
        log_p = log_p + ll
        parts.append((cache, g))
    return log_p, parts, g_prior


def _weighted_backward(nets, parts, weights):
    """Sum over rows of ``weights[row] * d log(.) / d params`` for each net."""
    grads = {}
    for net, (cache, g) in zip(nets, parts):
        grads.update(net.backward(cache, g * weights[:, None].astype(g.dtype)))
    return grads


def _recognition_grads_on(recognition, states, weights):
    """Gradient of ``sum_rows weights * log q(h | x)`` at given states (the
    sleep phase: states dreamt by the generative model)."""
    grads = {}
    for l, net in enumerate(recognition):
        logits, cache = net.forward(states[l])
        _, g = bernoulli_log_likelihood(states[l + 1], logits, grad=True)
        grads.update(net.backward(cache, g * weights[:, None].astype(g.dtype)))
    return grads


# ---------------------------------------------------------------------------
# estimator
# ---------------------------------------------------------------------------


class SigmoidBeliefNet(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    GenerativeMixin,
    _ImportanceScoreMixin,
    NetworkTrainingMixin,
    BaseEstimator,
):
    """Layered sigmoid belief network with a recognition network (§20.10.1).

    Binary stochastic layers generate the data top-down (eq. 20.70); a
    bottom-up recognition network ``q(h | x)`` (Helmholtz machine) provides
    approximate posteriors. ``method`` selects the learning rule:

    * ``"wake-sleep"`` (Hinton et al., 1995): the wake phase raises
      ``log p(x, h)`` at ``h ~ q(h | x)``; the sleep phase raises
      ``log q(h | x)`` on ``(x, h)`` dreamt by the generative model.
    * ``"rws"`` — reweighted wake-sleep (Bornschein & Bengio, 2015): ``k``
      samples from ``q`` weighted by normalised importance weights
      ``p(x, h) / q(h | x)`` for the generative (and wake-``q``) updates,
      plus the sleep-phase ``q`` update when ``sleep_phase=True``.
    * ``"nvil"`` (Mnih & Gregor, 2014): the single-sample variational bound;
      ``q`` follows REINFORCE (§20.9.1) with the learning signal
      ``log p(x, h) - log q(h | x)`` centred by a moving average and an
      input-dependent baseline network, and variance-normalised.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(200,)
        Widths of the hidden layers, bottom (next to ``x``) to top.
    method : {"rws", "wake-sleep", "nvil"}, default="rws"
    n_importance : int, default=5
        ``k`` samples per row for ``"rws"``.
    sleep_phase : bool, default=True
        For ``"rws"``: also train ``q`` on dreamt samples.
    baseline_layer_sizes : tuple of int, default=(100,)
        Hidden layers of NVIL's input-dependent baseline (``()`` for a linear one).
    baseline_alpha : float, default=0.8
        Decay of NVIL's moving averages (baseline and variance).
    learning_rate : float, default=1e-3
        Adam step size.
    batch_size : int, default=100
    max_iter : int, default=20
        Epochs.
    n_importance_samples : int, default=1000
        ``k`` of the importance-sampled ``log p(x)`` of :meth:`score_samples`.
    dtype : None, np.float32 or np.float64, default=None
    warm_start : bool, default=False
        Continue from the fitted networks and optimizer on ``fit`` (Adam's
        moments carry on; a changed ``learning_rate`` takes effect).
    verbose : int, default=0
    random_state : None, int or Generator, default=None

    Attributes
    ----------
    generative_ : list of skgenerative.nn.MLP
        ``generative_[l]`` maps ``h_{l+1}`` to the logits of ``h_l`` (``h_0 = x``).
    recognition_ : list of skgenerative.nn.MLP
        ``recognition_[l]`` maps ``h_l`` to the logits of ``q(h_{l+1} | h_l)``.
    prior_ : dict
        ``{"prior_b": logits of the top layer}``.
    baseline_ : skgenerative.nn.ReinforceBaseline or None
        NVIL's baseline (moving averages and network).
    optimizer_ : skgenerative.nn.Adam
    dtype_, random_state_, score_seed_, n_iter_, n_features_in_, feature_names_in_

    See Also
    --------
    VAE : continuous latent code trained by reparametrization.

    Notes
    -----
    :meth:`score_samples` is ``log (1/k) sum_i p(x, h_i) / q(h_i | x)`` with
    ``k = n_importance_samples`` samples from ``q``: an estimate of
    ``log p(x)`` that is a lower bound in expectation and is deterministic
    (per-row seeds derived from ``score_seed_``); ``score_kind_ = "estimate"``.
    ``score_samples(X, return_std=True)`` also returns the Monte Carlo
    standard error of each estimate (delta method on the importance weights).

    References
    ----------
    Neal, R. (1992). Connectionist learning of belief networks. AI 56.
    Hinton, G., Dayan, P., Frey, B. and Neal, R. (1995). The wake-sleep
    algorithm for unsupervised neural networks. Science 268.
    Bornschein, J. and Bengio, Y. (2015). Reweighted wake-sleep. ICLR.
    Mnih, A. and Gregor, K. (2014). Neural variational inference and learning
    in belief networks. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.latent import SigmoidBeliefNet
    >>> X = (np.random.default_rng(0).random((100, 8)) < 0.3).astype(float)
    >>> sbn = SigmoidBeliefNet((4,), max_iter=2, n_importance_samples=50,
    ...                        random_state=0).fit(X)
    >>> sbn.sample(3).shape
    (3, 8)
    """

    score_kind_ = "estimate"
    _state_names = (
        "generative_", "recognition_", "prior_", "baseline_", "optimizer_", "random_state_",
    )
    _parameter_names = ("_parameter_vector",)

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like"],
        "method": [StrOptions({"rws", "wake-sleep", "nvil"})],
        "n_importance": [Interval(numbers.Integral, 1, None, closed="left")],
        "sleep_phase": ["boolean"],
        "baseline_layer_sizes": ["array-like"],
        "baseline_alpha": [Interval(numbers.Real, 0, 1, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
        "n_importance_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "dtype": [None, type, np.dtype, str],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        hidden_layer_sizes=(200,),
        *,
        method="rws",
        n_importance=5,
        sleep_phase=True,
        baseline_layer_sizes=(100,),
        baseline_alpha=0.8,
        learning_rate=1e-3,
        batch_size=100,
        max_iter=20,
        n_importance_samples=1000,
        dtype=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.method = method
        self.n_importance = n_importance
        self.sleep_phase = sleep_phase
        self.baseline_layer_sizes = baseline_layer_sizes
        self.baseline_alpha = baseline_alpha
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.n_importance_samples = n_importance_samples
        self.dtype = dtype
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    # -- set-up ------------------------------------------------------------

    @property
    def _n_features_out(self):
        return self._sizes[-1]

    @property
    def _sizes(self):
        return [self.n_features_in_] + [net.n_outputs for net in self.recognition_]

    def _initialize(self, X, y, rng, *, partial):
        self.dtype_ = X.dtype
        sizes = [X.shape[1], *check_layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")]
        if len(sizes) < 2:
            raise ValueError("hidden_layer_sizes needs at least one layer.")
        self.generative_ = [
            MLP([sizes[l + 1], sizes[l]], dtype=X.dtype, random_state=rng, prefix=f"gen{l}_")
            for l in range(len(sizes) - 1)
        ]
        self.recognition_ = [
            MLP([sizes[l], sizes[l + 1]], dtype=X.dtype, random_state=rng, prefix=f"rec{l}_")
            for l in range(len(sizes) - 1)
        ]
        m = np.clip(X.mean(axis=0, dtype=np.float64), 1e-3, 1 - 1e-3)
        self.generative_[0].params["gen0_b0"][:] = np.log(m) - np.log1p(-m)
        self.prior_ = {"prior_b": np.zeros(sizes[-1], dtype=X.dtype)}
        self.baseline_ = None
        if self.method == "nvil":
            self.baseline_ = ReinforceBaseline(
                X.shape[1],
                check_layer_sizes(self.baseline_layer_sizes, "baseline_layer_sizes"),
                alpha=self.baseline_alpha, dtype=X.dtype, random_state=rng,
            )
        self.optimizer_ = Adam(self._network_parameters, learning_rate=self.learning_rate)
        self.score_seed_ = draw_seed(rng)
        self.n_iter_ = 0

    def _network_parameters(self):
        params = {**self.prior_}
        for net in self.generative_ + self.recognition_:
            params.update(net.params)
        if self.baseline_ is not None:
            params.update(self.baseline_.params)
        return params

    # -- training ----------------------------------------------------------

    def _uniforms(self, n, rng):
        return [rng.random((n, s)).astype(self.dtype_) for s in self._sizes[1:]]

    def _wake(self, X, weights, rng, k=1):
        """States from q for ``k`` copies of X; generative and wake-q gradients
        weighted per row by ``weights(log_w)``; returns (grads, log_w (k, n))."""
        X_rep = np.tile(X, (k, 1)) if k > 1 else X
        states, log_q, q_parts = _recognition_pass(
            self.recognition_, X_rep, self._uniforms(len(X_rep), rng)
        )
        log_p, p_parts, g_prior = _generative_log_joint(
            self.generative_, self.prior_["prior_b"], states
        )
        log_w = (log_p - log_q).reshape(k, len(X))
        w_p, w_q = weights(log_w)
        grads = _weighted_backward(self.generative_, p_parts, w_p)
        grads["prior_b"] = (g_prior * w_p[:, None].astype(g_prior.dtype)).sum(axis=0)
        if w_q is not None:
            grads.update(_weighted_backward(self.recognition_, q_parts, w_q))
        return grads, log_w

    def _sleep(self, n, rng, scale):
        """Sleep-phase q gradient on ``n`` dreamt samples."""
        states = self._dream(n, rng)
        return _recognition_grads_on(
            self.recognition_, states, np.full(n, scale, dtype=np.float64)
        )

    def _dream(self, n, rng):
        """Ancestral states ``[x, h_1, ..., h_L]`` from the generative model."""
        top = self._sample_prior(n, rng)
        states = [top]
        for net in reversed(self.generative_):
            p = sigmoid(net.predict(states[0]))
            states.insert(0, (rng.random(p.shape) < p).astype(self.dtype_))
        return states

    def _batch_bound_and_grads(self, X, rng):
        """(per-row training bound, gradients) of one minibatch."""
        n = X.shape[0]
        if self.method == "wake-sleep":
            grads, log_w = self._wake(X, lambda lw: (np.full(n, 1.0 / n), None), rng)
            grads.update(self._sleep(n, rng, 1.0 / n))
            return log_w[0], grads
        if self.method == "rws":
            k = self.n_importance
            q_scale = 0.5 if self.sleep_phase else 1.0

            def weights(lw):
                w = (_normalised_weights(lw) / n).ravel()
                return w, q_scale * w

            grads, log_w = self._wake(X, weights, rng, k)
            if self.sleep_phase:
                grads.update(self._sleep(n, rng, q_scale / n))
            return log_mean_exp_and_std(log_w)[0], grads
        # NVIL
        baseline_grads = {}

        def weights(lw):
            signal, bg = self.baseline_.signal(lw[0], X)
            baseline_grads.update(bg)
            return np.full(n, 1.0 / n), signal / n

        grads, log_w = self._wake(X, weights, rng)
        grads.update(baseline_grads)
        return log_w[0], grads

    def _check_support(self, X):
        warn_if_not_binary(X, what="SigmoidBeliefNet's binary visible units")

    # -- inference ---------------------------------------------------------

    def _log_weights(self, X, k, seed):
        """``log p(x, h_i) - log q(h_i | x)``, shape (k, n), per-row seeded."""
        sizes = self._sizes[1:]
        out = []
        with blas_threads():
            for idx, u in _row_draw_blocks(X, k, sum(sizes), seed, np.random.Generator.random):
                u = u.reshape(k * len(idx), -1).astype(self.dtype_)
                splits = np.cumsum(sizes)[:-1]
                # the first layer's logits depend on the row only, not on the draw
                first = np.tile(self.recognition_[0].predict(X[idx]), (k, 1))
                states, log_q, _ = _recognition_pass(
                    self.recognition_,
                    np.tile(X[idx], (k, 1)),
                    np.split(u, splits, axis=1),
                    grad=False,
                    first_logits=first,
                )
                log_p, _, _ = _generative_log_joint(
                    self.generative_, self.prior_["prior_b"], states, grad=False
                )
                out.append((log_p - log_q).reshape(k, len(idx)))
        return np.concatenate(out, axis=1)

    def _importance_log_weights(self, X, k, seed):
        return self._log_weights(X, k, seed)

    def transform(self, X):
        """Mean-field upward pass of the recognition network.

        ``mu_1 = sigmoid(R_0 x + c_1)``, ``mu_{l+1} = sigmoid(R_l mu_l + c_{l+1})``;
        returns the top layer's means (for one hidden layer these are exactly
        the posterior means under ``q``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
        """
        check_is_fitted(self)
        a = self._validate_X(X, reset=False)
        self._check_support(a)
        for net in self.recognition_:
            a = sigmoid(net.predict(a))
        return a

    def sample(self, n_samples=1, *, random_state=None, mean=False):
        """Ancestral samples from the top layer down.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : None, int or Generator
            None continues ``random_state_``.
        mean : bool, default=False
            Return ``p(x = 1 | h_1)`` instead of a binary draw.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        return generate_samples(self, n_samples, random_state=random_state, mean=mean)

    def _sample_prior(self, n, rng):
        p = sigmoid(np.broadcast_to(self.prior_["prior_b"], (n, len(self.prior_["prior_b"]))))
        return (rng.random(p.shape) < p).astype(self.dtype_)

    def _generate_from_code(self, code, rng, mean):
        h = code
        for l in range(len(self.generative_) - 1, -1, -1):
            p = sigmoid(self.generative_[l].predict(h))
            if l == 0 and mean:
                return p
            h = (rng.random(p.shape) < p).astype(self.dtype_)
        return h
