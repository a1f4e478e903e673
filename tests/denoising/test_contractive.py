"""The contractive option of DenoisingAutoencoder and its manifold sampler."""

import numpy as np
import pytest

from skgenerative.denoising import DenoisingAutoencoder
from skgenerative.denoising._contractive import contraction_penalty_and_grads
from skgenerative.denoising._corruption import corrupt
from skgenerative.denoising._dae import _walkback_objective_and_grads
from skgenerative.nn import MLP, BernoulliHead
from tests.denoising.test_dae import _fd_check


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softplus"])
def test_penalty_is_the_jacobian_norm_and_its_gradient_matches(activation):
    rng = np.random.default_rng(0)
    enc = MLP([4, 3], "relu", activation, random_state=0, prefix="enc_")
    X = rng.standard_normal((5, 4))
    # against the Jacobian by finite differences of the encoder
    J = np.stack([
        (enc.predict(X + 1e-6 * e) - enc.predict(X - 1e-6 * e)) / 2e-6 for e in np.eye(4)
    ], axis=2)  # (n, code, input)
    np.testing.assert_allclose(contraction_penalty_and_grads(enc, X), (J**2).sum(axis=(1, 2)),
                               rtol=1e-6)
    _, grads = contraction_penalty_and_grads(enc, X, 1.0 / 5)
    _fd_check(lambda: contraction_penalty_and_grads(enc, X).mean(), enc.params, grads)


def test_contractive_walkback_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    enc = MLP([4, 3], "sigmoid", "sigmoid", random_state=0, prefix="enc_")
    dec = MLP([3, 4], "sigmoid", random_state=1, prefix="dec_")
    X = (rng.random((6, 4)) < 0.5).astype(float)

    def run():
        return _walkback_objective_and_grads(
            enc, dec, BernoulliHead(), X, lambda s, g: corrupt(s, "gaussian", 0.3, g), 2,
            np.random.default_rng(5), contraction=0.7,
        )

    _, grads = run()
    _fd_check(lambda: run()[0].mean(), {**enc.params, **dec.params}, grads)


@pytest.fixture(scope="module")
def circle():
    rng = np.random.default_rng(0)
    theta = rng.uniform(0, 2 * np.pi, 500)
    X = np.c_[np.cos(theta), np.sin(theta)] + 0.02 * rng.standard_normal((500, 2))
    params = dict(n_components=32, likelihood="gaussian", noise="gaussian", noise_level=0.2,
                  activation="sigmoid", decoder_layer_sizes=(), walkback=1, learning_rate=0.01,
                  max_iter=100, batch_size=50, random_state=0)
    return (X, DenoisingAutoencoder(**params).fit(X),
            DenoisingAutoencoder(contraction=0.1, **params).fit(X))


def test_contraction_flattens_the_encoder(circle):
    X, plain, contractive = circle
    # measured: mean ||J||^2 3.63 without the penalty, 1.67 with it
    assert (contraction_penalty_and_grads(contractive.encoder_, X).mean()
            < 0.6 * contraction_penalty_and_grads(plain.encoder_, X).mean())


def test_manifold_walk_moves_along_the_circle(circle):
    _, _, contractive = circle
    samples = contractive.sample(500, n_steps=50, method="manifold", tangent_scale=0.5,
                                 random_state=0)
    radius = np.linalg.norm(samples, axis=1)
    angles = np.histogram(np.arctan2(samples[:, 1], samples[:, 0]), bins=8,
                          range=(-np.pi, np.pi))[0]
    # measured: radius 0.975 +- 0.087; every eighth of the circle visited
    # (26 to 91 samples each)
    assert abs(np.median(radius) - 1) < 0.1
    assert np.all(angles >= 10)


def test_contraction_needs_a_one_layer_encoder(circle):
    X, plain, _ = circle
    with pytest.raises(ValueError, match="one-layer"):
        DenoisingAutoencoder(contraction=0.1, encoder_layer_sizes=(8,), likelihood="gaussian",
                             max_iter=1).fit(X)
    with pytest.raises(ValueError, match="method"):
        plain.sample(2, method="bogus")
