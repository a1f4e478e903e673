"""GenerativeImputer: scikit-learn's imputer contract over a model's ``impute``
(the estimator checks run in tests/test_common.py)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skgenerative import DBM, MPDBM, DenoisingAutoencoder, GenerativeImputer, OrderAgnosticNADE
from skgenerative.applications._imputer import hot_deck_fill
from skgenerative.datasets import load_binarized_digits


@pytest.fixture(scope="module")
def digits():
    X, y = load_binarized_digits(return_X_y=True)
    mask = np.random.default_rng(0).random(X.shape) < 0.3
    return X, y, mask


def _with_nan(X, mask):
    return np.where(mask, np.nan, X)


def test_fills_only_the_missing_entries_with_the_models_conditional_means(digits):
    X, _, mask = digits
    model = OrderAgnosticNADE(n_components=16, max_iter=3, random_state=0)
    imp = GenerativeImputer(model).fit(X[:1000])
    assert imp.model_ is not model and not hasattr(model, "n_iter_")  # cloned
    X_missing = _with_nan(X[1000:], mask[1000:])
    filled = imp.transform(X_missing)
    reference = clone(model).fit(X[:1000]).impute(X_missing)
    np.testing.assert_array_equal(filled, reference)
    np.testing.assert_array_equal(filled[~mask[1000:]], X[1000:][~mask[1000:]])
    assert not np.isnan(filled).any() and np.all((filled >= 0) & (filled <= 1))
    np.testing.assert_array_equal(imp.transform(X[1000:]), X[1000:])  # nothing missing


def test_imputes_digits_better_than_the_column_means(digits):
    X, _, mask = digits
    model = OrderAgnosticNADE(n_components=50, max_iter=20, learning_rate=1e-2)
    imp = GenerativeImputer(model, random_state=0)
    filled = imp.fit(X[:1400]).transform(_with_nan(X[1400:], mask[1400:]))
    means = SimpleImputer().fit(X[:1400]).transform(_with_nan(X[1400:], mask[1400:]))
    missing, truth = mask[1400:], X[1400:][mask[1400:]]
    error = np.mean((filled[missing] >= 0.5) != truth)
    assert error < np.mean((means[missing] >= 0.5) != truth) - 0.05


def test_models_taking_a_mask_and_posterior_samples(digits):
    X, _, mask = digits
    X_missing = _with_nan(X[1500:1530], mask[1500:1530])
    dbm = DBM(hidden_layer_sizes=(8, 4), max_iter=2, pretrain_max_iter=2, random_state=0)
    filled = GenerativeImputer(dbm).fit(X[:300]).transform(X_missing)
    expected = clone(dbm).fit(X[:300]).impute(np.nan_to_num(X_missing), mask[1500:1530])
    np.testing.assert_array_equal(filled, np.where(mask[1500:1530], expected, X_missing))
    for model in (dbm, OrderAgnosticNADE(n_components=8, max_iter=2)):
        draws = GenerativeImputer(model, sample_posterior=True, random_state=0).fit(
            X[:300]).transform(X_missing)
        assert set(np.unique(draws[mask[1500:1530]])) <= {0.0, 1.0}
    # models that draw unless told mean=True (denoising, diffusion)
    dae = DenoisingAutoencoder(n_components=8, max_iter=2, n_steps=3, random_state=0)
    filled = GenerativeImputer(dae).fit(X[:300]).transform(X_missing)
    expected = clone(dae).fit(X[:300]).impute(np.nan_to_num(X_missing), mask[1500:1530],
                                               mean=True)
    np.testing.assert_array_equal(filled, np.where(mask[1500:1530], expected, X_missing))
    draws = GenerativeImputer(dae, sample_posterior=True).fit(X[:300]).transform(X_missing)
    assert set(np.unique(draws[mask[1500:1530]])) <= {0.0, 1.0}
    mpdbm = GenerativeImputer(MPDBM(hidden_layer_sizes=(8,), max_iter=1), sample_posterior=True)
    with pytest.raises(ValueError, match="cannot sample"):
        mpdbm.fit(X[:200], np.arange(200) % 2).transform(X_missing)


def test_trains_on_data_with_missing_entries_inside_a_pipeline(digits):
    X, y, mask = digits
    X_missing = _with_nan(X, mask)
    model = OrderAgnosticNADE(n_components=32, max_iter=10, learning_rate=1e-2)
    scores = [
        make_pipeline(imputer, LogisticRegression(max_iter=500))
        .fit(X_missing[:1400], y[:1400]).score(X_missing[1400:], y[1400:])
        for imputer in (GenerativeImputer(model, random_state=0), SimpleImputer())
    ]
    assert scores[0] > scores[1]


def test_hot_deck_fill_draws_observed_values_of_the_same_column():
    X = np.array([[0.0, 5.0, np.nan], [1.0, np.nan, np.nan], [np.nan, 7.0, np.nan]])
    missing = np.isnan(X)
    filled = hot_deck_fill(X, missing, np.random.default_rng(0))
    np.testing.assert_array_equal(filled[~missing], X[~missing])
    assert filled[2, 0] in (0.0, 1.0) and filled[1, 1] in (5.0, 7.0)
    np.testing.assert_array_equal(filled[:, 2], 0.0)  # never observed
