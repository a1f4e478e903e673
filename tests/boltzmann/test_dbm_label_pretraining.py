"""Label-aware pretraining of a DBM's top RBM (Salakhutdinov & Hinton 2009):
the epoch kernel against its numpy twin, its update against the exact
gradient of a tiny model, and how ``DBM.fit(X, y)`` uses it."""

import itertools

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from skgenerative import DBM
from skgenerative.boltzmann import _kernels
from skgenerative.boltzmann._kernels._hyper import epoch_hyper
from skgenerative.boltzmann._pretraining import pretrain_layers
from skgenerative.utils.random import check_generator
from tests.boltzmann import _reference_pretraining as ref


def _problem(dtype, down, seed=0, n=23, nv=5, nh=4, K=3, n_chains=6):
    rng = np.random.default_rng(seed)
    X = (rng.random((n, nv)) < 0.4).astype(dtype)
    Y = np.eye(K, dtype=dtype)[rng.integers(0, K, n)]
    params = tuple(rng.normal(0, 0.5, shape).astype(dtype)
                   for shape in ((nh, nv), nv, nh, (K, nh), K))
    H1 = (rng.random((n_chains, nh)) < 0.5).astype(dtype)
    Hr = ((rng.random((n_chains, nh)) < 0.5) if down > 1 else np.zeros((n_chains, nh))).astype(dtype)
    rows = rng.permutation(n)
    bounds = np.array([0, 8, 16, 23], dtype=np.int64)
    return X, Y, rows, bounds, params, (H1, Hr)


def _copy(problem):
    X, Y, rows, bounds, params, chains = problem
    return X, Y, rows, bounds, tuple(p.copy() for p in params), tuple(h.copy() for h in chains)


@pytest.mark.parametrize("dtype, atol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("down", [1, 2])
@pytest.mark.parametrize("hyper", [dict(), dict(n_gibbs_steps=2, l2=0.01)])
def test_labelled_pretraining_kernel_matches_numpy_twin(dtype, atol, down, hyper):
    problem = _problem(dtype, down, seed=down)
    a, b = _copy(problem), _copy(problem)
    full = epoch_hyper(0.1, down=float(down), **hyper)
    _kernels._sgd_epoch_labelled_rbm(*a, full, np.random.default_rng(4))
    params64 = tuple(p.astype(np.float64) for p in b[4])
    chains64 = tuple(h.astype(np.float64) for h in b[5])
    ref.sgd_epoch_labelled_rbm(*b[:4], params64, chains64, full, np.random.default_rng(4))
    for x, y in zip(a[5], chains64):
        np.testing.assert_array_equal(x, y)  # the same samples
    for x, y in zip(a[4], params64):
        assert x.dtype == dtype
        np.testing.assert_allclose(x, y, atol=atol)


def _log_unnormalized(V, Y, params, down):
    """log of sum over the hidden copies of exp(-E(v, y, h))."""
    W, b, c, U, d = params
    A = V @ W.T + c
    return (V @ b + Y @ d + np.logaddexp(0, A + Y @ U).sum(axis=1)
            + (down - 1) * np.logaddexp(0, A).sum(axis=1))


def _mean_log_likelihood(X, Y, params, down):
    nv, K = X.shape[1], Y.shape[1]
    configs = [(np.array(v, float), np.eye(K)[k])
               for v in itertools.product((0, 1), repeat=nv) for k in range(K)]
    Va, Ya = np.array([c[0] for c in configs]), np.array([c[1] for c in configs])
    log_z = logsumexp(_log_unnormalized(Va, Ya, params, down))
    return np.mean(_log_unnormalized(X, Y, params, down)) - log_z, Va, Ya, log_z


@pytest.mark.parametrize("down", [1, 2])
def test_labelled_pretraining_step_is_the_likelihood_gradient(down):
    """One batch of the kernel from chains at equilibrium (drawn exactly by
    enumeration) moves ``(W, b, c, U, d)`` by ``lr`` times the gradient of
    the mean exact log p(v, y) of the tied-copies RBM (finite differences):
    per copy for ``W`` and ``c`` (divided by ``down``), whole for ``U, b, d``;
    the negative phase is a Monte Carlo average over 40,000 chains."""
    rng = np.random.default_rng(0)
    nv, nh, K, n, n_chains = 3, 2, 2, 12, 40000
    params = (rng.normal(0, 1, (nh, nv)), rng.normal(0, 1, nv), rng.normal(0, 1, nh),
              rng.normal(0, 1, (K, nh)), rng.normal(0, 1, K))
    X = (rng.random((n, nv)) < 0.5).astype(float)
    Y = np.eye(K)[rng.integers(0, K, n)]
    _, Va, Ya, log_z = _mean_log_likelihood(X, Y, params, down)
    p = np.exp(_log_unnormalized(Va, Ya, params, down) - log_z)
    pick = rng.choice(len(p), size=n_chains, p=p)  # (v, y) ~ p, then h | v, y
    W, b, c, U, d = params
    H1 = (rng.random((n_chains, nh)) < expit(Va[pick] @ W.T + Ya[pick] @ U + c)).astype(float)
    Hr = np.zeros((n_chains, nh))
    if down > 1:
        Hr = (rng.random((n_chains, nh)) < expit(Va[pick] @ W.T + c)).astype(float)
    new = tuple(q.copy() for q in params)
    _kernels._sgd_epoch_labelled_rbm(X, Y, np.arange(n), np.array([0, n], dtype=np.int64), new,
                                     (H1, Hr), epoch_hyper(1.0, down=float(down)),
                                     np.random.default_rng(1))
    eps = 1e-6
    for i, (old, moved) in enumerate(zip(params, new)):
        grad = np.zeros_like(old)
        for idx in np.ndindex(old.shape):
            hi = [q.copy() for q in params]
            lo = [q.copy() for q in params]
            hi[i][idx] += eps
            lo[i][idx] -= eps
            grad[idx] = (_mean_log_likelihood(X, Y, hi, down)[0]
                         - _mean_log_likelihood(X, Y, lo, down)[0]) / (2 * eps)
        if i in (0, 2):  # W, c: the gradient per hidden copy
            grad /= down
        np.testing.assert_allclose(moved - old, grad, atol=0.02)


def test_labels_change_only_the_top_pretraining_rbm():
    rng = np.random.default_rng(0)
    X = (rng.random((40, 6)) < 0.4).astype(float)
    Y = np.eye(3)[np.arange(40) % 3]
    kw = dict(learning_rate=0.05, batch_size=10, n_epochs=2)
    Ws, bs, rbms = pretrain_layers(X, (5, 4, 3), rng=check_generator(0), **kw)
    Wl, bl, rbml = pretrain_layers(X, (5, 4, 3), rng=check_generator(0), labels=Y, **kw)
    for l in (0, 1):  # the same RNG stream up to the top RBM
        np.testing.assert_array_equal(Ws[l], Wl[l])
    assert not np.array_equal(Ws[2], Wl[2])
    assert "label_components" not in rbms[-1]
    assert rbml[-1]["label_components"].shape == (3, 3)
    assert rbml[-1]["intercept_labels"].shape == (3,)
    with pytest.raises(ValueError, match="binary visibles"):
        pretrain_layers(X, (4,), rng=check_generator(0), labels=Y,
                        visible=DBM(visible_type="gaussian")._new_visible_units(X), **kw)


def test_dbm_with_labels_starts_from_the_pretrained_label_weights():
    rng = np.random.default_rng(0)
    X = (rng.random((60, 6)) < 0.4).astype(float)
    y = np.array(["a", "b", "c"])[np.arange(60) % 3]
    dbm = DBM((5, 4), max_iter=0, centering=False, label_init="pretraining",
              random_state=0).fit(X, y)
    top = dbm.pretrained_rbms_[-1]
    np.testing.assert_allclose(dbm.label_components_, top["label_components"])
    np.testing.assert_allclose(dbm.label_intercept_, top["intercept_labels"])
    np.testing.assert_allclose(dbm.components_[-1], top["components"])
    unlabelled = DBM((5, 4), max_iter=0, centering=False, random_state=0).fit(X)
    assert "label_components" not in unlabelled.pretrained_rbms_[-1]
    # the default: unlabelled pretraining (bit for bit), then the regression start
    default = DBM((5, 4), max_iter=0, centering=False, random_state=0).fit(X, y)
    assert "label_components" not in default.pretrained_rbms_[-1]
    np.testing.assert_array_equal(default.components_[-1], unlabelled.components_[-1])
    # no pretraining, or one hidden layer over Gaussian visibles: the softmax
    # regression start
    for model in (DBM((5, 4), max_iter=1, pretrain=False, random_state=0),
                  DBM((4,), visible_type="gaussian", max_iter=1, random_state=0)):
        model.fit(X, y)
        assert model.predict_proba(X).shape == (60, 3)


def test_label_pretraining_learns_the_labels():
    """Labels that are a function of two visibles (chance 0.25): after
    label-aware pretraining alone (3,000 updates), p(y | v) by mean field is
    right on nearly every row."""
    rng = np.random.default_rng(0)
    X = (rng.random((300, 8)) < 0.5).astype(float)
    y = X[:, 0] + 2 * X[:, 1]
    dbm = DBM((8,), max_iter=0, pretrain_max_iter=200, pretrain_learning_rate=0.1,
              label_init="pretraining", random_state=0).fit(X, y)
    assert np.mean(dbm.predict(X) == y) > 0.9
