"""The base of the restricted Boltzmann machines with binary hidden units (§20.2).

:class:`BaseRBM` holds what every RBM shares: hyperparameter validation, the
hooks of the template ``fit``/``partial_fit`` of
:class:`~skgenerative.base.TrainableMixin`, persistent chains, the exact or
estimated log partition function, sampling and the scikit-learn plumbing. The
visible layer is a unit-type object (``_units.py``) that supplies the
conditional means, free-energy and log Z terms, sampling and the kernels; a
concrete RBM supplies that object, the initialisation and the epoch call.
"""

from abc import abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import GenerativeMixin, TrainableMixin
from ..utils.random import check_generator, draw_seed
from ..utils.validation import resolve_dtype
from ._ais import ais_log_partition
from ._kernels._hyper import epoch_hyper
from ._log_partition import LogPartitionMixin
from ._units import check_unit_type

__all__ = ["BaseRBM"]

#: Rows of sparse input densified at once during training.
_SPARSE_CHUNK_ROWS = 2048
#: Most enumerated units for which the exact log-likelihood is ever computed
#: per epoch (verbose, early stopping); see ``_exact_score_is_cheap``.
_CHEAP_ENUMERATION_UNITS = 16
#: Share of a training epoch's work that a per-epoch exact score may take.
_SCORE_COST_FRACTION = 0.1
#: Work (multiply-adds) below which a per-epoch exact score is always allowed:
#: about a millisecond, negligible whatever the epoch costs.
_SCORE_COST_FLOOR = 1e6
#: Rows used for the per-epoch statistics printed when verbose.
_MONITOR_ROWS = 1000


class BaseRBM(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    LogPartitionMixin,
    GenerativeMixin,
    TrainableMixin,
    BaseEstimator,
):
    """Shared machinery of RBMs with binary hidden units. Not public.

    The visible layer is a unit-type object (``_visible_units``, see
    ``_units.py``) that supplies the conditional means, sampling, free-energy
    and log Z terms and chooses the training and Gibbs kernels; the hidden
    layer is Bernoulli. A concrete RBM supplies the unit type, the layer's
    own parameters (``_visible_params``), the initialisation and the epoch
    kernel call.
    """

    #: The visible unit type (an instance: categorical units carry their
    #: categories and are set at ``_initialize`` instead).
    _visible_units = check_unit_type("bernoulli")
    _hidden_units = check_unit_type("bernoulli")

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "method": [StrOptions({"pcd", "cd"})],
        "n_gibbs_steps": [Interval(Integral, 1, None, closed="left")],
        "n_chains": [Interval(Integral, 1, None, closed="left"), None],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "penalty": [StrOptions({"l2", "l1"})],
        "learning_rate_schedule": [StrOptions({"constant", "linear"})],
        "shuffle": ["boolean"],
        "dtype": [None, type, np.dtype, str],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        **LogPartitionMixin._log_partition_constraints,
    }

    _state_names = (
        "components_",
        "intercept_hidden_",
        "intercept_visible_",
        "h_samples_",
        "_velocity",
        "random_state_",
    )
    _parameter_names = ("components_", "intercept_hidden_", "intercept_visible_")

    # ---------------------------------------------------------------- hooks
    @abstractmethod
    def _init_visible(self, X, rng):
        """Initialise the visible-layer parameters from the data."""

    @abstractmethod
    def _epoch_kernel(self, X, rows, bounds, hyper, rng):
        """Run the family kernel over ``X[rows]``; batch i is
        ``rows[bounds[i]:bounds[i + 1]]``."""

    def _visible_params(self):
        """Fitted parameters of the visible layer besides its bias, as the
        unit type's keywords (e.g. ``precision`` of Gaussian units)."""
        return {}

    # ------------------------------------------------- unit-type delegation
    def _free_energy(self, v):
        """F(v) = -log sum_h exp(-E(v, h)), per row."""
        own = self._visible_units.energy(v, self.intercept_visible_, **self._visible_params())
        return own + self._hidden_units.free_energy(self._hidden_input(v))

    def _recognition_weights(self):
        """``R`` of shape (n_features, n_components) with ``v @ R + c`` the
        hidden input: the weights of a feed-forward (recognition) pass, the
        unit type's statistic folded in."""
        return self._visible_units.recognition_weights(self.components_, **self._visible_params())

    def _encode(self, X, handle_unknown=None):
        """The visible layer's values of data rows (one-hot groups for
        categorical units, ``X`` itself otherwise)."""
        return self._visible_units.encode(
            X, dtype=self.components_.dtype, handle_unknown=handle_unknown
        )

    def _hidden_input(self, v):
        """Total input to the hidden units (before the sigmoid)."""
        s = self._visible_units.statistics(v, **self._visible_params())
        return safe_sparse_dot(s, self.components_.T, dense_output=True) + self.intercept_hidden_

    def _mean_visibles(self, h):
        """E[v | h]."""
        activation = h @ self.components_ + self.intercept_visible_
        return self._visible_units.mean(activation, **self._visible_params())

    def _sample_visibles(self, h, rng):
        """A draw of v | h."""
        return self._visible_units.sample(self._mean_visibles(h), rng, **self._visible_params())

    def _exact_log_partition(self):
        """log Z by enumeration of the smaller (or only enumerable) layer."""
        return self._visible_units.log_partition(
            self.components_, self.intercept_visible_, self.intercept_hidden_,
            **self._visible_params(),
        )

    def _enumerated_units(self):
        """Number of binary units the exact log Z enumerates."""
        return self._visible_units.enumerated_units(self.components_)

    def _check_support(self, X):
        """Warn when X is outside the visible units' support."""
        self._visible_units.check_support(X, type(self).__name__)

    def _fresh_visibles(self, n_samples, rng):
        """Starting states of new sampling chains (the independent base model)."""
        return self._visible_units.fresh(n_samples, self.base_rate_, rng, **self._visible_params())

    def _gibbs_kernel(self, V, n_steps, rng):
        """Run ``n_steps`` block-Gibbs sweeps in place on V (float, C-contiguous)."""
        self._visible_units.gibbs(
            V, self.components_, self.intercept_visible_, self.intercept_hidden_,
            n_steps, rng, **self._visible_params(),
        )

    # ------------------------------------------------------------ validation
    def _validate_X(self, X, *, reset):
        return validate_data(
            self,
            X,
            accept_sparse="csr",  # CSC, LIL, ... are converted
            dtype=(np.float64, np.float32),
            reset=reset,
        )

    # ----------------------------------------------------------- fitting
    def _check_training_data(self, X, y, *, reset):
        X = self._validate_X(X, reset=reset)
        self._check_support(X)
        return X, None

    def _is_initialized(self):
        return hasattr(self, "components_")

    def _initialize(self, X, y, rng, *, partial):
        dtype = resolve_dtype(self.dtype, X)
        nh, nv = self.n_components, X.shape[1]
        self.components_ = np.ascontiguousarray(
            rng.normal(0.0, 0.01, (nh, nv)), dtype=dtype
        )
        self.intercept_hidden_ = np.zeros(nh, dtype=dtype)
        self._init_visible(X, rng)
        n_chains = self.batch_size if self.n_chains is None else self.n_chains
        self.h_samples_ = np.zeros((n_chains, nh), dtype=dtype)
        self._velocity = (
            np.zeros_like(self.components_),
            np.zeros_like(self.intercept_visible_),
            np.zeros_like(self.intercept_hidden_),
        )
        self._n_features_out = nh
        self.n_iter_ = 0
        # seed of the deterministic streams used after fit (pseudo-likelihood, AIS)
        self._score_seed = draw_seed(rng)
        self._forget_log_partition()

    def _ensure_contiguous_state(self):
        """Kernels update in place: the state must be C-contiguous, one dtype."""
        dtype = self.components_.dtype
        for name in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"):
            setattr(self, name, np.ascontiguousarray(getattr(self, name), dtype=dtype))

    def _hyper(self, learning_rate):
        decay = self.weight_decay
        return epoch_hyper(
            learning_rate,
            momentum=self.momentum,
            l2=decay if self.penalty == "l2" else 0.0,
            l1=decay if self.penalty == "l1" else 0.0,
            offset_rate=self._offset_rate(),
            n_gibbs_steps=self.n_gibbs_steps,
            persistent=self.method == "pcd",
        )

    def _offset_rate(self):
        return 0.0

    def _training_data(self, X, y):
        self._ensure_contiguous_state()
        if not sp.issparse(X):
            X = np.ascontiguousarray(X, dtype=self.components_.dtype)
        return X, y

    def _blas_work(self, X):
        # the largest product of a step: the stacked batch and chains times W
        stacked_rows = self.batch_size + self.h_samples_.shape[0]
        return stacked_rows * self.components_.shape[0] * self.components_.shape[1]

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        n = X.shape[0]
        self._epoch_rows = n  # sizes the per-epoch validation score
        rows = rng.permutation(n) if shuffle else np.arange(n)
        hyper = self._hyper(self._current_learning_rate)
        n_batches = int(np.ceil(n / self.batch_size))
        self._run_batches(X, rows, n_batches, hyper, rng, progress)
        self._forget_log_partition()
        return self._monitor(X)

    def _run_batches(self, X, rows, n_batches, hyper, rng, progress):
        n = X.shape[0]
        # even batch sizes, as scikit-learn's gen_even_slices
        bounds = (np.arange(n_batches + 1, dtype=np.int64) * n) // n_batches
        if not sp.issparse(X):
            self._epoch_kernel(X, rows, bounds, hyper, rng)
            progress(n)
            return
        # densify a few thousand rows at a time, whole batches per chunk
        batches_per_chunk = max(1, _SPARSE_CHUNK_ROWS // self.batch_size)
        for first in range(0, n_batches, batches_per_chunk):
            last = min(n_batches, first + batches_per_chunk)
            start, stop = bounds[first], bounds[last]
            dense = np.ascontiguousarray(
                X[rows[start:stop]].toarray(), dtype=self.components_.dtype
            )
            self._epoch_kernel(
                dense, np.arange(stop - start), bounds[first : last + 1] - start, hyper, rng
            )
            progress(stop - start)

    def _log_likelihood(self, V):
        """-F(v) - log Z of rows already in the layer's representation."""
        return -self._free_energy(V) - self.log_partition_

    def _reconstruction_error(self, V):
        Vd = V.toarray() if sp.issparse(V) else V
        recon = self._mean_visibles(expit(self._hidden_input(Vd)))
        return float(np.mean((Vd - recon) ** 2))

    def _proxy_score(self, V):
        """(name, value) of a cheap stand-in for the log-likelihood of a
        large model: minus the reconstruction error unless overridden."""
        return None, -self._reconstruction_error(V)

    def _monitor(self, X):
        """Statistics printed per epoch: cheap, on at most 1000 rows."""
        if not self.verbose:
            return {}
        Xm = X[:_MONITOR_ROWS]
        stats = {"reconstruction error": self._reconstruction_error(Xm)}
        if self._exact_score_is_cheap(X.shape[0]):
            stats["log-likelihood"] = float(np.mean(self._log_likelihood(Xm)))
        else:
            name, value = self._proxy_score(Xm)
            if name is not None:
                stats[name] = value
        return stats

    def _exact_score_is_cheap(self, n_train_rows):
        """Whether an exact log-likelihood every epoch costs at most about
        ``_SCORE_COST_FRACTION`` of the epoch. Enumerating ``2**u`` states
        takes one ``n_visible x n_hidden`` product per state; a CD-k epoch
        takes ``2 + 2k`` per training row."""
        units = self._enumerated_units()
        if units > _CHEAP_ENUMERATION_UNITS:
            return False
        layer = float(self.components_.size)
        enumeration = 2.0**units * layer
        epoch = (2 + 2 * self.n_gibbs_steps) * n_train_rows * layer
        return enumeration <= max(_SCORE_COST_FRACTION * epoch, _SCORE_COST_FLOOR)

    def _validation_score(self, X_val, y_val):
        # the exact log-likelihood when it is cheap next to an epoch, else the
        # proxy (one pass over the validation rows)
        if self._exact_score_is_cheap(getattr(self, "_epoch_rows", X_val.shape[0])):
            return float(np.mean(self._log_likelihood(X_val)))
        return self._proxy_score(X_val)[1]

    def _begin_epoch(self, epoch, n_epochs):
        if self.learning_rate_schedule == "linear":
            self._current_learning_rate = self.learning_rate * (1 - epoch / n_epochs)
        else:
            self._current_learning_rate = self.learning_rate

    # ------------------------------------------------------------- inference
    def transform(self, X):
        """Hidden activation probabilities P(h = 1 | v = X).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible data.

        Returns
        -------
        h : ndarray of shape (n_samples, n_components)
            The features: mean-field values of the hidden units.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        return self._mean_hiddens(X)

    def _mean_hiddens(self, v):
        return expit(self._hidden_input(v))

    def inverse_transform(self, H):
        """Mean of the visible units given hidden values, E[v | h].

        For categorical visible units, the most probable category of each
        feature instead (a value of ``categories_``).

        Parameters
        ----------
        H : array-like of shape (n_samples, n_components)
            Hidden states or probabilities (e.g. the output of ``transform``).

        Returns
        -------
        v : ndarray of shape (n_samples, `n_features_in_`)
        """
        return self._visible_units.decode(self._mean_visibles(self._check_hidden(H)))

    def _check_hidden(self, H):
        check_is_fitted(self)
        H = np.asarray(H, dtype=self.components_.dtype)
        if H.ndim != 2 or H.shape[1] != self.n_components:
            raise ValueError(
                f"H must have shape (n_samples, {self.n_components}), got {H.shape}."
            )
        if not np.all(np.isfinite(H)):
            raise ValueError("H contains NaN or infinity.")
        return H

    def mean_hiddens(self, X):
        """P(h = 1 | v) (same as ``transform``)."""
        return self.transform(X)

    def sample_hiddens(self, X, random_state=None):
        """Draw h ~ P(h | v = X).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        h : ndarray of shape (n_samples, n_components), values in {0, 1}
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._sample_hiddens(X, self._rng(random_state))

    def sample_visibles(self, H, random_state=None):
        """Draw v ~ P(v | h = H).

        Parameters
        ----------
        H : array-like of shape (n_samples, n_components)
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        v : ndarray of shape (n_samples, `n_features_in_`)
        """
        V = self._sample_visibles(self._check_hidden(H), self._rng(random_state))
        return self._visible_units.decode(V)

    def _sample_hiddens(self, v, rng):
        p = self._mean_hiddens(v)
        return (check_generator(rng).random(p.shape) < p).astype(p.dtype)

    def _rng(self, random_state):
        if random_state is not None:
            return check_generator(random_state)
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_generator(self.random_state)
        return self.random_state_

    def free_energy(self, X):
        """Free energy F(v) = -log sum_h exp(-E(v, h)) of each row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        free_energy : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._free_energy(X)

    def gibbs(self, v):
        """Perform one block-Gibbs step v -> h -> v.

        Uses and advances the estimator's random stream (``random_state_``).

        Parameters
        ----------
        v : ndarray of shape (n_samples, n_features)
            Values of the visible layer to start from.

        Returns
        -------
        v_new : ndarray of shape (n_samples, n_features)
            Visible values after one Gibbs step (floats, of the model's dtype).
        """
        check_is_fitted(self)
        v = self._validate_X(v, reset=False)
        if sp.issparse(v):
            v = v.toarray()
        V = np.array(v, dtype=self.components_.dtype, order="C")
        self._gibbs_kernel(V, 1, self._rng(None))
        return self._visible_units.decode(V)

    def sample(self, n_samples=1, *, n_steps=1000, init="random", random_state=None):
        """Draw samples by block Gibbs sampling.

        Parameters
        ----------
        n_samples : int, default=1
            Number of independent chains, one sample each.
        n_steps : int, default=1000
            Gibbs sweeps per chain before its visible state is returned.
        init : {"random", "persistent"}, default="random"
            ``"random"`` starts new chains from the independent base model
            fitted to the training marginals; ``"persistent"`` continues the
            fitted persistent chains (``n_samples`` must then not exceed the
            number of chains).
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        rng = self._sampling_rng(n_samples, random_state, n_steps=n_steps)
        if init == "random":
            V = self._fresh_visibles(n_samples, rng)
        elif init == "persistent":
            if n_samples > self.h_samples_.shape[0]:
                raise ValueError(
                    f"init='persistent' can continue at most {self.h_samples_.shape[0]} "
                    f"chains, got n_samples={n_samples}."
                )
            V = self._sample_visibles(self.h_samples_[:n_samples], rng)
        else:
            raise ValueError(f"init must be 'random' or 'persistent', got {init!r}.")
        V = np.ascontiguousarray(V, dtype=self.components_.dtype)
        self._gibbs_kernel(V, n_steps, rng)
        return self._visible_units.decode(V)

    # ------------------------------------------------------------ likelihood
    def _ais_log_partition(self, n_runs, n_temperatures, random_state):
        return self.estimate_log_partition(
            n_runs=n_runs, betas=n_temperatures, random_state=random_state
        )

    def estimate_log_partition(self, *, n_runs=100, betas=None, random_state=None, n_jobs=None):
        """Estimate log Z by annealed importance sampling (AIS).

        Starts from the independent model of the training marginals
        (``base_rate_``). The result is not cached: to use it in
        ``score_samples``, pass ``log_z=result.log_z`` or rely on
        ``log_z="auto"``, which runs this with 100 runs and the default
        schedule of 14,501 temperatures (Salakhutdinov & Murray 2008) on
        the first call that needs log Z, seeded at ``fit``.

        Parameters
        ----------
        n_runs : int, default=100
            Number of AIS chains.
        betas : None, int or array-like, default=None
            Temperature schedule, see
            :func:`skgenerative.evaluation.ais_log_partition`.
        random_state : int, Generator or None, default=None
        n_jobs : int or None, default=None
            Threads running blocks of chains; the result does not depend on it.

        Returns
        -------
        result : skgenerative.evaluation.AISResult
            ``log_z``, its standard error ``log_z_std``, interval
            ``log_z_ci`` and effective sample size ``ess``.
        """
        check_is_fitted(self)
        return ais_log_partition(
            self, n_runs=n_runs, betas=betas, random_state=random_state, n_jobs=n_jobs
        )

    def score_samples(self, X, return_std=False):
        """Log-likelihood log p(v) of each row, in nats.

        ``-F(v) - log Z``: exact when the smaller layer has at most
        ``exact_limit`` units (``log Z`` by enumeration), otherwise with an
        AIS estimate of ``log Z`` (see ``log_z`` and
        ``estimate_log_partition``; its interval is ``log_partition_ci_``).
        The first call on a large model runs AIS (about a minute for a
        784x500 RBM); the value is cached and deterministic after ``fit``.
        ``score_kind_`` says which of the two applies.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard error of each score: the error of the
            AIS estimate of ``log Z`` (0 when exact or given).

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        return self._scores_with_std(-self._free_energy(X) - self.log_partition_, return_std)


    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
