"""DBM pretraining kernels (§20.4.4): the epoch of an RBM with tied copies of
its layers.

Salakhutdinov & Hinton (2009) pretrain the bottom RBM of a DBM with two
tied copies of the visible layer and the top RBM with two tied copies of
the hidden layer. With ``up`` copies of the visible layer and ``down``
copies of the hidden layer (weights tied across copies) the state of a
chain is represented by the copy means ``v`` and ``h``, and::

    each hidden copy ~ Bernoulli(sigmoid(up * W v + c)),
    each visible copy ~ Bernoulli(sigmoid(down * W^T h + b)),

so on data (all visible copies equal to v) the hidden units receive
``up * W v``. The per-copy gradient is ``<h v^T>_data - <h v^T>_model`` in
copy means. With up = down = 1 this is the ordinary RBM and the epoch
kernel below is bit for bit ``_sgd_epoch_bernoulli``.
"""

import numpy as np
from numba import njit

from ...utils._blas import gemm
from ...utils._numba_math import counter_uniform, draw_key
from ...utils._numba_math import sigmoid_into as _sigmoid_into
from ._categorical import _sample_groups_into, _softmax_groups_inplace
from ._elementwise import _NJIT, _sigmoid_bias_inplace
from ._rbm_epoch import (
    _apply_direct_update,
    _apply_update,
    _copy_rows,
    _epoch_workspace,
    is_direct_update,
)


@njit(**_NJIT)
def _scaled_hidden_means(V, W, c, up, out):
    """``out = sigmoid(up * V @ W.T + c)``."""
    gemm(False, True, up, V, W, 0.0, out)
    _sigmoid_bias_inplace(out, c)


@njit(**_NJIT)
def _scaled_sample_visibles(H, W, b, down, n_copies, out, rng):
    """``out`` = mean of ``n_copies`` draws of Bernoulli(sigmoid(down * H @ W + b)).

    Counter-based uniforms keyed from ``rng``, copy ``r`` of unit ``(i, j)``
    taking draw ``r n m + i m + j`` (one copy: the stream and result of
    ``_sample_visibles_bernoulli``).
    """
    gemm(False, False, down, H, W, 0.0, out)
    n, m = out.shape
    key = draw_key(rng)
    probabilities = np.empty(m, out.dtype)
    scratch = np.empty(m, np.int64)
    inv = out.dtype.type(1.0 / n_copies)
    for i in range(n):
        row = out[i]
        for j in range(m):
            row[j] += b[j]
        _sigmoid_into(row, probabilities, scratch)
        for j in range(m):
            count = 0
            for r in range(n_copies):
                u = counter_uniform(key, np.uint64(r * n * m + i * m + j))
                if u < probabilities[j]:
                    count += 1
            row[j] = count * inv


@njit(**_NJIT)
def _sample_copies_into(P, n_copies, out, rng):
    """``out`` = mean of ``n_copies`` Bernoulli(P) draws; counter-based
    uniforms keyed from ``rng``, copy ``r`` of unit ``(i, j)`` taking draw
    ``(i m + j) n_copies + r`` (one copy: the stream of
    ``_sample_bernoulli_into``)."""
    n, m = P.shape
    key = draw_key(rng)
    inv = out.dtype.type(1.0 / n_copies)
    for i in range(n):
        for j in range(m):
            count = 0
            for r in range(n_copies):
                u = counter_uniform(key, np.uint64((i * m + j) * n_copies + r))
                if u < P[i, j]:
                    count += 1
            out[i, j] = count * inv


def _sgd_epoch_scaled_rbm(X, rows, bounds, params, velocity, offsets, chains, hyper, rng):
    """One epoch of CD-k / PCD-k of the tied-copies RBM of DBM pretraining.

    Same arguments as ``_sgd_epoch_bernoulli``; ``hyper`` has two more
    entries, ``[..., up, down]``: the numbers of tied copies of the visible
    and of the hidden layer (1 or more), which scale the input of P(h | v)
    and of P(v | h) respectively. Chain states (``chains`` and the negative
    visibles) are copy means; the update is the (centred) per-copy gradient
    ``<h v^T>_data - <h v^T>_chains`` of ``_sgd_epoch_bernoulli``.

    The plain update (pretraining's: no momentum, L1 or centring) and the
    general one are two kernels chosen here, so that a cold first fit
    compiles only the one it uses.
    """
    if is_direct_update(hyper, offsets):
        _scaled_epoch_direct(X, rows, bounds, params, chains, hyper, rng)
    else:
        _scaled_epoch_general(X, rows, bounds, params, velocity, offsets, chains, hyper, rng)


@njit(**_NJIT)
def _scaled_batch_phases(X, batch_rows, S, T, H, chains, n_chains, params, hyper, rng):
    """One batch's data and negative phases: its rows and the negative
    particles (copy means) stacked in ``S``, their hidden means in ``T``;
    returns the number of stacked rows."""
    W, b, c = params
    k = int(hyper.n_gibbs_steps)
    persistent = hyper.persistent > 0
    up, down = hyper.up, hyper.down
    n_up, n_down = int(up), int(down)
    B = batch_rows.shape[0]
    C = n_chains if persistent else B
    m = B + C
    _copy_rows(X, batch_rows, S)
    Sd, Sn, Td, Tn = S[:B], S[B:m], T[:B], T[B:m]
    if persistent:
        Hc = chains
        _scaled_sample_visibles(Hc, W, b, down, n_up, Sn, rng)
        _scaled_hidden_means(S[:m], W, c, up, T[:m])
        for _ in range(k - 1):
            _sample_copies_into(Tn, n_down, Hc, rng)
            _scaled_sample_visibles(Hc, W, b, down, n_up, Sn, rng)
            _scaled_hidden_means(Sn, W, c, up, Tn)
        _sample_copies_into(Tn, n_down, Hc, rng)
    else:
        Hc = H[:C]
        _scaled_hidden_means(Sd, W, c, up, Td)
        _sample_copies_into(Td, n_down, Hc, rng)
        for step in range(k):
            _scaled_sample_visibles(Hc, W, b, down, n_up, Sn, rng)
            _scaled_hidden_means(Sn, W, c, up, Tn)
            if step < k - 1:
                _sample_copies_into(Tn, n_down, Hc, rng)
    return m


@njit(**_NJIT)
def _scaled_epoch_direct(X, rows, bounds, params, chains, hyper, rng):
    """The epoch with the plain update, straight into ``W``."""
    W, b, c = params
    S, T, H, n_chains = _epoch_workspace(W, bounds, chains, hyper.persistent > 0)
    no_pattern = (np.zeros(1, np.int64), np.zeros(0, np.int64))
    for batch in range(bounds.shape[0] - 1):
        start, stop = bounds[batch], bounds[batch + 1]
        m = _scaled_batch_phases(X, rows[start:stop], S, T, H, chains, n_chains, params, hyper, rng)
        _apply_direct_update(S[:m], T[:m], stop - start, W, np.bool_(False), b, c, hyper,
                             no_pattern)


@njit(**_NJIT)
def _scaled_epoch_general(X, rows, bounds, params, velocity, offsets, chains, hyper, rng):
    """The epoch with momentum, L1 or centring."""
    S, T, H, n_chains = _epoch_workspace(params[0], bounds, chains, hyper.persistent > 0)
    for batch in range(bounds.shape[0] - 1):
        start, stop = bounds[batch], bounds[batch + 1]
        m = _scaled_batch_phases(X, rows[start:stop], S, T, H, chains, n_chains, params, hyper, rng)
        _apply_update(S[:m], T[:m], stop - start, params, velocity, offsets, hyper, np.bool_(False))


# ----------------------------------------------------------- with label units
#
# The top RBM of a DBM fitted with labels (Salakhutdinov & Hinton 2009) has
# one-hot label units ``y`` (one softmax group of K) beside its visible layer
# and ``down`` tied copies of its hidden layer, the labels joined to the first
# copy only (in the DBM the label layer's only neighbour is the top hidden
# layer, which also gets all its input from the labels):
#
#     E = - sum_r h_r^T W v - y^T U h_1 - b.v - d.y - c.sum_r h_r,
#
# so copy 1 ~ Bernoulli(sigmoid(W v + U^T y + c)), copies 2..down ~
# Bernoulli(sigmoid(W v + c)), v ~ Bernoulli(sigmoid(W^T (h_1 + ... + h_down)
# + b)) and y ~ softmax(U h_1 + d). The chains keep copy 1 and the mean of the
# other copies apart.


@njit(**_NJIT)
def _sample_labels(H, U, d, out, rng):
    """``out`` = one-hot draws from softmax(H @ U.T + d), one counter-based
    uniform per row (draw ``i`` of a key from ``rng``)."""
    gemm(False, True, 1.0, H, U, 0.0, out)
    groups = np.zeros(2, np.int64)  # the labels: one softmax group
    groups[1] = out.shape[1]
    _softmax_groups_inplace(out, d, groups)
    key = draw_key(rng)
    u = np.empty((out.shape[0], 1))
    for i in range(out.shape[0]):
        u[i, 0] = counter_uniform(key, np.uint64(i))
    _sample_groups_into(out, groups, u, out)


@njit(**_NJIT)
def _labelled_hidden_means(S, Y, W, U, c, down, T1, T2, Tm):
    """``T1 = sigmoid(S @ W.T + Y @ U + c)`` (the labelled copy), ``T2 =
    sigmoid(S @ W.T + c)`` (the others) and their mean over the ``down``
    copies ``Tm = (T1 + (down - 1) T2) / down``."""
    gemm(False, True, 1.0, S, W, 0.0, T2)
    T1[:] = T2
    gemm(False, False, 1.0, Y, U, 1.0, T1)
    _sigmoid_bias_inplace(T1, c)
    _sigmoid_bias_inplace(T2, c)
    w = Tm.dtype.type((down - 1.0) / down)
    w1 = Tm.dtype.type(1.0 / down)
    for i in range(Tm.shape[0]):
        for j in range(Tm.shape[1]):
            Tm[i, j] = w1 * T1[i, j] + w * T2[i, j]


@njit(**_NJIT)
def _labelled_chain_step(H1, Hr, Hsum, W, b, U, d, down, Sn, Yn, rng):
    """The chains' visibles and labels from their hidden copies: ``Sn`` from
    sigmoid(W^T (h_1 + (down - 1) h_rest) + b), ``Yn`` from softmax(U h_1 + d)."""
    for i in range(H1.shape[0]):
        for j in range(H1.shape[1]):
            Hsum[i, j] = H1[i, j] + (down - 1.0) * Hr[i, j]
    _scaled_sample_visibles(Hsum, W, b, 1.0, 1, Sn, rng)
    _sample_labels(H1, U, d, Yn, rng)


@njit(**_NJIT)
def _labelled_sample_hidden(T1n, T2n, n_rest, H1, Hr, rng):
    """New hidden copies of the chains: copy 1 from ``T1n``, the mean of the
    ``n_rest`` others from ``T2n`` (none when ``n_rest`` is 0)."""
    _sample_copies_into(T1n, 1, H1, rng)
    if n_rest > 0:
        _sample_copies_into(T2n, n_rest, Hr, rng)


@njit(**_NJIT)
def _sgd_epoch_labelled_rbm(X, Y, rows, bounds, params, chains, hyper, rng):
    """One epoch of PCD-k (plain update: no momentum, L1 or centring; L2 on
    ``W`` and ``U``) of the top pretraining RBM with label units ``Y``
    (one-hot rows of the data) beside its visible layer and ``hyper.down``
    tied hidden copies, the labels on the first (the energy above);
    ``params = (W, b, c, U, d)``, ``chains = (H1, H_rest)``: the first copy
    and the mean of the others in the persistent chains. ``hyper`` as in
    ``_sgd_epoch_scaled_rbm`` (``persistent`` assumed; ``up`` ignored: 1).

    Per update the chains draw their visibles, then their labels, then their
    hidden copies; the step is the per-copy gradient of
    ``_sgd_epoch_scaled_rbm`` (``<h v^T>`` in the mean of the copies) for
    ``W, b, c`` and the gradient ``<y h_1^T>_data - <y h_1^T>_chains`` for
    ``U``, ``<y>_data - <y>_chains`` for ``d``.
    """
    W, b, c, U, d = params
    H1, Hr = chains
    k = int(hyper.n_gibbs_steps)
    down = hyper.down
    n_rest = int(down) - 1
    lr, l2 = hyper.learning_rate, hyper.l2
    S, T, _, n_chains = _epoch_workspace(W, bounds, H1, True)
    K = U.shape[0]
    Ys = np.empty((S.shape[0], K), W.dtype)
    T1 = np.empty_like(T)
    T2 = np.empty_like(T)
    Hsum = np.empty_like(H1)
    no_pattern = (np.zeros(1, np.int64), np.zeros(0, np.int64))
    for batch in range(bounds.shape[0] - 1):
        start, stop = bounds[batch], bounds[batch + 1]
        B = stop - start
        m = B + n_chains
        _copy_rows(X, rows[start:stop], S)
        _copy_rows(Y, rows[start:stop], Ys)
        Sn, Yn = S[B:m], Ys[B:m]
        _labelled_chain_step(H1, Hr, Hsum, W, b, U, d, down, Sn, Yn, rng)
        _labelled_hidden_means(S[:m], Ys[:m], W, U, c, down, T1[:m], T2[:m], T[:m])
        for _ in range(k - 1):
            _labelled_sample_hidden(T1[B:m], T2[B:m], n_rest, H1, Hr, rng)
            _labelled_chain_step(H1, Hr, Hsum, W, b, U, d, down, Sn, Yn, rng)
            _labelled_hidden_means(Sn, Yn, W, U, c, down, T1[B:m], T2[B:m], T[B:m])
        _labelled_sample_hidden(T1[B:m], T2[B:m], n_rest, H1, Hr, rng)
        y_pos = np.zeros(K, W.dtype)
        y_neg = np.zeros(K, W.dtype)
        for i in range(m):
            for j in range(K):
                if i < B:
                    y_pos[j] += Ys[i, j]
                else:
                    y_neg[j] += Ys[i, j]
        scale_d = T.dtype.type(lr / B)
        scale_n = T.dtype.type(-lr / n_chains)
        for i in range(m):
            scale = scale_d if i < B else scale_n
            for j in range(T.shape[1]):
                T1[i, j] *= scale
        # scales T[:m] likewise, then updates W, b, c (L2 on W)
        _apply_direct_update(S[:m], T[:m], B, W, np.bool_(False), b, c, hyper, no_pattern)
        if l2 > 0:
            U *= U.dtype.type(1.0 - lr * l2)
        gemm(True, False, 1.0, Ys[:m], T1[:m], 1.0, U)
        for j in range(K):
            d[j] += U.dtype.type(lr) * (y_pos[j] / B - y_neg[j] / n_chains)
