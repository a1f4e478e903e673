"""Per-frame AIS: ``log Z_t`` of every frame's RBM when enumerating the
hidden layer is too costly.

The partition function of frame ``t`` depends on its biases, hence on the
history, so every frame gets its own AIS run (``_kernels._ais_frames``):
``n_runs`` chains annealed from the frame's visible biases alone (an
independent model with a closed-form ``log Z``) to the frame's RBM. The
chains of every frame of a sequence run in one kernel call, from a
generator seeded by the model's score seed and the sequence's frames, so a
sequence's estimate depends on nothing but the sequence (not on the other
sequences scored with it, nor on their order).

Each frame's ``log Z_t`` is the log of the mean importance weight (forward
AIS: unbiased for ``Z_t``, so ``log Z_t`` is underestimated in expectation
and the log-likelihood overestimated); its standard error is the delta-method
one of :class:`~skgenerative.evaluation.AISResult` (the standard deviation of
the normalised weights over ``sqrt(n_runs)``). Frames are independent, so a
sequence's variance is the sum of its frames' variances.
"""

import hashlib
import math
import warnings

import numpy as np
from scipy.special import logsumexp

from ..boltzmann._ais import ais_schedule
from ..exceptions import UnreliableEstimateWarning
from ..utils.validation import user_stacklevel
from . import _kernels
from ._conditional import weight_stack
from ._validation import sequence_starts

__all__ = ["frame_log_partition_ais", "sequence_log_partition_ais"]

#: A frame whose effective sample size is below this share of its runs has
#: an estimate that rests on few chains (as ``warn_if_unreliable``).
_MIN_ESS_FRACTION = 0.1


def frame_log_partition_ais(W, Bv, Bh, gaussian, betas, n_runs, rng):
    """AIS estimates of ``log Z_t`` of the frames with biases ``Bv``, ``Bh``
    and weights ``W`` (shared, or one matrix per frame).

    Returns ``(log_z, var, ess)``, each of shape (n_frames,): the estimate,
    its squared standard error and the effective sample size of its weights.
    """
    W = weight_stack(W)
    Bv = np.ascontiguousarray(Bv, dtype=np.float64)
    Bh = np.ascontiguousarray(Bh, dtype=np.float64)
    log_w = _kernels._ais_frames(W, Bv, Bh, betas, n_runs, rng, gaussian)
    n_hidden, n_visible = W.shape[1:]
    if gaussian:
        log_z_base = np.full(Bv.shape[0], 0.5 * n_visible * math.log(2 * math.pi))
    else:
        log_z_base = np.logaddexp(0.0, Bv).sum(axis=1)
    log_z_base += n_hidden * math.log(2.0)
    log_mean = logsumexp(log_w, axis=1) - math.log(n_runs)
    w = np.exp(log_w - log_mean[:, None])  # normalised: mean 1 per frame
    var = np.var(w, axis=1, ddof=1) / n_runs
    ess = np.sum(w, axis=1) ** 2 / np.sum(w**2, axis=1)
    return log_z_base + log_mean, var, ess


def sequence_log_partition_ais(X, W, Bv, Bh, lengths, gaussian, *, n_runs, n_temperatures,
                               seed, name):
    """Per-frame AIS over sequences: ``(log_z, var)`` per frame (rows of ``X``).

    ``X`` (the validated frames) only seeds the generator of each sequence;
    ``Bv``, ``Bh`` are the frames' biases. Warns
    (``UnreliableEstimateWarning``) when some frames' estimates rest on few
    chains; ``name`` names the model in the warning.
    """
    betas = ais_schedule(n_temperatures)
    n = X.shape[0]
    log_z, var, ess = np.empty(n), np.empty(n), np.empty(n)
    rows = np.ascontiguousarray(X, dtype=np.float64)
    for start, length in zip(sequence_starts(lengths), lengths):
        part = slice(start, start + length)
        digest = hashlib.blake2b(rows[part].tobytes(), digest_size=8).digest()
        rng = np.random.default_rng([seed, int.from_bytes(digest, "little")])
        log_z[part], var[part], ess[part] = frame_log_partition_ais(
            W if W.ndim == 2 else W[part], Bv[part], Bh[part], gaussian, betas, n_runs, rng
        )
    weak = ess < _MIN_ESS_FRACTION * n_runs
    if np.any(weak):
        warnings.warn(
            f"{name}'s per-frame AIS: {int(weak.sum())} of {n} frames have an effective "
            f"sample size below {_MIN_ESS_FRACTION:.0%} of their {n_runs} chains, so their "
            "error bars are too small and forward AIS then tends to overestimate the "
            "log-likelihood. Raise ais_n_temperatures (now "
            f"{n_temperatures}) or ais_n_runs (now {n_runs}).",
            UnreliableEstimateWarning,
            stacklevel=user_stacklevel(),
        )
    return log_z, var
