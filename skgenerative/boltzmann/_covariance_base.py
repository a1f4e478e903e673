"""What the covariance models of §20.5.2 (ssRBM, mcRBM) share.

Real-valued visible units centred by a fixed offset (the training mean),
PCD training with Adam steps on the free-energy gradient, persistent chains
advanced by a model-specific sampler, ``log Z`` through
:class:`LogPartitionMixin`. A model supplies its parameter tuple and math
module (``free_energy``, ``free_energy_gradients``), the initialisation,
the sampler and the constrained parameter step.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import GenerativeMixin, TrainableMixin
from ..utils.hmc import adapt_step_size, hmc_transition
from ..utils.random import check_generator, draw_seed
from ..utils.validation import resolve_dtype
from ._log_partition import LogPartitionMixin
from ._unit_math import _warn_if_unscaled

#: Variance floor of the initial visible precision (constant features).
_MIN_VARIANCE = 1e-3

#: Adam's decay rates and floor (Kingma & Ba, 2015).
_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8


def adam_steps(grads, moments, t, learning_rate):
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


class CovarianceRBMBase(ClassNamePrefixFeaturesOutMixin, LogPartitionMixin, GenerativeMixin,
                        TransformerMixin, TrainableMixin, BaseEstimator):
    """Template of the §20.5.2 models. Hooks: ``_math`` (module),
    ``_params()`` / ``_set_params(p)``, ``_init_params(X_centred, rng,
    dtype)``, ``_advance_chains(p, rng)``, ``_apply_steps(p, steps)``,
    ``_run_chains(Z, n_steps, rng)``, ``_check_valid(p)``,
    ``_proxy_score(Z)``, ``_enumerated_units()``, ``_exact_log_partition()``;
    ``log Z`` beyond enumeration is ``_math.ais_log_partition`` (forward AIS
    pooled with importance sampling of the hidden units)."""

    _common_constraints: dict = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state", np.random.Generator],
        "n_chains": [Interval(Integral, 1, None, closed="left"), None],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "dtype": [None, type, np.dtype],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        **LogPartitionMixin._log_partition_constraints,
    }

    #: the optimizer and random state, snapshotted with the parameters
    _training_state = ("chains_", "_moments", "_n_updates", "random_state_")

    # ------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to the data X by persistent contrastive divergence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data: real values, standardized or whitened.
        y : None
            Ignored.

        Returns
        -------
        self : object
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
        self : object
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
        X64 = X.astype(np.float64)
        mean = X64.mean(axis=0)
        var = np.maximum(X64.var(axis=0), _MIN_VARIANCE)
        self._init_params(var, rng, dtype)
        self.mean_ = mean.astype(dtype)
        n_chains = self.batch_size if self.n_chains is None else self.n_chains
        rows = rng.integers(0, X.shape[0], size=n_chains)
        self.chains_ = (X[rows] - self.mean_).astype(dtype)
        zeros = tuple(np.zeros_like(a, dtype=np.float64) for a in self._params())
        self._moments = (zeros, tuple(np.zeros_like(a) for a in zeros))
        self._n_updates = 0
        self.n_iter_ = 0
        self._score_seed = draw_seed(rng)
        self._forget_log_partition()

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
        return {"proxy score": self._proxy_score(X[:1000])}

    def _begin_epoch(self, epoch, n_epochs):
        """The learning rate of this epoch: ``learning_rate``, or with
        ``learning_rate_schedule="linear"`` (models that have it) falling
        linearly over the epochs of the call, ``learning_rate * (1 - epoch /
        n_epochs)`` (Tieleman, 2008; ``partial_fit`` is one epoch at the full
        rate)."""
        rate = self.learning_rate
        if getattr(self, "learning_rate_schedule", "constant") == "linear":
            rate *= 1.0 - epoch / n_epochs
        self._current_learning_rate = rate

    def _update(self, Z, rng):
        """One PCD step: the chains advance, data phase on ``Z`` and model
        phase on the chains, an Adam step, the model's constraints."""
        p = self._params()
        self._advance_chains(p, rng)
        data = self._math.free_energy_gradients(Z, p)
        model = self._math.free_energy_gradients(self.chains_, p)
        # ascent on the log-likelihood: -dF(data) + dF(model)
        grads = [gm - gd for gd, gm in zip(data, model)]
        grads[0] = grads[0] - self.weight_decay * p[0]
        grads = self._step_gradients(grads, p)
        self._n_updates += 1
        rate = getattr(self, "_current_learning_rate", self.learning_rate)
        steps = adam_steps(grads, self._moments, self._n_updates, rate)
        self._set_params(self._apply_steps(p, steps))

    def _step_gradients(self, grads, p):
        """The gradients in the coordinates ``_apply_steps`` moves (default:
        those of ``free_energy_gradients``)."""
        return grads

    def _validation_score(self, X_val, y_val):
        if self._log_partition_method() == "exact":
            F = self._math.free_energy(X_val, self._params())
            return float(np.mean(-F - self.log_partition_))
        return self._proxy_score(X_val)

    def _check_valid(self, p):
        """Raise when the parameters define no density (default: never)."""

    def _ais_log_partition(self, n_runs, n_temperatures, random_state):
        """Forward AIS (block Gibbs) pooled with importance sampling of the
        hidden units, on the AIS end states and the persistent chains
        (``self._math.ais_log_partition``)."""
        p = self._params()
        self._check_valid(p)
        return self._math.ais_log_partition(p, n_runs, n_temperatures,
                                            check_generator(random_state),
                                            anchors=getattr(self, "chains_", None))

    # ------------------------------------------------------------ inference
    def _centred(self, X):
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return (X - self.mean_).astype(self.components_.dtype, copy=False)

    def free_energy(self, X):
        """Free energy ``F(x)`` of each row (hidden units summed or
        integrated out).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        free_energy : ndarray of shape (n_samples,)
        """
        return self._math.free_energy(self._centred(X), self._params())

    def score_samples(self, X, return_std=False):
        """Log-density ``log p(x)`` of each row, in nats.

        ``-F(x) - log Z``: exact when ``log Z`` is enumerated (hidden units
        at most ``exact_limit``), else with an AIS estimate of ``log Z``,
        cached and deterministic after ``fit`` (``score_kind_`` says which).

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
        p = self._params()
        self._check_valid(p)
        scores = -self._math.free_energy(Z, p).astype(np.float64) - self.log_partition_
        return self._scores_with_std(scores, return_std)

    def sample(self, n_samples=1, *, n_steps=1000, init="random", random_state=None):
        """Draw samples with the model's Markov chain.

        Parameters
        ----------
        n_samples : int, default=1
            Number of independent chains, one sample each.
        n_steps : int, default=1000
            Transitions per chain.
        init : {"random", "persistent"}, default="random"
            ``"random"`` starts from ``N(mean_, 1 / precision_)``;
            ``"persistent"`` continues the training chains (at most
            ``n_chains`` of them). A model of natural-image patches has
            modes of very different scale (flat and textured patches) that
            local moves cross rarely: fresh chains can stay in the mode they
            start in for many steps, the training chains have visited both.
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        rng = self._sampling_rng(n_samples, random_state, n_steps=n_steps)
        p = self._params()
        self._check_valid(p)
        dtype = self.components_.dtype
        if init == "random":
            Z = rng.standard_normal((n_samples, self.n_features_in_)) / np.sqrt(self.precision_)
            Z = Z.astype(dtype)
        elif init == "persistent":
            if n_samples > self.chains_.shape[0]:
                raise ValueError(
                    f"init='persistent' can continue at most {self.chains_.shape[0]} "
                    f"chains, got n_samples={n_samples}."
                )
            Z = self.chains_[:n_samples].copy()
        else:
            raise ValueError(f"init must be 'random' or 'persistent', got {init!r}.")
        Z = self._run_chains(Z, n_steps, rng)
        return (Z + self.mean_).astype(dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class HMCChainsMixin:
    """Persistent chains for the models whose ``p(x | h)`` is Gaussian with a
    non-diagonal precision (mcRBM, mPoT): ``sampler="gibbs"`` runs block
    Gibbs (``_math.gibbs_sweep``: hidden units given ``x``, then ``x`` by one
    Cholesky factorisation per row), ``sampler="hmc"`` runs HMC on the free
    energy (``_math.energy_grad``). Hyperparameters ``sampler``,
    ``n_leapfrog``, ``hmc_step_size``, ``target_acceptance``; fitted
    ``hmc_step_size_`` (adapted toward the target during training: the
    target distribution changes with every update, so all of training is
    burn-in; fixed in ``sample``) and ``hmc_acceptance_rate_`` (training
    chains, last epoch; NaN when no HMC transition ran). AIS always uses
    block Gibbs: it leaves every intermediate model invariant with no step
    size to tune, and it moves chains between the flat and the textured
    scales of image patches, which HMC at one step size cannot."""

    _hmc_state = ("hmc_step_size_", "hmc_acceptance_rate_")

    _hmc_constraints = {
        "sampler": [StrOptions({"gibbs", "hmc"})],
        "n_leapfrog": [Interval(Integral, 1, None, closed="left")],
        "hmc_step_size": [Interval(Real, 0, None, closed="neither")],
        "target_acceptance": [Interval(Real, 0, 1, closed="neither")],
    }

    def _init_hmc(self):
        self.hmc_step_size_ = float(self.hmc_step_size)
        self.hmc_acceptance_rate_ = float("nan")

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        self._epoch_accepted = self._epoch_proposed = 0
        stats = super()._run_epoch(X, y, rng, progress, shuffle=shuffle)
        self.hmc_acceptance_rate_ = (self._epoch_accepted / self._epoch_proposed
                                     if self._epoch_proposed else float("nan"))
        if self.verbose and self.sampler == "hmc":
            stats = {**stats, "HMC acceptance": self.hmc_acceptance_rate_,
                     "HMC step": self.hmc_step_size_}
        return stats

    def _advance_chains(self, p, rng):
        """One transition of the chains on the current model: a block-Gibbs
        sweep, or an HMC transition whose step size moves toward
        ``target_acceptance``."""
        if self.sampler == "gibbs":
            self.chains_ = self._math.gibbs_sweep(self.chains_, p, rng)
            return
        self.chains_, accepted = hmc_transition(
            lambda Z: self._math.energy_grad(Z, p), self.chains_, self.hmc_step_size_,
            self.n_leapfrog, rng,
        )
        self._epoch_accepted += int(accepted.sum())
        self._epoch_proposed += accepted.shape[0]
        self.hmc_step_size_ = adapt_step_size(
            self.hmc_step_size_, accepted.mean(), self.target_acceptance, 0.1
        )

    def _run_chains(self, Z, n_steps, rng):
        p = self._params()
        if self.sampler == "gibbs":
            for _ in range(n_steps):
                Z = self._math.gibbs_sweep(Z, p, rng)
            return Z
        for _ in range(n_steps):
            Z, _ = hmc_transition(lambda x: self._math.energy_grad(x, p), Z,
                                  self.hmc_step_size_, self.n_leapfrog, rng)
        return Z
