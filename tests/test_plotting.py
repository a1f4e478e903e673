"""skgenerative.plotting with matplotlib's Agg backend (skipped without matplotlib)."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skgenerative import DBM, FVSBN, BernoulliRBM  # noqa: E402
from skgenerative.evaluation import ais_log_partition  # noqa: E402
from skgenerative.plotting import (  # noqa: E402
    plot_ais_weights,
    plot_filters,
    plot_learning_curve,
    plot_samples,
)


@pytest.fixture
def X():
    return (np.random.default_rng(0).random((60, 16)) < 0.4).astype(np.float64)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_sample_grid_shows_each_image_in_its_tile(X):
    ax = plot_samples(X[:4], (4, 4), n_cols=2)
    grid = ax.get_images()[0].get_array()
    assert grid.shape == (2 * 5 + 1, 2 * 5 + 1)
    np.testing.assert_array_equal(grid[1:5, 1:5], X[0].reshape(4, 4))


def test_sample_grid_draws_from_a_model(X):
    model = BernoulliRBM(n_components=3, n_iter=2, random_state=0).fit(X)
    ax = plot_samples(model, n_samples=9, random_state=0, title="RBM")
    assert ax.get_title() == "RBM" and ax.get_images()[0].get_array().shape == (16, 16)


def test_filters_of_a_single_layer_and_the_bottom_layer_of_a_deep_model(X):
    rbm = BernoulliRBM(n_components=4, n_iter=2, random_state=0).fit(X)
    assert plot_filters(rbm, n_cols=2).get_images()[0].get_array().shape == (11, 11)
    dbm = DBM(hidden_layer_sizes=(4, 2), max_iter=1, pretrain_max_iter=1,
              random_state=0).fit(X)
    assert plot_filters(dbm, n_cols=4).get_images()[0].get_array().shape == (6, 21)
    with pytest.raises(ValueError, match="not a square image"):
        plot_filters(np.ones((2, 6)))
    with pytest.raises(ValueError, match="no components_"):
        plot_filters(FVSBN(max_iter=1).fit(X))


def test_learning_curve_plots_every_validation_score(X):
    model = FVSBN(max_iter=4, early_stopping=True, n_iter_no_change=10, random_state=0).fit(X)
    line = plot_learning_curve(model).get_lines()[0]
    np.testing.assert_array_equal(line.get_ydata(), model.validation_scores_)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, model.n_iter_ + 1))
    with pytest.raises(ValueError, match="validation split"):
        plot_learning_curve(FVSBN(max_iter=1).fit(X))


def test_ais_weight_histogram_counts_every_run(X):
    rbm = BernoulliRBM(n_components=3, n_iter=2, random_state=0).fit(X)
    result = ais_log_partition(rbm, n_runs=20, betas=np.linspace(0, 1, 50), random_state=0)
    ax = plot_ais_weights(result, bins=5)
    assert sum(p.get_height() for p in ax.patches) == 20
    assert f"ESS = {result.ess:.1f}" in ax.get_title()
