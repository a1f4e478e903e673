"""Neural autoregressive network of Bengio & Bengio (2000), binary data."""

from numbers import Integral

import numpy as np
from scipy.special import expit
from sklearn.utils._param_validation import Interval

from ._base import _BaseAutoregressive
from ._fvsbn import _bernoulli_log_prob, _logit_of_mean
from ._nade import _init_weights


def _group_masks(order, group_size, dtype):
    """Connectivity of the hidden groups along ``order``.

    Group ``p`` (p = 0..D-2, ``group_size`` units each) sees the inputs at
    positions <= p; the output at position q sees the groups p < q.
    Returns (input mask (D, G), output mask (G, D)), in feature coordinates.
    """
    D = order.shape[0]
    rank = np.empty_like(order)
    rank[order] = np.arange(D)
    group_position = np.repeat(np.arange(D - 1), group_size)
    input_mask = (rank[:, None] <= group_position[None, :]).astype(dtype)
    output_mask = (group_position[:, None] < rank[None, :]).astype(dtype)
    return input_mask, output_mask


class NeuralAutoregressive(_BaseAutoregressive):
    """Neural autoregressive network with left-to-right hidden groups.

    The form of Bengio & Bengio (2000) described in §20.10.9 of the spec:
    hidden group ``j`` (``n_components`` tanh units) depends only on the inputs
    ``x_{o_1}, ..., x_{o_j}`` with its own, unshared weights, and the
    conditional of ``x_{o_i}`` is a logistic unit reading every group ``j < i``::

        h_j = tanh(c_j + sum_{r <= j} W_{o_r, j} x_{o_r}),
        p(x_{o_i} = 1 | x_{o_<i}) = sigmoid(b_{o_i} + sum_{j < i} V_{j, o_i} . h_j).

    Features of group ``j`` are reused by every later conditional (the reuse
    principle of Fig. 20.9). There are ``D - 1`` groups (the last input
    predicts nothing), so ``O(D^2 H)`` parameters and cost per sample; the two
    layers are dense masked matrix products (BLAS). NADE is this
    architecture with the input weights shared across groups.

    Parameters
    ----------
    n_components : int, default=4
        Hidden units per group.
    ordering : None, "random" or array-like of shape (n_features,), default=None
        Order of the chain rule; ``None`` keeps the column order.
    learning_rate : float, default=1e-3
        Adam step size.
    batch_size : int, default=100
        Minibatch size.
    max_iter : int, default=50
        Number of epochs (the maximum when ``early_stopping=True``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its
        log-likelihood stalls (best parameters restored).
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
        Seed of initialisation, shuffling, ``ordering="random"`` and sampling.

    Attributes
    ----------
    weights_ : ndarray of shape (n_features, (n_features - 1) * n_components)
        Input-to-group weights (zero where the mask forbids a connection).
    output_weights_ : ndarray of shape ((n_features - 1) * n_components, n_features)
        Group-to-output weights (zero where forbidden).
    intercept_hidden_ : ndarray of shape ((n_features - 1) * n_components,)
        Hidden biases.
    intercept_visible_ : ndarray of shape (n_features,)
        Output biases.
    ordering_ : ndarray of shape (n_features,)
        The ordering used.
    optimizer_ : skgenerative.nn.Adam
        Optimizer state.
    random_state_ : numpy.random.Generator
        The estimator's random stream.
    n_iter_ : int
        Epochs run.
    validation_scores_ : list of float
        Validation log-likelihood per epoch (with early stopping).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only when ``X`` has string column names).

    See Also
    --------
    NADE : shares the input weights across groups, O(DH).
    FVSBN : no hidden layer.

    References
    ----------
    .. [1] Y. Bengio and S. Bengio, "Modeling high-dimensional discrete data
       with multi-layer neural networks", NeurIPS 2000.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import NeuralAutoregressive
    >>> X = (np.random.default_rng(0).random((100, 6)) < 0.3).astype(float)
    >>> model = NeuralAutoregressive(2, max_iter=3, random_state=0).fit(X)
    >>> model.score_samples(X[:2]).shape
    (2,)
    """

    _parameter_constraints = {
        **_BaseAutoregressive._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
    }
    _parameter_names = ("weights_", "output_weights_", "intercept_hidden_", "intercept_visible_")

    def __init__(
        self,
        n_components=4,
        *,
        ordering=None,
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
        self.ordering = ordering
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
        D = X.shape[1]
        G = (D - 1) * self.n_components
        masks = _group_masks(self.ordering_, self.n_components, self.dtype_)
        self.__dict__["_mask_cache"] = masks
        self.weights_ = _init_weights(rng, (D, G), self.dtype_, 0.1) * masks[0]
        self.output_weights_ = _init_weights(rng, (G, D), self.dtype_, 0.01) * masks[1]
        self.intercept_hidden_ = np.zeros(G, dtype=self.dtype_)
        self.intercept_visible_ = _logit_of_mean(X, self.dtype_)

    @property
    def _masks(self):
        # derived from ordering_ and n_components, cached but not pickled (O(D^2 H))
        cache = self.__dict__.get("_mask_cache")
        if cache is None:
            D = self.ordering_.shape[0]
            group_size = self.intercept_hidden_.shape[0] // (D - 1) if D > 1 else 1
            cache = _group_masks(self.ordering_, group_size, self.dtype_)
            self.__dict__["_mask_cache"] = cache
        return cache

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_mask_cache", None)
        return state

    def _forward(self, X):
        hidden = np.tanh(X @ self.weights_ + self.intercept_hidden_)
        return hidden, hidden @ self.output_weights_ + self.intercept_visible_

    def _batch_gradient(self, X, rng):
        input_mask, output_mask = self._masks
        hidden, logits = self._forward(X)
        resid = X - expit(logits)
        dz = (resid @ self.output_weights_.T) * (1 - hidden * hidden)
        grads = {
            "weights_": (X.T @ dz) * input_mask,
            "output_weights_": (hidden.T @ resid) * output_mask,
            "intercept_hidden_": dz.sum(axis=0),
            "intercept_visible_": resid.sum(axis=0),
        }
        return float(_bernoulli_log_prob(X, logits).sum()), grads

    def _log_likelihood(self, X):
        return _bernoulli_log_prob(X, self._forward(X)[1])

    def _draw(self, n_samples, rng):
        U = rng.random((n_samples, self.n_features_in_))
        X = np.zeros((n_samples, self.n_features_in_), dtype=self.dtype_)
        z = np.tile(self.intercept_hidden_, (n_samples, 1))
        for d, i in enumerate(self.ordering_):
            p = expit(np.tanh(z) @ self.output_weights_[:, i] + self.intercept_visible_[i])
            X[:, i] = U[:, d] < p
            z += np.outer(X[:, i], self.weights_[i])
        return X
