"""The gated (factored three-way) RBM of Memisevic & Hinton (2010; §20.8):
a conditional model ``p(y, h | x)`` of the transformation between an input
image and an output image; the math is in :mod:`._gated_math`.
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ..base import GenerativeMixin, TrainableMixin
from ..utils._threads import blas_threads
from ..utils.validation import resolve_dtype, warn_if_not_binary
from . import _conditional_math as cmath
from . import _gated_math as math_
from ._gradient_training import GradientTrainingMixin

__all__ = ["GatedRBM"]


class GatedRBM(GradientTrainingMixin, TransformerMixin, GenerativeMixin, TrainableMixin,
               BaseEstimator):
    """Gated RBM: a factored three-way Boltzmann machine of image pairs.

    Models how an output ``y`` (binary) follows from an input ``x`` (real or
    binary) through binary mapping units ``h`` (Memisevic & Hinton 2010;
    §20.8)::

        E(y, h; x) = -sum_f (x.Fx_f)(y.Fy_f)(h.Fh_f) - (b + B x).y - (c + C x).h

    with ``Fx = factor_input_``, ``Fy = factor_output_``, ``Fh =
    factor_hidden_``; the input-dependent biases ``B x`` and ``C x`` are
    trained only with ``input_dependent_biases=True``. Given ``x`` the model
    is an RBM over ``(y, h)`` whose weights ``Fh diag(Fx x) Fy^T`` are gated
    by the input, so ``p(h | x, y)`` and ``p(y | x, h)`` factorise. The
    mapping units learn the *transformation* (e.g. a shift) rather than the
    content of the images.

    One array holds the pairs: each row is ``[x | y]``, the first
    ``n_input_features`` columns the input, the rest the output (so that
    ``fit(XY)``/``transform(XY)`` follow scikit-learn's transformer API).

    * ``transform(XY)``: the mapping-unit posteriors ``p(h = 1 | x, y)``;
    * ``predict(X)``: the marginals ``p(y_l = 1 | x)``, exact when the
      smaller layer is enumerable, else by mean field (``predict_method``);
    * ``sample(X)``: binary samples of ``y`` given ``x`` by block Gibbs;
    * ``score_samples(XY)``: the exact ``log p(y | x)``, ``Z(x)`` by
      enumerating the smaller of the output and mapping layers (at most
      ``exact_limit`` units).

    Training maximises the conditional log-likelihood ``sum log p(y | x)`` by
    minibatch gradient ascent with CD-k (chains started at the observed
    ``y``, under each row's gated weights).

    Parameters
    ----------
    n_components : int, default=32
        Number of binary mapping units ``h``.
    n_factors : int, default=64
        Number of factors of the three-way interaction.
    n_input_features : int or None, default=None
        Columns of the input ``x`` (the first ones). None: half the columns
        (their number must then be even).
    input_dependent_biases : bool, default=False
        Also train the biases' input weights ``B`` (``output_weights_``) and
        ``C`` (``hidden_weights_``); without them the mapping units see the
        input only through the gated interaction.
    learning_rate : float, default=1e-2
    solver : {"adam", "sgd"}, default="adam"
    momentum : float, default=0.9
        Momentum of ``solver="sgd"``.
    learning_rate_schedule : {"linear", "constant"}, default="linear"
        ``"linear"`` decays the learning rate linearly to 0 over the epochs.
    batch_size : int, default=32
    max_iter : int, default=40
        Epochs of ``fit``.
    weight_decay : float, default=1e-4
        L2 penalty on the factors (and ``B``, ``C``), per sample.
    n_gibbs_steps : int, default=1
        Gibbs sweeps of CD-k.
    predict_method : {"auto", "exact", "mean_field"}, default="auto"
        How ``predict`` computes ``p(y_l = 1 | x)``: ``"exact"`` enumerates
        the smaller of the output and mapping layers (as ``score_samples``;
        at most ``exact_limit`` units), ``"mean_field"`` runs
        ``n_mean_field_iter`` alternating updates of the output and mapping
        means (approximate, any size), ``"auto"`` is exact when it can be.
    n_mean_field_iter : int, default=20
        Mean-field iterations of ``predict``.
    exact_limit : int, default=12
        Largest number of enumerated units (the smaller of the output and
        mapping layers) of ``score_samples``; beyond it ``score_samples``
        raises.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when their
        mean ``log p(y | x)`` (when enumerable; otherwise minus the mean
        squared error of ``predict``) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    warm_start : bool, default=False
    dtype : {None, numpy.float32, numpy.float64}, default=None
    verbose : int, default=0
    random_state : int, Generator or None, default=None

    Attributes
    ----------
    n_input_features_ : int
    factor_input_ : ndarray of shape (n_factors, `n_input_features_`)
    factor_output_ : ndarray of shape (n_outputs, n_factors)
    factor_hidden_ : ndarray of shape (n_components, n_factors)
    intercept_output_ : ndarray of shape (n_outputs,)
    output_weights_ : ndarray of shape (n_outputs, `n_input_features_`)
        ``B`` (zeros unless ``input_dependent_biases``).
    intercept_hidden_ : ndarray of shape (n_components,)
    hidden_weights_ : ndarray of shape (n_components, `n_input_features_`)
        ``C`` (zeros unless ``input_dependent_biases``).
    enumerated_layer_ : {"outputs", "hidden"} or None
        The layer whose states ``score_samples`` sums over.
    optimizer_, n_iter_, validation_scores_, dtype_, random_state_,
    n_features_in_, feature_names_in_

    See Also
    --------
    ConditionalBoltzmannMachine : ``p(y | x)`` for multi-label outputs (its
        ``n_factors`` option adds the same gating to plain weights).

    References
    ----------
    Memisevic, R. and Hinton, G. E. (2010). Learning to represent spatial
    transformations with factored higher-order Boltzmann machines. Neural
    Computation 22(6).

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import GatedRBM
    >>> rng = np.random.default_rng(0)
    >>> X = (rng.random((200, 8)) < 0.5).astype(float)
    >>> XY = np.hstack([X, np.roll(X, 1, axis=1)])  # y = x shifted
    >>> model = GatedRBM(n_components=4, n_factors=8, max_iter=5, random_state=0).fit(XY)
    >>> model.transform(XY[:2]).shape  # mapping units
    (2, 4)
    >>> model.predict(X[:2]).shape  # q(y = 1 | x)
    (2, 8)
    >>> model.score_samples(XY[:2]).shape  # exact log p(y | x)
    (2,)
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_factors": [Interval(Integral, 1, None, closed="left")],
        "n_input_features": [Interval(Integral, 1, None, closed="left"), None],
        "input_dependent_biases": ["boolean"],
        "n_gibbs_steps": [Interval(Integral, 1, None, closed="left")],
        "predict_method": [StrOptions({"auto", "exact", "mean_field"})],
        "n_mean_field_iter": [Interval(Integral, 1, None, closed="left")],
        "exact_limit": [Interval(Integral, 0, 20, closed="both")],
        **GradientTrainingMixin._gradient_constraints,
    }
    _decayed = ("A", "C", "Fx", "Fy", "Fh")

    _state_names = (
        "factor_input_", "factor_output_", "factor_hidden_", "intercept_output_",
        "output_weights_", "intercept_hidden_", "hidden_weights_", "optimizer_",
        "random_state_",
    )
    _parameter_names = (
        "factor_input_", "factor_output_", "factor_hidden_", "intercept_output_",
        "output_weights_", "intercept_hidden_", "hidden_weights_",
    )
    score_kind_ = "exact"

    def __init__(
        self,
        n_components=32,
        *,
        n_factors=64,
        n_input_features=None,
        input_dependent_biases=False,
        learning_rate=1e-2,
        solver="adam",
        momentum=0.9,
        learning_rate_schedule="linear",
        batch_size=32,
        max_iter=40,
        weight_decay=1e-4,
        n_gibbs_steps=1,
        predict_method="auto",
        n_mean_field_iter=20,
        exact_limit=12,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        dtype=None,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.n_factors = n_factors
        self.n_input_features = n_input_features
        self.input_dependent_biases = input_dependent_biases
        self.learning_rate = learning_rate
        self.solver = solver
        self.momentum = momentum
        self.learning_rate_schedule = learning_rate_schedule
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.weight_decay = weight_decay
        self.n_gibbs_steps = n_gibbs_steps
        self.predict_method = predict_method
        self.n_mean_field_iter = n_mean_field_iter
        self.exact_limit = exact_limit
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.dtype = dtype
        self.verbose = verbose
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit ``p(y | x)`` to the pairs by CD-k.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows ``[x | y]``: the first ``n_input_features`` columns the
            input (any real values), the rest the binary output.
        y : None
            Ignored.

        Returns
        -------
        self : GatedRBM
            The fitted model.
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One CD-k pass over the block of pairs in minibatches, in order.

        The first call initialises the model; later calls continue the
        parameters, optimizer state and random stream (blocks fed in turn
        train like one epoch over their concatenation). The learning rate
        is ``learning_rate`` (no schedule).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows ``[x | y]``.
        y : None
            Ignored.

        Returns
        -------
        self : GatedRBM
            The updated model.
        """
        return self._partial_fit(X)

    # ------------------------------------------------------- template hooks
    def _is_initialized(self):
        return hasattr(self, "factor_input_")

    def _split_point(self, n_features):
        k = self.n_input_features
        if k is None:
            if n_features % 2:
                raise ValueError(
                    f"GatedRBM with n_input_features=None splits the columns in half; got "
                    f"{n_features} feature(s), an odd number. Set n_input_features."
                )
            k = n_features // 2
        if not 1 <= k < n_features:
            raise ValueError(
                f"GatedRBM needs at least one input and one output column: got "
                f"{n_features} feature(s) with n_input_features={k}."
            )
        return k

    def _check_training_data(self, X, y, *, reset):
        X = validate_data(self, X, reset=reset, dtype=(np.float64, np.float32))
        k = self._split_point(X.shape[1]) if reset else self.n_input_features_
        warn_if_not_binary(X[:, k:], what="GatedRBM's binary output units")
        X = np.ascontiguousarray(X, dtype=resolve_dtype(self.dtype, X))
        return X, k

    def _initialize(self, X, k, rng, *, partial):
        self.n_input_features_ = k
        self.dtype_ = dtype = X.dtype
        nx, ny, nh, nf = k, X.shape[1] - k, self.n_components, self.n_factors
        # the gradient of a three-way product vanishes at zero (a saddle): from
        # factors of scale 0.1 the mapping units stayed at chance on shifted
        # binary vectors after 40 epochs (tests' _shift_pairs: 0.35 accuracy of
        # a logistic regression on transform), from 0.3 they reach 0.985
        self.factor_input_, self.factor_output_, self.factor_hidden_ = (
            np.ascontiguousarray(rng.normal(0, 0.3, shape), dtype=dtype)
            for shape in [(nf, nx), (ny, nf), (nh, nf)]
        )
        p = np.clip(X[:, k:].mean(axis=0), 1e-3, 1 - 1e-3)
        self.intercept_output_ = np.log(p / (1 - p)).astype(dtype)
        self.output_weights_ = np.zeros((ny, nx), dtype=dtype)
        self.intercept_hidden_ = np.zeros(nh, dtype=dtype)
        self.hidden_weights_ = np.zeros((nh, nx), dtype=dtype)
        self.optimizer_ = self._make_optimizer()
        self.n_iter_ = 0

    def _training_data(self, X, y):
        return np.ascontiguousarray(X, dtype=self.dtype_), None

    def _param_dict(self):
        params = {"a": self.intercept_output_, "c": self.intercept_hidden_,
                  "Fx": self.factor_input_, "Fy": self.factor_output_,
                  "Fh": self.factor_hidden_}
        if self.input_dependent_biases:
            params.update(A=self.output_weights_, C=self.hidden_weights_)
        return params

    def _params(self):
        """The parameter tuple of :mod:`._conditional_math` (``W = 0``)."""
        W = np.zeros((self.n_components, self.factor_output_.shape[0]), dtype=self.dtype_)
        return (W, self.intercept_output_, self.output_weights_, self.intercept_hidden_,
                self.hidden_weights_, self.factor_input_, self.factor_output_,
                self.factor_hidden_)

    def _blas_work(self, X):
        return self.batch_size * self.n_factors * X.shape[1]

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        n, k = X.shape[0], self.n_input_features_
        order = rng.permutation(n) if shuffle else np.arange(n)
        keys = self._param_dict().keys()
        for start in range(0, n, self.batch_size):
            rows = order[start:start + self.batch_size]
            grads = cmath.cd_gradient(
                X[rows, :k], X[rows, k:], self._params(), self.n_gibbs_steps, rng
            )
            self._step({key: grads[key] for key in keys}, rows.shape[0])
            progress(rows.shape[0])
        return {}

    def _validation_score(self, X_val, y_val):
        k = self.n_input_features_
        over = self.enumerated_layer_
        if over is not None:
            return float(np.mean(math_.log_conditional(X_val[:, :k], X_val[:, k:],
                                                       self._params(), over)))
        mean = cmath.mean_field(X_val[:, :k], self._params(), self.n_mean_field_iter)
        return -float(np.mean((mean - X_val[:, k:]) ** 2))

    # ------------------------------------------------------------ inference
    def _check_pairs(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        warn_if_not_binary(X[:, self.n_input_features_:], what="GatedRBM's binary output units")
        X = np.ascontiguousarray(X, dtype=self.dtype_)
        return X[:, :self.n_input_features_], X[:, self.n_input_features_:]

    def _check_inputs(self, X):
        """The inputs ``x``: rows of ``n_input_features_`` columns, or full
        ``[x | y]`` rows (their outputs ignored)."""
        check_is_fitted(self)
        k = self.n_input_features_
        X_arr = check_array(X, dtype=(np.float64, np.float32))
        if X_arr.shape[1] == self.n_features_in_:
            X_arr = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        elif X_arr.shape[1] != k:
            raise ValueError(
                f"X has {X_arr.shape[1]} features, but GatedRBM is expecting "
                f"{self.n_features_in_} features as input ([x | y] pairs) or {k} (the "
                "inputs x alone)."
            )
        return np.ascontiguousarray(X_arr[:, :k], dtype=self.dtype_)

    def transform(self, X):
        """Mapping-unit posteriors ``p(h = 1 | x, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows ``[x | y]``.

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
        """
        Xin, Y = self._check_pairs(X)
        with blas_threads():
            return math_.hidden_means(Xin, Y, self._params())

    def predict(self, X):
        """The output's marginals given the input, ``p(y_l = 1 | x)``.

        Exact (the smaller of the output and mapping layers enumerated) or
        the mean-field approximation of ``p(y, h | x)``, as
        ``predict_method`` says.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_input_features_`) or (n_samples, `n_features_in_`)
            Inputs ``x`` (or ``[x | y]`` rows, whose ``y`` is ignored).

        Returns
        -------
        Y : ndarray of shape (n_samples, n_outputs)
            Values in [0, 1]; threshold at 1/2 for a binary image.
        """
        Xin = self._check_inputs(X)
        over = self.enumerated_layer_
        if self.predict_method == "exact" and over is None:
            raise ValueError(
                f"predict_method='exact' enumerates the smaller of the output "
                f"({self.factor_output_.shape[0]} units) and mapping ({self.n_components} "
                f"units) layers: at most exact_limit={self.exact_limit} units. Use "
                "predict_method='mean_field'."
            )
        with blas_threads():
            if self.predict_method != "mean_field" and over is not None:
                return math_.output_marginals(Xin, self._params(), over)
            return cmath.mean_field(Xin, self._params(), self.n_mean_field_iter)

    def sample(self, X, *, n_steps=100, random_state=None):
        """Binary samples of the output given each input, by block Gibbs.

        Each chain starts from ``y ~ sigmoid(b + B x)`` and runs ``n_steps``
        sweeps ``h ~ p(h | x, y)``, ``y ~ p(y | x, h)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_input_features_`) or (n_samples, `n_features_in_`)
            Inputs ``x`` (or ``[x | y]`` rows, whose ``y`` is ignored).
        n_steps : int, default=100
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_outputs)
        """
        Xin = self._check_inputs(X)
        rng = self._sampling_rng(max(Xin.shape[0], 1), random_state, n_steps=n_steps)
        with blas_threads():
            return math_.gibbs_outputs(Xin, self._params(), n_steps, rng)

    @property
    def enumerated_layer_(self):
        """The layer ``score_samples`` enumerates: ``"outputs"`` or
        ``"hidden"`` (the smaller; outputs on a tie), None when both exceed
        ``exact_limit`` (``score_samples`` then raises)."""
        ny, nh = self.factor_output_.shape[0], self.n_components
        if min(ny, nh) > self.exact_limit:
            return None
        return "outputs" if ny <= nh else "hidden"

    def score_samples(self, X, return_std=False):
        """Exact conditional log-likelihood ``log p(y | x)`` of each pair, in nats.

        ``Z(x)`` sums over the ``2**m`` states of the smaller of the output
        (``m = n_outputs``) and mapping (``m = n_components``) layers; the
        other is summed out in closed form.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows ``[x | y]``.
        return_std : bool, default=False
            Also return the standard error of each score (zeros: exact).

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.

        Raises
        ------
        ValueError
            When both layers have more than ``exact_limit`` units.
        """
        Xin, Y = self._check_pairs(X)
        over = self.enumerated_layer_
        if over is None:
            raise ValueError(
                f"score_samples enumerates the smaller of the output "
                f"({self.factor_output_.shape[0]} units) and mapping ({self.n_components} "
                f"units) layers; it is exact up to exact_limit={self.exact_limit} units. "
                "Use fewer mapping units or a larger exact_limit (at most 20)."
            )
        with blas_threads():
            scores = math_.log_conditional(Xin, Y, self._params(), over)
        return (scores, np.zeros_like(scores)) if return_std else scores
