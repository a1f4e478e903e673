import itertools

import numpy as np
import pytest


def all_binary_states(n_features):
    """Every binary vector of length ``n_features`` (2**n_features rows)."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=n_features)))


def total_variation_to_exact(samples, log_prob_of_states, n_features):
    """TV distance between the empirical distribution of binary ``samples``
    and the exact distribution given on ``all_binary_states`` order."""
    codes = samples.astype(np.int64) @ (2 ** np.arange(n_features)[::-1])
    empirical = np.bincount(codes, minlength=2**n_features) / samples.shape[0]
    return 0.5 * np.abs(empirical - np.exp(log_prob_of_states)).sum()


@pytest.fixture
def random_binary():
    rng = np.random.default_rng(0)
    return (rng.random((200, 10)) < np.linspace(0.1, 0.8, 10)).astype(np.float64)


def independent_bernoulli_log_prob(X_train, X_test):
    p = np.clip(X_train.mean(axis=0), 1e-3, 1 - 1e-3)
    return (X_test * np.log(p) + (1 - X_test) * np.log1p(-p)).sum(axis=1)
