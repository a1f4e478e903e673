"""Likelihood evaluation: AIS and reverse AIS of log partition functions,
likelihood results that state their kind, checks on samples (nearest
neighbours, MMD, Parzen windows) and binarization helpers (§20.14)."""

# AIS lives in the Boltzmann family (the models cache log Z with it); it is
# part of the evaluation API
from ..boltzmann._ais import (
    AISResult,
    LogPartitionSandwich,
    ais_log_partition,
    ais_log_partition_dbm,
    ais_schedule,
    base_rate_from_data,
    log_partition_sandwich,
    reverse_ais_log_partition,
    reverse_ais_log_partition_dbm,
)
from ._exact import exact_log_partition
from ._binarize import binarize_stochastic, binarize_threshold
from ._likelihood import LOG_LIKELIHOOD_KINDS, LogLikelihood, log_likelihood, rbm_log_likelihood
# the MMD core lives in nn (models train on it); evaluation re-exports it
from ..nn._mmd import gaussian_kernel, mmd2_unbiased
from ._samples import (
    MMDResult,
    NearestNeighborsCheck,
    mmd_test,
    nearest_neighbors_check,
    parzen_bandwidth,
    parzen_log_likelihood,
    plot_nearest_neighbors,
)

__all__ = [
    "AISResult",
    "LOG_LIKELIHOOD_KINDS",
    "LogLikelihood",
    "LogPartitionSandwich",
    "MMDResult",
    "NearestNeighborsCheck",
    "ais_log_partition",
    "ais_log_partition_dbm",
    "ais_schedule",
    "base_rate_from_data",
    "binarize_stochastic",
    "binarize_threshold",
    "exact_log_partition",
    "gaussian_kernel",
    "log_likelihood",
    "log_partition_sandwich",
    "mmd2_unbiased",
    "mmd_test",
    "nearest_neighbors_check",
    "parzen_bandwidth",
    "parzen_log_likelihood",
    "plot_nearest_neighbors",
    "rbm_log_likelihood",
    "reverse_ais_log_partition",
    "reverse_ais_log_partition_dbm",
]
