"""Restricted Boltzmann machine with categorical (softmax) visible units.

Each feature is one categorical variable, coded one-hot in a softmax group of
the visible layer (the unit type :class:`~._units.CategoricalUnits`); the
hidden units are binary. Energy::

    E(v, h) = -sum_f b_{f, v_f} - c.h - sum_f h.W[:, f, v_f]

so ``p(h_i = 1 | v) = sigmoid(c_i + sum_f W[i, f, v_f])`` and
``p(v_f = k | h) = softmax_k(b_{f, k} + (W.T h)_{f, k})``. Summing out the
visible layer group by group gives ``log Z`` as an enumeration of the hidden
layer only; larger hidden layers get an AIS estimate (``_ais/_rbm.py``).
"""

from numbers import Integral

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils.validation import resolve_dtype
from ._kernels._categorical import SGDHyper
from ._rbm_base import BaseRBM
from ._units import check_unit_type
from ._unit_math import _warn_if_not_codes

__all__ = ["CategoricalRBM"]


def _learn_categories(X, categories):
    """The sorted categories of each column: learned ("auto") or checked."""
    if isinstance(categories, str):  # "auto"
        return [np.unique(X[:, f]) for f in range(X.shape[1])]
    if len(categories) != X.shape[1]:
        raise ValueError(
            f"categories must have one array per feature: got {len(categories)} "
            f"arrays for {X.shape[1]} features."
        )
    result = []
    for f, cats in enumerate(categories):
        cats = np.asarray(cats)
        if cats.ndim != 1 or cats.size == 0 or not np.array_equal(cats, np.unique(cats)):
            raise ValueError(
                f"categories[{f}] must be a non-empty 1-D array of sorted, unique "
                "values (as sklearn.preprocessing.OneHotEncoder)."
            )
        unknown = np.setdiff1d(X[:, f], cats)
        if unknown.size:
            raise ValueError(
                f"Found unknown categories {unknown[:5].tolist()} in column {f} during "
                "fit: they are not in the given categories."
            )
        result.append(cats)
    return result


class CategoricalRBM(BaseRBM):
    """Restricted Boltzmann machine with categorical visible units.

    Takes integer-coded features like :class:`sklearn.naive_bayes.CategoricalNB`:
    each feature is a categorical variable with its own softmax group of
    visible units (one-hot coded internally), and the hidden units are
    binary. Energy::

        E(v, h) = -sum_f b_{f, v_f} - c.h - sum_f h.W[:, f, v_f]

    with ``W = components_`` (its columns ``feature_offsets_[f]`` to
    ``feature_offsets_[f + 1]`` belong to feature ``f``, one per category),
    ``b = intercept_visible_`` and ``c = intercept_hidden_``.

    ``score_samples`` is the exact log-probability (nats) of each row,
    ``-F(v) - log Z``, with ``log Z = logsumexp_h [c.h + sum_f logsumexp_k
    (b + W.T h)_{f,k}]`` enumerated over the hidden layer when
    ``n_components <= exact_limit`` (then ``score_kind_ == "exact"``), else
    estimated by annealed importance sampling from the independent model of
    the category frequencies (``base_rate_``; ``score_kind_ == "estimate"``,
    and ``score_samples(X, return_std=True)`` gives its standard error).

    Parameters
    ----------
    n_components : int, default=256
        Number of binary hidden units (at most ``exact_limit`` for an exact
        log-likelihood).
    categories : "auto" or list of array-like, default="auto"
        Categories of each feature: learned from the training data (the
        sorted unique values, as :class:`~sklearn.preprocessing.OneHotEncoder`),
        or given, one sorted array per feature.
    handle_unknown : {"error", "ignore"}, default="error"
        A value that is not a category at ``transform``/``score_samples``
        time raises a ValueError, or (``"ignore"``) leaves its group empty:
        the feature then contributes nothing to the hidden units, and the
        row's log-likelihood is ``-inf`` (it has probability 0). Training
        data must always be known categories.
    learning_rate : float, default=0.1
        Learning rate of the (mean-gradient) updates.
    batch_size : int, default=10
        Number of examples per minibatch (batches are split evenly).
    max_iter : int, default=10
        Number of epochs (the maximum when ``early_stopping=True``).
    verbose : int, default=0
        1 prints per-epoch time, reconstruction error and the log-likelihood
        when it is cheap; 2 also shows a progress bar when tqdm is installed.
    random_state : int, RandomState instance, Generator or None, default=None
        Fixes initialisation, sampling and training: the same seed and data
        give bit-identical parameters, samples and scores.
    method : {"pcd", "cd"}, default="pcd"
        Persistent contrastive divergence or contrastive divergence.
    n_gibbs_steps : int, default=1
        Gibbs sweeps per update (the k of CD-k / PCD-k).
    n_chains : int or None, default=None
        Number of persistent chains; None means ``batch_size``.
    momentum : float, default=0.0
        Momentum of the parameter updates.
    weight_decay : float, default=0.0
        Weight penalty coefficient (on ``components_`` only).
    penalty : {"l2", "l1"}, default="l2"
        Kind of weight penalty.
    learning_rate_schedule : {"constant", "linear"}, default="constant"
        ``"linear"`` decays the learning rate linearly to 0 over the epochs.
    shuffle : bool, default=True
        Shuffle the rows every epoch.
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Compute dtype; None follows the input (float32 stays float32, other
        input is computed in float64).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its
        score has not improved by ``tol`` for ``n_iter_no_change`` epochs;
        the best parameters are kept. The score is the exact log-likelihood
        when enumerating the hidden layer (at most 16 units) costs at most
        about a tenth of an epoch (``2**n_components <= 0.2 (1 +
        n_gibbs_steps)`` training rows), else minus the reconstruction error.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    warm_start : bool, default=False
        Continue from the fitted parameters and chains on ``fit``.
    log_z : {"auto", "exact", "ais"} or float, default="auto"
        How ``log Z`` is obtained for ``score_samples``: ``"auto"`` enumerates
        the hidden layer when ``n_components <= exact_limit`` and runs AIS
        otherwise; ``"exact"`` always enumerates (up to 30 units), ``"ais"``
        always estimates; a number is taken as given. An AIS estimate whose
        effective sample size is below a tenth of its runs raises
        :class:`~skgenerative.exceptions.UnreliableEstimateWarning`.
    exact_limit : int, default=20
        Largest number of hidden units enumerated for the exact ``log Z``.
    ais_n_runs : int, default=100
        AIS chains when ``log Z`` is estimated (``log_partition_result_``
        holds the estimate with its standard error and effective sample size).
    ais_n_temperatures : int or None, default=None
        Length of the AIS schedule; None is the 14,501 temperatures of
        Salakhutdinov & Murray (2008).

    Attributes
    ----------
    categories_ : list of ndarray
        The categories of each feature (the dtype of the training data).
    feature_offsets_ : ndarray of shape (`n_features_in_` + 1,)
        The one-hot columns of feature ``f`` are
        ``feature_offsets_[f]:feature_offsets_[f + 1]``.
    components_ : ndarray of shape (n_components, feature_offsets_[-1])
        Weight matrix W (one column per category of each feature).
    intercept_hidden_ : ndarray of shape (n_components,)
        Biases of the hidden units, c.
    intercept_visible_ : ndarray of shape (feature_offsets_[-1],)
        Biases of the categories, b.
    h_samples_ : ndarray of shape (n_chains, n_components)
        Hidden states of the persistent chains.
    base_rate_ : ndarray of shape (feature_offsets_[-1],)
        Log-frequencies of the categories in the training data (clipped): the
        independent model that starts fresh sampling chains and AIS.
    log_partition_ : float
        log Z (computed on first use, then cached).
    log_partition_result_ : LogPartitionResult or AISResult
        How ``log_partition_`` was obtained, with its standard error.
    score_kind_ : str
        ``"exact"`` when ``log Z`` is enumerated, ``"estimate"`` when it is
        an AIS estimate or given.
    n_iter_ : int
        Epochs run.
    random_state_ : numpy.random.Generator
        The estimator's random stream.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined when X has string feature names.

    See Also
    --------
    BernoulliRBM : Binary visible units.
    sklearn.naive_bayes.CategoricalNB : Independent categorical features.
    sklearn.preprocessing.OrdinalEncoder : Integer-code string categories.

    References
    ----------
    Salakhutdinov, R., Mnih, A. and Hinton, G. (2007). Restricted Boltzmann
    machines for collaborative filtering. ICML.

    Salakhutdinov, R. and Murray, I. (2008). On the quantitative analysis of
    deep belief networks. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import CategoricalRBM
    >>> X = np.array([[0, 2], [1, 0], [2, 1], [0, 2], [1, 0]])
    >>> model = CategoricalRBM(n_components=3, random_state=0).fit(X)
    >>> model.transform(X).shape
    (5, 3)
    >>> model.sample(2, random_state=0).shape
    (2, 2)
    >>> grid = np.array([[a, b] for a in range(3) for b in range(3)])
    >>> round(float(np.exp(model.score_samples(grid)).sum()), 6)
    1.0
    """

    _parameter_constraints: dict = {
        **BaseRBM._parameter_constraints,
        "categories": [StrOptions({"auto"}), list],
        "handle_unknown": [StrOptions({"error", "ignore"})],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components=256,
        *,
        categories="auto",
        handle_unknown="error",
        learning_rate=0.1,
        batch_size=10,
        max_iter=10,
        verbose=0,
        random_state=None,
        method="pcd",
        n_gibbs_steps=1,
        n_chains=None,
        momentum=0.0,
        weight_decay=0.0,
        penalty="l2",
        learning_rate_schedule="constant",
        shuffle=True,
        dtype=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        warm_start=False,
        log_z="auto",
        exact_limit=20,
        ais_n_runs=100,
        ais_n_temperatures=None,
    ):
        self.n_components = n_components
        self.categories = categories
        self.handle_unknown = handle_unknown
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.verbose = verbose
        self.random_state = random_state
        self.method = method
        self.n_gibbs_steps = n_gibbs_steps
        self.n_chains = n_chains
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.penalty = penalty
        self.learning_rate_schedule = learning_rate_schedule
        self.shuffle = shuffle
        self.dtype = dtype
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.log_z = log_z
        self.exact_limit = exact_limit
        self.ais_n_runs = ais_n_runs
        self.ais_n_temperatures = ais_n_temperatures

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to the integer-coded data X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Category codes (integers, or any numeric values: each distinct
            value of a column is a category).
        y : None
            Ignored.

        Returns
        -------
        self : CategoricalRBM
            The fitted model.
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Fit the model to one block of data: one pass over X in minibatches.

        The first call fixes the categories (from its block when
        ``categories="auto"``: later blocks may not bring new values).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Category codes.
        y : None
            Ignored.

        Returns
        -------
        self : CategoricalRBM
            The fitted model.
        """
        return self._partial_fit(X)

    # ------------------------------------------------------------ validation
    def _validate_codes(self, X, *, reset):
        X = validate_data(self, X, dtype="numeric", reset=reset)
        _warn_if_not_codes(type(self).__name__, X)
        return X

    def _validate_X(self, X, *, reset):
        # inference: category codes in, the one-hot layer out
        return self._encode(self._validate_codes(X, reset=reset))

    def _check_training_data(self, X, y, *, reset):
        return self._validate_codes(X, reset=reset), None

    def _check_support(self, X):
        pass  # the codes were checked by _validate_codes

    # ----------------------------------------------------------- fitting
    def _initialize(self, X, y, rng=None, *, partial=False):
        categories = _learn_categories(X, self.categories)
        units = check_unit_type(
            "categorical", categories=categories, handle_unknown=self.handle_unknown
        )
        V = units.encode(X, dtype=resolve_dtype(self.dtype, X), handle_unknown="error")
        self.categories_ = categories
        self.feature_offsets_ = units.offsets
        self._visible_units = units
        super()._initialize(V, y, rng, partial=partial)

    def _training_data(self, X, y):
        self._ensure_contiguous_state()
        return self._encode(X, handle_unknown="error"), y

    def _init_visible(self, V, rng):
        bias = self._visible_units.initial_parameters(V)["bias"]
        self.base_rate_ = bias.astype(self.components_.dtype)
        self.intercept_visible_ = self.base_rate_.copy()

    def _hyper(self, learning_rate):
        decay = self.weight_decay
        return SGDHyper(
            learning_rate=float(learning_rate),
            momentum=float(self.momentum),
            l2=float(decay) if self.penalty == "l2" else 0.0,
            l1=float(decay) if self.penalty == "l1" else 0.0,
            n_gibbs_steps=int(self.n_gibbs_steps),
            persistent=self.method == "pcd",
        )

    def _epoch_kernel(self, X, rows, bounds, hyper, rng):
        self._visible_units.train_epoch(
            X, rows, bounds,
            (self.components_, self.intercept_visible_, self.intercept_hidden_),
            self._velocity, self.h_samples_, self.feature_offsets_, hyper, rng,
        )

    # ------------------------------------------------------------ likelihood
    def score_samples(self, X, return_std=False):
        """Log-probability log p(v) of each row, in nats.

        ``-F(v) - log Z``: exact when ``log Z`` is enumerated (at most
        ``exact_limit`` hidden units), otherwise with an AIS estimate of
        ``log Z`` (see ``log_z``, ``estimate_log_partition`` and
        ``log_partition_ci_``), cached and deterministic after ``fit``. With
        ``handle_unknown="ignore"`` a row holding an unknown category scores
        ``-inf``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Category codes.
        return_std : bool, default=False
            Also return the standard error of each score: the error of the
            AIS estimate of ``log Z`` (0 when exact or given).

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        check_is_fitted(self)
        V = self._validate_X(X, reset=False)
        log_prob = self._log_likelihood(V)
        known = V.sum(axis=1) == self.n_features_in_
        log_prob = np.where(known, log_prob, -np.inf).astype(V.dtype, copy=False)
        return self._scores_with_std(log_prob, return_std)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags
