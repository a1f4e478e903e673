"""Mean-product of Student's t-distributions (§20.5.2, eqs. 20.48-20.49).

The estimator: hyperparameters, initialisation, the parameter steps and the
public methods; the math is in :mod:`._mpot_math`, the chains and the
training template in :mod:`._covariance_base`.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..exceptions import PartitionFunctionError
from . import _mpot_math as mp
from ._covariance_base import CovarianceRBMBase, HMCChainsMixin

__all__ = ["MeanProductTDistribution"]


class MeanProductTDistribution(HMCChainsMixin, CovarianceRBMBase):
    """Mean-product of Student's t-distributions (mPoT).

    Real-valued visible units ``x``, binary mean units ``h^m`` (a
    Gaussian-Bernoulli RBM) and positive, Gamma-distributed covariance units
    ``h^c`` (§20.5.2; Ranzato et al., 2010b). Energy (eqs. 20.48-20.49),
    with ``x`` centred by ``mean_``::

        E(x, h^m, h^c) = 1/2 x' Lambda x - sum_j x.W_j h^m_j - b^m.h^m
                         + sum_k (h^c_k (1 + 1/2 (r_k.x)^2) + (1 - gamma_k) log h^c_k)

    with ``W = components_``, ``b^m = intercept_mean_``, ``r_k`` the rows of
    ``covariance_components_``, ``gamma = covariance_shape_`` (``> 0``) and
    ``Lambda = precision_`` (diagonal; the book's ``I``, learned so that the
    data need not have unit variance, and what keeps the model normalisable
    whatever ``r`` and ``gamma``). Summing the mean units and integrating
    the covariance units out leaves Student's t factors along each ``r_k``:
    heavy tails, and precision that falls where a filter responds strongly.
    Given ``x`` the covariance units are ``Gamma(gamma_k, 1 + (r_k.x)^2 /
    2)``; given both groups ``x`` is Gaussian with a non-diagonal covariance.
    The persistent chains of the negative phase run block Gibbs on these
    conditionals (one Cholesky factorisation per chain and update; the
    default) or, with ``sampler="hmc"``, Hamiltonian Monte Carlo on the free
    energy (:mod:`skgenerative.utils.hmc`; the original's choice, which
    avoids the factorisation), the step size adapted toward
    ``target_acceptance`` during training and fixed after. Block Gibbs moves
    between the scales of heavy-tailed data (flat and textured image
    patches): the Gamma units set the precision of ``x`` for the next draw.

    **Data.** Real values, standardized or (for images) whitened first;
    data that vary far more than unit scale raise an
    :class:`~skgenerative.exceptions.OutOfSupportWarning`.

    ``score_samples`` is ``-F(x) - log Z`` with an estimate of ``log Z``
    (``score_kind_ == "estimate"``; continuous hidden units leave no exact
    enumeration): forward AIS with block-Gibbs transitions, pooled with
    importance sampling of the hidden units (``x`` integrated analytically
    for each draw; the proposal is a defensive mixture: nine tenths the
    posteriors ``p(h | x)`` at the AIS end states and the persistent chains,
    one tenth ``Gamma(gamma, 1)`` covariance units, which bounds the
    weights; 20 draws per AIS run). Both kinds of weight estimate ``Z``
    without bias; on whitened patches AIS alone had an ESS of 1 of 100
    runs.

    Parameters
    ----------
    n_components : int, default=64
        Number of mean units.
    n_covariance_components : int, default=64
        Number of covariance (Gamma) units.
    learning_rate : float, default=0.003
        Step size of the Adam updates of the PCD gradient (on ``W``,
        ``b^m``, the logarithms of ``gamma``, ``Lambda`` and of each
        filter's norm ``|r_k|``, and the direction of ``r_k``, turned by
        about the step in radians whatever its norm). The filters start
        in random directions at norm ``1 / sqrt(mean variance)``. Additive
        steps on ``r`` from small filters (before) left the model near a
        full Gaussian on heavy-tailed two-scale data, where relative steps
        on the norms let them grow.
        Smaller than the other covariance models': on whitened patches 0.01
        improved the fit for a few epochs and then degraded it.
    batch_size : int, default=100
    max_iter : int, default=20
    verbose : int, default=0
    random_state : int, RandomState instance, Generator or None, default=None
    n_chains : int or None, default=None
        Persistent chains of the negative phase; None means ``batch_size``.
    sampler : {"gibbs", "hmc"}, default="gibbs"
        Transition of the persistent chains (one per update) and of
        :meth:`sample`: ``"gibbs"`` is block Gibbs (the hidden units given
        ``x``, then ``x`` given them by one Cholesky factorisation of its
        precision per row), ``"hmc"`` Hamiltonian Monte Carlo on the free
        energy (no factorisation; the original's choice). AIS always uses
        block Gibbs.
        On whitened image patches (20 epochs at the defaults) the
        Gibbs-trained model scored about -31 held-out nats per patch, the
        HMC-trained one -85 (no better than a Gaussian): HMC at one step
        size cannot follow the chains between flat and textured patches.
    n_leapfrog : int, default=20
        Leapfrog steps per HMC transition (``sampler="hmc"`` only).
    hmc_step_size : float, default=0.05
        Initial HMC step size (``sampler="hmc"`` only).
    target_acceptance : float, default=0.9
        HMC acceptance rate the step size is adapted toward during training
        (``sampler="hmc"`` only).
    weight_decay : float, default=0.0
        L2 penalty on ``components_``.
    dtype : {None, numpy.float32, numpy.float64}, default=None
    shuffle : bool, default=True
    early_stopping : bool, default=False
        Stops on minus the mean-field reconstruction error of held-out data.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    warm_start : bool, default=False
    log_z : {"auto", "ais"} or float, default="auto"
        ``"auto"`` and ``"ais"`` estimate ``log Z`` by AIS; a float is used
        as given.
    ais_n_runs : int, default=100
    ais_n_temperatures : int or None, default=None
        None is the 14,501 temperatures of Salakhutdinov & Murray (2008),
        each a block-Gibbs sweep.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    intercept_mean_ : ndarray of shape (n_components,)
    covariance_components_ : ndarray of shape (n_covariance_components, n_features)
        The filters ``r_k``.
    covariance_shape_ : ndarray of shape (n_covariance_components,)
        Gamma shapes ``gamma_k``.
    precision_ : ndarray of shape (n_features,)
    mean_ : ndarray of shape (n_features,)
    chains_ : ndarray of shape (n_chains, n_features)
    hmc_step_size_ : float
    hmc_acceptance_rate_ : float
        Acceptance rate of the training chains over the last epoch (NaN
        with ``sampler="gibbs"``).
    log_partition_ : float
    log_partition_ci_ : tuple of float
    score_kind_ : str
        ``"estimate"``: ``log Z`` comes from AIS or is given.
    n_iter_ : int
    random_state_ : numpy.random.Generator
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    MeanCovarianceRBM : Binary covariance units.
    SpikeSlabRBM : Covariance with Gibbs sampling only.

    References
    ----------
    Ranzato, M., Mnih, V. and Hinton, G. E. (2010). Generating more realistic
    images using gated MRF's. NIPS.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import MeanProductTDistribution
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> model = MeanProductTDistribution(n_components=2, n_covariance_components=2,
    ...                                  max_iter=2, random_state=0).fit(X)
    >>> model.transform(X).shape, model.covariance_posterior(X).shape
    ((200, 2), (200, 2))
    >>> model.sample(2, n_steps=10, random_state=0).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in CovarianceRBMBase._common_constraints.items()
           if k not in ("log_z", "exact_limit")},
        "log_z": [StrOptions({"auto", "ais"}), Real],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_covariance_components": [Interval(Integral, 1, None, closed="left")],
        **HMCChainsMixin._hmc_constraints,
    }

    _state_names = (
        "components_", "intercept_mean_", "covariance_components_", "covariance_shape_",
        "precision_",
    ) + HMCChainsMixin._hmc_state + CovarianceRBMBase._training_state
    _parameter_names = (
        "components_", "intercept_mean_", "covariance_components_", "covariance_shape_",
        "precision_",
    )

    _math = mp

    def __init__(
        self,
        n_components=64,
        *,
        n_covariance_components=64,
        learning_rate=0.003,
        batch_size=100,
        max_iter=20,
        verbose=0,
        random_state=None,
        n_chains=None,
        sampler="gibbs",
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
        ais_n_runs=100,
        ais_n_temperatures=None,
    ):
        self.n_components = n_components
        self.n_covariance_components = n_covariance_components
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
        self.ais_n_runs = ais_n_runs
        self.ais_n_temperatures = ais_n_temperatures

    # ------------------------------------------------------------ hooks
    def _init_params(self, var, rng, dtype):
        n_mean, n_cov, d = self.n_components, self.n_covariance_components, var.shape[0]
        self.precision_ = (1.0 / var).astype(dtype)
        self.components_ = (rng.normal(0.0, 0.01, (n_mean, d)) / np.sqrt(var)).astype(dtype)
        self.intercept_mean_ = np.zeros(n_mean, dtype=dtype)
        # random directions at norm 1 / sqrt(mean variance): unit responses
        # r.x on unit-scale data (the t factors act from the start; the norms
        # move in relative steps, see _step_gradients). One scale for every
        # feature: on data with (nearly) constant features 1 / std would
        # give the filters huge weights there
        R = rng.normal(0.0, 1.0, (n_cov, d))
        R /= np.linalg.norm(R, axis=1, keepdims=True) * np.sqrt(var.mean())
        self.covariance_components_ = R.astype(dtype)
        self.covariance_shape_ = np.ones(n_cov, dtype=dtype)
        self._init_hmc()
        self._n_features_out = n_mean

    def _params(self):
        return mp.MPParams(self.components_, self.intercept_mean_, self.covariance_components_,
                           self.covariance_shape_, self.precision_)

    def _set_params(self, p):
        (self.components_, self.intercept_mean_, self.covariance_components_,
         self.covariance_shape_, self.precision_) = p

    def _apply_steps(self, p, steps):
        dW, db_mean, dR, dlog_gamma, dlog_lam = steps
        dtype = p.W.dtype
        return mp.MPParams(
            W=(p.W + dW).astype(dtype), b_mean=(p.b_mean + db_mean).astype(dtype),
            R=mp.move_filters(p.R, dR), gamma=(p.gamma * np.exp(dlog_gamma)).astype(dtype),
            lam=(p.lam * np.exp(dlog_lam)).astype(dtype),
        )

    def _step_gradients(self, grads, p):
        """The filters' gradient in their norm-and-direction coordinates
        (:func:`._mpot_math.move_filters`, which ``_apply_steps`` uses)."""
        grads = list(grads)
        grads[2] = mp.filter_coordinate_gradient(p.R, grads[2])
        return grads

    def _proxy_score(self, Z):
        """Minus the mean-field reconstruction error."""
        return -float(np.mean((Z - mp.reconstruction(Z, self._params())) ** 2))

    # ------------------------------------------------------------ log Z policy
    def _log_partition_method(self):
        if isinstance(self.log_z, Real) and not isinstance(self.log_z, bool):
            return "given"
        return "ais"

    def _log_partition_settings(self):
        return (self.log_z, self.ais_n_runs, self.ais_n_temperatures)

    def _enumerated_units(self):
        return self.n_components + self.n_covariance_components

    def _exact_log_partition(self):
        raise PartitionFunctionError(
            "MeanProductTDistribution has no exact log Z (its covariance units are "
            "continuous); use log_z='ais'."
        )

    # ------------------------------------------------------------ inference
    def transform(self, X):
        """Mean-unit posteriors ``p(h^m = 1 | x)``: the feature map.

        The covariance units' posterior means are :meth:`covariance_posterior`;
        they are kept out of the features because they respond to the
        squared projections ``(r_k.x)^2`` and so are blind to the sign of a
        pattern (on digits, adding them to the mean units lowered the
        accuracy of a logistic regression from 0.95 to 0.90).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        h : ndarray of shape (n_samples, n_components)
        """
        return mp.posteriors(self._centred(X), self._params())[0]

    def covariance_posterior(self, X):
        """Posterior means of the covariance units, ``E[h^c_k | x] = gamma_k /
        (1 + (r_k.x)^2 / 2)`` (Gamma distributed given ``x``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        h : ndarray of shape (n_samples, n_covariance_components)
        """
        return mp.posteriors(self._centred(X), self._params())[1]
