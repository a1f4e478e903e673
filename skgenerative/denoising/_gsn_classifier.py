"""Discriminant and hybrid generative stochastic networks (§20.12.1): a GSN
chain over the labels, conditioned on the clamped inputs (Zhou &
Troyanskaya, 2014), optionally also reconstructing the inputs (the hybrid
criterion of Zöhrer & Pernkopf, 2014).
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import FineTunedClassifierMixin
from ..nn import MLP, Adam, make_head, minibatch_epoch, softmax, softmax_cross_entropy
from ..nn._mlp import check_layer_sizes
from ..utils.validation import warn_if_not_binary
from ._corruption import NOISES, check_noise_level, corrupt
from ._gsn import _transition_step

__all__ = ["GSNClassifier"]


def _label_walk_loss_and_grads(transition, label_decoder, decoder, head, X, Y, corruption,
                               hidden_noise, walkback, weight, rng):
    """The (hybrid) discriminant GSN criterion of a batch, as a loss.

    The chain over the labels starts with no label information (``y_0 = 0``,
    ``h_0 = 0``); step ``k`` draws ``h_k = f([x~, y_{k-1}, h_{k-1}]) + noise``
    (a fresh corruption ``x~`` of the clamped inputs each step) and
    ``y_k ~ softmax(g_y(h_k))``. The loss of a row is ``(1/K) sum_k [-log
    p(y | h_k) - weight * log p(x | h_k)]``; its gradient flows back through
    the latent path, the label draws are constants. ``Y`` is one-hot.
    Returns the per-row loss and the gradient of its batch mean.
    """
    n, p = X.shape
    d, n_classes = transition.n_outputs, Y.shape[1]
    H = np.zeros((n, d), dtype=X.dtype)
    Y_state = np.zeros_like(Y)
    total, caches = np.zeros(n), []
    for k in range(walkback):
        X_in = np.hstack([corruption(X, rng), Y_state])
        H, t_cache = _transition_step(transition, X_in, H, hidden_noise, rng)
        logits, l_cache = label_decoder.forward(H)
        loss, g_logits = softmax_cross_entropy(logits, Y)
        x_part = None
        if weight:
            out, d_cache = decoder.forward(H)
            ll, g_out = head.log_likelihood_grad(X, out)
            loss = loss - weight * ll
            x_part = (d_cache, -weight * g_out)
        total += loss
        caches.append((t_cache, l_cache, g_logits, x_part))
        if k + 1 < walkback:
            probs = softmax(logits.copy())
            draws = (probs.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
            Y_state = np.eye(n_classes, dtype=X.dtype)[draws]
    scale = 1.0 / (n * walkback)
    grads, g_next = {}, 0.0
    for t_cache, l_cache, g_logits, x_part in reversed(caches):
        parts = []
        g_lab, g_h = label_decoder.backward(l_cache, g_logits * scale, input_grad=True)
        parts.append(g_lab)
        if x_part is not None:
            g_dec, g_hx = decoder.backward(x_part[0], x_part[1] * scale, input_grad=True)
            parts.append(g_dec)
            g_h = g_h + g_hx
        g_tr, g_in = transition.backward(t_cache, g_h + g_next, input_grad=True)
        parts.append(g_tr)
        g_next = g_in[:, p + n_classes :]
        for part in parts:
            for key, value in part.items():
                grads[key] = grads[key] + value if key in grads else value
    return total / walkback, grads


def _label_chain_proba(transition, label_decoder, X, n_classes, walkback):
    """The mean-field chain: no noise, the label state is the previous
    step's probabilities; returns the probabilities averaged over the steps."""
    H = np.zeros((X.shape[0], transition.n_outputs), dtype=X.dtype)
    Y_state = np.zeros((X.shape[0], n_classes), dtype=X.dtype)
    mean = np.zeros((X.shape[0], n_classes))
    for _ in range(walkback):
        H = transition.predict(np.hstack([X, Y_state, H]))
        Y_state = softmax(label_decoder.predict(H))
        mean += Y_state
    return mean / walkback


class GSNClassifier(FineTunedClassifierMixin, BaseEstimator):
    """Discriminant (and hybrid) generative stochastic network (§20.12.1).

    A GSN whose Markov chain runs over the labels: the inputs are clamped
    (and corrupted afresh at each step), a latent state ``h_k = f([x~,
    y_{k-1}, h_{k-1}]) + noise`` carries the chain and ``p(y | h_k)`` is a
    softmax. Trained walk-back style (Zhou & Troyanskaya, 2014): the chain
    starts with no label information and every step's label distribution is
    asked to give the true label, back-propagating through the latent path;
    with ``unsupervised_weight > 0`` each step also reconstructs the inputs
    (``p(x | h_k)``, the hybrid criterion of Zöhrer & Pernkopf, 2014).

    Parameters
    ----------
    n_components : int, default=256
        Width of the latent state.
    transition_layer_sizes : tuple of int, default=()
        Further hidden layers of ``f``.
    activation : {"tanh", "sigmoid", "relu", "softplus"}, default="tanh"
    noise : {"mask", "salt_pepper", "gaussian"}, default="mask"
        Corruption of the inputs at each step of training.
    noise_level : float, default=0.2
    hidden_noise : float, default=0.5
        Standard deviation of the noise on ``h`` during training.
    walkback : int, default=3
        Steps of the chain (training and prediction).
    unsupervised_weight : float, default=0.0
        Weight of the input reconstruction ``log p(x | h_k)`` (0: the
        discriminant GSN).
    likelihood : {"bernoulli", "gaussian"}, default="bernoulli"
        ``p(x | h)`` of the hybrid criterion (data in [0, 1] for Bernoulli).
    min_variance : float, default=1e-3
    alpha : float, default=1e-4
        L2 penalty on the weight matrices.
    learning_rate : float, default=1e-3
        Adam step size.
    batch_size : int, default=100
    max_iter : int, default=100
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction``; stop when its accuracy
        has not improved by ``tol`` for ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
    tol : float, default=1e-4
    n_iter_no_change : int, default=10
    warm_start : bool, default=False
    verbose : int, default=0
    random_state : None, int or Generator, default=None

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    transition_, label_decoder_ : skgenerative.nn.MLP
    decoder_ : skgenerative.nn.MLP or None
        ``p(x | h)`` (hybrid criterion only).
    optimizer_ : skgenerative.nn.Adam
    random_state_ : numpy.random.Generator
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    validation_scores_ : list of float

    See Also
    --------
    GenerativeStochasticNetwork : the unsupervised GSN.

    Notes
    -----
    :meth:`predict_proba` runs the chain deterministically: no corruption, no
    latent noise, the label state being the previous step's probabilities
    (mean field); it returns the probabilities averaged over the
    ``walkback`` steps.

    References
    ----------
    Zhou, J. and Troyanskaya, O. G. (2014). Deep supervised and convolutional
    generative stochastic network for protein secondary structure
    prediction. ICML.
    Zöhrer, M. and Pernkopf, F. (2014). General stochastic networks for
    classification. NIPS.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skgenerative.denoising import GSNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = GSNClassifier(n_components=64, max_iter=10, random_state=0).fit(X / 16, y)
    >>> clf.predict_proba(X[:2] / 16).shape
    (2, 10)
    """

    _state_names = ("transition_", "label_decoder_", "decoder_", "optimizer_", "random_state_")
    _parameter_names = ("_parameter_vector",)

    _parameter_constraints = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "transition_layer_sizes": ["array-like"],
        "activation": [StrOptions({"sigmoid", "tanh", "relu", "softplus"})],
        "noise": [StrOptions(set(NOISES))],
        "noise_level": [Interval(numbers.Real, 0, None, closed="neither")],
        "hidden_noise": [Interval(numbers.Real, 0, None, closed="left")],
        "walkback": [Interval(numbers.Integral, 1, None, closed="left")],
        "unsupervised_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "likelihood": [StrOptions({"bernoulli", "gaussian"})],
        "min_variance": [Interval(numbers.Real, 0, None, closed="neither")],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        n_components=256,
        *,
        transition_layer_sizes=(),
        activation="tanh",
        noise="mask",
        noise_level=0.2,
        hidden_noise=0.5,
        walkback=3,
        unsupervised_weight=0.0,
        likelihood="bernoulli",
        min_variance=1e-3,
        alpha=1e-4,
        learning_rate=1e-3,
        batch_size=100,
        max_iter=100,
        early_stopping=False,
        validation_fraction=0.1,
        tol=1e-4,
        n_iter_no_change=10,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.transition_layer_sizes = transition_layer_sizes
        self.activation = activation
        self.noise = noise
        self.noise_level = noise_level
        self.hidden_noise = hidden_noise
        self.walkback = walkback
        self.unsupervised_weight = unsupervised_weight
        self.likelihood = likelihood
        self.min_variance = min_variance
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the chain on labelled data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : GSNClassifier
        """
        return self._fit(X, y)

    @property
    def _head(self):
        return make_head(self.likelihood, min_variance=self.min_variance)

    @property
    def _parameter_vector(self):
        return np.concatenate([np.ravel(v) for v in self.optimizer_.params.values()])

    def _check_training_data(self, X, y, *, reset):
        check_noise_level(self.noise, self.noise_level)
        check_layer_sizes(self.transition_layer_sizes, "transition_layer_sizes")
        X, y = super()._check_training_data(X, y, reset=reset)
        if self.unsupervised_weight and self.likelihood == "bernoulli":
            warn_if_not_binary(X, what=f"{type(self).__name__} with a Bernoulli reconstruction")
        return X, y

    def _initialize(self, X, y, rng, *, partial):
        self._set_classes(y)
        p, d, n_classes = X.shape[1], self.n_components, len(self.classes_)
        hidden = check_layer_sizes(self.transition_layer_sizes, "transition_layer_sizes")
        self.transition_ = MLP([p + n_classes + d, *hidden, d], self.activation, self.activation,
                               dtype=X.dtype, random_state=rng, prefix="f_")
        self.label_decoder_ = MLP([d, n_classes], dtype=X.dtype, random_state=rng, prefix="y_")
        self.decoder_ = None
        if self.unsupervised_weight:
            self.decoder_ = MLP([d, self._head.n_outputs(p)], dtype=X.dtype, random_state=rng,
                                prefix="x_")
        # a bound method, not the dict: see skgenerative.nn._optimizers
        self.optimizer_ = Adam(self._network_parameters, learning_rate=self.learning_rate,
                               maximize=False)
        self.n_iter_ = 0

    def _network_parameters(self):
        params = {**self.transition_.params, **self.label_decoder_.params}
        if self.decoder_ is not None:
            params.update(self.decoder_.params)
        return params

    def _training_data(self, X, y):
        X, codes = super()._training_data(X, y)
        return np.ascontiguousarray(X), np.eye(len(self.classes_), dtype=X.dtype)[codes]

    def _run_epoch(self, X, Y, rng, progress, *, shuffle):
        order = rng.permutation(X.shape[0]) if shuffle else None

        def walk(X_batch, Y_batch):
            return _label_walk_loss_and_grads(
                self.transition_, self.label_decoder_, self.decoder_, self._head, X_batch,
                Y_batch, lambda S, r: corrupt(S, self.noise, self.noise_level, r),
                self.hidden_noise, self.walkback, self.unsupervised_weight, rng,
            )

        loss = minibatch_epoch(X, Y, order, self.batch_size, walk, self.optimizer_,
                               gradients="mean", alpha=self.alpha, progress=progress)
        return {"walk-back loss": loss}

    def _validation_score(self, X_val, Y_val):
        proba, _ = self._class_scores(X_val)
        return float(np.mean(proba.argmax(axis=1) == Y_val.argmax(axis=1)))

    def _class_scores(self, X):
        X = np.asarray(X, dtype=self.transition_.dtype)
        return _label_chain_proba(self.transition_, self.label_decoder_, X,
                                  len(self.classes_), self.walkback), "proba"
