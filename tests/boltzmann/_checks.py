"""Assertions shared by the Boltzmann tests."""

import numpy as np


def assert_dbm_gradient_matches_finite_differences(objective, Ws, bs, grads_W, grads_b, *,
                                                   eps=1e-5, atol=1e-6, seed=0):
    """Central differences of ``objective(Ws, bs)`` against the analytic
    gradients ``grads_W`` (per weight matrix) and ``grads_b`` (per bias
    vector), at four random entries of each weight matrix and one of each
    bias vector."""
    rng = np.random.default_rng(seed)
    for l in range(len(Ws)):
        for _ in range(4):
            i, j = rng.integers(Ws[l].shape[0]), rng.integers(Ws[l].shape[1])
            Wp, Wm = [W.copy() for W in Ws], [W.copy() for W in Ws]
            Wp[l][i, j] += eps
            Wm[l][i, j] -= eps
            fd = (objective(Wp, bs) - objective(Wm, bs)) / (2 * eps)
            np.testing.assert_allclose(fd, grads_W[l][i, j], atol=atol)
    for l in range(len(bs)):
        j = rng.integers(len(bs[l]))
        bp, bm = [b.copy() for b in bs], [b.copy() for b in bs]
        bp[l][j] += eps
        bm[l][j] -= eps
        fd = (objective(Ws, bp) - objective(Ws, bm)) / (2 * eps)
        np.testing.assert_allclose(fd, grads_b[l][j], atol=atol)
