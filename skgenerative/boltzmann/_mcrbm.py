"""Mean and covariance restricted Boltzmann machine (§20.5.2, eqs. 20.43-20.47).

The estimator: hyperparameters, initialisation, the negative phase, the
parameter constraints and the public methods; the math is in
:mod:`._mcrbm_math`.
"""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

from . import _mcrbm_math as mc
from ._covariance_base import CovarianceRBMBase, HMCChainsMixin

__all__ = ["MeanCovarianceRBM"]


class MeanCovarianceRBM(HMCChainsMixin, CovarianceRBMBase):
    """Mean and covariance restricted Boltzmann machine (mcRBM).

    Real-valued visible units ``x`` with two groups of binary hidden units
    (§20.5.2; Ranzato & Hinton, 2010): mean units ``h^m`` (a
    Gaussian-Bernoulli RBM, eq. 20.44) and covariance units ``h^c`` (a cRBM,
    eq. 20.45) that each add precision along their filters. Energy (eq.
    20.43), with ``x`` centred by ``mean_``::

        E(x, h^m, h^c) = 1/2 x' Lambda x - sum_j x.W_j h^m_j - b^m.h^m
                         + 1/2 sum_k h^c_k sum_f P_kf (C_f.x)^2 - b^c.h^c

    with ``W = components_``, ``b^m = intercept_mean_``, ``C =
    factors_`` (unit-norm rows, the constraint of the original),
    ``P = factor_loadings_`` (non-negative; ``P = I`` gives eq. 20.45 with
    ``r^(k) = C_k``), ``b^c = intercept_covariance_`` and ``Lambda =
    precision_`` (diagonal; the book's ``I``, learned here so that data need
    not have unit variance). Given the hidden units ``x`` is Gaussian with
    the non-diagonal covariance of eq. 20.47, so the persistent chains of
    the negative phase run Hamiltonian Monte Carlo on the free energy
    (:mod:`skgenerative.utils.hmc`), no matrix inverse needed; the step
    size is adapted toward ``target_acceptance`` during training and fixed
    afterwards (``sample`` uses ``hmc_step_size_``). ``sampler="gibbs"``
    runs block Gibbs instead (one Cholesky factorisation per chain and
    update).

    **Data.** Real values, standardized or (for images) whitened first,
    e.g. with :class:`~sklearn.decomposition.PCA` ``(whiten=True)`` or
    :func:`skgenerative.datasets.load_image_patches`; data that vary far
    more than unit scale raise an
    :class:`~skgenerative.exceptions.OutOfSupportWarning`.

    ``score_samples`` is ``-F(x) - log Z``: exact when ``n_components +
    n_covariance_components <= exact_limit`` (both groups enumerated, ``x``
    integrated analytically for each state), otherwise with an estimate of
    ``log Z`` (``score_kind_ == "estimate"``): forward AIS with block-Gibbs
    transitions pooled with importance sampling of the hidden states (``x``
    integrated for each draw; the proposal is the mixture of the posteriors
    ``p(h | x)`` at the AIS end states and the persistent chains, 20 draws
    per AIS run); both kinds of weight estimate ``Z`` without bias.

    Parameters
    ----------
    n_components : int, default=64
        Number of mean units.
    n_covariance_components : int, default=64
        Number of covariance units.
    n_factors : int or None, default=None
        Number of factor filters ``C``; None means
        ``n_covariance_components``.
    learning_rate : float, default=0.01
        Step size of the Adam updates of the PCD gradient.
    batch_size : int, default=100
    max_iter : int, default=20
    verbose : int, default=0
    random_state : int, RandomState instance, Generator or None, default=None
    n_chains : int or None, default=None
        Persistent chains of the negative phase; None means ``batch_size``.
    sampler : {"gibbs", "hmc"}, default="hmc"
        How the persistent chains (one transition per update) and
        :meth:`sample` move: ``"hmc"`` on the free energy, as Ranzato &
        Hinton (2010), or ``"gibbs"``, Bernoulli draws of both hidden groups
        then ``x`` from eq. 20.47 (a Cholesky factorisation per row). AIS
        uses block Gibbs either way.
    n_leapfrog : int, default=20
        Leapfrog steps per HMC transition (one transition per update).
    hmc_step_size : float, default=0.05
        Initial HMC step size.
    target_acceptance : float, default=0.9
        HMC acceptance rate the step size is adapted toward during training.
    weight_decay : float, default=0.0
        L2 penalty on ``components_``.
    dtype : {None, numpy.float32, numpy.float64}, default=None
    shuffle : bool, default=True
    early_stopping : bool, default=False
        Stop on the held-out log-likelihood when ``log Z`` is exact, else on
        minus the mean-field reconstruction error.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    warm_start : bool, default=False
    log_z : {"auto", "exact", "ais"} or float, default="auto"
    exact_limit : int, default=12
        Largest total number of hidden units (both groups) enumerated.
    ais_n_runs : int, default=100
    ais_n_temperatures : int or None, default=None
        None is the 14,501 temperatures of Salakhutdinov & Murray (2008),
        each a block-Gibbs sweep.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Mean-unit filters ``W``.
    intercept_mean_ : ndarray of shape (n_components,)
    factors_ : ndarray of shape (n_factors, n_features)
        Covariance filters ``C`` (unit-norm rows).
    factor_loadings_ : ndarray of shape (n_covariance_components, n_factors)
        ``P >= 0``.
    intercept_covariance_ : ndarray of shape (n_covariance_components,)
    precision_ : ndarray of shape (n_features,)
        Diagonal visible precision ``Lambda``.
    mean_ : ndarray of shape (n_features,)
        Training mean, subtracted from ``x`` (not learned).
    chains_ : ndarray of shape (n_chains, n_features)
        Persistent HMC chains (centred).
    hmc_step_size_ : float
        The adapted HMC step size.
    hmc_acceptance_rate_ : float
        Acceptance rate of the training chains over the last epoch (NaN
        with ``sampler="gibbs"``).
    log_partition_ : float
    log_partition_ci_ : tuple of float
    score_kind_ : str
    n_iter_ : int
    random_state_ : numpy.random.Generator
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    SpikeSlabRBM : Models covariance with Gibbs sampling only.
    GaussianBernoulliRBM : The mean units alone.

    References
    ----------
    Ranzato, M. and Hinton, G. E. (2010). Modeling pixel means and
    covariances using factorized third-order Boltzmann machines. CVPR.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import MeanCovarianceRBM
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> model = MeanCovarianceRBM(n_components=2, n_covariance_components=2,
    ...                           max_iter=2, random_state=0).fit(X)
    >>> model.transform(X).shape  # mean units, then covariance units
    (200, 4)
    >>> model.score_kind_
    'exact'
    >>> model.sample(2, n_steps=10, random_state=0).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        **CovarianceRBMBase._common_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_covariance_components": [Interval(Integral, 1, None, closed="left")],
        "n_factors": [Interval(Integral, 1, None, closed="left"), None],
        **HMCChainsMixin._hmc_constraints,
    }

    _state_names = (
        "components_", "intercept_mean_", "factors_", "factor_loadings_",
        "intercept_covariance_", "precision_",
    ) + HMCChainsMixin._hmc_state + CovarianceRBMBase._training_state
    _parameter_names = (
        "components_", "intercept_mean_", "factors_", "factor_loadings_",
        "intercept_covariance_", "precision_",
    )

    _math = mc

    def __init__(
        self,
        n_components=64,
        *,
        n_covariance_components=64,
        n_factors=None,
        learning_rate=0.01,
        batch_size=100,
        max_iter=20,
        verbose=0,
        random_state=None,
        n_chains=None,
        sampler="hmc",
        n_leapfrog=20,
        hmc_step_size=0.05,
        target_acceptance=0.9,
        weight_decay=0.0,
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
        self.n_covariance_components = n_covariance_components
        self.n_factors = n_factors
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.verbose = verbose
        self.random_state = random_state
        self.n_chains = n_chains
        self.sampler = sampler
        self.n_leapfrog = n_leapfrog
        self.hmc_step_size = hmc_step_size
        self.target_acceptance = target_acceptance
        self.weight_decay = weight_decay
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

    # ------------------------------------------------------------ hooks
    def _init_params(self, var, rng, dtype):
        n_mean, n_cov, d = self.n_components, self.n_covariance_components, var.shape[0]
        n_factors = n_cov if self.n_factors is None else self.n_factors
        std = np.sqrt(var)
        self.precision_ = (1.0 / var).astype(dtype)
        self.components_ = (rng.normal(0.0, 0.01, (n_mean, d)) / std).astype(dtype)
        self.intercept_mean_ = np.zeros(n_mean, dtype=dtype)
        self.factors_ = mc.unit_rows(rng.normal(size=(n_factors, d))).astype(dtype)
        # each unit starts on one factor (eq. 20.45), weakly
        self.factor_loadings_ = (0.1 * np.eye(n_cov, n_factors) / var.mean()).astype(dtype)
        self.intercept_covariance_ = np.zeros(n_cov, dtype=dtype)
        self._init_hmc()
        self._n_features_out = n_mean + n_cov

    def _params(self):
        return mc.MCParams(self.components_, self.intercept_mean_, self.factors_,
                           self.factor_loadings_, self.intercept_covariance_, self.precision_)

    def _set_params(self, p):
        (self.components_, self.intercept_mean_, self.factors_, self.factor_loadings_,
         self.intercept_covariance_, self.precision_) = p

    def _apply_steps(self, p, steps):
        """Adam steps; factor filters back to unit norm, loadings ``>= 0``."""
        dW, db_mean, dC, dP, db_cov, dlog_lam = steps
        dtype = p.W.dtype
        return mc.MCParams(
            W=(p.W + dW).astype(dtype), b_mean=(p.b_mean + db_mean).astype(dtype),
            C=mc.unit_rows((p.C + dC).astype(dtype)),
            P=np.maximum(p.P + dP, 0.0).astype(dtype),
            b_cov=(p.b_cov + db_cov).astype(dtype),
            lam=(p.lam * np.exp(dlog_lam)).astype(dtype),
        )

    def _proxy_score(self, Z):
        """Minus the mean-field reconstruction error (eq. 20.47)."""
        return -float(np.mean((Z - mc.reconstruction(Z, self._params())) ** 2))

    # ------------------------------------------------------------ log Z hooks
    def _enumerated_units(self):
        return self.n_components + self.n_covariance_components

    def _exact_log_partition(self):
        return mc.exact_log_partition(self._params())

    # ------------------------------------------------------------ inference
    def transform(self, X):
        """Posteriors of the hidden units: ``p(h^m = 1 | x)`` (the
        ``n_components`` mean units) then ``p(h^c = 1 | x)`` (the
        ``n_covariance_components`` covariance units), side by side.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        h : ndarray of shape (n_samples, n_components + n_covariance_components)
        """
        return np.hstack(mc.posteriors(self._centred(X), self._params()))
