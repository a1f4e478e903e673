"""The ring of 8 Gaussians (Metz et al. 2017) and its mode-coverage measure."""

import numpy as np

SIGMA = 0.02
MODES = np.c_[np.cos(2 * np.pi * np.arange(8) / 8), np.sin(2 * np.pi * np.arange(8) / 8)]


def ring(n, seed, sigma=SIGMA):
    """``n`` points of the ring (radius 1) and the index of each one's mode."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 8, n)
    return MODES[k] + sigma * rng.standard_normal((n, 2)), k


def mode_coverage(samples, sigma=SIGMA):
    """Fraction of samples within 3 sigma of a mode, and samples per mode."""
    d = np.linalg.norm(samples[:, None] - MODES[None], axis=-1)
    near = d.min(axis=1) < 3 * sigma
    return float(near.mean()), np.bincount(d.argmin(axis=1)[near], minlength=8)
