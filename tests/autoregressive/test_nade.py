import pickle

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skgenerative import FVSBN, NADE
from skgenerative.autoregressive import _kernels

from tests.autoregressive import _reference as ref
from .conftest import all_binary_states, independent_bernoulli_log_prob, total_variation_to_exact


def _random_nade(D=7, H=5, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    W = scale * rng.standard_normal((D, H))
    V = scale * rng.standard_normal((D, H))
    b = rng.standard_normal(D)
    c = rng.standard_normal(H)
    return W, V, b, c, rng.permutation(D).astype(np.int64)


def test_nade_log_prob_kernel_matches_numpy_twin():
    W, V, b, c, order = _random_nade()
    X = (np.random.default_rng(1).random((30, 7)) < 0.5).astype(float)
    np.testing.assert_allclose(
        _kernels._nade_log_prob_bernoulli(X, W, V, b, c, order),
        ref.nade_log_prob_bernoulli(X, W, V, b, c, order),
        rtol=1e-10,
    )


def test_nade_gradient_kernel_matches_numpy_twin():
    W, V, b, c, order = _random_nade()
    X = (np.random.default_rng(2).random((30, 7)) < 0.5).astype(float)
    grads = [np.zeros_like(p) for p in (W, V, b, c)]
    ll = _kernels._nade_grad_bernoulli(X, W, V, b, c, order, *grads)
    assert ll == pytest.approx(ref.nade_log_prob_bernoulli(X, W, V, b, c, order).sum())
    for got, want in zip(grads, ref.nade_grad_bernoulli(X, W, V, b, c, order)):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_nade_sample_kernel_matches_numpy_twin():
    W, V, b, c, order = _random_nade()
    U = np.random.default_rng(3).random((50, 7))
    np.testing.assert_array_equal(
        _kernels._nade_sample_bernoulli(W, V, b, c, order, U),
        ref.nade_sample_bernoulli(W, V, b, c, order, U),
    )


def test_nade_gradient_matches_finite_differences():
    W, V, b, c, order = _random_nade(seed=4)
    X = (np.random.default_rng(5).random((10, 7)) < 0.5).astype(float)
    params = [W, V, b, c]
    grads = [np.zeros_like(p) for p in params]
    _kernels._nade_grad_bernoulli(X, W, V, b, c, order, *grads)
    eps = 1e-6
    for p, g in zip(params, grads):
        for index in list(np.ndindex(p.shape))[:: max(1, p.size // 6)]:
            old = p[index]
            p[index] = old + eps
            up = _kernels._nade_log_prob_bernoulli(X, W, V, b, c, order).sum()
            p[index] = old - eps
            down = _kernels._nade_log_prob_bernoulli(X, W, V, b, c, order).sum()
            p[index] = old
            assert g[index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-7)


def test_nade_normalises_over_all_1024_states(random_binary):
    model = NADE(8, ordering="random", max_iter=10, learning_rate=1e-2, random_state=0)
    model.fit(random_binary)
    total = np.exp(model.score_samples(all_binary_states(10))).sum()
    assert abs(total - 1) < 1e-6


def test_nade_sampler_matches_exact_distribution():
    W, V, b, c, order = _random_nade(D=6, H=4, seed=6, scale=2.0)
    model = NADE(4, max_iter=1, random_state=0).fit(np.zeros((2, 6)))
    model.weights_, model.output_weights_ = W, V
    model.intercept_visible_, model.intercept_hidden_, model.ordering_ = b, c, order
    samples = model.sample(20000, random_state=0)
    tv = total_variation_to_exact(samples, model.score_samples(all_binary_states(6)), 6)
    assert tv < 0.05


def test_nade_beats_fvsbn_beats_independent_bernoulli_on_digits(binary_digits):
    train, test = binary_digits
    independent = independent_bernoulli_log_prob(train, test).mean()
    fvsbn = FVSBN(max_iter=40, random_state=0).fit(train).score(test)
    nade = NADE(50, learning_rate=1e-2, max_iter=30, random_state=0).fit(train).score(test)
    assert fvsbn > independent + 5
    assert nade > fvsbn + 0.3


def test_nade_float32_in_float32_out(random_binary):
    X32 = random_binary.astype(np.float32)
    model = NADE(4, max_iter=2, random_state=0).fit(X32)
    assert model.weights_.dtype == np.float32
    assert model.score_samples(X32).dtype == np.float32
    assert model.sample(3).dtype == np.float32
    assert model.transform(X32).dtype == np.float32
    model64 = NADE(4, max_iter=2, random_state=0).fit(random_binary)
    np.testing.assert_allclose(model.score_samples(X32), model64.score_samples(random_binary), rtol=1e-3)


def test_nade_random_state_fixes_everything(random_binary):
    a = NADE(4, max_iter=3, ordering="random", random_state=7).fit(random_binary)
    b = NADE(4, max_iter=3, ordering="random", random_state=7).fit(random_binary)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    np.testing.assert_array_equal(a.sample(5), b.sample(5))


def test_nade_partial_fit_blocks_equal_one_pass(random_binary):
    # the first block initialises the model (its visible biases); the rest is
    # the same sequence of minibatches whether given in one block or several
    whole = NADE(4, batch_size=50, random_state=0).partial_fit(random_binary[:100])
    whole.partial_fit(random_binary[100:])
    blocks = NADE(4, batch_size=50, random_state=0).partial_fit(random_binary[:100])
    blocks.partial_fit(random_binary[100:150]).partial_fit(random_binary[150:])
    np.testing.assert_array_equal(whole.weights_, blocks.weights_)
    assert whole.n_iter_ == 2 and blocks.n_iter_ == 3


def test_nade_early_stopping_stops_after_patience(binary_digits):
    train, _ = binary_digits
    model = NADE(
        50, learning_rate=3e-2, max_iter=60, early_stopping=True, n_iter_no_change=3,
        random_state=0,
    ).fit(train)
    scores = model.validation_scores_
    assert model.n_iter_ < 60 and len(scores) == model.n_iter_
    assert model.n_iter_ == int(np.argmax(scores)) + 1 + 3


def test_nade_bad_input_leaves_model_intact(random_binary):
    model = NADE(4, max_iter=2, random_state=0).fit(random_binary)
    before = model.score_samples(random_binary)
    bad = random_binary.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        model.partial_fit(bad)
    with pytest.raises(ValueError, match="features"):
        model.score_samples(random_binary[:, :5])
    np.testing.assert_array_equal(model.score_samples(random_binary), before)


def test_nade_pickle_continues_random_stream(random_binary):
    model = NADE(4, max_iter=2, random_state=0).fit(random_binary)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(model.sample(4), clone.sample(4))


def test_nade_in_pipeline_and_grid_search(random_binary):
    search = GridSearchCV(NADE(max_iter=2, random_state=0), {"n_components": [2, 4]}, cv=2)
    search.fit(random_binary)
    assert search.best_params_["n_components"] in (2, 4)
    features = make_pipeline(NADE(3, max_iter=1, random_state=0)).fit_transform(random_binary)
    assert features.shape == (200, 3)


def test_nade_float32_kernels_match_float64_twin():
    # the float32 kernels use a polynomial exp; it must stay at float32 rounding level
    W, V, b, c, order = _random_nade(D=20, H=30, seed=8, scale=3.0)
    X = (np.random.default_rng(9).random((40, 20)) < 0.5).astype(float)
    f32 = [p.astype(np.float32) for p in (W, V, b, c)]
    got = _kernels._nade_log_prob_bernoulli(X.astype(np.float32), *f32, order)
    np.testing.assert_allclose(got, ref.nade_log_prob_bernoulli(X, W, V, b, c, order), rtol=1e-5)
    grads = [np.zeros_like(p) for p in f32]
    _kernels._nade_grad_bernoulli(X.astype(np.float32), *f32, order, *grads)
    for got, want in zip(grads, ref.nade_grad_bernoulli(X, W, V, b, c, order)):
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3 * np.abs(want).max())


def test_nade_divergence_restores_last_finite_epoch(random_binary, monkeypatch):
    model = NADE(4, max_iter=1, random_state=0).fit(random_binary)
    before = model.weights_.copy()

    def nan_gradient(X, rng):
        ll, grads = NADE._batch_gradient(model, X, rng)
        grads["weights_"][:] = np.nan
        return ll, grads

    monkeypatch.setattr(model, "_batch_gradient", nan_gradient)
    with pytest.raises(FloatingPointError, match="learning rate"):
        model.set_params(warm_start=True).fit(random_binary)
    np.testing.assert_array_equal(model.weights_, before)
    assert model.n_iter_ == 1


def test_nade_interrupt_keeps_last_completed_epoch(random_binary, monkeypatch):
    model = NADE(4, max_iter=1, batch_size=50, random_state=0).fit(random_binary)
    before = model.weights_.copy()
    calls = []

    def interrupted(X, rng):
        calls.append(1)
        if len(calls) == 2:  # mid-epoch, after one update
            raise KeyboardInterrupt
        return NADE._batch_gradient(model, X, rng)

    monkeypatch.setattr(model, "_batch_gradient", interrupted)
    with pytest.warns(UserWarning, match="interrupted"), pytest.raises(KeyboardInterrupt):
        model.set_params(warm_start=True).fit(random_binary)
    np.testing.assert_array_equal(model.weights_, before)
    # and training resumes from there
    monkeypatch.undo()
    model.fit(random_binary)
    assert model.n_iter_ == 2


def test_refit_without_warm_start_starts_a_new_validation_history(random_binary):
    model = NADE(n_components=3, max_iter=2, early_stopping=True, random_state=0)
    model.fit(random_binary).fit(random_binary)
    assert model.n_iter_ == 2 and len(model.validation_scores_) == 2
    model.set_params(warm_start=True).fit(random_binary)
    assert model.n_iter_ == 4 and len(model.validation_scores_) == 4


def test_a_first_partial_fit_that_diverges_leaves_the_model_unfitted(random_binary, monkeypatch):
    model = NADE(4, random_state=0)
    fresh = dict(vars(model))

    def nan_gradient(self, X, rng):
        ll, grads = original(self, X, rng)
        grads["weights_"][:] = np.nan
        return ll, grads

    original = NADE._batch_gradient
    monkeypatch.setattr(NADE, "_batch_gradient", nan_gradient)
    with pytest.raises(FloatingPointError, match="learning rate"):
        model.partial_fit(random_binary)
    assert vars(model) == fresh
    monkeypatch.undo()
    model.partial_fit(random_binary)
    assert model.n_iter_ == 1


@pytest.mark.parametrize("make", [lambda: NADE(4), lambda: FVSBN()], ids=["NADE", "FVSBN"])
def test_warm_start_takes_the_new_learning_rate_and_keeps_the_moments(make):
    """A learning-rate schedule set between warm-started fits steps with the
    new rate from the same Adam state."""
    X = (np.random.default_rng(0).random((60, 6)) < 0.4).astype(np.float64)
    model = make().set_params(max_iter=1, batch_size=10, warm_start=True, random_state=0).fit(X)
    start = {k: v.copy() for k, v in model.optimizer_.params.items()}
    steps = {}
    for lr in (1e-2, 1e-6):
        again = pickle.loads(pickle.dumps(model)).set_params(learning_rate=lr).fit(X)
        assert again.optimizer_.learning_rate == lr
        assert again.optimizer_.n_steps == 2 * model.optimizer_.n_steps  # moments carried on
        steps[lr] = np.sqrt(sum(np.sum((again.optimizer_.params[k] - start[k]) ** 2) for k in start))
    assert steps[1e-6] < 1e-2 * steps[1e-2]
