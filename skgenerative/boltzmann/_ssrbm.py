"""Spike and slab restricted Boltzmann machine (§20.5.2, eqs. 20.50-20.53).

The estimator: validation, initialisation, the PCD epochs and the public
methods. The math (conditionals, free energy and its gradients, the
normalisability condition, exact and AIS ``log Z``) is in
:mod:`._ssrbm_math`.
"""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import GenerativeMixin, TrainableMixin
from ..utils.random import check_generator, draw_seed
from ..utils.validation import resolve_dtype
from . import _ssrbm_math as ss
from ._log_partition import LogPartitionMixin
from ._unit_math import _warn_if_unscaled

__all__ = ["SpikeSlabRBM"]

#: Variance floor of the initial visible precision (constant features).
_MIN_VARIANCE = 1e-3

#: Adam's decay rates and floor (Kingma & Ba, 2015).
_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8


def _adam_steps(grads, moments, t, learning_rate):
    """Adam steps (ascent) for ``grads``; updates the first and second
    moments in ``moments`` in place; ``t`` is the 1-based update count."""
    first, second = moments
    size = learning_rate * np.sqrt(1 - _BETA2**t) / (1 - _BETA1**t)
    steps = []
    for g, m, v in zip(grads, first, second):
        m *= _BETA1
        m += (1 - _BETA1) * g
        v *= _BETA2
        v += (1 - _BETA2) * g * g
        steps.append(size * m / (np.sqrt(v) + _EPS))
    return steps


class SpikeSlabRBM(ClassNamePrefixFeaturesOutMixin, LogPartitionMixin, GenerativeMixin,
                   TransformerMixin, TrainableMixin, BaseEstimator):
    """Spike and slab restricted Boltzmann machine (ssRBM) for real-valued data.

    Binary spike units ``h`` and real slab units ``s`` (one of each per
    component) over real visible units ``x`` (§20.5.2; Courville et al.,
    2011). Energy (eqs. 20.50-20.51), with ``x`` centred by ``mean_``::

        E(x, s, h) = - sum_i x.W_i s_i h_i + 1/2 x' (Lambda + sum_i Phi_i h_i) x
                     + 1/2 sum_i alpha_i s_i^2 - sum_i alpha_i mu_i s_i h_i
                     - sum_i b_i h_i + sum_i alpha_i mu_i^2 h_i

    with ``W = components_``, ``b = intercept_hidden_``, ``mu =
    slab_mean_``, ``alpha = slab_precision_``, ``Phi = spike_precision_``
    (diagonal, non-negative) and ``Lambda = precision_`` (diagonal). When a
    spike is on, its slab adds variance along ``W_i``: the model captures the
    covariance of the data, which a Gaussian-Bernoulli RBM cannot. Every
    conditional is tractable (``p(h | x)`` Bernoulli, ``p(s | x, h)`` and
    ``p(x | s, h)`` Gaussian with diagonal covariance), so training is PCD
    with block Gibbs sampling, and no matrix is inverted.

    **Normalisability.** Given the spikes alone, ``x`` is Gaussian with
    precision ``Lambda + sum_i h_i (Phi_i - W_i W_i' / alpha_i)`` (eq.
    20.53); when it is not positive definite the model has no density. The
    model keeps the sufficient condition ``rho < 1``, where ``rho`` is the
    largest eigenvalue of ``Lambda^-1/2 (sum_i W_i W_i' / alpha_i)
    Lambda^-1/2`` (``Phi >= 0`` can only help), i.e. ``Lambda`` large enough
    for the filters: after every update, when ``rho > 1 -
    precision_margin``, ``W`` is shrunk by the common factor that brings
    ``rho`` back to ``1 - precision_margin``. (Raising ``Lambda`` instead
    is a ratchet: the gradient answers a larger ``Lambda`` by growing ``W``,
    and both diverge.) A model whose parameters were changed
    by hand so that ``rho >= 1`` raises
    :class:`~skgenerative.exceptions.PartitionFunctionError` naming the fix
    in ``score_samples`` and ``sample``.

    **Data.** Real values, standardized or (better, for images) whitened
    first, e.g. with :class:`~sklearn.decomposition.PCA` ``(whiten=True)``
    or :func:`skgenerative.datasets.load_image_patches`. The model subtracts
    the training mean and starts ``Lambda`` at the inverse training
    variances, but the learning rate assumes unit scale: data that vary far
    more raise an :class:`~skgenerative.exceptions.OutOfSupportWarning`.

    ``score_samples`` is ``-F(x) - log Z``: exact when ``n_components <=
    exact_limit`` (``log Z`` by enumerating the ``2**n_components`` spike
    states, with the slabs and visibles integrated analytically for each),
    otherwise an AIS estimate (``score_kind_ == "estimate"``).

    Parameters
    ----------
    n_components : int, default=64
        Number of spike (and slab) units.
    learning_rate : float, default=0.01
        Step size of the Adam updates of the PCD gradient (on ``W``, ``b``,
        ``mu``, ``Phi`` and ``log Lambda``).
    batch_size : int, default=100
        Rows per minibatch (batches are split evenly).
    max_iter : int, default=20
        Number of epochs (the maximum when ``early_stopping=True``).
    verbose : int, default=0
        1 prints per-epoch statistics; 2 also a progress bar (with tqdm).
    random_state : int, RandomState instance, Generator or None, default=None
        Fixes initialisation, sampling and training bit for bit.
    n_gibbs_steps : int, default=1
        Block-Gibbs sweeps of the persistent chains per update.
    n_chains : int or None, default=None
        Number of persistent chains; None means ``batch_size``.
    weight_decay : float, default=0.0
        L2 penalty on ``components_``.
    slab_precision : float, default=1.0
        Slab precision ``alpha`` of every unit, fixed: the energy is
        invariant under ``(W_i, alpha_i, mu_i) -> (W_i / c, alpha_i / c**2,
        c mu_i)`` (rescaling the slab ``s_i -> c s_i``), so a learned
        ``alpha`` adds no model, only a direction in which training drifts.
    precision_margin : float, default=0.1
        The margin of the normalisability condition: training keeps
        ``rho <= 1 - precision_margin``.
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Compute dtype; None follows the input.
    shuffle : bool, default=True
        Shuffle the rows every epoch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its
        log-likelihood (when ``log Z`` is exact; else minus the
        reconstruction error) stops improving by ``tol`` for
        ``n_iter_no_change`` epochs; the best parameters are kept.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    warm_start : bool, default=False
        Continue from the fitted parameters and chains on ``fit``.
    log_z : {"auto", "exact", "ais"} or float, default="auto"
        How ``log Z`` is obtained: ``"auto"`` enumerates the spikes when
        ``n_components <= exact_limit``, else AIS; a float is used as given.
    exact_limit : int, default=12
        Largest number of spikes enumerated (``2**n`` Cholesky
        factorisations of ``n_features``-square matrices).
    ais_n_runs : int, default=100
        AIS chains.
    ais_n_temperatures : int or None, default=None
        Length of the AIS schedule; None is the 14,501 temperatures of
        Salakhutdinov & Murray (2008).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Slab filters ``W`` (one row per unit).
    intercept_hidden_ : ndarray of shape (n_components,)
        Spike biases ``b``.
    slab_mean_ : ndarray of shape (n_components,)
        Slab means ``mu``.
    slab_precision_ : ndarray of shape (n_components,)
        Slab precisions ``alpha``.
    spike_precision_ : ndarray of shape (n_components, n_features)
        Diagonals of the spike-gated precisions ``Phi_i`` (non-negative).
    precision_ : ndarray of shape (n_features,)
        Diagonal visible precision ``Lambda``.
    mean_ : ndarray of shape (n_features,)
        Training mean, subtracted from ``x`` (not learned).
    chains_ : ndarray of shape (n_chains, n_features)
        Visible states of the persistent chains (centred).
    log_partition_ : float
    log_partition_ci_ : tuple of float
    score_kind_ : str
        ``"exact"`` when ``log Z`` is enumerated, else ``"estimate"``.
    n_iter_ : int
    random_state_ : numpy.random.Generator
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    GaussianBernoulliRBM : Real visible units with a diagonal conditional
        covariance (models means only).

    References
    ----------
    Courville, A., Bergstra, J. and Bengio, Y. (2011). A spike and slab
    restricted Boltzmann machine. AISTATS.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import SpikeSlabRBM
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> model = SpikeSlabRBM(n_components=4, max_iter=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (200, 4)
    >>> model.score_kind_
    'exact'
    >>> model.sample(2, random_state=0).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state", np.random.Generator],
        "n_gibbs_steps": [Interval(Integral, 1, None, closed="left")],
        "n_chains": [Interval(Integral, 1, None, closed="left"), None],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "slab_precision": [Interval(Real, 0, None, closed="neither")],
        "precision_margin": [Interval(Real, 0, 1, closed="neither")],
        "dtype": [None, type, np.dtype],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        **LogPartitionMixin._log_partition_constraints,
    }

    _state_names = (
        "components_", "intercept_hidden_", "slab_mean_", "slab_precision_",
        "spike_precision_", "precision_", "chains_", "_moments", "_n_updates", "random_state_",
    )
    _parameter_names = (
        "components_", "intercept_hidden_", "slab_mean_", "slab_precision_",
        "spike_precision_", "precision_",
    )

    def __init__(
        self,
        n_components=64,
        *,
        learning_rate=0.01,
        batch_size=100,
        max_iter=20,
        verbose=0,
        random_state=None,
        n_gibbs_steps=1,
        n_chains=None,
        weight_decay=0.0,
        slab_precision=1.0,
        precision_margin=0.1,
        dtype=None,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        warm_start=False,
        log_z="auto",
        exact_limit=12,
        ais_n_runs=100,
        ais_n_temperatures=None,
    ):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.verbose = verbose
        self.random_state = random_state
        self.n_gibbs_steps = n_gibbs_steps
        self.n_chains = n_chains
        self.weight_decay = weight_decay
        self.slab_precision = slab_precision
        self.precision_margin = precision_margin
        self.dtype = dtype
        self.shuffle = shuffle
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
        """Fit the model to the data X by PCD.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data: real values, standardized or whitened.
        y : None
            Ignored.

        Returns
        -------
        self : SpikeSlabRBM
            The fitted model.
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One pass over the block X in minibatches, in order.

        The first call fixes ``mean_`` and the initial precision from its
        block; chains, the optimizer state and the random stream carry over.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : SpikeSlabRBM
            The fitted model.
        """
        return self._partial_fit(X)

    def _validate_X(self, X, *, reset):
        return validate_data(self, X, dtype=(np.float64, np.float32), reset=reset)

    def _check_training_data(self, X, y, *, reset):
        X = self._validate_X(X, reset=reset)
        _warn_if_unscaled(type(self).__name__, X, 1.0, stacklevel=4,
                          alternatives="whiten them (sklearn.decomposition.PCA(whiten=True))")
        return X, None

    def _is_initialized(self):
        return hasattr(self, "components_")

    def _initialize(self, X, y, rng, *, partial):
        dtype = resolve_dtype(self.dtype, X)
        n, d = self.n_components, X.shape[1]
        X64 = X.astype(np.float64)
        self.mean_ = X64.mean(axis=0).astype(dtype)
        var = np.maximum(X64.var(axis=0), _MIN_VARIANCE)
        self.precision_ = (1.0 / var).astype(dtype)
        self.components_ = (rng.normal(0.0, 0.01, (n, d)) * np.sqrt(self.precision_)).astype(dtype)
        self.intercept_hidden_ = np.zeros(n, dtype=dtype)
        self.slab_mean_ = np.zeros(n, dtype=dtype)
        self.slab_precision_ = np.full(n, self.slab_precision, dtype=dtype)
        self.spike_precision_ = np.zeros((n, d), dtype=dtype)
        self.components_ = ss.enforce_positive_definite(self._params(), self.precision_margin)
        n_chains = self.batch_size if self.n_chains is None else self.n_chains
        rows = rng.integers(0, X.shape[0], size=n_chains)
        self.chains_ = (X[rows] - self.mean_).astype(dtype)
        zeros = tuple(np.zeros_like(a, dtype=np.float64) for a in self._params())
        self._moments = (zeros, tuple(np.zeros_like(a) for a in zeros))
        self._n_updates = 0
        self._n_features_out = n
        self.n_iter_ = 0
        self._score_seed = draw_seed(rng)
        self._forget_log_partition()

    def _params(self):
        return ss.SSParams(self.components_, self.intercept_hidden_, self.slab_mean_,
                           self.slab_precision_, self.spike_precision_, self.precision_)

    def _set_params(self, p):
        (self.components_, self.intercept_hidden_, self.slab_mean_, self.slab_precision_,
         self.spike_precision_, self.precision_) = p

    def _training_data(self, X, y):
        return np.ascontiguousarray(X - self.mean_, dtype=self.components_.dtype), y

    def _blas_work(self, X):
        return (self.batch_size + self.chains_.shape[0]) * self.components_.size

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        n = X.shape[0]
        rows = rng.permutation(n) if shuffle else np.arange(n)
        n_batches = int(np.ceil(n / self.batch_size))
        bounds = (np.arange(n_batches + 1) * n) // n_batches
        for start, stop in zip(bounds[:-1], bounds[1:]):
            self._update(X[rows[start:stop]], rng)
            progress(stop - start)
        self._forget_log_partition()
        if not self.verbose:
            return {}
        return {"reconstruction error": self._reconstruction_error(X[:1000])}

    def _update(self, Z, rng):
        """One PCD step: data phase on ``Z``, model phase on the chains, an
        Adam step on (W, b, mu, Phi, log Lambda), then the normalisability
        repair (``W`` shrunk when needed)."""
        p = self._params()
        for _ in range(self.n_gibbs_steps):
            self.chains_ = ss.gibbs_sweep(self.chains_, p, rng)
        data = ss.free_energy_gradients(Z, p)
        model = ss.free_energy_gradients(self.chains_, p)
        # ascent on the log-likelihood: -dF(data) + dF(model)
        grads = [gm - gd for gd, gm in zip(data, model)]
        grads[0] = grads[0] - self.weight_decay * p.W
        self._n_updates += 1
        steps = _adam_steps(grads, self._moments, self._n_updates, self.learning_rate)
        dW, db, dmu, _, dphi, dlog_lam = steps
        dtype = p.W.dtype
        new = ss.SSParams(
            W=(p.W + dW).astype(dtype), b=(p.b + db).astype(dtype),
            mu=(p.mu + dmu).astype(dtype),
            alpha=p.alpha,  # fixed: see slab_precision
            phi=np.maximum(p.phi + dphi, 0.0).astype(dtype),
            lam=(p.lam * np.exp(dlog_lam)).astype(dtype),
        )
        self._set_params(new._replace(W=ss.enforce_positive_definite(new, self.precision_margin)))

    def _reconstruction_error(self, Z):
        return float(np.mean((Z - ss.reconstruction(Z, self._params())) ** 2))

    def _validation_score(self, X_val, y_val):
        if self._log_partition_method() == "exact":
            return float(np.mean(-ss.free_energy(X_val, self._params()) - self.log_partition_))
        return -self._reconstruction_error(X_val)

    # ------------------------------------------------------------ log Z hooks
    def _enumerated_units(self):
        return self.n_components

    def _exact_log_partition(self):
        return ss.exact_log_partition(self._params(), type(self).__name__)

    def _ais_log_partition(self, n_runs, n_temperatures, random_state):
        ss.check_positive_definite(self._params(), type(self).__name__)
        return ss.ais_log_partition(self._params(), n_runs, n_temperatures,
                                    check_generator(random_state))

    # ------------------------------------------------------------ inference
    def _centred(self, X):
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return (X - self.mean_).astype(self.components_.dtype, copy=False)

    def transform(self, X):
        """The sparse code ``E[h_i s_i | x]``: spike probability times the
        slab's posterior mean, ``p(h_i = 1 | x) (mu_i + x.W_i / alpha_i)``.

        ``h * s`` is the code whose filters ``W`` make the conditional mean
        of ``x`` (§20.5.2); its posterior mean carries both which components
        are present and with what intensity (the spike probabilities alone
        are :meth:`spike_proba`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        code : ndarray of shape (n_samples, n_components)
        """
        return ss.posterior_code(self._centred(X), self._params())

    def spike_proba(self, X):
        """Spike posteriors ``p(h_i = 1 | x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_components)
        """
        return expit(ss.hidden_input(self._centred(X), self._params()))

    def free_energy(self, X):
        """Free energy ``F(x)`` of each row (spikes and slabs summed out).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        free_energy : ndarray of shape (n_samples,)
        """
        return ss.free_energy(self._centred(X), self._params())

    def score_samples(self, X, return_std=False):
        """Log-density ``log p(x)`` of each row, in nats.

        ``-F(x) - log Z``: exact when ``log Z`` is enumerated
        (``n_components <= exact_limit``), else with an AIS estimate of
        ``log Z``, cached and deterministic after ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard error of each score (that of ``log Z``;
            0 when exact or given).

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        Z = self._centred(X)
        ss.check_positive_definite(self._params(), type(self).__name__)
        scores = -ss.free_energy(Z, self._params()).astype(np.float64) - self.log_partition_
        return self._scores_with_std(scores, return_std)

    def sample(self, n_samples=1, *, n_steps=1000, init="random", random_state=None):
        """Draw samples by block Gibbs sampling ``x -> h -> s -> x``.

        Parameters
        ----------
        n_samples : int, default=1
            Number of independent chains, one sample each.
        n_steps : int, default=1000
            Gibbs sweeps per chain.
        init : {"random", "persistent"}, default="random"
            ``"random"`` starts from ``N(mean_, 1 / precision_)``;
            ``"persistent"`` continues the training chains (at most
            ``n_chains`` of them).
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_)
        """
        rng = self._sampling_rng(n_samples, random_state, n_steps=n_steps)
        p = self._params()
        ss.check_positive_definite(p, type(self).__name__)
        dtype = p.W.dtype
        if init == "random":
            Z = (rng.standard_normal((n_samples, p.W.shape[1])) / np.sqrt(p.lam)).astype(dtype)
        elif init == "persistent":
            if n_samples > self.chains_.shape[0]:
                raise ValueError(
                    f"init='persistent' can continue at most {self.chains_.shape[0]} "
                    f"chains, got n_samples={n_samples}."
                )
            Z = self.chains_[:n_samples].copy()
        else:
            raise ValueError(f"init must be 'random' or 'persistent', got {init!r}.")
        for _ in range(n_steps):
            Z = ss.gibbs_sweep(Z, p, rng)
        return (Z + self.mean_).astype(dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
