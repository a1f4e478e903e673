"""Numba kernels of the Boltzmann family, one role per module.

* ``_elementwise``: sigmoid with a bias, Bernoulli sampling, column sums,
  the hidden conditional;
* ``_sparse``: products with a sparse visible layer (gather / scatter);
* ``_gibbs``: block-Gibbs sweeps of RBMs;
* ``_rbm_epoch``: one CD-k / PCD-k epoch of a binary RBM;
* ``_tempering``: parallel tempering of binary RBMs (sweeps, swaps, the
  SML epoch with a tempered negative phase);
* ``_flip_objectives``: ratio matching and pseudo-likelihood of binary RBMs
  (loss, exact gradient, the epoch);
* ``_gaussian_epoch``: one CD-k / PCD-k epoch of a Gaussian-Bernoulli RBM;
* ``_enumeration``: exact log partition function by enumeration;
* ``_dbm``: DBM mean field and block Gibbs (binary, Gaussian or categorical
  visibles, told apart by a named ``VisibleLayer``);
* ``_pretraining``: the tied-copies RBM epoch of DBM pretraining;
* ``_ais``: annealed importance sampling of RBMs (binary, Gaussian and
  softmax visibles) and DBMs;
* ``_dbm_ais``: AIS of DBMs with categorical visibles;
* ``_class_rbm``: the class posterior and data-phase gradient of ``ClassRBM``;
* ``_conditional``: the enumerated conditional distribution and gradient of
  ``ConditionalBoltzmannMachine``;
* ``_categorical``: softmax (categorical) visible groups: means, sampling,
  Gibbs, the CD/PCD epoch and the log partition enumeration of ``CategoricalRBM``.
* ``_conv``: convolutional RBMs: image patches (im2col) and their adjoint,
  the probabilistic max-pooling softmax and its sampling (layout
  ``(n, filters, rows, columns)``; imported from the module itself).

Conventions: weights ``W`` have shape ``(n_hidden, n_visible)`` (scikit-learn's
``components_``), all 2-D arrays are C-contiguous, and every kernel works for
float32 and float64. Matrix products go to BLAS through
:func:`skgenerative.utils._blas.gemm`; the kernels fuse the elementwise work
around them (sigmoid, sampling, centring, scaling). Random numbers come from
the ``np.random.Generator`` passed in, so results are reproducible and equal to
the numpy twins in ``tests/boltzmann/_reference.py``.

The names the models and tests use are imported here, so callers write
``from . import _kernels`` and ``_kernels._sgd_epoch_bernoulli(...)``.
"""

from ._ais import (
    _ais_bernoulli,
    _ais_categorical,
    _ais_dbm,
    _ais_dbm_gaussian,
    _ais_gaussian_bernoulli,
)
from ._class_rbm import (
    _class_gradient,
    _class_gradient_3d,
    _class_log_posterior,
    _class_log_posterior_3d,
)
from ._conditional import (
    _conditional_gradient,
    _conditional_gradient_3d,
    _conditional_log_probabilities,
    _conditional_log_probabilities_3d,
)
from ._dbm import (
    BERNOULLI,
    CATEGORICAL,
    GAUSSIAN,
    TOP_CLAMPED,
    TOP_HIDDEN,
    TOP_LABELS,
    VisibleLayer,
    _bottom_up_dbm,
    _dbm_layer_input,
    _gibbs_dbm,
    _mean_field_dbm,
    visible_layer,
)
from ._dbm_ais import _ais_dbm_categorical
from ._enumeration import _log_partition_enum
from ._gaussian_epoch import _sgd_epoch_gaussian
from ._gibbs import _gibbs_bernoulli, _gibbs_gaussian
from ._pretraining import _sgd_epoch_labelled_rbm, _sgd_epoch_scaled_rbm
from ._rbm_epoch import _sgd_epoch_bernoulli
from ._sparse import (
    _GATHER_MIN_HIDDEN,
    _nonzero_pattern,
    _sparse_product,
    _sparse_transpose_product_add,
)

__all__ = [
    "BERNOULLI",
    "CATEGORICAL",
    "GAUSSIAN",
    "TOP_CLAMPED",
    "TOP_HIDDEN",
    "TOP_LABELS",
    "VisibleLayer",
    "_GATHER_MIN_HIDDEN",
    "_ais_bernoulli",
    "_ais_categorical",
    "_ais_dbm",
    "_ais_dbm_categorical",
    "_ais_dbm_gaussian",
    "_ais_gaussian_bernoulli",
    "_bottom_up_dbm",
    "_class_gradient",
    "_class_gradient_3d",
    "_class_log_posterior",
    "_class_log_posterior_3d",
    "_conditional_gradient",
    "_conditional_gradient_3d",
    "_conditional_log_probabilities",
    "_conditional_log_probabilities_3d",
    "_dbm_layer_input",
    "_gibbs_bernoulli",
    "_gibbs_dbm",
    "_gibbs_gaussian",
    "_log_partition_enum",
    "_mean_field_dbm",
    "_nonzero_pattern",
    "_sgd_epoch_bernoulli",
    "_sgd_epoch_gaussian",
    "_sgd_epoch_scaled_rbm",
    "_sgd_epoch_labelled_rbm",
    "_sparse_product",
    "_sparse_transpose_product_add",
    "visible_layer",
]
