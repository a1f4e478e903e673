"""The convolutional option of GAN and GMMN (architecture="conv")."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skgenerative.adversarial import GAN, GMMN
from skgenerative.adversarial._common import DIVERSITY_WARN
from skgenerative.adversarial._gan_math import discriminator_step, generator_step
from skgenerative.adversarial._gmmn import _mmd_objective
from skgenerative.nn._batchnorm import BatchNorm, training_mode
from skgenerative.nn._convnet import Sequential
from tests.adversarial.test_lapgan import _bars
from tests.nn.test_mlp import _numeric_grad

#: small networks on the 6 x 6 bar images (speed only; the defaults are
#: compared on digits in benchmarks/bench_generators.py)
TINY = dict(architecture="conv", generator_layer_sizes=(16,), conv_channels=(3, 4))
#: smaller still for the finite differences
FD = dict(architecture="conv", n_components=2, generator_layer_sizes=(3,),
          conv_channels=(2, 2))


def _perturb(net, rng):
    for value in net.params.values():
        value += 0.1 * rng.normal(size=value.shape)


@pytest.mark.parametrize("kind", ["minimax", "non_saturating"])
def test_conv_gan_steps_match_finite_differences(kind):
    X, _ = _bars(6, seed=0)
    y = np.arange(6) % 3
    gan = GAN(max_iter=0, discriminator_layer_sizes=(3,), activation="tanh", random_state=0,
              **FD).fit(X, y)
    G, D = gan.generator_, gan.discriminator_
    assert isinstance(G, Sequential) and isinstance(D, Sequential)
    rng = np.random.default_rng(1)
    _perturb(G, rng)
    _perturb(D, rng)
    Z, noise, labels = gan._standardize(X), rng.normal(size=(6, 2)), gan._one_hot(y)

    def d_loss():  # the same dropout masks at every evaluation
        return discriminator_step(G, D, Z, labels, noise, 0.3, np.random.default_rng(2))[0]

    def g_loss():
        return generator_step(G, D, labels, noise, kind, 0.3, np.random.default_rng(2))[0]

    _, d_grads, _ = discriminator_step(G, D, Z, labels, noise, 0.3, np.random.default_rng(2))
    for key, value in D.params.items():
        np.testing.assert_allclose(d_grads[key], _numeric_grad(d_loss, value), rtol=1e-5,
                                   atol=1e-8, err_msg=key)
    _, g_grads = generator_step(G, D, labels, noise, kind, 0.3, np.random.default_rng(2))
    for key, value in G.params.items():
        np.testing.assert_allclose(g_grads[key], _numeric_grad(g_loss, value), rtol=1e-5,
                                   atol=1e-8, err_msg=key)


def test_conv_gmmn_objective_matches_finite_differences():
    X, _ = _bars(7, seed=0)
    gmmn = GMMN(max_iter=0, random_state=0, **FD).fit(X)
    G = gmmn.generator_
    _perturb(G, np.random.default_rng(1))
    Z, noise = gmmn._standardize(X), np.random.default_rng(2).normal(size=(5, 2))
    _, grads = _mmd_objective(G, Z, noise, gmmn.bandwidths_)
    for key, value in G.params.items():
        numeric = _numeric_grad(lambda: _mmd_objective(G, Z, noise, gmmn.bandwidths_)[0],
                                value)
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-5, atol=1e-9, err_msg=key)


def test_conv_gmmn_learns_bar_images():
    X, templates = _bars(400, seed=0)
    gmmn = GMMN(max_iter=20, batch_size=50, random_state=0, **TINY).fit(X)
    assert gmmn.image_shape_ == (6, 6)
    samples = gmmn.sample(1000, random_state=1)
    nearest = np.linalg.norm(samples[:, None] - templates[None], axis=-1).argmin(axis=1)
    assert np.all(np.bincount(nearest, minlength=4) > 150)  # every bar drawn
    X_test, _ = _bars(300, seed=1)
    untrained = GMMN(max_iter=1, batch_size=50, random_state=0, **TINY).fit(X)
    # measured -0.03 against -0.12 after 1 epoch
    assert gmmn.score(X_test) > untrained.score(X_test) + 0.05


def test_conv_models_in_pipeline_and_grid_search():
    X, _ = _bars(200, seed=0)
    y = np.arange(200) % 2
    search = GridSearchCV(GMMN(batch_size=50, random_state=0, **TINY),
                          {"max_iter": [1, 8]}, cv=2).fit(X)
    assert search.best_params_ == {"max_iter": 8}
    pipe = make_pipeline(FunctionTransformer(lambda A: 2 * A, inverse_func=lambda A: A / 2),
                         GAN(max_iter=2, discriminator_layer_sizes=(8,), random_state=0,
                             **TINY))
    pipe.fit(X, y)  # conditional
    gan = pipe[-1]
    assert gan.sample(3, y=1).shape == (3, 36)
    assert pipe.transform(X[:4]).shape == (4, 8)
    assert np.isfinite(pipe.score(X, y))
    # bit for bit reproducible
    again = GAN(max_iter=2, discriminator_layer_sizes=(8,), random_state=0, **TINY).fit(2 * X, y)
    np.testing.assert_array_equal(again.sample(5, random_state=3),
                                  gan.sample(5, random_state=3))


def test_conv_options_are_checked():
    X, _ = _bars(20, seed=0)
    with pytest.raises(ValueError, match="does not hold 36 pixels"):
        GAN(max_iter=0, image_shape=(5, 5), **TINY).fit(X)
    with pytest.raises(ValueError, match="too small"):
        GAN(max_iter=0, image_shape=(2, 18), **TINY).fit(X)
    with pytest.raises(ValueError, match="autoencoder"):
        GMMN(max_iter=0, autoencoder_layer_sizes=(4,), **TINY).fit(X)
    with pytest.raises(ValueError, match="conv_channels"):
        GMMN(max_iter=0, **{**TINY, "conv_channels": ()}).fit(X)
    # the dense default keeps no image shape
    gan = GAN(max_iter=0, random_state=0, **TINY).fit(X)
    assert gan.image_shape_ == (6, 6)
    gan.set_params(architecture="dense").fit(X)
    assert not hasattr(gan, "image_shape_")


def test_conv_gan_auto_activations_learn_bar_images():
    # "auto": relu dense networks; tanh generator and leaky-relu
    # discriminator for architecture="conv" (relu conv generators collapse)
    X, templates = _bars(1000, seed=0)
    assert GAN()._activations() == ("relu", "relu")
    assert GAN(activation="tanh")._activations() == ("tanh", "tanh")
    assert GAN(architecture="conv")._activations() == ("tanh", "leaky_relu")
    # the learning rate: 1e-3 dense, 2e-4 conv (tuned on 200 epochs of
    # digits); 15 epochs of this test need the larger step (speed only)
    assert (GAN()._learning_rate(), GAN(architecture="conv")._learning_rate()) == (1e-3, 2e-4)
    gan = GAN(max_iter=15, discriminator_layer_sizes=(16,), learning_rate=1e-3,
              random_state=0, **TINY).fit(X)
    assert gan.discriminator_.layers[0].layer.activation == "leaky_relu"
    samples = gan.sample(1000, random_state=1)
    nearest = np.linalg.norm(samples[:, None] - templates[None], axis=-1).argmin(axis=1)
    # every bar is drawn (measured 15-41 % each)
    assert np.all(np.bincount(nearest, minlength=4) > 100)
    # relu units in both conv networks collapse onto two bars here (measured
    # 57 % / 0 % / 1 % / 42 %; -MMD^2 -1.35 against -0.34), as on digits
    X_test, _ = _bars(300, seed=1)
    relu = GAN(max_iter=15, discriminator_layer_sizes=(16,), activation="relu",
               discriminator_activation="relu", learning_rate=1e-3, random_state=0,
               **TINY)
    # the partial-collapse check sees it (diversity ratio measured 0.19
    # against 0.43 for the auto activations); it does not warn before 10
    # epochs, when any generator's samples are still alike (measured 0.09)
    relu.set_params(max_iter=2).fit(X)  # warnings are errors in the tests
    assert relu.diversity_ratio_ < DIVERSITY_WARN
    with pytest.warns(ConvergenceWarning, match="less varied than the data"):
        relu.set_params(max_iter=15).fit(X)
    assert relu.diversity_ratio_ < DIVERSITY_WARN < gan.diversity_ratio_
    assert gan.score(X_test) > relu.score(X_test) + 0.5


def test_batch_normalised_conv_gan_step_matches_finite_differences():
    X, _ = _bars(6, seed=0)
    gan = GAN(max_iter=0, discriminator_layer_sizes=(3,), activation="relu", batch_norm=True,
              random_state=0, **FD).fit(X)
    G, D = gan.generator_, gan.discriminator_
    assert any(isinstance(layer, BatchNorm) for layer in G.layers)
    rng = np.random.default_rng(1)
    _perturb(G, rng)
    noise = rng.normal(size=(6, 2))

    def g_loss():
        return generator_step(G, D, None, noise, "non_saturating", 0.0,
                              np.random.default_rng(2))[0]

    with training_mode(G):  # as in training: through the batch statistics
        _, g_grads = generator_step(G, D, None, noise, "non_saturating", 0.0,
                                    np.random.default_rng(2))
        for key, value in G.params.items():
            np.testing.assert_allclose(g_grads[key], _numeric_grad(g_loss, value), rtol=1e-5,
                                       atol=1e-8, err_msg=key)


@pytest.mark.parametrize("architecture", ["conv", "dense"])
def test_batch_normalised_gan_samples_rows_independently(architecture):
    X, templates = _bars(400, seed=0)
    gan = GAN(**{**TINY, "architecture": architecture}, max_iter=3, batch_norm=True,
              discriminator_layer_sizes=(16,), learning_rate=1e-3, random_state=0).fit(X)
    norms = [layer for layer in gan.generator_.layers if isinstance(layer, BatchNorm)]
    assert norms and not any(layer.training for layer in norms)
    # training moved the running statistics away from their start (0, 1)
    assert all(np.abs(layer.running_mean).max() > 1e-3 for layer in norms)
    # sampling uses them: a sample does not depend on the samples drawn with it
    np.testing.assert_allclose(gan.sample(3, random_state=1), gan.sample(40, random_state=1)[:3],
                               rtol=1e-6, atol=1e-9)
    again = GAN(**{**TINY, "architecture": architecture}, max_iter=3, batch_norm=True,
                discriminator_layer_sizes=(16,), learning_rate=1e-3, random_state=0).fit(X)
    np.testing.assert_array_equal(again.sample(5, random_state=2), gan.sample(5, random_state=2))
