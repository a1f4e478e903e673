"""The one BLAS-thread policy of the package's training and scoring loops.

Minibatch training multiplies small matrices. Measured on 2-core machines
(DESIGN.md §4): with batch ≤ ~100 one BLAS thread is far faster than two, and
two-thread OpenBLAS on small shapes under load can be 10-200x slower; an IWAE
epoch on digits went from 0.64 s with two threads to 0.05 s with one. Large
products (a 500-hidden RBM with a 1000-row batch) still gain from threads.
Parallelism belongs across independent fits (joblib), not inside tiny GEMMs.

So every loop runs inside :func:`blas_threads`, told the size of its largest
per-step product; below :data:`SINGLE_THREAD_WORK` multiply-adds it gets one
thread, above it the BLAS is left as the user (or ``threadpoolctl``) set it.
"""

from threadpoolctl import threadpool_limits

__all__ = ["blas_threads", "SINGLE_THREAD_WORK"]

#: Multiply-adds of one step's largest product below which one BLAS thread
#: is used (2**30: e.g. a 784 x 500 RBM with a batch plus chains of ~2700 rows).
SINGLE_THREAD_WORK = 2**30


def blas_threads(work=None):
    """Context manager limiting BLAS threads for a loop of small products.

    Parameters
    ----------
    work : int or None, default=None
        Multiply-adds of the largest product one step makes. None means
        "small" (the minibatch loops of back-propagated networks).

    Returns
    -------
    context : threadpoolctl.threadpool_limits
        One BLAS thread when ``work`` is None or below
        :data:`SINGLE_THREAD_WORK`, else no limit.
    """
    limit = 1 if work is None or work < SINGLE_THREAD_WORK else None
    return threadpool_limits(limits=limit, user_api="blas")
