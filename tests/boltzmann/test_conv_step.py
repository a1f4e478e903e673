"""The "auto" step sizes of ConvolutionalRBM and ConvolutionalDBM: binary
pixels keep the steps the defaults were measured with (bit for bit),
Gaussian pixels get ``0.5 / (beta * filter weights)``, which trains the
defaults on grey digits without diverging and gives good features
(test_defaults-style: digits / 16, 75/25 stratified split at seed 0,
``LogisticRegression(C=100)`` on the features)."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from skgenerative import ConvolutionalDBM, ConvolutionalRBM
from skgenerative.boltzmann._conv_rbm import gaussian_step

#: Raw-pixel LogisticRegression(C=100) reaches 0.962 on this split; the
#: binary defaults' features 0.949 (ConvolutionalRBM) and 0.973 (DBM).
FEATURES_TARGET = 0.95


@pytest.fixture(scope="module")
def grey_digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, stratify=y, random_state=0)


def _features_accuracy(model, grey_digits):
    X_train, X_test, y_train, y_test = grey_digits
    with threadpool_limits(limits=1, user_api="blas"):
        model.fit(X_train)  # raises FloatingPointError if it diverges
        clf = LogisticRegression(C=100, max_iter=2000).fit(model.transform(X_train), y_train)
        return clf.score(model.transform(X_test), y_test)


def _tiny_binary_images():
    return (np.random.default_rng(0).random((30, 36)) < 0.4).astype(float)


def test_auto_step_of_binary_pixels_is_the_fixed_default_bit_for_bit():
    X = _tiny_binary_images()
    kw = dict(n_filters=3, filter_shape=3, max_iter=2, random_state=0)
    auto, fixed = ConvolutionalRBM(**kw).fit(X), ConvolutionalRBM(learning_rate=0.5, **kw).fit(X)
    np.testing.assert_array_equal(auto.components_, fixed.components_)
    np.testing.assert_array_equal(auto.intercept_visible_, fixed.intercept_visible_)
    kw = dict(n_filters=(3, 2), filter_shape=(3, 2), max_iter=2, pretrain_max_iter=2,
              random_state=0)
    auto = ConvolutionalDBM(**kw).fit(X)
    fixed = ConvolutionalDBM(learning_rate=0.05, pretrain_learning_rate=0.5, **kw).fit(X)
    for a, b in zip(auto.components_ + auto.intercepts_, fixed.components_ + fixed.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_gaussian_step_follows_precision_and_filter_size():
    assert gaussian_step(np.full(5, 2.0), 16) == pytest.approx(0.5 / 32)
    # pixels scaled by a: precision / a**2, step * a**2 (scale-free training)
    assert gaussian_step(np.full(5, 2.0 / 9), 16) == pytest.approx(9 * gaussian_step([2.0], 16))
    X = np.random.default_rng(0).normal(0.0, 0.5, (30, 36))
    model = ConvolutionalRBM(n_filters=2, filter_shape=3, visible_type="gaussian", max_iter=1,
                             random_state=0).fit(X)
    beta = float(model.precision_[0])
    assert model._learning_rate() == pytest.approx(0.5 / (beta * 9))
    dbm = ConvolutionalDBM(n_filters=(2, 2), filter_shape=(3, 2), visible_type="gaussian",
                           max_iter=1, pretrain_max_iter=1, random_state=0).fit(X)
    assert dbm._learning_rate() == pytest.approx(0.5 / (beta * 9))
    first, second = dbm.pretrained_rbms_
    assert first._learning_rate() == pytest.approx(0.5 / (beta * 9))
    assert second._learning_rate() == 0.5  # binary pooling units


def test_default_gaussian_conv_rbm_trains_on_grey_digits_and_its_features_classify(
    grey_digits,
):
    # the binary step (0.5) diverged in the first epoch; measured 0.971
    model = ConvolutionalRBM(visible_type="gaussian", random_state=0)
    assert _features_accuracy(model, grey_digits) >= FEATURES_TARGET
    assert np.all(np.isfinite(model.components_))


def test_default_gaussian_conv_dbm_trains_on_grey_digits_and_its_features_classify(
    grey_digits,
):
    # the binary steps diverged (filters of 1e163, chance accuracy without
    # an error); measured 0.976
    model = ConvolutionalDBM(visible_type="gaussian", random_state=0)
    assert _features_accuracy(model, grey_digits) >= FEATURES_TARGET
    assert max(np.abs(F).max() for F in model.components_) < 10
