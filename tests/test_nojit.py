"""The kernel-vs-twin tests again with NUMBA_DISABLE_JIT=1 (DESIGN §4).

Without the JIT the kernels run as plain Python: this checks the kernel source
itself (not only its compiled form) and keeps the pure-Python fallbacks, such
as the numpy ``gemm``, honest.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: (test file, -k expression): small, kernel-level tests only.
NOJIT_SUBSET = [
    ("tests/boltzmann/test_rbm.py", "twin or brute_force"),
    ("tests/utils/test_numba_math.py", "twin or stream"),
    ("tests/evaluation/test_ais.py", "kernel"),
    ("tests/boltzmann/test_gaussian_rbm.py", "twin"),
    ("tests/autoregressive", "twin"),
    ("tests/boltzmann/test_dbm.py", "twin"),
    ("tests/boltzmann/test_dbm_gaussian.py", "twin"),
    ("tests/boltzmann/test_categorical_rbm.py", "twin or brute_force"),
    ("tests/boltzmann/test_categorical_ais.py", "kernel"),
    ("tests/boltzmann/test_dbm_categorical.py", "twin"),
    ("tests/nn/test_conv.py", "twins"),
    ("tests/boltzmann/test_class_rbm.py", "twin"),
    ("tests/boltzmann/test_conditional.py", "twin"),
    ("tests/sequence/test_kernels.py", "twin"),
    ("tests/boltzmann/test_conv_rbm.py", "twins"),
]


@pytest.mark.parametrize("path, expression", NOJIT_SUBSET)
def test_kernels_agree_with_twins_without_jit(path, expression):
    if not (ROOT / path).exists():
        pytest.skip(f"{path} not present")
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", path, "-k", expression],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
