"""VAE with a convolutional decoder (architecture="conv")."""

import numpy as np
import pytest

from skgenerative.latent import IWAE, VAE
from skgenerative.latent._vae import _elbo_and_grads, _iwae_bound_and_grads
from skgenerative.nn import BernoulliHead, GaussianHead
from skgenerative.nn._convnet import Sequential
from tests.latent.test_vae import _check_grads_by_finite_differences

#: tiny networks on 5 x 6 images (speed only)
TINY = dict(architecture="conv", image_shape=(5, 6), encoder_layer_sizes=(5,),
            decoder_layer_sizes=(4,), conv_channels=(2, 3), n_importance_samples=10)


@pytest.mark.parametrize("cls", [VAE, IWAE])
@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_conv_decoder_bounds_match_finite_differences(likelihood, cls):
    rng = np.random.default_rng(1)
    X = (rng.random((4, 30)) < 0.4).astype(float)
    model = cls(2, max_iter=0, likelihood=likelihood, random_state=0, **TINY).fit(X)
    enc, dec = model.encoder_, model.decoder_
    assert isinstance(dec, Sequential)
    # Gaussian: two output channels (mean, variance parameter) per pixel,
    # and a bias per output unit at the base rate
    n_out = 60 if likelihood == "gaussian" else 30
    assert dec.layer_sizes[-1] == n_out and dec.params["dec_b4"].shape == (n_out,)
    for value in dec.params.values():
        value += 0.1 * rng.normal(size=value.shape)
    head = BernoulliHead() if likelihood == "bernoulli" else GaussianHead(0.05)
    _check_grads_by_finite_differences.head = head
    if cls is VAE:
        _check_grads_by_finite_differences(_elbo_and_grads, enc, dec, X,
                                           rng.standard_normal((4, 2)))
    else:
        _check_grads_by_finite_differences(_iwae_bound_and_grads, enc, dec, X,
                                           rng.standard_normal((3, 4, 2)))


def test_conv_vae_learns_bar_images():
    rng = np.random.default_rng(0)
    templates = np.zeros((4, 5, 6))
    templates[0, :, 1] = templates[1, :, 4] = templates[2, 1, :] = templates[3, 3, :] = 1
    templates = templates.reshape(4, 30)
    X = np.abs(templates[rng.integers(0, 4, 400)] - (rng.random((400, 30)) < 0.03))
    X_test = np.abs(templates[rng.integers(0, 4, 200)] - (rng.random((200, 30)) < 0.03))
    params = {**TINY, "encoder_layer_sizes": (16,), "decoder_layer_sizes": (16,),
              "conv_channels": (4, 4), "n_importance_samples": 20}
    vae = VAE(2, max_iter=30, learning_rate=3e-3, random_state=0, **params).fit(X)
    assert vae.image_shape_ == (5, 6)
    untrained = VAE(2, max_iter=0, random_state=0, **params).fit(X)
    p = X.mean(axis=0).clip(1e-3, 1 - 1e-3)
    independent = np.mean(X_test @ np.log(p) + (1 - X_test) @ np.log1p(-p))
    # far better than independent pixels, the base rate the untrained decoder
    # starts from (measured -6.9 against -12.5 nats)
    assert vae.score(X_test) > independent + 4 and untrained.score(X_test) < independent + 1
    mean = vae.sample(200, random_state=0, mean=True)
    nearest = np.linalg.norm(mean[:, None] - templates[None], axis=-1).argmin(axis=1)
    assert np.all(np.bincount(nearest, minlength=4) > 20)  # measured 40-62 each
    with pytest.raises(ValueError, match="does not hold 30 pixels"):
        VAE(2, max_iter=0, **{**TINY, "image_shape": (4, 6)}).fit(X)
