"""The class RBM (Larochelle & Bengio 2008; §20.8): a joint RBM over a binary
input and a one-hot class, trained generatively, discriminatively or both.

The math (exact class posterior, gradients, Gibbs sweeps, ``log Z``) is in
:mod:`._class_rbm_math`, the fused loops in ``_kernels/_class_rbm.py``.
"""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit, logsumexp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import FineTunedClassifierMixin, GenerativeMixin
from ..utils._threads import blas_threads
from ..utils.random import draw_seed
from ..utils.validation import resolve_dtype, warn_if_not_binary
from . import _class_rbm_masks as masks_
from . import _class_rbm_math as math_
from ._gradient_training import GradientTrainingMixin
from ._log_partition import LogPartitionMixin
from ._units import check_unit_type

__all__ = ["ClassRBM"]

_BERNOULLI = check_unit_type("bernoulli")
_OBJECTIVES = ("generative", "discriminative", "hybrid")


class ClassRBM(
    LogPartitionMixin, GradientTrainingMixin, FineTunedClassifierMixin, GenerativeMixin,
    BaseEstimator,
):
    """Classification RBM: a joint RBM over binary inputs and a one-hot class.

    Energy (Larochelle & Bengio 2008; §20.8) of an input ``x``, a class ``k``
    and binary hidden units ``h``::

        E(x, k, h) = -b.x - d_k - c.h - h.W x - h.U[k]

    with ``W = components_``, ``U = class_components_``, ``b, c, d`` the
    visible, hidden and class intercepts. The hidden units sum out in closed
    form, so the class posterior is exact::

        p(k | x) = softmax_k(d_k + sum_j softplus(c_j + W_j x + U_kj))

    Training maximises, over minibatches, one of three objectives:
    ``"generative"`` ``log p(x, y)`` (CD-k or PCD-k for its model term),
    ``"discriminative"`` ``log p(y | x)`` (exact gradient: the DRBM) or
    ``"hybrid"`` ``log p(y | x) + alpha log p(x, y)`` (the HDRBM). With
    ``unlabeled_weight`` set, rows labelled ``-1`` (the convention of
    scikit-learn's semi-supervised estimators) add ``unlabeled_weight *
    log p(x)`` (semi-supervised learning).

    The inputs are Bernoulli units: binary data, or values in [0, 1] read as
    probabilities (grey levels), as :class:`BernoulliRBM` does.

    Parameters
    ----------
    n_components : int, default=256
        Number of binary hidden units that interact with the inputs and
        the class.
    n_input_only_components : int, default=0
        Further hidden units that interact with the inputs only (Luo et al.
        2011; §20.8): they cancel from ``p(y | x)`` but model the details of
        ``x`` the class does not explain, in the generative term. They are
        the last rows of ``components_``; their columns of
        ``class_components_`` stay zero.
    n_factors : int, default=0
        Class-multiplicative interactions (Nair & Hinton 2009; §20.8): with
        ``n_factors > 0`` the input-hidden weights depend on the class,
        ``W_k = W + factor_hidden_ diag(factor_class_[k]) factor_visible_``,
        a factored three-way interaction of ``x``, ``h`` and ``y``. The
        posterior, ``log Z`` and the gradients stay exact as without it.
    visible_masks : {None, "mean_field", "exact"}, default=None
        Point-wise gating (Sohn et al. 2013; §20.8): each input ``x_i`` gets
        a binary mask ``z_i`` (biases ``mask_intercept_``); a mask of one
        routes ``x_i`` to the ``n_components`` class-relevant hidden units, a
        mask of zero removes it from them (and routes it to the
        ``n_input_only_components`` units, if any), so inputs irrelevant to
        the class leave the path that infers it. The masks couple through
        the hidden units: ``p(y | x)`` sums over their ``2**n_features``
        states, which ``"exact"`` enumerates (at most ``exact_limit``
        inputs: tiny problems) and ``"mean_field"`` approximates as Sohn et
        al. do (per class, ``n_mean_field_iter`` damped updates of the mask
        means; the class scores are the mean-field lower bounds). Every
        objective trains: the discriminative gradient and the data phase of
        the generative one are exact or mean-field, the model phase samples
        ``(x, z, y, h)`` by block Gibbs (``method``), which ``sample``
        runs too. ``score_samples`` is not available (its ``log Z`` does
        not cover the masks), nor ``n_factors`` or ``unlabeled_weight``.
    n_mean_field_iter : int, default=20
        Mean-field iterations of ``visible_masks="mean_field"``.
    objective : {"hybrid", "discriminative", "generative"}, default="hybrid"
        The training criterion (see above).
    alpha : float, default=0.003
        Weight of the generative term ``log p(x, y)`` of the hybrid
        objective (ignored by the other two). Digits (``pixels / 16``,
        75/25 stratified split, the other defaults): 0.003 gave 0.982-0.984
        test accuracy over seeds 0-2, 0.01 gave 0.980 (seeds 0-1), 0 (the
        discriminative RBM) 0.978-0.980; ``MLPClassifier()`` 0.978-0.982.
    unlabeled_weight : float or None, default=None
        None: every label is a class (``-1`` included). A float: rows
        labelled ``-1`` are unlabelled and add ``unlabeled_weight * log p(x)``
        to the objective (its gradient's model term by CD-k/PCD-k, like the
        generative one), whatever ``objective`` is.
    learning_rate : float, default=1e-2
        Step size of the optimizer.
    solver : {"adam", "sgd"}, default="adam"
        Optimizer of the minibatch updates (the mean gradient over the batch).
    momentum : float, default=0.9
        Momentum of ``solver="sgd"``.
    learning_rate_schedule : {"linear", "constant"}, default="linear"
        ``"linear"`` decays the learning rate linearly to 0 over the epochs
        of a ``fit``: it damps the end-of-training noise of the sampled
        model term (digits, ``alpha=0.01``, seed 0: 0.980 against 0.978
        with a constant rate).
    batch_size : int, default=32
    max_iter : int, default=40
        Epochs of ``fit``.
    method : {"cd", "pcd"}, default="cd"
        Model term of the generative gradients: contrastive divergence from
        the batch's rows (Larochelle & Bengio's choice) or persistent chains.
    n_gibbs_steps : int, default=1
        Gibbs sweeps per estimate of the model term.
    n_chains : int or None, default=None
        Persistent chains of ``method="pcd"``; None means ``batch_size``.
    weight_decay : float, default=0.0
        L2 penalty on ``components_`` and ``class_components_`` (per sample).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the labelled rows (stratified)
        and stop when their mean ``log p(y | x)`` has not improved by ``tol``
        for ``n_iter_no_change`` epochs; the best parameters are kept.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    warm_start : bool, default=False
        Continue from the fitted parameters on ``fit`` (same classes).
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Compute dtype; None follows the input.
    log_z : {"auto", "exact", "ais"} or float, default="auto"
        How ``log Z`` of ``score_samples`` is obtained: ``"auto"`` enumerates
        when the smaller of the input and hidden layers has at most
        ``exact_limit`` units (one exact RBM ``log Z`` per class), else AIS
        (one run per class, the weights combined run by run).
    exact_limit : int, default=20
    ais_n_runs : int, default=100
    ais_n_temperatures : int or None, default=None
        AIS schedule length; None is Salakhutdinov & Murray's 14,501.
    verbose : int, default=0
        Print the training loss ``-log p(y | x)`` per epoch.
    random_state : int, Generator or None, default=None
        Fixes initialisation, minibatches, sampling and AIS bit for bit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    components_ : ndarray of shape (n_components + n_input_only_components, n_features)
        Input-hidden weights ``W``.
    class_components_ : ndarray of shape (n_classes, n_components + n_input_only_components)
        Class-hidden weights ``U`` (row ``k`` belongs to ``classes_[k]``).
    factor_visible_ : ndarray of shape (n_factors, n_features)
    factor_hidden_ : ndarray of shape (n_components + n_input_only_components, n_factors)
    factor_class_ : ndarray of shape (n_classes, n_factors)
        The factors of the class-multiplicative interactions (zero-sized
        when ``n_factors=0``).
    mask_intercept_ : ndarray of shape (n_features,)
        Biases ``e`` of the visible masks (zeros, unused, without
        ``visible_masks``).
    intercept_visible_ : ndarray of shape (n_features,)
    intercept_hidden_ : ndarray of shape (n_components + n_input_only_components,)
    intercept_class_ : ndarray of shape (n_classes,)
    base_rate_ : ndarray of shape (n_features,)
        Logits of the training marginals: the start of sampling chains and
        of AIS.
    h_samples_ : ndarray of shape (n_chains, n_components + n_input_only_components) or None
        Persistent chains (``method="pcd"``).
    optimizer_ : skgenerative.nn.Adam or skgenerative.nn.SGD
    log_partition_ : float
        ``log Z`` of the joint model (computed on first use, then cached).
    n_iter_ : int
    validation_scores_ : list of float
        Mean validation ``log p(y | x)`` per epoch (early stopping).
    dtype_, random_state_, n_features_in_, feature_names_in_

    See Also
    --------
    BernoulliRBM : The generative model of the inputs alone.
    DBNClassifier : Generative pretraining, then a discriminative network.
    sklearn.neural_network.MLPClassifier : A feed-forward network.

    References
    ----------
    Larochelle, H. and Bengio, Y. (2008). Classification using
    discriminative restricted Boltzmann machines. ICML.

    Nair, V. and Hinton, G. E. (2009). 3D object recognition with deep
    belief nets. NIPS.

    Luo, H., Shen, R., Niu, C. and Ullrich, C. (2011). Learning
    class-relevant features and class-irrelevant features via a hybrid
    third-order RBM. AISTATS.

    Sohn, K., Zhou, G., Lee, C. and Lee, H. (2013). Learning and selecting
    features jointly with point-wise gated Boltzmann machines. ICML.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skgenerative import ClassRBM
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ClassRBM(n_components=32, max_iter=3, random_state=0)
    >>> clf.fit(X[:500] / 16, y[:500]).predict_proba(X[:2] / 16).shape
    (2, 10)
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_input_only_components": [Interval(Integral, 0, None, closed="left")],
        "n_factors": [Interval(Integral, 0, None, closed="left")],
        "visible_masks": [StrOptions({"mean_field", "exact"}), None],
        "n_mean_field_iter": [Interval(Integral, 1, None, closed="left")],
        "objective": [StrOptions(set(_OBJECTIVES))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "unlabeled_weight": [Interval(Real, 0, None, closed="left"), None],
        "method": [StrOptions({"cd", "pcd"})],
        "n_gibbs_steps": [Interval(Integral, 1, None, closed="left")],
        "n_chains": [Interval(Integral, 1, None, closed="left"), None],
        **GradientTrainingMixin._gradient_constraints,
        **LogPartitionMixin._log_partition_constraints,
    }
    _decayed = ("W", "U", "Fv", "Fh", "Fl")

    _state_names = (
        "components_", "intercept_visible_", "intercept_hidden_", "class_components_",
        "intercept_class_", "factor_visible_", "factor_hidden_", "factor_class_",
        "mask_intercept_", "h_samples_", "optimizer_", "random_state_",
    )
    _parameter_names = (
        "components_", "intercept_visible_", "intercept_hidden_", "class_components_",
        "intercept_class_", "factor_visible_", "factor_hidden_", "factor_class_",
        "mask_intercept_",
    )

    def __init__(
        self,
        n_components=256,
        *,
        n_input_only_components=0,
        n_factors=0,
        visible_masks=None,
        n_mean_field_iter=20,
        objective="hybrid",
        alpha=0.003,
        unlabeled_weight=None,
        learning_rate=1e-2,
        solver="adam",
        momentum=0.9,
        learning_rate_schedule="linear",
        batch_size=32,
        max_iter=40,
        method="cd",
        n_gibbs_steps=1,
        n_chains=None,
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        dtype=None,
        log_z="auto",
        exact_limit=20,
        ais_n_runs=100,
        ais_n_temperatures=None,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.n_input_only_components = n_input_only_components
        self.n_factors = n_factors
        self.visible_masks = visible_masks
        self.n_mean_field_iter = n_mean_field_iter
        self.objective = objective
        self.alpha = alpha
        self.unlabeled_weight = unlabeled_weight
        self.learning_rate = learning_rate
        self.solver = solver
        self.momentum = momentum
        self.learning_rate_schedule = learning_rate_schedule
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.method = method
        self.n_gibbs_steps = n_gibbs_steps
        self.n_chains = n_chains
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.dtype = dtype
        self.log_z = log_z
        self.exact_limit = exact_limit
        self.ais_n_runs = ais_n_runs
        self.ais_n_temperatures = ais_n_temperatures
        self.verbose = verbose
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the joint model to (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, values in [0, 1] (binary, or probabilities).
        y : array-like of shape (n_samples,)
            Class labels; ``-1`` marks an unlabelled row when
            ``unlabeled_weight`` is set.

        Returns
        -------
        self : ClassRBM
            The fitted classifier.
        """
        return self._fit(X, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """One pass over the block (X, y) in minibatches, in order.

        The first call initialises the model and needs every class in
        ``classes`` (scikit-learn's convention); later calls continue the
        parameters, chains, optimizer state and random stream, so blocks
        fed in turn train like one epoch over their concatenation. The
        learning rate is ``learning_rate`` (no schedule: there is no
        epoch count to decay over); early stopping does not apply.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, values in [0, 1].
        y : array-like of shape (n_samples,)
            Class labels (``-1`` unlabelled when ``unlabeled_weight`` is set).
        classes : array-like of shape (n_classes,), default=None
            Every class of the problem: required on the first call, optional
            (and then the same) later.

        Returns
        -------
        self : ClassRBM
            The updated classifier.
        """
        return self._partial_fit_classes(X, y, classes)

    # ------------------------------------------------------- template hooks
    def _is_initialized(self):
        return hasattr(self, "components_")

    def _semi_supervised(self):
        return self.unlabeled_weight is not None

    def _check_masks(self, n_features):
        if self.visible_masks is None:
            return
        if self.n_factors or self._semi_supervised():
            raise ValueError(
                "visible_masks does not combine with class-multiplicative factors or "
                f"unlabelled rows: got n_factors={self.n_factors}, "
                f"unlabeled_weight={self.unlabeled_weight!r}."
            )
        if self.visible_masks == "exact" and n_features > self.exact_limit:
            raise ValueError(
                f"visible_masks='exact' enumerates the 2**n_features mask states: at most "
                f"exact_limit={self.exact_limit} inputs, got {n_features}. Use "
                "visible_masks='mean_field'."
            )

    def _check_training_data(self, X, y, *, reset):
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32))
        self._check_masks(X.shape[1])
        check_classification_targets(y)
        labelled = self._labelled(y)
        classes = np.unique(y[labelled])
        if reset and hasattr(self, "_partial_classes"):
            self._first_call_classes(classes)
        elif reset and len(classes) < 2:
            raise ValueError(
                f"ClassRBM needs labelled samples of at least 2 classes; got {len(classes)} "
                f"class{'' if len(classes) == 1 else 'es'}."
            )
        if not reset and not np.all(np.isin(classes, self.classes_)):
            raise ValueError(
                f"y has classes not seen in the first fit: "
                f"{np.setdiff1d(classes, self.classes_)!r}; a warm start keeps the classes."
            )
        X = np.ascontiguousarray(X, dtype=resolve_dtype(self.dtype, X))
        self._check_support(X)
        return X, y

    def _labelled(self, y):
        if not self._semi_supervised() or y.dtype.kind not in "iuf":
            return np.ones(y.shape[0], dtype=bool)
        return y != -1

    def _set_classes(self, y):
        self.classes_ = self._first_call_classes(np.unique(y[self._labelled(y)]))

    def _training_data(self, X, y):
        if hasattr(self, "dtype_"):  # a warm start keeps the fitted dtype
            X = np.ascontiguousarray(X, dtype=self.dtype_)
        codes = np.full(y.shape[0], -1, dtype=np.int64)
        labelled = self._labelled(y)
        codes[labelled] = np.searchsorted(self.classes_, y[labelled])
        return X, codes

    def _initialize(self, X, y, rng, *, partial):
        self._set_classes(y)
        self.dtype_ = dtype = X.dtype
        nh = self.n_components + self.n_input_only_components
        nf, n_classes = X.shape[1], len(self.classes_)
        self.components_ = np.ascontiguousarray(rng.normal(0.0, 0.01, (nh, nf)), dtype=dtype)
        U = np.zeros((n_classes, nh))
        U[:, : self.n_components] = rng.normal(0.0, 0.01, (n_classes, self.n_components))
        self.class_components_ = np.ascontiguousarray(U, dtype=dtype)
        # factors start at 0.1: their three-way products start at 1e-3
        nfac = self.n_factors
        self.factor_visible_, self.factor_hidden_, self.factor_class_ = (
            np.ascontiguousarray(rng.normal(0.0, 0.1, shape), dtype=dtype)
            for shape in [(nfac, nf), (nh, nfac), (n_classes, nfac)]
        )
        self.mask_intercept_ = np.zeros(nf, dtype=dtype)  # masks start at 1/2
        self.base_rate_ = _BERNOULLI.initial_parameters(X)["bias"].astype(dtype)
        self.intercept_visible_ = self.base_rate_.copy()
        self.intercept_hidden_ = np.zeros(nh, dtype=dtype)
        labelled = y[self._labelled(y)]
        counts = np.array([np.sum(labelled == k) for k in self.classes_], dtype=np.float64)
        self.intercept_class_ = np.log(np.maximum(counts, 1) / counts.sum()).astype(dtype)
        n_chains = self.batch_size if self.n_chains is None else self.n_chains
        self.h_samples_ = np.zeros((n_chains, nh), dtype=dtype) if self.method == "pcd" else None
        self.optimizer_ = self._make_optimizer()
        self.n_iter_ = 0
        self._score_seed = draw_seed(rng)
        self._forget_log_partition()

    def _param_dict(self):
        return {
            "W": self.components_, "b": self.intercept_visible_, "c": self.intercept_hidden_,
            "U": self.class_components_, "d": self.intercept_class_,
            "Fv": self.factor_visible_, "Fh": self.factor_hidden_, "Fl": self.factor_class_,
            "e": self.mask_intercept_,
        }

    def _params(self):
        return (self.components_, self.intercept_visible_, self.intercept_hidden_,
                self.class_components_, self.intercept_class_, self.factor_visible_,
                self.factor_hidden_, self.factor_class_)

    def _blas_work(self, X):
        return self.batch_size * self.components_.shape[0] * X.shape[1]

    def _row_weights(self, y):
        """(discriminative, generative) weight of each row of the objective."""
        labelled = y >= 0
        w_disc = np.where(labelled, 0.0 if self.objective == "generative" else 1.0, 0.0)
        gen = {"generative": 1.0, "discriminative": 0.0, "hybrid": self.alpha}[self.objective]
        unlabelled = self.unlabeled_weight if self._semi_supervised() else 0.0
        w_gen = np.where(labelled, gen, unlabelled)
        return w_disc, w_gen

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        n = X.shape[0]
        order = rng.permutation(n) if shuffle else np.arange(n)
        w_disc, w_gen = self._row_weights(y)
        loss, n_labelled = 0.0, 0
        for start in range(0, n, self.batch_size):
            rows = order[start:start + self.batch_size]
            if self.visible_masks is None:
                grads, log_p = math_.batch_gradient(
                    X[rows], y[rows], self._params(), w_disc[rows], w_gen[rows],
                    self.h_samples_, self.n_gibbs_steps, rng,
                )
            else:
                P, e = self._params()[:5], self.mask_intercept_
                grads, log_p, h_data = masks_.gated_data_phase(
                    X[rows], y[rows], P, e, self.n_components, w_disc[rows], w_gen[rows],
                    self.visible_masks, self.n_mean_field_iter,
                )
                masks_.gated_model_phase(
                    grads, P, e, self.n_components, w_gen[rows], h_data, self.h_samples_,
                    self.n_gibbs_steps, rng,
                )
            grads["U"][:, self.n_components:] = 0.0  # input-only units
            self._step(grads, rows.shape[0])
            labelled = y[rows] >= 0
            loss -= float(log_p[labelled, y[rows][labelled]].sum())
            n_labelled += int(labelled.sum())
            progress(rows.shape[0])
        self._forget_log_partition()
        return {"loss": loss / max(n_labelled, 1)}

    def _validation_score(self, X_val, y_val):
        labelled = y_val >= 0
        log_p = self._class_log_posterior(X_val[labelled])
        return float(np.mean(log_p[np.arange(log_p.shape[0]), y_val[labelled]]))

    # ------------------------------------------------------------ inference
    def _check_support(self, X):
        warn_if_not_binary(X, what="ClassRBM's binary visible units")

    def _check_predict_data(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        self._check_support(X)
        return np.ascontiguousarray(X, dtype=self.dtype_)

    def _class_log_posterior(self, X):
        if self.visible_masks is None:
            return math_.class_log_posterior(X, self._params())
        return masks_.gated_class_log_posterior(
            X, self._params()[:5], self.mask_intercept_, self.n_components,
            self.visible_masks, self.n_mean_field_iter,
        )

    def _class_scores(self, X):
        return self._class_log_posterior(X), "logits"

    def _check_joint_model(self, what):
        if self.visible_masks is not None:
            raise ValueError(
                f"{what} of ClassRBM is not available with visible_masks: its log Z "
                "does not cover the masks (their states are summed only given x)."
            )

    def decision_function(self, X):
        """Class log-posteriors ``log p(k | x)`` (binary: the log-odds of
        ``classes_[1]``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
        """
        log_p = self.predict_log_proba(X)
        return log_p[:, 1] - log_p[:, 0] if log_p.shape[1] == 2 else log_p

    # ------------------------------------------------------------ likelihood
    def _enumerated_units(self):
        return min(self.components_.shape)

    def _exact_log_partition(self):
        return math_.exact_log_partition(self._params())

    def _ais_log_partition(self, n_runs, n_temperatures, random_state):
        return math_.ais_log_partition_classes(
            self._params(), self.base_rate_, n_runs, n_temperatures, random_state
        )

    def score_samples(self, X, return_std=False):
        """Log-likelihood ``log p(x)`` of each input under the joint model
        (the class summed out), in nats.

        ``logsumexp_k(-F(x, k)) - log Z``: exact when ``log Z`` is enumerated
        (see ``log_z``), an estimate with AIS; ``score_kind_`` says which.
        (``score`` is the classifier's accuracy, as for every classifier.)

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return each score's standard error (that of ``log Z``).

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        X = self._check_predict_data(X)
        self._check_joint_model("score_samples")
        with blas_threads():
            log_joint = math_.joint_negative_free_energy(X, self._params())
        scores = logsumexp(log_joint, axis=1) - self.log_partition_
        return self._scores_with_std(scores, return_std)

    def sample(self, n_samples=1, *, n_steps=1000, return_labels=False, random_state=None):
        """Draw inputs (and classes) from the joint model by block Gibbs sampling.

        Chains start from the independent model of the training marginals
        (``base_rate_``) and the class prior of ``intercept_class_``.

        Parameters
        ----------
        n_samples : int, default=1
        n_steps : int, default=1000
            Gibbs sweeps ``h -> (x, y) -> h`` per chain.
        return_labels : bool, default=False
            Also return the sampled classes.
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        y : ndarray of shape (n_samples,)
            Values of ``classes_``; only when ``return_labels=True``.
        """
        rng = self._sampling_rng(n_samples, random_state, n_steps=n_steps)
        dtype = self.dtype_
        P = self._params()
        x0 = (rng.random((n_samples, self.n_features_in_)) < expit(self.base_rate_)).astype(dtype)
        prior = np.broadcast_to(self.intercept_class_, (n_samples, len(self.classes_)))
        y0 = math_.sample_classes(prior, rng)
        if self.visible_masks is None:
            h_mean = math_.hidden_given(x0, y0, P)
        else:  # masks start from their biases
            e = self.mask_intercept_
            z0 = (rng.random(x0.shape) < expit(e)).astype(dtype)
            h_mean = masks_.hidden_given(x0, z0, y0, P[:5], self.n_components)
        h = (rng.random(h_mean.shape) < h_mean).astype(dtype)
        if self.visible_masks is None:
            x, y, _, _ = math_.gibbs_joint(h, P, n_steps, rng)
        else:
            x, _, y, _, _ = masks_.gibbs_joint(h, P[:5], e, self.n_components, n_steps, rng)
        return (x, self.classes_[y]) if return_labels else x
