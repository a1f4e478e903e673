"""Random streams.

Every estimator keeps its own :class:`numpy.random.Generator` as the fitted
attribute ``random_state_``. It is created from the ``random_state`` parameter
by :func:`check_generator`, continued by ``partial_fit``/``gibbs``/``sample``,
and pickles with the estimator, so a pickled model continues exactly where the
original would have.
"""

import hashlib
import numbers

import numpy as np

_SEED_HIGH = 2**63 - 1


def check_generator(random_state):
    """Turn ``random_state`` into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        ``None`` gives fresh OS entropy; an int seeds a new generator; a
        ``RandomState`` (scikit-learn's legacy type) seeds a new generator from
        one draw, so the caller's stream advances as scikit-learn users expect;
        a ``Generator`` is used as is.

    Returns
    -------
    rng : numpy.random.Generator
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        return np.random.default_rng(int(random_state))
    raise ValueError(
        f"random_state must be None, an int, a numpy RandomState or Generator; "
        f"got {random_state!r}."
    )


def draw_seed(rng):
    """Draw an integer seed from ``rng`` (to derive independent streams)."""
    return int(rng.integers(0, _SEED_HIGH))


def nested_seed(rng):
    """A seed for a nested estimator's ``random_state``, drawn from ``rng``.

    Below 2**32, the range scikit-learn's parameter validation accepts, so
    one outer ``random_state`` fixes every nested estimator it fits.
    """
    return int(rng.integers(0, 2**32))


def row_generators(X, seed):
    """One generator per row of ``X``, seeded by ``seed`` and the row's values.

    Monte Carlo scores (importance sampling) computed with them depend on
    nothing but the row and the seed: invariant to the order and grouping of
    rows, so ``score_samples`` can run on blocks (or in parallel) and still
    agree bit for bit (scikit-learn's subset-invariance checks).
    """
    rows = np.ascontiguousarray(X, dtype=np.float64)
    return [
        np.random.default_rng(
            [seed, int.from_bytes(hashlib.blake2b(r.tobytes(), digest_size=8).digest(), "little")]
        )
        for r in rows
    ]
