import numpy as np
import pytest

from skgenerative.adversarial import LAPGAN
from skgenerative.adversarial._pyramid import expand, pyramid_shapes, reduce

SMALL = dict(generator_layer_sizes=(64, 64), discriminator_layer_sizes=(64, 64))


def _bars(n, seed):
    """6 x 6 images: one of four bars (two rows, two columns) plus noise 0.05."""
    templates = np.zeros((4, 6, 6))
    templates[0, :, 1] = templates[1, :, 4] = templates[2, 1, :] = templates[3, 4, :] = 1
    templates = templates.reshape(4, 36)
    rng = np.random.default_rng(seed)
    return templates[rng.integers(0, 4, n)] + 0.05 * rng.standard_normal((n, 36)), templates


def _bar_counts(model, templates):
    """How many of 1000 samples of ``model`` are nearest to each bar."""
    samples = model.sample(1000, random_state=1)
    nearest = np.linalg.norm(samples[:, None] - templates[None], axis=-1)
    return np.bincount(nearest.argmin(axis=1), minlength=4)


def _score_gain(model, X, params):
    """``model``'s score on held-out bars minus that after 2 epochs of training."""
    X_test, _ = _bars(300, seed=1)
    untrained = LAPGAN(max_iter=2, random_state=0, **params).fit(X)
    return model.score(X_test) - untrained.score(X_test)


def test_pyramid_reduces_by_block_means_and_expands_by_repetition():
    image = np.arange(16.0).reshape(1, 16)
    np.testing.assert_array_equal(reduce(image, (4, 4)), [[2.5, 4.5, 10.5, 12.5]])
    # odd sizes repeat the last row / column; an axis of length 1 is kept
    np.testing.assert_array_equal(reduce(np.arange(3.0)[None], (1, 3)), [[0.5, 2.0]])
    assert pyramid_shapes((5, 8), 3) == [(5, 8), (3, 4), (2, 2)]
    assert pyramid_shapes((1, 5), 3) == [(1, 5), (1, 3), (1, 2)]
    coarse = np.random.default_rng(0).normal(size=(3, 6))
    # reducing an expanded image gives it back (each block is constant)
    np.testing.assert_allclose(reduce(expand(coarse, (2, 3), (4, 6)), (4, 6)), coarse)
    assert expand(coarse, (2, 3), (3, 5)).shape == (3, 15)


def test_lapgan_levels_learn_bar_images():
    X, templates = _bars(1000, seed=0)
    lapgan = LAPGAN(max_iter=50, random_state=0, **SMALL).fit(X)
    assert lapgan.level_shapes_ == [(6, 6), (3, 3)]
    # noise, plus the expanded coarser image at the finer level
    assert [g.layer_sizes[0] for g in lapgan.generators_] == [8 + 36, 8]
    # every bar is drawn (measured 22-29 % each)
    assert np.all(_bar_counts(lapgan, templates) > 150)
    # measured -0.19 against -0.84 after 2 epochs
    assert _score_gain(lapgan, X, SMALL) > 0.3


def test_image_shape_is_checked():
    X, _ = _bars(50, seed=0)
    with pytest.raises(ValueError, match="does not hold 36 pixels"):
        LAPGAN(image_shape=(5, 7), max_iter=1).fit(X)
    lapgan = LAPGAN(image_shape=(4, 9), levels=3, max_iter=1, random_state=0, **SMALL).fit(X)
    assert lapgan.level_shapes_ == [(4, 9), (2, 5), (1, 3)]
    assert lapgan.sample(2).shape == (2, 36)


def test_class_conditional_lapgan_draws_the_requested_bar():
    X, templates = _bars(1000, seed=0)
    labels = np.linalg.norm(X[:, None] - templates[None], axis=-1).argmin(axis=1)
    names = np.array(["col1", "col4", "row1", "row4"])
    lapgan = LAPGAN(max_iter=20, random_state=0, **SMALL).fit(X, names[labels])
    np.testing.assert_array_equal(lapgan.classes_, names)
    # every level sees the one-hot label: noise (+ expanded coarser image) + 4
    assert [g.layer_sizes[0] for g in lapgan.generators_] == [8 + 36 + 4, 8 + 4]
    assert [d.layer_sizes[0] for d in lapgan.discriminators_] == [36 + 36 + 4, 9 + 4]
    for j, name in enumerate(names):
        samples = lapgan.sample(200, y=name, random_state=j)
        nearest = np.linalg.norm(samples[:, None] - templates[None], axis=-1).argmin(axis=1)
        assert np.mean(nearest == j) >= 0.9  # measured 1.0 for every label
    # one label per sample, in order; score compares (image, label) pairs
    X_test, _ = _bars(300, seed=1)
    y_test = names[np.linalg.norm(X_test[:, None] - templates[None], axis=-1).argmin(axis=1)]
    wrong = np.roll(names, 1)[np.searchsorted(names, y_test)]
    # measured -0.23 against -0.62
    assert lapgan.score(X_test, y_test) > lapgan.score(X_test, wrong) + 0.2
    with pytest.raises(ValueError, match="not seen in fit"):
        lapgan.sample(2, y="diagonal")
    with pytest.raises(ValueError, match="without labels"):
        LAPGAN(max_iter=1, random_state=0, **SMALL).fit(X[:50]).sample(2, y="col1")


#: a convolutional LAPGAN small enough for the tests (speed only; so is the
#: learning rate: the conv default 2e-4 is for 200 epochs, these run 30)
CONV = dict(architecture="conv", conv_channels=(3, 4), generator_layer_sizes=(32,),
            discriminator_layer_sizes=(16,), learning_rate=1e-3)


@pytest.mark.parametrize("kind", ["minimax", "non_saturating"])
def test_conv_level_networks_match_finite_differences(kind):
    from skgenerative.adversarial._gan_math import discriminator_step, generator_step
    from skgenerative.nn._convnet import Sequential
    from tests.nn.test_mlp import _numeric_grad

    X, _ = _bars(6, seed=0)
    y = np.arange(6) % 3
    lapgan = LAPGAN(max_iter=0, n_components=2, activation="tanh", random_state=0,
                    **{**CONV, "conv_channels": (2, 2), "discriminator_layer_sizes": (3,)})
    lapgan.fit(X, y)
    G, D = lapgan.generators_[0], lapgan.discriminators_[0]
    assert isinstance(G, Sequential) and isinstance(D, Sequential)
    rng = np.random.default_rng(1)
    for net in (G, D):
        for value in net.params.values():
            value += 0.1 * rng.normal(size=value.shape)
    (target, cond), _ = lapgan._pyramid(lapgan._standardize(X), lapgan._one_hot(y))
    noise = rng.normal(size=(6, 2))

    def d_step():  # the same dropout masks at every evaluation
        return discriminator_step(G, D, target, cond, noise, 0.3, np.random.default_rng(2))

    def g_step():
        return generator_step(G, D, cond, noise, kind, 0.3, np.random.default_rng(2))

    for step, net in ((d_step, D), (g_step, G)):
        grads = step()[1]
        for key, value in net.params.items():
            np.testing.assert_allclose(grads[key], _numeric_grad(lambda: step()[0], value),
                                       rtol=1e-5, atol=1e-8, err_msg=key)


def test_conv_lapgan_learns_bar_images():
    X, templates = _bars(1000, seed=0)
    lapgan = LAPGAN(max_iter=30, random_state=0, **CONV).fit(X)
    # the finer level is convolutional (noise plane beside the coarser
    # image), the coarsest 3x3 level dense, as in Denton et al.
    assert [type(g).__name__ for g in lapgan.generators_] == ["Sequential", "MLP"]
    assert lapgan.discriminators_[0].layer_sizes[0] == 36 + 36
    # every bar is drawn (measured 16-39 % each)
    assert np.all(_bar_counts(lapgan, templates) > 100)
    # measured -0.16 after 30 epochs against -0.30 after 2 (relu units in
    # every level: -0.84 after 30, two bars missing)
    assert _score_gain(lapgan, X, CONV) > 0.1
    with pytest.raises(ValueError, match="too small"):
        LAPGAN(max_iter=0, **{**CONV, "conv_channels": (2, 2, 2)}).fit(X[:20])
