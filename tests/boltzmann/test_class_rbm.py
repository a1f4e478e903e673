"""ClassRBM: kernels against their numpy twins, the class posterior, log Z and
the joint sampler against brute-force enumeration, every objective's gradient
against finite differences, and the estimator's behaviour."""

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative import ClassRBM
from skgenerative.boltzmann import _class_rbm_math as M
from skgenerative.boltzmann import _kernels
from tests.boltzmann import _reference_class as ref


def _params(nh=3, nf=4, K=3, scale=0.8, seed=0, dtype=np.float64, n_factors=0):
    """Random parameters; with ``n_factors`` the class-multiplicative factors too."""
    rng = np.random.default_rng(seed)
    shapes = [(nh, nf), (nf,), (nh,), (K, nh), (K,)]
    if n_factors:
        shapes += [(n_factors, nf), (nh, n_factors), (K, n_factors)]
    return tuple(
        np.ascontiguousarray(rng.normal(0, scale, shape), dtype=dtype) for shape in shapes
    )


def _batch(n=7, nf=4, K=3, seed=1, unlabelled=True):
    rng = np.random.default_rng(seed)
    X = rng.random((n, nf))  # grey levels: probabilities, as the model reads them
    X[: n // 2] = X[: n // 2] > 0.5
    y = rng.integers(0, K, n).astype(np.int64)
    if unlabelled:
        y[-2:] = -1
    return X, y


# ------------------------------------------------------------ kernels vs twins
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_match_numpy_twins(dtype):
    W, b, c, U, d = _params(nh=5, nf=6, K=4, dtype=dtype)
    X, y = _batch(n=9, nf=6, K=4)
    A = np.ascontiguousarray(X.astype(dtype) @ W.T + c)
    rng = np.random.default_rng(2)
    wq, wp = rng.random(9).astype(dtype), rng.random(9).astype(dtype)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    out = np.empty((9, 4), dtype=dtype)
    _kernels._class_log_posterior(A, U, d, out)
    np.testing.assert_allclose(out, ref.class_log_posterior(A, U, d), rtol=rtol, atol=rtol)
    log_p, G, gU, gd = (np.empty((9, 4), dtype), np.empty_like(A), np.empty_like(U),
                        np.empty_like(d))
    _kernels._class_gradient(A, U, d, y, wq, wp, log_p, G, gU, gd)
    for got, want in zip((log_p, G, gU, gd), ref.class_gradient(A, U, d, y, wq, wp)):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_3d_kernels_match_numpy_twins(dtype):
    rng = np.random.default_rng(0)
    A3 = np.ascontiguousarray(rng.normal(0, 1, (7, 4, 5)), dtype=dtype)
    d = rng.normal(0, 1, 4).astype(dtype)
    _, y = _batch(n=7, nf=6, K=4)
    wq, wp = rng.random(7).astype(dtype), rng.random(7).astype(dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    out = np.empty((7, 4), dtype=dtype)
    _kernels._class_log_posterior_3d(A3, d, out)
    np.testing.assert_allclose(out, ref.class_log_posterior_3d(A3, d), atol=tol)
    got = (np.empty((7, 4), dtype), np.empty_like(A3), np.empty_like(d))
    _kernels._class_gradient_3d(A3, d, y, wq, wp, *got)
    for g, want in zip(got, ref.class_gradient_3d(A3, d, y, wq, wp)):
        np.testing.assert_allclose(g, want, atol=tol, rtol=tol)


# --------------------------------------------------------- exact enumeration
@pytest.mark.parametrize("n_factors", [0, 2])
def test_class_posterior_matches_enumeration_over_hidden_units(n_factors):
    P = _params(n_factors=n_factors)
    X = ref.binary_states(4)
    np.testing.assert_allclose(
        M.class_log_posterior(X, P), ref.brute_log_posterior(X, P), atol=1e-10
    )


def test_log_partition_and_score_samples_match_enumeration():
    for P in (_params(), _params(n_factors=2)):
        np.testing.assert_allclose(
            M.exact_log_partition(P), ref.brute_log_partition(P), atol=1e-10
        )
    clf = _fitted_tiny()
    X = ref.binary_states(4)
    scores = clf.score_samples(X)
    # normalised over every binary input, and equal to the enumerated marginal
    np.testing.assert_allclose(logsumexp(scores), 0.0, atol=1e-10)
    joint = ref.brute_joint_distribution(clf._params())
    marginal = [sum(joint[(tuple(x), k)] for k in range(2)) for x in X]
    np.testing.assert_allclose(np.exp(scores), marginal, atol=1e-12)
    assert clf.score_kind_ == "exact"


def test_ais_log_partition_is_close_to_exact():
    P = _params(nh=4, nf=5, K=3)
    result = M.ais_log_partition_classes(P, np.zeros(5), 100, 300, 0)
    assert abs(result.log_z - M.exact_log_partition(P)) < 0.05
    assert result.method == "ais" and result.ess > 10


@pytest.mark.parametrize("n_factors", [0, 2])
def test_joint_gibbs_sampler_matches_exact_distribution(n_factors):
    P = _params(nh=3, nf=3, K=2, scale=0.6, n_factors=n_factors)
    rng = np.random.default_rng(0)
    h = (rng.random((4000, 3)) < 0.5).astype(np.float64)
    x, y, _, _ = M.gibbs_joint(h, P, 30, rng)
    exact = ref.brute_joint_distribution(P)
    counts = {}
    for row, k in zip(map(tuple, x), y):
        counts[(row, int(k))] = counts.get((row, int(k)), 0) + 1
    tv = 0.5 * sum(abs(counts.get(key, 0) / len(y) - p) for key, p in exact.items())
    assert tv < 0.05


# ---------------------------------------------------------------- gradients
def _objective(P, X, y, w_disc, w_gen):
    """sum_i w_disc_i log p(y_i | x_i) + w_gen_i log p(x_i, y_i) (log p(x_i)
    for y_i = -1), exactly by enumeration."""
    log_post = ref.brute_log_posterior(X, P)
    log_z = ref.brute_log_partition(P)
    total = 0.0
    for i, (x, k) in enumerate(zip(X, y)):
        if k >= 0:
            total += w_disc[i] * log_post[i, k]
            total += w_gen[i] * (ref.log_unnormalised_joint(x, k, P) - log_z)
        else:
            marginal = logsumexp([ref.log_unnormalised_joint(x, j, P) for j in range(3)])
            total += w_gen[i] * (marginal - log_z)
    return total


def _exact_gradient(P, X, y, w_disc, w_gen):
    grads, _ = M.data_phase(X, y, P, w_disc, w_gen)
    model = ref.brute_model_statistics(P)
    return {key: grads[key] - w_gen.sum() * model[key] for key in grads}


@pytest.mark.parametrize("n_factors", [0, 2])
@pytest.mark.parametrize("objective", ["discriminative", "generative", "hybrid", "unlabelled"])
def test_gradient_matches_finite_differences(objective, n_factors):
    P = _params(n_factors=n_factors)
    X, y = _batch(unlabelled=objective == "unlabelled")
    n = X.shape[0]
    ones, zeros = np.ones(n), np.zeros(n)
    w_disc, w_gen = {
        "discriminative": (ones, zeros),
        "generative": (zeros, ones),
        "hybrid": (ones, 0.3 * ones),
        "unlabelled": (np.where(y >= 0, 1.0, 0.0), np.where(y >= 0, 0.3, 0.7)),
    }[objective]
    grads = _exact_gradient(P, X, y, w_disc, w_gen)
    eps = 1e-5
    rng = np.random.default_rng(0)
    for index, key in enumerate(["W", "b", "c", "U", "d", "Fv", "Fh", "Fl"][: len(P)]):
        for _ in range(3):
            entry = tuple(rng.integers(s) for s in P[index].shape)
            plus = [p.copy() for p in P]
            minus = [p.copy() for p in P]
            plus[index][entry] += eps
            minus[index][entry] -= eps
            fd = (_objective(plus, X, y, w_disc, w_gen)
                  - _objective(minus, X, y, w_disc, w_gen)) / (2 * eps)
            np.testing.assert_allclose(grads[key][entry], fd, atol=1e-6, err_msg=key)


def test_discriminative_batch_gradient_needs_no_sampling():
    P = _params()
    X, y = _batch(unlabelled=False)
    ones, zeros = np.ones(X.shape[0]), np.zeros(X.shape[0])
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    grads, _ = M.batch_gradient(X, y, P, ones, zeros, None, 1, rng)
    assert rng.bit_generator.state == state  # exact: no draws
    exact = _exact_gradient(P, X, y, ones, zeros)
    for key in grads:
        np.testing.assert_allclose(grads[key], exact[key], atol=1e-12)


@pytest.mark.parametrize("n_factors", [0, 2])
def test_model_phase_is_unbiased_at_equilibrium(n_factors):
    # from (near-)exact samples of the model, the statistics of one more
    # sweep average to the exact expectations of the enumeration
    P = _params(nh=3, nf=3, K=2, scale=0.5, n_factors=n_factors)
    rng = np.random.default_rng(0)
    chains = (rng.random((20000, 3)) < 0.5).astype(np.float64)
    _, _, _, chains = M.gibbs_joint(chains, P, 40, rng)  # burn in
    exact = ref.brute_model_statistics(P)
    grads = {key: np.zeros_like(value) for key, value in exact.items()}
    w_gen = np.full(8, 20000 / 8)
    M.model_phase(grads, None, np.zeros(8, np.int64), P, w_gen, None, chains, 1, rng)
    for key in grads:
        np.testing.assert_allclose(-grads[key] / 20000, exact[key], atol=0.02, err_msg=key)


# ---------------------------------------------------------------- estimator
def _fitted_tiny(**params):
    rng = np.random.default_rng(0)
    X = (rng.random((60, 4)) < 0.5).astype(np.float64)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    kw = dict(n_components=3, max_iter=5, random_state=0) | params
    return ClassRBM(**kw).fit(X, y)


@pytest.mark.parametrize("objective", ["generative", "discriminative", "hybrid"])
def test_each_objective_learns_a_separable_problem(objective):
    # two noisy prototypes: a problem the generative model can also solve
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    prototypes = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]])
    flip = rng.random((200, 8)) < 0.15
    X = np.abs(prototypes[y] - flip).astype(np.float64)
    clf = ClassRBM(n_components=16, objective=objective, max_iter=30, random_state=0)
    assert clf.fit(X, y).score(X, y) > 0.9


def test_predict_methods_agree():
    clf = _fitted_tiny()
    X = ref.binary_states(4)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X), atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    decision = clf.decision_function(X)  # binary: the log-odds of classes_[1]
    np.testing.assert_array_equal(decision > 0, clf.predict(X) == clf.classes_[1])


def test_semi_supervised_rows_are_unlabelled_only_when_asked():
    rng = np.random.default_rng(0)
    X = (rng.random((60, 4)) < 0.5).astype(np.float64)
    y = np.where(X[:, 0] > 0, 1, 2)
    y[::3] = -1
    semi = ClassRBM(n_components=3, max_iter=3, unlabeled_weight=0.5, random_state=0).fit(X, y)
    np.testing.assert_array_equal(semi.classes_, [1, 2])
    plain = ClassRBM(n_components=3, max_iter=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(plain.classes_, [-1, 1, 2])
    # the unlabelled rows change the fit through log p(x) only
    zero = ClassRBM(n_components=3, max_iter=3, unlabeled_weight=0.0, random_state=0).fit(X, y)
    assert not np.allclose(zero.components_, semi.components_)


def test_sample_returns_inputs_and_labels():
    clf = _fitted_tiny()
    X, y = clf.sample(6, n_steps=5, return_labels=True, random_state=0)
    assert X.shape == (6, 4) and set(np.unique(X)) <= {0.0, 1.0}
    assert set(y) <= set(clf.classes_)


def test_warm_start_rejects_new_classes_and_keeps_the_model():
    clf = _fitted_tiny(warm_start=True)
    before = clf.components_.copy()
    X = np.ones((4, 4))
    with pytest.raises(ValueError, match="classes not seen"):
        clf.fit(X, [0, 1, 2, 2])
    np.testing.assert_array_equal(clf.components_, before)


def test_pcd_keeps_chains():
    clf = _fitted_tiny(method="pcd", n_chains=5)
    assert clf.h_samples_.shape == (5, 3)
    assert _fitted_tiny().h_samples_ is None


def test_input_only_hidden_units_cancel_from_the_class_posterior():
    # Luo et al. (2011): units with no class weights change p(x), not p(y | x)
    W, b, c, U, d = _params(nh=5, nf=4, K=3)
    U[:, 3:] = 0.0
    X = ref.binary_states(4)
    class_units = (W[:3], b, c[:3], np.ascontiguousarray(U[:, :3]), d)
    np.testing.assert_allclose(
        M.class_log_posterior(X, (W, b, c, U, d)), M.class_log_posterior(X, class_units),
        atol=1e-12,
    )
    assert not np.isclose(M.exact_log_partition((W, b, c, U, d)),
                          M.exact_log_partition(class_units))


def test_input_only_units_keep_zero_class_weights_while_training():
    clf = _fitted_tiny(n_components=3, n_input_only_components=2, objective="generative")
    assert clf.components_.shape == (5, 4) and clf.class_components_.shape == (2, 5)
    np.testing.assert_array_equal(clf.class_components_[:, 3:], 0.0)
    assert np.any(clf.components_[3:] != 0.0)
    X = ref.binary_states(4)
    np.testing.assert_allclose(logsumexp(clf.score_samples(X)), 0.0, atol=1e-10)


def test_score_samples_with_ais_is_an_estimate_close_to_exact():
    clf = _fitted_tiny(log_z="ais", ais_n_runs=50, ais_n_temperatures=300)
    assert clf.score_kind_ == "estimate"
    X = ref.binary_states(4)
    scores, std = clf.score_samples(X, return_std=True)
    exact = clf.set_params(log_z="exact").score_samples(X)
    np.testing.assert_allclose(scores, exact, atol=0.05)
    assert np.all(std > 0) and np.all(std < 0.05)


def test_class_multiplicative_factors_train_and_stay_exact():
    clf = _fitted_tiny(n_factors=2, objective="hybrid", alpha=0.5)
    assert clf.factor_visible_.shape == (2, 4) and clf.factor_class_.shape == (2, 2)
    X = ref.binary_states(4)
    np.testing.assert_allclose(
        clf.predict_log_proba(X), ref.brute_log_posterior(X, clf._params()), atol=1e-10
    )
    np.testing.assert_allclose(logsumexp(clf.score_samples(X)), 0.0, atol=1e-10)
    assert clf.sample(3, n_steps=5, random_state=0).shape == (3, 4)
    plain = _fitted_tiny()
    assert plain.factor_visible_.shape == (0, 4)
