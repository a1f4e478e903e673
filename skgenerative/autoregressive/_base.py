"""The fit loop shared by the autoregressive estimators.

Every model of the family is trained by maximising the exact log-likelihood
with minibatch Adam (``skgenerative.nn.Adam``) through the shared
:class:`~skgenerative.base.EpochLoopMixin`; a model supplies

``_init_parameters(X, rng)``
    create the fitted parameter arrays;
``_parameter_names``
    names of those arrays (the optimizer updates them in place);
``_batch_gradient(X, rng)`` -> (sum of log-likelihoods, dict of gradients)
    gradients of the *summed* log-likelihood (or of its unbiased estimate for
    the order-agnostic models), keyed like ``_parameter_names``;
``_log_likelihood(X)``
    per-row log p(x) on validated input in the parameter dtype;
``_draw(n_samples, rng)``
    exact ancestral samples.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import GenerativeMixin, TrainableMixin
from ..nn import Adam, minibatch_epoch
from ..utils.validation import resolve_dtype, warn_if_not_binary


def _check_ordering(ordering, n_features, rng):
    """The ordering as an int64 permutation of range(n_features)."""
    if ordering is None:
        return np.arange(n_features, dtype=np.int64)
    if isinstance(ordering, str):  # "random" (validated by the constraints)
        return rng.permutation(n_features).astype(np.int64)
    order = np.asarray(ordering)
    if order.shape != (n_features,) or not np.array_equal(np.sort(order), np.arange(n_features)):
        raise ValueError(
            f"ordering must be a permutation of range({n_features}) (one entry per "
            f"feature); got an array of shape {order.shape}."
        )
    return order.astype(np.int64)


class _BaseAutoregressive(GenerativeMixin, TrainableMixin, BaseEstimator):
    """Estimator plumbing: validation, minibatch Adam, early stopping, sampling."""

    score_kind_ = "exact"
    #: whether the visible units are Bernoulli (warn on values outside [0, 1])
    _binary_input = True

    _parameter_constraints = {
        "ordering": [None, StrOptions({"random"}), "array-like"],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "dtype": [None, type, str],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    @property
    def _state_names(self):
        return tuple(self._parameter_names) + ("optimizer_", "random_state_")

    # ---------------------------------------------------------------- fitting
    def _validate_input(self, X, *, reset):
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        if self._binary_input:
            warn_if_not_binary(X, what=f"{type(self).__name__}'s Bernoulli visible units")
        return X

    def _check_training_data(self, X, y, *, reset):
        return self._validate_input(X, reset=reset), None

    _warm_optimizers = ("optimizer_",)

    def _is_initialized(self):
        return hasattr(self, "optimizer_")

    def _initialize(self, X, y, rng, *, partial):
        self.dtype_ = resolve_dtype(self.dtype, X)
        if "ordering" in self._parameter_constraints:  # models with one fixed ordering
            self.ordering_ = _check_ordering(self.ordering, X.shape[1], rng)
        self._init_parameters(X.astype(self.dtype_, copy=False), rng)
        self.optimizer_ = Adam(self._parameters, learning_rate=self.learning_rate)
        self.n_iter_ = 0

    def _training_data(self, X, y):
        return X.astype(self.dtype_, copy=False), y

    def _parameters(self):
        return {name: getattr(self, name) for name in self._parameter_names}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model by maximum likelihood with minibatch Adam.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One pass of minibatch Adam over ``X``, in the given row order.

        The optimizer state and random stream are kept, so successive calls
        on the blocks of a data set give the same model as one epoch of
        ``fit`` over the same batches.

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
        return self._partial_fit(X)

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        order = rng.permutation(X.shape[0]) if shuffle else None

        def log_likelihood(X_batch, y_batch):
            return self._batch_gradient(X_batch, rng)

        mean = minibatch_epoch(
            X, None, order, self.batch_size, log_likelihood, self.optimizer_, progress=progress
        )
        return {"train log-likelihood": mean}

    def _validation_score(self, X_val, y_val):
        return float(np.mean(self._log_likelihood(X_val)))

    # ------------------------------------------------------------- inference
    def score_samples(self, X, return_std=False):
        """Log-likelihood of each sample, in nats (exact).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        return_std : bool, default=False
            Also return the Monte Carlo standard error of each score, as the
            importance-sampled models do; the scores here are exact, so it
            is zero.

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            ``log p(x)`` of each row.
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``: zeros (``score_kind_ = "exact"``).
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False).astype(self.dtype_, copy=False)
        log_prob = self._log_likelihood(X).astype(self.dtype_, copy=False)
        return (log_prob, np.zeros_like(log_prob)) if return_std else log_prob

    def sample(self, n_samples=1, *, random_state=None):
        """Draw exact samples by ancestral sampling.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : None, int or numpy.random.Generator, default=None
            Seed; ``None`` continues the estimator's own random stream.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
            Samples.
        """
        rng = self._sampling_rng(n_samples, random_state)
        return self._draw(int(n_samples), rng)

    def __sklearn_is_fitted__(self):
        return self._is_initialized()
