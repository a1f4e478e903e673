"""Order-agnostic (deep) NADE, its ordering ensemble (EoNADE) and NADE-k."""

from numbers import Integral

import numpy as np
from scipy.special import expit, logsumexp
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils.random import check_generator
from ..utils.validation import warn_if_not_binary
from ..nn import ACTIVATIONS, Dense
from . import _kernels
from ._base import _BaseAutoregressive
from ._fvsbn import _logit_of_mean

# --------------------------------------------------------------- the network
#
# The network is a stack of skgenerative.nn.Dense layers (the package's one
# back-propagation): [u, m] (2D) -> H -> ... -> H -> D logits. The estimator
# keeps the hidden layers stacked in (L - 1, H, H) and (L, H) arrays; the
# Dense layers read views of them through a flat parameter dict.

PARAM_KEYS = (
    "input_weights_",
    "hidden_weights_",
    "intercept_hidden_",
    "output_weights_",
    "intercept_visible_",
)


def _layers(params, activation):
    D2, H = params["input_weights_"].shape
    layers = [Dense(D2, H, activation, weight_key="input_weights_", bias_key="intercept_hidden_0")]
    for layer in range(1, params["intercept_hidden_"].shape[0]):
        layers.append(
            Dense(H, H, activation, weight_key=f"hidden_weights_{layer}", bias_key=f"intercept_hidden_{layer}")
        )
    layers.append(Dense(H, D2 // 2, "linear", weight_key="output_weights_", bias_key="intercept_visible_"))
    return layers


def _flat_params(params):
    """The stacked arrays as the flat dict the Dense layers read (views)."""
    flat = {key: params[key] for key in ("input_weights_", "output_weights_", "intercept_visible_")}
    for layer, bias in enumerate(params["intercept_hidden_"]):
        flat[f"intercept_hidden_{layer}"] = bias
    for layer, W in enumerate(params["hidden_weights_"], start=1):
        flat[f"hidden_weights_{layer}"] = W
    return flat


def _network_forward(U, M, params, activation):
    """Logits (n, D) and what :func:`_network_backward` needs."""
    layers, flat = _layers(params, activation), _flat_params(params)
    a, caches = np.hstack([U, M]), []
    for layer in layers:
        a, cache = layer.forward(flat, a)
        caches.append(cache)
    return a, (layers, flat, caches)


def _network_backward(dlogits, state, grads, input_grad):
    """Accumulate the parameter gradients into ``grads`` (stacked layout);
    return d/dU when ``input_grad``."""
    layers, flat, caches = state
    g = dlogits
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        layer_grads, g = layers[index].backward(flat, caches[index], g, input_grad or index > 0)
        if index == 0:
            grads["input_weights_"] += layer_grads[layer.weight_key]
        elif index == len(layers) - 1:
            grads["output_weights_"] += layer_grads[layer.weight_key]
            grads["intercept_visible_"] += layer_grads[layer.bias_key]
            continue
        else:
            grads["hidden_weights_"][index - 1] += layer_grads[layer.weight_key]
        grads["intercept_hidden_"][index] += layer_grads[layer.bias_key]
    return g[:, : g.shape[1] // 2] if input_grad else None


# --------------------------------------------------------------- the math


def _infer(X, M, params, mean, n_steps, activation):
    """NADE-k inference: ``n_steps`` passes, each filling the unobserved
    entries with the previous step's probabilities (``mean`` at the start).
    Returns the final logits and, per step, (network state, fill)."""
    fill = np.broadcast_to(mean, X.shape)
    steps = []
    for _ in range(n_steps):
        U = M * X + (1 - M) * fill
        logits, state = _network_forward(U, M, params, activation)
        steps.append((state, fill))
        fill = expit(logits)
    return logits, steps


def _masked_objective_and_grad(X, M, weight, params, mean, n_steps, activation):
    """Sum over rows of ``weight * sum_{i unobserved} log p(x_i | x_obs)`` and its
    gradient, back-propagated through the NADE-k steps."""
    logits, steps = _infer(X, M, params, mean, n_steps, activation)
    free = (1 - M) * weight[:, None]
    objective = float((free * (X * logits - np.logaddexp(0.0, logits))).sum())
    grads = {key: np.zeros_like(params[key]) for key in PARAM_KEYS}
    dlogits = free * (X - expit(logits))
    for t in range(n_steps - 1, -1, -1):
        state, fill = steps[t]
        dU = _network_backward(dlogits, state, grads, input_grad=t > 0)
        if t > 0:  # fill = sigmoid(previous logits) enters U where unobserved
            dlogits = dU * (1 - M) * fill * (1 - fill)
    return objective, grads


def _random_masks(n, D, rng, dtype):
    """Uria et al.'s training masks: d ~ U{0..D-1} observed dimensions chosen
    as the first d of a random ordering; weight D / (D - d) makes the masked
    objective an unbiased estimate of log p(x | random ordering)."""
    n_observed = rng.integers(0, D, size=n)
    ranks = np.argsort(np.argsort(rng.random((n, D)), axis=1), axis=1)
    M = (ranks < n_observed[:, None]).astype(dtype)
    return M, (D / (D - n_observed)).astype(dtype)


#: Seed of the fixed masks of the validation estimate (the same every epoch,
#: so that epochs are compared on common random numbers).
_VALIDATION_SEED = 20140621


def _masked_log_likelihood(X, params, mean, n_steps, activation):
    """Per-row unbiased estimate of the mean over orderings of ``log p(x | o)``,
    from one network pass per row: the training objective (a random split
    point and ordering per row, :func:`_random_masks`) with masks drawn from
    a fixed seed."""
    M, weight = _random_masks(X.shape[0], X.shape[1], np.random.default_rng(_VALIDATION_SEED),
                              X.dtype)
    logits = _infer(X, M, params, mean, n_steps, activation)[0]
    free = (1 - M) * weight[:, None]
    return (free * (X * logits - np.logaddexp(0.0, logits))).sum(axis=1, dtype=np.float64)


def _ordered_pass(X, order, params, mean, n_steps, activation, U=None):
    """Walk one ordering: score X (``U`` None) or sample with uniforms ``U``.

    Returns (log p(x | order) per row, X), X filled in when sampling. With
    one inference step the first layer is updated incrementally (O(DH) per
    row); the layers above cost one GEMM per dimension.
    """
    n, D = X.shape
    X = X.copy()
    M = np.zeros_like(X)
    ll = np.zeros(n)
    Wx, Wm = np.split(params["input_weights_"], 2)
    z1 = np.tile(mean @ Wx + params["intercept_hidden_"][0], (n, 1))
    layers, flat = _layers(params, activation), _flat_params(params)
    for d, i in enumerate(order):
        if n_steps == 1:
            h = ACTIVATIONS[activation](z1.copy())
            for layer in layers[1:-1]:
                h = layer.forward(flat, h)[0]
            logit = h @ params["output_weights_"][:, i] + params["intercept_visible_"][i]
        else:
            logit = _infer(X, M, params, mean, n_steps, activation)[0][:, i]
        if U is not None:
            X[:, i] = U[:, d] < expit(logit)
        ll += X[:, i] * logit - np.logaddexp(0.0, logit)
        z1 += np.outer(X[:, i] - mean[i], Wx[i]) + Wm[i]
        M[:, i] = 1
    return ll, X


class OrderAgnosticNADE(ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BaseAutoregressive):
    """Order-agnostic, deep NADE with an ensemble over orderings (EoNADE).

    One network predicts every unobserved binary dimension from the observed
    ones and the mask of which are observed (Uria, Larochelle & Murray 2014;
    §20.10.10 of the spec): input ``u = m * x + (1 - m) * mean`` and ``m``,
    ``n_hidden_layers`` layers of ``n_components`` units, sigmoid outputs. It is
    trained on random orderings and split points (an unbiased estimate of the
    log-likelihood under a random ordering), so any ordering gives an exact,
    normalised ``p(x | o)``, and any subset can be inferred from any other
    (:meth:`impute`). ``score_samples`` is the exact log-density of the
    ensemble ``p(x) = mean_k p(x | o_k)`` over the ``n_orderings`` orderings
    ``orderings_`` fixed at fit (eq. 20.84), a normalised distribution that
    :meth:`sample` draws from exactly.

    ``n_inference_steps=k > 1`` gives NADE-k (Raiko et al. 2014): each
    conditional is computed by ``k`` steps of iterative inference in which
    the unobserved inputs are replaced by the previous step's predictions;
    the network is trained through the unrolled steps. Cost of one exact
    conditional pass: O(DH) per row for one hidden layer and ``k=1`` (Numba
    kernel), one ``H x H`` GEMM per dimension per extra layer, and a full
    network evaluation per dimension and step when ``k > 1``.

    Parameters
    ----------
    n_components : int, default=100
        Units per hidden layer H.
    n_hidden_layers : int, default=1
        Number of hidden layers (Uria et al. use 2 for EoNADE on MNIST).
    activation : {"relu", "sigmoid"}, default="relu"
        Hidden activation.
    n_orderings : int, default=8
        Orderings in the ensemble used by ``score_samples`` and ``sample``.
    n_inference_steps : int, default=1
        NADE-k's number of inference steps ``k``.
    learning_rate : float, default=1e-3
        Adam step size.
    batch_size : int, default=100
        Minibatch size.
    max_iter : int, default=50
        Number of epochs (the maximum when ``early_stopping=True``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data; stop when the
        validation log-likelihood stalls: exact under the first ensemble
        ordering for one hidden layer and one inference step, otherwise (an
        exact ordering would cost ``n_features`` network passes per row) the
        training objective's unbiased estimate of the mean over orderings of
        ``log p(x | o)``, one pass per row, with masks fixed across epochs.
    validation_fraction : float, default=0.1
        Fraction held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Minimum improvement of the validation log-likelihood (nats).
    dtype : None, numpy.float32 or numpy.float64, default=None
        Compute dtype; ``None`` follows the input.
    warm_start : bool, default=False
        Continue from the fitted parameters on a new call to ``fit``.
    verbose : int, default=0
        Print one line per epoch.
    random_state : None, int or numpy.random.Generator, default=None
        Seed of initialisation, masks, ensemble orderings and sampling.

    Attributes
    ----------
    input_weights_ : ndarray of shape (2 * n_features, n_components)
        First-layer weights: rows ``[:n_features]`` read the inputs, rows
        ``[n_features:]`` the mask.
    hidden_weights_ : ndarray of shape (n_hidden_layers - 1, n_components, n_components)
        Weights between hidden layers.
    intercept_hidden_ : ndarray of shape (n_hidden_layers, n_components)
        Hidden biases.
    output_weights_ : ndarray of shape (n_components, n_features)
        Output weights.
    intercept_visible_ : ndarray of shape (n_features,)
        Output biases.
    mean_ : ndarray of shape (n_features,)
        Training mean, the fill value of unobserved inputs.
    orderings_ : ndarray of shape (n_orderings, n_features)
        The orderings of the ensemble.
    optimizer_ : skgenerative.nn.Adam
        Optimizer state.
    random_state_ : numpy.random.Generator
        The estimator's random stream.
    n_iter_ : int
        Epochs run.
    validation_scores_ : list of float
        Validation log-likelihood per epoch (with early stopping; exact or
        estimated as ``early_stopping`` says).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only when ``X`` has string column names).

    See Also
    --------
    NADE : a single fixed ordering, O(DH) training.

    References
    ----------
    .. [1] B. Uria, I. Murray and H. Larochelle, "A deep and tractable density
       estimator", ICML 2014.
    .. [2] T. Raiko, L. Yao, K. Cho and Y. Bengio, "Iterative neural
       autoregressive distribution estimator (NADE-k)", NeurIPS 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import OrderAgnosticNADE
    >>> X = (np.random.default_rng(0).random((100, 6)) < 0.3).astype(float)
    >>> model = OrderAgnosticNADE(8, max_iter=3, random_state=0).fit(X)
    >>> X_missing = X[:2].copy()
    >>> X_missing[:, :3] = np.nan
    >>> model.impute(X_missing, method="mean").shape
    (2, 6)
    """

    _parameter_constraints = {
        **_BaseAutoregressive._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_hidden_layers": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"relu", "sigmoid"})],
        "n_orderings": [Interval(Integral, 1, None, closed="left")],
        "n_inference_steps": [Interval(Integral, 1, None, closed="left")],
    }
    _parameter_constraints.pop("ordering")
    _parameter_names = PARAM_KEYS

    def __init__(
        self,
        n_components=100,
        *,
        n_hidden_layers=1,
        activation="relu",
        n_orderings=8,
        n_inference_steps=1,
        learning_rate=1e-3,
        batch_size=100,
        max_iter=50,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        dtype=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.n_hidden_layers = n_hidden_layers
        self.activation = activation
        self.n_orderings = n_orderings
        self.n_inference_steps = n_inference_steps
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.dtype = dtype
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    def _init_parameters(self, X, rng):
        D, H, L = X.shape[1], self.n_components, self.n_hidden_layers
        dt = self.dtype_
        self.mean_ = X.mean(axis=0).astype(dt)
        self.orderings_ = np.array([rng.permutation(D) for _ in range(self.n_orderings)], dtype=np.int64)
        # Glorot-uniform initialisation of skgenerative.nn.Dense
        zero = {"input_weights_": np.zeros((2 * D, H)), "hidden_weights_": np.zeros((L - 1, H, H)),
                "intercept_hidden_": np.zeros((L, H)), "output_weights_": np.zeros((H, D))}
        init = {}
        for layer in _layers(zero, self.activation):
            init.update(layer.init_params(rng, dt))
        self.input_weights_ = init["input_weights_"]
        self.hidden_weights_ = np.array(
            [init[f"hidden_weights_{layer}"] for layer in range(1, L)], dtype=dt
        ).reshape(L - 1, H, H)
        self.intercept_hidden_ = np.zeros((L, H), dtype=dt)
        self.output_weights_ = init["output_weights_"]
        self.intercept_visible_ = _logit_of_mean(X, dt)

    def _batch_gradient(self, X, rng):
        M, weight = _random_masks(X.shape[0], X.shape[1], rng, self.dtype_)
        return _masked_objective_and_grad(
            X, M, weight, self._parameters(), self.mean_, self.n_inference_steps, self.activation
        )

    def _log_prob_ordering(self, X, order):
        if self.n_hidden_layers == 1 and self.n_inference_steps == 1:
            Wx, Wm = np.split(self.input_weights_, 2)
            a0 = self.mean_ @ Wx + self.intercept_hidden_[0]
            return _kernels._oanade_log_prob_shallow(
                np.ascontiguousarray(X), Wx, Wm, np.ascontiguousarray(self.output_weights_.T),
                self.intercept_visible_, a0, self.mean_, order, self.activation == "relu",
            )
        return _ordered_pass(
            X, order, self._parameters(), self.mean_, self.n_inference_steps, self.activation
        )[0]

    def _log_likelihood(self, X):
        per_ordering = np.stack([self._log_prob_ordering(X, o) for o in self.orderings_])
        return logsumexp(per_ordering, axis=0) - np.log(len(self.orderings_))

    def _validation_score(self, X_val, y_val):
        if self.n_hidden_layers == 1 and self.n_inference_steps == 1:
            # the Numba kernel: O(DH) per row, a few % of an epoch
            return float(np.mean(self._log_prob_ordering(X_val, self.orderings_[0])))
        # an exact ordering runs the upper layers (NADE-k: the whole network)
        # once per dimension: on MNIST the validation rows would cost several
        # training epochs. One masked pass per row instead
        return float(np.mean(_masked_log_likelihood(
            X_val, self._parameters(), self.mean_, self.n_inference_steps, self.activation
        )))

    def log_prob_orderings(self, X, orderings=None):
        """Exact ``log p(x | o_k)`` under each ensemble ordering, or under
        orderings of your choice.

        The network is trained for every ordering, so any permutation gives
        an exact, normalised density: a larger ensemble than ``orderings_``
        is ``logsumexp`` of these rows minus ``log k`` (how the literature's
        EoNADE figures average over up to 128 orderings).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        orderings : array-like of shape (n_orderings, n_features), default=None
            Permutations of ``range(n_features)``; None means ``orderings_``.

        Returns
        -------
        log_prob : ndarray of shape (n_orderings, n_samples)
            One row per ordering.
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False).astype(self.dtype_, copy=False)
        if orderings is None:
            orderings = self.orderings_
        else:
            orderings = np.asarray(orderings)
            D = self.n_features_in_
            if (orderings.ndim != 2 or orderings.shape[1] != D
                    or not np.array_equal(np.sort(orderings, axis=1),
                                          np.broadcast_to(np.arange(D), orderings.shape))):
                raise ValueError(
                    f"orderings must be a 2-d array whose rows are permutations of "
                    f"range({D}); got shape {orderings.shape}."
                )
            orderings = orderings.astype(np.int64)
        return np.stack([self._log_prob_ordering(X, o) for o in orderings])

    def _draw(self, n_samples, rng):
        D = self.n_features_in_
        which = rng.integers(0, len(self.orderings_), size=n_samples)
        U = rng.random((n_samples, D))
        X = np.zeros((n_samples, D), dtype=self.dtype_)
        for k, order in enumerate(self.orderings_):
            rows = np.flatnonzero(which == k)
            if rows.size:
                X[rows] = _ordered_pass(
                    X[rows], order, self._parameters(), self.mean_, self.n_inference_steps,
                    self.activation, U=U[rows],
                )[1]
        return X

    def impute(self, X, *, method="mean", random_state=None):
        """Fill the missing (NaN) entries given the observed ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary data with ``np.nan`` marking the missing entries.
        method : {"mean", "sample"}, default="mean"
            ``"mean"``: each missing entry becomes ``p(x_i = 1 | x_observed)``
            (one network pass, ``n_inference_steps`` NADE-k steps).
            ``"sample"``: a joint draw of the missing entries from
            ``p(x_missing | x_observed)``, exact for the ordering that puts
            the observed entries first and the missing ones in a random order.
        random_state : None, int or numpy.random.Generator, default=None
            Seed for ``method="sample"``; ``None`` continues the estimator's stream.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features)
            ``X`` with the missing entries filled.
        """
        check_is_fitted(self)
        if method not in ("mean", "sample"):
            raise ValueError(f"method must be 'mean' or 'sample'; got {method!r}.")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")
        X = X.astype(self.dtype_, copy=True)
        missing = np.isnan(X)
        warn_if_not_binary(np.where(missing, 0, X), what="OrderAgnosticNADE's Bernoulli visible units")
        M = (~missing).astype(self.dtype_)
        X[missing] = 0
        params, k, act = self._parameters(), self.n_inference_steps, self.activation
        if method == "mean":
            proba = expit(_infer(X, M, params, self.mean_, k, act)[0])
            return np.where(missing, proba, X).astype(self.dtype_, copy=False)
        rng = self.random_state_ if random_state is None else check_generator(random_state)
        # a random order of the missing entries of each row (observed ones sort last)
        keys = np.where(missing, rng.random(X.shape), np.inf)
        order = np.argsort(keys, axis=1)
        U = rng.random(X.shape)
        rows = np.arange(X.shape[0])
        for t in range(int(missing.sum(axis=1).max(initial=0))):
            active = missing[rows, order[:, t]]
            proba = expit(_infer(X, M, params, self.mean_, k, act)[0])
            cols = order[active, t]
            X[rows[active], cols] = U[rows[active], cols] < proba[rows[active], cols]
            M[rows[active], cols] = 1
        return X

    def transform(self, X):
        """Top hidden layer with every input observed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
            Activations of the last hidden layer.
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False).astype(self.dtype_, copy=False)
        M = np.ones_like(X)
        caches = _network_forward(X, M, self._parameters(), self.activation)[1][2]
        return caches[-1][0]  # the input of the output layer

    @property
    def _n_features_out(self):
        return self.n_components
