"""Deep belief networks (§20.3): the generative DBN.

A DBN with ``L`` hidden layers is a stack of RBMs trained greedily
(eq. 20.21): RBM ``l`` models the hidden probabilities (or samples) of RBM
``l - 1`` driven by the data. The top RBM stays an undirected associative
memory over ``(h_{L-1}, h_L)`` (eq. 20.17); the layers below it become
directed sigmoid layers ``p(h_{l} | h_{l+1})`` (eqs. 20.18-20.19) with
generative weights, and the upward (recognition) weights of the same RBMs give
the approximate posterior ``q`` and the MLP view (eqs. 20.22-20.23).

The layers are :class:`~skgenerative.boltzmann.BernoulliRBM` estimators (their
kernels, initialisation and epoch loop), stacked by ``_stacked_rbms.py``; this
module adds the variational bound and importance-sampled estimate of
``log p(v)``, the up-down (wake-sleep) fine-tuning of the untied weights and
the ancestral sampler. The discriminative fine-tuning of the MLP through
:mod:`skgenerative.nn` is :class:`DBNClassifier` (``_dbn_classifier.py``).
"""

import numbers
from numbers import Integral, Real

import numpy as np
from scipy.special import expit, logsumexp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import GenerativeMixin, TrainableMixin
from ..utils._threads import blas_threads
from ..utils._monte_carlo import log_mean_exp_and_std
from ..utils.random import row_generators
from ..nn import make_optimizer
from ..utils.random import check_generator, draw_seed
from ._ais import ais_log_partition
from ._dbn_math import (
    _enumerated_log_weights,
    _log_joint_unnormalized,
    _log_q,
    _sample_down,
    _sample_recognition,
    _up_down_step,
    _upward_means,
)
from ._log_partition import LogPartitionMixin
from ._stacked_rbms import _VISIBLE_RBMS, _StackedRBMs

__all__ = ["DBN"]

#: The bound sums over the intermediate layers' states exactly when they have
#: at most this many units in total (2**12 states per row).
_ENUMERATE_BOUND_UNITS = 12
#: Importance samples x rows processed at once when scoring.
_SCORE_BLOCK = 20_000


class DBN(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    LogPartitionMixin,
    GenerativeMixin,
    TrainableMixin,
    _StackedRBMs,
    BaseEstimator,
):
    """Deep belief network (§20.3): a generative model with an undirected top
    RBM and directed sigmoid layers below it.

    Training is greedy and layer-wise (Hinton, Osindero & Teh 2006; eq. 20.21):
    RBM ``l`` is a :class:`BernoulliRBM` fitted to the hidden probabilities (or
    samples) of RBM ``l - 1`` on the data. The top RBM becomes the associative
    memory ``P(h_{L-1}, h_L)`` (eq. 20.17); the lower RBMs give the directed
    layers ``P(h_l | h_{l+1})`` (eqs. 20.18-20.19, generative weights) and the
    recognition weights of the approximate posterior
    ``q(h_1 | v) q(h_2 | h_1) ...``. After greedy training both are tied (the
    same RBM weights); ``fine_tune="wake-sleep"`` unties them and improves both
    by the up-down algorithm.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(256, 256)
        Widths of the hidden layers, bottom (next to the data) to top. One
        layer gives a plain RBM.
    visible_type : {"bernoulli", "gaussian"}, default="bernoulli"
        Unit type of the data layer: binary (values in [0, 1] are read as
        probabilities), or real with a diagonal precision (eq. 20.20; the
        first layer is then a :class:`GaussianBernoulliRBM` with its default
        ``precision="auto"``, and ``score_samples`` is a log-density). The
        Gaussian layer usually wants a smaller ``learning_rate`` (e.g. 0.01,
        its own default). ``"categorical"``: each feature is an integer-coded
        categorical variable (softmax group, one-hot coded internally); the
        first layer is a :class:`CategoricalRBM`, ``sample`` returns category
        values and ``score_samples`` is a log-probability.
    categories : "auto" or list of array-like, default="auto"
        Categories of each feature when ``visible_type="categorical"`` (as
        :class:`CategoricalRBM`): the sorted unique values of the training
        data, or one sorted array per feature. A value outside them at
        ``transform`` or scoring time raises a ValueError. Ignored otherwise.
    learning_rate : float or sequence of float, default=0.1
        Learning rate of each layer's RBM (one for all layers, or one per
        layer; likewise for the following RBM hyperparameters).
    batch_size : int or sequence of int, default=10
    max_iter : int or sequence of int, default=10
        Epochs of each layer's RBM.
    method : {"pcd", "cd"} or sequence, default="pcd"
        Persistent or plain contrastive divergence per layer.
    n_gibbs_steps : int or sequence of int, default=1
        The k of (P)CD-k per layer (also the top RBM's sweeps in the sleep
        phase of wake-sleep).
    momentum : float or sequence of float, default=0.0
    weight_decay : float or sequence of float, default=0.0
        L2 weight penalty per layer.
    layer_input : {"mean", "sample"}, default="mean"
        What each RBM is trained on: the hidden probabilities of the layer
        below, or a binary sample of them (eq. 20.21 in the letter).
    layer_init : {"random", "stacked"}, default="random"
        ``"random"``: each RBM starts from small random weights.
        ``"stacked"``: each RBM above the first starts as the upside-down
        copy of the RBM below (weights transposed, biases swapped; Hinton et
        al. 2006), which needs ``hidden_layer_sizes[l] == n_{l-1}``: the
        added layer then starts with exactly the shallower model's
        likelihood, and training it raises the variational bound.
    fine_tune : {None, "wake-sleep"}, default=None
        ``"wake-sleep"`` runs the up-down algorithm after pretraining: the
        recognition and generative weights of the directed layers become
        separate parameters; the top RBM keeps training on the wake states.
    fine_tune_iter : int, default=10
        Epochs of wake-sleep.
    fine_tune_learning_rate : float, default=0.01
        Step size of the wake-sleep delta rules (the top RBM uses its own
        ``learning_rate``).
    fine_tune_batch_size : int, default=10
    features : {"all", "top"}, default="all"
        What :meth:`transform` returns: all hidden layers' means concatenated
        (bottom to top, as :meth:`DBM.transform` does by default), or the top
        layer's means only. The top layer alone loses information the
        lower layers carry: on digits (pixels / 16, ``(256, 100)``,
        ``LogisticRegression(C=100)`` on the features) 0.84 test accuracy
        with ``"top"``, 0.94 with ``"all"``.
    score_method : {"bound", "importance"}, default="bound"
        What :meth:`score_samples` returns: the variational lower bound
        (:meth:`variational_bound`) or the importance-sampled estimate of
        ``log p(v)`` (:meth:`importance_estimate`).
    n_importance_samples : int, default=100
        Samples from ``q`` per row for the bound (when the intermediate
        layers are too wide to enumerate) and the importance estimate.
    log_z : {"auto", "exact", "ais"} or float, default="auto"
        How the top RBM's ``log Z`` is obtained: ``"auto"`` enumerates when
        its smaller layer has at most ``exact_limit`` units, else AIS (an AIS
        estimate whose effective sample size is below a tenth of its runs
        raises :class:`~skgenerative.exceptions.UnreliableEstimateWarning`).
    exact_limit : int, default=20
    ais_n_runs : int, default=100
        AIS chains for ``log Z``.
    ais_n_temperatures : None or int, default=None
        AIS schedule: None is Salakhutdinov & Murray's 14,501 temperatures,
        an int a schedule of that length (see
        :func:`skgenerative.evaluation.ais_schedule`).
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Compute dtype; None follows the input.
    warm_start : bool, default=False
        When True and the model is fitted, ``fit`` continues instead of
        starting anew: each layer RBM trains ``max_iter`` more epochs for
        its layer (0: it stays as it is; e.g. ``max_iter=(1, 0)`` trains the
        bottom layer one more epoch), warm-started (weights, persistent
        chains, random stream), on the outputs of the layers below as they
        are now. If any layer trained, the directed layers are tied to the
        RBMs again (earlier wake-sleep updates are dropped: the layers under
        them changed); then ``fine_tune_iter`` epochs of wake-sleep run. With
        ``max_iter=0`` only wake-sleep continues. The layer sizes must not
        change.
    verbose : int, default=0
    random_state : int, Generator or None, default=None
        Fixes every layer, the fine-tuning and the seeds of scoring.

    Attributes
    ----------
    rbms_ : list of BernoulliRBM
        The layer RBMs as pretrained, bottom to top (the first one a
        GaussianBernoulliRBM or CategoricalRBM for those visible types).
        ``rbms_[-1]`` is the top RBM of the model (``top_rbm_``, further
        trained by wake-sleep).
    top_rbm_ : BernoulliRBM
        The associative memory ``P(h_{L-1}, h_L)``.
    generative_weights_ : list of ndarray
        ``generative_weights_[l]`` of shape ``(n_{l+1}, n_l)``: the top-down
        weights of ``P(h_l | h_{l+1})`` (``h_0 = v``; one column per category
        of each feature for categorical data), one per directed layer.
    generative_biases_ : list of ndarray
        Biases of ``h_l`` in ``P(h_l | h_{l+1})``, shape ``(n_l,)``.
    recognition_weights_ : list of ndarray
        ``recognition_weights_[l]`` of shape ``(n_l, n_{l+1})``: the bottom-up
        weights of ``q(h_{l+1} | h_l)``, one per directed layer.
    recognition_biases_ : list of ndarray
        Biases of ``h_{l+1}`` in ``q(h_{l+1} | h_l)``.
    visible_precision_ : ndarray of shape (n_features,) or None
        Precisions ``beta`` of Gaussian data units (eq. 20.20); None for
        binary data.
    categories_ : list of ndarray
        The categories of each feature (``visible_type="categorical"`` only;
        the first RBM's ``categories_``).
    log_partition_ : float
        The top RBM's ``log Z`` (exact or AIS; computed on first use, cached).
    log_partition_result_ : AISResult or LogPartitionResult
        How ``log_partition_`` was obtained (computed on first use): the AIS
        run (standard error, interval, effective sample size) or an exact /
        given value.
    score_kind_ : {"lower_bound", "estimate"}
        ``"lower_bound"`` when ``score_samples`` is the variational bound with
        an exact ``log Z``; ``"estimate"`` when it is importance-sampled or
        ``log Z`` comes from AIS.
    n_iter_ : int
        Epochs run in total: all layers' pretraining plus fine-tuning.
    layer_n_iter_ : list of int
        Pretraining epochs of each layer.
    dtype_ : numpy.dtype
    random_state_ : numpy.random.Generator
        The estimator's stream (continued by ``sample``).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    BernoulliRBM : One layer; a DBN with one hidden layer is an RBM.
    DBNClassifier : DBN pretraining, then discriminative fine-tuning.
    skgenerative.latent.SigmoidBeliefNet : Fully directed, trained jointly.

    Notes
    -----
    Likelihoods. ``log p(v)`` of a DBN is intractable (§20.3). With
    ``q(h | v) = q(h_1 | v) ... q(h_{L-1} | h_{L-2})`` given by the
    recognition weights and ``p*(v, h) = p(v | h_1) ... p(h_{L-2} | h_{L-1})
    exp(-F_top(h_{L-1}))``,

    ``log p(v) >= E_q[log p*(v, h) - log q(h | v)] - log Z_top``

    (Hinton et al. 2006; Salakhutdinov & Murray 2008). The expectation is
    summed exactly when the intermediate layers have at most 12 units in
    total, else estimated from ``n_importance_samples`` draws of ``q``
    (unbiased for the bound); the importance estimate
    ``log mean_i p*(v, h_i) / q(h_i | v) - log Z_top`` is never below the
    bound for the same draws, is a lower bound on ``log p(v)`` in
    expectation, and converges to it as the number of samples grows. With
    one hidden layer both are the exact RBM log-likelihood. Samples are drawn
    from per-row seeds derived from a seed stored at fit: scores are
    deterministic and independent of the other rows. ``log Z_top`` is exact by
    enumeration for small top RBMs; otherwise a forward-AIS estimate
    (optimistic in expectation), which makes the score an estimate.

    Sampling (§20.3): Gibbs sampling in the top RBM, then one ancestral
    pass down the directed layers.

    References
    ----------
    Hinton, G. E., Osindero, S. and Teh, Y. W. (2006). A fast learning
    algorithm for deep belief nets. Neural Computation 18(7).

    Salakhutdinov, R. and Murray, I. (2008). On the quantitative analysis of
    deep belief networks. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import DBN
    >>> X = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(float)
    >>> dbn = DBN(hidden_layer_sizes=(6, 4), max_iter=5, random_state=0).fit(X)
    >>> dbn.transform(X).shape
    (200, 10)
    >>> dbn.sample(3, n_steps=100).shape
    (3, 12)
    >>> dbn.score_kind_
    'lower_bound'
    """

    _parameter_constraints = {
        **_StackedRBMs._pretrain_constraints,
        "visible_type": [StrOptions(set(_VISIBLE_RBMS))],
        "categories": [StrOptions({"auto"}), list],
        "fine_tune": [StrOptions({"wake-sleep"}), None],
        "fine_tune_iter": [Interval(Integral, 0, None, closed="left")],
        "fine_tune_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "fine_tune_batch_size": [Interval(Integral, 1, None, closed="left")],
        "features": [StrOptions({"top", "all"})],
        "score_method": [StrOptions({"bound", "importance"})],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        **LogPartitionMixin._log_partition_constraints,
    }

    _state_names = (
        "generative_weights_", "generative_biases_", "recognition_weights_",
        "recognition_biases_", "top_rbm_", "_fine_tune_optimizer", "random_state_",
    )
    _parameter_names = ("_parameter_vector",)

    def __init__(
        self,
        hidden_layer_sizes=(256, 256),
        *,
        visible_type="bernoulli",
        categories="auto",
        learning_rate=0.1,
        batch_size=10,
        max_iter=10,
        method="pcd",
        n_gibbs_steps=1,
        momentum=0.0,
        weight_decay=0.0,
        layer_input="mean",
        layer_init="random",
        fine_tune=None,
        fine_tune_iter=10,
        fine_tune_learning_rate=0.01,
        fine_tune_batch_size=10,
        features="all",
        score_method="bound",
        n_importance_samples=100,
        log_z="auto",
        exact_limit=20,
        ais_n_runs=100,
        ais_n_temperatures=None,
        dtype=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.visible_type = visible_type
        self.categories = categories
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.method = method
        self.n_gibbs_steps = n_gibbs_steps
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.layer_input = layer_input
        self.layer_init = layer_init
        self.fine_tune = fine_tune
        self.fine_tune_iter = fine_tune_iter
        self.fine_tune_learning_rate = fine_tune_learning_rate
        self.fine_tune_batch_size = fine_tune_batch_size
        self.features = features
        self.score_method = score_method
        self.n_importance_samples = n_importance_samples
        self.log_z = log_z
        self.exact_limit = exact_limit
        self.ais_n_runs = ais_n_runs
        self.ais_n_temperatures = ais_n_temperatures
        self.dtype = dtype
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)  # layer RBMs validate per-layer values
    def fit(self, X, y=None):
        """Greedy layer-wise training, then optional wake-sleep fine-tuning.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data: values in [0, 1] (binary visibles), real
            (Gaussian) or category codes (categorical).
        y : None
            Ignored.

        Returns
        -------
        self : DBN
            The fitted model.
        """
        return self._fit(X)

    # template hooks (skgenerative.base.TrainableMixin): greedy pretraining
    # is the initialisation, wake-sleep fine-tuning the epochs
    def _check_training_data(self, X, y, *, reset):
        X = self._validate_X(X, reset=reset)
        self._check_support(X)
        return X, None

    def _initialize(self, X, y, rng, *, partial):
        self.rbms_ = self._pretrain(X, rng)
        self._tie_to_rbms(rng)

    def _continue_initialization(self, X, y, rng):
        sizes = self._layer_sizes()
        if list(sizes) != [r.n_components for r in self.rbms_]:
            raise ValueError(
                f"warm_start=True continues the fitted layers {[r.n_components for r in self.rbms_]}"
                f", but hidden_layer_sizes is now {list(sizes)}: set warm_start=False to "
                "train a new model."
            )
        if all(p["n_iter"] == 0 for p in self._layer_params(len(sizes))):
            return  # only wake-sleep continues
        self.rbms_ = self._pretrain(X, rng, rbms=self.rbms_)
        self._tie_to_rbms(rng)

    def _tie_to_rbms(self, rng):
        """The model of the layer RBMs as they are (greedy training's result)."""
        self.top_rbm_ = self.rbms_[-1]
        self._untie()
        self.layer_n_iter_ = [rbm.n_iter_ for rbm in self.rbms_]
        self.n_iter_ = int(sum(self.layer_n_iter_))
        self._score_seed = draw_seed(rng)
        self._forget_log_partition()
        if self._max_epochs() > 0:
            # the top RBM trains on wake states one minibatch per partial_fit
            self.top_rbm_.set_params(batch_size=self.fine_tune_batch_size, verbose=0)

    def _training_data(self, X, y):
        return self._visible_values(X), y

    @property
    def _data_units(self):
        """The data layer's unit type (the first RBM's visible units)."""
        return self.rbms_[0]._visible_units

    def _visible_values(self, X):
        """The data layer's values: one-hot groups of categorical codes
        (unknown categories raise a ValueError), else ``X`` itself."""
        return self._data_units.encode(X, dtype=X.dtype, handle_unknown="error")

    def _visible_codes(self, V):
        """Inverse of :meth:`_visible_values`."""
        return self._data_units.decode(V)

    def _max_epochs(self):
        return self.fine_tune_iter if self.fine_tune == "wake-sleep" else 0

    def _untie(self):
        """Copy the directed layers' weights out of the RBMs (tied at first)."""
        lower = self.rbms_[:-1]
        self.generative_weights_ = [r.components_.copy() for r in lower]
        self.generative_biases_ = [r.intercept_visible_.copy() for r in lower]
        # q(h | v) sees the layer's statistic (beta * v for Gaussian units):
        # folded into the bottom-up weights
        self.recognition_weights_ = [np.ascontiguousarray(r._recognition_weights()) for r in lower]
        first = self.rbms_[0]
        # the data layer's own parameters (Gaussian precisions), fixed from here
        self._data_params = {k: v.copy() for k, v in first._visible_params().items()}
        self.visible_precision_ = self._data_params.get("precision")  # public, as before
        self.recognition_biases_ = [r.intercept_hidden_.copy() for r in lower]
        if hasattr(first, "categories_"):
            self.categories_ = first.categories_
        self._fine_tune_optimizer = make_optimizer(
            "sgd", self._wake_sleep_parameters, self.fine_tune_learning_rate
        )

    def _wake_sleep_parameters(self):
        params = {}
        for l in range(len(self.generative_weights_)):
            params[f"G{l}"] = self.generative_weights_[l]
            params[f"b{l}"] = self.generative_biases_[l]
            params[f"R{l}"] = self.recognition_weights_[l]
            params[f"c{l}"] = self.recognition_biases_[l]
        return params

    def _restore(self, snapshot):
        super()._restore(snapshot)
        self.rbms_[-1] = self.top_rbm_

    @property
    def _parameter_vector(self):
        arrays = [*self.generative_weights_, *self.generative_biases_,
                  *self.recognition_weights_, *self.recognition_biases_,
                  self.top_rbm_.components_, self.top_rbm_.intercept_hidden_,
                  self.top_rbm_.intercept_visible_]
        return np.concatenate([a.ravel() for a in arrays])

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        order = rng.permutation(X.shape[0]) if shuffle else np.arange(X.shape[0])
        size = self.fine_tune_batch_size
        for start in range(0, X.shape[0], size):
            rows = order[start : start + size]
            _up_down_step(self, X[rows], self.fine_tune_learning_rate, rng)
            progress(len(rows))
        self._forget_log_partition()
        return {}

    # ----------------------------------------------------------- features
    @property
    def _n_features_out(self):
        sizes = [r.n_components for r in self.rbms_]
        return sizes[-1] if self.features == "top" else int(sum(sizes))

    def _upward(self, X):
        means = _upward_means(X, self.recognition_weights_, self.recognition_biases_)
        below = means[-1] if means else X
        return [*means, expit(self.top_rbm_._hidden_input(below))]

    def transform(self, X):
        """Upward mean-field pass with the recognition weights (eqs. 20.22-20.23).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, n_features_out)
            The top hidden layer's means (``features="top"``), or all hidden
            layers' means concatenated bottom to top (``features="all"``).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        means = self._upward(self._visible_values(X))
        return means[-1] if self.features == "top" else np.hstack(means)

    # ------------------------------------------------------------- sampling
    def sample(self, n_samples=1, *, n_steps=1000, mean=False, random_state=None):
        """Draw samples: Gibbs in the top RBM, then an ancestral pass down (§20.3).

        Parameters
        ----------
        n_samples : int, default=1
            Number of independent chains, one sample each.
        n_steps : int, default=1000
            Gibbs sweeps of the top RBM from a fresh start (its base-rate model).
        mean : bool, default=False
            Return ``E[v | h_1]`` of the last step instead of a binary draw
            (categorical data: the most probable category of each feature).
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        check_is_fitted(self)
        rng = self.random_state_ if random_state is None else check_generator(random_state)
        top = self.top_rbm_
        if len(self.rbms_) == 1 and mean:
            v = self._visible_values(top.sample(n_samples, n_steps=n_steps, random_state=rng))
            return self._visible_codes(top._mean_visibles(top._sample_hiddens(v, rng)))
        top_visible = top.sample(n_samples, n_steps=n_steps, random_state=rng)
        if len(self.rbms_) == 1:
            return top_visible  # the top RBM's own values (category codes)
        return self._visible_codes(_sample_down(
            top_visible, self.generative_weights_, self.generative_biases_, rng, mean,
            self._data_units, self._data_params,
        )[0])

    # ----------------------------------------------------------- likelihood
    # the log-partition policy (LogPartitionMixin) applies to the top RBM
    _score_kind_when_exact = "lower_bound"

    @property
    def score_kind_(self):
        """"lower_bound" for the variational bound with an exact ``log Z``;
        "estimate" when importance-sampled or ``log Z`` is estimated."""
        if self.score_method == "importance":
            check_is_fitted(self)
            return "estimate"
        return LogPartitionMixin.score_kind_.fget(self)

    def _enumerated_units(self):
        return self.top_rbm_._enumerated_units()

    def _exact_log_partition(self):
        return self.top_rbm_._exact_log_partition()

    def _ais_log_partition(self, n_runs, n_temperatures, random_state):
        return ais_log_partition(
            self.top_rbm_, n_runs=n_runs, betas=n_temperatures, random_state=random_state
        )

    def _intermediate_sizes(self):
        return [r.n_components for r in self.rbms_[:-1]]

    def _recognition(self):
        return self.recognition_weights_, self.recognition_biases_

    def _generative(self):
        return self.generative_weights_, self.generative_biases_

    def _sampled_log_weights(self, X, k, seed):
        """``(log p*(v, h_i) - log q(h_i | v))`` for ``k`` per-row seeded draws
        ``h_i ~ q(h | v)``; shape (k, n_rows)."""
        sizes = self._intermediate_sizes()
        rows_per_block = max(1, _SCORE_BLOCK // k)
        out = []
        for start in range(0, X.shape[0], rows_per_block):
            block = X[start : start + rows_per_block]
            gens = row_generators(block, seed)
            u = np.stack([g.random((k, sum(sizes))) for g in gens], axis=1)
            u = u.reshape(k * len(block), -1).astype(X.dtype)
            uniforms = np.split(u, np.cumsum(sizes)[:-1], axis=1)
            states = _sample_recognition(np.tile(block, (k, 1)), *self._recognition(), uniforms)
            log_w = _log_joint_unnormalized(
                states, *self._generative(), self.top_rbm_, self._data_units, self._data_params,
            )
            log_w -= _log_q(states, *self._recognition())
            out.append(log_w.reshape(k, len(block)))
        return np.concatenate(out, axis=1)

    def _score_input(self, X):
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        return self._visible_values(X)

    def _one_layer_log_likelihood(self, X):
        return -np.asarray(self.top_rbm_._free_energy(X), dtype=np.float64) - self.log_partition_

    def variational_bound(self, X, *, n_samples=None, random_state=None, return_std=False):
        """Variational lower bound on ``log p(v)`` per row, in nats.

        ``E_q[log p*(v, h) - log q(h | v)] - log Z_top`` with the recognition
        chain ``q`` (see Notes of :class:`DBN`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        n_samples : int or None, default=None
            None sums the expectation exactly when the intermediate layers
            have at most 12 units in total, else uses
            ``n_importance_samples`` draws; an int always uses that many
            draws of ``q`` per row.
        random_state : int, Generator or None, default=None
            Seed of the draws; None uses the seed stored at fit
            (deterministic).
        return_std : bool, default=False
            Also return the standard error of each value: the sampling error of the expectation when it is sampled (0 when summed), combined
            with the AIS error of ``log Z`` (0 when exact or given).

        Returns
        -------
        bound : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        X = self._score_input(X)
        if len(self.rbms_) == 1:
            return self._scores_with_std(self._one_layer_log_likelihood(X), return_std)
        sampling_std = None
        with blas_threads():
            if n_samples is None and sum(self._intermediate_sizes()) <= _ENUMERATE_BOUND_UNITS:
                log_q, log_p = _enumerated_log_weights(
                    X, self._intermediate_sizes(), self._recognition(), self._generative(),
                    self.top_rbm_, self._data_units, self._data_params,
                )
                q = np.exp(log_q)
                bound = (q * (log_p - log_q)).sum(axis=1)
            else:
                k = self.n_importance_samples if n_samples is None else int(n_samples)
                log_w = self._sampled_log_weights(X, k, self._seed(random_state))
                bound = log_w.mean(axis=0)
                sampling_std = np.std(log_w, axis=0) / np.sqrt(k)
        return self._scores_with_std(bound - self.log_partition_, return_std, sampling_std)

    def importance_estimate(self, X, *, n_samples=None, random_state=None, return_std=False):
        """Importance-sampled estimate of ``log p(v)`` per row, in nats.

        ``log (1/k) sum_i p*(v, h_i) / q(h_i | v) - log Z_top`` with ``k``
        draws ``h_i`` from the recognition chain: a lower bound in
        expectation that tightens as ``k`` grows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        n_samples : int or None, default=None
            ``k``; None uses ``n_importance_samples``.
        random_state : int, Generator or None, default=None
            Seed of the draws; None uses the seed stored at fit.
        return_std : bool, default=False
            Also return the standard error of each value: the delta-method error of the importance-sampled mean (``skgenerative.utils._monte_carlo``), combined
            with the AIS error of ``log Z`` (0 when exact or given).

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        X = self._score_input(X)
        if len(self.rbms_) == 1:
            return self._scores_with_std(self._one_layer_log_likelihood(X), return_std)
        k = self.n_importance_samples if n_samples is None else int(n_samples)
        if k < 1:
            raise ValueError(f"n_samples must be >= 1; got {n_samples}.")
        with blas_threads():
            log_w = self._sampled_log_weights(X, k, self._seed(random_state))
        estimate = logsumexp(log_w, axis=0) - np.log(k) - self.log_partition_
        sampling_std = log_mean_exp_and_std(log_w, axis=0)[1] if return_std else None
        return self._scores_with_std(estimate, return_std, sampling_std)

    def _seed(self, random_state):
        if random_state is None:
            return self._score_seed
        if isinstance(random_state, numbers.Integral):
            return int(random_state)
        return draw_seed(check_generator(random_state))

    def score_samples(self, X, return_std=False):
        """Lower bound (or estimate) of ``log p(v)`` for each row, in nats.

        :meth:`variational_bound` (``score_method="bound"``) or
        :meth:`importance_estimate` (``"importance"``); see ``score_kind_``
        and the Notes of :class:`DBN`. Deterministic after ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard error of each value (Monte Carlo error
            of the sampled part and AIS error of ``log Z``).

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        if self.score_method == "importance":
            return self.importance_estimate(X, return_std=return_std)
        return self.variational_bound(X, return_std=return_std)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
