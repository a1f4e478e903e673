"""The conditional RBM for structured outputs (§20.7): an RBM over the
outputs whose biases are linear functions of the input; the math is in
:mod:`._conditional_math`.
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import TrainableMixin
from ..utils._threads import blas_threads
from ..utils.random import check_generator
from ..utils.validation import resolve_dtype
from . import _conditional_math as math_
from ._gradient_training import GradientTrainingMixin

__all__ = ["ConditionalBoltzmannMachine"]


class ConditionalBoltzmannMachine(
    GradientTrainingMixin, ClassifierMixin, TrainableMixin, BaseEstimator
):
    """Conditional RBM ``p(y | x)`` for structured (multi-label) outputs.

    An RBM over binary outputs ``y`` and binary hidden units ``h`` whose
    biases are linear functions of the input (§20.7; Taylor et al. 2007,
    Mnih et al. 2011)::

        E(y, h; x) = -(a + A x).y - (c + C x).h - h.W y

    The hidden units couple the outputs, so ``p(y | x)`` is not a product
    of per-label models: it can prefer label combinations. Summing out ``h``
    in closed form leaves ``p(y | x)`` up to ``Z(x)``, a sum over the
    allowed output states:

    * a 2-D binary indicator ``Y`` (multi-label): every binary vector; with
      at most ``exact_limit`` labels ``Z(x)``, the exact conditional
      log-likelihood and its gradient, the marginals and the most probable
      label set come from enumerating them; with more, training uses CD-k
      and prediction mean field;
    * a 1-D class label: the one-hot vectors (the constraint "exactly one
      class"), always enumerated: the model is then a discriminative RBM
      (Larochelle & Bengio 2008) plus a linear term.

    Training maximises the conditional log-likelihood by minibatch
    gradient ascent (exact gradient, or CD-k for many labels).

    Parameters
    ----------
    n_components : int, default=256
        Number of binary hidden units.
    n_factors : int, default=0
        With ``n_factors > 0`` the weights depend on the input too (§20.7,
        "biases and optionally weights"): ``W(x) = W + factor_hidden_
        diag(factor_input_ x) factor_output_^T``, the factored three-way
        (gated) interaction of Memisevic & Hinton (2010). Enumeration,
        CD-k and mean field stay as without it.
    learning_rate : float, default=1e-2
    solver : {"adam", "sgd"}, default="adam"
    momentum : float, default=0.9
        Momentum of ``solver="sgd"``.
    learning_rate_schedule : {"linear", "constant"}, default="linear"
        ``"linear"`` decays the learning rate linearly to 0 over the epochs
        of a ``fit``.
    batch_size : int, default=32
    max_iter : int, default=40
        Epochs of ``fit``.
    weight_decay : float, default=1e-4
        L2 penalty on ``W``, ``A`` and ``C`` (per sample).
    exact_limit : int, default=10
        Largest number of labels whose ``2**n_labels`` states are
        enumerated (multi-label targets).
    n_gibbs_steps : int, default=1
        Gibbs sweeps of CD-k (more labels than ``exact_limit``).
    predict_method : {"marginals", "mode"}, default="marginals"
        How ``predict`` decodes multi-label outputs: ``"marginals"``
        thresholds the label marginals of ``predict_proba`` at 1/2 (exact
        when the states are enumerated, mean field otherwise; minimises the
        expected Hamming loss, and agrees with ``predict_proba`` as
        scikit-learn expects); ``"mode"`` is the most probable label set
        (enumerated; maximises the expected subset accuracy).
    n_mean_field_iter : int, default=20
        Mean-field iterations (``predict_proba`` and ``predict`` when the
        states are not enumerated).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when their
        mean conditional log-likelihood (CD: minus the mean-field Hamming
        loss) has not improved by ``tol`` for ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    warm_start : bool, default=False
    dtype : {None, numpy.float32, numpy.float64}, default=None
    verbose : int, default=0
    random_state : int, Generator or None, default=None

    Attributes
    ----------
    classes_ : ndarray
        The class labels (1-D targets) or ``arange(n_labels)`` (multi-label).
    components_ : ndarray of shape (n_components, n_outputs)
        Output-hidden weights ``W``.
    intercept_output_ : ndarray of shape (n_outputs,)
    output_weights_ : ndarray of shape (n_outputs, n_features)
        ``A``: input weights of the output biases.
    intercept_hidden_ : ndarray of shape (n_components,)
    hidden_weights_ : ndarray of shape (n_components, n_features)
        ``C``: input weights of the hidden biases.
    factor_input_ : ndarray of shape (n_factors, n_features)
    factor_output_ : ndarray of shape (n_outputs, n_factors)
    factor_hidden_ : ndarray of shape (n_components, n_factors)
        The gating factors (zero-sized when ``n_factors=0``).
    states_ : ndarray of shape (n_states, n_outputs) or None
        The enumerated output states (None when trained by CD).
    optimizer_, n_iter_, validation_scores_, dtype_, random_state_,
    n_features_in_, feature_names_in_

    See Also
    --------
    ClassRBM : The joint (generative) class RBM.
    sklearn.multioutput.ClassifierChain : Chained per-label classifiers.

    References
    ----------
    Taylor, G. W., Hinton, G. E. and Roweis, S. (2007). Modeling human
    motion using binary latent variables. NIPS.

    Memisevic, R. and Hinton, G. E. (2010). Learning to represent spatial
    transformations with factored higher-order Boltzmann machines. Neural
    Computation 22(6).

    Mnih, V., Larochelle, H. and Hinton, G. E. (2011). Conditional
    restricted Boltzmann machines for structured output prediction. UAI.

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from skgenerative import ConditionalBoltzmannMachine
    >>> X, Y = make_multilabel_classification(n_samples=200, random_state=0)
    >>> model = ConditionalBoltzmannMachine(n_components=16, max_iter=5, random_state=0)
    >>> model.fit(X, Y).predict(X[:2]).shape
    (2, 5)
    >>> model.score_samples(X[:2], Y[:2]).shape  # exact log p(y | x)
    (2,)
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_factors": [Interval(Integral, 0, None, closed="left")],
        "exact_limit": [Interval(Integral, 0, 20, closed="both")],
        "n_gibbs_steps": [Interval(Integral, 1, None, closed="left")],
        "predict_method": [StrOptions({"marginals", "mode"})],
        "n_mean_field_iter": [Interval(Integral, 1, None, closed="left")],
        **GradientTrainingMixin._gradient_constraints,
    }
    _decayed = ("W", "A", "C", "Fx", "Fy", "Fh")

    _state_names = (
        "components_", "intercept_output_", "output_weights_", "intercept_hidden_",
        "hidden_weights_", "factor_input_", "factor_output_", "factor_hidden_", "optimizer_",
        "random_state_",
    )
    _parameter_names = (
        "components_", "intercept_output_", "output_weights_", "intercept_hidden_",
        "hidden_weights_", "factor_input_", "factor_output_", "factor_hidden_",
    )
    score_kind_ = "exact"

    def __init__(
        self,
        n_components=256,
        *,
        n_factors=0,
        learning_rate=1e-2,
        solver="adam",
        momentum=0.9,
        learning_rate_schedule="linear",
        batch_size=32,
        max_iter=40,
        weight_decay=1e-4,
        exact_limit=10,
        n_gibbs_steps=1,
        predict_method="marginals",
        n_mean_field_iter=20,
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
        self.learning_rate = learning_rate
        self.solver = solver
        self.momentum = momentum
        self.learning_rate_schedule = learning_rate_schedule
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.weight_decay = weight_decay
        self.exact_limit = exact_limit
        self.n_gibbs_steps = n_gibbs_steps
        self.predict_method = predict_method
        self.n_mean_field_iter = n_mean_field_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.dtype = dtype
        self.verbose = verbose
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit ``p(y | x)`` by maximum conditional likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs (any real values).
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a binary indicator matrix of label sets.

        Returns
        -------
        self : ConditionalBoltzmannMachine
            The fitted model.
        """
        return self._fit(X, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """One pass over the block (X, y) in minibatches, in order.

        The first call initialises the model; later calls continue the
        parameters, optimizer state and random stream, so blocks fed in
        turn train like one epoch over their concatenation. The learning
        rate is ``learning_rate`` (no schedule); early stopping does not
        apply.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a binary indicator matrix of label sets.
        classes : array-like of shape (n_classes,), default=None
            Every class of the problem: required on the first call for class
            labels (scikit-learn's convention), optional (and then the same)
            later; for an indicator ``y`` the classes are its columns.

        Returns
        -------
        self : ConditionalBoltzmannMachine
            The updated model.
        """
        return self._partial_fit_classes(X, y, classes)

    # ------------------------------------------------------- template hooks
    def _is_initialized(self):
        return hasattr(self, "components_")

    def _check_training_data(self, X, y, *, reset):
        X, y = validate_data(
            self, X, y, reset=reset, multi_output=True, dtype=(np.float64, np.float32)
        )
        kind = type_of_target(y)
        if kind == "multilabel-indicator":
            y = np.asarray(y)
            if not np.isin(y, (0, 1)).all():
                raise ValueError("A 2-D y must be a binary (0/1) indicator matrix.")
            classes = np.arange(y.shape[1])
            given = getattr(self, "_partial_classes", None)
            if reset and given is not None and not np.array_equal(given, classes):
                raise ValueError(
                    f"classes of an indicator y are its columns 0 .. {y.shape[1] - 1}; got "
                    f"classes={given!r}."
                )
        else:
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.ravel()
            check_classification_targets(y)
            if y.ndim != 1:
                raise ValueError(f"y must be 1-D labels or a binary indicator matrix; got {kind}.")
            kind = "multiclass"
            classes = np.unique(y)
            if reset and hasattr(self, "_partial_classes"):
                classes = self._first_call_classes(classes)
            elif reset and len(classes) < 2:
                raise ValueError(
                    "ConditionalBoltzmannMachine needs samples of at least 2 classes; "
                    "got 1 class."
                )
        if not reset:
            same = kind == self._target_kind and (
                np.isin(classes, self.classes_).all() if kind == "multiclass"
                else len(classes) == len(self.classes_)
            )
            if not same:
                raise ValueError(
                    "y does not match the targets of the first fit (a warm start keeps "
                    "the classes or labels)."
                )
        X = np.ascontiguousarray(X, dtype=resolve_dtype(self.dtype, X))
        return X, (kind, classes, y)

    def _initialize(self, X, y, rng, *, partial):
        kind, classes, targets = y
        self._target_kind, self.classes_ = kind, classes
        self.dtype_ = dtype = X.dtype
        if kind == "multiclass":
            n_out = len(classes)
            self.states_ = np.eye(n_out, dtype=dtype)
            Y = self.states_[np.searchsorted(classes, targets)]
        else:
            n_out = targets.shape[1]
            self.states_ = (math_.all_binary_states(n_out, dtype)
                            if n_out <= self.exact_limit else None)
            Y = targets
        nh, nf = self.n_components, X.shape[1]
        mean = np.clip(Y.mean(axis=0), 1e-3, 1 - 1e-3)
        self.components_ = np.ascontiguousarray(rng.normal(0, 0.01, (nh, n_out)), dtype=dtype)
        self.intercept_output_ = np.log(mean / (1 - mean)).astype(dtype)
        self.output_weights_ = np.ascontiguousarray(rng.normal(0, 0.01, (n_out, nf)), dtype=dtype)
        self.intercept_hidden_ = np.zeros(nh, dtype=dtype)
        self.hidden_weights_ = np.ascontiguousarray(rng.normal(0, 0.01, (nh, nf)), dtype=dtype)
        # factors start at 0.1: their three-way products start at 1e-3
        self.factor_input_, self.factor_output_, self.factor_hidden_ = (
            np.ascontiguousarray(rng.normal(0, 0.1, shape), dtype=dtype)
            for shape in [(self.n_factors, nf), (n_out, self.n_factors), (nh, self.n_factors)]
        )
        self.optimizer_ = self._make_optimizer()
        self.n_iter_ = 0

    def _param_dict(self):
        return {"W": self.components_, "a": self.intercept_output_, "A": self.output_weights_,
                "c": self.intercept_hidden_, "C": self.hidden_weights_,
                "Fx": self.factor_input_, "Fy": self.factor_output_, "Fh": self.factor_hidden_}

    def _params(self):
        return (self.components_, self.intercept_output_, self.output_weights_,
                self.intercept_hidden_, self.hidden_weights_, self.factor_input_,
                self.factor_output_, self.factor_hidden_)

    def _exact(self):
        return self.states_ is not None

    def _targets(self, y):
        """State indices (enumerated states) or the 0/1 matrix (CD) of the
        validated targets ``y``."""
        kind, classes, targets = y
        if kind == "multiclass":
            return np.searchsorted(self.classes_, targets).astype(np.int64)
        if self._exact():
            powers = 2 ** np.arange(targets.shape[1] - 1, -1, -1)
            return (targets.astype(np.int64) @ powers).astype(np.int64)
        return np.asarray(targets, dtype=self.dtype_)

    def _training_data(self, X, y):
        return np.ascontiguousarray(X, dtype=self.dtype_), self._targets(y)

    @property
    def _stratify_validation(self):
        return self._exact() and self._target_kind == "multiclass"

    def _blas_work(self, X):
        return self.batch_size * self.n_components * X.shape[1]

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        n = X.shape[0]
        order = rng.permutation(n) if shuffle else np.arange(n)
        P = self._params()
        total = 0.0
        for start in range(0, n, self.batch_size):
            rows = order[start:start + self.batch_size]
            if self._exact():
                grads, log_lik = math_.exact_gradient(X[rows], y[rows], P, self.states_)
                total += float(log_lik.sum())
            else:
                grads = math_.cd_gradient(X[rows], y[rows], P, self.n_gibbs_steps, rng)
            self._step(grads, rows.shape[0])
            progress(rows.shape[0])
        if self._exact():
            return {"loss": -total / n}
        return {}

    def _validation_score(self, X_val, y_val):
        if self._exact():
            log_p = math_.state_log_probabilities(X_val, self._params(), self.states_)
            return float(np.mean(log_p[np.arange(len(y_val)), y_val]))
        marginals = math_.mean_field(X_val, self._params(), self.n_mean_field_iter)
        return -float(np.mean((marginals > 0.5) != y_val))

    # ------------------------------------------------------------ inference
    def _check_X(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return np.ascontiguousarray(X, dtype=self.dtype_)

    def predict_proba(self, X):
        """Class probabilities (1-D targets) or label marginals
        ``p(y_l = 1 | x)`` (multi-label: exact when enumerated, else mean field).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
        """
        X = self._check_X(X)
        with blas_threads():
            if self._target_kind == "multiclass":
                return np.exp(math_.state_log_probabilities(X, self._params(), self.states_))
            return self._label_marginals(X)

    def _label_marginals(self, X):
        """``p(y_l = 1 | x)``: exact over the enumerated states, else mean field."""
        if not self._exact():
            return math_.mean_field(X, self._params(), self.n_mean_field_iter)
        log_p = math_.state_log_probabilities(X, self._params(), self.states_)
        return np.exp(log_p) @ self.states_

    def predict(self, X):
        """Most probable class, or label set (see ``predict_method``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        X = self._check_X(X)
        with blas_threads():
            if self._target_kind == "multiclass":
                log_p = math_.state_log_probabilities(X, self._params(), self.states_)
                return self.classes_[np.argmax(log_p, axis=1)]
            if self.predict_method == "mode":
                if not self._exact():
                    raise ValueError(
                        f"predict_method='mode' enumerates the label sets: at most "
                        f"exact_limit={self.exact_limit} labels, got {len(self.classes_)}."
                    )
                log_p = math_.state_log_probabilities(X, self._params(), self.states_)
                return self.states_[np.argmax(log_p, axis=1)].astype(np.int64)
            return (self._label_marginals(X) > 0.5).astype(np.int64)

    def sample(self, X, *, n_steps=100, random_state=None):
        """Draw an output for each input from ``p(y | x)`` by block Gibbs sampling.

        Each chain runs under its row's biases (and gated weights): ``n_steps``
        sweeps ``h ~ p(h | x, y)``, ``y ~ p(y | x, h)`` (independent labels, or
        one class from a softmax), started from the input-dependent output
        biases alone.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs (repeat a row for several draws given it).
        n_steps : int, default=100
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Values of ``classes_``, or binary label sets (0/1 integers).
        """
        X = self._check_X(X)
        if isinstance(n_steps, bool) or not isinstance(n_steps, Integral) or n_steps < 1:
            raise ValueError(f"n_steps must be a positive integer; got {n_steps!r}.")
        rng = self.random_state_ if random_state is None else check_generator(random_state)
        one_hot = self._target_kind == "multiclass"
        with blas_threads():
            Y = math_.gibbs_outputs(X, self._params(), n_steps, rng, one_hot=one_hot)
        if one_hot:
            return self.classes_[np.argmax(Y, axis=1)]
        return Y.astype(np.int64)

    def score_samples(self, X, y=None, return_std=False):
        """Exact conditional log-likelihood ``log p(y | x)`` of each row, in nats.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels), default=None
            The targets to score, as given to ``fit``. None scores the most
            probable output: ``max_y log p(y | x)`` (the model's confidence).
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
            When the output states are not enumerated (more labels than
            ``exact_limit``): ``Z(x)`` is then a sum over too many states.
        """
        X = self._check_X(X)
        if not self._exact():
            raise ValueError(
                f"score_samples enumerates the 2**{len(self.classes_)} label sets; it "
                f"is exact up to exact_limit={self.exact_limit} labels. Refit with a "
                "larger exact_limit (at most 20)."
            )
        with blas_threads():
            log_p = math_.state_log_probabilities(X, self._params(), self.states_)
        if y is None:
            scores = log_p.max(axis=1)
        else:
            _, targets = self._check_scored_targets(X, y)
            scores = log_p[np.arange(X.shape[0]), targets]
        return (scores, np.zeros_like(scores)) if return_std else scores

    def _check_scored_targets(self, X, y):
        y = np.asarray(y)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}.")
        if self._target_kind == "multiclass":
            y = y.ravel() if y.ndim == 2 and y.shape[1] == 1 else y
            if y.ndim != 1 or not np.isin(y, self.classes_).all():
                raise ValueError("y has labels not seen in fit.")
            return X, np.searchsorted(self.classes_, y)
        if y.ndim != 2 or y.shape[1] != len(self.classes_) or not np.isin(y, (0, 1)).all():
            raise ValueError(
                f"y must be a binary indicator matrix with {len(self.classes_)} columns."
            )
        powers = 2 ** np.arange(y.shape[1] - 1, -1, -1)
        return X, y.astype(np.int64) @ powers

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags
