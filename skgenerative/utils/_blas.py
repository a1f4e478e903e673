"""BLAS ``gemm`` callable from numba kernels.

``np.dot`` inside numba cannot accumulate (``C += A @ B``) or scale in place,
so every RBM update would need a temporary gradient matrix and an extra pass
over the weights. Calling scipy's BLAS ``?gemm`` directly through its cython
function pointers gives the full ``C = alpha op(A) op(B) + beta C`` on
row-major (C-contiguous) arrays, inside a kernel, with no Python overhead.

Without numba (``NUMBA_DISABLE_JIT=1``) the same function runs through numpy.
"""

import llvmlite.binding as llvm
import numpy as np
from numba.core import types
from numba.extending import get_cython_function_address, overload

__all__ = ["gemm"]

# Bound by symbol name (not as a ctypes pointer) so that kernels calling it can
# be cached on disk: the name is resolved again in every process.
for _name in ("dgemm", "sgemm"):
    llvm.add_symbol(
        f"skgenerative_{_name}",
        get_cython_function_address("scipy.linalg.cython_blas", _name),
    )
_GEMM_SIGNATURE = types.void(*([types.voidptr] * 13))
_DGEMM = types.ExternalFunction("skgenerative_dgemm", _GEMM_SIGNATURE)
_SGEMM = types.ExternalFunction("skgenerative_sgemm", _GEMM_SIGNATURE)


def gemm(trans_a, trans_b, alpha, A, B, beta, C):
    """``C[...] = alpha * op(A) @ op(B) + beta * C`` in place.

    All arrays are 2-D, C-contiguous and of one float dtype; ``op(X)`` is
    ``X.T`` when the matching ``trans_*`` flag is true. With ``beta=0`` the
    previous content of ``C`` is ignored (it may be uninitialised).
    """
    a = A.T if trans_a else A
    b = B.T if trans_b else B
    product = alpha * (a @ b)
    if beta == 0:
        C[...] = product
    else:
        C *= beta
        C += product


def _make_gemm(blas_fn, np_dtype):
    def impl(trans_a, trans_b, alpha, A, B, beta, C):
        # Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T:
        # pass B first and swap the roles of the dimensions.
        m, n = C.shape
        k = A.shape[0] if trans_a else A.shape[1]
        flags = np.empty(2, np.uint8)
        flags[0] = 84 if trans_b else 78  # 'T' / 'N'
        flags[1] = 84 if trans_a else 78
        dims = np.empty(6, np.int32)
        dims[0] = n
        dims[1] = m
        dims[2] = k
        dims[3] = max(B.shape[1], 1)
        dims[4] = max(A.shape[1], 1)
        dims[5] = max(C.shape[1], 1)
        scalars = np.empty(2, np_dtype)
        scalars[0] = alpha
        scalars[1] = beta
        if m == 0 or n == 0:
            return
        if k == 0:
            for i in range(m):
                for j in range(n):
                    C[i, j] = 0.0 if beta == 0 else beta * C[i, j]
            return
        blas_fn(
            flags[0:].ctypes, flags[1:].ctypes,
            dims[0:].ctypes, dims[1:].ctypes, dims[2:].ctypes,
            scalars[0:].ctypes,
            B.ctypes, dims[3:].ctypes,
            A.ctypes, dims[4:].ctypes,
            scalars[1:].ctypes,
            C.ctypes, dims[5:].ctypes,
        )

    return impl


_DGEMM_IMPL = _make_gemm(_DGEMM, np.float64)
_SGEMM_IMPL = _make_gemm(_SGEMM, np.float32)


@overload(gemm)
def _gemm_overload(trans_a, trans_b, alpha, A, B, beta, C):
    dtype = C.dtype
    if not (A.dtype == dtype and B.dtype == dtype):
        raise types.TypingError("gemm: A, B and C must share one dtype")
    if dtype == types.float64:
        return _DGEMM_IMPL
    if dtype == types.float32:
        return _SGEMM_IMPL
    raise types.TypingError("gemm supports float32 and float64 only")
