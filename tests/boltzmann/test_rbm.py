import inspect
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import BernoulliRBM as SklearnRBM
from sklearn.pipeline import Pipeline

from skgenerative import BernoulliRBM
from skgenerative.boltzmann import _kernels
from skgenerative.boltzmann._unit_math import _binary_log_partition
from skgenerative.exceptions import OutOfSupportWarning, PartitionFunctionError
from skgenerative.evaluation import exact_log_partition
from skgenerative.boltzmann._kernels._hyper import epoch_hyper

from tests.boltzmann import _reference as ref


def _random_rbm(n_visible, n_hidden, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.normal(0, scale, (n_hidden, n_visible))
    b = rng.normal(0, scale, n_visible)
    c = rng.normal(0, scale, n_hidden)
    return W, b, c


def _set_params(model, W, b, c):
    model.components_ = W.copy()
    model.intercept_visible_ = b.copy()
    model.intercept_hidden_ = c.copy()
    model._forget_log_partition()
    return model


def _fitted_tiny(n_visible=8, n_hidden=6, **kwargs):
    X = ref.all_binary_states(n_visible)[::7]
    params = dict(n_components=n_hidden, n_iter=1, random_state=0, **kwargs)
    return BernoulliRBM(**params).fit(X)


# --------------------------------------------------------------- exactness


@pytest.mark.parametrize("shape", [(8, 6), (6, 8), (5, 1)])
def test_exact_log_partition_matches_brute_force_joint(shape):
    n_visible, n_hidden = shape
    W, b, c = _random_rbm(n_visible, n_hidden)
    expected = ref.rbm_log_partition_brute_force(W, b, c)
    assert abs(_binary_log_partition(W, b, c) - expected) < 1e-8


def test_score_samples_is_exact_log_likelihood_and_normalised():
    model = _set_params(_fitted_tiny(), *_random_rbm(8, 6))
    states = ref.all_binary_states(8)
    log_p = model.score_samples(states)
    np.testing.assert_allclose(
        log_p, ref.rbm_log_marginal_brute_force(states, *_random_rbm(8, 6)), atol=1e-8
    )
    assert abs(logsumexp(log_p)) < 1e-10
    assert abs(exact_log_partition(model) - model.log_partition_) < 1e-12


def test_free_energy_matches_reference():
    W, b, c = _random_rbm(8, 6)
    model = _set_params(_fitted_tiny(), W, b, c)
    X = ref.all_binary_states(8)[:50]
    np.testing.assert_allclose(model.free_energy(X), ref.rbm_free_energy(X, W, b, c), atol=1e-12)


def test_exact_gradient_formula_matches_finite_differences():
    W, b, c = _random_rbm(5, 3, scale=0.5)
    V = ref.all_binary_states(5)[[1, 4, 9, 30, 17]]

    def mean_ll(W, b, c):
        return ref.rbm_log_marginal_brute_force(V, W, b, c).mean()

    gW, gb, gc = ref.rbm_exact_gradient(V, W, b, c)
    eps = 1e-6
    for arr, grad in ((W, gW), (b, gb), (c, gc)):
        numeric = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            up = mean_ll(W, b, c)
            arr[idx] = old - eps
            down = mean_ll(W, b, c)
            arr[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, atol=1e-7)


def test_pcd_update_is_unbiased_for_exact_gradient():
    """With many chains started from the model distribution, the PCD update
    divided by the learning rate estimates the exact likelihood gradient."""
    W, b, c = _random_rbm(5, 3, scale=0.5, seed=3)
    V = ref.all_binary_states(5)[[1, 4, 9, 30, 17]]
    rng = np.random.default_rng(0)
    n_chains = 200_000
    # exact samples of h from the model: enumerate p(h)
    H = ref.all_binary_states(3)
    log_ph = H @ c + np.logaddexp(0, H @ W + b).sum(1)
    ph = np.exp(log_ph - logsumexp(log_ph))
    chains = H[rng.choice(len(H), size=n_chains, p=ph)]
    lr = 1e-3
    params = (W.copy(), b.copy(), c.copy())
    velocity = tuple(np.zeros_like(p) for p in params)
    offsets = (np.zeros(5), np.zeros(3))
    hyper = epoch_hyper(lr)
    _kernels._sgd_epoch_bernoulli(
        V, np.arange(5), np.array([0, 5]), params, velocity, offsets, chains, hyper, rng
    )
    gW, gb, gc = ref.rbm_exact_gradient(V, W, b, c)
    np.testing.assert_allclose((params[0] - W) / lr, gW, atol=0.01)
    np.testing.assert_allclose((params[1] - b) / lr, gb, atol=0.01)
    np.testing.assert_allclose((params[2] - c) / lr, gc, atol=0.01)


# ------------------------------------------------------ kernels vs twins


@pytest.mark.parametrize(
    "method, k, momentum, l2, l1, rate",
    [
        ("pcd", 1, 0.0, 0.0, 0.0, 0.0),
        ("pcd", 3, 0.5, 1e-3, 0.0, 0.0),
        ("cd", 1, 0.0, 1e-2, 0.0, 0.0),
        ("cd", 2, 0.9, 0.0, 1e-3, 0.0),
        ("pcd", 1, 0.5, 0.0, 0.0, 0.05),
    ],
)
def test_epoch_kernel_matches_numpy_twin(method, k, momentum, l2, l1, rate):
    rng = np.random.default_rng(1)
    X = (rng.random((23, 7)) < 0.4).astype(np.float64)
    W, b, c = _random_rbm(7, 4, scale=0.3)
    rows = rng.permutation(23)
    bounds = (np.arange(6) * 23) // 5
    hyper = epoch_hyper(0.05, momentum=momentum, l2=l2, l1=l1, offset_rate=rate,
                        n_gibbs_steps=k, persistent=method == "pcd")
    mu0 = X.mean(0) if rate else np.zeros(7)
    lam0 = np.full(4, 0.5) if rate else np.zeros(4)
    chains0 = (rng.random((6, 4)) < 0.5).astype(float)

    def state():
        return (
            (W.copy(), b.copy(), c.copy()),
            tuple(np.zeros_like(a) for a in (W, b, c)),
            (mu0.copy(), lam0.copy()),
            chains0.copy(),
        )

    p1, v1, o1, ch1 = state()
    _kernels._sgd_epoch_bernoulli(X, rows, bounds, p1, v1, o1, ch1, hyper, np.random.default_rng(5))
    p2, v2, o2, ch2 = state()
    ref.sgd_epoch_bernoulli(X, rows, bounds, p2, v2, o2, ch2, hyper, np.random.default_rng(5))
    for a, e in zip(p1 + o1, p2 + o2):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)
    if method == "pcd":
        np.testing.assert_array_equal(ch1, ch2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_products_match_numpy_twins(dtype):
    rng = np.random.default_rng(4)
    S = (rng.random((9, 13)) < 0.2) * rng.random((9, 13))
    S[3] = 0.0  # an empty row
    S = S.astype(dtype)
    D = rng.normal(size=(13, 6)).astype(dtype)
    T = rng.normal(size=(9, 6)).astype(dtype)
    ptr, idx = np.zeros(10, np.int64), np.full(S.size, -1, np.int64)
    _kernels._nonzero_pattern(S, 0, ptr, idx)
    ptr_ref, idx_ref = ref.nonzero_pattern(S)
    np.testing.assert_array_equal(ptr, ptr_ref)
    np.testing.assert_array_equal(idx[: ptr[-1]], idx_ref)
    # recomputing rows 5: keeps rows before, finds the new pattern after
    S[6:] = S[6:] * (rng.random((3, 13)) < 0.5)
    _kernels._nonzero_pattern(S, 5, ptr, idx)
    ptr_ref, idx_ref = ref.nonzero_pattern(S)
    np.testing.assert_array_equal(ptr, ptr_ref)
    np.testing.assert_array_equal(idx[: ptr[-1]], idx_ref)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    out = np.full((9, 6), np.nan, dtype)
    _kernels._sparse_product(S, ptr, idx, D, out)
    np.testing.assert_allclose(out, ref.sparse_product(S, D), **tol)
    acc = rng.normal(size=(13, 6)).astype(dtype)
    expected = ref.sparse_transpose_product_add(S, T, acc)
    _kernels._sparse_transpose_product_add(S, ptr, idx, T, acc)
    np.testing.assert_allclose(acc, expected, **tol)


@pytest.mark.parametrize("density, visible_bias", [(0.05, -4.0), (0.5, 0.0)])
@pytest.mark.parametrize("method, k, l2", [("pcd", 1, 0.0), ("pcd", 2, 1e-3), ("cd", 2, 0.0)])
def test_gather_mode_epoch_matches_numpy_twin(density, visible_bias, method, k, l2):
    """A plain update with >= _GATHER_MIN_HIDDEN hidden units runs on W.T and
    gathers sparse visible layers (first case) or calls GEMM on W.T (second)."""
    n_hidden = _kernels._GATHER_MIN_HIDDEN + 6
    rng = np.random.default_rng(2)
    X = (rng.random((31, 40)) < density).astype(np.float64)
    W, b, c = _random_rbm(40, n_hidden, scale=0.05)
    b = b + visible_bias
    rows = rng.permutation(31)
    bounds = (np.arange(5) * 31) // 4
    hyper = epoch_hyper(0.05, l2=l2, n_gibbs_steps=k, persistent=method == "pcd")
    chains0 = (rng.random((5, n_hidden)) < 0.5).astype(float)
    results = []
    for epoch in (_kernels._sgd_epoch_bernoulli, ref.sgd_epoch_bernoulli):
        params = (W.copy(), b.copy(), c.copy())
        velocity = tuple(np.zeros_like(a) for a in params)
        offsets = (np.zeros(40), np.zeros(n_hidden))
        chains = chains0.copy()
        epoch(X, rows, bounds, params, velocity, offsets, chains, hyper, np.random.default_rng(5))
        results.append((params, chains))
    (p1, ch1), (p2, ch2) = results
    for a, e in zip(p1, p2):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(ch1, ch2)
    assert not np.allclose(p1[0], W)  # it trained


def test_gibbs_kernel_matches_numpy_twin():
    W, b, c = _random_rbm(7, 4)
    V0 = (np.random.default_rng(0).random((5, 7)) < 0.5).astype(float)
    V = V0.copy()
    _kernels._gibbs_bernoulli(V, W, b, c, 4, np.random.default_rng(3), np.empty((5, 4)))
    np.testing.assert_array_equal(V, ref.gibbs_bernoulli(V0, W, b, c, 4, np.random.default_rng(3)))


# --------------------------------------------------------------- sampling


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sampler_matches_exact_distribution(dtype):
    W, b, c = _random_rbm(6, 4, scale=1.0, seed=2)
    model = _set_params(_fitted_tiny(6, 4), *(p.astype(dtype) for p in (W, b, c)))
    model.base_rate_ = np.zeros(6, dtype=dtype)
    samples = model.sample(20000, n_steps=50, random_state=0)
    states = ref.all_binary_states(6)
    exact = np.exp(ref.rbm_log_marginal_brute_force(states, W, b, c))
    codes = samples @ (2 ** np.arange(5, -1, -1))
    empirical = np.bincount(codes.astype(int), minlength=64) / len(samples)
    tv = 0.5 * np.abs(empirical - exact).sum()
    assert tv <= 0.05, tv


def test_sample_persistent_and_validation():
    model = _fitted_tiny()
    assert model.sample(3, init="persistent", n_steps=2, random_state=0).shape == (3, 8)
    with pytest.raises(ValueError, match="at most"):
        model.sample(10_000, init="persistent")
    with pytest.raises(ValueError, match="n_samples"):
        model.sample(0)
    with pytest.raises(ValueError, match="init"):
        model.sample(2, init="bogus")


# ------------------------------------------------------------- learning


def test_rbm_beats_independent_bernoulli_on_digits(binary_digits):
    X_train, X_test = binary_digits
    p = np.clip(X_train.mean(0), 1e-3, 1 - 1e-3)
    independent = (X_test * np.log(p) + (1 - X_test) * np.log(1 - p)).sum(1).mean()
    # a 16-unit PCD fit varies by seed: gains of 2.2, 4.5, 4.8 nats for seeds
    # 0-2 (mean over seeds 0-5: 3.8), so the claim is on the mean of three
    gains = [BernoulliRBM(n_components=16, learning_rate=0.05, n_iter=15, random_state=seed)
             .fit(X_train).score(X_test) - independent for seed in range(3)]
    assert min(gains) > 1 and np.mean(gains) > 3, gains


@pytest.mark.parametrize(
    "params",
    [
        dict(centering=True, momentum=0.5),
        dict(method="cd", n_gibbs_steps=3),
        dict(weight_decay=1e-4, penalty="l1", learning_rate_schedule="linear"),
    ],
)
def test_training_variants_learn_and_stay_normalised(binary_digits, params):
    X_train, X_test = binary_digits
    X_train = X_train[:, 20:32]
    model = BernoulliRBM(
        n_components=8, learning_rate=0.05, n_iter=10, random_state=0, **params
    ).fit(X_train)
    states = ref.all_binary_states(12)
    assert abs(logsumexp(model.score_samples(states))) < 1e-9
    p = np.clip(X_train.mean(0), 1e-3, 1 - 1e-3)
    X_test = X_test[:, 20:32]
    independent = (X_test * np.log(p) + (1 - X_test) * np.log(1 - p)).sum(1).mean()
    assert model.score(X_test) > independent


def test_centered_parameters_are_plain_energy_parameters(binary_digits):
    """The exposed parameters of a centred RBM define the model the chains
    sample: a centred fit keeps `score_samples` normalised and its own Gibbs
    samples have the exact marginals."""
    X = binary_digits[0][:, :10]
    model = BernoulliRBM(n_components=5, n_iter=5, centering=True, random_state=0).fit(X)
    states = ref.all_binary_states(10)
    exact = np.exp(model.score_samples(states))
    samples = model.sample(5000, n_steps=30, random_state=1)
    np.testing.assert_allclose(samples.mean(0), exact @ states, atol=0.03)


def test_early_stopping_restores_best_validation_score(binary_digits):
    X = binary_digits[0][:, :14]
    model = BernoulliRBM(
        n_components=6, learning_rate=0.5, n_iter=30, early_stopping=True,
        n_iter_no_change=2, tol=0.0, random_state=0,
    ).fit(X)
    assert len(model.validation_scores_) == model.n_iter_
    assert model.n_iter_ <= 30


def test_verbose_prints_progress(capsys):
    _fitted_tiny(verbose=1)
    out = capsys.readouterr().out
    assert "[BernoulliRBM] epoch 1" in out and "log-likelihood" in out


# ------------------------------------------------------------- drop-in


def test_constructor_is_superset_of_sklearn_with_same_defaults():
    ours = inspect.signature(BernoulliRBM).parameters
    theirs = inspect.signature(SklearnRBM).parameters
    for name, param in theirs.items():
        assert name in ours
        assert ours[name].default == param.default, name


def test_drop_in_on_sklearn_rbm_example():
    """scikit-learn's 'RBM features for digit classification' example with
    only the import swapped (scaled to run fast): features as good as the
    original's in the same pipeline."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import minmax_scale

    X, y = load_digits(return_X_y=True)
    X = minmax_scale(X, feature_range=(0, 1))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    accuracies, pipelines = {}, {}
    for name, rbm_class in (("ours", BernoulliRBM), ("sklearn", SklearnRBM)):
        rbm = rbm_class(random_state=0, verbose=True)
        rbm.learning_rate = 0.06
        rbm.n_iter = 5
        rbm.n_components = 100
        # the example's C=6000 needs thousands of lbfgs steps: C=100 keeps it quick
        logistic = LogisticRegression(C=100, max_iter=200)
        clf = Pipeline(steps=[("rbm", rbm), ("logistic", logistic)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lbfgs convergence chatter
            clf.fit(X_train, y_train)
        accuracies[name] = clf.score(X_test, y_test)
        pipelines[name] = clf
    assert accuracies["ours"] > 0.85
    assert accuracies["ours"] >= accuracies["sklearn"] - 0.03, accuracies
    fitted = pipelines["ours"].named_steps["rbm"]
    for attr in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_", "n_iter_"):
        assert hasattr(fitted, attr)
    assert fitted.components_.shape == (100, 64)
    assert fitted.h_samples_.shape == (10, 100)
    assert fitted.gibbs(X_test[:3]).shape == (3, 64)
    assert fitted.partial_fit(X_train[:10]) is fitted


def test_gridsearch_selects_by_likelihood_without_scoring(binary_digits):
    X = binary_digits[0][:300, :12]
    search = GridSearchCV(
        BernoulliRBM(n_iter=3, random_state=0), {"n_components": [2, 8]}, cv=2
    ).fit(X)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


# n_components >= _GATHER_MIN_HIDDEN: the epoch works on W.T and gathers
WIDE = _kernels._GATHER_MIN_HIDDEN + 6


@pytest.mark.parametrize("n_components", [5, WIDE])
def test_sparse_input_gives_identical_model(binary_digits, n_components):
    X = binary_digits[0][:200]
    dense = BernoulliRBM(n_components=n_components, n_iter=2, batch_size=7, random_state=0).fit(X)
    for fmt in ("csr", "csc", "lil"):
        sparse = BernoulliRBM(n_components=n_components, n_iter=2, batch_size=7, random_state=0)
        sparse.fit(sp.csr_matrix(X).asformat(fmt))
        np.testing.assert_array_equal(sparse.components_, dense.components_)
        np.testing.assert_allclose(sparse.score_samples(sp.csr_matrix(X)), dense.score_samples(X))


@pytest.mark.parametrize("n_components", [4, WIDE])
def test_float32_in_float32_out_and_input_untouched(binary_digits, n_components):
    X = binary_digits[0][:100].astype(np.float32)
    X_copy = X.copy()
    model = BernoulliRBM(n_components=n_components, n_iter=2, random_state=0).fit(X)
    assert model.components_.dtype == np.float32
    assert model.transform(X).dtype == np.float32
    assert model.sample(2, n_steps=2).dtype == np.float32
    np.testing.assert_array_equal(X, X_copy)
    model64 = BernoulliRBM(n_components=n_components, n_iter=2, random_state=0,
                           dtype=np.float64).fit(X)
    assert model64.components_.dtype == np.float64
    # the float32 kernels compute the same model up to float32 rounding
    np.testing.assert_allclose(model.components_, model64.components_, atol=2e-4)


# --------------------------------------------------------- reproducibility


@pytest.mark.parametrize("n_components", [6, WIDE])
def test_same_random_state_gives_identical_bits(binary_digits, n_components):
    X = binary_digits[0][:200]

    def run():
        m = BernoulliRBM(n_components=n_components, n_iter=2, random_state=42).fit(X)
        return m.components_, m.sample(4, n_steps=5), m.score_samples(X), m.pseudo_likelihood(X)

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_pickled_model_continues_the_same_random_stream(binary_digits):
    X = binary_digits[0][:100]
    model = BernoulliRBM(n_components=4, n_iter=1, random_state=0).fit(X)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(model.sample(3, n_steps=3), clone.sample(3, n_steps=3))
    model.partial_fit(X[:20])
    clone.partial_fit(X[:20])
    np.testing.assert_array_equal(model.components_, clone.components_)


@pytest.mark.parametrize("n_components", [4, WIDE])
def test_partial_fit_continues_like_fit_on_the_same_batches(binary_digits, n_components):
    """fit on a block (one epoch, no shuffle) and partial_fit on the same block
    give the same model; a further block continues both identically."""
    X = binary_digits[0][:60]
    params = dict(n_components=n_components, n_iter=1, batch_size=10, shuffle=False, random_state=0)
    fitted = BernoulliRBM(**params).fit(X[:30]).partial_fit(X[30:])
    online = BernoulliRBM(**params).partial_fit(X[:30]).partial_fit(X[30:])
    np.testing.assert_array_equal(online.components_, fitted.components_)
    np.testing.assert_array_equal(online.h_samples_, fitted.h_samples_)
    assert online.n_iter_ == fitted.n_iter_ == 2


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[0.0, np.nan, 1.0]]), "NaN"),
        (np.array([[0.0, np.inf, 1.0]]), "infinity"),
        (np.zeros((0, 3)), "0 sample"),
        (np.zeros(3), "2D array"),
    ],
)
def test_bad_input_raises_value_error(X, match):
    with pytest.raises(ValueError, match=match):
        BernoulliRBM(n_components=2).fit(X)


def test_failed_partial_fit_leaves_model_intact():
    model = _fitted_tiny()
    before = pickle.dumps(model)
    for bad in (np.full((2, 8), np.nan), np.zeros((2, 5))):
        with pytest.raises(ValueError):
            model.partial_fit(bad)
    assert pickle.dumps(model) == before
    with pytest.raises(ValueError, match="features"):
        model.score_samples(np.zeros((2, 5)))


def test_out_of_support_input_warns_with_fix():
    X = np.random.default_rng(0).integers(0, 256, (20, 5)).astype(float)
    with pytest.warns(OutOfSupportWarning, match="MinMaxScaler"):
        BernoulliRBM(n_components=2, n_iter=1).fit(X)


def test_divergence_restores_last_finite_epoch():
    X = ref.all_binary_states(6)
    model = BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(X)
    # |1 - learning_rate * weight_decay| = 99: the weights grow geometrically
    model.set_params(learning_rate=10.0, weight_decay=10.0, n_iter=100, warm_start=True)
    with pytest.raises(FloatingPointError, match="learning rate") as info:
        model.fit(X)
    assert np.all(np.isfinite(model.components_))
    assert np.all(np.isfinite(model.intercept_visible_))
    # the message names the diverging epoch; n_iter_ counts the finite ones
    assert f"epoch {model.n_iter_ + 1}" in str(info.value)
    assert 1 < model.n_iter_ < 101


def test_keyboard_interrupt_keeps_last_completed_epoch(monkeypatch):
    X = ref.all_binary_states(6)
    model = BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(X)
    after_one = model.components_.copy()
    original = BernoulliRBM._epoch_kernel

    def interrupt(self, *args):
        original(self, *args)  # parameters change, then the user presses ^C
        raise KeyboardInterrupt

    monkeypatch.setattr(BernoulliRBM, "_epoch_kernel", interrupt)
    model.set_params(warm_start=True)
    with pytest.warns(UserWarning, match="interrupted"), pytest.raises(KeyboardInterrupt):
        model.fit(X)
    np.testing.assert_array_equal(model.components_, after_one)
    assert model.n_iter_ == 1


def test_large_model_uses_ais_estimate_within_its_interval(binary_digits):
    X = binary_digits[0]
    params = dict(n_components=18, n_iter=3, learning_rate=0.05, random_state=0)
    ais = BernoulliRBM(exact_limit=10, **params).fit(X)
    exact = BernoulliRBM(**params).fit(X)
    np.testing.assert_array_equal(ais.components_, exact.components_)
    assert ais.score_kind_ == "estimate" and exact.score_kind_ == "exact"
    low, high = ais.log_partition_ci_
    assert low <= exact.log_partition_ <= high
    assert abs(ais.log_partition_ - exact.log_partition_) < 0.1
    # deterministic after fit: a second model gives the same estimate
    again = BernoulliRBM(exact_limit=10, **params).fit(X)
    assert again.log_partition_ == ais.log_partition_
    np.testing.assert_allclose(
        ais.score_samples(X[:5]) - exact.score_samples(X[:5]),
        exact.log_partition_ - ais.log_partition_,
    )


def test_log_z_options():
    X = (np.random.default_rng(0).random((30, 12)) < 0.5).astype(float)
    given = BernoulliRBM(n_components=2, n_iter=1, log_z=-3.5).fit(X)
    assert given.log_partition_ == -3.5 and given.log_partition_ci_ == (-3.5, -3.5)
    model = BernoulliRBM(n_components=3, n_iter=1, log_z="ais", random_state=0).fit(X)
    assert model.score_kind_ == "estimate"
    assert abs(model.log_partition_ - exact_log_partition(model)) < 0.05
    model.set_params(log_z="exact", exact_limit=0)
    model._forget_log_partition()
    assert model.log_partition_ == exact_log_partition(model)


def test_exact_log_z_refuses_huge_enumeration():
    X = (np.random.default_rng(0).random((10, 40)) < 0.5).astype(float)
    model = BernoulliRBM(n_components=35, n_iter=1, log_z="exact").fit(X)
    with pytest.raises(PartitionFunctionError, match="2\\*\\*35"):
        model.score_samples(X)


def test_sampling_helpers_validate_and_follow_conditionals():
    model = _fitted_tiny()
    X = ref.all_binary_states(8)[:4]
    h = model.sample_hiddens(np.repeat(X, 2000, axis=0), random_state=0)
    np.testing.assert_allclose(
        h.reshape(4, 2000, -1).mean(1), model.transform(X), atol=0.05
    )
    v = model.sample_visibles(np.zeros((3000, 6)), random_state=0)
    np.testing.assert_allclose(v.mean(0), model.inverse_transform(np.zeros((1, 6)))[0], atol=0.05)
    for bad in (np.zeros((2, 5)), np.full((2, 6), np.nan)):
        with pytest.raises(ValueError, match="H "):
            model.sample_visibles(bad)


def test_warm_start_with_other_feature_count_raises_and_keeps_model():
    model = _fitted_tiny()
    model.set_params(warm_start=True)
    before = model.components_.copy()
    with pytest.raises(ValueError, match="features"):
        model.fit(np.zeros((4, 5)))
    np.testing.assert_array_equal(model.components_, before)
    assert model.n_features_in_ == 8
    model.fit(ref.all_binary_states(8)[:20])  # same feature count: continues
    assert model.n_iter_ == 2
