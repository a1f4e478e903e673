"""Products with a sparse (mostly zero) visible layer: gather and scatter
through a CSR non-zero pattern instead of a GEMM.

Binary data and visible samples are mostly zeros (13 % ones on binarized
MNIST). A product with such a layer is then cheaper as a gather of the rows
of ``W.T`` that the non-zeros select than as a GEMM: on binarized MNIST
the forward product and the weight update take half the time of
single-thread GEMM at 500 hidden units, float32 and float64; at 30 % ones
they break even (benchmarks/README.md).
"""

from numba import njit

from ._elementwise import _NJIT

#: Below this fraction of non-zeros a product with the visible layer gathers.
_SPARSE_DENSITY = 0.2
#: Finding the non-zeros pays only from this many hidden units (measured
#: crossover on binarized MNIST: 50-100 hidden units).
_GATHER_MIN_HIDDEN = 64


@njit(**_NJIT)
def _nonzero_pattern(S, first, ptr, idx):
    """The non-zero pattern (CSR ``ptr``, ``idx``) of rows ``first:`` of ``S``.

    Row ``i``'s column indices are ``idx[ptr[i]:ptr[i + 1]]``; rows before
    ``first`` keep theirs (``ptr[first]`` must be set). Branch-free, so the
    cost does not depend on the pattern. ``idx`` needs ``S.size`` entries.
    """
    nv = S.shape[1]
    n = ptr[first]
    for i in range(first, S.shape[0]):
        for j in range(nv):
            idx[n] = j
            n += S[i, j] != 0
        ptr[i + 1] = n


@njit(**_NJIT)
def _is_sparse(ptr, lo, hi, n_columns):
    """Whether rows ``lo:hi`` have few enough non-zeros to gather."""
    return ptr[hi] - ptr[lo] < _SPARSE_DENSITY * (hi - lo) * n_columns


@njit(**_NJIT)
def _sparse_product(S, ptr, idx, D, out):
    """``out = S @ D`` from the non-zero pattern of ``S`` (rows of ``D`` gathered)."""
    for i in range(S.shape[0]):
        row = out[i]
        row[:] = 0.0
        for t in range(ptr[i], ptr[i + 1]):
            j = idx[t]
            s = S[i, j]
            d = D[j]
            for k in range(D.shape[1]):
                row[k] += s * d[k]


@njit(**_NJIT)
def _sparse_transpose_product_add(S, ptr, idx, T, out):
    """``out += S.T @ T`` from the non-zero pattern of ``S`` (rows of ``T`` scattered)."""
    for i in range(S.shape[0]):
        row = T[i]
        for t in range(ptr[i], ptr[i + 1]):
            j = idx[t]
            s = S[i, j]
            o = out[j]
            for k in range(T.shape[1]):
                o[k] += s * row[k]
