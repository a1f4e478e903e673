"""Convolutional restricted Boltzmann machine with probabilistic max pooling (§20.6).

The estimator: validation (rows are flattened images; 3-D and 4-D arrays
are accepted), the hooks of the template ``fit``/``partial_fit``, the CD/PCD
update, the ``log Z`` policy and the scikit-learn plumbing. The math is
:class:`~._conv_layer.ConvLayer`, the hot loops ``_kernels/_conv.py``.
"""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_features, check_is_fitted, validate_data

from ..base import GenerativeMixin, TrainableMixin
from ..utils.random import check_generator, draw_seed
from ..utils.validation import resolve_dtype
from ._conv_layer import BOUNDARIES, ConvLayer, make_geometry
from ._log_partition import LogPartitionMixin
from ._rbm_base import BaseRBM
from ._units import check_unit_type

__all__ = ["ConvolutionalRBM"]

#: Enumerated units below which the exact log-likelihood is reported each
#: epoch (verbose, early stopping), as the dense RBMs do.
_CHEAP_ENUMERATION_UNITS = 16
_MONITOR_ROWS = 1000
#: ``learning_rate="auto"`` of binary visibles (the step the defaults were
#: measured with; ``benchmarks/README.md``).
BINARY_STEP = 0.5
#: ``learning_rate="auto"`` of Gaussian visibles is ``GAUSSIAN_STEP_SCALE /
#: (beta * filter weights)`` (:func:`gaussian_step`).
GAUSSIAN_STEP_SCALE = 0.5
#: Hyperparameters with the names, meaning and constraints of BaseRBM's.
_SHARED_WITH_RBM = (
    "batch_size", "verbose", "random_state", "method", "n_gibbs_steps",
    "n_chains", "momentum", "weight_decay", "shuffle", "dtype", "early_stopping",
    "validation_fraction", "n_iter_no_change", "tol", "warm_start",
    *LogPartitionMixin._log_partition_constraints,
)


def gaussian_step(precision, filter_weights):
    """Step size of ``learning_rate="auto"`` for Gaussian visibles:
    ``0.5 / (beta * filter_weights)``, with ``beta`` the mean pixel precision
    and ``filter_weights`` the weights of one filter (channels x height x
    width): the binary step 0.5 over ``beta`` times the filter size.

    The ``1 / beta`` makes the training scale-free: scaling the pixels by
    ``a`` scales the filters by ``a``, ``beta`` by ``1 / a**2`` and the
    filter gradient (statistics of ``beta v``) by ``1 / a``, so the step
    must scale by ``a**2``. A detector's input sums ``filter_weights``
    products, so its change per step grows with the filter size (as a dense
    RBM's with the number of visibles). Measured divergence thresholds of
    the Gaussian ConvolutionalRBM (``learning_rate * beta``, 10 epochs at
    the other defaults): on grey digits 0.27-0.55 with 2x2 and 3x3 filters,
    0.14-0.27 with 4x4 and 6x6 ones (at pixel scales 1/4, 1 and 4 alike,
    centred or not); on 2,000 binarized MNIST images read as real pixels
    with 8x8 filters 0.025-0.05 (3 epochs). The rule stays at least 2.2
    times below each.
    """
    return GAUSSIAN_STEP_SCALE / (float(np.mean(precision)) * filter_weights)


def grid_edges(n, cells):
    """Edges of ``min(cells, n)`` nearly equal runs covering ``range(n)``:
    ``floor(i n / cells)``, so the runs differ in length by at most one."""
    cells = min(cells, n)
    return (np.arange(cells + 1) * n) // cells


def grid_sum(M, row_edges, col_edges):
    """Sums of the maps ``M`` (n, maps, height, width) over the cells of a
    grid (edges as :func:`grid_edges` gives them): (n, maps, rows, cols)."""
    if len(row_edges) - 1 == M.shape[2] and len(col_edges) - 1 == M.shape[3]:
        return M  # one unit per cell
    M = np.add.reduceat(M, row_edges[:-1], axis=2)
    return np.ascontiguousarray(np.add.reduceat(M, col_edges[:-1], axis=3))


def _pair(value, name):
    """An int or a pair of positive ints -> a pair."""
    pair = (value, value) if isinstance(value, Integral) else tuple(value)
    if len(pair) != 2 or not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in pair
    ):
        raise ValueError(f"{name} must be a positive int or a pair of them; got {value!r}.")
    return tuple(int(v) for v in pair)


class ConvolutionalRBM(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    LogPartitionMixin,
    GenerativeMixin,
    TrainableMixin,
    BaseEstimator,
):
    """Convolutional RBM with probabilistic max pooling (Lee et al. 2009).

    Each row of ``X`` is an image of ``image_shape`` flattened in row-major
    order, channels first (3-D arrays ``(n_samples, height, width)`` and 4-D
    arrays ``(n_samples, channels, height, width)`` are accepted too). The
    hidden layer is ``n_filters`` binary detector maps: detector ``(k, i, j)``
    sees the image window at ``(i, j)`` of every channel through the shared
    filter ``W_k``
    with the per-filter bias ``c_k`` (a valid cross-correlation upward, a
    full convolution downward). The detectors of each ``pool_shape`` block
    are mutually exclusive (probabilistic max pooling, §20.6): a block is one
    softmax over its detectors plus an "off" state of energy 0, and its
    pooling unit is on when one detector is. Energy::

        E(v, h) = E_v(v; b) - sum_k sum_ij h_kij ((W_k * s(v))_ij + c_k)

    with ``E_v(v; b) = -b.v`` and ``s(v) = v`` for binary visibles, or
    ``E_v = 1/2 beta |v - b|^2`` and ``s(v) = beta v`` for Gaussian ones.

    ``score_samples`` is ``-F(v) - log Z``: exact when ``log Z`` can be
    enumerated (at most ``exact_limit`` binary units' worth of states: the
    pooling blocks' joint states, each block having size + 1, or the images
    of binary visibles when fewer), otherwise with an AIS estimate of
    ``log Z`` (``score_kind_`` says which).

    The defaults (32 filters of about 1.5 sqrt(image side), no padding, 2x2
    pooling, sparsity target 0.05, PCD-1 with step 0.5 for binary pixels
    for 10 epochs; ``transform`` the detectors summed over a 5x5 grid) were
    chosen for the features they give a linear classifier: on digits (8x8,
    pixels / 16, 4x4 filters), ``Pipeline([ConvolutionalRBM(),
    LogisticRegression(C=100)])`` reached 0.958-0.960 test accuracy over
    three seeds (``BernoulliRBM(500)`` in its place: 0.938-0.940, 0.953
    with 20 epochs); on 5,000 MNIST images (28x28, 8x8 filters) 0.962
    (``BernoulliRBM(500)``: 0.942), ahead of the dense RBM pipeline given
    the same training time on both; see ``benchmarks/bench_conv.py``.
    With ``visible_type="gaussian"`` on the grey digits (the "auto" step
    0.0023) the features reached 0.973, 0.978 and 0.976 at seeds 0, 1 and
    2 (the pooling units: 0.971, 0.973, 0.976). As a density, on the
    binarized digits (pixels >= 8, same split) the defaults' test log-likelihood is -22.24
    nats (AIS log Z +- 0.02; ``BernoulliRBM()`` -24.75 +- 0.04, the
    independent pixels -25.18); the sparsity target matters there (-29.3
    without it).

    Parameters
    ----------
    n_filters : int, default=32
        Number of filters (detector maps).
    filter_shape : "auto", int or (int, int), default="auto"
        Filter height and width; cut to the image size when larger.
        ``"auto"`` is ``round(1.5 sqrt(size))`` along each side: 4 for 8x8
        images, 8 for 28x28 ones (the sizes it was measured on).
    pool_shape : int or (int, int), default=2
        Pooling block height and width; a detector map that it does not
        divide ends with smaller blocks.
    image_shape : (int, int), (int, int, int) or None, default=None
        ``(height, width)`` of one-channel images or ``(channels, height,
        width)``; each channel is a binary or real map of the same type (e.g.
        the pooled maps of a layer below, or colour planes). None infers it:
        from a 3-D or 4-D input, else a square one-channel image when
        ``n_features`` is a perfect square, else a single row
        ``(1, n_features)``.
    visible_type : {"bernoulli", "gaussian"}, default="bernoulli"
        Binary pixels (values in [0, 1] read as probabilities) or real ones.
    boundary : {"valid", "same", "full"}, default="valid"
        Boundary handling (§20.6). ``"valid"``: no padding, fewer detectors
        than pixels, the border pixels are seen by fewer detectors.
        ``"same"``: implicit zero padding so that there is a detector per
        pixel (the border detectors see fewer pixels). ``"full"``: every
        detector whose window touches the image.
    sparsity_target : float in (0, 1) or None, default=0.05
        Target mean activation of the detectors (Lee et al. 2008); each
        update adds ``sparsity_cost * (target - mean detector probability
        of the batch)`` to the hidden biases. None turns it off (plain
        CD/PCD on the likelihood).
    sparsity_cost : float, default=0.1
        Weight of the sparsity term (ignored without ``sparsity_target``).
    learning_rate : "auto" or float, default="auto"
        Step size. The filter and hidden-bias gradients are averaged over
        the detector positions (so the step does not grow with the image);
        tiny images (a few detector positions) want smaller steps.
        ``"auto"`` is 0.5 for binary visibles and ``0.5 / (beta * filter
        weights)`` for Gaussian ones (``beta`` the precision, ``filter
        weights`` channels x filter height x width; 0.0023 on digits / 16
        with 4x4 filters), as the binary step makes a Gaussian model
        diverge (see ``gaussian_step`` in this module for the measurements
        behind the rule).
    batch_size : int, default=10
        Images per minibatch (batches are split evenly).
    max_iter : int, default=10
        Number of epochs (the maximum when ``early_stopping=True``).
    method : {"pcd", "cd"}, default="pcd"
        Persistent contrastive divergence or contrastive divergence.
    n_gibbs_steps : int, default=1
        Gibbs sweeps per update (the k of CD-k / PCD-k).
    n_chains : int or None, default=None
        Persistent chains; None means ``batch_size``.
    momentum : float, default=0.5
        Momentum of the parameter updates.
    weight_decay : float, default=0.0
        L2 penalty on the filters.
    precision : "auto" or float, default="auto"
        Gaussian visibles only: the precision ``beta`` of every pixel given
        the hidden units (shared, as the filters are). ``"auto"`` is one over
        the mean pixel variance of the training data (at least
        ``min_variance``).
    min_variance : float, default=1e-3
        Floor of the variance behind ``precision="auto"``.
    transform_units : {"pooled", "detector"}, default="detector"
        Whose probabilities ``transform`` returns: the pooling units'
        (maps ``(n_filters, n_block_rows, n_block_cols)``) or the
        detectors' (``(n_filters, detector rows, detector columns)``),
        summed over the cells of ``feature_grid``.
    feature_grid : int, (int, int) or None, default=5
        Rows and columns of the grid of cells that ``transform`` sums each
        map over (the expected number of units on in each cell): every
        side is cut into ``min(cells, side)`` runs whose lengths differ by
        at most one, so a map no larger than the grid is returned as it is;
        None returns every unit. Summing over a coarse grid (quadrant
        pooling, as in Coates et al. 2011) makes the features
        nearly invariant to shifts within a cell and their number independent of
        the image size (``n_filters`` x 25 at the default). The defaults
        (detectors, 5x5) were measured against pooling units without a
        grid (the previous default): on digits (5x5 detector maps, so the
        detectors as they are) 0.960, 0.960 and 0.958 test accuracy at
        seeds 0, 1 and 2 (pooling units 0.949, 0.942, 0.944), on 5,000
        MNIST images (21x21 detector maps, cells of 4-5) 0.962 (pooling
        units 0.945, the 14,112 detectors 0.946), with a 5x faster
        logistic regression there; see ``benchmarks/README.md``.
    shuffle : bool, default=True
        Shuffle the images every epoch.
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Compute dtype; None follows the input.
    verbose : int, default=0
        1 prints per-epoch time, reconstruction error and the exact
        log-likelihood when cheap; 2 adds a progress bar (tqdm).
    random_state : int, RandomState instance, Generator or None, default=None
        Fixes initialisation, training, sampling and the AIS seed.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` and stop when its exact
        log-likelihood (at most 16 enumerated units) or minus its
        reconstruction error has not improved by ``tol`` for
        ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
        Share of the images held out when ``early_stopping=True``.
    n_iter_no_change : int, default=5
        Epochs without improvement before stopping.
    tol : float, default=1e-4
        Smallest improvement of the validation score that counts.
    warm_start : bool, default=False
        Continue from the fitted parameters and chains on ``fit``.
    log_z : {"auto", "exact", "ais"} or float, default="auto"
        How ``log Z`` is obtained: enumeration up to ``exact_limit``, else
        AIS from the independent base model of the training marginals with
        block-Gibbs transitions; a float is used as given.
    exact_limit : int, default=20
        Largest number of binary units' worth of states (log2 of the count)
        that ``log_z="auto"`` enumerates.
    ais_n_runs : int, default=100
        AIS chains when ``log Z`` is estimated.
    ais_n_temperatures : int or None, default=None
        None is the 14,501 temperatures of Salakhutdinov & Murray (2008).

    Attributes
    ----------
    components_ : ndarray of shape (n_filters, channels, filter_height, filter_width)
        The filters W.
    intercept_hidden_ : ndarray of shape (n_filters,)
    intercept_visible_ : ndarray of shape (n_features,)
        Per-pixel visible biases b.
    precision_ : ndarray of shape (n_features,)
        Gaussian visibles only.
    image_shape_ : tuple of int
        ``(height, width)``, or ``(channels, height, width)`` when there are
        several channels.
    geometry_ : ConvGeometry
        Filter, padding, detector-map and pooling-grid shapes.
    h_samples_ : ndarray of shape (n_chains, n_filters * detector map size)
        Detector states of the persistent chains.
    base_rate_ : ndarray of shape (n_features,)
        Visible biases of the independent base model (sampling, AIS).
    log_partition_ : float
    score_kind_ : str
    n_iter_ : int
    random_state_ : numpy.random.Generator
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    BernoulliRBM : Dense binary RBM.

    References
    ----------
    Lee, H., Grosse, R., Ranganath, R. and Ng, A. Y. (2009). Convolutional
    deep belief networks for scalable unsupervised learning of hierarchical
    representations. ICML.

    Coates, A., Lee, H. and Ng, A. Y. (2011). An analysis of single-layer
    networks in unsupervised feature learning. AISTATS.

    Desjardins, G. and Bengio, Y. (2008). Empirical evaluation of
    convolutional RBMs for vision. Technical report 1327, Université de
    Montréal.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import ConvolutionalRBM
    >>> X = (np.random.default_rng(0).random((50, 36)) < 0.3).astype(float)
    >>> model = ConvolutionalRBM(n_filters=4, filter_shape=3, max_iter=2,
    ...                          random_state=0).fit(X)
    >>> model.image_shape_
    (6, 6)
    >>> model.transform(X).shape  # 4 maps of 4x4 detectors (fewer than the 5x5 grid)
    (50, 64)
    >>> model.sample(2, n_steps=10, random_state=0).shape
    (2, 36)
    """

    _parameter_constraints: dict = {
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "filter_shape": [
            StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), "array-like",
        ],
        "pool_shape": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "image_shape": ["array-like", None],
        "visible_type": [StrOptions({"bernoulli", "gaussian"})],
        "boundary": [StrOptions(set(BOUNDARIES))],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither"), None],
        "sparsity_cost": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "precision": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "min_variance": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "transform_units": [StrOptions({"pooled", "detector"})],
        "feature_grid": [Interval(Integral, 1, None, closed="left"), "array-like", None],
        # the training and log Z settings mean what they mean for the dense RBMs
        **{name: BaseRBM._parameter_constraints[name] for name in _SHARED_WITH_RBM},
    }

    _state_names = (
        "components_", "intercept_hidden_", "intercept_visible_", "h_samples_",
        "_velocity", "random_state_",
    )
    _parameter_names = ("components_", "intercept_hidden_", "intercept_visible_")

    def __init__(
        self,
        n_filters=32,
        *,
        filter_shape="auto",
        pool_shape=2,
        image_shape=None,
        visible_type="bernoulli",
        boundary="valid",
        sparsity_target=0.05,
        sparsity_cost=0.1,
        learning_rate="auto",
        batch_size=10,
        max_iter=10,
        method="pcd",
        n_gibbs_steps=1,
        n_chains=None,
        momentum=0.5,
        weight_decay=0.0,
        precision="auto",
        min_variance=1e-3,
        transform_units="detector",
        feature_grid=5,
        shuffle=True,
        dtype=None,
        verbose=0,
        random_state=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        warm_start=False,
        log_z="auto",
        exact_limit=20,
        ais_n_runs=100,
        ais_n_temperatures=None,
    ):
        self.n_filters = n_filters
        self.filter_shape = filter_shape
        self.pool_shape = pool_shape
        self.image_shape = image_shape
        self.visible_type = visible_type
        self.boundary = boundary
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.method = method
        self.n_gibbs_steps = n_gibbs_steps
        self.n_chains = n_chains
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.precision = precision
        self.min_variance = min_variance
        self.transform_units = transform_units
        self.feature_grid = feature_grid
        self.shuffle = shuffle
        self.dtype = dtype
        self.verbose = verbose
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.log_z = log_z
        self.exact_limit = exact_limit
        self.ais_n_runs = ais_n_runs
        self.ais_n_temperatures = ais_n_temperatures

    # ------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to the images X by CD-k or PCD-k.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [channels,] height, width)
            Training images (rows flattened row-major).
        y : None
            Ignored.

        Returns
        -------
        self : ConvolutionalRBM
        """
        self._check_feature_grid()
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One pass over the images X in minibatches (chains, momentum and
        the random stream carry over; the first call fixes the image shape).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [channels,] height, width)
        y : None
            Ignored.

        Returns
        -------
        self : ConvolutionalRBM
        """
        self._check_feature_grid()
        return self._partial_fit(X)

    @property
    def _units(self):
        return check_unit_type(self.visible_type)

    def _flatten(self, X):
        """Rows of 3-D (one channel) or 4-D input flattened; its
        (channels, height, width) or None."""
        if not hasattr(X, "ndim") and isinstance(X, (list, tuple)) and np.ndim(X) in (3, 4):
            X = np.asarray(X)
        ndim = getattr(X, "ndim", 2)
        if ndim not in (3, 4):
            return X, None
        shape = tuple(int(s) for s in X.shape[1:])
        return np.reshape(X, (X.shape[0], -1)), ((1,) + shape if ndim == 3 else shape)

    def _input_shape(self):
        g = self.geometry_
        return (g.n_channels,) + g.image_shape

    def _validate_X(self, X):
        """Validated rows of a fitted model (flattened images)."""
        X, shape = self._flatten(X)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        if shape is not None and shape != self._input_shape():
            raise ValueError(
                f"Images of shape {shape} (channels, height, width) given to a model "
                f"of images {self._input_shape()}."
            )
        return X

    def _image_shape(self, n_features, given):
        """(channels, height, width) of the training images."""
        if self.image_shape is not None:
            dims = tuple(self.image_shape)
            if len(dims) not in (2, 3) or not all(
                isinstance(d, Integral) and not isinstance(d, bool) and d >= 1 for d in dims
            ):
                raise ValueError(
                    "image_shape must be (height, width) or (channels, height, width) of "
                    f"positive ints; got {self.image_shape!r}."
                )
            shape = tuple(int(d) for d in ((1,) + dims if len(dims) == 2 else dims))
            if math.prod(shape) != n_features:
                raise ValueError(
                    f"image_shape={self.image_shape} has {math.prod(shape)} values but X "
                    f"has {n_features} features (flattened images)."
                )
            if given is not None and given != shape:
                raise ValueError(
                    f"X holds images of shape {given}, image_shape is {self.image_shape}."
                )
            return shape
        if given is not None:
            return given
        side = math.isqrt(n_features)
        return (1, side, side) if side * side == n_features else (1, 1, n_features)

    def _check_training_data(self, X, y, *, reset):
        if not reset:
            X = self._validate_X(X)
            self._check_support(X)
            return X, None
        X, shape = self._flatten(X)
        # the shapes before validate_data resets n_features_in_: a bad
        # image_shape leaves a fitted model as it was
        try:
            n_features = _num_features(X)
        except TypeError:  # not a 2-D array: validate_data says what is wrong
            n_features = None
        geometry = None if n_features is None else self._geometry(n_features, shape)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=True)
        geometry = geometry or self._geometry(X.shape[1], shape)
        self._check_support(X)
        self.geometry_ = geometry
        # as a user would give it: (height, width), or with the channels first
        self.image_shape_ = (geometry.image_shape if geometry.n_channels == 1
                             else (geometry.n_channels,) + geometry.image_shape)
        return X, None

    def _geometry(self, n_features, given):
        channels, height, width = self._image_shape(n_features, given)
        if isinstance(self.filter_shape, str):  # "auto"
            filter_shape = tuple(max(1, round(1.5 * math.sqrt(side))) for side in (height, width))
        else:
            filter_shape = _pair(self.filter_shape, "filter_shape")
        return make_geometry(
            (height, width), filter_shape,
            _pair(self.pool_shape, "pool_shape"), self.boundary, n_channels=channels,
        )

    def _check_support(self, X):
        """Warn when binary visibles get values outside [0, 1] (real
        visibles take any value)."""
        if self.visible_type == "bernoulli":
            self._units.check_support(X, type(self).__name__)

    def _is_initialized(self):
        return hasattr(self, "components_")

    def _visible_params(self):
        return {"precision": self.precision_} if self.visible_type == "gaussian" else {}

    def _initialize(self, X, y, rng, *, partial):
        dtype = resolve_dtype(self.dtype, X)
        g = self.geometry_
        shape = (self.n_filters, g.n_channels) + g.filter_shape
        self.components_ = rng.normal(0.0, 0.01, shape).astype(dtype)
        self.intercept_hidden_ = np.zeros(self.n_filters, dtype=dtype)
        if self.visible_type == "gaussian":
            variance = float(np.mean(np.var(X, axis=0, dtype=np.float64)))
            beta = (1.0 / max(variance, self.min_variance) if self.precision == "auto"
                    else float(self.precision))
            self.precision_ = np.full(X.shape[1], beta, dtype=dtype)
            bias = np.asarray(X.mean(axis=0, dtype=np.float64))
        else:
            bias = self._units.initial_parameters(X)["bias"]
        self.intercept_visible_ = np.asarray(bias, dtype=dtype).copy()
        self.base_rate_ = self.intercept_visible_.copy()
        n_chains = self.batch_size if self.n_chains is None else self.n_chains
        n_detectors = self.n_filters * g.detector_shape[0] * g.detector_shape[1]
        self.h_samples_ = np.zeros((n_chains, n_detectors), dtype=dtype)
        self._velocity = (
            np.zeros_like(self.components_), np.zeros_like(self.intercept_hidden_),
            np.zeros_like(self.intercept_visible_),
        )
        self.n_iter_ = 0
        self._score_seed = draw_seed(rng)
        self._forget_log_partition()

    def _check_feature_grid(self):
        if self.feature_grid is not None:
            _pair(self.feature_grid, "feature_grid")

    def _feature_cells(self):
        """Row and column edges of the ``feature_grid`` cells over the maps
        of ``transform_units`` (each map's own units when it is None)."""
        g = self.geometry_
        shape = g.blocks_shape if self.transform_units == "pooled" else g.detector_shape
        grid = shape if self.feature_grid is None else _pair(self.feature_grid, "feature_grid")
        return tuple(grid_edges(n, cells) for n, cells in zip(shape, grid))

    @property
    def _n_features_out(self):
        """Features of ``transform`` (follows ``transform_units`` and
        ``feature_grid``)."""
        rows, cols = self._feature_cells()
        return self.components_.shape[0] * (len(rows) - 1) * (len(cols) - 1)

    def _layer(self):
        return ConvLayer(
            self.geometry_, self._units, self.components_, self.intercept_visible_,
            self.intercept_hidden_, self._visible_params(),
        )

    def _training_data(self, X, y):
        return np.ascontiguousarray(X, dtype=self.components_.dtype), y

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        n = X.shape[0]
        rows = rng.permutation(n) if shuffle else np.arange(n)
        n_batches = int(np.ceil(n / self.batch_size))
        bounds = (np.arange(n_batches + 1) * n) // n_batches
        for i in range(n_batches):
            self._update(X[rows[bounds[i]:bounds[i + 1]]], rng)
            progress(bounds[i + 1] - bounds[i])
        self._forget_log_partition()
        return self._monitor(X)

    def _update(self, V, rng):
        """One CD-k / PCD-k step on the batch ``V`` (in place)."""
        layer = self._layer()
        dtype = V.dtype
        I_pos = layer.hidden_input(V)
        if self.method == "pcd":
            P_pos, H = layer.pool(I_pos)[0], self.h_samples_
        else:
            P_pos, _, _, H = layer.pool_and_sample(I_pos, rng)
        for _ in range(self.n_gibbs_steps):
            V_neg = layer.sample_visible(H, rng)
            P_neg, _, _, H = layer.pool_and_sample(layer.hidden_input(V_neg), rng)
        if self.method == "pcd":
            self.h_samples_ = np.ascontiguousarray(H.reshape(H.shape[0], -1), dtype=dtype)
        grads = self._gradients(layer, V, P_pos, V_neg, P_neg)
        params = (self.components_, self.intercept_hidden_, self.intercept_visible_)
        new_params, new_velocity = [], []
        for param, velocity, grad in zip(params, self._velocity, grads):
            step = self.momentum * velocity + self._current_learning_rate * grad.astype(dtype)
            new_velocity.append(step.astype(dtype))
            new_params.append((param + step).astype(dtype))
        self.components_, self.intercept_hidden_, self.intercept_visible_ = new_params
        self._velocity = tuple(new_velocity)

    def _gradients(self, layer, V, P_pos, V_neg, P_neg):
        """Positive minus negative statistics: means over the rows, filter
        and hidden-bias terms also over the detector positions."""
        positions = self.geometry_.detector_shape[0] * self.geometry_.detector_shape[1]
        pos = layer.statistic_gradients(V, P_pos)
        neg = layer.statistic_gradients(V_neg, P_neg)
        m, n = V.shape[0], V_neg.shape[0]
        dW = (pos[0] / m - neg[0] / n) / positions - self.weight_decay * self.components_
        dc = (pos[1] / m - neg[1] / n) / positions
        if self.sparsity_target is not None:
            mean_activation = pos[1] / (m * positions)
            dc = dc + self.sparsity_cost * (self.sparsity_target - mean_activation)
        db = pos[2] / m - neg[2] / n
        return dW, dc, db

    def _begin_epoch(self, epoch, n_epochs):
        self._current_learning_rate = self._learning_rate()

    def _learning_rate(self):
        """``learning_rate``, with ``"auto"`` resolved (see its entry)."""
        if self.learning_rate != "auto":
            return self.learning_rate
        if self.visible_type == "gaussian":
            return gaussian_step(self.precision_, math.prod(self.components_.shape[1:]))
        return BINARY_STEP

    # ------------------------------------------------------------ monitoring
    def _reconstruction_error(self, V):
        layer = self._layer()
        P = layer.pool(layer.hidden_input(V))[0]
        recon = self._units.mean(layer.visible_activation(P), **self._visible_params())
        return float(np.mean((V - recon) ** 2))

    def _monitor(self, X):
        if not self.verbose:
            return {}
        Xm = X[:_MONITOR_ROWS]
        stats = {"reconstruction error": self._reconstruction_error(Xm)}
        if self._enumerated_units() <= _CHEAP_ENUMERATION_UNITS:
            stats["log-likelihood"] = float(np.mean(self._log_likelihood(Xm)))
        return stats

    def _validation_score(self, X_val, y_val):
        if self._enumerated_units() <= _CHEAP_ENUMERATION_UNITS:
            return float(np.mean(self._log_likelihood(X_val)))
        return -self._reconstruction_error(X_val)

    def _log_likelihood(self, V):
        return -self._layer().free_energy(V) - self.log_partition_

    # ------------------------------------------------------------ log Z hooks
    def _enumerated_units(self):
        return self._layer().enumerated_units()

    def _exact_log_partition(self):
        return self._layer().exact_log_partition()

    def _ais_log_partition(self, n_runs, n_temperatures, random_state):
        return self.estimate_log_partition(
            n_runs=n_runs, betas=n_temperatures, random_state=random_state
        )

    def estimate_log_partition(self, *, n_runs=100, betas=None, random_state=None):
        """Estimate log Z by annealed importance sampling.

        The path goes from the independent model of the training marginals
        (visible biases ``base_rate_``, detectors uncoupled) to the model,
        with one block-Gibbs sweep per temperature. The result is not
        cached (``log_z="auto"`` caches its own run, seeded at ``fit``).

        Parameters
        ----------
        n_runs : int, default=100
        betas : None, int or array-like, default=None
            Temperature schedule (None: 14,501 temperatures).
        random_state : int, Generator or None, default=None

        Returns
        -------
        result : skgenerative.evaluation.AISResult
        """
        check_is_fitted(self)
        if isinstance(n_runs, bool) or not isinstance(n_runs, Integral) or n_runs < 2:
            raise ValueError(f"n_runs must be an int >= 2; got {n_runs!r}.")
        rng = check_generator(random_state)
        return self._layer().ais(self.base_rate_, n_runs, betas, rng)

    # ------------------------------------------------------------ inference
    def transform(self, X):
        """Detector (or pooling-unit) probabilities summed over ``feature_grid``.

        With the defaults: the expected number of detectors on in each of
        5x5 cells of each detector map (see ``transform_units`` and
        ``feature_grid``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [channels,] height, width)

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
            Flattened in the order (filter, cell row, cell column).
        """
        check_is_fitted(self)
        X = self._cast(self._validate_X(X))
        self._check_support(X)
        layer = self._layer()
        P, pooled, _ = layer.pool(layer.hidden_input(X))
        out = pooled if self.transform_units == "pooled" else P
        if self.feature_grid is not None:
            out = grid_sum(out, *self._feature_cells())
        return out.reshape(X.shape[0], -1)

    def _cast(self, X):
        return np.ascontiguousarray(X, dtype=self.components_.dtype)

    def free_energy(self, X):
        """Free energy F(v) of each image (the hidden layer summed out).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [channels,] height, width)

        Returns
        -------
        free_energy : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self._layer().free_energy(self._cast(self._validate_X(X)))

    def score_samples(self, X, return_std=False):
        """Log-likelihood log p(v) of each image, in nats.

        ``-F(v) - log Z``; exact when ``log Z`` is enumerated, else with an
        AIS estimate of it (computed on the first call, cached and
        deterministic after ``fit``; see ``score_kind_``). AIS costs one
        Gibbs sweep of ``ais_n_runs`` chains per temperature: minutes for
        the default model on 8x8 images with the default 14,501
        temperatures (``ais_n_temperatures`` trades accuracy for time).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [channels,] height, width)
        return_std : bool, default=False
            Also return each score's standard error (that of ``log Z``).

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        check_is_fitted(self)
        X = self._cast(self._validate_X(X))
        self._check_support(X)
        return self._scores_with_std(self._log_likelihood(X), return_std)

    def gibbs(self, v):
        """One block-Gibbs step v -> h -> v (advances ``random_state_``).

        Parameters
        ----------
        v : array-like of shape (n_samples, n_features)

        Returns
        -------
        v_new : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        V = self._cast(self._validate_X(v))
        return self._layer().gibbs(V, 1, self.random_state_)[0]

    def sample(self, n_samples=1, *, n_steps=1000, random_state=None):
        """Draw images by block Gibbs sampling from the base model.

        Parameters
        ----------
        n_samples : int, default=1
            Independent chains, one image each.
        n_steps : int, default=1000
            Gibbs sweeps per chain.
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        rng = self._sampling_rng(n_samples, random_state, n_steps=n_steps)
        params = self._visible_params()
        V = self._units.fresh(n_samples, self.base_rate_, rng, **params)
        return self._layer().gibbs(self._cast(V), n_steps, rng)[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
