"""The deep Boltzmann machine estimator (§20.4): variational SML with mean
field, greedy pretraining and the centred gradient.

Conventions: layer 0 is the visible layer, layers 1..L the hidden ones.
``components_[l]`` has shape ``(n_{l+1}, n_l)`` (scikit-learn's
``(hidden, visible)`` layout of the RBM), ``intercepts_[l]`` is the bias of
layer ``l``. Energy (eq. 20.25 generalised to L layers, with biases)::

    E(v, h1, ..., hL) = - sum_l h_{l+1}^T W_l h_l - sum_l b_l . h_l,  h_0 = v.

With Gaussian visibles of precisions ``beta`` (``precision`` arguments below)
the visible terms are the Gaussian-Bernoulli RBM's (eq. 20.42 with a visible
mean)::

    E = 1/2 sum_j beta_j (v_j - b_0j)^2 - h_1^T W_0 (beta v) - (the rest as above),

so ``p(v | h_1) = N(b_0 + W_0^T h_1, 1 / beta)`` and h_1 sees ``W_0 (beta v)``;
a one-hidden-layer DBM is then exactly a :class:`GaussianBernoulliRBM`. With
categorical visibles ``v`` is one-hot in softmax groups (one per feature) and
the energy is the binary one, so ``p(v_f | h_1)`` is a softmax and a
one-hidden-layer DBM is a :class:`CategoricalRBM`.

The visible layer is a unit type of ``_units.py`` (``_visible_units``), whose
methods do everything that depends on the type; its own parameters (the
precisions and standardisation of Gaussian units) are passed to them as
keywords (``_visible_params``).

The math is in module-level functions of their own modules: mean field, the
ELBO and centering in ``_mean_field.py``, exact enumeration in
``_enumeration.py``, pretraining in ``_pretraining.py``; the hot loops are the
kernels of ``_kernels/_dbm.py``. The DBM classifier (Figure 20.4) is in
``_dbm_classifier.py``, the multi-prediction DBM (§20.4.5) in ``_mpdbm.py``.
"""

import numbers
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import GenerativeMixin, TrainableMixin
from ..utils.random import draw_seed
from ..utils.validation import resolve_dtype
from ._ais import ais_log_partition_dbm, ais_schedule
from ._categorical_rbm import _learn_categories
from ._dbm_inference import _DBMInference
from ._dbm_labels import _DBMLabels, _is_labelled, one_hot
from ._enumeration import _enumerated_units, exact_log_partition_dbm
from ._log_partition import LogPartitionMixin
from ._mean_field import (
    centered_parameters,
    centered_statistics,
    plain_parameters,
)
from ._pretraining import pretrain_layers
from ._units import check_unit_type

__all__ = ["DBM"]


class DBM(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _DBMLabels,
    _DBMInference,
    LogPartitionMixin,
    GenerativeMixin,
    TrainableMixin,
    BaseEstimator,
):
    """Deep Boltzmann machine with binary hidden units and binary, Gaussian
    or categorical visible units (§20.4).

    Energy (eq. 20.25 with biases, any number of hidden layers)
    ``E(v, h1..hL) = -sum_l h_{l+1}^T W_l h_l - sum_l b_l.h_l`` with
    ``h_0 = v``. With ``visible_type="gaussian"`` the visible terms are those
    of :class:`GaussianBernoulliRBM`: ``E = 1/2 sum_j beta_j (v_j - b_0j)^2 -
    h_1^T W_0 (beta v) - ...`` with ``beta = precision_``, so ``p(v | h_1) =
    N(b_0 + W_0^T h_1, 1 / beta)``, and a one-hidden-layer Gaussian DBM is a
    Gaussian-Bernoulli RBM with the same parameters; the visible layer is
    then trained in the standardized space of the training data (as
    ``GaussianBernoulliRBM``), its precision is fixed (``precision``), and
    ``score_samples`` bounds a log-density of the data as given. With
    ``visible_type="categorical"`` each feature is an integer-coded
    categorical variable (as :class:`CategoricalRBM` takes them), one-hot in
    a softmax group of the visible layer. Inference is mean field (eqs. 20.33-20.34), training is
    variational stochastic maximum likelihood (Algorithm 20.1): the positive
    phase from the mean-field posterior of the batch, the negative phase from
    persistent block-Gibbs chains alternating even and odd layers. By default
    the layers are first pretrained greedily as RBMs (§20.4.4) and the joint
    training uses the centred gradient (eq. 20.37, Montavon & Müller 2012).

    ``fit(X, y)`` with class labels trains the DBM jointly with a one-hot
    label layer on its top hidden layer (Fig. 20.4 b-c, Salakhutdinov &
    Hinton 2009). The label weights start from a softmax regression on the
    top layer, or from a top pretraining RBM that saw the labels beside the
    layer below (``label_init``). The labels are clamped in the positive
    phase and sampled in the persistent chains, ``predict_proba`` is p(y | v)
    by mean field, and ``score_samples`` bounds log p(v) with the labels
    summed out.

    ``score_samples`` is the variational bound of the mean-field posterior,
    ``E_Q[-E(v, h)] + H(Q) - log Z``. With ``log Z`` exact by enumeration
    (small models) it is a **lower bound** on ``log p(v)`` (``score_kind_ =
    "lower_bound"``); with an AIS estimate of ``log Z`` (larger models) it is
    an ``"estimate"`` of that bound: its standard error is
    ``log_partition_result_.log_z_std`` (``score_samples(X, return_std=True)``),
    and forward AIS is low in expectation, so the reported bound can be
    optimistic by that error.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Widths of the hidden layers, bottom to top.
    visible_type : {"bernoulli", "gaussian", "categorical"}, default="bernoulli"
        Unit type of the visible layer: binary (values in [0, 1] are read as
        probabilities), real with a fixed diagonal precision
        (``precision``; the energy of :class:`GaussianBernoulliRBM`), or
        categorical: integer-coded features (each distinct value of a column
        is a category, as :class:`CategoricalRBM`), one softmax group per
        feature; ``sample`` and ``impute`` then return category values. The
        Gaussian layer usually wants smaller learning rates (e.g.
        ``learning_rate=0.005``, ``pretrain_learning_rate=0.01``; too large a
        pretraining rate makes the Gaussian RBM diverge, a
        ``FloatingPointError``).
    categories : "auto" or list of array-like, default="auto"
        Categorical visibles only: the categories of each feature, learned
        from the training data (the sorted unique values, as
        :class:`~sklearn.preprocessing.OneHotEncoder`) or given, one sorted
        array per feature.
    handle_unknown : {"error", "ignore"}, default="error"
        Categorical visibles only: a value that is not a category at
        ``transform`` / scoring time raises a ValueError, or (``"ignore"``)
        leaves its group empty: the feature then sends no input to the
        hidden units and the row scores ``-inf``. Training data must always
        be known categories.
    precision : "auto", float or array-like of shape (n_features,), default="auto"
        Gaussian visibles only: precision (inverse variance) of the visible
        units given h_1, in the units of the data, fixed during training.
        ``"auto"`` uses ``1 / max(var_j, min_variance)`` of the training data
        per feature; a number or array fixes it (e.g. ``1.0`` for
        standardized data; an
        :class:`~skgenerative.exceptions.OutOfSupportWarning` says when the
        data vary far more than ``1 / sqrt(precision)``).
    min_variance : float, default=1e-3
        Gaussian visibles only: floor of the variances of ``"auto"`` and of
        the standard deviations used to standardize, so constant features
        cannot drive the density to infinity (§20.14).
    learning_rate : float, default=0.005
        Step size of the joint (variational SML) training.
    batch_size : int, default=20
        Rows per update, of the joint training and of the pretraining RBMs
        (at most the number of rows). Small batches give small data sets
        enough updates: at 100 rows, 10 pretraining epochs on the 1,347
        training digits were 140 updates, too few for the pretraining RBMs
        to leave their small initial weights (the top layer of the DBM came
        out nearly constant over the data).
    max_iter : int, default=10
        Epochs of joint training.
    n_gibbs_steps : int, default=5
        Block-Gibbs sweeps of the persistent chains per update.
    n_chains : int or None, default=None
        Number of persistent chains; None means ``batch_size``.
    n_mean_field_iter : int, default=30
        Maximum mean-field iterations.
    tol : float, default=1e-5
        Mean field stops when no unit moves by more than ``tol``.
    momentum : float, default=0.5
    weight_decay : float, default=0.0
        L2 penalty on the weights.
    learning_rate_schedule : {"constant", "linear"}, default="linear"
        ``"linear"`` decays the learning rate to 0 over ``max_iter`` epochs.
    pretrain : bool, default=True
        Greedy layer-wise pretraining (§20.4.4, Salakhutdinov & Hinton
        2009): the bottom RBM with two tied copies of the visible layer, the
        top RBM with two tied copies of the top layer, the RBMs in between
        with their weights halved, composed into the DBM.
    pretrain_max_iter : int, default=20
        Epochs per pretraining RBM.
    pretrain_learning_rate : float, default=0.05
    label_init : {"regression", "pretraining"}, default="regression"
        ``fit(X, y)`` only: where the label layer's weights start.
        ``"regression"``: the softmax regression of the labels on the top
        hidden layer's mean field after unlabelled pretraining.
        ``"pretraining"``: the top pretraining RBM sees the one-hot labels
        beside the layer below (Salakhutdinov & Hinton 2009) and its label
        weights start the joint training. The default classifies better on
        digits (p(y | v) 0.861 against 0.746 after 10 joint epochs at the
        other defaults): 20 generative epochs give the 10 label units little
        weight.
    centering : bool, default=True
        Centred gradient (eq. 20.37). The offsets start at the data mean for
        the visibles and the mean-field means of the data for the hidden
        layers (0.5 without pretraining), then follow ``offset_rate``.
    offset_rate : float in [0, 1], default=0.01
        With ``centering=True``, after the mean field of each batch the
        offsets move as sliding averages ``mu <- mu + offset_rate (<q> -
        mu)`` of the batch's data / mean-field means (Melchior et al. 2016),
        and the centred biases are re-expressed so that the model's
        distribution (the plain-energy ``components_``, ``intercepts_``) is
        unchanged by the move. 0 keeps the offsets fixed at their initial
        values.
    transform_layer : int or None, default=None
        Hidden layer returned by ``transform`` (1-based; negative counts from
        the top); None concatenates all hidden layers.
    log_z : {"auto", "exact", "ais"} or float, default="auto"
        How ``log Z`` is obtained; ``"auto"`` enumerates when at most
        ``exact_limit`` units must be enumerated. An AIS estimate whose
        effective sample size is below a tenth of its runs raises
        :class:`~skgenerative.exceptions.UnreliableEstimateWarning`.
    exact_limit : int, default=20
    ais_n_runs : int, default=100
    ais_n_temperatures : int, default=10000
    shuffle : bool, default=True
    dtype : {None, numpy.float32, numpy.float64}, default=None
        None follows the input.
    warm_start : bool, default=False
    verbose : int, default=0
    random_state : int, Generator or None, default=None

    Attributes
    ----------
    components_ : list of ndarray
        ``components_[l]`` of shape ``(n_{l+1}, n_l)``: plain-energy weights
        (offsets folded in).
    intercepts_ : list of ndarray
        Biases of the visible layer and each hidden layer.
    offsets_ : list of ndarray
        Centering offsets ``mu`` (zeros when ``centering=False``); sliding
        averages of the data / mean-field means when ``offset_rate > 0``.
        Gaussian visibles: ``offsets_[0]`` is zero and fixed (the visible
        layer is centred at the training mean by the standardization).
        Fitted with labels, the label layer's offset is last.
    precision_ : ndarray of shape (n_features,)
        Gaussian visibles only: the precisions ``beta`` of the visible units.
    categories_ : list of ndarray
        Categorical visibles only: the categories of each feature.
    feature_offsets_ : ndarray of shape (`n_features_in_` + 1,)
        Categorical visibles only: the one-hot columns (in ``components_[0]``,
        ``intercepts_[0]``, ...) of feature ``f`` are
        ``feature_offsets_[f]:feature_offsets_[f + 1]``.
    chains_ : list of ndarray
        States of the persistent chains, one array per layer (the label layer
        last when fitted with labels).
    classes_ : ndarray of shape (n_classes,)
        Fitted with labels only: the classes of ``y``.
    label_components_ : ndarray of shape (n_classes, n_L)
        Fitted with labels only: weights ``U`` between the one-hot label
        layer and the top hidden layer (energy ``- y^T U h_L - c.y``).
    label_intercept_ : ndarray of shape (n_classes,)
        Fitted with labels only: the label biases ``c``.
    base_rate_ : ndarray of shape (n_visible_units,)
        Logits of the training marginals (start of sampling chains and AIS);
        for Gaussian visibles the training mean (base model
        ``N(base_rate_, 1 / precision_)``); for categorical visibles the
        log-frequencies of the categories (independent softmax groups).
    log_partition_ : float
    log_partition_result_ : AISResult or LogPartitionResult
        How ``log_partition_`` was obtained: the AIS result (standard error,
        interval, effective sample size) or an exact / given value.
    pretrained_rbms_ : list of dict
        The pretraining RBMs (empty without pretraining): ``components``,
        ``intercept_visible``, ``intercept_hidden``, tied copies ``scales``
        ``(up, down)`` and ``weight_factor`` of each (see
        :func:`pretrain_layers`).
    n_iter_ : int
    random_state_ : numpy.random.Generator
    n_features_in_ : int
    feature_names_in_ : ndarray

    See Also
    --------
    BernoulliRBM : One hidden layer.
    GaussianBernoulliRBM : One hidden layer, Gaussian visibles.
    CategoricalRBM : One hidden layer, categorical visibles.
    DBMClassifier : DBM features fine-tuned as an MLP.

    References
    ----------
    Salakhutdinov, R. and Hinton, G. (2009). Deep Boltzmann machines. AISTATS.

    Montavon, G. and Müller, K.-R. (2012). Deep Boltzmann machines and the
    centering trick. Neural Networks: Tricks of the Trade.

    Melchior, J., Fischer, A. and Wiskott, L. (2016). How to center deep
    Boltzmann machines. JMLR 17.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import DBM
    >>> X = (np.random.default_rng(0).random((50, 6)) < 0.5).astype(float)
    >>> dbm = DBM(hidden_layer_sizes=(4, 3), max_iter=2, random_state=0).fit(X)
    >>> dbm.transform(X).shape
    (50, 7)
    >>> bool(np.all(dbm.score_samples(X) < 0))
    True
    >>> Z = np.random.default_rng(0).normal(size=(50, 3))
    >>> gdbm = DBM((4, 3), visible_type="gaussian", max_iter=2, random_state=0).fit(Z)
    >>> gdbm.sample(2, random_state=0).shape
    (2, 3)
    >>> C = np.random.default_rng(0).integers(0, 3, size=(50, 4))
    >>> cdbm = DBM((4, 3), visible_type="categorical", max_iter=2, random_state=0).fit(C)
    >>> cdbm.sample(2, random_state=0).dtype.kind
    'i'
    >>> y = (X[:, 0] > 0).astype(int)
    >>> joint = DBM((4,), max_iter=200, batch_size=10, learning_rate=0.05,
    ...             random_state=0).fit(X, y)
    >>> joint.predict_proba(X).shape
    (50, 2)
    >>> bool(np.mean(joint.predict(X) == y) > 0.9)
    True
    """


    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "visible_type": [StrOptions({"bernoulli", "gaussian", "categorical"})],
        "categories": [StrOptions({"auto"}), list],
        "handle_unknown": [StrOptions({"error", "ignore"})],
        "precision": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="neither"),
            "array-like",
        ],
        "min_variance": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "n_gibbs_steps": [Interval(Integral, 1, None, closed="left")],
        "n_chains": [Interval(Integral, 1, None, closed="left"), None],
        "n_mean_field_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "learning_rate_schedule": [StrOptions({"constant", "linear"})],
        "pretrain": ["boolean"],
        "pretrain_max_iter": [Interval(Integral, 1, None, closed="left")],
        "pretrain_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "label_init": [StrOptions({"regression", "pretraining"})],
        "centering": ["boolean"],
        "offset_rate": [Interval(Real, 0, 1, closed="both")],
        "transform_layer": [Integral, None],
        **LogPartitionMixin._log_partition_constraints,
        "shuffle": ["boolean"],
        "dtype": [None, type, np.dtype, str],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    _unlabelled_state_names = (
        "components_",
        "intercepts_",
        "_cW",
        "_cb",
        "offsets_",
        "_velocity",
        "chains_",
        "random_state_",
        "_log_partition_result",
    )
    _parameter_names = ("_flat_parameters",)

    @property
    def _state_names(self):
        """The trained state (the label layer's too when fitted with labels)."""
        if self._labelled():
            return self._unlabelled_state_names + ("label_components_", "label_intercept_")
        return self._unlabelled_state_names

    def __init__(
        self,
        hidden_layer_sizes=(64, 32),
        *,
        visible_type="bernoulli",
        categories="auto",
        handle_unknown="error",
        precision="auto",
        min_variance=1e-3,
        learning_rate=0.005,
        batch_size=20,
        max_iter=10,
        n_gibbs_steps=5,
        n_chains=None,
        n_mean_field_iter=30,
        tol=1e-5,
        momentum=0.5,
        weight_decay=0.0,
        learning_rate_schedule="linear",
        pretrain=True,
        pretrain_max_iter=20,
        pretrain_learning_rate=0.05,
        label_init="regression",
        centering=True,
        offset_rate=0.01,
        transform_layer=None,
        log_z="auto",
        exact_limit=20,
        ais_n_runs=100,
        ais_n_temperatures=10000,
        shuffle=True,
        dtype=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.visible_type = visible_type
        self.categories = categories
        self.handle_unknown = handle_unknown
        self.precision = precision
        self.min_variance = min_variance
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.n_gibbs_steps = n_gibbs_steps
        self.n_chains = n_chains
        self.n_mean_field_iter = n_mean_field_iter
        self.tol = tol
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.learning_rate_schedule = learning_rate_schedule
        self.pretrain = pretrain
        self.pretrain_max_iter = pretrain_max_iter
        self.pretrain_learning_rate = pretrain_learning_rate
        self.label_init = label_init
        self.centering = centering
        self.offset_rate = offset_rate
        self.transform_layer = transform_layer
        self.log_z = log_z
        self.exact_limit = exact_limit
        self.ais_n_runs = ais_n_runs
        self.ais_n_temperatures = ais_n_temperatures
        self.shuffle = shuffle
        self.dtype = dtype
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------ validation
    def _layer_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = (sizes,)
        sizes = tuple(sizes)
        if not sizes or any(not isinstance(s, numbers.Integral) or s < 1 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be a non-empty sequence of positive ints; "
                f"got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    # --------------------------------------------------------- visible layer
    #: The fitted attributes holding the visible layer's own parameters,
    #: by the keyword its unit type's methods take (Gaussian units).
    _VISIBLE_ATTRIBUTES = {"precision": "precision_", "scaling": "_scaling"}

    def _input_units(self, reset=False):
        """The visible unit type the input is checked against: the fitted
        one, or (before a new fit) one of ``visible_type``."""
        if reset or not hasattr(self, "_visible_units"):
            return check_unit_type(self.visible_type)
        return self._visible_units

    def _new_visible_units(self, X):
        """The visible unit type of a new fit (categories learned from ``X``
        or checked against it: a ValueError for bad ``categories``)."""
        if self.visible_type != "categorical":
            return check_unit_type(self.visible_type)
        return check_unit_type("categorical", categories=_learn_categories(X, self.categories),
                               handle_unknown=self.handle_unknown)

    def _visible_params(self):
        """The visible layer's own parameters, as keywords of its unit type."""
        return {key: getattr(self, name) for key, name in self._VISIBLE_ATTRIBUTES.items()
                if hasattr(self, name)}

    def _visible_values(self, X, dtype=None, handle_unknown=None):
        """The visible layer's values of validated data (one-hot groups of
        category codes), C-contiguous in the fitted dtype."""
        dtype = self.components_[0].dtype if dtype is None else dtype
        V = self._visible_units.encode(X, dtype=dtype, handle_unknown=handle_unknown)
        return np.ascontiguousarray(V)

    def _validate_X(self, X, *, reset):
        return validate_data(self, X, dtype=self._input_units(reset).input_dtype, reset=reset)

    def _check_support(self, X, reset=False):
        """Out-of-support warnings of the visible unit type: non-binary data
        (binary), non-integer codes (categorical), data far wider than a
        fixed Gaussian precision (the warning of :class:`GaussianBernoulliRBM`)."""
        precision = None
        if not isinstance(self.precision, str):
            precision = getattr(self, "precision_", None)
            if precision is None or precision.shape[0] != X.shape[1]:
                precision = np.asarray(self.precision, dtype=np.float64)
        self._input_units(reset).check_support(
            X, type(self).__name__, precision=precision,
            alternatives="precision='auto'")

    @property
    def _flat_parameters(self):
        Ws, bs, _ = self._energy_layers()
        return np.concatenate([np.ravel(a) for a in Ws + bs])

    # ----------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Pretrain (optional) and train the DBM by variational SML.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary data (values in [0, 1]), real data (Gaussian visibles) or
            category codes (categorical visibles).
        y : array-like of shape (n_samples,) or None, default=None
            Class labels: the DBM is trained jointly with a one-hot label
            layer on its top hidden layer (Salakhutdinov & Hinton 2009,
            Fig. 20.4 b-c; the top pretraining RBM sees the labels beside
            the layer below, and its label weights start the label layer),
            and
            ``predict_proba`` / ``predict`` give p(y | v) by mean field.
            None (the default) trains the DBM of X alone; a warm start of a
            DBM fitted with labels then trains p(v), the labels summed out.

        Returns
        -------
        self : DBM
        """
        return self._fit(X, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One pass of variational SML over X (initialises without
        pretraining on the first call, which also fixes the categories of
        categorical visibles).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or None, default=None
            Class labels, as in :meth:`fit`: given on the first call, they
            fix the classes; later calls give labels of those classes, or
            none (unlabelled rows then train p(v), the labels summed out).

        Returns
        -------
        self : DBM
        """
        return self._partial_fit(X, y)

    # template hooks (skgenerative.base.TrainableMixin)
    def _is_initialized(self):
        return hasattr(self, "components_")

    def _check_training_data(self, X, y, *, reset):
        X = self._validate_X(X, reset=reset)
        self._check_support(X, reset=reset)
        self._layer_sizes()  # a bad hidden_layer_sizes fails before any change
        y = self._check_labels(y, X.shape[0], reset)
        if reset:
            resolve_dtype(self.dtype, X)  # a bad dtype fails before any change
            self._new_visible_units(X)  # bad categories too
        return X, y

    def _initialize(self, X, y, rng, *, partial):
        dtype = resolve_dtype(self.dtype, X)
        for name in ("categories_", "feature_offsets_", *self._VISIBLE_ATTRIBUTES.values(),
                     "classes_", "label_components_", "label_intercept_"):
            self.__dict__.pop(name, None)  # left by a fit of another visible type or labels
        self._visible_units = units = self._new_visible_units(X)
        if units.name == "categorical":
            self.categories_, self.feature_offsets_ = units.categories, units.offsets
        V = self._visible_values(X, dtype, handle_unknown="error")
        labels = None if y is None else one_hot(y, np.unique(y), V.dtype)
        self._initialize_state(V, self._layer_sizes(), rng, pretrain=False if partial else None,
                               labels=labels)
        if y is not None:
            self._add_label_layer(V, y, rng)

    def _training_data(self, X, y):
        V = self._visible_values(X, handle_unknown="error")
        return V, None if y is None else self._one_hot(y, V.dtype)

    def _blas_work(self, X):
        rows = self.batch_size + self.chains_[0].shape[0]
        return rows * sum(W.size for W in self.components_)

    def _initialize_state(self, V, sizes, rng, pretrain=None, labels=None):
        """Initial parameters, offsets and chains from the visible values ``V``
        (and the one-hot ``labels``, seen by the top pretraining RBM).

        The centred parameters ``_cW``, ``_cb`` and ``offsets_`` live in the
        space the visible unit type is trained in (``to_training_space``):
        the data's for binary and categorical units; for Gaussian units that
        of ``z = (v - mean) / std`` (the training data's mean and standard
        deviation, floored at ``sqrt(min_variance)``), where the visible
        precisions are ``beta_z = beta std^2`` (1 with ``precision="auto"``),
        the visible layer enters the gradient as ``beta_z z`` (see
        :meth:`_sml_step`) and its offset stays 0. ``components_``,
        ``intercepts_`` (and ``precision_``) are the plain parameters of the
        density of the data as given.
        """
        units = self._visible_units
        dtype = V.dtype
        pretrain = self.pretrain if pretrain is None else pretrain
        nv = V.shape[1]
        all_sizes = (nv,) + sizes
        fitted = units.initial_parameters(V, precision=self.precision,
                                          min_variance=self.min_variance)
        for key, value in units.own_parameters(fitted, dtype).items():
            setattr(self, self._VISIBLE_ATTRIBUTES[key], value)
        params = self._visible_params()
        self.base_rate_ = fitted["bias"].astype(dtype)
        self.pretrained_rbms_ = []
        if pretrain:
            Ws, bs, self.pretrained_rbms_ = pretrain_layers(
                V, sizes, learning_rate=self.pretrain_learning_rate,
                batch_size=min(self.batch_size, max(1, V.shape[0])),
                n_epochs=self.pretrain_max_iter, rng=rng, visible=units,
                labels=labels if self._pretrains_labels(len(sizes)) else None,
                **units.own_parameters(fitted, np.float64),
            )
            Ws, bs = units.to_training_space(Ws, bs, **params)
        else:  # small weights, the base model's visible bias, zero hidden biases
            Ws = [rng.normal(0.0, 0.01, (all_sizes[l + 1], all_sizes[l])) for l in range(len(sizes))]
            bs = [units.base_bias(self.base_rate_, **params)] + [np.zeros(n) for n in sizes]
        Ws = [np.ascontiguousarray(W, dtype=dtype) for W in Ws]
        bs = [np.ascontiguousarray(b, dtype=dtype) for b in bs]
        mu = [fitted["mean"].astype(dtype) if self.centering and not units.centred_by_scaling
              else np.zeros(nv, dtype=dtype)]
        if self.centering and pretrain:  # the hidden offsets: mean-field means of the data
            self._cW, self._cb = Ws, bs
            self.offsets_ = [np.zeros(n, dtype=dtype) for n in all_sizes]
            self._sync_plain()
            Q, _ = self._mean_field(V[:1000])
            mu += [q.mean(axis=0).astype(dtype) for q in Q[1:]]
        else:
            mu += [np.full(n, 0.5 if self.centering else 0.0, dtype=dtype) for n in sizes]
        self.offsets_ = mu
        self._cW, self._cb = centered_parameters(Ws, bs, mu)
        self._sync_plain()
        self._velocity = [np.zeros_like(W) for W in self._cW] + [np.zeros_like(b) for b in self._cb]
        n_chains = self.batch_size if self.n_chains is None else self.n_chains
        self.chains_ = [units.chain_start(n_chains, self.base_rate_, rng, dtype, **params)] + [
            (rng.random((n_chains, n)) < 0.5).astype(dtype) for n in sizes
        ]
        self._finish_initialize(sizes, rng)

    def _finish_initialize(self, sizes, rng):
        self._n_features_out = self._transform_width(sizes)
        self.n_iter_ = 0
        self._score_seed = draw_seed(rng)
        self._forget_log_partition()

    def _standardize_plain(self, Ws, bs):
        """Plain parameters -> the visible unit type's training space."""
        return self._visible_units.to_training_space(Ws, bs, **self._visible_params())

    def _sync_plain(self):
        """``components_``, ``intercepts_`` from the centred parameters."""
        Wz, bz = plain_parameters(self._cW, self._cb, self.offsets_)
        self._split_labels(*self._visible_units.from_training_space(
            Wz, bz, **self._visible_params()))

    def _begin_epoch(self, epoch, n_epochs):
        if self.learning_rate_schedule == "linear" and n_epochs > 0:
            self._current_lr = self.learning_rate * (1 - epoch / n_epochs)
        else:
            self._current_lr = self.learning_rate

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        n = X.shape[0]
        rows = rng.permutation(n) if shuffle else np.arange(n)
        n_batches = int(np.ceil(n / self.batch_size))
        bounds = (np.arange(n_batches + 1) * n) // n_batches
        dtype = self.components_[0].dtype
        for i in range(n_batches):
            batch_rows = rows[bounds[i] : bounds[i + 1]]
            batch = np.ascontiguousarray(X[batch_rows], dtype=dtype)
            self._sml_step(batch, rng, None if y is None else y[batch_rows])
            progress(batch.shape[0])
        self._forget_log_partition()
        if not self.verbose:
            return {}
        Q, _ = self._mean_field(X[:500])
        return {"mean-field ELBO + log Z": float(np.mean(self._elbo(Q)))}

    def _update_offsets(self, means):
        """Move the offsets towards ``means`` (one per layer) by
        ``offset_rate`` and re-centre the parameters; the plain-energy
        parameters, hence the model's distribution, are left as they are."""
        rate = self.offset_rate
        plain = plain_parameters(self._cW, self._cb, self.offsets_)  # in the training space
        if self._visible_units.centred_by_scaling:  # the visible offset stays at 0
            means = [self.offsets_[0]] + list(means[1:])
        for mu, m in zip(self.offsets_, means):
            mu += (rate * (np.asarray(m, dtype=np.float64) - mu)).astype(mu.dtype)
        self._cW, self._cb = centered_parameters(*plain, self.offsets_)

    def _sml_step(self, V, rng, Y=None):
        """One update of Algorithm 20.1 in the centred parametrisation (the
        label layer, if any, clamped to the one-hot ``Y`` in the positive
        phase and sampled in the chains).

        The visible layer enters the gradient through its unit type's
        ``training_statistic``: ``v`` itself (binary, one-hot), or for
        Gaussian visibles ``beta_z z``: the energy in the standardized space
        is, up to a term without parameters, the binary one with visible
        state ``beta_z z`` (``-1/2 beta_z (z - b)^2 = beta_z z b - 1/2 beta_z
        z^2 - const(b)``, the last term cancelling in ``log p``), so the same
        centred gradient applies with ``beta_z z`` in the visible slot.
        """
        Q, _ = self._mean_field(V, labels=Y)
        if self.centering and self.offset_rate > 0:
            self._update_offsets([q.mean(axis=0) for q in Q])
        chains = tuple(self.chains_)
        self._gibbs(chains, np.zeros((0, 0), V.dtype), self.n_gibbs_steps, rng)
        units, params = self._visible_units, self._visible_params()
        Q = [units.training_statistic(Q[0], **params)] + list(Q[1:])
        chains = (units.training_statistic(chains[0], **params),) + chains[1:]
        pos_pair, pos_mean = centered_statistics(Q, self.offsets_)
        neg_pair, neg_mean = centered_statistics(chains, self.offsets_)
        lr, mom = self._current_lr, self.momentum
        L = len(self._cW)
        for l in range(L):
            grad = pos_pair[l] - neg_pair[l]
            if self.weight_decay:
                grad -= self.weight_decay * self._cW[l]
            vel = self._velocity[l]
            vel *= mom
            vel += lr * grad
            self._cW[l] += vel
        for l in range(L + 1):
            vel = self._velocity[L + l]
            vel *= mom
            vel += lr * (pos_mean[l] - neg_mean[l])
            self._cb[l] += vel
        self._sync_plain()

    # ------------------------------------------------------------ likelihood
    _score_kind_when_exact = "lower_bound"

    def _enumerated_units(self):
        return _enumerated_units([b.shape[0] for b in self.intercepts_],
                                 self._visible_units.enumerable)

    def _ais_log_partition(self, n_runs, n_temperatures, random_state):
        betas = ais_schedule(n_temperatures)
        if self._labelled():
            return self._ais_log_partition_labelled(ais_log_partition_dbm, n_runs, betas,
                                                    random_state)
        return ais_log_partition_dbm(self, n_runs=n_runs, betas=betas, random_state=random_state)

    def _exact_log_partition(self):
        if self._labelled():
            return self._exact_log_partition_labelled()
        return exact_log_partition_dbm(self.components_, self.intercepts_, self._visible_units,
                                       **self._visible_params())

    def score_samples(self, X, return_std=False):
        """Variational lower bound on log p(v) of each row, in nats.

        ``E_Q[-E(v, h)] + H(Q) - log Z`` with Q the mean-field posterior; a
        lower bound when ``log Z`` is exact, and up to the AIS error of
        ``log Z`` otherwise (see ``log_partition_result_``). Categorical
        visibles: a row with an unknown category (``handle_unknown="ignore"``)
        scores ``-inf``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard error of each score: the error of the
            AIS estimate of ``log Z`` (0 when exact or given).

        Returns
        -------
        bound : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        V = self._visible_values(X)
        Q, _ = self._mean_field(V)
        units = self._visible_units
        bound = np.where(units.complete_rows(V), self._elbo(Q) - self.log_partition_, -np.inf)
        return self._scores_with_std(bound, return_std)

    @available_if(_is_labelled)
    def predict_proba(self, X):
        """Class probabilities p(y | v) by mean field (a DBM fitted with
        labels): the categorical factor of the label layer in the mean-field
        posterior of ``v`` (the labels free, the hidden layers inferred with
        them).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        return self._label_posterior(X)

    @available_if(_is_labelled)
    def predict(self, X):
        """The most probable class under :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
