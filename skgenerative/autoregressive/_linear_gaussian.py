"""Linear-Gaussian autoregressive network (real-valued FVBN), fitted in closed form."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import GenerativeMixin
from ..utils.random import check_generator
from ._base import _check_ordering

_LOG_2PI = np.log(2 * np.pi)


class LinearGaussianAutoregressive(GenerativeMixin, BaseEstimator):
    """Linear autoregressive network for real-valued data.

    Each conditional is a linear regression on the preceding features,
    ``x_i | x_<i ~ N(b_i + sum_{j<i} W_ij x_j, sigma_i^2)`` (§20.10.8 of the
    spec: "merely another way to formulate a multivariate Gaussian"). The
    maximum-likelihood parameters have a closed form, computed from the first
    two moments of the data, so ``fit`` needs no iterations and ``partial_fit``
    is exact: it accumulates the moments and gives the same model as ``fit`` on
    all the data seen. With ``alpha=0`` and ``min_variance`` negligible the
    density is the Gaussian with the data's mean and (biased) covariance,
    whatever the ordering.

    Parameters
    ----------
    ordering : None, "random" or array-like of shape (n_features,), default=None
        Order of the chain rule; ``None`` keeps the column order.
    alpha : float, default=0.0
        Ridge penalty of each regression (on the centred data).
    min_variance : float, default=1e-6
        Floor of every conditional variance, so duplicated or constant
        features cannot make the density infinite.
    random_state : None, int or numpy.random.Generator, default=None
        Seed of ``ordering="random"`` and of sampling.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features, n_features)
        ``coef_[i, j]`` is the weight of feature ``j`` in the mean of feature
        ``i``; zero unless ``j`` precedes ``i``.
    intercept_ : ndarray of shape (n_features,)
        Intercepts of the conditional means.
    variance_ : ndarray of shape (n_features,)
        Conditional variances.
    mean_ : ndarray of shape (n_features,)
        Mean of the data seen.
    n_samples_seen_ : int
        Number of samples the moments were accumulated over.
    ordering_ : ndarray of shape (n_features,)
        The ordering used.
    dtype_ : numpy.dtype
        float32 when the first block of data was float32, else float64: the
        dtype of ``sample``'s output (moments and parameters stay float64).
    random_state_ : numpy.random.Generator
        The estimator's random stream.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only when ``X`` has string column names).

    See Also
    --------
    FVSBN : the binary (logistic) version.
    RNADE : non-linear, mixture-of-Gaussians conditionals.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import LinearGaussianAutoregressive
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> model = LinearGaussianAutoregressive().fit(X)
    >>> model.sample(2, random_state=0).shape
    (2, 3)
    """

    _parameter_constraints = {
        "ordering": [None, StrOptions({"random"}), "array-like"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "min_variance": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, ordering=None, alpha=0.0, min_variance=1e-6, random_state=None):
        self.ordering = ordering
        self.alpha = alpha
        self.min_variance = min_variance
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the maximum-likelihood conditionals (closed form).

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
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self._reset(X)
        return self._accumulate(X)

    def partial_fit(self, X, y=None):
        """Add ``X`` to the moments and refit (exact online learning).

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
        first = not hasattr(self, "n_samples_seen_")
        if first:
            self._validate_params()
        X = validate_data(self, X, reset=first, dtype=[np.float64, np.float32])
        if first:
            self._reset(X)
        return self._accumulate(X)

    def _reset(self, X):
        D = X.shape[1]
        self.random_state_ = check_generator(self.random_state)
        self.dtype_ = X.dtype
        self.ordering_ = _check_ordering(self.ordering, D, self.random_state_)
        self.n_samples_seen_ = 0
        self._sum = np.zeros(D)
        self._outer = np.zeros((D, D))

    def _accumulate(self, X):
        X = X.astype(np.float64, copy=False)
        self.n_samples_seen_ += X.shape[0]
        self._sum += X.sum(axis=0)
        self._outer += X.T @ X
        self._solve(X.dtype)
        return self

    def _solve(self, dtype):
        n, D = self.n_samples_seen_, self._sum.shape[0]
        mean = self._sum / n
        cov = self._outer / n - np.outer(mean, mean)
        coef, variance = np.zeros((D, D)), np.empty(D)
        for d, i in enumerate(self.ordering_):
            prev = self.ordering_[:d]
            if d:
                gram = cov[np.ix_(prev, prev)] + self.alpha * np.eye(d)
                w = np.linalg.lstsq(gram, cov[prev, i], rcond=None)[0]
                coef[i, prev] = w
                variance[i] = cov[i, i] - 2 * w @ cov[prev, i] + w @ cov[np.ix_(prev, prev)] @ w
            else:
                variance[i] = cov[i, i]
        self.mean_ = mean
        self.coef_ = coef
        self.intercept_ = mean - coef @ mean
        self.variance_ = np.maximum(variance, self.min_variance)

    def score_samples(self, X, return_std=False):
        """Log-density of each sample, in nats (exact).

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
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        resid = X - (X @ self.coef_.T + self.intercept_)
        ll = -0.5 * (_LOG_2PI + np.log(self.variance_) + resid**2 / self.variance_).sum(axis=1)
        log_prob = ll.astype(X.dtype, copy=False)
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
            Samples, of dtype ``dtype_`` (float32 for float32 data, as the other models).
        """
        rng = self._sampling_rng(n_samples, random_state)
        Z = rng.standard_normal((int(n_samples), self.n_features_in_))
        X = np.zeros_like(Z)
        for d, i in enumerate(self.ordering_):
            X[:, i] = X @ self.coef_[i] + self.intercept_[i] + np.sqrt(self.variance_[i]) * Z[:, d]
        return X.astype(self.dtype_, copy=False)
