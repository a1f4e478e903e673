"""NADE: the neural autoregressive distribution estimator (binary data)."""

from numbers import Integral

import numpy as np
from scipy.special import expit
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from . import _kernels
from ._base import _BaseAutoregressive
from ._fvsbn import _logit_of_mean


def _init_weights(rng, shape, dtype, scale=0.01):
    return (scale * rng.standard_normal(shape)).astype(dtype)


class NADE(ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BaseAutoregressive):
    """Neural autoregressive distribution estimator for binary data.

    ``p(x) = prod_d p(x_{o_d} | x_{o_<d})`` with
    ``p(x_i = 1 | x_<i) = sigmoid(b_i + V_i . h_i)`` and
    ``h_i = sigmoid(c + sum_{j<i} W_j x_j)``: every conditional shares the input
    weights ``W`` (eq. 20.83 of the spec), so the hidden pre-activation is
    updated incrementally, ``a_{d+1} = a_d + W_{o_d} x_{o_d}``, and the exact
    log-likelihood and its gradient cost O(DH) per sample (Numba kernels).
    Trained by minibatch Adam on the exact log-likelihood, with optional early
    stopping on a held-out validation split.

    Parameters
    ----------
    n_components : int, default=100
        Number of hidden units H.
    ordering : None, "random" or array-like of shape (n_features,), default=None
        Order of the chain rule; ``None`` keeps the column order.
    learning_rate : float, default=1e-3
        Adam step size.
    batch_size : int, default=100
        Minibatch size.
    max_iter : int, default=50
        Number of epochs (the maximum when ``early_stopping=True``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data; stop when the validation
        log-likelihood has not improved by ``tol`` for ``n_iter_no_change``
        epochs and restore the best parameters.
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
        Seed of the initialisation, shuffling, ``ordering="random"`` and sampling.

    Attributes
    ----------
    weights_ : ndarray of shape (n_features, n_components)
        Input-to-hidden weights ``W`` (row ``i`` is ``W_{:, i}`` of the paper).
    output_weights_ : ndarray of shape (n_features, n_components)
        Hidden-to-output weights ``V``.
    intercept_visible_ : ndarray of shape (n_features,)
        Output biases ``b``.
    intercept_hidden_ : ndarray of shape (n_components,)
        Hidden biases ``c``.
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
    FVSBN : logistic conditionals, no hidden layer.
    OrderAgnosticNADE : trained over all orderings; ensembles and imputation.
    RNADE : real-valued NADE.

    References
    ----------
    .. [1] H. Larochelle and I. Murray, "The neural autoregressive distribution
       estimator", AISTATS 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import NADE
    >>> X = (np.random.default_rng(0).random((100, 8)) < 0.3).astype(float)
    >>> model = NADE(n_components=5, max_iter=3, random_state=0).fit(X)
    >>> model.transform(X).shape
    (100, 5)
    """

    _parameter_constraints = {
        **_BaseAutoregressive._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
    }
    _parameter_names = ("weights_", "output_weights_", "intercept_visible_", "intercept_hidden_")

    def __init__(
        self,
        n_components=100,
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
        D, H = X.shape[1], self.n_components
        self.weights_ = _init_weights(rng, (D, H), self.dtype_)
        self.output_weights_ = _init_weights(rng, (D, H), self.dtype_)
        self.intercept_visible_ = _logit_of_mean(X, self.dtype_)
        self.intercept_hidden_ = np.zeros(H, dtype=self.dtype_)

    def _args(self):
        return (
            self.weights_,
            self.output_weights_,
            self.intercept_visible_,
            self.intercept_hidden_,
            self.ordering_,
        )

    def _batch_gradient(self, X, rng):
        grads = {name: np.zeros_like(getattr(self, name)) for name in self._parameter_names}
        ll = _kernels._nade_grad_bernoulli(
            X, *self._args(), *(grads[name] for name in self._parameter_names)
        )
        return ll, grads

    def _log_likelihood(self, X):
        return _kernels._nade_log_prob_bernoulli(np.ascontiguousarray(X), *self._args())

    def _draw(self, n_samples, rng):
        U = rng.random((n_samples, self.n_features_in_))
        return _kernels._nade_sample_bernoulli(*self._args(), U)

    def transform(self, X):
        """Hidden representation given all the inputs, ``sigmoid(c + X W)``.

        This is the hidden layer NADE would use for a dimension placed after
        every observed one (the features of Larochelle & Murray 2011).

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
        return expit(X @ self.weights_ + self.intercept_hidden_)

    @property
    def _n_features_out(self):
        return self.n_components
