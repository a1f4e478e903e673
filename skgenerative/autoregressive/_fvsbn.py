"""Fully-visible sigmoid belief network (logistic autoregressive network)."""

from numbers import Real

import numpy as np
from scipy.special import expit
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from ..nn._lbfgs import LBFGS
from ..nn._optimizers import Adam
from ._base import _BaseAutoregressive

#: rows per block of the full-batch (L-BFGS) objective: bounds the memory
_FULL_BATCH_BLOCK = 10000


def _logit_of_mean(X, dtype):
    p = np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)
    return np.log(p / (1 - p)).astype(dtype)


def _bernoulli_log_prob(X, logits):
    """Row sums of x log sigmoid(l) + (1 - x) log sigmoid(-l), in float64."""
    logits = logits.astype(np.float64, copy=False)
    return (X * logits - np.logaddexp(0.0, logits)).sum(axis=1)


def _precedence_mask(order, dtype):
    """mask[i, j] = 1 when feature j comes before feature i in ``order``."""
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    return (rank[None, :] < rank[:, None]).astype(dtype)


class FVSBN(_BaseAutoregressive):
    """Fully-visible sigmoid belief network (logistic autoregressive network).

    Each conditional ``p(x_i = 1 | x_<i) = sigmoid(b_i + sum_{j<i} W_ij x_j)`` is
    a logistic regression on the features that precede ``i`` in the ordering
    (Frey 1998; §20.10.8 of the spec). The log-likelihood is exact and convex
    in the parameters; it is maximised with minibatch Adam or, since it is
    convex, to its optimum with full-batch L-BFGS (``solver="lbfgs"``). All
    products are dense matrix products (BLAS).

    Parameters
    ----------
    ordering : None, "random" or array-like of shape (n_features,), default=None
        Order of the chain rule. ``None`` keeps the column order, ``"random"``
        draws a permutation from ``random_state``.
    solver : {"adam", "lbfgs"}, default="adam"
        ``"adam"``: minibatch Adam, ``max_iter`` epochs. ``"lbfgs"``:
        full-batch L-BFGS (one pass over the data per objective evaluation,
        a backtracking line search), ``max_iter`` iterations; it stops
        early when it has converged. The penalised log-likelihood is convex,
        so L-BFGS finds its optimum; use a few hundred iterations on MNIST
        and set ``alpha``. ``learning_rate``, ``batch_size`` and
        ``partial_fit`` apply to Adam only.
    learning_rate : float, default=1e-2
        Adam step size.
    alpha : float, default=0.0
        L2 penalty on the weights: training maximises the mean log-likelihood
        minus ``alpha / 2 * ||coef_||^2`` (the biases are not penalised). On
        binarized MNIST the unpenalised model overfits within a few epochs.
    batch_size : int, default=100
        Minibatch size.
    max_iter : int, default=50
        Number of epochs (the maximum when ``early_stopping=True``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its mean
        log-likelihood has not improved by ``tol`` for ``n_iter_no_change``
        epochs; the best parameters are restored.
    validation_fraction : float, default=0.1
        Fraction held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Minimum improvement of the validation log-likelihood (nats).
    dtype : None, numpy.float32 or numpy.float64, default=None
        Compute dtype; ``None`` follows the input (float32 stays float32).
    warm_start : bool, default=False
        Continue from the fitted parameters on a new call to ``fit``.
    verbose : int, default=0
        Print one line per epoch (and a progress bar at 2 when tqdm is present).
    random_state : None, int or numpy.random.Generator, default=None
        Seed of the shuffling, of ``ordering="random"`` and of sampling.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features, n_features)
        ``coef_[i, j]`` is the weight of feature ``j`` in the conditional of
        feature ``i``; zero unless ``j`` precedes ``i``.
    intercept_ : ndarray of shape (n_features,)
        Biases of the conditionals.
    ordering_ : ndarray of shape (n_features,)
        The ordering used.
    optimizer_ : skgenerative.nn.Adam or L-BFGS state
        Optimizer state (kept by ``partial_fit`` and ``warm_start``; L-BFGS
        keeps its ``history`` curvature pairs, two vectors of the parameters'
        size each).
    random_state_ : numpy.random.Generator
        The estimator's random stream.
    n_iter_ : int
        Epochs run.
    validation_scores_ : list of float
        Mean validation log-likelihood per epoch (with early stopping).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only when ``X`` has string column names).

    See Also
    --------
    NADE : the same graph with conditionals that share a hidden layer.
    NeuralAutoregressive : per-conditional hidden groups (Bengio & Bengio 2000).

    References
    ----------
    .. [1] B. J. Frey, "Graphical models for machine learning and digital
       communication", MIT Press, 1998.
    .. [2] H. Larochelle and I. Murray, "The neural autoregressive distribution
       estimator", AISTATS 2011 (FVSBN baseline: -97.45 nats on binarized MNIST).

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import FVSBN
    >>> X = (np.random.default_rng(0).random((100, 5)) < 0.3).astype(float)
    >>> model = FVSBN(max_iter=5, random_state=0).fit(X)
    >>> model.sample(3, random_state=0).shape
    (3, 5)
    """

    _parameter_names = ("coef_", "intercept_")
    _parameter_constraints = {
        **_BaseAutoregressive._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"adam", "lbfgs"})],
    }

    def __init__(
        self,
        *,
        ordering=None,
        solver="adam",
        learning_rate=1e-2,
        alpha=0.0,
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
        self.ordering = ordering
        self.solver = solver
        self.learning_rate = learning_rate
        self.alpha = alpha
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
        self.__dict__.pop("_mask_cache", None)  # a new ordering_
        self.coef_ = np.zeros((D, D), dtype=self.dtype_)
        self.intercept_ = _logit_of_mean(X, self.dtype_)

    @property
    def _mask(self):
        # derived from ordering_, cached but not pickled (D x D)
        cache = self.__dict__.get("_mask_cache")
        if cache is None:
            cache = self.__dict__["_mask_cache"] = _precedence_mask(self.ordering_, self.dtype_)
        return cache

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_mask_cache", None)
        return state

    def _initialize(self, X, y, rng, *, partial):
        super()._initialize(X, y, rng, partial=partial)
        if self.solver == "lbfgs":
            self.optimizer_ = LBFGS(self._parameters)

    def _continue_initialization(self, X, y, rng):
        # a warm start may switch solvers; L-BFGS's cached point is of the old data
        if self.solver == "lbfgs":
            if isinstance(self.optimizer_, LBFGS):
                self.optimizer_.forget_point()
            else:
                self.optimizer_ = LBFGS(self._parameters)
        elif not isinstance(self.optimizer_, Adam):
            self.optimizer_ = Adam(self._parameters, learning_rate=self.learning_rate)
        else:
            super()._continue_initialization(X, y, rng)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One pass of minibatch Adam over ``X``, in the given row order.

        Only with ``solver="adam"`` (L-BFGS needs the whole data set).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A block of training data.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if self.solver != "adam":
            raise ValueError(
                f"partial_fit needs a stochastic solver; FVSBN has solver={self.solver!r}. "
                "Use solver='adam' for training in blocks."
            )
        if hasattr(self, "optimizer_") and not isinstance(self.optimizer_, Adam):
            raise ValueError(
                "This FVSBN was fitted with solver='lbfgs': refit with solver='adam' "
                "(warm_start=True keeps the parameters) before partial_fit."
            )
        return self._partial_fit(X)

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        if self.solver == "adam":
            return super()._run_epoch(X, y, rng, progress, shuffle=shuffle)
        mean_ll = []

        def objective():
            total, grads = 0.0, {"coef_": np.zeros_like(self.coef_),
                                 "intercept_": np.zeros_like(self.intercept_)}
            for start in range(0, X.shape[0], _FULL_BATCH_BLOCK):
                ll, g = self._batch_gradient(X[start:start + _FULL_BATCH_BLOCK], rng, penalty=False)
                total += ll
                grads["coef_"] += g["coef_"]
                grads["intercept_"] += g["intercept_"]
            n = X.shape[0]
            mean_ll.append(total / n)
            grads["coef_"] /= n
            grads["intercept_"] /= n
            value = total / n
            if self.alpha:
                grads["coef_"] -= self.alpha * self.coef_
                value -= 0.5 * self.alpha * float(np.sum(self.coef_.astype(np.float64) ** 2))
            return value, grads

        self.optimizer_.step(objective)
        progress(X.shape[0])
        stats = {"train log-likelihood": mean_ll[-1]} if mean_ll else {}
        return {**stats, "converged": self.optimizer_.converged}

    def _logits(self, X):
        return X @ self.coef_.T + self.intercept_

    def _batch_gradient(self, X, rng, penalty=True):
        logits = self._logits(X)
        resid = X - expit(logits)
        grads = {
            "coef_": (resid.T @ X) * self._mask,
            "intercept_": resid.sum(axis=0),
        }
        if penalty and self.alpha:  # grads are of the batch sum: the penalty counts once per row
            grads["coef_"] -= (self.alpha * X.shape[0]) * self.coef_
        return float(_bernoulli_log_prob(X, logits).sum()), grads

    def _log_likelihood(self, X):
        return _bernoulli_log_prob(X, self._logits(X))

    def _draw(self, n_samples, rng):
        U = rng.random((n_samples, self.n_features_in_))
        X = np.zeros((n_samples, self.n_features_in_), dtype=self.dtype_)
        for d, i in enumerate(self.ordering_):
            p = expit(X @ self.coef_[i] + self.intercept_[i])
            X[:, i] = U[:, d] < p
        return X
