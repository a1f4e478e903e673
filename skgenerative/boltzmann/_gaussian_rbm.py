"""Gaussian-Bernoulli restricted Boltzmann machine (§20.5.1).

Real-valued visible units with a diagonal precision, binary hidden units.
Energy (eq. 20.42 with a visible mean)::

    E(v, h) = 1/2 sum_j beta_j (v_j - b_j)^2 - sum_j beta_j v_j (W.T h)_j - c.h

so that ``p(v | h) = N(b + W.T h, 1 / beta)`` and
``p(h_i = 1 | v) = sigmoid(c_i + (W (beta * v))_i)``. Given ``h`` the
visible layer is a Gaussian, so ``log Z`` is an enumeration over the hidden
layer of analytic Gaussian integrals.

Training runs in a standardized space (``z = (v - mean) / std`` of the
training data, an affine reparametrisation of the same model), so the
gradient steps are well scaled whatever the units of the data; the fitted
attributes are always the parameters of the density of the data as given.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ._kernels._hyper import epoch_hyper
from ._rbm_base import BaseRBM
from ._rbm_methods import keep_ladder, tempered_ladder
from ._units import check_unit_type
from ._unit_math import _LOG_PRECISION_MIN

__all__ = ["GaussianBernoulliRBM"]


class GaussianBernoulliRBM(BaseRBM):
    """Gaussian-Bernoulli restricted Boltzmann machine (real visible units).

    Real-valued visible units with diagonal precision ``beta`` and binary
    hidden units (§20.5.1). Energy::

        E(v, h) = 1/2 sum_j beta_j (v_j - b_j)^2 - sum_j beta_j v_j (W.T h)_j - c.h

    with ``W = components_``, ``b = intercept_visible_``,
    ``c = intercept_hidden_`` and ``beta = precision_``; so
    ``p(v | h) = N(b + W.T h, diag(1 / beta))`` and
    ``p(h_i = 1 | v) = sigmoid(c_i + sum_j W_ij beta_j v_j)``.

    ``score_samples`` is the exact log-density (nats) of the data as given,
    ``-F(v) - log Z``, with ``log Z`` computed by enumerating the hidden layer
    (the Gaussian integral over ``v`` is analytic for each hidden state) when
    ``n_components <= exact_limit``.

    Training uses CD-k or PCD-k in a standardized space (the training data's
    per-feature mean and standard deviation, an affine reparametrisation of
    the same model), so the steps are well scaled whatever the units of the
    data. With the default ``precision="auto"`` the model's conditional
    variance equals the data variance at initialisation; a fixed numeric
    precision expects data of matching scale (standardize with
    :class:`~sklearn.preprocessing.StandardScaler`): when the data vary far
    more than ``1 / sqrt(precision)`` an
    :class:`~skgenerative.exceptions.OutOfSupportWarning` says so,
    and training may then diverge (a ``FloatingPointError`` names the epoch;
    the parameters of the last finite epoch are kept, never NaN).

    Parameters
    ----------
    n_components : int, default=256
        Number of binary hidden units.
    learning_rate : float, default=0.01
        Learning rate of the (mean-gradient) updates, in the standardized
        space. Gaussian visibles want smaller rates than binary ones.
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
    method : {"pcd", "cd", "pt"}, default="pcd"
        Persistent contrastive divergence, contrastive divergence, or
        stochastic maximum likelihood whose negative phase is the
        temperature-1 chain of parallel tempering (Desjardins et al. 2010):
        ``n_temperatures`` copies of the persistent chains at inverse
        temperatures ``t = linspace(1, 0, n_temperatures)`` that temper only
        the coupling and hidden-bias terms, ``p_t(v, h) ~ exp(-1/2 sum_j
        beta_j (v_j - b_j)^2 + t (beta v)^T W^T h + t c.h)``, so every rung
        is a proper density (``t = 0``: the base model ``N(b, 1 / beta)``
        times uniform hidden units); each step a tempered Gibbs sweep
        followed by Metropolis swaps between neighbouring temperatures
        (acceptance in ``swap_acceptance_``).
    n_gibbs_steps : int, default=1
        Gibbs sweeps per update (the k of CD-k / PCD-k; tempered steps for
        ``"pt"``).
    n_chains : int or None, default=None
        Number of persistent chains (per temperature for ``"pt"``); None
        means ``batch_size``.
    n_temperatures : int, default=10
        Number of temperatures of ``method="pt"`` (ignored otherwise).
    momentum : float, default=0.0
        Momentum of the parameter updates.
    weight_decay : float, default=0.0
        Weight penalty coefficient (on ``components_`` only, in the
        standardized space).
    penalty : {"l2", "l1"}, default="l2"
        Kind of weight penalty.
    learning_rate_schedule : {"constant", "linear"}, default="constant"
        ``"linear"`` decays the learning rate linearly to 0 over the epochs.
    shuffle : bool, default=True
        Shuffle the rows every epoch.
    precision : "auto", float or array-like of shape (n_features,), default="auto"
        Precision (inverse variance) of the visible units given the hidden
        ones, in the units of the data. ``"auto"`` uses
        ``1 / max(var_j, min_variance)`` of the training data per feature. A
        number or array fixes it (e.g. ``1.0`` for standardized data). With
        ``learn_precision=True`` it is the starting value.
    learn_precision : bool, default=False
        Learn the precisions by gradient ascent on their logarithm (so they
        stay positive). The variances ``1 / precision_`` stay between
        ``min_variance`` and 10**4 times the training variance of each feature.
    min_variance : float, default=1e-3
        Floor of the variances (``1 / precision_``) that ``"auto"`` and
        learning can produce, in the units of the data: constant features
        (e.g. an image background) cannot drive the density to infinity
        (§20.14). Also the floor of the standard deviations used to
        standardize during training.
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Compute dtype; None follows the input (float32 stays float32).
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
        the hidden layer when it has at most ``exact_limit`` units and runs
        AIS (from the base model ``N(base_rate_, 1 / precision_)``, seeded at
        ``fit``) otherwise; a float is used as given. An AIS estimate whose
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
    components_ : ndarray of shape (n_components, n_features)
        Weight matrix W.
    intercept_hidden_ : ndarray of shape (n_components,)
        Biases of the hidden units, c.
    intercept_visible_ : ndarray of shape (n_features,)
        Visible means at h = 0, b.
    precision_ : ndarray of shape (n_features,)
        Conditional precisions ``beta`` of the visible units.
    h_samples_ : ndarray of shape (n_chains, n_components)
        Hidden states of the persistent chains (the temperature-1 block for
        ``"pt"``).
    swap_acceptance_ : ndarray of shape (n_temperatures - 1,)
        ``method="pt"`` only: the fraction of accepted swaps between
        neighbouring temperatures in the last epoch.
    base_rate_ : ndarray of shape (n_features,)
        Training mean: the base model ``N(base_rate_, 1 / precision_)`` starts
        fresh sampling chains and AIS.
    log_partition_ : float
        log Z (computed on first use, then cached).
    log_partition_ci_ : tuple of float
        Interval of ``log_partition_`` (a point when exact).
    score_kind_ : str
        ``"exact"`` when ``log Z`` is enumerated, else ``"estimate"``.
    n_iter_ : int
        Epochs run.
    random_state_ : numpy.random.Generator
        The estimator's random stream (continued by ``partial_fit``,
        ``gibbs`` and ``sample``).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined when X has string feature names.

    See Also
    --------
    BernoulliRBM : Binary visible units.
    sklearn.preprocessing.StandardScaler : Standardize data for a fixed
        unit precision.

    References
    ----------
    Hinton, G. E. and Salakhutdinov, R. R. (2006). Reducing the dimensionality
    of data with neural networks. Science 313.

    Cho, K., Ilin, A. and Raiko, T. (2011). Improved learning of
    Gaussian-Bernoulli restricted Boltzmann machines. ICANN.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import GaussianBernoulliRBM
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> model = GaussianBernoulliRBM(n_components=4, random_state=0).fit(X)
    >>> model.transform(X).shape
    (200, 4)
    >>> model.sample(2, random_state=0).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        **BaseRBM._parameter_constraints,
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "method": [StrOptions({"pcd", "cd", "pt"})],
        "n_temperatures": [Interval(Integral, 2, None, closed="left")],
        "precision": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="neither"),
            "array-like",
        ],
        "learn_precision": ["boolean"],
        "min_variance": [Interval(Real, 0, None, closed="neither")],
    }

    _visible_units = check_unit_type("gaussian")
    _state_names = BaseRBM._state_names + ("precision_", "_velocity_precision")
    _parameter_names = BaseRBM._parameter_names + ("precision_",)

    def __init__(
        self,
        n_components=256,
        *,
        learning_rate=0.01,
        batch_size=10,
        max_iter=10,
        verbose=0,
        random_state=None,
        method="pcd",
        n_gibbs_steps=1,
        n_chains=None,
        n_temperatures=10,
        momentum=0.0,
        weight_decay=0.0,
        penalty="l2",
        learning_rate_schedule="constant",
        shuffle=True,
        precision="auto",
        learn_precision=False,
        min_variance=1e-3,
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
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.verbose = verbose
        self.random_state = random_state
        self.method = method
        self.n_gibbs_steps = n_gibbs_steps
        self.n_chains = n_chains
        self.n_temperatures = n_temperatures
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.penalty = penalty
        self.learning_rate_schedule = learning_rate_schedule
        self.shuffle = shuffle
        self.precision = precision
        self.learn_precision = learn_precision
        self.min_variance = min_variance
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

    # ------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to the data X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (real values).
        y : None
            Ignored.

        Returns
        -------
        self : GaussianBernoulliRBM
            The fitted model.
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Fit the model to one block of data: one pass over X in minibatches.

        The first call fixes the standardization (and ``precision="auto"``)
        from its block. Persistent chains, momentum and the random stream
        carry over.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : GaussianBernoulliRBM
            The fitted model.
        """
        return self._partial_fit(X)

    def _validate_X(self, X, *, reset):
        # dense only: the quadratic energy term makes sparsity useless
        return validate_data(self, X, dtype=(np.float64, np.float32), reset=reset)

    def _ensure_contiguous_state(self):
        super()._ensure_contiguous_state()
        self.precision_ = np.ascontiguousarray(self.precision_, dtype=self.components_.dtype)

    def _hyper(self, learning_rate):
        decay = self.weight_decay
        return epoch_hyper(
            learning_rate,
            momentum=self.momentum,
            l2=decay if self.penalty == "l2" else 0.0,
            l1=decay if self.penalty == "l1" else 0.0,
            n_gibbs_steps=self.n_gibbs_steps,
            persistent=self.method == "pcd",
            learn_precision=self.learn_precision,
            min_log_precision=_LOG_PRECISION_MIN,
        )

    def _initialize(self, X, y, rng=None, *, partial=False):
        # reject a bad precision before any fitted attribute is set
        self._visible_units.check_precision(self.precision, X.shape[1])
        super()._initialize(X, y, rng, partial=partial)
        self._tempered_chains = None  # created by the first "pt" epoch

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        if self.method != "pt":
            return super()._run_epoch(X, y, rng, progress, shuffle=shuffle)
        self._swap_counts = np.zeros((2, self.n_temperatures - 1))
        stats = super()._run_epoch(X, y, rng, progress, shuffle=shuffle)
        accepted, proposed = self._swap_counts
        self.swap_acceptance_ = accepted / np.maximum(proposed, 1.0)
        if self.verbose:
            stats["swap acceptance"] = float(np.mean(self.swap_acceptance_))
        return stats

    def _visible_params(self):
        return {"precision": self.precision_}

    # ------------------------------------------------------------ unit hooks
    def _init_visible(self, X, rng):
        dtype = self.components_.dtype
        init = self._visible_units.initial_parameters(
            X, precision=self.precision, min_variance=self.min_variance,
            learn_precision=self.learn_precision,
        )
        mean, std, beta = init["mean"], init["std"], init["precision"]
        self._scaling = (mean, std)
        # small weights and zero biases in the standardized space:
        # W = W_z * std, b = mean, c = -W (beta * mean)
        W = self.components_.astype(np.float64) * std
        self.components_ = np.ascontiguousarray(W, dtype=dtype)
        self.intercept_visible_ = mean.astype(dtype)
        self.intercept_hidden_ = (-(W @ (beta * mean))).astype(dtype)
        self.precision_ = beta.astype(dtype)
        self.base_rate_ = mean.astype(dtype)
        self._velocity_precision = np.zeros_like(self.precision_)

    def _epoch_kernel(self, X, rows, bounds, hyper, rng):
        params = (self.components_, self.intercept_visible_, self.intercept_hidden_,
                  self.precision_)
        tempering = {}
        if self.method == "pt":
            tempering = dict(ladder=tempered_ladder(self), swaps=self._swap_counts)
        (self.components_, self.intercept_visible_, self.intercept_hidden_,
         self.precision_) = self._visible_units.train_epoch(
            X, rows, bounds, params, self._velocity + (self._velocity_precision,),
            self.h_samples_, hyper, rng, scaling=self._scaling,
            min_variance=self.min_variance, learn_precision=self.learn_precision,
            **tempering,
        )
        if tempering:
            keep_ladder(self, tempering["ladder"])

    def _check_support(self, X):
        """Warn when a fixed precision does not match the scale of the data."""
        if self.learn_precision or X.shape[0] < 2:
            return
        if isinstance(self.precision, str):
            return  # "auto" matches the data by construction
        if hasattr(self, "precision_"):
            beta = self.precision_
        else:
            beta = np.asarray(self.precision, dtype=np.float64)
        self._visible_units.check_support(X, type(self).__name__, precision=beta)

    def score_samples(self, X, return_std=False):
        """Log-density log p(v) of each row, in nats.

        ``-F(v) - log Z``, a density of the data as given (not of standardized
        data): exact when ``n_components <= exact_limit`` (``log Z`` by
        enumeration of the hidden layer), otherwise with an AIS estimate of
        ``log Z`` (see ``log_z``, ``estimate_log_partition`` and
        ``log_partition_ci_``), cached and deterministic after ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard error of each score: the error of the
            AIS estimate of ``log Z`` (0 when exact or given).

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        return super().score_samples(X, return_std=return_std)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags
