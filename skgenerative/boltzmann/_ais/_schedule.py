"""The temperature schedule of AIS and the checks of its arguments."""

import numpy as np

__all__ = ["ais_schedule"]

#: Temperatures per segment of the Salakhutdinov & Murray (2008) schedule:
#: spacing 1e-3 on [0, 0.5], 1e-4 on [0.5, 0.9], 1e-5 on [0.9, 1].
_SM08_SEGMENTS = ((0.0, 0.5, 500), (0.5, 0.9, 4000), (0.9, 1.0, 10000))

#: Chains are split into blocks of at most this many runs, each with its own
#: random stream; the split does not depend on ``n_jobs``, so results do not
#: either.
_BLOCK_RUNS = 50


def ais_schedule(n_temperatures=None):
    """Inverse temperatures from 0 to 1 for AIS.

    Parameters
    ----------
    n_temperatures : int or None, default=None
        ``None`` gives the schedule of Salakhutdinov & Murray (2008): spacing
        1e-3 from 0 to 0.5, 1e-4 from 0.5 to 0.9 and 1e-5 from 0.9 to 1
        (14,501 temperatures). An int ``n >= 2`` gives a schedule of ``n``
        temperatures with the same shape (the same share of points in each of
        the three segments).

    Returns
    -------
    betas : ndarray of shape (n_temperatures,)
        Increasing, ``betas[0] == 0`` and ``betas[-1] == 1``.
    """
    total = sum(n for _, _, n in _SM08_SEGMENTS)
    if n_temperatures is None:
        counts = [n for _, _, n in _SM08_SEGMENTS]
    else:
        n_temperatures = int(n_temperatures)
        if n_temperatures < 2:
            raise ValueError(f"n_temperatures must be >= 2; got {n_temperatures}.")
        steps = n_temperatures - 1
        counts = [max(1, round(steps * n / total)) for _, _, n in _SM08_SEGMENTS]
        counts[-1] = max(1, steps - counts[0] - counts[1])
        if sum(counts) != steps:  # very short schedules: spread evenly
            return np.linspace(0.0, 1.0, n_temperatures)
    parts = [np.zeros(1)]
    for (lo, hi, _), n in zip(_SM08_SEGMENTS, counts):
        parts.append(np.linspace(lo, hi, n + 1)[1:])
    return np.concatenate(parts)


def _check_betas(betas, descending=False):
    if betas is None or isinstance(betas, (int, np.integer)):
        betas = ais_schedule(betas)
    else:
        betas = np.asarray(betas, dtype=np.float64).ravel()
        if betas.shape[0] < 2:
            raise ValueError("betas needs at least two temperatures (0 and 1).")
        if betas[0] != 0.0 or betas[-1] != 1.0 or np.any(np.diff(betas) < 0):
            raise ValueError(
                "betas must increase from exactly 0 to exactly 1 (e.g. "
                "skgenerative.evaluation.ais_schedule(1000))."
            )
    return np.ascontiguousarray(betas[::-1] if descending else betas)


def _check_n_runs(n_runs):
    if not isinstance(n_runs, (int, np.integer)) or isinstance(n_runs, bool) or n_runs < 2:
        raise ValueError(f"n_runs must be an int >= 2; got {n_runs!r}.")
    return int(n_runs)
