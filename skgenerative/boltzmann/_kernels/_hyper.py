"""Named hyperparameters of the RBM training kernels.

One epoch kernel reads its step sizes, penalties and sampling options from an
:class:`EpochHyper` by name (``hyper.momentum``), so a field means the same
thing in every kernel; numba sees a tuple of float64 (fields that are counts
or flags are read with ``int(...)`` / ``> 0``).
"""

import math
from collections import namedtuple

__all__ = ["EpochHyper", "epoch_hyper"]

#: learning_rate, momentum, l2, l1: the update; offset_rate: centring
#: (sliding averages of the offsets); n_gibbs_steps, persistent: CD-k or
#: PCD-k; learn_precision, min_log_precision: Gaussian visibles; up, down:
#: the tied copies of DBM pretraining.
EpochHyper = namedtuple(
    "EpochHyper",
    [
        "learning_rate", "momentum", "l2", "l1", "offset_rate", "n_gibbs_steps",
        "persistent", "learn_precision", "min_log_precision", "up", "down",
    ],
)


def epoch_hyper(learning_rate, *, momentum=0.0, l2=0.0, l1=0.0, offset_rate=0.0,
                n_gibbs_steps=1, persistent=True, learn_precision=False,
                min_log_precision=-math.inf, up=1.0, down=1.0):
    """An :class:`EpochHyper` of float64 values (defaults: plain PCD-1)."""
    return EpochHyper(
        float(learning_rate), float(momentum), float(l2), float(l1), float(offset_rate),
        float(n_gibbs_steps), float(bool(persistent)), float(bool(learn_precision)),
        float(min_log_precision), float(up), float(down),
    )
