"""scikit-learn's estimator checks over every public estimator.

One list for the whole package: ``skgenerative.all_estimators()``, with the
estimators built on the models (``include_applications=True``). Parameters
that make an estimator quick enough for the checks go in ``CHECK_PARAMS``
(``tests/_estimators.py``, shared with ``tests/test_contract.py``);
checks expected to fail go in ``EXPECTED_FAILED_CHECKS`` with the reason.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.utils.estimator_checks import parametrize_with_checks

import skgenerative

from tests._estimators import CHECK_PARAMS

#: {class name: {check name: reason}}; never skip silently.
EXPECTED_FAILED_CHECKS = {
    "CategoricalRBM": {
        "check_fit_idempotent": (
            "scores a held-out split of real-valued data: every value is a category "
            "unseen in training, which handle_unknown='error' (the default, as "
            "OneHotEncoder's) rejects with a ValueError; scikit-learn checks its own "
            "OneHotEncoder with handle_unknown='ignore' for the same reason"
        ),
    },
    **{
        name: {
            check: (
                "score_samples scores sequences: without lengths the rows are one "
                "sequence, and a subset or permutation of its frames is another sequence "
                "(other histories), so per-row invariance does not apply"
            )
            for check in ("check_methods_subset_invariance",
                          "check_methods_sample_order_invariance")
        }
        for name in ("ConditionalRBM", "RNNRBM")
    },
    "GatedRBM": {
        "check_n_features_in_after_fitting": (
            "predict and sample take the inputs x alone (n_input_features columns) "
            "as well as whole [x | y] rows; with n_input_features=1 (CHECK_PARAMS: "
            "the checks' arrays have 2 or an odd number of columns) the check's "
            "one-column X is valid input to predict (transform and score_samples "
            "reject it)"
        ),
    },
}


def _estimators():
    return skgenerative.all_estimators(include_applications=True)


def _instances():
    return [cls(**CHECK_PARAMS.get(name, {})) for name, cls in _estimators()]


def _expected_failed(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def test_every_public_estimator_is_checked():
    assert len(_instances()) == len(_estimators())


# The checks feed real-valued data to models with binary visibles: they warn
# (DESIGN §8, out-of-support input is a warning, never an error) and must pass.
@pytest.mark.filterwarnings("ignore::skgenerative.exceptions.OutOfSupportWarning")
@parametrize_with_checks(_instances(), expected_failed_checks=_expected_failed)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", _instances(), ids=lambda e: type(e).__name__)
def test_fitted_estimator_pickles_to_identical_scores(estimator):
    rng = np.random.default_rng(0)
    X = (rng.random((40, 6)) < 0.4).astype(np.float64)
    estimator.set_params(**_seed_params(estimator))
    if is_classifier(estimator):  # class-aware models: compare probabilities
        estimator.fit(X, (X[:, 0] > 0).astype(int))
        clone = pickle.loads(pickle.dumps(estimator))
        np.testing.assert_array_equal(clone.predict_proba(X), estimator.predict_proba(X))
        return
    estimator.fit(X)
    clone = pickle.loads(pickle.dumps(estimator))
    if not hasattr(estimator, "score_samples") and not hasattr(estimator, "score"):  # imputers
        X_missing = np.where(np.eye(*X.shape, dtype=bool), np.nan, X)
        np.testing.assert_array_equal(clone.transform(X_missing), estimator.transform(X_missing))
        return
    if not hasattr(estimator, "score_samples"):  # no likelihood (GAN, denoising models)
        assert clone.score(X) == estimator.score(X)
        if hasattr(estimator, "transform"):
            np.testing.assert_array_equal(clone.transform(X), estimator.transform(X))
        if hasattr(estimator, "sample"):
            np.testing.assert_array_equal(clone.sample(5), estimator.sample(5))
        return
    np.testing.assert_array_equal(clone.score_samples(X), estimator.score_samples(X))


def _seed_params(estimator):
    return {"random_state": 0} if "random_state" in estimator.get_params() else {}
