import os
from pathlib import Path

import numpy as np
import pytest

#: The shared data folder (binarized MNIST); absent on a user's machine.
SHARED_DATA = Path(
    os.environ.get(
        "SKGENERATIVE_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
).resolve()


if os.environ.get("PYTEST_XDIST_WORKER"):
    # ``pytest -n``: the workers already share the cores, and a two-thread
    # BLAS stalls whenever the other core is busy (skgenerative.utils._threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="run slow tests")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow; use --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def binary_digits():
    """scikit-learn's bundled digits, binarized at 8 (of 16), split 1500/297."""
    from sklearn.datasets import load_digits

    X = (load_digits().data > 7).astype(np.float64)
    return X[:1500], X[1500:]


@pytest.fixture
def mnist_path():
    path = SHARED_DATA / "binarized_mnist.npz"
    if not path.exists():
        pytest.skip("binarized_mnist.npz not available")
    return path
