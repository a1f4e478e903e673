"""Annealed importance sampling of the log partition function of a deep
Boltzmann machine (Salakhutdinov & Hinton 2009; Salakhutdinov & Larochelle 2010).

The AIS state is the even layers (visible, h2, h4, ...); the odd layers are
summed out analytically in the unnormalised intermediate densities, which
lowers the variance of the weights (for two hidden layers this is the scheme
of Salakhutdinov & Hinton 2009, with h1 summed out). The path is geometric
from an independent base model (visible logits ``base_rate``, uniform hidden
units) to the DBM. The result is the same :class:`AISResult` as for RBMs.

The visible layer is the model's unit type (``_units.py``): its AIS kernel,
base draws and base ``log Z`` come from it. Gaussian visibles (a model with
``precision_``, e.g. ``DBM(visible_type="gaussian")``): the base visibles
are ``N(base_rate, 1 / precision_)``, as in the AIS of
:class:`~skgenerative.GaussianBernoulliRBM`. Categorical visibles
(``DBM(visible_type="categorical")``): independent softmax groups with
logits ``base_rate`` (the log-frequencies of the categories).
"""

import math

import numpy as np

from ...utils._threads import blas_threads
from ...utils.random import check_generator, draw_seed
from .._kernels import TOP_HIDDEN, _gibbs_dbm
from .._units import check_unit_type
from ._result import _make_result
from ._schedule import _BLOCK_RUNS, _check_betas, _check_n_runs

__all__ = ["ais_log_partition_dbm", "reverse_ais_log_partition_dbm"]


def _dbm_params(model, base_rate, dtype):
    for name in ("components_", "intercepts_"):
        if not hasattr(model, name):
            raise TypeError(
                f"AIS over a DBM needs attributes components_ (list of (n_{{l+1}}, "
                f"n_l) weights) and intercepts_ (list of biases); "
                f"{type(model).__name__} has no {name!r} (is it fitted?)."
            )
    Ws = [np.ascontiguousarray(W, dtype=dtype) for W in model.components_]
    bs = [np.ascontiguousarray(np.ravel(b), dtype=dtype) for b in model.intercepts_]
    if len(bs) != len(Ws) + 1 or any(
        W.shape != (bs[l + 1].shape[0], bs[l].shape[0]) for l, W in enumerate(Ws)
    ):
        raise ValueError("components_ and intercepts_ have inconsistent shapes.")
    if base_rate is None:
        base_rate = getattr(model, "base_rate_", None)
    if base_rate is None:
        base_rate = bs[0]
    base_rate = np.ascontiguousarray(np.ravel(base_rate), dtype=dtype)
    if base_rate.shape != bs[0].shape:
        raise ValueError(
            f"base_rate must have shape ({bs[0].shape[0]},); got {base_rate.shape}."
        )
    for value in Ws + bs + [base_rate]:
        if not np.all(np.isfinite(value)):
            raise ValueError("The model has non-finite parameters; AIS cannot run.")
    return Ws, bs, base_rate


def ais_log_partition_dbm(model, *, n_runs=100, betas=None, base_rate=None,
                          random_state=None, dtype=None):
    """Estimate ``log Z`` of a deep Boltzmann machine by AIS.

    Parameters
    ----------
    model : fitted DBM
        Anything with ``components_`` (list of L weight matrices, the l-th of
        shape ``(n_{l+1}, n_l)``) and ``intercepts_`` (list of L + 1 bias
        vectors, visible first): energy
        ``E = -sum_l h_{l+1}^T W_l h_l - sum_l b_l.h_l`` with ``h_0 = v``.
        With a ``precision_`` attribute (not None) the visibles are Gaussian
        with those precisions (``E = 1/2 sum_j beta_j (v_j - b_0j)^2 -
        h_1^T W_0 (beta v) - ...``); a fitted :class:`~skgenerative.DBM`
        brings its own visible unit type (e.g. categorical).
    n_runs : int, default=100
        Number of AIS chains.
    betas : None, int or array-like, default=None
        Inverse temperatures from 0 to 1 (see
        :func:`~skgenerative.evaluation.ais_schedule`).
    base_rate : array-like of shape (n_visible,) or None
        Visible logits of the base model (visible means for Gaussian
        visibles); None uses ``model.base_rate_`` if present, else the
        visible biases.
    random_state : None, int or Generator
    dtype : {None, float32, float64}
        Compute dtype; None follows the model's weights. Weights accumulate
        in float64.

    Returns
    -------
    result : AISResult
        ``log_z``, its standard error ``log_z_std``, the ±3 standard-error
        interval ``log_z_ci`` and the effective sample size ``ess``.

    Notes
    -----
    As for RBMs, ``log_z`` underestimates ``log Z`` in expectation, so a
    likelihood (or a likelihood bound) computed with it is optimistic when
    the schedule is too short to reach all modes; check that it is stable as
    ``betas`` grows.

    References
    ----------
    .. [1] R. Salakhutdinov and G. Hinton, "Deep Boltzmann machines",
       AISTATS 2009.
    """
    n_runs = _check_n_runs(n_runs)
    Ws, bs, base_rate, visible, dtype = _prepare(model, base_rate, dtype)
    betas = _check_betas(betas)
    rng = check_generator(random_state)
    log_w = _run_blocks(Ws, bs, base_rate, visible, betas, None, n_runs, 0, rng, dtype)
    return _make_result(log_w, _log_z_base(bs, base_rate, visible), betas.shape[0],
                        "forward")


def reverse_ais_log_partition_dbm(model, init=None, *, n_runs=100, betas=None,
                                  base_rate=None, n_gibbs=1000, random_state=None,
                                  dtype=None):
    """Conservative estimate of ``log Z`` of a DBM: AIS from the model back
    to the base model (reverse AIS, Burda, Grosse & Salakhutdinov 2015).

    The schedule of :func:`ais_log_partition_dbm` runs backwards from states
    of the DBM; the weights estimate ``Z_base / Z`` without bias, so the
    returned ``log Z`` overestimates the truth in expectation and a
    likelihood bound computed with it is conservative, where the forward
    estimate is optimistic: together they bracket ``log Z`` (as far as the
    start states are samples of the model).

    Parameters
    ----------
    model : fitted DBM
        As in :func:`ais_log_partition_dbm`.
    init : list of arrays or None, default=None
        Start states, one array of shape ``(n_runs, n_l)`` per layer (visible
        first), assumed to be samples of the model (the odd layers are not
        used). None runs ``n_runs`` block-Gibbs chains of the DBM from the
        base model for ``n_gibbs`` sweeps first: approximate samples, so on a
        poorly mixing model the estimate can be too low.
    n_runs : int, default=100
        Number of chains when ``init`` is None (else ``len(init[0])``).
    betas : None, int or array-like, default=None
        The forward schedule (increasing from 0 to 1), run backwards.
    base_rate : array-like of shape (n_visible,) or None
        As in :func:`ais_log_partition_dbm`.
    n_gibbs : int, default=1000
        Gibbs sweeps that make the start states when ``init`` is None.
    random_state : None, int or Generator
    dtype : {None, float32, float64}

    Returns
    -------
    result : AISResult
        With ``direction="reverse"``.

    References
    ----------
    .. [1] Y. Burda, R. Grosse and R. Salakhutdinov, "Accurate and
       conservative estimates of MRF log-likelihood using reverse annealing",
       AISTATS 2015.
    """
    Ws, bs, base_rate, visible, dtype = _prepare(model, base_rate, dtype)
    betas = _check_betas(betas, descending=True)
    rng = check_generator(random_state)
    if init is None:
        n_runs = _check_n_runs(n_runs)
        n_gibbs = int(n_gibbs)
        if n_gibbs < 0:
            raise ValueError(f"n_gibbs must be >= 0; got {n_gibbs}.")
        start = None
    else:
        if len(init) != len(bs):
            raise ValueError(f"init must hold {len(bs)} arrays (one per layer); got {len(init)}.")
        start = [np.array(x, dtype=dtype, order="C") for x in init]
        n_runs = start[0].shape[0]
        for x, b in zip(start, bs):
            if x.ndim != 2 or x.shape != (n_runs, b.shape[0]):
                raise ValueError(
                    f"init arrays must have shapes (n_runs, n_l) = "
                    f"{[(n_runs, b.shape[0]) for b in bs]}; got {[a.shape for a in start]}."
                )
            if not np.all(np.isfinite(x)):
                raise ValueError("init contains NaN or infinity.")
        if n_runs < 2:
            raise ValueError("init needs at least 2 runs.")
        n_gibbs = 0
    log_w = _run_blocks(Ws, bs, base_rate, visible, betas, start, n_runs, n_gibbs, rng,
                        dtype)
    return _make_result(log_w, _log_z_base(bs, base_rate, visible), betas.shape[0],
                        "reverse")


def _visible_layer(model, n_visible):
    """``(units, params)``: the model's visible unit type (a fitted DBM's own;
    else Gaussian with a ``precision_`` attribute, binary without) and its
    parameters for AIS (the precisions, float64)."""
    precision = getattr(model, "precision_", None)
    params = {}
    if precision is not None:
        precision = np.broadcast_to(np.asarray(precision, dtype=np.float64), (n_visible,))
        if np.any(~np.isfinite(precision)) or np.any(precision <= 0):
            raise ValueError("precision_ must be finite and positive.")
        params["precision"] = precision
    units = getattr(model, "_visible_units", None)
    if units is None:
        units = check_unit_type("bernoulli" if precision is None else "gaussian")
    return units, params


def _prepare(model, base_rate, dtype):
    """Weights (the bottom one with the visible statistic folded in, e.g.
    times the precision), biases, base rate, ``(units, params)`` of the
    visible layer, dtype."""
    Ws, bs, base_rate = _dbm_params(model, base_rate, np.float64)
    if dtype is None:
        dtype = np.float32 if np.asarray(model.components_[0]).dtype == np.float32 else np.float64
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {dtype}.")
    units, params = _visible_layer(model, bs[0].shape[0])
    Ws[0] = units.fold(Ws[0], **params)
    Ws = [np.ascontiguousarray(W, dtype=dtype) for W in Ws]
    bs = [b.astype(dtype) for b in bs]
    return Ws, bs, base_rate.astype(dtype), (units, params), dtype


def _run_blocks(Ws, bs, base_rate, visible, betas, start, n_runs, n_gibbs, rng, dtype):
    """log weights of ``n_runs`` AIS chains along ``betas``, in blocks of at
    most 50 chains, each with its own stream (the split depends on nothing
    but n_runs). A block starts from ``start`` (its rows), else from the
    base model followed by ``n_gibbs`` Gibbs sweeps of the DBM. Small GEMMs
    run far faster on one BLAS thread (DESIGN.md §4)."""
    units, params = visible
    log_w = np.zeros(n_runs)
    layer = units.kernel_layer(dtype, **params)
    Wt, bt = tuple(Ws), tuple(bs)
    with blas_threads():
        for lo in range(0, n_runs, _BLOCK_RUNS):
            hi = min(n_runs, lo + _BLOCK_RUNS)
            block_rng = np.random.default_rng(draw_seed(rng))
            if start is None:
                S = _base_states(bs, base_rate, hi - lo, block_rng, dtype, visible)
            else:
                S = [np.ascontiguousarray(x[lo:hi]) for x in start]
            if n_gibbs:
                _gibbs_dbm(tuple(S), Wt, bt, np.zeros((0, 0), dtype), n_gibbs, block_rng, layer,
                           TOP_HIDDEN)
            wb = np.zeros(hi - lo)
            units.ais_dbm(tuple(S), Wt, bt, base_rate, betas, block_rng, wb, **params)
            log_w[lo:hi] = wb
    return log_w


def _log_z_base(bs, base_rate, visible):
    """log Z of the base model: independent visibles, uniform hidden units."""
    units, params = visible
    n_hidden = sum(b.shape[0] for b in bs[1:])
    b = base_rate.astype(np.float64)[None, :]
    log_z_visible = -float(units.free_energy(b, b[0], **params)[0])
    return log_z_visible + n_hidden * math.log(2.0)


def _base_states(bs, base_rate, n, rng, dtype, visible):
    """Exact samples of the base model for the even layers; odd layers zero."""
    units, params = visible
    S = [units.ais_start(base_rate, n, rng, dtype, **params)]
    for l in range(1, len(bs)):
        if l % 2 == 0:
            S.append((rng.random((n, bs[l].shape[0])) < 0.5).astype(dtype))
        else:
            S.append(np.zeros((n, bs[l].shape[0]), dtype=dtype))
    return S
