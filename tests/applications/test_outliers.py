"""DensityOutlierDetector: scikit-learn's outlier-detector contract over a
skgenerative density model (the estimator checks run in tests/test_common.py)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from skgenerative import FVSBN, IWAE, DensityOutlierDetector, LinearGaussianAutoregressive
from skgenerative.applications._outliers import default_density_model
from skgenerative.datasets import load_binarized_digits


@pytest.fixture(scope="module")
def digits_nines_out():
    """Binarized digits: 0-8 to train on; held-out 0-8 and every 9 to rank."""
    X, y = load_binarized_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    inliers = rng.permutation(np.flatnonzero(y != 9))
    train, test = inliers[:1200], inliers[1200:]
    X_test = np.vstack([X[test], X[y == 9]])
    is_inlier = np.r_[np.ones(len(test)), np.zeros(np.sum(y == 9))]
    return X[train], X_test, is_inlier


def test_scores_are_the_models_log_likelihoods_and_predict_follows_their_sign(
    digits_nines_out,
):
    X_train, X_test, _ = digits_nines_out
    model = FVSBN(max_iter=5, random_state=0)
    det = DensityOutlierDetector(model, contamination=0.1, baseline_weight=0).fit(X_train)
    assert det.model_ is not model and not hasattr(model, "n_iter_")  # cloned
    reference = clone(model).fit(X_train)
    np.testing.assert_array_equal(det.score_samples(X_test), reference.score_samples(X_test))
    decision = det.decision_function(X_test)
    np.testing.assert_allclose(decision, det.score_samples(X_test) - det.offset_)
    np.testing.assert_array_equal(det.predict(X_test), np.where(decision < 0, -1, 1))
    assert det.score_kind_ == "exact"


@pytest.mark.parametrize("binary", [True, False])
def test_baseline_weight_subtracts_the_independent_feature_log_likelihood(
    digits_nines_out, binary,
):
    X_train, X_test, _ = digits_nines_out
    if not binary:
        noise = np.random.default_rng(0)
        X_train = X_train + 0.1 * noise.standard_normal(X_train.shape)
        X_test = X_test + 0.1 * noise.standard_normal(X_test.shape)
    model = FVSBN(max_iter=2, random_state=0) if binary else IWAE(
        n_components=2, encoder_layer_sizes=(8,), decoder_layer_sizes=(8,), max_iter=1,
        likelihood="gaussian", n_importance_samples=5, random_state=0)
    plain = DensityOutlierDetector(model, baseline_weight=0).fit(X_train)
    det = DensityOutlierDetector(model, baseline="independent", baseline_weight=0.5).fit(X_train)
    if binary:
        p = np.clip(X_train.mean(0), 1e-3, 1 - 1e-3)
        independent = np.log(np.where(X_test == 1, p, 1 - p)).sum(1)
    else:
        var = np.maximum(X_train.var(0), 0.2 * X_train.var())
        independent = np.log(
            np.exp(-0.5 * (X_test - X_train.mean(0)) ** 2 / var) / np.sqrt(2 * np.pi * var)
        ).sum(1)
    np.testing.assert_allclose(det.score_samples(X_test),
                               plain.score_samples(X_test) - 0.5 * independent, rtol=1e-10)
    # the threshold is the same quantile of the training scores, now of the ratio
    assert det.offset_ == pytest.approx(np.percentile(det.score_samples(X_train), 1.0))


@pytest.mark.parametrize("binary", [True, False])
def test_linear_baseline_is_the_fully_visible_model_of_the_training_data(
    digits_nines_out, binary,
):
    X_train, X_test, _ = digits_nines_out
    X_train, X_test = X_train[:400], X_test[:200]
    if not binary:
        noise = np.random.default_rng(0)
        X_train = X_train + 0.1 * noise.standard_normal(X_train.shape)
        X_test = X_test + 0.1 * noise.standard_normal(X_test.shape)
    model = FVSBN(max_iter=2, random_state=0) if binary else LinearGaussianAutoregressive()
    plain = DensityOutlierDetector(model, baseline_weight=0).fit(X_train)
    det = DensityOutlierDetector(model, baseline="linear", random_state=3).fit(X_train)
    background = det.baseline_[1]
    if binary:  # an FVSBN() at its defaults, seeded by the detector's random_state
        assert isinstance(background, FVSBN) and background.random_state is not None
        reference = FVSBN(random_state=background.random_state).fit(X_train)
    else:  # a full-covariance Gaussian, conditional variances floored at var(X) / 5
        assert isinstance(background, LinearGaussianAutoregressive)
        reference = LinearGaussianAutoregressive(min_variance=0.2 * X_train.var()).fit(X_train)
    np.testing.assert_allclose(background.score_samples(X_test), reference.score_samples(X_test))
    np.testing.assert_allclose(det.score_samples(X_test),
                               plain.score_samples(X_test) - 0.5 * reference.score_samples(X_test),
                               rtol=1e-10)
    again = DensityOutlierDetector(model, baseline="linear", random_state=3).fit(X_train)
    np.testing.assert_array_equal(again.score_samples(X_test), det.score_samples(X_test))


@pytest.mark.parametrize("contamination, share", [("auto", 0.01), (0.1, 0.1), (0.25, 0.25)])
def test_contamination_is_the_share_of_training_data_flagged(digits_nines_out, contamination,
                                                             share):
    X_train = digits_nines_out[0]
    det = DensityOutlierDetector(FVSBN(max_iter=3, random_state=0),
                                 contamination=contamination).fit(X_train)
    flagged = np.mean(det.predict(X_train) == -1)
    assert abs(flagged - share) <= 1.0 / len(X_train) + 1e-12


def test_ranks_a_held_out_digit_as_outliers(digits_nines_out):
    # FVSBN() at its defaults ranks the 9s at ROC AUC 0.78 (benchmarks/bench_applications.py)
    X_train, X_test, is_inlier = digits_nines_out
    det = DensityOutlierDetector(FVSBN(max_iter=20), random_state=0).fit(X_train)
    assert roc_auc_score(is_inlier, det.score_samples(X_test)) > 0.7
    # most outliers score below most inliers
    assert np.mean(det.decision_function(X_test)[is_inlier == 0]) < np.mean(
        det.decision_function(X_test)[is_inlier == 1])


def test_random_state_seeds_an_unseeded_model_only(digits_nines_out):
    X = digits_nines_out[0][:300]
    first = DensityOutlierDetector(FVSBN(max_iter=2), random_state=1).fit(X)
    again = DensityOutlierDetector(FVSBN(max_iter=2), random_state=1).fit(X)
    np.testing.assert_array_equal(first.score_samples(X), again.score_samples(X))
    assert first.model_.random_state is not None
    seeded = DensityOutlierDetector(FVSBN(max_iter=2, random_state=7), random_state=1).fit(X)
    assert seeded.model_.random_state == 7


def test_default_model_matches_the_kind_of_data():
    binary = np.array([[0.0, 1.0], [1.0, 0.0]])
    grey = np.array([[0.0, 0.5], [1.0, 0.25]])
    assert isinstance(default_density_model(binary), IWAE)
    assert default_density_model(binary).likelihood == "bernoulli"
    assert default_density_model(grey).likelihood == "gaussian"
    # the variance floor scales with the data
    assert default_density_model(10 * grey).min_variance == pytest.approx(
        100 * default_density_model(grey).min_variance)
    assert DensityOutlierDetector().model is None  # chosen at fit, never stored
    assert DensityOutlierDetector().baseline == "independent"


def test_bad_input_to_a_fitted_detector_raises(digits_nines_out):
    X_train = digits_nines_out[0][:200]
    det = DensityOutlierDetector(FVSBN(max_iter=2, random_state=0)).fit(X_train)
    with pytest.raises(ValueError, match="features"):
        det.predict(X_train[:, :10])
    with pytest.raises(ValueError):
        DensityOutlierDetector(contamination=0.7).fit(X_train)
