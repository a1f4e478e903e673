"""The sequence kernels agree with their numpy twins (float32 and float64)."""

import numpy as np
import pytest

from skgenerative.sequence import _kernels
from tests.sequence import _reference as ref


def _problem(dtype, seed=0, n=7, nv=5, nh=4, per_frame=False):
    """Weights as the kernels take them: a stack of one shared matrix, or
    one matrix per frame."""
    rng = np.random.default_rng(seed)
    W = rng.normal(0, 0.7, (n if per_frame else 1, nh, nv)).astype(dtype)
    B = rng.normal(0, 1, (n, nv)).astype(dtype)
    C = rng.normal(0, 1, (n, nh)).astype(dtype)
    return W, B, C


@pytest.mark.parametrize("per_frame", [False, True])
@pytest.mark.parametrize("scale", [1.0, 60.0])  # the fast and the overflow-safe path
@pytest.mark.parametrize("gaussian", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_frame_log_partition_matches_twin(dtype, gaussian, scale, per_frame):
    W, B, C = _problem(dtype, per_frame=per_frame)
    W, B = W * dtype(scale), B * dtype(scale)
    got = _kernels._frame_log_partition(W, B, C, gaussian)
    expected = ref.frame_log_partition(W, B.astype(np.float64), C.astype(np.float64), gaussian)
    np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("per_frame", [False, True])
@pytest.mark.parametrize("gaussian", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conditional_gibbs_matches_twin(dtype, gaussian, per_frame):
    W, B, C = _problem(dtype, seed=1, per_frame=per_frame)
    V0 = (np.random.default_rng(2).random(B.shape) < 0.5).astype(dtype)
    V = V0.copy()
    H = np.empty((V.shape[0], W.shape[1]), dtype=dtype)
    _kernels._gibbs_conditional(V, W, B, C, 3, np.random.default_rng(5), H, gaussian)
    V_ref, H_ref = ref.gibbs_conditional(V0, W, B, C, 3, np.random.default_rng(5), gaussian)
    np.testing.assert_array_equal(H, H_ref)
    np.testing.assert_allclose(V, V_ref, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("per_frame", [False, True])
@pytest.mark.parametrize("gaussian", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ais_frames_matches_twin(dtype, gaussian, per_frame):
    W, B, C = _problem(dtype, seed=3, n=3, per_frame=per_frame)
    betas = np.linspace(0, 1, 6)
    # the kernel computes in float64: the estimator casts the parameters
    args = [np.ascontiguousarray(a, dtype=np.float64) for a in (W, B, C)]
    got = _kernels._ais_frames(*args, betas, 4, np.random.default_rng(7), gaussian)
    expected = ref.ais_frames(W, B, C, betas, 4, np.random.default_rng(7), gaussian)
    assert got.shape == (3, 4)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
