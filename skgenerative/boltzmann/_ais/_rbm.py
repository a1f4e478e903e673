"""Annealed importance sampling (AIS) for the log partition function of RBMs.

Forward AIS (Neal 2001; Salakhutdinov & Murray 2008) anneals from an
independent base model to the RBM and gives an unbiased estimate of ``Z``; its
logarithm underestimates ``log Z`` in expectation (Jensen), so log-likelihoods
computed with it are optimistic. Reverse AIS (Burda, Grosse & Salakhutdinov
2015) starts from samples of the RBM and anneals back to the base model; it
overestimates ``log Z`` in expectation, so log-likelihoods computed with it are
conservative. Together they sandwich ``log Z``.

The functions duck-type on the fitted attributes of the RBM family:
``components_`` (W, shape (n_hidden, n_visible)), ``intercept_hidden_`` (c),
``intercept_visible_`` (b), for Gaussian visibles ``precision_`` (beta_j), and
for categorical (softmax) visibles ``feature_offsets_`` (the one-hot columns of
each feature; ``categories_`` lets reverse AIS start from category codes).
"""

import math
import threading
from dataclasses import dataclass

import numpy as np

from ...utils._threads import blas_threads
from ...utils.random import check_generator, draw_seed
from ...utils.validation import is_binary
from .._kernels import _ais_bernoulli, _ais_categorical, _ais_gaussian_bernoulli
from .._kernels._categorical import _sample_groups_into, _softmax_groups_inplace
from .._units import CategoricalUnits
from .._unit_math import _group_logsumexp
from ._result import AISResult, _make_result
from ._schedule import _BLOCK_RUNS, _check_betas, _check_n_runs

__all__ = [
    "LogPartitionSandwich",
    "base_rate_from_data",
    "ais_log_partition",
    "log_partition_sandwich",
    "reverse_ais_log_partition",
]


def base_rate_from_data(X, *, visible="bernoulli", eps=None):
    """Visible biases of the base-rate model fitted to the data marginals.

    The best independent model of the data is the natural start of the AIS
    path (Salakhutdinov & Murray 2008): the closer the base model is to the
    RBM, the fewer temperatures AIS needs.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_visible)
        Training data.
    visible : {"bernoulli", "gaussian"}, default="bernoulli"
        Unit type: Bernoulli gives ``logit`` of the clipped pixel means,
        Gaussian gives the means.
    eps : float or None, default=None
        Clip the Bernoulli marginals to ``[eps, 1 - eps]`` (never-on pixels
        would otherwise give infinite biases); ``None`` means
        ``1 / (n_samples + 2)`` (a Laplace-smoothed rate, never exactly 0 or 1).

    Returns
    -------
    base_rate : ndarray of shape (n_visible,)
        Pass it as ``base_rate`` to :func:`ais_log_partition`.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty 2-D array; got shape {X.shape}.")
    mean = X.mean(axis=0)
    if visible == "gaussian":
        return mean
    if visible != "bernoulli":
        raise ValueError(f"visible must be 'bernoulli' or 'gaussian'; got {visible!r}.")
    if eps is None:
        eps = 1.0 / (X.shape[0] + 2)
    p = np.clip(mean, eps, 1.0 - eps)
    return np.log(p) - np.log1p(-p)


# ---------------------------------------------------------------------------
# model parameters


@dataclass
class _RBMParams:
    """The parameters AIS needs, in the compute dtype, C-contiguous: binary
    visibles. Subclasses for other visible types supply the base model's
    ``log Z`` and samples, the kernel, and the start states of reverse AIS."""

    W: np.ndarray
    Wt: np.ndarray
    b: np.ndarray
    c: np.ndarray
    b_base: np.ndarray

    def log_z_base(self):
        """log Z of the base model, hidden units (biases 0, no weights) included."""
        n_hidden = self.W.shape[0]
        return float(n_hidden * math.log(2.0) + self._visible_log_z_base())

    def _visible_log_z_base(self):
        return np.sum(np.logaddexp(0.0, self.b_base.astype(np.float64)))

    def sample_base(self, n_runs, rng):
        """Exact samples of the base model (independent visibles), float64."""
        p = 1.0 / (1.0 + np.exp(-self.b_base.astype(np.float64)))
        return (rng.random((n_runs, p.shape[0])) < p).astype(np.float64)

    def run(self, V, betas, rng, log_w):
        """The AIS kernel on the chains ``V`` (in place)."""
        _ais_bernoulli(V, self.W, self.Wt, self.b_base, self.b, self.c, betas, rng, log_w)

    def layer_values(self, init):
        """Start states of reverse AIS as the kernel's visible values."""
        return np.array(init, dtype=np.float64)


@dataclass
class _GaussianParams(_RBMParams):
    """Gaussian visibles with precisions ``precision`` (folded into ``Wt``)."""

    precision: np.ndarray = None

    def _visible_log_z_base(self):
        return 0.5 * np.sum(np.log(2 * np.pi / self.precision.astype(np.float64)))

    def sample_base(self, n_runs, rng):
        b_base = self.b_base.astype(np.float64)
        std = 1.0 / np.sqrt(self.precision.astype(np.float64))
        return b_base + std * rng.standard_normal((n_runs, b_base.shape[0]))

    def run(self, V, betas, rng, log_w):
        _ais_gaussian_bernoulli(V, self.W, self.Wt, self.b_base, self.b, self.c,
                                self.precision, betas, rng, log_w)


@dataclass
class _CategoricalParams(_RBMParams):
    """Softmax visible groups: group ``f`` owns the columns
    ``offsets[f]:offsets[f + 1]`` of the one-hot layer; the base model has
    independent groups with logits ``b_base``."""

    offsets: np.ndarray = None
    categories: list = None  # the model's categories_, to encode category codes

    def _visible_log_z_base(self):
        return float(_group_logsumexp(self.b_base.astype(np.float64)[None, :], self.offsets).sum())

    def sample_base(self, n_runs, rng):
        P = np.zeros((n_runs, self.b_base.shape[0]))
        _softmax_groups_inplace(P, self.b_base.astype(np.float64), self.offsets)
        u = rng.random((n_runs, self.offsets.shape[0] - 1))
        _sample_groups_into(P, self.offsets, u, P)
        return P

    def run(self, V, betas, rng, log_w):
        _ais_categorical(V, self.W, self.Wt, self.b_base, self.b, self.c, self.offsets,
                         betas, rng, log_w)

    def layer_values(self, init):
        """Category codes (one column per feature, as ``sample`` returns) or
        the one-hot layer itself."""
        init = np.asarray(init)
        n_values, n_features = self.b.shape[0], self.offsets.shape[0] - 1
        if init.ndim == 2 and init.shape[1] == n_values:
            V = np.array(init, dtype=np.float64)
            group_sums = np.add.reduceat(V, self.offsets[:-1], axis=1) if n_features else V
            if is_binary(V) and np.all(group_sums == 1):
                return V
        if init.ndim == 2 and init.shape[1] == n_features and self.categories is not None:
            return CategoricalUnits(self.categories).encode(init, handle_unknown="error")
        raise ValueError(
            f"init must hold category codes, shape (n_runs, {n_features}) (as the "
            f"model's sample returns), or one-hot groups, shape (n_runs, {n_values}); "
            f"got shape {init.shape}."
        )


def _rbm_params(model, base_rate, dtype):
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        if not hasattr(model, name):
            raise TypeError(
                f"AIS needs a fitted RBM with attributes components_, "
                f"intercept_hidden_ and intercept_visible_; {type(model).__name__} "
                f"has no {name!r} (is it fitted?)."
            )
    W = np.asarray(model.components_, dtype=np.float64)
    c = np.asarray(model.intercept_hidden_, dtype=np.float64).ravel()
    b = np.asarray(model.intercept_visible_, dtype=np.float64).ravel()
    if W.ndim != 2 or W.shape != (c.shape[0], b.shape[0]):
        raise ValueError(
            f"components_ must have shape (n_hidden, n_visible) = "
            f"({c.shape[0]}, {b.shape[0]}); got {W.shape}."
        )
    precision = getattr(model, "precision_", None)
    if precision is not None:
        precision = np.broadcast_to(np.asarray(precision, dtype=np.float64), b.shape)
        if np.any(~np.isfinite(precision)) or np.any(precision <= 0):
            raise ValueError("precision_ must be finite and positive.")
    if base_rate is None:
        base_rate = getattr(model, "base_rate_", None)
    if base_rate is None:
        base_rate = b
    base_rate = np.asarray(base_rate, dtype=np.float64).ravel()
    if base_rate.shape != b.shape:
        raise ValueError(
            f"base_rate must have shape ({b.shape[0]},) (one bias per visible unit); "
            f"got {base_rate.shape}."
        )
    for name, value in (("the model", W), ("the model", b), ("the model", c),
                        ("base_rate", base_rate)):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name} has non-finite parameters; AIS cannot run.")
    Wt = W.T * precision[:, None] if precision is not None else W.T
    common = dict(
        W=np.ascontiguousarray(W, dtype=dtype),
        Wt=np.ascontiguousarray(Wt, dtype=dtype),
        b=np.ascontiguousarray(b, dtype=dtype),
        c=np.ascontiguousarray(c, dtype=dtype),
        b_base=np.ascontiguousarray(base_rate, dtype=dtype),
    )
    if precision is not None:
        return _GaussianParams(**common, precision=np.ascontiguousarray(precision, dtype=dtype))
    offsets = getattr(model, "feature_offsets_", None)
    if offsets is not None:
        return _CategoricalParams(**common, offsets=_check_offsets(offsets, b.shape[0]),
                                  categories=getattr(model, "categories_", None))
    return _RBMParams(**common)


def _check_offsets(offsets, n_visible):
    offsets = np.asarray(offsets)
    if (offsets.ndim != 1 or offsets.shape[0] < 1 or offsets[0] != 0
            or offsets[-1] != n_visible or np.any(np.diff(offsets) < 1)):
        raise ValueError(
            "feature_offsets_ must increase from 0 to the number of visible units "
            f"({n_visible}), one softmax group per step; got {offsets!r}."
        )
    return np.ascontiguousarray(offsets, dtype=np.int64)


def _resolve_dtype(dtype, model):
    if dtype is None:
        dtype = getattr(model, "components_", np.zeros(0)).dtype
        return np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {dtype}.")
    return dtype


def _run_chains(params, V, betas, seeds, n_jobs):
    """Run the AIS kernel on blocks of chains; returns (log_w, final V)."""
    V = np.ascontiguousarray(V, dtype=params.W.dtype)
    n_runs = V.shape[0]
    log_w = np.zeros(n_runs)
    bounds = list(range(0, n_runs, _BLOCK_RUNS)) + [n_runs]
    blocks = list(zip(bounds[:-1], bounds[1:]))

    def run(block_index):
        lo, hi = blocks[block_index]
        Vb = np.ascontiguousarray(V[lo:hi])
        wb = np.zeros(hi - lo)
        params.run(Vb, betas, np.random.default_rng(seeds[block_index]), wb)
        V[lo:hi] = Vb
        log_w[lo:hi] = wb

    n_threads = max(1, min(int(n_jobs or 1), len(blocks)))
    # one BLAS thread per kernel: per-temperature GEMMs are small, and a
    # multi-threaded OpenBLAS on small shapes is slower, catastrophically so
    # on a loaded machine; parallelism comes from blocks on Python threads
    with blas_threads():
        if n_threads == 1:
            for i in range(len(blocks)):
                run(i)
        else:
            _run_threaded(run, len(blocks), n_threads)
    return log_w, V


def _run_threaded(run, n_blocks, n_threads):
    """Call ``run(i)`` for every block on ``n_threads`` threads (nogil kernels)."""
    queue = list(range(n_blocks))
    lock = threading.Lock()
    errors = []

    def worker():
        while True:
            with lock:
                if not queue or errors:
                    return
                i = queue.pop(0)
            try:
                run(i)
            except BaseException as exc:  # re-raised in the caller
                errors.append(exc)
                return

    threads = [threading.Thread(target=worker) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def ais_log_partition(model, *, n_runs=100, betas=None, base_rate=None,
                      random_state=None, dtype=None, n_jobs=None):
    """Estimate ``log Z`` of an RBM by annealed importance sampling.

    Runs ``n_runs`` independent AIS chains along the geometric path from an
    independent base model (visible biases ``base_rate``, no weights) to the
    RBM, with one Gibbs sweep per intermediate temperature (Neal 2001;
    Salakhutdinov & Murray 2008). All chains go through the whole schedule in
    one compiled kernel, two GEMMs per temperature.

    Parameters
    ----------
    model : fitted RBM
        Anything with ``components_`` (W, shape (n_hidden, n_visible)),
        ``intercept_hidden_`` (c) and ``intercept_visible_`` (b): energy
        ``E(v, h) = -b.v - c.h - h.W v`` (binary visibles). With a
        ``precision_`` attribute (per-visible precision ``p``) the visibles are
        Gaussian: ``E(v, h) = 1/2 sum_j p_j (v_j - b_j)^2 - sum_j p_j v_j
        (W^T h)_j - c.h``. With a ``feature_offsets_`` attribute (a
        :class:`~skgenerative.CategoricalRBM`) the visible layer is one-hot
        softmax groups, feature ``f`` owning the columns
        ``feature_offsets_[f]:feature_offsets_[f + 1]``: the energy is the
        binary one, each group has exactly one unit on, the base model has
        independent groups and the visible step samples each group from its
        softmax.
    n_runs : int, default=100
        Number of AIS chains (importance weights).
    betas : None, int or array-like, default=None
        Inverse temperatures, increasing from 0 to 1. ``None``: the schedule
        of Salakhutdinov & Murray (2008), 14,501 temperatures; an int: a
        schedule of that length with the same shape (:func:`ais_schedule`).
    base_rate : array-like of shape (n_visible,) or None, default=None
        Visible biases of the base model (logits for binary visibles, means
        for Gaussian visibles, per-group logits for categorical visibles). ``None`` uses the model's ``base_rate_``
        attribute if it has one (the training marginals stored at fit),
        else the model's own visible biases. :func:`base_rate_from_data`
        computes it from training data; it is the better choice.
    random_state : None, int, numpy.random.RandomState or Generator
        Fixes the estimate bit for bit (for a given dtype).
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Compute dtype of the sampling and GEMMs (the weights are accumulated
        in float64 either way). ``None`` follows ``components_``.
    n_jobs : int or None, default=None
        Threads that run blocks of 50 chains concurrently (each with one BLAS
        thread). The result does not depend on ``n_jobs``.

    Returns
    -------
    result : AISResult
        ``log_z``, ``log_z_std`` (delta-method standard error), ``log_z_ci``
        (±3 standard errors), ``ess`` (effective sample size) and the log
        weights.

    Notes
    -----
    Cost: ``2 * n_runs * n_hidden * n_visible * n_temperatures`` multiply-adds
    plus one sigmoid and one uniform per unit and temperature. A 784×500 RBM
    with 100 runs and the default schedule needs about 42 s of CPU time in
    float32 (measured: 148 s wall on a two-core machine loaded by other jobs,
    ``n_jobs=2``; about half the CPU time in wall time on an idle one); see
    ``benchmarks/bench_ais.py``. float64 costs about twice as much.

    Accuracy: the estimate of ``Z`` is unbiased, but ``log Z`` is
    underestimated in expectation, and the reported error only measures the
    spread of the weights that were drawn: a schedule too short to reach some
    modes of the model underestimates ``log Z`` with a confidently small error
    bar (so test log-likelihoods look too good, see §20.14). Check that the
    estimate is stable when the schedule gets longer, compare with
    :func:`reverse_ais_log_partition` (the other side of the sandwich), and
    keep ``ess`` well above 1.

    References
    ----------
    .. [1] R. M. Neal, "Annealed importance sampling", Statistics and
       Computing 11, 2001.
    .. [2] R. Salakhutdinov and I. Murray, "On the quantitative analysis of
       deep belief networks", ICML 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> from skgenerative.evaluation import ais_log_partition
    >>> rng = np.random.default_rng(0)
    >>> rbm = SimpleNamespace(components_=rng.normal(0, 0.1, (5, 8)),
    ...                       intercept_hidden_=np.zeros(5),
    ...                       intercept_visible_=np.zeros(8))
    >>> result = ais_log_partition(rbm, n_runs=20, betas=200, random_state=0)
    >>> bool(abs(result.log_z - 13 * np.log(2)) < 0.5)
    True
    """
    n_runs = _check_n_runs(n_runs)
    dtype = _resolve_dtype(dtype, model)
    params = _rbm_params(model, base_rate, dtype)
    betas = _check_betas(betas)
    rng = check_generator(random_state)
    V0 = params.sample_base(n_runs, rng)
    seeds = [draw_seed(rng) for _ in range(-(-n_runs // _BLOCK_RUNS))]
    log_w, _ = _run_chains(params, V0, betas, seeds, n_jobs)
    return _make_result(log_w, params.log_z_base(), betas.shape[0], "forward")


def _gibbs_samples(params, n_runs, n_steps, seeds, rng, n_jobs):
    """Approximate model samples: chains from the base model, ``n_steps`` sweeps."""
    V0 = params.sample_base(n_runs, rng)
    # a constant schedule at beta = 1: the kernel's transitions are plain
    # Gibbs sweeps and the weight increments are zero
    _, V = _run_chains(params, V0, np.ones(n_steps + 1), seeds, n_jobs)
    return V


def reverse_ais_log_partition(model, init=None, *, n_runs=100, betas=None,
                              base_rate=None, n_gibbs=1000, random_state=None,
                              dtype=None, n_jobs=None):
    """Conservative estimate of ``log Z``: AIS from the model back to the base.

    Reverse AIS (Burda, Grosse & Salakhutdinov 2015) runs the AIS schedule
    backwards, starting from samples of the RBM. Its weights estimate
    ``Z_base / Z`` without bias, so the returned ``log Z`` overestimates the
    truth in expectation: log-likelihoods computed with it are conservative
    (a stochastic lower bound), while :func:`ais_log_partition` gives the
    optimistic side. The bound holds only as far as the start states are
    samples of the model.

    Parameters
    ----------
    model : fitted RBM
        As in :func:`ais_log_partition`.
    init : array-like of shape (n_runs, n_visible) or None, default=None
        Start states, assumed to be samples of the model (e.g. exact samples
        of a small model, or the end states of long Gibbs chains); for a
        categorical RBM, category codes of shape (n_runs, n_features) as its
        ``sample`` returns (or the one-hot layer). ``None``
        runs ``n_runs`` Gibbs chains from the base model for ``n_gibbs``
        sweeps first: approximate samples, so on a poorly mixing model the
        result can be too low (chains stuck in some modes).
        Burda et al. (2015) also start from held-out data; that is an
        approximation too.
    n_runs : int, default=100
        Number of chains when ``init`` is None (else ``len(init)``).
    betas : None, int or array-like, default=None
        The forward schedule (increasing from 0 to 1), run backwards.
    base_rate : array-like or None, default=None
        As in :func:`ais_log_partition`.
    n_gibbs : int, default=1000
        Gibbs sweeps that make the start states when ``init`` is None.
    random_state, dtype, n_jobs
        As in :func:`ais_log_partition`.

    Returns
    -------
    result : AISResult
        With ``direction="reverse"``; ``log_z_ci`` is the ±3 standard-error
        interval of the reverse weights.

    References
    ----------
    .. [1] Y. Burda, R. Grosse and R. Salakhutdinov, "Accurate and
       conservative estimates of MRF log-likelihood using reverse annealing",
       AISTATS 2015.
    """
    dtype = _resolve_dtype(dtype, model)
    params = _rbm_params(model, base_rate, dtype)
    betas = _check_betas(betas, descending=True)
    rng = check_generator(random_state)
    n_visible = params.b.shape[0]
    if init is None:
        n_runs = _check_n_runs(n_runs)
        n_gibbs = int(n_gibbs)
        if n_gibbs < 0:
            raise ValueError(f"n_gibbs must be >= 0; got {n_gibbs}.")
        seeds = [draw_seed(rng) for _ in range(-(-n_runs // _BLOCK_RUNS))]
        V0 = _gibbs_samples(params, n_runs, n_gibbs, seeds, rng, n_jobs)
    else:
        V0 = params.layer_values(init)
        if V0.ndim != 2 or V0.shape[1] != n_visible or V0.shape[0] < 2:
            raise ValueError(
                f"init must have shape (n_runs >= 2, {n_visible}); got {V0.shape}."
            )
        if not np.all(np.isfinite(V0)):
            raise ValueError("init contains NaN or infinity.")
        n_runs = V0.shape[0]
    seeds = [draw_seed(rng) for _ in range(-(-n_runs // _BLOCK_RUNS))]
    log_w, _ = _run_chains(params, V0, betas, seeds, n_jobs)
    return _make_result(log_w, params.log_z_base(), betas.shape[0], "reverse")


@dataclass(frozen=True)
class LogPartitionSandwich:
    """Forward and reverse AIS of the same model: ``lower <= log Z <= upper``
    in expectation.

    Attributes
    ----------
    forward, reverse : AISResult
    lower, upper : float
        ``forward.log_z`` and ``reverse.log_z``. Both are stochastic: the
        order holds in expectation, and a small gap (compared with the error
        bars) says that AIS has converged.
    """

    forward: AISResult
    reverse: AISResult

    @property
    def lower(self):
        return self.forward.log_z

    @property
    def upper(self):
        return self.reverse.log_z

    @property
    def gap(self):
        """``upper - lower``; near zero when both estimates are accurate."""
        return self.upper - self.lower


def log_partition_sandwich(model, *, n_runs=100, betas=None, base_rate=None,
                           init=None, n_gibbs=1000, random_state=None,
                           dtype=None, n_jobs=None):
    """Forward and reverse AIS of ``model``: a sandwich ``[lower, upper]`` of ``log Z``.

    Parameters are those of :func:`ais_log_partition` and
    :func:`reverse_ais_log_partition` (``init`` and ``n_gibbs`` are the
    reverse run's start states). The two runs use independent streams drawn
    from ``random_state``.

    Returns
    -------
    sandwich : LogPartitionSandwich
    """
    rng = check_generator(random_state)
    common = dict(betas=betas, base_rate=base_rate, dtype=dtype, n_jobs=n_jobs)
    forward = ais_log_partition(model, n_runs=n_runs, random_state=draw_seed(rng), **common)
    reverse = reverse_ais_log_partition(
        model, init, n_runs=n_runs, n_gibbs=n_gibbs, random_state=draw_seed(rng), **common
    )
    return LogPartitionSandwich(forward=forward, reverse=reverse)
