"""Convolutional deep Boltzmann machine with probabilistic max pooling (§20.6, §20.4).

The estimator: validation (as :class:`ConvolutionalRBM`: rows are
flattened images), greedy pretraining from two ConvolutionalRBMs, the hooks
of the template ``fit``/``partial_fit``, the variational PCD update, the
``log Z`` policy and the scikit-learn plumbing. The math is
:class:`~._conv_dbm_math.ConvDBMMath` over two
:class:`~._conv_layer.ConvLayer`.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import GenerativeMixin, TrainableMixin
from ..exceptions import OutOfSupportWarning
from ..utils.random import draw_seed
from ..utils.validation import resolve_dtype
from ._conv_dbm_math import ConvDBMMath, block_sum
from ._conv_layer import ConvLayer, make_geometry
from ._conv_pretraining import TiedCopiesConvRBM
from ._conv_rbm import ConvolutionalRBM, _pair, gaussian_step
from ._log_partition import LogPartitionMixin
from ._units import check_unit_type

__all__ = ["ConvolutionalDBM"]

#: Settings with the names, meaning and constraints of ConvolutionalRBM's.
_SHARED_WITH_CONV_RBM = (
    "image_shape", "visible_type", "precision", "min_variance", "boundary", "sparsity_target", "sparsity_cost", "learning_rate",
    "batch_size", "max_iter", "n_gibbs_steps", "n_chains", "momentum", "weight_decay",
    "shuffle", "dtype", "verbose", "random_state", "warm_start",
    *LogPartitionMixin._log_partition_constraints,
)


#: ``learning_rate="auto"`` of binary pixels.
_BINARY_JOINT_STEP = 0.05


def _per_layer(value, name):
    """A setting of both layers: one int (or "auto") for both, or a pair
    with one entry per layer (an int, "auto" or ``(h, w)`` each)."""
    if isinstance(value, (Integral, str)):
        values = (value, value)
    else:
        values = tuple(value)
        if len(values) != 2:
            raise ValueError(f"{name} must be one value or a pair (one per layer); got {value!r}.")
    out = []
    for v in values:
        if name == "n_filters":
            if isinstance(v, bool) or not isinstance(v, Integral) or v < 1:
                raise ValueError(f"n_filters must be positive ints; got {value!r}.")
            out.append(int(v))
        elif name == "filter_shape" and isinstance(v, str) and v == "auto":
            out.append("auto")
        else:
            out.append(_pair(v, name))
    return tuple(out)


class ConvolutionalDBM(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    LogPartitionMixin,
    GenerativeMixin,
    TrainableMixin,
    BaseEstimator,
):
    """Two-layer convolutional deep Boltzmann machine with probabilistic max
    pooling (Lee et al. 2009 as a DBM, §20.6 and §20.4).

    Layer 1 is the hidden layer of a :class:`ConvolutionalRBM` over the
    images (rows of ``X``, flattened; binary or Gaussian pixels); its pooling units (one per
    pooling block: on iff a detector of the block is) are the input channels
    of layer 2, a second convolutional layer with probabilistic max pooling.
    Energy::

        E(v, h1, h2) = E_v(v; b) - sum h1 . (F1 * s(v) + c1) - sum h2 . (F2 * p1(h1) + c2)

    with ``p1(h1)`` the pooling units of layer 1, ``E_v(v; b) = -b.v`` and
    ``s(v) = v`` for binary pixels, ``E_v = 1/2 beta |v - b|^2`` and ``s(v) =
    beta v`` for Gaussian ones (``visible_type="gaussian"``: given layer 1
    the pixels are independent ``N(b + F1 ** h1, 1 / beta)``, with ``**``
    the full convolution). As in a DBM, the detectors
    of layer 1 get bottom-up input from the image **and** top-down input from
    layer 2 (through their pooling unit). Inference is mean field with one
    categorical factor per pooling block (eqs. 20.33-20.34), sampling is
    block Gibbs (layer 1 given the image and layer 2, then both of those
    given layer 1).

    Training: greedy layer-wise pretraining (``pretrain=True``) fits a
    :class:`ConvolutionalRBM` to the images and a second one to the pooling
    probabilities of the first (the convolutional DBN recipe of Lee et al.
    2009), and composes them: ``F1, c1, b`` from the first, ``F2, c2`` from
    the second (its visible biases are dropped, the pooling units have
    none). With ``pretrain_doubled=True`` the inputs are doubled as in the
    dense :class:`DBM` (Salakhutdinov & Hinton 2009): the first RBM has two
    tied copies of the image (its detectors receive ``2 F1 * s(v) + c1``,
    standing in for the top-down input they get in the DBM), the second two
    tied copies of its hidden layer (its visible units, the pooling units of
    layer 1, receive twice the top-down input), and the DBM takes their
    weights unchanged, so each layer gets half of what each neighbouring RBM
    trained it with. Without it the composed model double-counts layer 1's
    evidence at first. The joint training that follows (variational PCD,
    Algorithm 20.1: mean-field positive phase, persistent block-Gibbs
    negative phase) corrects what the composition gets wrong.

    The defaults were chosen for the features they give a linear
    classifier: on digits (8x8, pixels / 16, 75/25 stratified split at seed
    0), ``Pipeline([ConvolutionalDBM(), LogisticRegression(C=100)])``
    reached 0.973 test accuracy at seeds 0, 1 and 2 of the model (0.942,
    0.931, 0.927 with ``pretrain_doubled=False``; ``ConvolutionalRBM()`` in
    its place: 0.958-0.960 with its default 5x5 feature grid, 0.942-0.949
    with its pooling units); on 5,000 MNIST images (28x28), before doubled
    pretraining was the default, 0.954 with ``pretrain_max_iter=10``
    (``ConvolutionalRBM()``: 0.962, 0.945 with its pooling units); see
    ``benchmarks/bench_conv.py``. On
    the binarized digits (pixels >= 8, same split) the test bound is
    -21.30 nats (AIS log Z with 10,000 temperatures, +- 0.07). The second layer's pooled
    units alone are weak features there (0.50: one 1x1 pooling block per
    filter over 3x3 maps), so ``transform`` returns both layers by default.

    ``score_samples`` is the variational bound of the mean-field posterior,
    ``E_Q[-E(v, h)] + H(Q) - log Z``: a lower bound on ``log p(v)`` when
    ``log Z`` is exact (enumeration of layer 1's detector states for tiny
    models, ``score_kind_ = "lower_bound"``; with Gaussian pixels the image
    is integrated out in closed form given layer 1), an ``"estimate"`` of it
    with AIS (layer 1 summed out, the image and layer 2 annealed). With
    Gaussian pixels it bounds the log density (not a probability: it
    depends on the scale of the pixels).

    Parameters
    ----------
    n_filters : int or (int, int), default=(32, 32)
        Filters of layer 1 and layer 2 (one int: both).
    filter_shape : pair of ("auto", int or (int, int)), default=("auto", 2)
        Filter shape of each layer (one value: both), cut to the size of its
        input; ``"auto"`` is :class:`ConvolutionalRBM`'s ``round(1.5
        sqrt(side))``.
    pool_shape : int or pair, default=2
        Pooling block of each layer (one value: both), an int or ``(h, w)``
        per layer; a map it does not divide ends with smaller blocks.
    image_shape : (int, int), (int, int, int) or None, default=None
        As :class:`ConvolutionalRBM`.
    visible_type : {"bernoulli", "gaussian"}, default="bernoulli"
        Binary pixels (values in [0, 1] read as probabilities) or real ones.
        Real pixels want much smaller steps than binary ones (a
        convolutional Gaussian RBM diverges with large ones): the "auto"
        steps below follow ``visible_type``.
    precision : "auto" or float, default="auto"
        Gaussian pixels only: the precision ``beta`` of every pixel given
        layer 1 (shared, as the filters are); ``"auto"`` is one over the
        mean pixel variance of the training data (at least
        ``min_variance``), as :class:`ConvolutionalRBM`'s. The first
        pretraining RBM gets the same precision.
    min_variance : float, default=1e-3
        Floor of the variance behind ``precision="auto"``.
    boundary : {"valid", "same", "full"}, default="valid"
        Boundary handling of both layers (see :class:`ConvolutionalRBM`).
    sparsity_target : float in (0, 1) or None, default=0.05
        Sparsity target of the pretraining RBMs (not of the joint training).
    sparsity_cost : float, default=0.1
    pretrain : bool, default=True
        Greedy pretraining from two ConvolutionalRBMs (see above).
    pretrain_max_iter : int, default=5
        Epochs per pretraining RBM.
    pretrain_learning_rate : "auto" or float, default="auto"
        Step of the pretraining RBMs. ``"auto"`` gives each its
        :class:`ConvolutionalRBM` ``learning_rate="auto"``: 0.5 for binary
        visibles (the second RBM's, and the first's with binary pixels),
        ``0.5 / (beta * filter weights)`` for Gaussian pixels (``beta`` the
        precision; 0.0023 on digits / 16 with 4x4 filters).
    pretrain_doubled : bool, default=True
        Pretrain with doubled inputs (tied copies of the image below the
        first RBM and of layer 2 above the second; see above). On digits it
        gave better features (0.973 against 0.927-0.942 over three seeds)
        and a better binarized-digits bound after joint training (-21.30
        against -21.75 nats), though the composition before joint training
        is a worse density (-56.1 against -26.1).
    learning_rate : "auto" or float, default="auto"
        Step of the joint training. Filter and hidden-bias gradients are
        averaged over detector positions, as in ConvolutionalRBM. ``"auto"``
        is 0.05 for binary pixels and, for Gaussian ones, the Gaussian
        pretraining step of layer 1 (``0.5 / (beta * filter weights)``).
        On digits / 16 (precision 13.7, 4x4 filters) the joint training
        diverged at 0.01; 0.005 with
        ``pretrain_learning_rate=0.01`` gave features 0.976 with
        ``LogisticRegression(C=100)``, and the "auto" steps (0.0023 for
        both) 0.976, 0.969 and 0.973 at seeds 0, 1 and 2 of the model.
    batch_size : int, default=10
    max_iter : int, default=5
        Epochs of joint training.
    n_gibbs_steps : int, default=1
        Block-Gibbs sweeps of the persistent chains per update.
    n_chains : int or None, default=None
        Persistent chains; None means ``batch_size``.
    momentum : float, default=0.5
    weight_decay : float, default=0.0
        L2 penalty on the filters.
    n_mean_field_iter : int, default=10
        Maximum mean-field iterations.
    tol : float, default=1e-4
        Mean field stops when no probability moves by more than ``tol``.
    transform_layer : {1, 2} or None, default=None
        Whose mean-field pooling probabilities ``transform`` returns; None
        concatenates both layers (layer 1 first).
    shuffle : bool, default=True
    dtype : {None, numpy.float32, numpy.float64}, default=None
    verbose : int, default=0
        1 prints per-epoch time and the mean-field bound plus log Z of
        (up to 500) training images.
    random_state : int, RandomState instance, Generator or None, default=None
    warm_start : bool, default=False
    log_z : {"auto", "exact", "ais"} or float, default="auto"
        Enumeration up to ``exact_limit`` binary units' worth of layer-1
        states, else AIS.
    exact_limit : int, default=20
    ais_n_runs : int, default=100
    ais_n_temperatures : int or None, default=None
        None is the 14,501 temperatures of Salakhutdinov & Murray (2008).

    Attributes
    ----------
    components_ : list of two ndarray
        Filters ``F1`` (n_filters[0], channels, fh, fw) and ``F2``
        (n_filters[1], n_filters[0], fh, fw).
    intercepts_ : list of three ndarray
        Visible biases ``b`` (n_features,) and hidden biases ``c1``, ``c2``.
    geometry_ : ConvGeometry
        Shapes of layer 1; ``geometries_`` has both layers'.
    geometries_ : tuple of ConvGeometry
    image_shape_ : tuple of int
    chains_ : list of ndarray
        Persistent chains: images, layer-1 and layer-2 detector maps.
    base_rate_ : ndarray of shape (n_features,)
        Logits of the training marginals, or the mean image of Gaussian
        pixels (start of samplers and AIS).
    precision_ : ndarray of shape (n_features,)
        Gaussian pixels only.
    pretrained_rbms_ : list of ConvolutionalRBM
        The two pretraining RBMs (empty without pretraining); with
        ``pretrain_doubled`` they have tied copies of a layer (their
        ``copies`` attribute, ``(up, down)``) and the first one's
        ``transform`` is the pooling probabilities of the doubled input.
    log_partition_ : float
    log_partition_result_ : AISResult or LogPartitionResult
    score_kind_ : str
    n_iter_ : int
    random_state_ : numpy.random.Generator
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    ConvolutionalRBM : One convolutional layer.
    DBM : Dense deep Boltzmann machine.

    References
    ----------
    Lee, H., Grosse, R., Ranganath, R. and Ng, A. Y. (2009). Convolutional
    deep belief networks for scalable unsupervised learning of hierarchical
    representations. ICML.

    Salakhutdinov, R. and Hinton, G. (2009). Deep Boltzmann machines. AISTATS.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import ConvolutionalDBM
    >>> X = (np.random.default_rng(0).random((40, 36)) < 0.3).astype(float)
    >>> model = ConvolutionalDBM(n_filters=(4, 3), filter_shape=(3, 2), max_iter=2,
    ...                          pretrain_max_iter=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (40, 19)
    >>> model.sample(2, n_steps=10, random_state=0).shape
    (2, 36)
    """

    _parameter_constraints: dict = {
        "n_filters": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "filter_shape": [
            StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), "array-like",
        ],
        "pool_shape": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "pretrain": ["boolean"],
        "pretrain_max_iter": [Interval(Integral, 0, None, closed="left")],
        "pretrain_learning_rate": [
            StrOptions({"auto"}), Interval(Real, 0, None, closed="neither"),
        ],
        "pretrain_doubled": ["boolean"],
        "n_mean_field_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "transform_layer": [Interval(Integral, 1, 2, closed="both"), None],
        **{name: ConvolutionalRBM._parameter_constraints[name] for name in _SHARED_WITH_CONV_RBM},
    }

    _state_names = (
        "components_", "intercepts_", "chains_", "_velocity", "random_state_",
        "_log_partition_result",
    )
    _parameter_names = ("_flat_parameters",)

    def __init__(
        self,
        n_filters=(32, 32),
        *,
        filter_shape=("auto", 2),
        pool_shape=2,
        image_shape=None,
        visible_type="bernoulli",
        precision="auto",
        min_variance=1e-3,
        boundary="valid",
        sparsity_target=0.05,
        sparsity_cost=0.1,
        pretrain=True,
        pretrain_max_iter=5,
        pretrain_learning_rate="auto",
        pretrain_doubled=True,
        learning_rate="auto",
        batch_size=10,
        max_iter=5,
        n_gibbs_steps=1,
        n_chains=None,
        momentum=0.5,
        weight_decay=0.0,
        n_mean_field_iter=10,
        tol=1e-4,
        transform_layer=None,
        shuffle=True,
        dtype=None,
        verbose=0,
        random_state=None,
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
        self.precision = precision
        self.min_variance = min_variance
        self.boundary = boundary
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.pretrain = pretrain
        self.pretrain_max_iter = pretrain_max_iter
        self.pretrain_learning_rate = pretrain_learning_rate
        self.pretrain_doubled = pretrain_doubled
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.n_gibbs_steps = n_gibbs_steps
        self.n_chains = n_chains
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.n_mean_field_iter = n_mean_field_iter
        self.tol = tol
        self.transform_layer = transform_layer
        self.shuffle = shuffle
        self.dtype = dtype
        self.verbose = verbose
        self.random_state = random_state
        self.warm_start = warm_start
        self.log_z = log_z
        self.exact_limit = exact_limit
        self.ais_n_runs = ais_n_runs
        self.ais_n_temperatures = ais_n_temperatures

    # ------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Pretrain (optional) and train the model by variational PCD.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [channels,] height, width)
            Images (binary pixels: values in [0, 1]), rows flattened row-major.
        y : None
            Ignored.

        Returns
        -------
        self : ConvolutionalDBM
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One pass of variational PCD over X (the first call initialises
        without pretraining and fixes the image shape).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [channels,] height, width)
        y : None
            Ignored.

        Returns
        -------
        self : ConvolutionalDBM
        """
        return self._partial_fit(X)

    # input handling as ConvolutionalRBM's (the same images, one visible layer)
    _flatten = ConvolutionalRBM._flatten
    _input_shape = ConvolutionalRBM._input_shape
    _validate_X = ConvolutionalRBM._validate_X
    _image_shape = ConvolutionalRBM._image_shape
    _check_training_data = ConvolutionalRBM._check_training_data

    def _cast(self, X):
        return np.ascontiguousarray(X, dtype=self.components_[0].dtype)

    @property
    def _units(self):
        return check_unit_type(self.visible_type)

    # binary pixels warn outside [0, 1], real ones take any value
    _check_support = ConvolutionalRBM._check_support
    _visible_params = ConvolutionalRBM._visible_params

    def _layer_settings(self):
        n_filters = _per_layer(self.n_filters, "n_filters")
        filters = _per_layer(self.filter_shape, "filter_shape")
        pools = _per_layer(self.pool_shape, "pool_shape")
        return n_filters, filters, pools

    def _geometry(self, n_features, given):
        """Layer 1's shapes (the template's validation calls this first, so
        bad layer settings fail before a fitted model changes)."""
        channels, height, width = self._image_shape(n_features, given)
        n_filters, filters, pools = self._layer_settings()
        g1 = make_geometry((height, width), self._filter(filters[0], (height, width)),
                           pools[0], self.boundary, n_channels=channels)
        self._pending_geometries = (g1, make_geometry(
            g1.blocks_shape, self._filter(filters[1], g1.blocks_shape), pools[1],
            self.boundary, n_channels=n_filters[0]))
        return g1

    @staticmethod
    def _filter(spec, shape):
        if spec == "auto":
            return tuple(max(1, round(1.5 * np.sqrt(side))) for side in shape)
        return spec

    def _is_initialized(self):
        return hasattr(self, "components_")

    @property
    def _flat_parameters(self):
        return np.concatenate([np.ravel(a) for a in self.components_ + self.intercepts_])

    def _initialize(self, X, y, rng, *, partial):
        dtype = resolve_dtype(self.dtype, X)
        self.geometries_ = g1, g2 = self._pending_geometries
        n_filters = self._layer_settings()[0]
        if self.visible_type == "gaussian":  # as ConvolutionalRBM's
            variance = float(np.mean(np.var(X, axis=0, dtype=np.float64)))
            beta = (1.0 / max(variance, self.min_variance) if self.precision == "auto"
                    else float(self.precision))
            self.precision_ = np.full(X.shape[1], beta, dtype=dtype)
            bias = X.mean(axis=0, dtype=np.float64)
        else:
            bias = self._units.initial_parameters(X)["bias"]
        self.base_rate_ = np.asarray(bias, dtype=dtype)
        self.pretrained_rbms_ = []
        if self.pretrain and not partial:
            self._pretrain(X, n_filters, rng)
        else:
            self.components_ = [
                rng.normal(0.0, 0.01, (n_filters[0], g1.n_channels) + g1.filter_shape),
                rng.normal(0.0, 0.01, (n_filters[1], n_filters[0]) + g2.filter_shape),
            ]
            self.intercepts_ = [self.base_rate_.copy(), np.zeros(n_filters[0]),
                                np.zeros(n_filters[1])]
        self.components_ = [np.ascontiguousarray(a, dtype=dtype) for a in self.components_]
        self.intercepts_ = [np.ascontiguousarray(a, dtype=dtype) for a in self.intercepts_]
        self._velocity = [np.zeros_like(a) for a in self.components_ + self.intercepts_]
        n_chains = self.batch_size if self.n_chains is None else self.n_chains
        V = self._units.fresh(n_chains, self.base_rate_, rng, **self._visible_params())
        self.chains_ = [
            np.ascontiguousarray(V, dtype=dtype),
            np.zeros((n_chains, n_filters[0]) + g1.detector_shape, dtype=dtype),
            np.zeros((n_chains, n_filters[1]) + g2.detector_shape, dtype=dtype),
        ]
        self.n_iter_ = 0
        self._score_seed = draw_seed(rng)
        self._forget_log_partition()

    def _pretrain(self, X, n_filters, rng):
        """Greedy pretraining: a ConvolutionalRBM on the images, a second on
        the first one's pooling probabilities."""
        g1, g2 = self.geometries_
        shared = dict(
            boundary=self.boundary, sparsity_target=self.sparsity_target,
            sparsity_cost=self.sparsity_cost, learning_rate=self.pretrain_learning_rate,
            batch_size=self.batch_size, max_iter=self.pretrain_max_iter, dtype=self.dtype,
            verbose=self.verbose, transform_units="pooled", feature_grid=None,
        )
        data = X
        rbms = []
        # the first RBM sees the pixels (with this model's precision), the
        # second the first one's pooling probabilities (binary units)
        visible = [dict(visible_type=self.visible_type), {}]
        if self.visible_type == "gaussian":
            visible[0]["precision"] = float(self.precision_[0])
        # with doubling: two tied copies of the image below layer 1, two of
        # layer 2 above the pooled layer 1 (Salakhutdinov & Hinton 2009)
        copies = [(2, 1), (1, 2)] if self.pretrain_doubled else [None, None]
        for k, g, units, tied in zip(n_filters, (g1, g2), visible, copies):
            with warnings.catch_warnings():  # this fit has warned already
                warnings.simplefilter("ignore", OutOfSupportWarning)
                rbm = (ConvolutionalRBM if tied is None else TiedCopiesConvRBM)(
                    k, filter_shape=g.filter_shape, pool_shape=g.pool_shape,
                    image_shape=(g.n_channels,) + g.image_shape,
                    random_state=draw_seed(rng), **units, **shared,
                )
                if tied is not None:
                    rbm.copies = tied
                rbm.fit(data)
                data = rbm.transform(data)
            rbms.append(rbm)
        self.pretrained_rbms_ = rbms
        self.components_ = [rbms[0].components_, rbms[1].components_]
        self.intercepts_ = [rbms[0].intercept_visible_, rbms[0].intercept_hidden_,
                            rbms[1].intercept_hidden_]

    @property
    def _n_features_out(self):
        g1, g2 = self.geometries_
        widths = [self.components_[0].shape[0] * g1.blocks_shape[0] * g1.blocks_shape[1],
                  self.components_[1].shape[0] * g2.blocks_shape[0] * g2.blocks_shape[1]]
        return sum(widths) if self.transform_layer is None else widths[self.transform_layer - 1]

    def _layer(self):  # the name ConvolutionalRBM's borrowed methods use
        return self._math()

    def _math(self):
        g1, g2 = self.geometries_
        F1, F2 = self.components_
        b, c1, c2 = self.intercepts_
        bottom = ConvLayer(g1, self._units, F1, b, c1, self._visible_params())
        top = ConvLayer(g2, check_unit_type("bernoulli"), F2, np.zeros(g2.n_visible, dtype=F2.dtype), c2)
        return ConvDBMMath(bottom, top)

    def _training_data(self, X, y):
        return self._cast(X), y

    # the epoch loop and its learning rate as ConvolutionalRBM's (which calls
    # _update and _monitor below)
    _begin_epoch = ConvolutionalRBM._begin_epoch
    _run_epoch = ConvolutionalRBM._run_epoch

    def _learning_rate(self):
        """``learning_rate``, with ``"auto"`` resolved (see its entry)."""
        if self.learning_rate != "auto":
            return self.learning_rate
        if self.visible_type == "gaussian":
            return gaussian_step(self.precision_, int(np.prod(self.components_[0].shape[1:])))
        return _BINARY_JOINT_STEP

    def _monitor(self, X):
        if not self.verbose:
            return {}
        return {"mean-field bound + log Z": float(np.mean(self._unnormalized_bound(X[:500])))}

    def _update(self, V, rng):
        """One variational PCD step on the batch ``V``."""
        model = self._math()
        Q1, _, Q2, _ = model.mean_field(V, self.n_mean_field_iter, self.tol)
        V_neg, H1_neg, H2_neg = model.gibbs(self.chains_[0], self.chains_[2],
                                            self.n_gibbs_steps, rng)
        self.chains_ = [V_neg, H1_neg, H2_neg]
        dF1, dc1, db, dF2, dc2 = model.gradients(V, Q1, Q2, V_neg, H1_neg, H2_neg)
        dF1 = dF1 - self.weight_decay * self.components_[0]
        dF2 = dF2 - self.weight_decay * self.components_[1]
        params = self.components_ + self.intercepts_
        new_params, new_velocity = [], []
        for param, velocity, grad in zip(params, self._velocity, (dF1, dF2, db, dc1, dc2)):
            step = (self.momentum * velocity
                    + self._current_learning_rate * grad).astype(param.dtype)
            new_velocity.append(step)
            new_params.append((param + step).astype(param.dtype))
        self.components_, self.intercepts_ = new_params[:2], new_params[2:]
        self._velocity = new_velocity

    # ------------------------------------------------------------ inference
    def _posterior(self, V):
        model = self._math()
        return model, model.mean_field(V, self.n_mean_field_iter, self.tol)

    def _unnormalized_bound(self, V):
        model, (Q1, _, Q2, _) = self._posterior(V)
        return model.elbo_unnormalized(V, Q1, Q2)

    def _checked(self, X):
        check_is_fitted(self)
        X = self._cast(self._validate_X(X))
        self._check_support(X)
        return X

    def transform(self, X):
        """Mean-field pooling probabilities (layer ``transform_layer``, or
        both layers concatenated).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [channels,] height, width)

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
            Each layer flattened in the order (filter, row, column).
        """
        V = self._checked(X)
        model, (_, P1, Q2, _) = self._posterior(V)
        P2 = block_sum(Q2, model.top.geometry)
        n = V.shape[0]
        layers = [P1.reshape(n, -1), P2.reshape(n, -1)]
        if self.transform_layer is not None:
            return np.ascontiguousarray(layers[self.transform_layer - 1])
        return np.hstack(layers)

    # ------------------------------------------------------------ likelihood
    _score_kind_when_exact = "lower_bound"

    def _enumerated_units(self):
        return self._math().enumerated_units()

    def _exact_log_partition(self):
        return self._math().exact_log_partition()

    # AIS as ConvolutionalRBM's, through ConvDBMMath.ais (layer 1 summed
    # out, the images and layer 2 annealed from base_rate_)
    _ais_log_partition = ConvolutionalRBM._ais_log_partition
    estimate_log_partition = ConvolutionalRBM.estimate_log_partition

    def score_samples(self, X, return_std=False):
        """Variational lower bound on log p(v) of each image, in nats.

        ``E_Q[-E(v, h)] + H(Q) - log Z`` with Q the mean-field posterior; a
        lower bound when ``log Z`` is exact, an estimate of it with AIS (see
        ``score_kind_`` and ``log_partition_result_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, [channels,] height, width)
        return_std : bool, default=False
            Also return each score's standard error (that of ``log Z``).

        Returns
        -------
        bound : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        V = self._checked(X)
        return self._scores_with_std(self._unnormalized_bound(V) - self.log_partition_,
                                     return_std)

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
        model = self._math()
        V = self._cast(self._units.fresh(n_samples, self.base_rate_, rng,
                                         **self._visible_params()))
        g2 = self.geometries_[1]
        H2 = model.top.sample_hidden(
            np.zeros((n_samples, model.top.n_filters) + g2.detector_shape, V.dtype), rng, 0.0)
        return model.gibbs(V, H2, n_steps, rng)[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
