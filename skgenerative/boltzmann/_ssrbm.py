"""Spike and slab restricted Boltzmann machine (§20.5.2, eqs. 20.50-20.53).

The estimator: validation, initialisation, the PCD epochs and the public
methods. The math (conditionals, free energy and its gradients, the
normalisability condition, exact and AIS ``log Z``) is in
:mod:`._ssrbm_math`.
"""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.utils._param_validation import Interval, StrOptions

from . import _ssrbm_math as ss
from ._covariance_base import CovarianceRBMBase

__all__ = ["SpikeSlabRBM"]

#: ``c`` of the coordinates ``log(Phi_i + c Lambda)`` the spike-gated
#: precisions are trained in: additive steps near 0, relative steps once
#: ``Phi_i`` is large against ``Lambda``.
_PHI_SHIFT = 1.0


class SpikeSlabRBM(CovarianceRBMBase):
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
    ``rho`` back to ``1 - precision_margin`` (``normalisability="shared"``).
    With ``normalisability="split"`` a unit whose own spike precision covers
    its slab (``Phi_i - W_i W_i' / alpha_i`` positive semi-definite) is kept
    covered by it, and ``rho`` counts only the other filters: the condition
    is never stricter, and the units that learn large ``Phi_i`` (flat
    image patches) keep larger filters. (Raising ``Lambda`` instead
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
    otherwise an estimate (``score_kind_ == "estimate"``): forward AIS
    pooled with importance sampling of the spike states (slabs and visibles
    integrated analytically for each), whose proposal is the mixture of the
    spike posteriors at the AIS end states and the persistent chains. Both
    kinds of weight estimate ``Z`` without bias; the spike sampling finds
    states that hold the model's mass where AIS alone misses them (on
    whitened patches a model after 5 epochs at a constant rate had forward
    and reverse AIS near +140 held-out nats, both with ESS 1-4, while its
    most probable spike state alone bounds the score below -8.6).

    Parameters
    ----------
    n_components : int, default=64
        Number of spike (and slab) units.
    learning_rate : float, default=0.01
        Step size of the Adam updates of the PCD gradient (on ``W``, ``b``,
        ``mu``, ``log(Phi + Lambda)`` and ``log Lambda``), the first epoch's
        under ``learning_rate_schedule="linear"``. The spike-gated
        precisions move additively near 0 and in relative steps once large
        (on whitened image patches ``Phi`` grows to hundreds of times
        ``Lambda``).
    batch_size : int, default=100
        Rows per minibatch (batches are split evenly).
    max_iter : int, default=20
        Number of epochs (the maximum when ``early_stopping=True``). On
        20,000 whitened image patches, with the linear schedule, 20 epochs
        scored +48.87 and +47.37 held-out nats per patch at seeds 0 and 1
        (spike importance sampling; forward and reverse AIS within 0.7 nat),
        as a ``GaussianMixture`` with 16 components (+47.96 to +48.25); under
        ``normalisability="shared"`` +47.0 to +48.0 at three seeds. With
        ``normalisability="shared"`` 30 and 40 epochs were no better (+46.3;
        +49.6 and +46.5), and 40 epochs cost the features of a 100-unit
        model on digits (logistic-regression accuracy 0.896 against 0.916).
        Small data sets (a few hundred updates in all) may need more
        epochs.
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
    normalisability : {"shared", "split"}, default="split"
        How training keeps the model normalisable (the heuristic above).
        ``"shared"``: every filter against ``Lambda``, shrinking ``W`` by a
        common factor. ``"split"``: a unit whose own spike precision covers
        its slab's variance (``W_i' Phi_i^-1 W_i / alpha_i <= 1 -
        precision_margin``: ``Phi_i - W_i W_i' / alpha_i`` positive
        semi-definite) is held there, and only the other filters count
        against ``Lambda``; either way every ``P_h`` is positive definite.
        On whitened patches (validation split of the training region,
        seeds 0 and 1) ``"split"`` scored +9.93 and +10.55 nats against
        +9.25 and +8.28 (``"shared"`` binds: ``rho`` sat at its limit while
        half the units had ``Phi_i`` hundreds of times ``Lambda``); digits
        features (100 units, logistic regression) were the same (0.867,
        0.869).
    learning_rate_schedule : {"linear", "constant"}, default="linear"
        ``"linear"`` lowers the learning rate linearly over the epochs of a
        ``fit`` call (``learning_rate * (1 - epoch / max_iter)``; Tieleman,
        2008); ``partial_fit`` runs at ``learning_rate``. At a constant rate
        PCD on whitened image patches does not settle: from epoch to epoch
        the held-out score swung between -50 and +46 nats per patch (epochs
        1-20, ``log Z`` by spike importance sampling), so the epoch where
        ``fit`` stopped decided the model; the falling rate ends where the
        swings have died down (see ``max_iter``). On very small data sets it moves the parameters less
        far.
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
        AIS chains; the spike importance sampling draws 20 times as many
        spike states.
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
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

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
        **CovarianceRBMBase._common_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_gibbs_steps": [Interval(Integral, 1, None, closed="left")],
        "slab_precision": [Interval(Real, 0, None, closed="neither")],
        "precision_margin": [Interval(Real, 0, 1, closed="neither")],
        "learning_rate_schedule": [StrOptions({"constant", "linear"})],
        "normalisability": [StrOptions({"shared", "split"})],
    }

    _state_names = (
        "components_", "intercept_hidden_", "slab_mean_", "slab_precision_",
        "spike_precision_", "precision_",
    ) + CovarianceRBMBase._training_state
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
        learning_rate_schedule="linear",
        normalisability="split",
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
        self.learning_rate_schedule = learning_rate_schedule
        self.normalisability = normalisability
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

    _math = ss

    # ------------------------------------------------------------ hooks
    def _init_params(self, var, rng, dtype):
        n, d = self.n_components, var.shape[0]
        self.precision_ = (1.0 / var).astype(dtype)
        self.components_ = (rng.normal(0.0, 0.01, (n, d)) * np.sqrt(self.precision_)).astype(dtype)
        self.intercept_hidden_ = np.zeros(n, dtype=dtype)
        self.slab_mean_ = np.zeros(n, dtype=dtype)
        self.slab_precision_ = np.full(n, self.slab_precision, dtype=dtype)
        self.spike_precision_ = np.zeros((n, d), dtype=dtype)
        self.components_ = self._enforce(self._params())
        self._n_features_out = n

    def _params(self):
        return ss.SSParams(self.components_, self.intercept_hidden_, self.slab_mean_,
                           self.slab_precision_, self.spike_precision_, self.precision_)

    def _set_params(self, p):
        (self.components_, self.intercept_hidden_, self.slab_mean_, self.slab_precision_,
         self.spike_precision_, self.precision_) = p

    def _advance_chains(self, p, rng):
        self.chains_ = self._run_chains(self.chains_, self.n_gibbs_steps, rng, p)

    def _run_chains(self, Z, n_steps, rng, p=None):
        p = self._params() if p is None else p
        for _ in range(n_steps):
            Z = ss.gibbs_sweep(Z, p, rng)
        return Z

    def _apply_steps(self, p, steps):
        """Adam steps on (W, b, mu, log(Phi + c Lambda), log Lambda)
        (``alpha`` fixed), ``Phi >= 0``, then the normalisability repair
        (``W`` shrunk when needed)."""
        dW, db, dmu, _, dlog_phi, dlog_lam = steps
        shift = _PHI_SHIFT * p.lam
        dtype = p.W.dtype
        new = ss.SSParams(
            W=(p.W + dW).astype(dtype), b=(p.b + db).astype(dtype),
            mu=(p.mu + dmu).astype(dtype),
            alpha=p.alpha,  # fixed: see slab_precision
            phi=np.maximum((p.phi + shift) * np.exp(dlog_phi) - shift, 0.0).astype(dtype),
            lam=(p.lam * np.exp(dlog_lam)).astype(dtype),
        )
        return new._replace(W=self._enforce(new))

    def _enforce(self, p):
        return ss.enforce_positive_definite(p, self.precision_margin,
                                            split=self.normalisability == "split")

    def _step_gradients(self, grads, p):
        """``Phi``'s gradient in ``log(Phi + c Lambda)`` (see ``_apply_steps``)."""
        grads = list(grads)
        grads[4] = grads[4] * (p.phi + _PHI_SHIFT * p.lam)
        return grads

    def _check_valid(self, p):
        ss.check_positive_definite(p, type(self).__name__)

    def _proxy_score(self, Z):
        """Minus the mean-field reconstruction error."""
        return -float(np.mean((Z - ss.reconstruction(Z, self._params())) ** 2))

    # ------------------------------------------------------------ log Z hooks
    def _enumerated_units(self):
        return self.n_components

    def _exact_log_partition(self):
        return ss.exact_log_partition(self._params(), type(self).__name__)

    # ------------------------------------------------------------ inference
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
