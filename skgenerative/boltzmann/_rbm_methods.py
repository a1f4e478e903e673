"""The training methods of :class:`~._rbm.BernoulliRBM` beyond CD and PCD
(§20.2: an RBM "can be trained with any of the techniques described in
chapter 18"): parallel tempering and the ratio-matching and
pseudo-likelihood objectives. Each is one epoch call on the fitted state of
the model; the math is in ``_kernels/_tempering.py`` and
``_kernels/_flip_objectives.py``.
"""

import numpy as np

from ._kernels._flip_objectives import RATIO_MATCHING, _flip_epoch_bernoulli
from ._kernels._tempering import _pt_epoch_bernoulli

__all__ = ["flip_epoch", "keep_ladder", "pt_epoch", "tempered_ladder", "temperature_ladder"]

def temperature_ladder(n_temperatures, dtype=np.float64):
    """Inverse temperatures ``1 = beta_0 > ... > beta_{T-1} = 0``, evenly
    spaced: the hottest chain samples the uniform distribution."""
    return np.linspace(1.0, 0.0, n_temperatures).astype(dtype)


def _model_parameters(model):
    return (model.components_, model.intercept_visible_, model.intercept_hidden_)


def pt_epoch(model, X, rows, bounds, hyper, rng):
    """Parallel-tempering SML over ``X[rows]`` in place on ``model``.

    The ladder of chains (``model._tempered_chains``) starts as copies of
    the persistent chains at every temperature (first epoch, or after a
    change of method or of ``n_temperatures`` under ``warm_start``); the
    temperature-1 block is copied back to ``h_samples_``; swap counts add to
    ``model._swap_counts``.
    """
    ladder = tempered_ladder(model)
    _pt_epoch_bernoulli(
        X, rows, bounds, _model_parameters(model), model._velocity, model._offsets,
        ladder, hyper, rng, model._swap_counts,
    )
    keep_ladder(model, ladder)


def tempered_ladder(model):
    """``(chains, betas)`` of a model's parallel tempering: its ladder of
    chains, or copies of the persistent chains at every temperature (first
    epoch, or after a change of method or of ``n_temperatures`` under
    ``warm_start``)."""
    dtype = model.components_.dtype
    n_chains, n_hidden = model.h_samples_.shape
    shape = (model.n_temperatures * n_chains, n_hidden)
    chains = getattr(model, "_tempered_chains", None)
    if chains is None or chains.shape != shape or chains.dtype != dtype:
        chains = np.tile(model.h_samples_, (model.n_temperatures, 1))
    chains = np.ascontiguousarray(chains, dtype=dtype)
    return chains, temperature_ladder(model.n_temperatures, dtype)


def keep_ladder(model, ladder):
    """Store the ladder's chains; the temperature-1 block becomes
    ``h_samples_``."""
    chains = ladder[0]
    model._tempered_chains = chains
    model.h_samples_[:] = chains[: model.h_samples_.shape[0]]


def flip_epoch(model, X, rows, bounds, hyper, objective):
    """Gradient descent on the ratio-matching or pseudo-likelihood loss over
    ``X[rows]``, in place on ``model``; the mean batch loss goes to
    ``model._epoch_statistics`` (averaged over the calls of the epoch)."""
    loss = _flip_epoch_bernoulli(
        X, rows, bounds, _model_parameters(model), model._velocity, hyper, objective
    )
    n_batches = bounds.shape[0] - 1
    stats = model._epoch_statistics
    total, count = stats.pop("_loss", (0.0, 0))
    total, count = total + loss * n_batches, count + n_batches
    stats["_loss"] = (total, count)
    if objective == RATIO_MATCHING:
        stats["ratio-matching loss"] = total / count
    else:  # the mean log pseudo-likelihood of the training rows
        stats["training pseudo-likelihood"] = -total / count
