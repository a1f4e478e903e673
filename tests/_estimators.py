"""Small, fast settings of every public estimator, shared by the test modules.

``tests/test_common.py`` (scikit-learn's checks) and ``tests/test_contract.py``
(the project's own contract) both build their estimators from ``CHECK_PARAMS``.
"""

import skgenerative

#: Small settings so that the checks run fast; by estimator class name.
CHECK_PARAMS = {
    "BernoulliRBM": dict(n_components=8, n_iter=3),
    "BoltzmannMachine": dict(n_components=3, max_iter=3, ais_n_temperatures=200),
    "CategoricalRBM": dict(n_components=4, max_iter=3),
    "DBN": dict(hidden_layer_sizes=(6, 4), max_iter=3, n_importance_samples=10),
    "DBNClassifier": dict(hidden_layer_sizes=(16,), max_iter=3),
    "GaussianBernoulliRBM": dict(n_components=8, max_iter=3),
    # latent (issue 8): tiny networks, few epochs and importance samples
    "VAE": dict(encoder_layer_sizes=(8,), decoder_layer_sizes=(8,), max_iter=3,
                n_importance_samples=10),
    "IWAE": dict(encoder_layer_sizes=(8,), decoder_layer_sizes=(8,), max_iter=3,
                 n_importance=3, n_importance_samples=10, likelihood="gaussian"),
    "HierarchicalVAE": dict(n_components=(3, 2), hidden_layer_sizes=((8,), (4,)), max_iter=3,
                            n_importance_samples=10),
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
    # adversarial (issue 17): tiny networks, few epochs and score samples
    "GAN": dict(generator_layer_sizes=(8,), discriminator_layer_sizes=(8,), max_iter=3,
                n_score_samples=20),
    "GMMN": dict(generator_layer_sizes=(8,), max_iter=3, n_score_samples=20),
    "LAPGAN": dict(generator_layer_sizes=(8,), discriminator_layer_sizes=(8,), max_iter=3,
                   n_score_samples=20),
    # denoising (issue 18)
    "DenoisingAutoencoder": dict(n_components=8, max_iter=3, n_steps=5, n_score_samples=3),
    "GenerativeStochasticNetwork": dict(n_components=8, max_iter=3, n_steps=5,
                                        n_score_samples=3),
    "GSNClassifier": dict(n_components=16, max_iter=20),
    "DiffusionModel": dict(n_steps=4, hidden_layer_sizes=(8,), max_iter=3, n_score_samples=2),
    # discriminative Boltzmann machines (issue 15)
    "ClassRBM": dict(n_components=8, max_iter=20),
    "ConditionalBoltzmannMachine": dict(n_components=8, max_iter=20),
    # n_input_features=1: the checks' arrays have 2 or an odd number of columns,
    # which the default (half the columns are the input) splits into none or rejects
    "GatedRBM": dict(n_components=3, n_factors=4, n_input_features=1, max_iter=5),
    # sequence family (issue 16)
    "ConditionalRBM": dict(n_components=4, max_iter=3, batch_size=10),
    "RNNRBM": dict(n_components=4, n_recurrent=4, max_iter=3, n_gibbs_steps=1),
    # convolutional Boltzmann machines (issue 13)
    "ConvolutionalRBM": dict(n_filters=2, filter_shape=2, max_iter=3),
    "ConvolutionalDBM": dict(n_filters=2, filter_shape=2, max_iter=2, pretrain_max_iter=1),
    # applications (issue 19): a small model with exact scores
    "DensityOutlierDetector": dict(model=skgenerative.FVSBN(max_iter=5)),
    "GenerativeImputer": dict(model=skgenerative.OrderAgnosticNADE(
        n_components=4, n_orderings=2, max_iter=5)),
    # covariance models (issue 20)
    "SpikeSlabRBM": dict(n_components=4, max_iter=3, batch_size=10),
    "MeanCovarianceRBM": dict(n_components=3, n_covariance_components=3, max_iter=3,
                              batch_size=10, n_leapfrog=5),
    "MeanProductTDistribution": dict(n_components=3, n_covariance_components=3, max_iter=3,
                                     batch_size=10, n_leapfrog=5, ais_n_runs=20,
                                     ais_n_temperatures=50),
}
