"""Out-of-core partial_fit over row chunks; with dask when it is installed."""

import numpy as np
import pytest

from skgenerative import BernoulliRBM
from skgenerative.utils.chunks import partial_fit_chunks, row_chunks


@pytest.fixture
def X():
    return (np.random.default_rng(0).random((70, 6)) < 0.4).astype(np.float64)


def _in_memory(X, sizes, n_epochs):
    rbm = BernoulliRBM(n_components=3, random_state=0)
    for _ in range(n_epochs):
        start = 0
        for size in sizes:
            rbm.partial_fit(X[start:start + size])
            start += size
    return rbm


def test_row_chunks_cover_every_row_once(X):
    assert row_chunks(X, 30) == [(0, 30), (30, 60), (60, 70)]
    assert row_chunks(X) == [(0, 70)]
    with pytest.raises(ValueError, match="at least 1"):
        row_chunks(X, 0)


def test_numpy_chunks_match_partial_fit_in_memory(X):
    rbm = partial_fit_chunks(BernoulliRBM(n_components=3, random_state=0), X,
                             chunk_size=30, n_epochs=2)
    expected = _in_memory(X, [30, 30, 10], 2)
    np.testing.assert_array_equal(rbm.components_, expected.components_)


def test_dask_array_larger_than_a_chunk_matches_partial_fit_in_memory(X):
    da = pytest.importorskip("dask.array")
    X_dask = da.from_array(X, chunks=(25, 6))
    rbm = partial_fit_chunks(BernoulliRBM(n_components=3, random_state=0), X_dask, n_epochs=2)
    expected = _in_memory(X, [25, 25, 20], 2)
    np.testing.assert_array_equal(rbm.components_, expected.components_)
    np.testing.assert_array_equal(rbm.intercept_hidden_, expected.intercept_hidden_)
