"""Plain-numpy twins of the convolutional RBM kernels (``_kernels/_conv.py``)
and brute-force references of a tiny convolutional RBM.

Slow and obvious on purpose: the convolutions are written with explicit
zero padding and ``np.sum`` over windows; the pooling block is enumerated.
"""

import itertools

import numpy as np
from scipy.special import logsumexp


def _padded(V, pad_top, pad_left, detector_shape, filter_shape):
    """Images (n, channels, height, width) inside a frame of zeros large
    enough for every detector window."""
    n, n_channels, height, width = V.shape
    big = np.zeros((n, n_channels, detector_shape[0] + filter_shape[0] - 1 + height,
                    detector_shape[1] + filter_shape[1] - 1 + width))
    big[:, :, pad_top : pad_top + height, pad_left : pad_left + width] = V
    return big


def conv_up(V, F, c, pad_top, pad_left, detector_shape):
    """Detector inputs: cross-correlation of the zero-padded images (all
    channels) with each filter, plus the filter's bias."""
    n_filters, _, fh, fw = F.shape
    dh, dw = detector_shape
    big = _padded(V, pad_top, pad_left, detector_shape, (fh, fw))
    out = np.empty((V.shape[0], n_filters, dh, dw))
    for s in range(V.shape[0]):
        for k in range(n_filters):
            for i in range(dh):
                for j in range(dw):
                    out[s, k, i, j] = np.sum(big[s, :, i : i + fh, j : j + fw] * F[k]) + c[k]
    return out


def conv_down(D, F, pad_top, pad_left, image_shape):
    """Each detector adds its filter, times its value, onto the pixels it
    sees (every channel); pixels of the padding are dropped."""
    n, n_filters, dh, dw = D.shape
    fh, fw = F.shape[2:]
    height, width = image_shape
    big = np.zeros((n, F.shape[1], dh + fh - 1 + height, dw + fw - 1 + width))
    for s in range(n):
        for k in range(n_filters):
            for i in range(dh):
                for j in range(dw):
                    big[s, :, i : i + fh, j : j + fw] += D[s, k, i, j] * F[k]
    return big[:, :, pad_top : pad_top + height, pad_left : pad_left + width]


def conv_weight_gradient(V, D, pad_top, pad_left, filter_shape):
    """sum_s sum_ij D[s, k, i, j] * window(i, j) of the padded images."""
    n, n_filters, dh, dw = D.shape
    fh, fw = filter_shape
    big = _padded(V, pad_top, pad_left, (dh, dw), filter_shape)
    G = np.zeros((n_filters, V.shape[1], fh, fw))
    for s in range(n):
        for k in range(n_filters):
            for i in range(dh):
                for j in range(dw):
                    G[k] += D[s, k, i, j] * big[s, :, i : i + fh, j : j + fw]
    return G


def _blocks(detector_shape, pool_shape):
    dh, dw = detector_shape
    ph, pw = pool_shape
    for bi in range(-(-dh // ph)):
        for bj in range(-(-dw // pw)):
            yield bi, bj, slice(bi * ph, (bi + 1) * ph), slice(bj * pw, (bj + 1) * pw)


def pool_softmax(I, beta, pool_shape):
    """(P, pooled, log_norm) by the textbook formula block by block."""
    n, n_filters = I.shape[:2]
    P = np.empty_like(I, dtype=np.float64)
    nb = tuple(-(-d // p) for d, p in zip(I.shape[2:], pool_shape))
    pooled = np.empty((n, n_filters) + nb)
    log_norm = np.zeros(n)
    for s in range(n):
        for k in range(n_filters):
            for bi, bj, rows, cols in _blocks(I.shape[2:], pool_shape):
                logits = beta * I[s, k, rows, cols].astype(np.float64)
                z = logsumexp(np.append(logits.ravel(), 0.0))
                P[s, k, rows, cols] = np.exp(logits - z)
                pooled[s, k, bi, bj] = 1 - np.exp(-z)
                log_norm[s] += z
    return P, pooled, log_norm


def pool_sample(I, beta, pool_shape, U):
    """The first detector (row-major in its block) whose cumulative
    probability exceeds the block's uniform is on; none past them all."""
    P = pool_softmax(I, beta, pool_shape)[0]
    H = np.zeros_like(P)
    for s in range(I.shape[0]):
        for k in range(I.shape[1]):
            for bi, bj, rows, cols in _blocks(I.shape[2:], pool_shape):
                cum = np.cumsum(P[s, k, rows, cols].ravel())
                hit = np.nonzero(U[s, k, bi, bj] < cum)[0]
                if hit.size:
                    block = np.zeros(cum.size)
                    block[hit[0]] = 1
                    H[s, k, rows, cols] = block.reshape(P[s, k, rows, cols].shape)
    return H


def block_states(size):
    """Every allowed state of a pooling block of ``size`` detectors: all off,
    or exactly one on (the constraint of probabilistic max pooling)."""
    return np.vstack([np.zeros(size), np.eye(size)])


def all_binary_vectors(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def joint_log_partition(F, b, c, image_shape, pad, detector_shape, pool_shape):
    """log Z of a tiny binary convolutional RBM by summing exp(-E(v, h)) over
    every image and every allowed hidden configuration, with the energy
    written from scratch (no free energy)."""
    V = all_binary_vectors(F.shape[1] * image_shape[0] * image_shape[1])
    # every hidden configuration: a product of per-block states
    per_block = []
    positions = []
    for k in range(F.shape[0]):
        for bi, bj, rows, cols in _blocks(detector_shape, pool_shape):
            r = np.arange(detector_shape[0])[rows]
            q = np.arange(detector_shape[1])[cols]
            positions.append([(k, i, j) for i in r for j in q])
            per_block.append(block_states(len(positions[-1])))
    energies = []
    images = _padded(V.reshape((V.shape[0], F.shape[1]) + tuple(image_shape)), pad[0], pad[1],
                     detector_shape, F.shape[2:])
    windows = np.lib.stride_tricks.sliding_window_view(images, F.shape[2:], axis=(2, 3))
    I = np.einsum("scijab,kcab->skij", windows[:, :, :detector_shape[0], :detector_shape[1]], F)
    for choice in itertools.product(*[range(len(s)) for s in per_block]):
        H = np.zeros((F.shape[0],) + tuple(detector_shape))
        for states, pos, idx in zip(per_block, positions, choice):
            for value, (k, i, j) in zip(states[idx], pos):
                H[k, i, j] = value
        # E = -b.v - sum_kij h_kij (I_kij(v) + c_k)
        coupling = np.einsum("skij,kij->s", I, H) + H.sum(axis=(1, 2)) @ c
        energies.append(-(V @ b) - coupling)
    return float(logsumexp(-np.stack(energies)))


# ------------------------------------------------ convolutional DBM (two layers)
def _up(X, F, c, pad, detector_shape):
    """conv_up of many images at once (sliding windows + einsum)."""
    big = _padded(X, pad[0], pad[1], detector_shape, F.shape[2:])
    windows = np.lib.stride_tricks.sliding_window_view(big, F.shape[2:], axis=(2, 3))
    windows = windows[:, :, : detector_shape[0], : detector_shape[1]]
    return np.einsum("scijab,kcab->skij", windows, F) + c[None, :, None, None]


def block_pool(D, pool_shape):
    """Pooling units of detector maps: the sum over each block."""
    nb = tuple(-(-d // p) for d, p in zip(D.shape[2:], pool_shape))
    out = np.zeros(D.shape[:2] + nb)
    for bi, bj, rows, cols in _blocks(D.shape[2:], pool_shape):
        out[:, :, bi, bj] = D[:, :, rows, cols].sum(axis=(2, 3))
    return out


def grid_cells_sum(D, grid):
    """``ConvolutionalRBM(feature_grid=grid)``'s summing, written out: each
    side of the maps cut into ``min(grid, side)`` runs whose lengths differ
    by at most one (the longer ones where ``floor(i side / cells)`` puts
    them), each cell's units summed one by one."""
    n, k, height, width = D.shape
    runs = []
    for side, cells in zip((height, width), grid):
        cells = min(cells, side)
        start, bounds = 0, []
        for i in range(cells):
            stop = ((i + 1) * side) // cells
            bounds.append(range(start, stop))
            start = stop
        runs.append(bounds)
    out = np.zeros((n, k, len(runs[0]), len(runs[1])))
    for a, rows in enumerate(runs[0]):
        for b, cols in enumerate(runs[1]):
            for i in rows:
                for j in cols:
                    out[:, :, a, b] += D[:, :, i, j]
    return out


def _spread(T, detector_shape, pool_shape):
    """One value per block onto each detector of the block."""
    out = np.zeros(T.shape[:2] + tuple(detector_shape))
    for bi, bj, rows, cols in _blocks(detector_shape, pool_shape):
        out[:, :, rows, cols] = T[:, :, bi, bj][:, :, None, None]
    return out


def conv_dbm_mean_field(V, F1, c1, F2, c2, g1, g2, n_iter):
    """Mean field of a two-layer convolutional DBM written with the textbook
    pooling softmax: layer 1 from v and the top-down input of Q2, layer 2
    from layer 1's pooling probabilities; ``n_iter`` full updates."""
    V = V.reshape((V.shape[0], g1.n_channels) + g1.image_shape)
    I1 = conv_up(V, F1, c1, g1.pad[0], g1.pad[1], g1.detector_shape)
    Q1, P1, _ = pool_softmax(I1, 1.0, g1.pool_shape)
    Q2 = pool_softmax(conv_up(P1, F2, c2, *g2.pad, g2.detector_shape), 1.0, g2.pool_shape)[0]
    for _ in range(n_iter):
        T = conv_down(Q2, F2, g2.pad[0], g2.pad[1], g2.image_shape)
        Q1, P1, _ = pool_softmax(I1 + _spread(T, g1.detector_shape, g1.pool_shape), 1.0,
                                 g1.pool_shape)
        Q2 = pool_softmax(conv_up(P1, F2, c2, *g2.pad, g2.detector_shape), 1.0,
                          g2.pool_shape)[0]
    return Q1, Q2


def detector_configurations(n_filters, detector_shape, pool_shape):
    """Every allowed state of ``n_filters`` detector maps (at most one
    detector on per block): (n_states, n_filters, dh, dw)."""
    per_block, where = [], []
    for k in range(n_filters):
        for _, _, rows, cols in _blocks(detector_shape, pool_shape):
            r = np.arange(detector_shape[0])[rows]
            q = np.arange(detector_shape[1])[cols]
            where.append([(k, i, j) for i in r for j in q])
            per_block.append(block_states(len(where[-1])))
    out = []
    for choice in itertools.product(*[range(len(s)) for s in per_block]):
        H = np.zeros((n_filters,) + tuple(detector_shape))
        for states, pos, idx in zip(per_block, where, choice):
            for value, (k, i, j) in zip(states[idx], pos):
                H[k, i, j] = value
        out.append(H)
    return np.array(out)


def conv_dbm_joint(F1, b, c1, F2, c2, g1, g2):
    """Every joint state of a tiny binary two-layer convolutional DBM with
    its unnormalised log-probability ``-E(v, h1, h2)``, the energy written
    from scratch: (V codes, h1 indices, h2 indices, log p*) over a grid
    (n_images, n_h1, n_h2)."""
    V = all_binary_vectors(g1.n_visible)
    H1 = detector_configurations(F1.shape[0], g1.detector_shape, g1.pool_shape)
    H2 = detector_configurations(F2.shape[0], g2.detector_shape, g2.pool_shape)
    I1 = _up(V.reshape((-1, g1.n_channels) + g1.image_shape), F1, c1, g1.pad,
             g1.detector_shape)  # (nv, K1, dh, dw)
    P1 = block_pool(H1, g1.pool_shape)  # (n1, K1, bh, bw)
    I2 = _up(P1, F2, c2, g2.pad, g2.detector_shape)  # (n1, K2, dh2, dw2)
    term_v = V @ b
    term_1 = np.einsum("skij,hkij->sh", I1, H1)
    term_2 = np.einsum("hkij,gkij->hg", I2, H2)
    log_p = term_v[:, None, None] + term_1[:, :, None] + term_2[None, :, :]
    return V, H1, H2, log_p


def conv_dbm_log_partition_by_images(F1, b, c1, F2, c2, g1, g2):
    """log Z summing every image and every state of layer 2, layer 1 summed
    out block by block given them (the other way round from the model's
    enumeration)."""
    V = all_binary_vectors(g1.n_visible)
    H2 = detector_configurations(F2.shape[0], g2.detector_shape, g2.pool_shape)
    I1 = _up(V.reshape((-1, g1.n_channels) + g1.image_shape), F1, c1, g1.pad,
             g1.detector_shape)
    terms = []
    for h2 in H2:
        T = conv_down(h2[None], F2, g2.pad[0], g2.pad[1], g2.image_shape)
        I = I1 + _spread(T, g1.detector_shape, g1.pool_shape)
        log_norm = np.zeros(V.shape[0])
        for _, _, rows, cols in _blocks(g1.detector_shape, g1.pool_shape):
            block = I[:, :, rows, cols].reshape(I.shape[0], I.shape[1], -1)
            off = np.zeros(block.shape[:2] + (1,))
            log_norm += logsumexp(np.concatenate([block, off], axis=2), axis=2).sum(axis=1)
        terms.append(V @ b + h2.sum(axis=(1, 2)) @ c2 + log_norm)
    return float(logsumexp(np.stack(terms)))


def conv_dbm_gaussian_hidden(F1, b, c1, F2, c2, beta, g1, g2):
    """Every joint state of the two hidden layers of a tiny convolutional
    DBM with Gaussian pixels of precisions ``beta``, the pixels integrated
    out: -E = -1/2 sum beta (v - b)^2 + beta v . d(h1) + (terms without v),
    with ``d(h1)`` the downward pass, so the integral over v is
    ``sum [1/2 beta ((b + d)^2 - b^2) + 1/2 log(2 pi / beta)]``.
    Returns (H1, H2, log q(h1, h2) of shape (n_h1, n_h2), the conditional
    means ``b + d(h1)`` of shape (n_h1, n_visible))."""
    H1 = detector_configurations(F1.shape[0], g1.detector_shape, g1.pool_shape)
    H2 = detector_configurations(F2.shape[0], g2.detector_shape, g2.pool_shape)
    D = conv_down(H1, F1, g1.pad[0], g1.pad[1], g1.image_shape).reshape(H1.shape[0], -1)
    means = b + D
    integral = 0.5 * ((means**2 - b**2) @ beta) + 0.5 * np.sum(np.log(2 * np.pi / beta))
    P1 = block_pool(H1, g1.pool_shape)
    I2 = _up(P1, F2, c2, g2.pad, g2.detector_shape)
    log_q = (integral + H1.sum(axis=(2, 3)) @ c1)[:, None] + np.einsum("hkij,gkij->hg", I2, H2)
    return H1, H2, log_q, means


def conv_dbm_gaussian_log_density(V, F1, b, c1, F2, c2, beta, g1, g2):
    """log p(v) of images ``V`` (rows) by summing exp(-E(v, h1, h2)) over
    every hidden state, the energy written from scratch (upward pass of
    ``beta v``), minus the log Z of :func:`conv_dbm_gaussian_hidden`."""
    H1, H2, log_q, _ = conv_dbm_gaussian_hidden(F1, b, c1, F2, c2, beta, g1, g2)
    images = (V * beta).reshape((-1, g1.n_channels) + g1.image_shape)
    I1 = _up(images, F1, c1, g1.pad, g1.detector_shape)
    I2 = _up(block_pool(H1, g1.pool_shape), F2, c2, g2.pad, g2.detector_shape)
    log_p = (-0.5 * ((V - b) ** 2 @ beta)[:, None, None]
             + np.einsum("skij,hkij->sh", I1, H1)[:, :, None]
             + np.einsum("hkij,gkij->hg", I2, H2)[None])
    return logsumexp(log_p, axis=(1, 2)) - logsumexp(log_q)
