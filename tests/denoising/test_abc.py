import numpy as np
import pytest

from skgenerative.denoising import abc_adjust


def test_reweighting_matches_the_target_and_is_the_exponential_tilt():
    x = np.random.default_rng(0).standard_normal((20000, 1))
    w = abc_adjust(x, lambda s: s, [0.5])
    assert abs(w.sum() - 1) < 1e-12 and np.all(w >= 0)
    np.testing.assert_allclose(w @ x[:, 0], 0.5, atol=1e-6)
    # tilting N(0, 1) by exp(lambda x) gives N(lambda, 1): the weights are
    # proportional to exp(0.5 x) up to the sample's own noise
    ratio = w / np.exp(0.5 * x[:, 0])
    assert ratio.std() / ratio.mean() < 0.05


def test_rejection_keeps_samples_of_the_tilted_distribution():
    rng = np.random.default_rng(1)
    X = (rng.random((20000, 4)) < 0.3).astype(float)
    target = [0.5, 0.3]  # first unit's mean up to 0.5; mean activity 0.3

    def stats(S):
        return np.column_stack([S[:, 0], S.mean(axis=1)])

    kept = abc_adjust(X, stats, target, method="reject", random_state=0)
    assert 2000 < kept.shape[0] < X.shape[0]
    np.testing.assert_allclose(stats(kept).mean(axis=0), target, atol=0.02)


def test_unreachable_target_and_bad_arguments_raise():
    x = np.random.default_rng(0).random((100, 1))
    with pytest.raises(ValueError, match="no weighting"):
        abc_adjust(x, lambda s: s, [2.0])
    with pytest.raises(ValueError, match="shape"):
        abc_adjust(x, lambda s: s, [0.5, 0.5])
    with pytest.raises(ValueError, match="method"):
        abc_adjust(x, lambda s: s, [0.5], method="bogus")
