"""HierarchicalVAE: gradients, likelihood against quadrature, sampler, IWAE
equivalence with one stochastic layer, bad input."""

import numpy as np
import pytest
from scipy.special import logsumexp

from skgenerative.latent import IWAE, HierarchicalVAE
from skgenerative.latent import _hierarchical_vae as hvae
from skgenerative.latent._vae import _log_weights_and_elbo_terms
from skgenerative.nn import diagonal_gaussian_log_density

TINY = dict(n_components=(2, 2), hidden_layer_sizes=((5,), (3,)))


def _binary(n, d, seed=0):
    return (np.random.default_rng(seed).random((n, d)) < 0.4).astype(np.float64)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_bound_gradient_matches_finite_differences(k, likelihood):
    X = _binary(20, 5)
    if likelihood == "gaussian":
        X = X + np.random.default_rng(1).normal(scale=0.3, size=X.shape)
    model = HierarchicalVAE(**TINY, n_importance=k, likelihood=likelihood, max_iter=1,
                            random_state=0).fit(X)
    eps = model._noise(k, X.shape[0], np.random.default_rng(2))
    nets = (model.encoders_, model.decoders_, model._head)
    _, grads = hvae._bound_and_grads(*nets, X, eps)
    params = model._network_parameters()
    assert grads.keys() == params.keys()
    rng = np.random.default_rng(3)
    for key, array in params.items():
        for flat in rng.choice(array.size, size=min(3, array.size), replace=False):
            idx = np.unravel_index(flat, array.shape)
            old, h = array[idx], 1e-6
            array[idx] = old + h
            up = hvae._bound_and_grads(*nets, X, eps)[0].mean()
            array[idx] = old - h
            down = hvae._bound_and_grads(*nets, X, eps)[0].mean()
            array[idx] = old
            assert (up - down) / (2 * h) == pytest.approx(grads[key][idx], abs=1e-6), key


def _exact_log_prob_by_quadrature(model, X):
    """log p(x) of a model with two 1-D stochastic layers, by summing the
    joint over a fine grid of (z_1, z_2)."""
    z2 = np.linspace(-9, 9, 721)[:, None]
    z1 = np.linspace(-14, 14, 2241)[:, None]
    dz2, dz1 = z2[1, 0] - z2[0, 0], z1[1, 0] - z1[0, 0]
    mean_p, log_var_p, _ = hvae._encode(model.decoders_[1], z2)
    log_prior = diagonal_gaussian_log_density(z2)  # (721,)
    # log p(z1 | z2) on the grid: (721, 2241)
    log_cond = -0.5 * ((z1[:, 0][None] - mean_p) ** 2 * np.exp(-log_var_p) + log_var_p
                       + np.log(2 * np.pi))
    out = model.decoders_[0].predict(z1)
    head = model._head
    result = []
    for x in X:
        log_px = head.log_likelihood(np.repeat(x[None], len(z1), axis=0), out)  # (2241,)
        joint = log_prior[:, None] + log_cond + log_px[None]
        result.append(logsumexp(joint) + np.log(dz1 * dz2))
    return np.array(result)


@pytest.fixture(scope="module")
def tiny_model():
    X = _binary(200, 3)
    return HierarchicalVAE((1, 1), hidden_layer_sizes=((6,), (4,)), max_iter=5,
                           learning_rate=1e-2, random_state=0).fit(X)


@pytest.fixture(scope="module")
def exact_table(tiny_model):
    states = np.array([[(i >> j) & 1 for j in range(3)] for i in range(8)], dtype=np.float64)
    return states, _exact_log_prob_by_quadrature(tiny_model, states)


def test_exact_log_prob_normalises(exact_table):
    _, log_p = exact_table
    assert np.exp(log_p).sum() == pytest.approx(1.0, abs=1e-4)


def test_importance_estimate_converges_to_exact_and_elbo_is_below(tiny_model, exact_table):
    states, log_p = exact_table
    estimate, std = tiny_model.importance_bound(states, 20_000, return_std=True)
    assert np.all(np.abs(estimate - log_p) < 4 * std + 1e-3)
    # the mean log weight over many draws is the ELBO: below log p(x)
    n_draws = 20_000
    rng = np.random.default_rng(0)
    eps = [rng.standard_normal((n_draws * 8, 1)) for _ in range(2)]
    log_w, _ = hvae._forward(tiny_model.encoders_, tiny_model.decoders_, tiny_model._head,
                             states, eps, grad=False)
    elbo = log_w.reshape(n_draws, 8).mean(axis=0)
    assert np.all(elbo < log_p)


def test_sampler_matches_exact_distribution(tiny_model, exact_table):
    states, log_p = exact_table
    draws = tiny_model.sample(40_000, random_state=0)
    codes = (draws * [1, 2, 4]).sum(axis=1).astype(int)
    freq = np.bincount(codes, minlength=8) / len(codes)
    assert 0.5 * np.abs(freq - np.exp(log_p)).sum() < 0.01


def test_one_stochastic_layer_has_the_iwae_log_weights():
    X = _binary(30, 6)
    model = HierarchicalVAE(3, hidden_layer_sizes=((7, 5),), max_iter=2, random_state=0).fit(X)
    iwae = IWAE(3, encoder_layer_sizes=(7, 5), decoder_layer_sizes=(5, 7), max_iter=1,
                random_state=0).fit(X)
    for ours, theirs in [(model.encoders_[0], iwae.encoder_), (model.decoders_[0], iwae.decoder_)]:
        for a, b in zip(ours.params.values(), theirs.params.values()):
            b[...] = a
    eps = np.random.default_rng(0).standard_normal((4, 30, 3))
    expected = _log_weights_and_elbo_terms(iwae.encoder_, iwae.decoder_, iwae._head, X, eps)[0]
    ours, _ = hvae._forward(model.encoders_, model.decoders_, model._head, X,
                            [eps.reshape(120, 3)], grad=False)
    np.testing.assert_allclose(ours.reshape(4, 30), expected, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_first_encoder_once_per_row_equals_repeated_rows(likelihood):
    # q(z_1 | x) runs once per row and is shared by the row's k draws; the
    # log weights and gradients are those of the rows repeated k times
    X = _binary(12, 5)
    if likelihood == "gaussian":
        X = X + np.random.default_rng(1).normal(scale=0.3, size=X.shape)
    model = HierarchicalVAE(**TINY, likelihood=likelihood, max_iter=1, random_state=0).fit(X)
    nets = (model.encoders_, model.decoders_, model._head)
    k = 4
    eps = [e.reshape(k * 12, -1) for e in model._noise(k, 12, np.random.default_rng(2))]
    X_rep = np.tile(X, (k, 1))
    shared, saved = hvae._forward(*nets, X, eps, grad=True)
    repeated, saved_rep = hvae._forward(*nets, X_rep, eps, grad=True)
    np.testing.assert_allclose(shared, repeated, rtol=1e-12, atol=1e-10)
    weights = np.random.default_rng(3).random(k * 12)
    g_shared = hvae._backward(model.encoders_, model.decoders_, eps, saved, weights)
    g_repeated = hvae._backward(model.encoders_, model.decoders_, eps, saved_rep, weights)
    for key, grad in g_repeated.items():
        np.testing.assert_allclose(g_shared[key], grad, rtol=1e-10, atol=1e-12, err_msg=key)


def test_training_raises_the_held_out_bound(binary_digits):
    X_train, X_test = binary_digits
    model = HierarchicalVAE((8, 4), hidden_layer_sizes=((32,), (16,)), max_iter=1,
                            n_importance_samples=50, random_state=0).fit(X_train)
    before = model.score(X_test)
    model.set_params(warm_start=True, max_iter=10).fit(X_train)
    assert model.score(X_test) > before + 1.0


def test_transform_concatenates_the_recognition_means():
    X = _binary(40, 6)
    model = HierarchicalVAE(**TINY, max_iter=1, random_state=0).fit(X)
    Z = model.transform(X)
    assert Z.shape == (40, 4)
    m1 = hvae._encode(model.encoders_[0], X)[0]
    np.testing.assert_allclose(Z[:, :2], m1)
    np.testing.assert_allclose(Z[:, 2:], hvae._encode(model.encoders_[1], m1)[0])
    assert list(model.get_feature_names_out()) == [f"hierarchicalvae{i}" for i in range(4)]


@pytest.mark.parametrize(
    "params, message",
    [(dict(n_components=(4, 2), hidden_layer_sizes=((8,),)), "one tuple of hidden sizes"),
     (dict(n_components=(4, 0), hidden_layer_sizes=((8,), (4,))), "positive int"),
     (dict(n_components=(), hidden_layer_sizes=()), "non-empty")],
)
def test_bad_architecture_is_a_clear_error(params, message):
    with pytest.raises(ValueError, match=message):
        HierarchicalVAE(**params).fit(_binary(20, 4))
