"""Small, fast settings of every public estimator, shared by the test modules.

``tests/test_common.py`` (scikit-learn's checks) and ``tests/test_contract.py``
(the project's own contract) both build their estimators from ``CHECK_PARAMS``.
"""

import skgenerative

#: Small settings so that the checks run fast; by estimator class name.
CHECK_PARAMS = {
    "BernoulliRBM": dict(n_components=8, n_iter=3),
    "CategoricalRBM": dict(n_components=4, max_iter=3),
    "DBN": dict(hidden_layer_sizes=(6, 4), max_iter=3, n_importance_samples=10),
    "DBNClassifier": dict(hidden_layer_sizes=(16,), max_iter=3),
    "GaussianBernoulliRBM": dict(n_components=8, max_iter=3),
    # latent (issue 8): tiny networks, few epochs and importance samples
    "VAE": dict(encoder_layer_sizes=(8,), decoder_layer_sizes=(8,), max_iter=3,
                n_importance_samples=10),
    "IWAE": dict(encoder_layer_sizes=(8,), decoder_layer_sizes=(8,), max_iter=3,
                 n_importance=3, n_importance_samples=10, likelihood="gaussian"),
    "SigmoidBeliefNet": dict(hidden_layer_sizes=(4,), max_iter=3, n_importance_samples=10),
    # autoregressive
    "FVSBN": {"max_iter": 5},
    "NADE": {"n_components": 4, "max_iter": 5},
    "NeuralAutoregressive": {"n_components": 2, "max_iter": 5},
    "OrderAgnosticNADE": {"n_components": 4, "n_orderings": 2, "max_iter": 5},
    "RNADE": {"n_components": 4, "n_mixture_components": 2, "max_iter": 5},
    # DBM family (issue 6)
    "DBM": dict(hidden_layer_sizes=(3, 2), max_iter=2, pretrain_max_iter=2, batch_size=10,
                n_mean_field_iter=10),
    "DBMClassifier": dict(dbm=skgenerative.DBM(hidden_layer_sizes=(8, 4), max_iter=2,
                                               pretrain_max_iter=2, batch_size=10,
                                               n_mean_field_iter=10, random_state=0)),
    "MPDBM": dict(hidden_layer_sizes=(16,), n_mean_field_iter=2),
    # covariance models (issue 20)
    "SpikeSlabRBM": dict(n_components=4, max_iter=3, batch_size=10),
    "MeanCovarianceRBM": dict(n_components=3, n_covariance_components=3, max_iter=3,
                              batch_size=10, n_leapfrog=5),
    "MeanProductTDistribution": dict(n_components=3, n_covariance_components=3, max_iter=3,
                                     batch_size=10, n_leapfrog=5, ais_n_runs=20,
                                     ais_n_temperatures=50),
}
