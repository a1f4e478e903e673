"""Plain-numpy twin of the DBM pretraining kernel with label units
(``_kernels._pretraining._sgd_epoch_labelled_rbm``)."""

import numpy as np
from scipy.special import expit

from tests.utils._reference import counter_uniforms, stream_key


def sgd_epoch_labelled_rbm(X, Y, rows, bounds, params, chains, hyper, rng):
    """Twin of ``_kernels._sgd_epoch_labelled_rbm`` (the top pretraining RBM
    of a DBM fitted with labels), from its energy ``- sum_r h_r^T W v - y^T
    U h_1 - b.v - d.y - c.sum_r h_r`` with ``down`` hidden copies:
    persistent chains ``(h_1, mean of h_2..h_down)``; each step draws the
    visibles from sigmoid(W^T sum_r h_r + b), then the labels from
    softmax(U h_1 + d) (one uniform per row, the first class whose
    cumulative probability exceeds it), then copy 1 from sigmoid(W v + U^T
    y + c) and the others from sigmoid(W v + c). The step is ``lr`` times
    the gradient in the mean of the copies for ``W, b, c`` and in copy 1
    for ``U``, L2 on ``W`` and ``U``."""
    W, b, c, U, d = params
    H1, Hr = chains
    lr, l2 = hyper.learning_rate, hyper.l2
    k = int(hyper.n_gibbs_steps)
    down = int(hyper.down)

    def uniforms(shape):
        key = stream_key(rng)
        return counter_uniforms(key, int(np.prod(shape))).reshape(shape)

    def visible(H1, Hr):
        P = expit((H1 + (down - 1) * Hr) @ W + b)
        return (uniforms((1,) + P.shape) < P).mean(axis=0)

    def labels(H1):
        A = H1 @ U.T + d
        P = np.exp(A - A.max(axis=1, keepdims=True))
        u = uniforms((H1.shape[0],)) * P.sum(axis=1)
        chosen = np.minimum((np.cumsum(P, axis=1) <= u[:, None]).sum(axis=1), P.shape[1] - 1)
        return np.eye(P.shape[1])[chosen]

    def hidden(V, Yl):  # copy 1, the others, their mean
        T1, T2 = expit(V @ W.T + Yl @ U + c), expit(V @ W.T + c)
        return T1, T2, (T1 + (down - 1) * T2) / down

    def sample(P, n_copies):
        return (uniforms(P.shape + (n_copies,)) < P[..., None]).mean(axis=-1)

    def sample_hidden(T1, T2):
        H1[:] = sample(T1, 1)
        if down > 1:
            Hr[:] = sample(T2, down - 1)

    for batch in range(len(bounds) - 1):
        batch_rows = rows[bounds[batch] : bounds[batch + 1]]
        Vd, Yd = X[batch_rows], Y[batch_rows]
        Vn = visible(H1, Hr)
        Yn = labels(H1)
        T1d, _, Td = hidden(Vd, Yd)
        T1n, T2n, Tn = hidden(Vn, Yn)
        for _ in range(k - 1):
            sample_hidden(T1n, T2n)
            Vn = visible(H1, Hr)
            Yn = labels(H1)
            T1n, T2n, Tn = hidden(Vn, Yn)
        sample_hidden(T1n, T2n)
        B, C = len(Vd), len(Vn)
        grad_W = Td.T @ Vd / B - Tn.T @ Vn / C
        grad_U = Yd.T @ T1d / B - Yn.T @ T1n / C
        db, dc, dd = Vd.mean(0) - Vn.mean(0), Td.mean(0) - Tn.mean(0), Yd.mean(0) - Yn.mean(0)
        W *= 1 - lr * l2
        U *= 1 - lr * l2
        W += lr * grad_W
        U += lr * grad_U
        b += lr * db
        c += lr * dc
        d += lr * dd
