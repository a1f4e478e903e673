"""Plain-numpy twins of the kernels of ``skgenerative/sequence/_kernels.py``."""

import itertools

import numpy as np
from scipy.special import expit, logsumexp


def _per_frame(W, n_frames):
    """The weight stack (n_weights, n_hidden, n_visible) as one matrix per frame."""
    W = np.asarray(W)
    return np.broadcast_to(W, (n_frames,) + W.shape[1:]) if W.shape[0] == 1 else W


def frame_log_partition(W, B, C, gaussian):
    W = _per_frame(np.asarray(W, dtype=np.float64), B.shape[0])
    n_hidden, n_visible = W.shape[1:]
    # counting order: unit k is bit k of the state index
    S = np.array([[(s >> k) & 1 for k in range(n_hidden)] for s in range(1 << n_hidden)],
                 dtype=np.float64)
    A = B[:, None, :] + np.einsum("sk,tkj->tsj", S, W)  # (frames, states, visible)
    if gaussian:
        visible = 0.5 * (A**2 - B[:, None, :] ** 2).sum(-1)
    else:
        visible = np.logaddexp(0, A).sum(-1)
    out = logsumexp(C @ S.T + visible, axis=1)
    if gaussian:
        out += 0.5 * n_visible * np.log(2 * np.pi)
    return out


def gibbs_conditional(V, W, B, C, n_steps, rng, gaussian):
    """Returns (V, H) after the sweeps; V is not changed."""
    W = _per_frame(W, V.shape[0])
    V = V.copy()
    H = np.zeros((V.shape[0], W.shape[1]), dtype=V.dtype)
    for _ in range(n_steps):
        P = 1 / (1 + np.exp(-(C + np.einsum("tkj,tj->tk", W, V))))
        H = (rng.random(P.shape) < P).astype(V.dtype)
        A = B + np.einsum("tkj,tk->tj", W, H)
        if gaussian:
            V = (A + rng.standard_normal(A.shape)).astype(V.dtype)
        else:
            V = (rng.random(A.shape) < 1 / (1 + np.exp(-A))).astype(V.dtype)
    return V, H


def binary_states(n):
    """Every binary vector of length n, one per row."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def all_sequences(nv, length):
    """Every binary sequence of ``length`` frames of ``nv`` units, stacked
    (the input convention), and how many there are."""
    frames = binary_states(nv)
    idx = np.stack(np.meshgrid(*[np.arange(len(frames))] * length, indexing="ij"), -1)
    idx = idx.reshape(-1, length)
    return frames[idx].reshape(-1, nv), idx.shape[0]


def exact_negative_phase(W, Bv, Bh):
    """(E[v], E[h], E[h v^T]) of every frame's binary RBM, by enumeration;
    ``E[h v^T]`` summed over frames for shared weights ``W`` (2-D), per
    frame for per-frame weights (3-D)."""
    V = binary_states(Bv.shape[1])
    Ws = np.broadcast_to(W, (Bv.shape[0],) + W.shape) if W.ndim == 2 else W
    E_v, E_h, E_hv = [], [], []
    for t in range(Bv.shape[0]):
        log_p = V @ Bv[t] + np.logaddexp(0, Bh[t] + V @ Ws[t].T).sum(1)
        p = np.exp(log_p - logsumexp(log_p))
        H = expit(Bh[t] + V @ Ws[t].T)
        E_v.append(p @ V)
        E_h.append(p @ H)
        E_hv.append((H * p[:, None]).T @ V)
    E_hv = np.array(E_hv)
    return np.array(E_v), np.array(E_h), E_hv.sum(0) if W.ndim == 2 else E_hv


def finite_difference_gradients(model, score, eps=1e-6):
    """Central differences of ``score()`` with respect to every array in
    ``model._parameter_names``, as a dict."""
    out = {}
    for name in model._parameter_names:
        param = getattr(model, name)
        numeric = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            old = param[index]
            param[index] = old + eps
            up = score()
            param[index] = old - eps
            down = score()
            param[index] = old
            numeric[index] = (up - down) / (2 * eps)
        out[name] = numeric
    return out


def assert_bptt_gradients_match_finite_differences(model, seed=3):
    """``model._gradients`` with exact expectations is the gradient of the
    exact sequence log-likelihood (central differences) for every parameter."""
    X = (np.random.default_rng(seed).random((7, 3)) < 0.5).astype(float)
    lengths = np.array([4, 3])

    def exact(V, W, Bv, Bh):
        return exact_negative_phase(W, Bv, Bh), None

    grads, _ = model._gradients(X, lengths, exact)
    assert set(grads) == set(model._parameter_names)
    numeric = finite_difference_gradients(model, lambda: model.score_samples(X, lengths).sum())
    for name in model._parameter_names:
        np.testing.assert_allclose(grads[name], numeric[name], atol=1e-6, err_msg=name)


def random_model(cls, nv=3, seed=0, scale=1.0, **params):
    """A ``cls`` fitted for 0 epochs on random binary frames, every parameter
    then drawn from N(0, scale**2): a tiny model to check exactly."""
    rng = np.random.default_rng(seed)
    X = (rng.random((12, nv)) < 0.5).astype(float)
    model = cls(max_iter=0, random_state=0, **params).fit(X)
    for name in model._parameter_names:
        param = getattr(model, name)
        param[...] = rng.normal(0, scale, param.shape)
    return model


def assert_sampler_matches_exact(model, n=20000, n_gibbs_steps=30, max_tv=0.04):
    """Sequences of 2 frames of 3 binary units drawn by ``model.sample`` are
    within ``max_tv`` (total variation) of the exact distribution, and
    frames drawn independently (each as a first frame) are far from it, so
    the check can fail."""
    X, n_seq = all_sequences(3, 2)
    exact = np.exp(model.score_samples(X, lengths=np.full(n_seq, 2)))
    S = model.sample(2, n_sequences=n, n_gibbs_steps=n_gibbs_steps, random_state=0)
    weights = 2 ** np.arange(6)
    codes = S.reshape(n, 6) @ weights
    empirical = np.array([np.mean(codes == c) for c in X.reshape(n_seq, 6) @ weights])
    tv = 0.5 * np.abs(empirical - exact).sum()
    assert tv < max_tv
    first = np.exp(model.score_samples(binary_states(3), np.ones(8, int)))
    independent = np.outer(first, first).ravel()  # all_sequences: first frame, then second
    assert 0.5 * np.abs(independent - exact).sum() > 2 * tv


def ais_frames(W, B, C, betas, n_runs, rng, gaussian):
    """Twin of ``_kernels._ais_frames``: per frame, the chains vectorised."""
    B, C = (np.asarray(a, dtype=np.float64) for a in (B, C))
    W = _per_frame(np.asarray(W, dtype=np.float64), B.shape[0])
    log_w = np.zeros((B.shape[0], n_runs))
    for t in range(B.shape[0]):
        if gaussian:
            V = B[t] + rng.standard_normal((n_runs, W.shape[2]))
        else:
            V = (rng.random((n_runs, W.shape[2])) < expit(B[t])).astype(float)
        for k in range(1, len(betas)):
            X = V @ W[t].T + C[t]
            log_w[t] += (np.logaddexp(0, betas[k] * X) - np.logaddexp(0, betas[k - 1] * X)).sum(1)
            if k == len(betas) - 1:
                break
            H = (rng.random(X.shape) < expit(betas[k] * X)).astype(float)
            A = B[t] + betas[k] * (H @ W[t])
            if gaussian:
                V = A + rng.standard_normal(A.shape)
            else:
                V = (rng.random(A.shape) < expit(A)).astype(float)
    return log_w
