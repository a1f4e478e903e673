import numpy as np
import pytest

from skgenerative.adversarial import GMMN
from skgenerative.adversarial._gmmn import _mmd_objective
from skgenerative.nn import MLP, mmd2_unbiased
from tests.adversarial._rings import mode_coverage, ring
from tests.nn.test_mlp import _numeric_grad

#: small generator: the ring needs no more (speed only; the other defaults hold)
SMALL = dict(generator_layer_sizes=(64, 64))
#: bandwidth (data units) and threshold of the held-out MMD^2 check: a model
#: close to the ring is below it (measured 0.011), the ring rotated by half a
#: mode spacing (0.19), a Gaussian of the same mean and covariance (0.093)
#: and a ring of modes five times wider (0.059) are above it
BANDWIDTH, THRESHOLD = 0.05, 0.03


def _mismatched(n, seed):
    """Distributions near the ring that are not the ring."""
    X, _ = ring(n, seed)
    turn = np.pi / 8
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    gaussian = np.random.default_rng(seed).multivariate_normal(X.mean(0), np.cov(X.T), n)
    return {"rotated": X @ rotation.T, "gaussian": gaussian, "wide": ring(n, seed, 0.1)[0]}


def test_mmd_objective_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    G = MLP([3, 6, 2], "tanh", random_state=0, prefix="gen_")
    X, noise = rng.normal(size=(7, 2)), rng.normal(size=(5, 3))
    value, grads = _mmd_objective(G, X, noise, [0.5, 2.0])
    assert value == pytest.approx(mmd2_unbiased(G.predict(noise), X, [0.5, 2.0]))
    for key, param in G.params.items():
        numeric = _numeric_grad(lambda: _mmd_objective(G, X, noise, [0.5, 2.0])[0], param)
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-5, atol=1e-9)


def test_gmmn_covers_every_mode_and_matches_held_out_data():
    X, _ = ring(2000, seed=0)
    gmmn = GMMN(max_iter=60, random_state=0, **SMALL).fit(X)
    samples = gmmn.sample(1000, random_state=1)
    near, per_mode = mode_coverage(samples)
    assert near >= 0.8  # measured 0.83 (model seeds 1, 2: 0.84, 0.83)
    assert np.all(per_mode > 0)
    X_test, _ = ring(1000, seed=1)
    assert mmd2_unbiased(samples, X_test, BANDWIDTH) < THRESHOLD
    for name, other in _mismatched(1000, seed=2).items():
        assert mmd2_unbiased(other, X_test, BANDWIDTH) > THRESHOLD, name
    # score: the negative MMD^2 on the model's standardised scale
    assert gmmn.score(X_test) > gmmn.score(_mismatched(1000, seed=3)["rotated"]) + 0.1


def test_gmmn_with_autoencoder_matches_codes_and_decodes():
    # the ring embedded linearly in 10 dimensions: a 2-unit code suffices
    A = np.random.default_rng(7).normal(size=(2, 10))
    X, _ = ring(2000, seed=0)
    gmmn = GMMN(max_iter=60, autoencoder_layer_sizes=(32, 2), autoencoder_max_iter=30,
                random_state=0, **SMALL).fit(X @ A)
    assert gmmn.encoder_.layer_sizes == (10, 32, 2)
    assert gmmn.decoder_.layer_sizes == (2, 32, 10)
    assert gmmn.generator_.layer_sizes[-1] == 2
    assert gmmn.reconstruction_error_ < 0.01  # measured 0.0035 (standardised scale)
    samples = gmmn.sample(1000, random_state=1)
    assert samples.shape == (1000, 10)
    back = samples @ np.linalg.pinv(A)
    assert np.all(mode_coverage(back)[1] > 0)
    assert mmd2_unbiased(back, ring(1000, seed=1)[0], BANDWIDTH) < THRESHOLD  # measured 0.021


def test_bandwidths_are_validated_and_used():
    X, _ = ring(200, seed=0)
    gmmn = GMMN(max_iter=1, bandwidths=[0.1, 1.0], random_state=0, **SMALL).fit(X)
    np.testing.assert_array_equal(gmmn.bandwidths_, [0.1, 1.0])
    with pytest.raises(ValueError, match="bandwidths"):
        GMMN(max_iter=1, bandwidths=[0.1, -1.0]).fit(X)
    with pytest.raises(ValueError, match="code size"):
        GMMN(max_iter=1, autoencoder_layer_sizes=()).fit(X)
