"""Restricted Boltzmann machines with binary hidden units (§20.2).

:class:`BaseRBM` holds what every RBM shares: hyperparameter validation, the
epoch loop (through :class:`~skgenerative.base.EpochLoopMixin`), persistent
chains, the exact or estimated log partition function, sampling and the
scikit-learn plumbing. A concrete RBM supplies its visible unit type: how to
initialise, run one epoch, compute the free energy, sample and enumerate.
"""

import numbers
from abc import abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, logit
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from ..base import EpochLoopMixin, GenerativeMixin
from ..exceptions import PartitionFunctionError
from ..utils.random import check_generator, draw_seed
from ..utils.validation import resolve_dtype, warn_if_not_binary
from . import _kernels
from ._units import softplus

__all__ = ["BernoulliRBM"]

#: Rows of sparse input densified at once during training.
_SPARSE_CHUNK_ROWS = 2048
#: Enumerated states below which the exact log-likelihood is cheap enough to
#: report every epoch (verbose, early stopping).
_CHEAP_ENUMERATION_UNITS = 16
#: Below this many multiply-adds per training GEMM ((batch + chains) x
#: n_features x n_components) BLAS is pinned to one thread. Two-thread
#: OpenBLAS waits for the other core at every GEMM: when that core is busy
#: (GridSearchCV workers, other jobs) an epoch gets 10-25x slower (measured:
#: our 500-unit, batch-100 epoch took 7.3 s instead of 0.3 s at load 3;
#: scikit-learn's 25-unit, batch-100 epoch 5.6 s instead of 0.24 s), while
#: on an idle machine two threads gain only 1.25-1.4x on these shapes
#: (DESIGN.md §4, benchmarks/README.md). Only GEMMs of tens of milliseconds,
#: where a scheduler delay does not matter, get more threads.
_SINGLE_THREAD_MACS = 2**30
#: Rows used for the per-epoch statistics printed when verbose.
_MONITOR_ROWS = 1000


def _binary_log_partition(W, b, c):
    """Exact log Z of a binary RBM, enumerating the smaller layer.

    ``W`` is (n_hidden, n_visible). Summing out the other layer analytically:
    ``log Z = logsumexp_h [c.h + sum_j softplus(b_j + (W.T h)_j)]``.
    """
    W = np.ascontiguousarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    if W.shape[0] > W.shape[1]:  # enumerate the visible layer instead
        W, b, c = np.ascontiguousarray(W.T), c, b
    n_enum = W.shape[0]
    n_blocks = 64 if n_enum >= 6 else 1
    return float(_kernels._log_partition_enum(W, b, c, np.empty(0), n_blocks))


class BaseRBM(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    GenerativeMixin,
    EpochLoopMixin,
    BaseEstimator,
):
    """Shared machinery of RBMs with binary hidden units. Not public."""

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
        "log_z": [StrOptions({"auto", "exact", "ais"}), Real],
        "exact_limit": [Interval(Integral, 0, 30, closed="both")],
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

    @abstractmethod
    def _free_energy(self, v):
        """F(v) = -log sum_h exp(-E(v, h)), per row."""

    @abstractmethod
    def _hidden_input(self, v):
        """Total input to the hidden units (before the sigmoid)."""

    @abstractmethod
    def _mean_visibles(self, h):
        """E[v | h]."""

    @abstractmethod
    def _sample_visibles(self, h, rng):
        """A draw of v | h."""

    @abstractmethod
    def _exact_log_partition(self):
        """log Z by enumeration of the smaller (or only enumerable) layer."""

    @abstractmethod
    def _enumerated_units(self):
        """Number of binary units the exact log Z enumerates."""

    @abstractmethod
    def _check_support(self, X):
        """Warn when X is outside the visible units' support."""

    @abstractmethod
    def _fresh_visibles(self, n_samples, rng):
        """Starting states of new sampling chains (the independent base model)."""

    @abstractmethod
    def _gibbs_kernel(self, V, n_steps, rng):
        """Run ``n_steps`` block-Gibbs sweeps in place on V (float, C-contiguous)."""

    # ------------------------------------------------------------ validation
    def _validate_X(self, X, *, reset):
        return validate_data(
            self,
            X,
            accept_sparse="csr",  # CSC, LIL, ... are converted
            dtype=(np.float64, np.float32),
            reset=reset,
        )

    def _compute_dtype(self, X):
        dtype = resolve_dtype(self.dtype, X)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}.")
        return dtype

    # ----------------------------------------------------------- fitting
    def _initialize(self, X, rng):
        dtype = self._compute_dtype(X)
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
        self._log_partition = None
        self._log_partition_ci = None

    def _ensure_contiguous_state(self):
        """Kernels update in place: the state must be C-contiguous, one dtype."""
        dtype = self.components_.dtype
        for name in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"):
            setattr(self, name, np.ascontiguousarray(getattr(self, name), dtype=dtype))

    def _hyper(self, learning_rate):
        decay = self.weight_decay
        return np.array(
            [
                learning_rate,
                self.momentum,
                decay if self.penalty == "l2" else 0.0,
                decay if self.penalty == "l1" else 0.0,
                self._offset_rate(),
                self.n_gibbs_steps,
                1.0 if self.method == "pcd" else 0.0,
            ],
            dtype=np.float64,
        )

    def _offset_rate(self):
        return 0.0

    def _run_epoch(self, X, rng, progress):
        n = X.shape[0]
        rows = rng.permutation(n) if self.shuffle else np.arange(n)
        hyper = self._hyper(self._current_learning_rate)
        n_batches = int(np.ceil(n / self.batch_size))
        stacked_rows = self.batch_size + self.h_samples_.shape[0]
        macs = stacked_rows * self.components_.shape[0] * self.components_.shape[1]
        limit = 1 if macs < _SINGLE_THREAD_MACS else None
        with threadpool_limits(limits=limit, user_api="blas"):
            self._run_batches(X, rows, n_batches, hyper, rng, progress)
        self._log_partition = self._log_partition_ci = None
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

    def _monitor(self, X):
        """Statistics printed per epoch: cheap, on at most 1000 rows."""
        if not self.verbose:
            return {}
        Xm = X[:_MONITOR_ROWS]
        Xd = Xm.toarray() if sp.issparse(Xm) else Xm
        recon = self._mean_visibles(expit(self._hidden_input(Xd)))
        stats = {"reconstruction error": float(np.mean((Xd - recon) ** 2))}
        if self._enumerated_units() <= _CHEAP_ENUMERATION_UNITS:
            stats["log-likelihood"] = float(np.mean(self.score_samples(Xm)))
        else:
            stats["pseudo-likelihood"] = float(np.mean(self.pseudo_likelihood(Xm)))
        return stats

    def _validation_score(self, X_val):
        if self._enumerated_units() <= _CHEAP_ENUMERATION_UNITS:
            return float(np.mean(self.score_samples(X_val)))
        return float(np.mean(self.pseudo_likelihood(X_val)))

    def _split_validation(self, X, rng):
        if not self.early_stopping:
            return X, None
        n_val = max(1, int(round(self.validation_fraction * X.shape[0])))
        if X.shape[0] - n_val < 1:
            raise ValueError(
                f"early_stopping needs at least 2 samples, got {X.shape[0]}."
            )
        perm = rng.permutation(X.shape[0])
        return X[np.sort(perm[n_val:])], X[np.sort(perm[:n_val])]

    def _n_epochs(self):
        return self.n_iter

    def _fit(self, X):
        """Validate, initialise (unless warm), train for the configured epochs."""
        warm = self.warm_start and hasattr(self, "components_")
        # a warm start keeps the fitted feature count: other data is an error
        X = self._validate_X(X, reset=not warm)
        self._check_support(X)
        rng = self.random_state_ if warm else check_generator(self.random_state)
        if not warm:
            self.random_state_ = rng
            self._initialize(X, rng)
        self._ensure_contiguous_state()
        X_train, X_val = self._split_validation(X, rng)
        if not sp.issparse(X_train):
            X_train = np.ascontiguousarray(X_train, dtype=self.components_.dtype)
        self._fit_epochs(
            X_train,
            self._n_epochs(),
            rng,
            X_val=X_val,
            tol=self.tol if self.early_stopping else None,
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
        )
        return self

    def _partial_fit(self, X):
        """One pass over the block X in minibatches, in order (no shuffle).

        The first call initialises from its block; later calls keep the
        chains, momentum and random stream, so a sequence of blocks gives the
        same model as ``fit`` on the same batches in the same order.
        """
        first = not hasattr(self, "components_")
        X = self._validate_X(X, reset=first)
        self._check_support(X)
        if first:
            self.random_state_ = check_generator(self.random_state)
            self._initialize(X, self.random_state_)
        self._ensure_contiguous_state()
        if not sp.issparse(X):
            X = np.ascontiguousarray(X, dtype=self.components_.dtype)
        shuffle, self.shuffle = self.shuffle, False
        try:
            self._fit_epochs(X, 1, self.random_state_, verbose=self.verbose)
        finally:
            self.shuffle = shuffle
        return self

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

        Parameters
        ----------
        H : array-like of shape (n_samples, n_components)
            Hidden states or probabilities (e.g. the output of ``transform``).

        Returns
        -------
        v : ndarray of shape (n_samples, n_features_in_)
        """
        return self._mean_visibles(self._check_hidden(H))

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
        v : ndarray of shape (n_samples, n_features_in_)
        """
        return self._sample_visibles(self._check_hidden(H), self._rng(random_state))

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
        return V

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
        X : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        if not isinstance(n_steps, numbers.Integral) or n_steps < 1:
            raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}.")
        rng = self._rng(random_state)
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
        return V

    # ------------------------------------------------------------ likelihood
    @property
    def log_partition_(self):
        """log Z of the fitted model (computed on first use, then cached)."""
        check_is_fitted(self, "components_")
        if getattr(self, "_log_partition", None) is None:
            self._log_partition, self._log_partition_ci = self._compute_log_partition()
        return self._log_partition

    @property
    def log_partition_ci_(self):
        """(low, high) interval of ``log_partition_``: a point for exact or
        given values, ±3 standard errors for AIS."""
        log_z = self.log_partition_
        return self._log_partition_ci if self._log_partition_ci else (log_z, log_z)

    def _uses_exact_log_partition(self):
        log_z = self.log_z
        if isinstance(log_z, numbers.Real) and not isinstance(log_z, bool):
            return False
        return log_z == "exact" or (
            log_z == "auto" and self._enumerated_units() <= self.exact_limit
        )

    def _compute_log_partition(self):
        """(log Z, interval or None) as ``log_z`` asks."""
        log_z = self.log_z
        if isinstance(log_z, numbers.Real) and not isinstance(log_z, bool):
            return float(log_z), None
        if self._uses_exact_log_partition():
            n_enum = self._enumerated_units()
            if n_enum > 30:
                raise PartitionFunctionError(
                    f"log_z='exact' would enumerate 2**{n_enum} states; use "
                    "log_z='ais' (or 'auto')."
                )
            return self._exact_log_partition(), None
        result = self.estimate_log_partition(random_state=self._score_seed)
        from ..evaluation._ais import warn_if_unreliable  # evaluation imports models

        warn_if_unreliable(
            result, "log Z",
            "Estimate it with more temperatures or runs (estimate_log_partition(n_runs=..., "
            "betas=...)) and pass its log_z as the log_z parameter.",
        )
        return result.log_z, result.log_z_ci

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
        from ..evaluation import ais_log_partition  # evaluation imports models

        check_is_fitted(self)
        return ais_log_partition(
            self, n_runs=n_runs, betas=betas, random_state=random_state, n_jobs=n_jobs
        )

    def score_samples(self, X):
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

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        return -self._free_energy(X) - self.log_partition_

    @property
    def score_kind_(self):
        """"exact" when log Z is enumerated, else "estimate" (AIS or given)."""
        return "exact" if self._uses_exact_log_partition() else "estimate"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class BernoulliRBM(BaseRBM):
    """Bernoulli restricted Boltzmann machine (binary visible and hidden units).

    A drop-in replacement for :class:`sklearn.neural_network.BernoulliRBM`:
    the same constructor arguments with the same defaults and meaning, the same
    fitted attributes and methods, many times faster (fused Numba kernels, one
    BLAS call per matrix product, in-place updates), and with what
    scikit-learn's lacks: the true log-likelihood in ``score_samples``
    (``-F(v) - log Z``; scikit-learn returns a pseudo-likelihood), CD-k and
    PCD-k, persistent chains independent of the batch size, momentum, weight
    decay, centring, float32 compute, early stopping and sampling.

    Energy (§20.2, eq. 20.4): ``E(v, h) = -b.v - c.h - h.W v`` with
    ``W = components_``, ``b = intercept_visible_``, ``c = intercept_hidden_``.

    Parameters
    ----------
    n_components : int, default=256
        Number of binary hidden units.
    learning_rate : float, default=0.1
        Learning rate of the (mean-gradient) updates. Reasonable values are in
        the 10**[0., -3.] range.
    batch_size : int, default=10
        Number of examples per minibatch (batches are split evenly).
    n_iter : int, default=10
        Number of epochs (the maximum when ``early_stopping=True``).
    verbose : int, default=0
        1 prints per-epoch time, reconstruction error and the log-likelihood
        (when the exact one is cheap) or pseudo-likelihood; 2 also shows a
        progress bar per epoch when tqdm is installed.
    random_state : int, RandomState instance, Generator or None, default=None
        Fixes initialisation, sampling and the seeds of scoring: the same
        seed and data give bit-identical parameters, samples and scores.
    method : {"pcd", "cd"}, default="pcd"
        Persistent contrastive divergence (stochastic maximum likelihood,
        scikit-learn's method) or contrastive divergence.
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
        ``"linear"`` decays the learning rate linearly to 0 over the epochs
        (Tieleman 2008).
    shuffle : bool, default=True
        Shuffle the rows every epoch.
    centering : bool, default=False
        Centred gradient (Melchior et al. 2016): offsets are sliding averages
        (rate 0.01) of the data and hidden means; the fitted attributes stay
        plain-energy parameters with the offsets folded in.
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Compute dtype; None follows the input (float32 stays float32).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its
        log-likelihood (exact when cheap, else pseudo-likelihood) has not
        improved by ``tol`` for ``n_iter_no_change`` epochs; the best
        parameters are kept.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    warm_start : bool, default=False
        Continue from the fitted parameters and chains on ``fit``.
    log_z : {"auto", "exact", "ais"} or float, default="auto"
        How ``log Z`` is obtained for ``score_samples``: ``"auto"`` enumerates
        when the smaller layer has at most ``exact_limit`` units. An AIS
        estimate whose effective sample size is below a tenth of its runs
        raises :class:`~skgenerative.exceptions.UnreliableEstimateWarning`.
    exact_limit : int, default=20
        Largest number of units enumerated for the exact ``log Z``.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weight matrix W.
    intercept_hidden_ : ndarray of shape (n_components,)
        Biases of the hidden units.
    intercept_visible_ : ndarray of shape (n_features,)
        Biases of the visible units.
    h_samples_ : ndarray of shape (n_chains, n_components)
        Hidden states of the persistent chains.
    base_rate_ : ndarray of shape (n_features,)
        Visible biases of the independent model of the training marginals:
        the start of fresh sampling chains and of AIS.
    log_partition_ : float
        log Z (computed on first use, then cached).
    n_iter_ : int
        Epochs run.
    random_state_ : numpy.random.Generator
        The estimator's random stream (continued by ``partial_fit``,
        ``gibbs`` and ``sample``).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string feature names.

    See Also
    --------
    sklearn.neural_network.BernoulliRBM : The scikit-learn original.
    GaussianBernoulliRBM : Real-valued visible units.

    References
    ----------
    Hinton, G. E. (2002). Training products of experts by minimizing
    contrastive divergence. Neural Computation 14(8).

    Tieleman, T. (2008). Training restricted Boltzmann machines using
    approximations to the likelihood gradient. ICML.

    Melchior, J., Fischer, A. and Wiskott, L. (2016). How to center deep
    Boltzmann machines. JMLR 17.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import BernoulliRBM
    >>> X = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    >>> model = BernoulliRBM(n_components=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (4, 2)
    >>> float(np.exp(model.score_samples(X)).sum()) <= 1.0
    True
    """

    _parameter_constraints: dict = {
        **BaseRBM._parameter_constraints,
        "n_iter": [Interval(Integral, 0, None, closed="left")],
        "centering": ["boolean"],
    }

    def __init__(
        self,
        n_components=256,
        *,
        learning_rate=0.1,
        batch_size=10,
        n_iter=10,
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
        centering=False,
        dtype=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        warm_start=False,
        log_z="auto",
        exact_limit=20,
    ):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
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
        self.centering = centering
        self.dtype = dtype
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.log_z = log_z
        self.exact_limit = exact_limit

    _state_names = BaseRBM._state_names + ("_offsets",)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to the data X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, values in [0, 1] (binary, or probabilities).
        y : None
            Ignored.

        Returns
        -------
        self : BernoulliRBM
            The fitted model.
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Fit the model to one block of data: one pass over X in minibatches.

        A block of at most ``batch_size`` rows is one update (scikit-learn's
        semantics); a larger block is split into minibatches, in order.
        Persistent chains, momentum and the random stream carry over.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : BernoulliRBM
            The fitted model.
        """
        return self._partial_fit(X)

    # ------------------------------------------------------------ unit hooks
    def _init_visible(self, X, rng):
        mean = np.asarray(X.mean(axis=0)).ravel()
        # logit of the clipped data mean (Hinton's practical guide): the
        # visible biases start as the independent model of the marginals
        self.base_rate_ = logit(np.clip(mean, 1e-3, 1 - 1e-3)).astype(
            self.components_.dtype
        )
        self.intercept_visible_ = self.base_rate_.copy()
        dtype = self.components_.dtype
        if self.centering:
            self._offsets = (
                np.asarray(mean, dtype=dtype).copy(),
                np.full(self.n_components, 0.5, dtype=dtype),
            )
        else:
            self._offsets = (
                np.zeros(X.shape[1], dtype=dtype),
                np.zeros(self.n_components, dtype=dtype),
            )

    def _offset_rate(self):
        return 0.01 if self.centering else 0.0

    def _epoch_kernel(self, X, rows, bounds, hyper, rng):
        _kernels._sgd_epoch_bernoulli(
            X,
            rows,
            bounds,
            (self.components_, self.intercept_visible_, self.intercept_hidden_),
            self._velocity,
            self._offsets,
            self.h_samples_,
            hyper,
            rng,
        )

    def _hidden_input(self, v):
        return safe_sparse_dot(v, self.components_.T, dense_output=True) + self.intercept_hidden_

    def _free_energy(self, v):
        visible_term = safe_sparse_dot(v, self.intercept_visible_)
        return -np.asarray(visible_term).ravel() - softplus(self._hidden_input(v)).sum(axis=1)

    def _mean_visibles(self, h):
        return expit(h @ self.components_ + self.intercept_visible_)

    def _sample_visibles(self, h, rng):
        p = self._mean_visibles(h)
        return (check_generator(rng).random(p.shape) < p).astype(p.dtype)

    def _exact_log_partition(self):
        return _binary_log_partition(
            self.components_, self.intercept_visible_, self.intercept_hidden_
        )

    def _enumerated_units(self):
        return min(self.components_.shape)

    def _check_support(self, X):
        warn_if_not_binary(X, stacklevel=4)

    def _fresh_visibles(self, n_samples, rng):
        p = np.broadcast_to(expit(self.base_rate_), (n_samples, self.n_features_in_))
        return (rng.random(p.shape) < p).astype(self.components_.dtype)

    def _gibbs_kernel(self, V, n_steps, rng):
        H = np.empty((V.shape[0], self.n_components), dtype=V.dtype)
        _kernels._gibbs_bernoulli(
            V, self.components_, self.intercept_visible_, self.intercept_hidden_,
            n_steps, rng, H,
        )

    def pseudo_likelihood(self, X):
        """Stochastic pseudo-likelihood of each row (scikit-learn's score).

        ``n_features * log sigmoid(F(v~) - F(v))`` with ``v~`` equal to ``v``
        with one feature flipped, chosen from a seed fixed at ``fit`` (so the
        value is deterministic). A cheap proxy for the likelihood, not the
        likelihood: use ``score_samples`` for that.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        pseudo_likelihood : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        v = self._validate_X(X, reset=False)
        rng = np.random.default_rng(self._score_seed)
        flip = rng.integers(0, v.shape[1], v.shape[0])
        v = v.toarray() if sp.issparse(v) else np.array(v)
        v_flipped = v.copy()
        rows = np.arange(v.shape[0])
        v_flipped[rows, flip] = 1 - v_flipped[rows, flip]
        gap = self._free_energy(v_flipped) - self._free_energy(v)
        return -v.shape[1] * np.logaddexp(0, -gap)
