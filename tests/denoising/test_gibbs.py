"""``impute(method="gibbs")``: pseudo-Gibbs sampling with the conditionals a
DAE learns under the ``"missing"`` corruption, against the exact chain of a
tiny model and the exact conditional of its data distribution."""

import itertools

import numpy as np
import pytest

from skgenerative.denoising import DenoisingAutoencoder, GenerativeStochasticNetwork
from skgenerative.denoising._corruption import MISSING_VALUE, corrupt
from skgenerative.denoising._dae import _reconstruction
from skgenerative.nn import sigmoid
from tests.denoising.test_dae import STATES, _data_distribution, _stationary, _tv

#: The first three units, observed (between the two prototypes: the data's
#: conditional of the last three is bimodal); the last three missing.
OBSERVED = np.array([0.0, 1.0, 1.0])
FREE = np.array(list(itertools.product([0, 1], repeat=3)), dtype=np.float64)
SUBSETS = FREE.astype(bool)  # which free units a step hides


@pytest.fixture(scope="module")
def fitted():
    p_data = _data_distribution()
    rng = np.random.default_rng(0)
    X = STATES[rng.choice(64, size=8000, p=p_data)]
    # one-step denoising: the reconstruction is trained towards the
    # conditionals themselves (walk-back would broaden them)
    dae = DenoisingAutoencoder(n_components=32, decoder_layer_sizes=(32,), walkback=1,
                               batch_size=50, max_iter=20, random_state=0).fit(X)
    return p_data, dae


def _free_index(F):
    return (F.astype(int) * np.array([4, 2, 1])).sum(axis=1)


def _exact_chain(dae, observed=OBSERVED):
    """The clamped pseudo-Gibbs chain over the 8 free configurations:
    ``T[f, f'] = sum_D q^|D| (1-q)^(3-|D|) prod_{j in D} p(f'_j | x~)
    [f'_j = f_j off D]``, ``x~`` = the observed units, ``f`` off ``D`` and
    ``MISSING_VALUE`` on ``D`` (written here from the definition)."""
    q = dae.noise_level_
    T = np.zeros((8, 8))
    for a, f in enumerate(FREE):
        for D in SUBSETS:
            x_tilde = np.concatenate([observed, np.where(D, MISSING_VALUE, f)])[None]
            probs = sigmoid(_reconstruction(dae.encoder_, dae.decoder_, x_tilde))[0, 3:]
            weight = q ** D.sum() * (1 - q) ** (3 - D.sum())
            for b, g in enumerate(FREE):
                if np.any(~D & (g != f)):
                    continue
                T[a, b] += weight * np.prod(np.where(D, np.where(g == 1, probs, 1 - probs), 1))
    return T


def _data_conditional(p_data, observed=OBSERVED):
    rows = np.flatnonzero((STATES[:, :3] == observed).all(axis=1))
    return p_data[rows] / p_data[rows].sum()


def test_missing_corruption_hides_units():
    rng = np.random.default_rng(0)
    X = (rng.random((4000, 5)) < 0.5).astype(np.float64)
    X_tilde = corrupt(X, "missing", 0.3, rng)
    hidden = X_tilde == MISSING_VALUE
    assert abs(hidden.mean() - 0.3) < 0.01
    np.testing.assert_array_equal(X_tilde[~hidden], X[~hidden])


def test_gibbs_imputation_follows_the_exact_chain(fitted):
    p_data, dae = fitted
    T = _exact_chain(dae)
    np.testing.assert_allclose(T.sum(axis=1), 1.0)
    pi = _stationary(T)
    X = np.tile(np.r_[OBSERVED, [np.nan] * 3], (4000, 1))
    imputed = dae.impute(X, method="gibbs", n_steps=20, random_state=0)
    np.testing.assert_array_equal(imputed[:, :3], np.tile(OBSERVED, (4000, 1)))
    counts = np.bincount(_free_index(imputed[:, 3:]), minlength=8)
    # sampling error of 4000 draws over 8 states: about 0.02
    assert _tv(counts / counts.sum(), pi) < 0.04
    # the Rao-Blackwellised means: the chain's marginals
    means = dae.impute(X[:200], method="gibbs", n_steps=100, random_state=1, mean=True)
    np.testing.assert_allclose(means[:, 3:].mean(axis=0), pi @ FREE, atol=0.02)
    # the default method of a DAE trained with noise="missing"
    np.testing.assert_array_equal(dae.impute(X[:50], n_steps=5, random_state=2),
                                  dae.impute(X[:50], method="gibbs", n_steps=5,
                                             random_state=2))


def test_gibbs_imputation_approaches_the_data_conditional(fitted):
    p_data, dae = fitted
    # near a prototype the chain's conditional is the data's (measured: TV
    # 0.026 for the observed units (1, 1, 1); 0.63 before training)
    near = np.ones(3)
    exact = _data_conditional(p_data, near)
    pi = _stationary(_exact_chain(dae, near))
    assert _tv(pi, exact) < 0.06
    # between the prototypes the data's conditional puts 0.365 on each of
    # (0, 0, 0) and (1, 1, 1): the chain's marginals (which the imputed
    # means estimate) match (measured: 0.471, 0.530, 0.473 against 0.5),
    # its joint is less sharp (TV 0.153, 0.50 before training: the learned
    # conditionals are not those of one joint distribution)
    exact = _data_conditional(p_data)
    pi = _stationary(_exact_chain(dae))
    np.testing.assert_allclose(pi @ FREE, exact @ FREE, atol=0.07)
    assert _tv(pi, exact) < 0.25
    # one reconstruction with every missing unit hidden: the marginals too
    # (measured: within 0.012 near the prototype, 0.053 between them)
    for observed in (near, OBSERVED):
        x_tilde = np.r_[observed, [MISSING_VALUE] * 3][None]
        first = sigmoid(_reconstruction(dae.encoder_, dae.decoder_, x_tilde))[0, 3:]
        np.testing.assert_allclose(first, _data_conditional(p_data, observed) @ FREE, atol=0.08)


def test_gibbs_needs_the_missing_corruption():
    rng = np.random.default_rng(0)
    X = (rng.random((60, 6)) < 0.4).astype(float)
    mask = rng.random(X.shape) < 0.3
    dae = DenoisingAutoencoder(n_components=4, noise="salt_pepper", noise_level=0.2,
                               max_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="noise='missing'"):
        dae.impute(X, mask, method="gibbs")
    # its default is the importance-weighted conditional
    np.testing.assert_array_equal(
        dae.impute(X, mask, n_samples=30, n_steps=2, random_state=0),
        dae.impute(X, mask, method="importance", n_samples=30, n_steps=2, random_state=0),
    )
    gsn = GenerativeStochasticNetwork(n_components=4, noise="salt_pepper", max_iter=1,
                                      random_state=0).fit(X)
    with pytest.raises(ValueError, match="noise='missing'"):
        gsn.impute(X, mask, method="gibbs")
    # a row with nothing missing is returned unchanged, the means in [0, 1]
    missing_dae = DenoisingAutoencoder(n_components=4, max_iter=1, random_state=0).fit(X)
    out = missing_dae.impute(X, mask, n_steps=3, random_state=0, mean=True)
    np.testing.assert_array_equal(out[~mask], X[~mask])
    assert np.all((out[mask] > 0) & (out[mask] < 1))


def test_gsn_gibbs_steps_carry_the_latent_state():
    # h_k = f([x~_k, h_{k-1}]) from h_0 = 0, as the GSN's chain and its
    # training walks, restarted from h = 0 every walkback (2) steps, the
    # length of those walks; without latent noise the steps are deterministic
    rng = np.random.default_rng(0)
    X = (rng.random((40, 6)) < 0.4).astype(float)
    gsn = GenerativeStochasticNetwork(n_components=5, noise="missing", noise_level="auto",
                                      hidden_noise=0.0, max_iter=2, random_state=0).fit(X)
    assert gsn.noise_ == "missing" and gsn.noise_level_ == 0.5
    reconstruct = gsn._gibbs_reconstruction(3, np.random.default_rng(1))
    X_tilde = np.where(rng.random((3, 6)) < 0.5, MISSING_VALUE, X[:3])
    f, g = gsn.transition_.predict, gsn.decoder_.predict
    h1 = f(np.hstack([X_tilde, np.zeros((3, 5))]))
    np.testing.assert_allclose(reconstruct(X_tilde), g(h1))
    np.testing.assert_allclose(reconstruct(X_tilde), g(f(np.hstack([X_tilde, h1]))))
    # the third step starts a new walk, the fourth carries it again
    np.testing.assert_allclose(reconstruct(X_tilde), g(h1))
    np.testing.assert_allclose(reconstruct(X_tilde), g(f(np.hstack([X_tilde, h1]))))
    # "auto" on grey levels: salt-and-pepper at 0.3, the default's level
    grey = GenerativeStochasticNetwork(n_components=5, noise="auto", noise_level="auto",
                                       max_iter=1, random_state=0).fit(X * 0.7 + 0.1)
    assert (grey.noise_, grey.noise_level_) == ("salt_pepper", 0.3)
