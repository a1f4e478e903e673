import pickle

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skgenerative.latent import IWAE, VAE, generate_samples
from skgenerative.latent._vae import _elbo_and_grads, _iwae_bound_and_grads
from skgenerative.nn import MLP, BernoulliHead, GaussianHead

SMALL = dict(encoder_layer_sizes=(16,), decoder_layer_sizes=(16,), n_importance_samples=50)


def _nets(p=4, d=2, head=None, seed=0):
    head = head or BernoulliHead()
    enc = MLP([p, 5, 2 * d], "tanh", random_state=seed, prefix="enc_")
    dec = MLP([d, 6, head.n_outputs(p)], "softplus", random_state=seed + 1, prefix="dec_")
    return enc, dec, head


def _check_grads_by_finite_differences(fn, enc, dec, X, eps):
    _, grads = fn(enc, dec, head := _check_grads_by_finite_differences.head, X, eps)
    params = {**enc.params, **dec.params}
    assert set(grads) == set(params)
    rng = np.random.default_rng(0)
    for key, value in params.items():
        for _ in range(3):
            i = tuple(rng.integers(0, s) for s in value.shape)
            old = value[i]
            value[i] = old + 1e-6
            up = fn(enc, dec, head, X, eps)[0].mean()
            value[i] = old - 1e-6
            down = fn(enc, dec, head, X, eps)[0].mean()
            value[i] = old
            np.testing.assert_allclose(grads[key][i], (up - down) / 2e-6, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("head", [BernoulliHead(), GaussianHead(0.05)], ids=["bern", "gauss"])
def test_elbo_gradient_matches_finite_differences(head):
    rng = np.random.default_rng(1)
    enc, dec, head = _nets(head=head)
    X = (rng.random((5, 4)) < 0.5).astype(float)
    _check_grads_by_finite_differences.head = head
    _check_grads_by_finite_differences(_elbo_and_grads, enc, dec, X, rng.standard_normal((5, 2)))


@pytest.mark.parametrize("head", [BernoulliHead(), GaussianHead(0.05)], ids=["bern", "gauss"])
def test_iwae_gradient_matches_finite_differences(head):
    rng = np.random.default_rng(2)
    enc, dec, head = _nets(head=head)
    X = (rng.random((5, 4)) < 0.5).astype(float)
    _check_grads_by_finite_differences.head = head
    eps = rng.standard_normal((3, 5, 2))
    _check_grads_by_finite_differences(_iwae_bound_and_grads, enc, dec, X, eps)


def _exact_log_px_1d(model, X):
    """log p(x) = log int N(z; 0, 1) p(x | z) dz by quadrature on a fine grid."""
    z = np.linspace(-12, 12, 6001)[:, None]
    out = model.decoder_.predict(z)
    log_pz = -0.5 * (z[:, 0] ** 2 + np.log(2 * np.pi))
    dz = z[1, 0] - z[0, 0]
    res = []
    for x in X:
        log_px_z = model._head.log_likelihood(np.repeat(x[None], len(z), 0), out)
        res.append(logsumexp(log_px_z + log_pz) + np.log(dz))
    return np.array(res)


@pytest.fixture(scope="module")
def tiny_vae():
    rng = np.random.default_rng(0)
    proto = np.array([[1, 1, 0, 0, 1], [0, 0, 1, 1, 0], [1, 0, 1, 0, 1]], float)
    X = np.abs(proto[rng.integers(0, 3, 300)] - (rng.random((300, 5)) < 0.1))
    model = VAE(1, encoder_layer_sizes=(8,), decoder_layer_sizes=(8,), max_iter=30,
                learning_rate=3e-3, batch_size=20, n_importance_samples=20000, random_state=0)
    return model.fit(X), X


def test_elbo_below_iwae_bounds_below_exact_log_likelihood_and_bounds_increase_with_k(tiny_vae):
    model, X = tiny_vae
    X = np.unique(X, axis=0)[:6]
    exact = _exact_log_px_1d(model, X)
    # L_k tends to log p(x): k = 20000 is within 0.02 nats
    np.testing.assert_allclose(model.score_samples(X), exact, atol=0.02)
    # The ordering holds for any q; a deliberately too-narrow q (log-variance
    # lowered by 3) makes the gaps large enough to resolve with 300 draws.
    bad = pickle.loads(pickle.dumps(model))
    bad.encoder_.params["enc_b1"][1] -= 3.0
    elbo = bad.elbo(X)
    assert np.all(elbo <= exact)
    means = {}
    for k in (1, 5, 50):
        reps = np.array([bad.importance_bound(X, k, random_state=s) for s in range(300)])
        means[k] = reps.mean(axis=0)
        se = reps.std(axis=0) / np.sqrt(len(reps))
        assert np.all(means[k] <= exact + 4 * se)
    # the single-sample bound is the ELBO in expectation
    np.testing.assert_allclose(means[1], elbo, atol=0.15)
    assert np.all(means[1] + 0.1 < means[5]) and np.all(means[5] + 0.03 < means[50])


def test_gaussian_decoder_score_is_a_density_of_the_data_as_given():
    rng = np.random.default_rng(0)
    # data from a 1-D latent: the posterior is unimodal and q can match it
    z = rng.normal(size=(200, 1))
    X = z * np.array([1.0, -0.5]) + [0.0, 3.0] + 0.1 * rng.normal(size=(200, 2))
    model = VAE(1, likelihood="gaussian", encoder_layer_sizes=(8,), decoder_layer_sizes=(8,),
                max_iter=60, batch_size=20, learning_rate=3e-3, n_importance_samples=5000,
                random_state=0).fit(X)
    exact = _exact_log_px_1d(model, X[:8])
    np.testing.assert_allclose(model.score_samples(X[:8]), exact, atol=0.02)
    assert model.score(X) > model.elbo(X).mean()
    assert np.all(model._head.variance(model.decoder_.predict(np.zeros((3, 1)))) >= 1e-3)
    # shifting the data shifts nothing but the fit: the density is of X as given
    assert model.sample(10, random_state=0).shape == (10, 2)


def test_vae_learns_digits_better_than_independent_bernoulli(binary_digits):
    X_train, X_test = binary_digits
    m = VAE(8, encoder_layer_sizes=(64,), decoder_layer_sizes=(64,), max_iter=40,
            n_importance_samples=100, random_state=0).fit(X_train)
    p = np.clip(X_train.mean(0), 1e-3, 1 - 1e-3)
    indep = (X_test * np.log(p) + (1 - X_test) * np.log1p(-p)).sum(1).mean()
    assert m.score(X_test) > indep + 3
    assert m.score(X_test) >= m.elbo(X_test).mean()


def test_iwae_training_raises_its_bound(binary_digits):
    X_train, X_test = binary_digits
    m = IWAE(4, n_importance=5, max_iter=1, random_state=0, **SMALL).fit(X_train)
    before = m.importance_bound(X_test, 5).mean()
    m.set_params(warm_start=True, max_iter=15).fit(X_train)
    assert m.n_iter_ == 16
    assert m.importance_bound(X_test, 5).mean() > before + 2


def test_pipeline_vae_logistic_regression_on_digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    X, y = (data.data > 7).astype(float), data.target
    pipe = make_pipeline(
        VAE(10, encoder_layer_sizes=(64,), decoder_layer_sizes=(64,), max_iter=30,
            n_importance_samples=10, random_state=0),
        LogisticRegression(max_iter=2000),
    )
    pipe.fit(X[:1200], y[:1200])
    assert pipe.score(X[1200:], y[1200:]) > 0.8
    names = pipe[0].get_feature_names_out()
    assert list(names[:2]) == ["vae0", "vae1"]


def test_random_state_fixes_parameters_samples_and_scores_bit_for_bit(binary_digits):
    X = binary_digits[0][:200]
    a = IWAE(3, n_importance=3, max_iter=2, random_state=7, **SMALL).fit(X)
    b = IWAE(3, n_importance=3, max_iter=2, random_state=7, **SMALL).fit(X)
    for key in a.optimizer_.params:
        np.testing.assert_array_equal(a.optimizer_.params[key], b.optimizer_.params[key])
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    np.testing.assert_array_equal(a.score_samples(X), a.score_samples(X))
    np.testing.assert_array_equal(a.sample(5), b.sample(5))
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.sample(4), c.sample(4))


def test_float32_in_float32_out(binary_digits):
    X = binary_digits[0][:100].astype(np.float32)
    m = VAE(2, max_iter=1, random_state=0, **SMALL).fit(X)
    assert m.decoder_.params["dec_W0"].dtype == np.float32
    assert m.transform(X).dtype == np.float32
    assert m.sample(3).dtype == np.float32
    assert m.inverse_transform(m.transform(X[:2])).dtype == np.float32
    m64 = VAE(2, max_iter=1, random_state=0, **SMALL).fit(X.astype(np.float64))
    np.testing.assert_allclose(m.score_samples(X[:5]), m64.score_samples(X[:5]), atol=0.05)


def test_partial_fit_keeps_optimizer_state_and_bad_input_leaves_model_intact(binary_digits):
    X = binary_digits[0]
    m = VAE(2, batch_size=50, random_state=0, **SMALL)
    m.partial_fit(X[:500])
    steps = m.optimizer_.n_steps
    m.partial_fit(X[500:1000])
    assert m.optimizer_.n_steps == steps + 10 and m.n_iter_ == 2
    before = {k: v.copy() for k, v in m.optimizer_.params.items()}
    bad = X[:10].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        m.partial_fit(bad)
    with pytest.raises(ValueError, match="features"):
        m.partial_fit(X[:10, :5])
    for k, v in before.items():
        np.testing.assert_array_equal(m.optimizer_.params[k], v)


def test_out_of_support_input_warns_with_the_fix():
    from skgenerative.exceptions import OutOfSupportWarning

    X = np.random.default_rng(0).random((30, 4)) * 255
    with pytest.warns(OutOfSupportWarning, match="MinMaxScaler"):
        VAE(1, max_iter=1, random_state=0, **SMALL).fit(X)


def test_divergence_restores_last_finite_epoch(binary_digits):
    m = VAE(2, learning_rate=1e306, max_iter=3, random_state=0, **SMALL)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="learning rate"):
        m.fit(binary_digits[0][:200])
    assert np.all(np.isfinite(m._parameter_vector))


def test_generate_samples_is_the_decoder_pushed_prior():
    X = (np.random.default_rng(0).random((50, 6)) < 0.3).astype(float)
    m = VAE(2, max_iter=2, random_state=0, **SMALL).fit(X)
    means = generate_samples(m, 7, random_state=3, batch_size=3, mean=True)
    rng = np.random.default_rng(3)
    z = np.concatenate([rng.standard_normal((n, 2)) for n in (3, 3, 1)])
    np.testing.assert_allclose(means, m.inverse_transform(z))
    draws = generate_samples(m, 2000, random_state=0)
    assert set(np.unique(draws)) <= {0.0, 1.0}
    means = m.sample(4000, random_state=1, mean=True).mean(0)
    np.testing.assert_allclose(draws.mean(0), means, atol=0.05)


def test_set_output_pandas_and_early_stopping(binary_digits):
    pd = pytest.importorskip("pandas")
    X_train, X_test = binary_digits
    m = VAE(3, max_iter=30, early_stopping=True, n_iter_no_change=2, tol=10.0,
            random_state=0, **SMALL).set_output(transform="pandas")
    m.fit(X_train)
    assert m.n_iter_ < 30 and len(m.validation_scores_) == m.n_iter_
    Z = m.transform(X_test[:4])
    assert isinstance(Z, pd.DataFrame) and list(Z.columns) == ["vae0", "vae1", "vae2"]


def test_keyboard_interrupt_keeps_last_epoch_and_networks_still_share_optimizer_arrays(
    binary_digits, monkeypatch
):
    X = binary_digits[0][:300]
    m = VAE(2, max_iter=1, batch_size=100, random_state=0, **SMALL).fit(X)
    after_one = {k: v.copy() for k, v in m.optimizer_.params.items()}
    calls = {"n": 0}
    original = VAE._batch_bound_and_grads

    def flaky(self, Xb, rng):
        calls["n"] += 1
        if calls["n"] == 2:  # second batch of the next epoch
            raise KeyboardInterrupt
        return original(self, Xb, rng)

    monkeypatch.setattr(VAE, "_batch_bound_and_grads", flaky)
    m.set_params(warm_start=True, max_iter=3)
    with pytest.warns(UserWarning, match="interrupted"), pytest.raises(KeyboardInterrupt):
        m.fit(X)
    assert m.n_iter_ == 1
    for k, v in after_one.items():
        np.testing.assert_array_equal(m.optimizer_.params[k], v)
    # the restored networks and optimizer hold the same arrays: training moves both
    assert m.encoder_.params["enc_W0"] is m.optimizer_.params["enc_W0"]
    monkeypatch.setattr(VAE, "_batch_bound_and_grads", original)
    m.set_params(max_iter=1).fit(X)
    assert not np.array_equal(m.encoder_.params["enc_W0"], after_one["enc_W0"])
    assert m.n_iter_ == 2
