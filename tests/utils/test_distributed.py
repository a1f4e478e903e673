"""Model selection on a dask.distributed cluster through joblib's dask backend
(the ``test`` extra installs dask; skipped when distributed is absent)."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skgenerative import BernoulliRBM


def test_grid_search_on_a_two_process_cluster_matches_the_serial_search():
    distributed = pytest.importorskip("distributed")
    import joblib

    X = (np.random.default_rng(0).random((60, 6)) < 0.4).astype(np.float64)
    grid = {"n_components": [2, 4]}
    serial = GridSearchCV(BernoulliRBM(n_iter=3, random_state=0), grid, cv=3).fit(X)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster), joblib.parallel_backend("dask"):
            search = GridSearchCV(BernoulliRBM(n_iter=3, random_state=0), grid, cv=3,
                                  n_jobs=-1).fit(X)
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"],
                                  serial.cv_results_["mean_test_score"])
    assert search.best_params_ == serial.best_params_
