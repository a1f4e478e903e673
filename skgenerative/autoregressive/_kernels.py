"""Numba kernels of the autoregressive family (NADE and RNADE).

Each kernel loops over samples and, inside, over the dimensions in the order
``order``, carrying the NADE pre-activation ``a`` incrementally
(``a_{d+1} = a_d + W[o_d] x_{o_d}``, Larochelle & Murray 2011, eq. 20.83's
weight sharing), so a forward pass costs O(DH) per sample. Weights are stored
with one row per input dimension (``W[i]`` and ``V[i]`` of length H are
contiguous). Kernels are single-threaded; log-likelihoods accumulate in
float64 whatever the parameter dtype. Random numbers are drawn by the caller
(``U`` uniforms, ``Z`` normals) so that results do not depend on numba's
global stream.
"""

import math

import numpy as np
from numba import njit

from ..utils._numba_math import FASTMATH as _FASTMATH
from ..utils._numba_math import sigmoid_into as _sigmoid_into
_LOG_2PI = math.log(2.0 * math.pi)


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _softplus(x):
    if x > 0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _nade_step_bernoulli(a, h, V_i, b_i, scratch):
    """h = sigmoid(a) in place; returns the output logit b_i + V_i . h."""
    _sigmoid_into(a, h, scratch)
    logit = b_i
    for k in range(a.shape[0]):
        logit += V_i[k] * h[k]
    return logit


#: samples processed together, so each row of W and V is read from memory
#: once per block rather than once per sample (the working set of one sample
#: pass, ~4 D H values, does not fit in L2 for MNIST-sized models)
_BLOCK = 16


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _nade_log_prob_bernoulli(X, W, V, b, c, order):
    """log p(x) of each row of X under a binary NADE."""
    n, D = X.shape
    H = c.shape[0]
    out = np.zeros(n, dtype=np.float64)
    A = np.empty((_BLOCK, H), dtype=W.dtype)
    h = np.empty(H, dtype=W.dtype)
    scratch = np.empty(H, dtype=np.int32)
    for start in range(0, n, _BLOCK):
        m = min(_BLOCK, n - start)
        for s in range(m):
            A[s] = c
        for d in range(D):
            i = order[d]
            for s in range(m):
                logit = _nade_step_bernoulli(A[s], h, V[i], b[i], scratch)
                xi = X[start + s, i]
                out[start + s] += xi * logit - _softplus(logit)
                if xi != 0:
                    for k in range(H):
                        A[s, k] += xi * W[i, k]
    return out


#: samples per block of the gradient kernel, which keeps the hidden values of
#: the block for the backward pass (D x 4 x H values: 6 MB for MNIST NADE-500)
_GRAD_BLOCK = 4


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _nade_grad_bernoulli(X, W, V, b, c, order, gW, gV, gb, gc):
    """Accumulate d(sum_s log p(x_s))/d(params) into gW, gV, gb, gc.

    Returns the summed log-likelihood. The backward pass runs the dimensions
    in reverse, carrying ``dA`` = the gradient reaching the pre-activation of
    the later steps (Larochelle & Murray 2011, Algorithm 1). The hidden values
    of the forward pass are kept for a block of samples: measured ~15% faster
    than recomputing them backwards (undoing ``a += W x``) with 16-sample
    blocks, since a sigmoid costs more than storing and reloading a value.
    """
    n, D = X.shape
    H = c.shape[0]
    A = np.empty((_GRAD_BLOCK, H), dtype=W.dtype)
    dA = np.empty((_GRAD_BLOCK, H), dtype=W.dtype)
    hbuf = np.empty((D, _GRAD_BLOCK, H), dtype=W.dtype)
    resid = np.empty((_GRAD_BLOCK, D), dtype=W.dtype)
    scratch = np.empty(H, dtype=np.int32)
    total = 0.0
    for start in range(0, n, _GRAD_BLOCK):
        m = min(_GRAD_BLOCK, n - start)
        for s in range(m):
            A[s] = c
        for d in range(D):
            i = order[d]
            for s in range(m):
                logit = _nade_step_bernoulli(A[s], hbuf[d, s], V[i], b[i], scratch)
                xi = X[start + s, i]
                total += xi * logit - _softplus(logit)
                resid[s, d] = xi - _sigmoid(logit)
                if xi != 0:
                    for k in range(H):
                        A[s, k] += xi * W[i, k]
        dA[:m] = 0.0
        for d in range(D - 1, -1, -1):
            i = order[d]
            for s in range(m):
                xi = X[start + s, i]
                if xi != 0:
                    for k in range(H):
                        gW[i, k] += xi * dA[s, k]
                r = resid[s, d]
                gb[i] += r
                h = hbuf[d, s]
                for k in range(H):
                    hk = h[k]
                    gV[i, k] += r * hk
                    dA[s, k] += r * V[i, k] * hk * (1.0 - hk)
        for s in range(m):
            for k in range(H):
                gc[k] += dA[s, k]
    return total


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _nade_sample_bernoulli(W, V, b, c, order, U):
    """Exact ancestral samples; ``U`` holds one uniform per (sample, step)."""
    n, D = U.shape
    H = c.shape[0]
    X = np.zeros((n, D), dtype=W.dtype)
    A = np.empty((_BLOCK, H), dtype=W.dtype)
    h = np.empty(H, dtype=W.dtype)
    scratch = np.empty(H, dtype=np.int32)
    for start in range(0, n, _BLOCK):
        m = min(_BLOCK, n - start)
        for s in range(m):
            A[s] = c
        for d in range(D):
            i = order[d]
            for s in range(m):
                p = _sigmoid(_nade_step_bernoulli(A[s], h, V[i], b[i], scratch))
                if U[start + s, d] < p:
                    X[start + s, i] = 1.0
                    for k in range(H):
                        A[s, k] += W[i, k]
    return X


# --------------------------------------------------------------------------
# RNADE: mixture-of-Gaussians conditionals (Uria, Murray & Larochelle 2013).
# Output block of dimension i: V[i] has 3K rows (mixture logits, means,
# log-scales) and b[i] 3K entries. sigma^2 = exp(2 s) + min_variance.
# --------------------------------------------------------------------------


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _rnade_outputs(a, h, V_i, b_i, out):
    """h = sigmoid(a); out = b_i + V_i h (length 3K)."""
    H = a.shape[0]
    for k in range(H):
        h[k] = 1.0 / (1.0 + math.exp(-a[k]))
    for j in range(out.shape[0]):
        acc = b_i[j]
        for k in range(H):
            acc += V_i[j, k] * h[k]
        out[j] = acc


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _rnade_conditional(x, out, min_variance, dout):
    """log p(x | mixture in ``out``); if dout has length 3K, writes the
    gradient of that log-density w.r.t. ``out`` into it."""
    K = out.shape[0] // 3
    amax = -np.inf
    for j in range(K):
        amax = max(amax, out[j])
    lse_a = 0.0
    for j in range(K):
        lse_a += math.exp(out[j] - amax)
    lse_a = amax + math.log(lse_a)
    # log of each weighted component, kept in dout's third block as scratch
    cmax = -np.inf
    for j in range(K):
        var = math.exp(2.0 * out[2 * K + j]) + min_variance
        diff = x - out[K + j]
        lc = out[j] - lse_a - 0.5 * (_LOG_2PI + math.log(var) + diff * diff / var)
        dout[j] = lc
        cmax = max(cmax, lc)
    total = 0.0
    for j in range(K):
        total += math.exp(dout[j] - cmax)
    ll = cmax + math.log(total)
    for j in range(K):
        resp = math.exp(dout[j] - ll)
        var = math.exp(2.0 * out[2 * K + j]) + min_variance
        diff = x - out[K + j]
        dout[j] = resp - math.exp(out[j] - lse_a)
        dout[K + j] = resp * diff / var
        dout[2 * K + j] = resp * (math.exp(2.0 * out[2 * K + j]) / var) * (diff * diff / var - 1.0)
    return ll


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _rnade_log_prob(X, W, V, b, c, order, min_variance):
    """log density of each row of (standardised) X under an RNADE."""
    n, D = X.shape
    H = c.shape[0]
    out = np.empty(n, dtype=np.float64)
    a = np.empty(H, dtype=W.dtype)
    h = np.empty(H, dtype=W.dtype)
    o = np.empty(V.shape[1], dtype=np.float64)
    scratch = np.empty(V.shape[1], dtype=np.float64)
    for s in range(n):
        a[:] = c
        ll = 0.0
        for d in range(D):
            i = order[d]
            _rnade_outputs(a, h, V[i], b[i], o)
            ll += _rnade_conditional(X[s, i], o, min_variance, scratch)
            for k in range(H):
                a[k] += X[s, i] * W[i, k]
        out[s] = ll
    return out


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _rnade_grad(X, W, V, b, c, order, min_variance, gW, gV, gb, gc):
    """Accumulate the gradient of sum_s log p(x_s) into gW, gV, gb, gc."""
    n, D = X.shape
    H = c.shape[0]
    M = V.shape[1]
    a = np.empty(H, dtype=W.dtype)
    da = np.empty(H, dtype=W.dtype)
    hbuf = np.empty((D, H), dtype=W.dtype)
    o = np.empty(M, dtype=np.float64)
    dout = np.empty((D, M), dtype=np.float64)
    total = 0.0
    for s in range(n):
        a[:] = c
        for d in range(D):
            i = order[d]
            _rnade_outputs(a, hbuf[d], V[i], b[i], o)
            total += _rnade_conditional(X[s, i], o, min_variance, dout[d])
            for k in range(H):
                a[k] += X[s, i] * W[i, k]
        da[:] = 0.0
        for d in range(D - 1, -1, -1):
            i = order[d]
            xi = X[s, i]
            for k in range(H):
                gW[i, k] += xi * da[k]
            for k in range(H):
                hk = hbuf[d, k]
                dh = 0.0
                for j in range(M):
                    dh += dout[d, j] * V[i, j, k]
                da[k] += dh * hk * (1.0 - hk)
            for j in range(M):
                g = dout[d, j]
                gb[i, j] += g
                for k in range(H):
                    gV[i, j, k] += g * hbuf[d, k]
        for k in range(H):
            gc[k] += da[k]
    return total


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _rnade_sample(W, V, b, c, order, min_variance, U, Z):
    """Ancestral samples: ``U`` picks the component, ``Z`` the Gaussian noise."""
    n, D = U.shape
    H = c.shape[0]
    K = V.shape[1] // 3
    X = np.zeros((n, D), dtype=W.dtype)
    a = np.empty(H, dtype=W.dtype)
    h = np.empty(H, dtype=W.dtype)
    o = np.empty(V.shape[1], dtype=np.float64)
    for s in range(n):
        a[:] = c
        for d in range(D):
            i = order[d]
            _rnade_outputs(a, h, V[i], b[i], o)
            amax = -np.inf
            for j in range(K):
                amax = max(amax, o[j])
            norm = 0.0
            for j in range(K):
                norm += math.exp(o[j] - amax)
            u = U[s, d] * norm
            comp = K - 1
            acc = 0.0
            for j in range(K):
                acc += math.exp(o[j] - amax)
                if u < acc:
                    comp = j
                    break
            sd = math.sqrt(math.exp(2.0 * o[2 * K + comp]) + min_variance)
            xi = o[K + comp] + sd * Z[s, d]
            X[s, i] = xi
            for k in range(H):
                a[k] += xi * W[i, k]
    return X


# --------------------------------------------------------------------------
# Order-agnostic NADE with one hidden layer (Uria, Larochelle & Murray 2014).
# The input is u = mean + m * (x - mean) together with the mask m, so the
# first-layer pre-activation is still incremental along an ordering:
# a_{d+1} = a_d + (x_i - mean_i) Wx[i] + Wm[i].
# --------------------------------------------------------------------------


@njit(cache=True, fastmath=_FASTMATH, error_model="numpy")
def _oanade_log_prob_shallow(X, Wx, Wm, V, b, a0, mean, order, relu):
    """log p(x | order) for a one-hidden-layer order-agnostic NADE.

    ``a0`` is the pre-activation with nothing observed (c + mean @ Wx);
    ``relu`` selects the rectifier (else the logistic sigmoid).
    """
    n, D = X.shape
    H = a0.shape[0]
    out = np.empty(n, dtype=np.float64)
    a = np.empty(H, dtype=Wx.dtype)
    for s in range(n):
        a[:] = a0
        ll = 0.0
        for d in range(D):
            i = order[d]
            logit = b[i]
            for k in range(H):
                if relu:
                    hk = a[k] if a[k] > 0 else 0.0
                else:
                    hk = 1.0 / (1.0 + math.exp(-a[k]))
                logit += V[i, k] * hk
            xi = X[s, i]
            ll += xi * logit - _softplus(logit)
            shift = xi - mean[i]
            for k in range(H):
                a[k] += shift * Wx[i, k] + Wm[i, k]
        out[s] = ll
    return out
