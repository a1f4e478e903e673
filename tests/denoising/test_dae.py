"""DenoisingAutoencoder: the exact chain of a tiny model against the data,
clamping, walk-back gradients, scores."""

import itertools

import numpy as np
import pytest

from skgenerative.denoising import DenoisingAutoencoder
from skgenerative.denoising._corruption import corrupt
from skgenerative.denoising._dae import (
    _denoising_loglik_and_grads,
    _reconstruction,
    _walkback_objective_and_grads,
)
from skgenerative.nn import MLP, BernoulliHead, GaussianHead, sigmoid

STATES = np.array(list(itertools.product([0, 1], repeat=6)), dtype=np.float64)


def _data_distribution():
    """Two prototypes with independent flips (probability 0.1), a known
    distribution over the 64 states."""
    protos = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 1, 1]], dtype=float)
    flips = np.abs(STATES[:, None, :] - protos[None]).sum(axis=2)
    return (0.1**flips * 0.9 ** (6 - flips)).mean(axis=1)


def _state_index(X):
    return (X.astype(int) * (2 ** np.arange(5, -1, -1))).sum(axis=1)


def _corruption_matrix(noise, level):
    """``C[x, x~]`` over the 64 states, by the product of the per-unit
    corruption probabilities (written here from the definitions)."""
    if noise == "salt_pepper":
        unit = np.array([[1 - level / 2, level / 2], [level / 2, 1 - level / 2]])
    else:  # mask
        unit = np.array([[1.0, 0.0], [level, 1 - level]])
    C = np.ones((64, 64))
    for j in range(6):
        C *= unit[STATES[:, j].astype(int)][:, STATES[:, j].astype(int)]
    return C


def _transition(dae):
    """``T[x, x'] = sum_x~ C(x~ | x) p(x' | x~)`` of the fitted model (exact)."""
    probs = sigmoid(_reconstruction(dae.encoder_, dae.decoder_, STATES))
    P = np.prod(np.where(STATES[None] == 1, probs[:, None], 1 - probs[:, None]), axis=2)
    return _corruption_matrix(dae.noise_, dae.noise_level_) @ P, probs


def _stationary(T):
    pi = np.full(T.shape[0], 1.0 / T.shape[0])
    for _ in range(2000):
        pi = pi @ T
    return pi / pi.sum()


def _tv(p, q):
    return 0.5 * np.abs(p - q).sum()


@pytest.fixture(scope="module")
def trained():
    p_data = _data_distribution()
    rng = np.random.default_rng(0)
    X = STATES[rng.choice(64, size=2000, p=p_data)]
    # salt-and-pepper noise at level 0.2, one sigmoid layer each way (the
    # chain's exact transition below is written for these corruptions)
    params = dict(n_components=16, learning_rate=0.01, batch_size=50, noise="salt_pepper",
                  noise_level=0.2, activation="sigmoid", decoder_layer_sizes=(), walkback=1,
                  random_state=0)
    untrained = DenoisingAutoencoder(max_iter=0, **params).fit(X)
    dae = DenoisingAutoencoder(max_iter=40, **params).fit(X)
    return p_data, X, untrained, dae


def test_corruption_matrix_matches_sampled_corruption():
    rng = np.random.default_rng(0)
    for noise in ("salt_pepper", "mask"):
        C = _corruption_matrix(noise, 0.3)
        np.testing.assert_allclose(C.sum(axis=1), 1.0)
        X = np.repeat(STATES[[45]], 20000, axis=0)
        counts = np.bincount(_state_index(corrupt(X, noise, 0.3, rng)), minlength=64)
        assert _tv(counts / counts.sum(), C[45]) < 0.03


def test_chain_stationary_distribution_approaches_data(trained):
    p_data, X, untrained, dae = trained
    tv_before = _tv(_stationary(_transition(untrained)[0]), p_data)
    tv_after = _tv(_stationary(_transition(dae)[0]), p_data)
    # measured: 0.65 before training, 0.107 after (the empirical distribution
    # of the 2000 training rows is itself at 0.039)
    assert tv_after < 0.15
    assert tv_after < tv_before / 4


def test_sample_follows_the_exact_chain(trained):
    _, _, _, dae = trained
    T, _ = _transition(dae)
    start = np.zeros(64)
    # chains from the base-rate start: average the start distribution exactly
    m = dae.base_mean_
    start = np.prod(np.where(STATES == 1, m, 1 - m), axis=1)
    expected = start @ np.linalg.matrix_power(T, 5)
    samples = dae.sample(8000, n_steps=5, random_state=1)
    counts = np.bincount(_state_index(samples), minlength=64)
    assert _tv(counts / counts.sum(), expected) < 0.06


def test_clamped_chain_matches_conditional_of_stationary_distribution(trained):
    p_data, _, _, dae = trained
    T, probs = _transition(dae)
    pi = _stationary(T)
    observed = np.array([1.0, 1.0, 1.0])  # the first three units clamped
    rows = np.flatnonzero((STATES[:, :3] == observed).all(axis=1))
    # the clamped chain over the 8 free configurations, exactly
    C = _corruption_matrix(dae.noise_, dae.noise_level_)
    free_states = STATES[rows][:, 3:]
    P_free = np.prod(
        np.where(free_states[None] == 1, probs[:, None, 3:], 1 - probs[:, None, 3:]), axis=2
    )
    clamped = _stationary(C[rows] @ P_free)
    conditional = pi[rows] / pi[rows].sum()
    data_conditional = p_data[rows] / p_data[rows].sum()
    # measured: 0.056 and 0.112; the DAE chain lacks detailed balance, so the
    # clamped chain samples the stationary conditional only approximately
    assert _tv(clamped, conditional) < 0.1
    assert _tv(clamped, data_conditional) < 0.16
    # impute runs that clamped chain
    X = np.tile(np.r_[observed, np.nan, np.nan, np.nan], (6000, 1))
    imputed = dae.impute(X, method="chain", n_steps=20, random_state=0)
    np.testing.assert_array_equal(imputed[:, :3], 1.0)
    counts = np.bincount(_state_index(imputed) - rows[0], minlength=8)
    assert _tv(counts / counts.sum(), clamped) < 0.05


def _fd_check(objective, params, grads, rtol=1e-4):
    rng = np.random.default_rng(0)
    assert set(grads) == set(params)
    for key, value in params.items():
        for _ in range(3):
            i = tuple(rng.integers(0, s) for s in value.shape)
            old = value[i]
            value[i] = old + 1e-6
            up = objective()
            value[i] = old - 1e-6
            down = objective()
            value[i] = old
            np.testing.assert_allclose(grads[key][i], (up - down) / 2e-6, rtol=rtol, atol=1e-7)


@pytest.mark.parametrize("head", [BernoulliHead(), GaussianHead(0.05)], ids=["bern", "gauss"])
def test_denoising_gradient_matches_finite_differences(head):
    rng = np.random.default_rng(1)
    enc = MLP([4, 5, 3], "tanh", "sigmoid", random_state=0, prefix="enc_")
    dec = MLP([3, 6, head.n_outputs(4)], "tanh", random_state=1, prefix="dec_")
    X = (rng.random((5, 4)) < 0.5).astype(float)
    X_tilde = corrupt(X, "gaussian", 0.5, rng)
    _, _, grads = _denoising_loglik_and_grads(enc, dec, head, X, X_tilde, 1.0 / 5)

    def objective():
        return _denoising_loglik_and_grads(enc, dec, head, X, X_tilde, 1.0)[0].mean()

    _fd_check(objective, {**enc.params, **dec.params}, grads)


@pytest.mark.parametrize("noise", ["salt_pepper", "gaussian"])
def test_walkback_gradient_matches_finite_differences(noise):
    # the walk's samples are constants of the gradient: a fixed seed replays
    # the same walk (a perturbation of 1e-6 flips no sample)
    rng = np.random.default_rng(2)
    head = BernoulliHead()
    enc = MLP([4, 3], "sigmoid", "sigmoid", random_state=0, prefix="enc_")
    dec = MLP([3, 4], "sigmoid", random_state=1, prefix="dec_")
    X = (rng.random((6, 4)) < 0.5).astype(float)

    def corruption(state, gen):
        return corrupt(state, noise, 0.3, gen)

    def run():
        return _walkback_objective_and_grads(
            enc, dec, head, X, corruption, 3, np.random.default_rng(5)
        )

    _, grads = run()
    _fd_check(lambda: run()[0].mean(), {**enc.params, **dec.params}, grads)


def test_walkback_one_step_is_the_denoising_criterion():
    rng = np.random.default_rng(3)
    head = BernoulliHead()
    enc = MLP([4, 3], "sigmoid", "sigmoid", random_state=0, prefix="enc_")
    dec = MLP([3, 4], "sigmoid", random_state=1, prefix="dec_")
    X = (rng.random((6, 4)) < 0.5).astype(float)
    X_tilde = corrupt(X, "mask", 0.3, np.random.default_rng(7))
    ll, _, grads = _denoising_loglik_and_grads(enc, dec, head, X, X_tilde, 1.0 / 6)
    obj, wgrads = _walkback_objective_and_grads(
        enc, dec, head, X, lambda s, g: corrupt(s, "mask", 0.3, g), 1, np.random.default_rng(7)
    )
    np.testing.assert_allclose(obj, ll)
    for key in grads:
        np.testing.assert_allclose(wgrads[key], grads[key])


def test_walkback_training_gives_a_valid_chain(trained):
    p_data, X, _, one_step = trained
    params = {**one_step.get_params(), "walkback": 3, "max_iter": 15}
    dae = DenoisingAutoencoder(**params).fit(X)
    # measured: TV 0.65 untrained. Walk-back pairs corrupted walk samples with
    # the example, whose best reconstruction distribution is broader than the
    # one-step one: on this problem the learned chain is smoother than the
    # data (entropy above the data's) and its TV larger than with walkback=1
    pi = _stationary(_transition(dae)[0])
    print("walkback=3 TV", _tv(pi, p_data))
    assert _tv(pi, p_data) < 0.3


def test_score_is_the_mean_denoising_log_likelihood(trained):
    _, X, untrained, dae = trained
    assert dae.score_kind_ == "denoising"
    assert dae.score(X[:200]) > untrained.score(X[:200])
    # exact expectation over the corruption, from the enumerated chain pieces
    _, probs = _transition(dae)
    C = _corruption_matrix(dae.noise_, dae.noise_level_)
    log_p = np.log(np.where(STATES[None] == 1, probs[:, None], 1 - probs[:, None])).sum(axis=2)
    rows = _state_index(X[:200])
    exact = np.einsum("ik,ki->i", C[rows], log_p[:, rows]).mean()
    dae_many = DenoisingAutoencoder(**{**dae.get_params(), "n_score_samples": 200})
    dae_many.__dict__.update({k: v for k, v in vars(dae).items() if k.endswith("_")})
    assert abs(dae_many.score(X[:200]) - exact) < 0.05
    # deterministic and independent of the other rows
    assert dae.score(X[:50]) == dae.score(X[:50])
    one = np.mean([dae.score(X[i : i + 1]) for i in range(10)])
    np.testing.assert_allclose(one, dae.score(X[:10]))


def test_gaussian_reconstruction_on_real_data():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((300, 1))
    X = np.hstack([z, 2 * z + 0.1 * rng.standard_normal((300, 1))])
    dae = DenoisingAutoencoder(n_components=16, likelihood="gaussian", noise="gaussian",
                               noise_level=0.5, activation="tanh", decoder_layer_sizes=(),
                               walkback=1,
                               learning_rate=0.01,
                               max_iter=60, random_state=0).fit(X)
    samples = dae.sample(500, n_steps=30, random_state=0)
    # the chain stays near the data's line x2 = 2 x1 (measured: correlation
    # 0.905, std of x1 0.77). Its mean drifts along the line (measured -0.7
    # for x1): 300 rows teach little about the tails
    assert np.corrcoef(samples.T)[0, 1] > 0.85
    assert 0.5 < samples[:, 0].std() < 1.5


def test_impute_checks_its_input(trained):
    _, X, _, dae = trained
    with pytest.raises(ValueError, match="shape"):
        dae.impute(X[:3], np.zeros((3, 5), dtype=bool))
    with pytest.raises(ValueError, match="finite"):
        bad = X[:3].copy()
        bad[0, 0] = np.inf
        dae.impute(bad, np.zeros((3, 6), dtype=bool))
    with pytest.raises(ValueError, match="noise_level"):
        DenoisingAutoencoder(noise_level=1.5, max_iter=1).fit(X)


def test_auto_noise_hides_binary_units_and_flips_grey_ones():
    """``noise="auto"`` hides units (0.5) only in binary data, where 0.5 is
    never a value; grey levels get salt-and-pepper noise at 0.2, and
    ``impute`` then weighs chain samples instead of pseudo-Gibbs."""
    rng = np.random.default_rng(0)
    binary = (rng.random((60, 6)) < 0.5).astype(float)
    grey = rng.random((60, 6))
    small = dict(n_components=4, decoder_layer_sizes=(), max_iter=1, random_state=0)
    dae = DenoisingAutoencoder(**small).fit(binary)
    assert (dae.noise_, dae.noise_level_) == ("missing", 0.5)
    assert dae._auto_impute_method() == "gibbs"
    dae = DenoisingAutoencoder(**small).fit(grey)
    assert (dae.noise_, dae.noise_level_) == ("salt_pepper", 0.2)
    assert dae._auto_impute_method() == "importance"
    corrupted = dae._corrupt(grey, np.random.default_rng(1))
    changed = corrupted != grey
    assert set(np.unique(corrupted[changed])) <= {0.0, 1.0}
    assert 0.1 < changed.mean() < 0.3  # 0.2 of the units
    with pytest.raises(ValueError, match="trained with noise='salt_pepper'"):
        dae.impute(grey[:2], np.ones((2, 6), dtype=bool), method="gibbs")
    # explicit settings are kept; "auto" level follows the chosen noise
    dae = DenoisingAutoencoder(noise="mask", **small).fit(binary)
    assert (dae.noise_, dae.noise_level_) == ("mask", 0.2)
    dae = DenoisingAutoencoder(noise="missing", noise_level=0.3, **small).fit(grey)
    assert (dae.noise_, dae.noise_level_) == ("missing", 0.3)
