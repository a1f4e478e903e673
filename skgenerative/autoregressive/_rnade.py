"""RNADE: NADE for real-valued data with mixture-of-Gaussians conditionals."""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from . import _kernels
from ._base import _BaseAutoregressive
from ._nade import _init_weights


class RNADE(ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BaseAutoregressive):
    """Real-valued NADE with mixture-of-Gaussians conditionals.

    Each conditional ``p(x_i | x_<i)`` is a mixture of ``n_mixture_components``
    Gaussians whose weights (softmax), means and log-scales are outputs of the
    NADE hidden layer ``h_i = sigmoid(c + sum_{j<i} W_j x_j)`` (Uria, Murray &
    Larochelle 2013; §20.10.10 of the spec). The data are standardised
    internally (``mean_``, ``scale_``) and ``score_samples`` is the log-density
    of the data *as given* (the log-Jacobian ``-sum(log scale_)`` is included).
    Variances have a floor, ``sigma^2 = exp(2 s) + min_variance`` (in
    standardised units), so constant or quantised features cannot drive the
    density to infinity. Exact log-density and gradient in O(DHK) per sample
    (Numba kernels); minibatch Adam on the exact log-likelihood (the plain
    gradient: Adam's per-parameter scaling stands in for the paper's
    pseudo-gradient on the means).

    Parameters
    ----------
    n_components : int, default=50
        Number of hidden units H.
    n_mixture_components : int, default=5
        Gaussians per conditional K.
    min_variance : float, default=1e-3
        Floor of every conditional variance, in standardised units.
    ordering : None, "random" or array-like of shape (n_features,), default=None
        Order of the chain rule; ``None`` keeps the column order.
    learning_rate : float, default=1e-3
        Adam step size.
    batch_size : int, default=100
        Minibatch size.
    max_iter : int, default=50
        Number of epochs (the maximum when ``early_stopping=True``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the
        validation log-likelihood stalls (best parameters restored).
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
    weights_ : ndarray of shape (n_features, n_components)
        Input-to-hidden weights.
    output_weights_ : ndarray of shape (n_features, 3 * n_mixture_components, n_components)
        Hidden-to-output weights: mixture logits, means, log-scales.
    intercept_output_ : ndarray of shape (n_features, 3 * n_mixture_components)
        Output biases, same blocks.
    intercept_hidden_ : ndarray of shape (n_components,)
        Hidden biases.
    mean_ : ndarray of shape (n_features,)
        Per-feature mean used for the internal standardisation.
    scale_ : ndarray of shape (n_features,)
        Per-feature standard deviation (1 for constant features).
    ordering_ : ndarray of shape (n_features,)
        The ordering used.
    optimizer_ : skgenerative.nn.Adam
        Optimizer state.
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
    NADE : binary data.

    References
    ----------
    .. [1] B. Uria, I. Murray and H. Larochelle, "RNADE: The real-valued neural
       autoregressive density-estimator", NeurIPS 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import RNADE
    >>> X = np.random.default_rng(0).standard_normal((200, 3))
    >>> model = RNADE(n_components=8, max_iter=3, random_state=0).fit(X)
    >>> model.sample(2, random_state=0).shape
    (2, 3)
    """

    _binary_input = False
    _parameter_constraints = {
        **_BaseAutoregressive._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_mixture_components": [Interval(Integral, 1, None, closed="left")],
        "min_variance": [Interval(Real, 0, None, closed="neither")],
    }
    _parameter_names = ("weights_", "output_weights_", "intercept_output_", "intercept_hidden_")

    def __init__(
        self,
        n_components=50,
        *,
        n_mixture_components=5,
        min_variance=1e-3,
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
        self.n_mixture_components = n_mixture_components
        self.min_variance = min_variance
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
        D, H, K = X.shape[1], self.n_components, self.n_mixture_components
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > np.finfo(X.dtype).eps * 10, std, 1.0).astype(self.dtype_)
        self.weights_ = _init_weights(rng, (D, H), self.dtype_)
        self.output_weights_ = _init_weights(rng, (D, 3 * K, H), self.dtype_)
        self.intercept_hidden_ = np.zeros(H, dtype=self.dtype_)
        # start from a spread of unit-variance components over the standardised data
        b = np.zeros((D, 3 * K), dtype=self.dtype_)
        b[:, K : 2 * K] = np.linspace(-1.5, 1.5, K) if K > 1 else 0.0
        self.intercept_output_ = b

    def _standardise(self, X):
        return np.ascontiguousarray((X - self.mean_) / self.scale_, dtype=self.dtype_)

    def _args(self):
        return (
            self.weights_,
            self.output_weights_,
            self.intercept_output_,
            self.intercept_hidden_,
            self.ordering_,
            float(self.min_variance),
        )

    def _log_jacobian(self):
        return -float(np.log(self.scale_.astype(np.float64)).sum())

    def _batch_gradient(self, X, rng):
        grads = {name: np.zeros_like(getattr(self, name)) for name in self._parameter_names}
        ll = _kernels._rnade_grad(
            self._standardise(X), *self._args(), *(grads[n] for n in self._parameter_names)
        )
        return ll + X.shape[0] * self._log_jacobian(), grads

    def _log_likelihood(self, X):
        return _kernels._rnade_log_prob(self._standardise(X), *self._args()) + self._log_jacobian()

    def _draw(self, n_samples, rng):
        U = rng.random((n_samples, self.n_features_in_))
        Z = rng.standard_normal((n_samples, self.n_features_in_))
        Xs = _kernels._rnade_sample(*self._args(), U, Z)
        return (Xs * self.scale_ + self.mean_).astype(self.dtype_, copy=False)

    def transform(self, X):
        """Hidden representation given all the inputs, ``sigmoid(c + x W)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
            Hidden unit activations.
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False).astype(self.dtype_, copy=False)
        return expit(self._standardise(X) @ self.weights_ + self.intercept_hidden_)

    @property
    def _n_features_out(self):
        return self.n_components
