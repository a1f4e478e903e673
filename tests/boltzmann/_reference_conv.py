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


def im2col(V, filter_shape, pad_top, pad_left, detector_shape):
    """(n, dh, dw, channels * fh * fw): the window of the zero-padded images
    that each detector position sees, flattened channel-major."""
    fh, fw = filter_shape
    dh, dw = detector_shape
    big = _padded(V, pad_top, pad_left, detector_shape, filter_shape)
    out = np.empty((V.shape[0], dh, dw, V.shape[1] * fh * fw))
    for i in range(dh):
        for j in range(dw):
            out[:, i, j] = big[:, :, i : i + fh, j : j + fw].reshape(V.shape[0], -1)
    return out


def col2im(cols, filter_shape, pad_top, pad_left, image_shape, n_channels):
    """Adds each patch back onto the window it came from; the padding is dropped."""
    n, dh, dw, _ = cols.shape
    fh, fw = filter_shape
    height, width = image_shape
    big = np.zeros((n, n_channels, dh + fh - 1 + height, dw + fw - 1 + width))
    for i in range(dh):
        for j in range(dw):
            big[:, :, i : i + fh, j : j + fw] += cols[:, i, j].reshape(n, n_channels, fh, fw)
    return big[:, :, pad_top : pad_top + height, pad_left : pad_left + width]
