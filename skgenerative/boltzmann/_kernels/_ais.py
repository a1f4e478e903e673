"""Annealed importance sampling (AIS) kernels of RBMs and DBMs.

Each kernel runs every AIS chain through the whole temperature schedule in one
call (no Python loop over the ~14,500 temperatures). Per temperature it does two
GEMMs over all chains stacked into one matrix (hidden pre-activations ``V W^T``
and visible pre-activations ``H W``) and fuses the elementwise work around them:
the importance-weight increment, the hidden sampling and the visible sampling.

The intermediate distributions are the geometric path between an independent
base model A (visible biases ``b_A``, no weights, hidden biases zero) and the
RBM B, as in Salakhutdinov & Murray (2008)::

    log p*_beta(v) = (1 - beta) b_A.v + beta b.v + sum_i softplus(beta (c_i + W_i v))

(Bernoulli visibles), whose Gibbs transition samples ``h ~ sigmoid(beta (c + W v))``
then ``v ~ sigmoid((1 - beta) b_A + beta (b + W^T h))``. The weight increment
``log p*_k(v) - log p*_{k-1}(v)`` is computed as a difference, never by
subtracting two softplus values (which would lose the ~1e-5-sized increments
to rounding in float32)::

    softplus(a) - softplus(a - d) = -log1p(sigmoid(a) * expm1(-d)),  d = dbeta x

evaluated in float64 by a truncated series when every |d| of the temperature
step is <= 0.01 (all but the coarsest steps of the default schedule; error
< 1e-12 per unit and step; vectorises), else by the libm functions. So the
kernels are accurate in float32; the weights are accumulated in float64. The
float32 sigmoids use a vectorisable polynomial exp (relative error ~1e-7).
Uniform (float32) and normal (float64) draws come in bulk from the
``numpy.random.Generator`` passed in, per temperature: the hidden uniforms of
all chains (row-major), then the visible draws, which is the order the
plain-numpy twins in ``tests/boltzmann/_reference.py`` use.
"""

import numpy as np
from numba import njit

from ...utils._numba_math import FASTMATH as _FASTMATH
# float32: a polynomial exp that vectorises (libm's expf does not); float64:
# the exact sigmoid
from ...utils._numba_math import sigmoid_into as _sigmoid_into
from ._categorical import _sample_groups_into, _softmax_groups_inplace
from ._dbm import _dbm_layer_input

#: Largest |d| = |dbeta * x| for which the weight increment uses its series;
#: the truncation error is then below 1e-12 per unit and temperature.
_SERIES_MAX = 0.01


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _softplus_increment_series(s, d):
    """``-log1p(s * expm1(-d))`` for ``|d| <= 0.01`` by truncated series
    (expm1 to d^4, log1p to y^5): vectorisable, error < 1e-12."""
    em = d * (-1.0 + d * (0.5 + d * (-1.0 / 6.0 + d * (1.0 / 24.0))))
    y = s * em
    return -y * (1.0 + y * (-0.5 + y * (1.0 / 3.0 + y * (-0.25 + y * 0.2))))


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ais_hidden_step(X, c, beta, dbeta, rng, H, log_w, work):
    """Add the hidden part of the weight increment and sample ``H`` at ``beta``.

    ``X`` holds ``V W^T`` (no bias); ``dbeta = beta_k - beta_{k-1}``;
    ``work = (a, s, scratch)`` are buffers of length ``n_hidden``.
    """
    n_runs, n_hidden = X.shape
    a, s, scratch = work
    one = X.dtype.type(1.0)
    zero = X.dtype.type(0.0)
    b = X.dtype.type(beta)
    db = X.dtype.type(dbeta)
    # one bulk draw of float32 uniforms: ~3x faster than scalar draws
    U = rng.random(n_runs * n_hidden, dtype=np.float32)
    max_abs = 0.0
    for r in range(n_runs):
        for i in range(n_hidden):
            max_abs = max(max_abs, abs(X[r, i] + c[i]))
    series = abs(dbeta) * max_abs <= _SERIES_MAX
    for r in range(n_runs):
        for i in range(n_hidden):
            a[i] = b * (X[r, i] + c[i])
        _sigmoid_into(a, s, scratch)
        acc = 0.0
        if series:
            for i in range(n_hidden):
                d = dbeta * (np.float64(X[r, i]) + np.float64(c[i]))
                acc += _softplus_increment_series(np.float64(s[i]), d)
        else:
            for i in range(n_hidden):
                acc -= np.log1p(s[i] * np.expm1(-db * (X[r, i] + c[i])))
        for i in range(n_hidden):
            H[r, i] = one if U[r * n_hidden + i] < s[i] else zero
        log_w[r] += acc


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ais_buffers(V, n_hidden):
    """Work arrays of the RBM kernels: ``(X, H, M, work)`` for the hidden
    inputs, hidden states, visible inputs and ``_ais_hidden_step``."""
    n_runs, n_visible = V.shape
    X = np.empty((n_runs, n_hidden), dtype=V.dtype)
    H = np.empty((n_runs, n_hidden), dtype=V.dtype)
    M = np.empty((n_runs, n_visible), dtype=V.dtype)
    work = (np.empty(n_hidden, dtype=V.dtype), np.empty(n_hidden, dtype=V.dtype),
            np.empty(n_hidden, dtype=np.int32))
    return X, H, M, work


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ais_linear_visible_and_hidden_step(V, Wt, c, diff, beta, dbeta, rng, log_w, buffers):
    """The part of an AIS step shared by visibles whose energy is linear in
    ``v`` (binary and softmax): add ``dbeta (b - b_base).v`` (``diff`` is
    ``b - b_base`` in float64) and the hidden increments to ``log_w``, and
    sample the hidden states at ``beta`` into ``buffers[1]``."""
    X, H, _, work = buffers
    n_runs, n_visible = V.shape
    if dbeta != 0.0:
        for r in range(n_runs):
            acc = 0.0
            for j in range(n_visible):
                acc += diff[j] * V[r, j]
            log_w[r] += dbeta * acc
    np.dot(V, Wt, X)
    _ais_hidden_step(X, c, beta, dbeta, rng, H, log_w, work)


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ais_bernoulli(V, W, Wt, b_base, b, c, betas, rng, log_w):
    """Forward (or reverse) AIS for a Bernoulli-Bernoulli RBM.

    Parameters
    ----------
    V : (n_runs, n_visible) array, float32 or float64
        Start states, drawn from the distribution at ``betas[0]``; overwritten
        with the final states.
    W, Wt : (n_hidden, n_visible) and (n_visible, n_hidden) C-contiguous arrays
        The weights and their transpose, same dtype as ``V``.
    b_base, b, c : 1-D arrays, same dtype as ``V``
        Visible biases of the base model and of the RBM; hidden biases.
    betas : (n_temperatures,) float64
        Inverse temperatures (ascending for forward AIS, descending for reverse).
    rng : numpy.random.Generator
    log_w : (n_runs,) float64
        Incremented by ``sum_k log p*_k(v_k) - log p*_{k-1}(v_k)``.
    """
    n_runs, n_visible = V.shape
    dt = V.dtype.type
    one = dt(1.0)
    zero = dt(0.0)
    buffers = _ais_buffers(V, W.shape[0])
    H, M = buffers[1], buffers[2]
    a = np.empty(n_visible, dtype=V.dtype)
    p = np.empty(n_visible, dtype=V.dtype)
    scratch = np.empty(n_visible, dtype=np.int32)
    diff = (b.astype(np.float64) - b_base.astype(np.float64))
    n_temps = betas.shape[0]
    for k in range(1, n_temps):
        beta = betas[k]
        dbeta = beta - betas[k - 1]
        _ais_linear_visible_and_hidden_step(V, Wt, c, diff, beta, dbeta, rng, log_w, buffers)
        if k == n_temps - 1:
            break
        np.dot(H, W, M)
        w_base = dt(1.0 - beta)
        w_model = dt(beta)
        U = rng.random(n_runs * n_visible, dtype=np.float32)
        for r in range(n_runs):
            for j in range(n_visible):
                a[j] = w_base * b_base[j] + w_model * (b[j] + M[r, j])
            _sigmoid_into(a, p, scratch)
            for j in range(n_visible):
                V[r, j] = one if U[r * n_visible + j] < p[j] else zero


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ais_gaussian_bernoulli(V, W, Wt, b_base, b, c, precision, betas, rng, log_w):
    """Forward (or reverse) AIS for a Gaussian-Bernoulli RBM.

    Energy ``E(v, h) = 1/2 sum_j p_j (v_j - b_j)^2 - sum_j p_j v_j (W^T h)_j - c.h``
    with precisions ``p``; the base model is ``N(b_base, 1/p)`` with no weights.
    At inverse temperature ``beta``: ``h ~ sigmoid(beta (c + W (p * v)))`` and
    ``v ~ N((1 - beta) b_base + beta (b + W^T h), 1/p)``.

    ``Wt`` must be the transpose of ``W`` with each row ``j`` scaled by ``p_j``
    (so ``V Wt = W (p * v)``); other arguments as in :func:`_ais_bernoulli`.
    """
    n_runs, n_visible = V.shape
    n_hidden = W.shape[0]
    dt = V.dtype.type
    X = np.empty((n_runs, n_hidden), dtype=V.dtype)
    H = np.empty((n_runs, n_hidden), dtype=V.dtype)
    M = np.empty((n_runs, n_visible), dtype=V.dtype)
    work = (np.empty(n_hidden, dtype=V.dtype), np.empty(n_hidden, dtype=V.dtype),
            np.empty(n_hidden, dtype=np.int32))
    # log p*_beta(v) has the visible term -1/2 sum p [(1-beta)(v-b_A)^2 + beta (v-b)^2];
    # its beta-derivative is linear in v: sum_j g_j (v_j - m_j)
    g = precision.astype(np.float64) * (b.astype(np.float64) - b_base.astype(np.float64))
    m = 0.5 * (b.astype(np.float64) + b_base.astype(np.float64))
    std = 1.0 / np.sqrt(precision.astype(np.float64))
    n_temps = betas.shape[0]
    for k in range(1, n_temps):
        beta = betas[k]
        dbeta = beta - betas[k - 1]
        if dbeta != 0.0:
            for r in range(n_runs):
                acc = 0.0
                for j in range(n_visible):
                    acc += g[j] * (V[r, j] - m[j])
                log_w[r] += dbeta * acc
        np.dot(V, Wt, X)
        _ais_hidden_step(X, c, beta, dbeta, rng, H, log_w, work)
        if k == n_temps - 1:
            break
        np.dot(H, W, M)
        w_base = dt(1.0 - beta)
        w_model = dt(beta)
        Z = rng.standard_normal(n_runs * n_visible)
        for r in range(n_runs):
            for j in range(n_visible):
                mean = w_base * b_base[j] + w_model * (b[j] + M[r, j])
                V[r, j] = mean + dt(std[j] * Z[r * n_visible + j])


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ais_categorical(V, W, Wt, b_base, b, c, offsets, betas, rng, log_w):
    """Forward (or reverse) AIS for an RBM with softmax visible groups.

    ``V`` is one-hot: group ``f`` owns the columns ``offsets[f]:offsets[f + 1]``.
    The base model has independent groups with logits ``b_base`` and no
    weights; the intermediate distributions are those of
    :func:`_ais_bernoulli` (the visible terms are linear in ``v`` either
    way), and the visible step samples each group from
    ``softmax((1 - beta) b_base + beta (b + W^T h))`` with the softmax-group
    kernels of ``_categorical.py``: one float64 uniform per (chain, group),
    row-major, after the hidden uniforms of the temperature. Other arguments
    as in :func:`_ais_bernoulli`.
    """
    n_runs, n_visible = V.shape
    n_groups = offsets.shape[0] - 1
    dt = V.dtype.type
    buffers = _ais_buffers(V, W.shape[0])
    H, M = buffers[1], buffers[2]
    bias = np.empty(n_visible, dtype=V.dtype)
    diff = (b.astype(np.float64) - b_base.astype(np.float64))
    n_temps = betas.shape[0]
    for k in range(1, n_temps):
        beta = betas[k]
        dbeta = beta - betas[k - 1]
        _ais_linear_visible_and_hidden_step(V, Wt, c, diff, beta, dbeta, rng, log_w, buffers)
        if k == n_temps - 1:
            break
        np.dot(H, W, M)
        w_model = dt(beta)
        for j in range(n_visible):
            bias[j] = dt(1.0 - beta) * b_base[j] + w_model * b[j]
        for r in range(n_runs):
            for j in range(n_visible):
                M[r, j] *= w_model
        _softmax_groups_inplace(M, bias, offsets)
        U = rng.random(n_runs * n_groups).reshape((n_runs, n_groups))
        _sample_groups_into(M, offsets, U, V)

# --------------------------------------------------------------------------
# deep Boltzmann machines (Salakhutdinov & Hinton 2009): the AIS state is the
# even layers, the odd layers are summed out; their part of each step is the
# RBM's hidden step above.


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ais_dbm_odd_layers(S, Ws, bs, beta, dbeta, rng, log_w):
    """The odd (hidden) layers' part of an AIS step on a DBM: add their
    softplus increments from ``beta - dbeta`` to ``beta`` to ``log_w`` and
    sample them at ``beta`` given the even layers, layer by layer with the
    RBM's hidden step (``_ais_hidden_step``: its series increments, float32
    bulk uniforms, vectorised sigmoid)."""
    L = len(S) - 1
    m = S[0].shape[0]
    for l in range(1, L + 1, 2):
        Sl = S[l]
        n = Sl.shape[1]
        A = np.empty((m, n), dtype=Sl.dtype)
        _dbm_layer_input(S, Ws, l, A)
        work = (np.empty(n, dtype=Sl.dtype), np.empty(n, dtype=Sl.dtype),
                np.empty(n, dtype=np.int32))
        _ais_hidden_step(A, bs[l], beta, dbeta, rng, Sl, log_w, work)


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ais_dbm_sample_binary_layer(S, Ws, bs, l, beta, b_base, rng):
    """Sample the binary even layer ``l`` at ``beta`` given the odd layers
    (the visible layer's logits are ``(1 - beta) b_base + beta a``): float32
    bulk uniforms, row-major, and the vectorised sigmoid."""
    Sl = S[l]
    m, n = Sl.shape
    A = np.empty((m, n), dtype=Sl.dtype)
    _dbm_layer_input(S, Ws, l, A)
    b = bs[l]
    one = Sl.dtype.type(1.0)
    zero = Sl.dtype.type(0.0)
    w_model = Sl.dtype.type(beta)
    w_base = Sl.dtype.type(1.0 - beta)
    a = np.empty(n, dtype=Sl.dtype)
    p = np.empty(n, dtype=Sl.dtype)
    scratch = np.empty(n, dtype=np.int32)
    U = rng.random(m * n, dtype=np.float32)
    for i in range(m):
        for j in range(n):
            a[j] = w_model * (A[i, j] + b[j])
            if l == 0:
                a[j] += w_base * b_base[j]
        _sigmoid_into(a, p, scratch)
        for j in range(n):
            Sl[i, j] = one if U[i * n + j] < p[j] else zero


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ais_dbm(S, Ws, bs, b_base, betas, rng, log_w):
    """Forward AIS over a full DBM, odd layers summed out analytically.

    The AIS state is the even layers (visible, h2, ...) in ``S``; the odd
    layers of ``S`` are scratch. Intermediate distributions (geometric path
    from independent visibles with logits ``b_base`` and uniform hidden
    units)::

        log p*_beta = (1 - beta) b_base.v + beta sum_{even l} b_l.x_l
                      + sum_{odd l} sum_i softplus(beta a_{l,i}(x_even))

    with ``a_l`` the total input (bias included) of odd layer ``l``. The
    transition at ``beta`` samples the odd layers, then the even layers, at
    that temperature, each layer with one bulk draw of float32 uniforms
    (row-major). Increments of the softplus terms are computed as
    ``-log1p(sigmoid(beta a) expm1(-dbeta a))`` (no cancellation; see the
    module docstring). ``log_w`` (float64) is incremented. With the
    temperatures descending this is reverse AIS.
    """
    L = len(S) - 1
    m = S[0].shape[0]
    n_temps = betas.shape[0]
    for k in range(1, n_temps):
        beta = betas[k]
        dbeta = beta - betas[k - 1]
        # linear (bias) terms of the even layers
        if dbeta != 0.0:
            for l in range(0, L + 1, 2):
                Sl = S[l]
                b = bs[l]
                for i in range(m):
                    acc = 0.0
                    for j in range(Sl.shape[1]):
                        coef = np.float64(b[j])
                        if l == 0:
                            coef -= np.float64(b_base[j])
                        acc += coef * Sl[i, j]
                    log_w[i] += dbeta * acc
        # odd layers: weight increment and sampling at beta
        _ais_dbm_odd_layers(S, Ws, bs, beta, dbeta, rng, log_w)
        if k == n_temps - 1:
            break
        for l in range(0, L + 1, 2):
            _ais_dbm_sample_binary_layer(S, Ws, bs, l, beta, b_base, rng)


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ais_dbm_gaussian(S, Ws, bs, b_base, betas, rng, log_w, beta):
    """``_ais_dbm`` for Gaussian visibles (``Ws[0]`` folded: ``W_0 * beta``,
    the convention of the DBM kernels in ``_dbm.py``).

    The base model has independent visibles ``N(b_base, 1 / beta)`` (as the
    Gaussian-Bernoulli RBM's AIS) and uniform hidden units; the intermediate
    distributions are::

        log p*_t = -1/2 sum_j beta_j [(1 - t)(v_j - b_base_j)^2 + t (v_j - b_j)^2]
                   + t sum_{even l >= 2} b_l.x_l
                   + sum_{odd l} sum_i softplus(t a_{l,i}(x_even)),

    so the visibles given h_1 at temperature ``t`` are
    ``N((1 - t) b_base + t (b + W_0^T h_1), 1 / beta)``. ``log_w`` (float64)
    is incremented.
    """
    L = len(S) - 1
    m = S[0].shape[0]
    nv = S[0].shape[1]
    std = np.empty(nv, np.float64)
    for j in range(nv):
        std[j] = 1.0 / np.sqrt(np.float64(beta[j]))
    n_temps = betas.shape[0]
    for k in range(1, n_temps):
        t = betas[k]
        dbeta = t - betas[k - 1]
        if dbeta != 0.0:
            # visible quadratic terms: model minus base
            V = S[0]
            for i in range(m):
                acc = 0.0
                for j in range(nv):
                    v = np.float64(V[i, j])
                    d_base = v - np.float64(b_base[j])
                    d_model = v - np.float64(bs[0][j])
                    acc += 0.5 * np.float64(beta[j]) * (d_base * d_base - d_model * d_model)
                log_w[i] += dbeta * acc
            for l in range(2, L + 1, 2):
                Sl = S[l]
                b = bs[l]
                for i in range(m):
                    acc = 0.0
                    for j in range(Sl.shape[1]):
                        acc += np.float64(b[j]) * Sl[i, j]
                    log_w[i] += dbeta * acc
        _ais_dbm_odd_layers(S, Ws, bs, t, dbeta, rng, log_w)
        if k == n_temps - 1:
            break
        V = S[0]
        A = np.empty((m, nv), dtype=V.dtype)
        _dbm_layer_input(S, Ws, 0, A)
        b = bs[0]
        for i in range(m):
            for j in range(nv):
                mean = (1.0 - t) * np.float64(b_base[j]) + t * (
                    np.float64(b[j]) + np.float64(A[i, j]) / np.float64(beta[j]))
                V[i, j] = mean + std[j] * rng.standard_normal()
        for l in range(2, L + 1, 2):
            _ais_dbm_sample_binary_layer(S, Ws, bs, l, t, b_base, rng)
