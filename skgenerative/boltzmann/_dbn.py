"""Deep belief networks (§20.3): the generative DBN and the DBN classifier.

A DBN with ``L`` hidden layers is a stack of RBMs trained greedily
(eq. 20.21): RBM ``l`` models the hidden probabilities (or samples) of RBM
``l - 1`` driven by the data. The top RBM stays an undirected associative
memory over ``(h_{L-1}, h_L)`` (eq. 20.17); the layers below it become
directed sigmoid layers ``p(h_{l} | h_{l+1})`` (eqs. 20.18-20.19) with
generative weights, and the upward (recognition) weights of the same RBMs give
the approximate posterior ``q`` and the MLP view (eqs. 20.22-20.23).

The layers are :class:`~skgenerative.boltzmann.BernoulliRBM` estimators (their
kernels, initialisation and epoch loop); this module adds the stacking, the
variational bound and importance-sampled estimate of ``log p(v)``, the
up-down (wake-sleep) fine-tuning of the untied weights, the ancestral sampler,
and the discriminative fine-tuning of the MLP through :mod:`skgenerative.nn`.
"""

import copy
import numbers
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import expit, logsumexp
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from ..base import EpochLoopMixin, GenerativeMixin
from ..evaluation import ais_log_partition
from ..evaluation._ais import warn_if_unreliable
from ..exceptions import OutOfSupportWarning
from ..utils.random import row_generators
from ..nn import (
    MLP,
    bernoulli_log_likelihood,
    make_optimizer,
    softmax,
    softmax_classifier_epoch,
    softmax_cross_entropy,
)
from ..nn._mlp import check_layer_sizes
from ..utils.random import check_generator, draw_seed
from ..utils.validation import resolve_dtype, warn_if_not_binary
from ._gaussian_rbm import GaussianBernoulliRBM
from ._units import GaussianUnits
from ._rbm import BernoulliRBM

__all__ = ["DBN", "DBNClassifier"]

#: Per-layer hyperparameters: a scalar for all layers or one value per layer.
#: Maps the DBN's name to the layer RBM's.
_PER_LAYER = {
    "learning_rate": "learning_rate",
    "batch_size": "batch_size",
    "max_iter": "n_iter",
    "method": "method",
    "n_gibbs_steps": "n_gibbs_steps",
    "momentum": "momentum",
    "weight_decay": "weight_decay",
}
#: The bound sums over the intermediate layers' states exactly when they have
#: at most this many units in total (2**12 states per row).
_ENUMERATE_BOUND_UNITS = 12
#: Importance samples x rows processed at once when scoring.
_SCORE_BLOCK = 20_000
#: Visible unit types of the first layer, by name.
_VISIBLE_RBMS = {"bernoulli": BernoulliRBM, "gaussian": GaussianBernoulliRBM}
_LOG_2PI = float(np.log(2 * np.pi))


# ---------------------------------------------------------------------------
# the math (module-level, on plain arrays)
# ---------------------------------------------------------------------------


def _per_layer(value, name, n_layers):
    """A scalar (or str) repeated per layer, or a sequence of length ``n_layers``."""
    if isinstance(value, (str, numbers.Number)):
        return [value] * n_layers
    values = list(value)
    if len(values) != n_layers:
        raise ValueError(
            f"{name} has {len(values)} entries for {n_layers} hidden layers; give "
            "one value for all layers or one per layer."
        )
    return values


def _bernoulli_draw(p, rng):
    return (rng.random(p.shape) < p).astype(p.dtype)


def _upward_means(X, weights, biases):
    """Mean-field upward pass ``mu_{l+1} = sigmoid(mu_l R_l + c_l)`` (eq. 20.22-20.23);
    returns the list ``[mu_1, ..., mu_L]``."""
    out, a = [], X
    for R, c in zip(weights, biases):
        a = expit(a @ R + c)
        out.append(a)
    return out


def _log_q(states, rec_weights, rec_biases):
    """``log q(h_1..h_{L-1} | v)`` per row (float64) of the recognition chain
    ``q(h_1 | v) q(h_2 | h_1) ...`` for ``states = [v, h_1, ..., h_{L-1}]``."""
    total = np.zeros(states[0].shape[0])
    for l, (R, c) in enumerate(zip(rec_weights, rec_biases)):
        total += bernoulli_log_likelihood(states[l + 1], states[l] @ R + c)
    return total


def _gaussian_log_density(v, mean, precision):
    """``log N(v; mean, 1 / precision)`` summed over features, per row (float64)."""
    sq = ((v - mean) ** 2) @ precision
    return -0.5 * np.asarray(sq, dtype=np.float64) + 0.5 * float(
        np.sum(np.log(precision.astype(np.float64))) - v.shape[1] * _LOG_2PI
    )


def _log_joint_unnormalized(states, gen_weights, gen_biases, top_rbm, precision=None):
    """``log p*(v, h_1..h_{L-1})`` per row (float64): the directed layers'
    ``log p(h_l | h_{l+1})`` (eqs. 20.18-20.19; eq. 20.20 for the data layer
    when ``precision`` is given) plus ``-F_top(h_{L-1})``, the top RBM's
    unnormalised log marginal of its visible layer (eq. 20.17)."""
    total = -np.asarray(top_rbm._free_energy(states[-1]), dtype=np.float64)
    for l, (G, b) in enumerate(zip(gen_weights, gen_biases)):
        activation = states[l + 1] @ G + b
        if l == 0 and precision is not None:
            total += _gaussian_log_density(states[0], activation, precision)
        else:
            total += bernoulli_log_likelihood(states[l], activation)
    return total


def _sample_recognition(v, rec_weights, rec_biases, uniforms):
    """States ``[v, h_1, ..., h_{L-1}]`` drawn up the recognition chain."""
    states = [v]
    for R, c, u in zip(rec_weights, rec_biases, uniforms):
        p = expit(states[-1] @ R + c)
        states.append((u < p).astype(v.dtype))
    return states


def _sample_down(top_visible, gen_weights, gen_biases, rng, mean=False, precision=None):
    """Ancestral pass from ``h_{L-1}`` down to ``v`` (eqs. 20.18-20.20); returns
    ``[v, h_1, ..., h_{L-1}]`` (``v`` is ``E[v | h_1]`` when ``mean``).
    ``precision`` makes the data layer Gaussian (eq. 20.20)."""
    states = [top_visible]
    for l in range(len(gen_weights) - 1, -1, -1):
        activation = states[0] @ gen_weights[l] + gen_biases[l]
        if l == 0 and precision is not None:
            v = activation if mean else GaussianUnits.sample(activation, rng, precision)
            states.insert(0, v)
            continue
        p = expit(activation)
        states.insert(0, p if (mean and l == 0) else _bernoulli_draw(p, rng))
    return states


def _all_binary_states(n, dtype):
    """The ``2**n`` binary vectors of length n, as rows."""
    codes = np.arange(2**n, dtype=np.int64)[:, None]
    return ((codes >> np.arange(n, dtype=np.int64)) & 1).astype(dtype)


def _enumerated_log_weights(X, sizes, rec, gen, top_rbm, precision=None):
    """``(log q(h | v), log p*(v, h))``, each (n_rows, n_states), for every
    joint state ``h`` of the intermediate layers (``sizes``)."""
    rec_weights, rec_biases = rec
    gen_weights, gen_biases = gen
    states = np.split(_all_binary_states(sum(sizes), X.dtype), np.cumsum(sizes)[:-1], axis=1)
    # terms that do not involve v: the upper layers of q and p*
    const_q = _log_q(states, rec_weights[1:], rec_biases[1:]) if len(sizes) > 1 else 0.0
    const_p = _log_joint_unnormalized(states, gen_weights[1:], gen_biases[1:], top_rbm)
    logits_q = X @ rec_weights[0] + rec_biases[0]  # (n, n_1)
    log_q = (
        logits_q @ states[0].T - np.logaddexp(0, logits_q).sum(axis=1, keepdims=True)
    ).astype(np.float64) + const_q
    act = states[0] @ gen_weights[0] + gen_biases[0]  # (n_states, n_v)
    if precision is None:
        log_p = (X @ act.T).astype(np.float64) - np.logaddexp(0, act).sum(
            axis=1, dtype=np.float64
        )
    else:  # -1/2 sum_j beta_j (v_j - mu_j)^2 expanded over (rows, states)
        quad = (
            ((X * X) @ precision)[:, None] - 2 * (X * precision) @ act.T
            + ((act * act) @ precision)[None, :]
        )
        log_p = -0.5 * quad.astype(np.float64) + 0.5 * float(
            np.sum(np.log(precision.astype(np.float64))) - X.shape[1] * _LOG_2PI
        )
    return log_q, log_p + const_p


def _up_down_step(model, v, lr, rng):
    """One up-down (wake-sleep) update on the batch ``v`` (Hinton et al. 2006).

    Wake: sample up with the recognition weights and move the generative
    weights toward reconstructing each layer from the one above (delta rule);
    train the top RBM on the sampled ``h_{L-1}``. Sleep: from the top RBM's
    negative states after ``n_gibbs_steps`` sweeps, sample down with the
    generative weights and move the recognition weights toward predicting
    each layer from the one below.
    """
    n = v.shape[0]
    uniforms = [rng.random((n, w.shape[1])).astype(v.dtype) for w in model.recognition_weights_]
    wake = _sample_recognition(v, model.recognition_weights_, model.recognition_biases_, uniforms)
    grads = {}
    precision = model.visible_precision_
    for l, (G, b) in enumerate(zip(model.generative_weights_, model.generative_biases_)):
        activation = wake[l + 1] @ G + b
        # delta rule: the error of the layer's mean (Gaussian data: not squashed)
        err = wake[l] - (activation if (l == 0 and precision is not None) else expit(activation))
        grads[f"G{l}"], grads[f"b{l}"] = wake[l + 1].T @ err / n, err.mean(axis=0)
    top = model.top_rbm_
    top.partial_fit(wake[-1])
    negative = np.ascontiguousarray(wake[-1])
    top._gibbs_kernel(negative, top.n_gibbs_steps, rng)
    sleep = _sample_down(negative, model.generative_weights_, model.generative_biases_, rng,
                         precision=precision)
    for l, (R, c) in enumerate(zip(model.recognition_weights_, model.recognition_biases_)):
        err = sleep[l + 1] - expit(sleep[l] @ R + c)
        grads[f"R{l}"], grads[f"c{l}"] = sleep[l].T @ err / n, err.mean(axis=0)
    model._fine_tune_optimizer.step(grads, learning_rate=lr)


def _init_from_below(rbm, below, data):
    """Start ``rbm`` as the upside-down copy of the RBM below (Hinton et al.
    2006): its visible marginal then equals the hidden marginal of ``below``,
    so the variational bound starts where the shallower model's
    log-likelihood is and greedy training can only raise it (eq. 20.21)."""
    if isinstance(below, GaussianBernoulliRBM):
        raise ValueError(
            "layer_init='stacked' needs binary units in every layer; the first layer "
            "has Gaussian visibles (visible_type='gaussian')."
        )
    if rbm.n_components != below.n_features_in_:
        raise ValueError(
            "layer_init='stacked' needs each layer above the first to have as many "
            "units as the layer two below it (hidden_layer_sizes like (h1, n_features, "
            f"h1, ...)); layer of {rbm.n_components} units above one with "
            f"{below.n_features_in_} inputs."
        )
    rbm.random_state_ = check_generator(rbm.random_state)
    rbm._initialize(data, rbm.random_state_)  # the RBM's own state: chains, velocity
    rbm.components_[...] = below.components_.T
    rbm.intercept_visible_[...] = below.intercept_hidden_
    rbm.intercept_hidden_[...] = below.intercept_visible_
    rbm.set_params(warm_start=True)


# ---------------------------------------------------------------------------
# shared pretraining
# ---------------------------------------------------------------------------


class _StackedRBMs:
    """Greedy layer-wise pretraining shared by :class:`DBN` and :class:`DBNClassifier`."""

    _pretrain_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "visible_type": [StrOptions(set(_VISIBLE_RBMS))],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "batch_size": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "max_iter": [Interval(Integral, 0, None, closed="left"), "array-like"],
        "method": [StrOptions({"pcd", "cd"}), "array-like"],
        "n_gibbs_steps": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "momentum": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "weight_decay": [Interval(Real, 0, None, closed="left"), "array-like"],
        "layer_input": [StrOptions({"mean", "sample"})],
        "layer_init": [StrOptions({"random", "stacked"})],
        "dtype": [None, type, np.dtype, str],
        "verbose": ["verbose"],
        "random_state": ["random_state", np.random.Generator],
    }

    def _layer_sizes(self):
        sizes = check_layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")
        if not sizes:
            raise ValueError("hidden_layer_sizes needs at least one layer.")
        return sizes

    def _layer_params(self, n_layers):
        """One dict of RBM keyword arguments per layer."""
        per = {
            rbm_name: _per_layer(getattr(self, name), name, n_layers)
            for name, rbm_name in _PER_LAYER.items()
        }
        return [{key: values[l] for key, values in per.items()} for l in range(n_layers)]

    def _validate_X(self, X, *, reset):
        X = validate_data(self, X, reset=reset, dtype=(np.float64, np.float32))
        dtype = resolve_dtype(self.dtype, X) if reset else self.dtype_
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}.")
        return np.ascontiguousarray(X, dtype=dtype)

    def _check_support(self, X):
        if self.visible_type == "bernoulli":
            warn_if_not_binary(
                X, what=f"{type(self).__name__}'s binary visible units", stacklevel=4
            )

    def _pretrain(self, X, rng):
        """Train the RBMs bottom-up; returns the list of fitted RBMs."""
        sizes = self._layer_sizes()
        layer_params = self._layer_params(len(sizes))
        self.dtype_ = X.dtype
        rbms, data = [], X
        for l, (size, params) in enumerate(zip(sizes, layer_params)):
            cls = _VISIBLE_RBMS[self.visible_type] if l == 0 else BernoulliRBM
            if cls is GaussianBernoulliRBM:
                params = {("max_iter" if k == "n_iter" else k): v for k, v in params.items()}
            rbm = cls(
                n_components=size, dtype=X.dtype, random_state=int(rng.integers(2**32)),
                verbose=self.verbose, **params,
            )
            if self.verbose:
                print(f"[{type(self).__name__}] layer {l + 1}: {data.shape[1]} -> {size}")
            if self.layer_init == "stacked" and l > 0:
                _init_from_below(rbm, rbms[-1], data)
            with warnings.catch_warnings():
                if self.visible_type == "bernoulli":  # _check_support said it once
                    warnings.simplefilter("ignore", OutOfSupportWarning)
                rbm.fit(data)  # the RBM picks its BLAS threads per batch shape
            rbm.set_params(warm_start=False)
            rbms.append(rbm)
            if l + 1 < len(sizes):
                data = rbm._mean_hiddens(data)
                if self.layer_input == "sample":
                    data = _bernoulli_draw(data, rng)
                data = np.ascontiguousarray(data, dtype=X.dtype)
        return rbms


# ---------------------------------------------------------------------------
# the generative DBN
# ---------------------------------------------------------------------------


class DBN(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    GenerativeMixin,
    EpochLoopMixin,
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
        its own default).
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
    features : {"top", "all"}, default="top"
        What :meth:`transform` returns: the top layer's means, or all hidden
        layers' means concatenated (bottom to top).
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
    ais_runs : int, default=100
        AIS chains for ``log Z``.
    ais_betas : None or int, default=None
        AIS schedule: None is Salakhutdinov & Murray's 14,501 temperatures,
        an int a schedule of that length (see
        :func:`skgenerative.evaluation.ais_schedule`).
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Compute dtype; None follows the input.
    verbose : int, default=0
    random_state : int, Generator or None, default=None
        Fixes every layer, the fine-tuning and the seeds of scoring.

    Attributes
    ----------
    rbms_ : list of BernoulliRBM
        The layer RBMs as pretrained, bottom to top. ``rbms_[-1]`` is the top
        RBM of the model (``top_rbm_``, further trained by wake-sleep).
    top_rbm_ : BernoulliRBM
        The associative memory ``P(h_{L-1}, h_L)``.
    generative_weights_ : list of ndarray
        ``generative_weights_[l]`` of shape ``(n_{l+1}, n_l)``: the top-down
        weights of ``P(h_l | h_{l+1})`` (``h_0 = v``), one per directed layer.
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
    log_partition_ : float
        The top RBM's ``log Z`` (exact or AIS; computed on first use, cached).
    ais_result_ : skgenerative.evaluation.AISResult
        The AIS run behind ``log_partition_`` when it is estimated (set on
        first use): standard error, interval, effective sample size.
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
    feature_names_in_ : ndarray of shape (n_features_in_,)

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
    (200, 4)
    >>> dbn.sample(3, n_steps=100).shape
    (3, 12)
    >>> dbn.score_kind_
    'lower_bound'
    """

    score_kind_ = "lower_bound"

    _parameter_constraints = {
        **_StackedRBMs._pretrain_constraints,
        "fine_tune": [StrOptions({"wake-sleep"}), None],
        "fine_tune_iter": [Interval(Integral, 0, None, closed="left")],
        "fine_tune_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "fine_tune_batch_size": [Interval(Integral, 1, None, closed="left")],
        "features": [StrOptions({"top", "all"})],
        "score_method": [StrOptions({"bound", "importance"})],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
        "log_z": [StrOptions({"auto", "exact", "ais"}), Real],
        "exact_limit": [Interval(Integral, 0, 30, closed="both")],
        "ais_runs": [Interval(Integral, 2, None, closed="left")],
        "ais_betas": [Interval(Integral, 2, None, closed="left"), None],
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
        features="top",
        score_method="bound",
        n_importance_samples=100,
        log_z="auto",
        exact_limit=20,
        ais_runs=100,
        ais_betas=None,
        dtype=None,
        verbose=0,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.visible_type = visible_type
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
        self.ais_runs = ais_runs
        self.ais_betas = ais_betas
        self.dtype = dtype
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)  # layer RBMs validate per-layer values
    def fit(self, X, y=None):
        """Greedy layer-wise training, then optional wake-sleep fine-tuning.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, values in [0, 1].
        y : None
            Ignored.

        Returns
        -------
        self : DBN
            The fitted model.
        """
        X = self._validate_X(X, reset=True)
        self._check_support(X)
        rng = check_generator(self.random_state)
        self.random_state_ = rng
        self.rbms_ = self._pretrain(X, rng)
        self.top_rbm_ = self.rbms_[-1]
        self._untie()
        self.layer_n_iter_ = [rbm.n_iter_ for rbm in self.rbms_]
        self.n_iter_ = int(sum(self.layer_n_iter_))
        self._score_seed = draw_seed(rng)
        self._log_partition = None
        self.score_kind_ = self._resolve_score_kind()
        if self.fine_tune == "wake-sleep" and self.fine_tune_iter > 0:
            self._wake_sleep(X, rng)
        return self

    def _untie(self):
        """Copy the directed layers' weights out of the RBMs (tied at first)."""
        lower = self.rbms_[:-1]
        self.generative_weights_ = [r.components_.copy() for r in lower]
        self.generative_biases_ = [r.intercept_visible_.copy() for r in lower]
        # q(h | v) of a Gaussian layer sees beta * v: fold the precision in
        self.recognition_weights_ = [
            np.ascontiguousarray((r.components_ * getattr(r, "precision_", 1)).T) for r in lower
        ]
        first = self.rbms_[0]
        self.visible_precision_ = (
            first.precision_.copy() if isinstance(first, GaussianBernoulliRBM) else None
        )
        self.recognition_biases_ = [r.intercept_hidden_.copy() for r in lower]
        params = {}
        for l in range(len(lower)):
            params[f"G{l}"] = self.generative_weights_[l]
            params[f"b{l}"] = self.generative_biases_[l]
            params[f"R{l}"] = self.recognition_weights_[l]
            params[f"c{l}"] = self.recognition_biases_[l]
        self._fine_tune_optimizer = make_optimizer("sgd", params, self.fine_tune_learning_rate)

    def _wake_sleep(self, X, rng):
        top = self.top_rbm_
        # the top RBM trains on wake states one minibatch per partial_fit
        top.set_params(batch_size=self.fine_tune_batch_size, verbose=0)
        with threadpool_limits(limits=1, user_api="blas"):
            self._fit_epochs(X, self.fine_tune_iter, rng, verbose=self.verbose)
        self._log_partition = None

    def _snapshot(self):
        # the optimizer shares the weight arrays: copy them in one memo
        return copy.deepcopy({name: getattr(self, name) for name in self._state_names})

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

    def _run_epoch(self, X, rng, progress):
        order = rng.permutation(X.shape[0])
        size = self.fine_tune_batch_size
        for start in range(0, X.shape[0], size):
            rows = order[start : start + size]
            _up_down_step(self, X[rows], self.fine_tune_learning_rate, rng)
            progress(len(rows))
        self._log_partition = None
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
        means = self._upward(X)
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
            Return ``E[v | h_1]`` of the last step instead of a binary draw.
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        rng = self.random_state_ if random_state is None else check_generator(random_state)
        top = self.top_rbm_
        if len(self.rbms_) == 1 and mean:
            h = top._sample_hiddens(top.sample(n_samples, n_steps=n_steps, random_state=rng), rng)
            return top._mean_visibles(h)
        top_visible = top.sample(n_samples, n_steps=n_steps, random_state=rng)
        return _sample_down(
            top_visible, self.generative_weights_, self.generative_biases_, rng, mean,
            self.visible_precision_,
        )[0]

    # ----------------------------------------------------------- likelihood
    def _resolve_score_kind(self):
        if self.score_method == "importance" or self._top_log_z_method() == "ais":
            return "estimate"
        return "lower_bound"

    def _top_log_z_method(self):
        if isinstance(self.log_z, numbers.Real) and not isinstance(self.log_z, bool):
            return "given"
        n_enum = self.top_rbm_._enumerated_units()
        if self.log_z == "exact" or (self.log_z == "auto" and n_enum <= self.exact_limit):
            return "exact"
        return "ais"

    @property
    def log_partition_(self):
        """log Z of the top RBM (computed on first use, then cached)."""
        check_is_fitted(self, "top_rbm_")
        if getattr(self, "_log_partition", None) is None:
            how = self._top_log_z_method()
            if how == "given":
                self._log_partition = float(self.log_z)
            elif how == "exact":
                self._log_partition = float(self.top_rbm_._exact_log_partition())
            else:
                result = ais_log_partition(
                    self.top_rbm_, n_runs=self.ais_runs, betas=self.ais_betas,
                    random_state=self._score_seed,
                )
                warn_if_unreliable(
                    result, "The top RBM's log Z",
                    "Raise ais_betas (more temperatures) or ais_runs.",
                )
                self.ais_result_ = result
                self._log_partition = float(result.log_z)
        return self._log_partition

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
                states, *self._generative(), self.top_rbm_, self.visible_precision_
            )
            log_w -= _log_q(states, *self._recognition())
            out.append(log_w.reshape(k, len(block)))
        return np.concatenate(out, axis=1)

    def _score_input(self, X):
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        return X

    def _one_layer_log_likelihood(self, X):
        return -np.asarray(self.top_rbm_._free_energy(X), dtype=np.float64) - self.log_partition_

    def variational_bound(self, X, *, n_samples=None, random_state=None):
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

        Returns
        -------
        bound : ndarray of shape (n_samples,)
        """
        X = self._score_input(X)
        if len(self.rbms_) == 1:
            return self._one_layer_log_likelihood(X)
        with threadpool_limits(limits=1, user_api="blas"):
            if n_samples is None and sum(self._intermediate_sizes()) <= _ENUMERATE_BOUND_UNITS:
                log_q, log_p = _enumerated_log_weights(
                    X, self._intermediate_sizes(), self._recognition(), self._generative(),
                    self.top_rbm_, self.visible_precision_,
                )
                q = np.exp(log_q)
                bound = (q * (log_p - log_q)).sum(axis=1)
            else:
                k = self.n_importance_samples if n_samples is None else int(n_samples)
                bound = self._sampled_log_weights(X, k, self._seed(random_state)).mean(axis=0)
        return bound - self.log_partition_

    def importance_estimate(self, X, *, n_samples=None, random_state=None):
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

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        """
        X = self._score_input(X)
        if len(self.rbms_) == 1:
            return self._one_layer_log_likelihood(X)
        k = self.n_importance_samples if n_samples is None else int(n_samples)
        if k < 1:
            raise ValueError(f"n_samples must be >= 1; got {n_samples}.")
        with threadpool_limits(limits=1, user_api="blas"):
            log_w = self._sampled_log_weights(X, k, self._seed(random_state))
        return logsumexp(log_w, axis=0) - np.log(k) - self.log_partition_

    def _seed(self, random_state):
        if random_state is None:
            return self._score_seed
        if isinstance(random_state, numbers.Integral):
            return int(random_state)
        return draw_seed(check_generator(random_state))

    def score_samples(self, X):
        """Lower bound (or estimate) of ``log p(v)`` for each row, in nats.

        :meth:`variational_bound` (``score_method="bound"``) or
        :meth:`importance_estimate` (``"importance"``); see ``score_kind_``
        and the Notes of :class:`DBN`. Deterministic after ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        """
        if self.score_method == "importance":
            return self.importance_estimate(X)
        return self.variational_bound(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# ---------------------------------------------------------------------------
# the DBN classifier
# ---------------------------------------------------------------------------


class DBNClassifier(ClassifierMixin, EpochLoopMixin, _StackedRBMs, BaseEstimator):
    """Deep belief network pretraining, then discriminative fine-tuning (§20.3).

    The hidden layers are pretrained greedily as in :class:`DBN` (on ``X``
    alone); their recognition weights and hidden biases initialise a sigmoid
    MLP (eqs. 20.22-20.23) topped by a softmax output layer, and the whole
    network is trained on ``(X, y)`` by back-propagation of the cross-entropy
    (:class:`skgenerative.nn.MLP`, the package's one back-propagation),
    minibatch Adam or SGD with momentum, with early stopping on a held-out
    validation fraction.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(256, 256)
        Widths of the hidden layers, bottom to top.
    visible_type : {"bernoulli", "gaussian"}, default="bernoulli"
        Unit type of the data layer during pretraining, as in :class:`DBN`.
    learning_rate, batch_size, max_iter, method, n_gibbs_steps, momentum, weight_decay
        Pretraining hyperparameters of the layer RBMs (scalar for all layers
        or one per layer), as in :class:`DBN`. ``max_iter`` is the number of
        pretraining epochs per layer; 0 skips pretraining (a randomly
        initialised MLP, for comparison).
    layer_input : {"mean", "sample"}, default="mean"
        What each RBM is pretrained on.
    layer_init : {"random", "stacked"}, default="random"
        Initialisation of the RBMs above the first, as in :class:`DBN`.
    solver : {"adam", "sgd"}, default="adam"
        Optimizer of the fine-tuning.
    fine_tune_learning_rate : float, default=1e-3
    fine_tune_momentum : float, default=0.9
        Momentum of ``solver="sgd"``.
    fine_tune_iter : int, default=100
        Maximum number of fine-tuning epochs.
    fine_tune_batch_size : int, default=100
    alpha : float, default=0.0
        L2 penalty on the weights during fine-tuning (per sample).
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the training rows (stratified
        when every class has at least 2 rows) and stop fine-tuning when
        their mean log-probability of the true class (minus the
        cross-entropy) has not improved by ``tol`` for ``n_iter_no_change``
        epochs; the best network is kept.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    dtype : {None, numpy.float32, numpy.float64}, default=None
    verbose : int, default=0
    random_state : int, Generator or None, default=None

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    rbms_ : list of BernoulliRBM
        The pretrained layers (before fine-tuning).
    mlp_ : skgenerative.nn.MLP
        The fine-tuned network ``[n_features, *hidden_layer_sizes, n_classes]``
        (sigmoid hidden layers, linear output = logits).
    optimizer_ : skgenerative.nn.Adam or skgenerative.nn.SGD
    n_iter_ : int
        Fine-tuning epochs run.
    validation_scores_ : list of float
        Validation mean log-probability of the true class per fine-tuning
        epoch (with early stopping).
    dtype_, random_state_, n_features_in_, feature_names_in_

    See Also
    --------
    DBN : The generative model.
    sklearn.neural_network.MLPClassifier : Without pretraining.

    References
    ----------
    Hinton, G. E. and Salakhutdinov, R. R. (2006). Reducing the
    dimensionality of data with neural networks. Science 313.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skgenerative import DBNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DBNClassifier((32,), max_iter=2, fine_tune_iter=5, random_state=0)
    >>> clf.fit(X[:500] / 16, y[:500]).predict(X[:3] / 16).shape
    (3,)
    """

    _parameter_constraints = {
        **_StackedRBMs._pretrain_constraints,
        "solver": [StrOptions({"adam", "sgd"})],
        "fine_tune_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "fine_tune_momentum": [Interval(Real, 0, 1, closed="left")],
        "fine_tune_iter": [Interval(Integral, 0, None, closed="left")],
        "fine_tune_batch_size": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    _state_names = ("mlp_", "optimizer_", "random_state_")
    _parameter_names = ("_parameter_vector",)

    def __init__(
        self,
        hidden_layer_sizes=(256, 256),
        *,
        visible_type="bernoulli",
        learning_rate=0.1,
        batch_size=10,
        max_iter=10,
        method="pcd",
        n_gibbs_steps=1,
        momentum=0.0,
        weight_decay=0.0,
        layer_input="mean",
        layer_init="random",
        solver="adam",
        fine_tune_learning_rate=1e-3,
        fine_tune_momentum=0.9,
        fine_tune_iter=100,
        fine_tune_batch_size=100,
        alpha=0.0,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        dtype=None,
        verbose=0,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.visible_type = visible_type
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.method = method
        self.n_gibbs_steps = n_gibbs_steps
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.layer_input = layer_input
        self.layer_init = layer_init
        self.solver = solver
        self.fine_tune_learning_rate = fine_tune_learning_rate
        self.fine_tune_momentum = fine_tune_momentum
        self.fine_tune_iter = fine_tune_iter
        self.fine_tune_batch_size = fine_tune_batch_size
        self.alpha = alpha
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.dtype = dtype
        self.verbose = verbose
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)  # layer RBMs validate per-layer values
    def fit(self, X, y):
        """Pretrain the layers on X, then fine-tune the network on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, values in [0, 1].
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : DBNClassifier
            The fitted classifier.
        """
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        X = np.ascontiguousarray(X, dtype=resolve_dtype(self.dtype, X))
        if X.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}.")
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                "DBNClassifier needs samples of at least 2 classes; got one class "
                f"({encoder.classes_[0]!r})."
            )
        self.classes_ = encoder.classes_
        codes = encoder.transform(y)
        self._check_support(X)
        rng = check_generator(self.random_state)
        self.random_state_ = rng
        self.rbms_ = self._pretrain(X, rng)
        self.mlp_ = self._initial_network(X.shape[1], rng)
        self.optimizer_ = make_optimizer(
            self.solver, self.mlp_.params, self.fine_tune_learning_rate,
            momentum=self.fine_tune_momentum, maximize=False,
        )
        self.n_iter_ = 0
        train, val = self._split(codes, rng)
        self._y_train = codes[train]
        X_val = None
        if val is not None:
            X_val, self._y_val = X[val], codes[val]
        with threadpool_limits(limits=1, user_api="blas"):
            self._fit_epochs(
                X[train], self.fine_tune_iter, rng, X_val=X_val,
                tol=self.tol if val is not None else None,
                n_iter_no_change=self.n_iter_no_change, verbose=self.verbose,
            )
        del self._y_train
        self.__dict__.pop("_y_val", None)
        return self

    def _initial_network(self, n_features, rng):
        """The MLP with the pretrained recognition weights (eqs. 20.22-20.23)."""
        sizes = [n_features, *[r.n_components for r in self.rbms_], len(self.classes_)]
        mlp = MLP(sizes, "sigmoid", "linear", dtype=self.dtype_, random_state=rng)
        for l, rbm in enumerate(self.rbms_):
            if rbm.n_iter_ > 0:
                mlp.params[f"W{l}"][...] = (rbm.components_ * getattr(rbm, "precision_", 1)).T
                mlp.params[f"b{l}"][...] = rbm.intercept_hidden_
        return mlp

    def _split(self, codes, rng):
        """Row indices of the fine-tuning and validation sets."""
        n = codes.shape[0]
        rows = np.arange(n)
        if not self.early_stopping:
            return rows, None
        n_val = int(round(self.validation_fraction * n))
        if n_val < 1 or n - n_val < 1:
            return rows, None
        perm = rng.permutation(n)
        counts = np.bincount(codes)
        if counts.min() >= 2 and n_val >= len(counts):
            # stratified: the same share of every class
            val = np.concatenate([
                perm[codes[perm] == k][: max(1, int(round(self.validation_fraction * c)))]
                for k, c in enumerate(counts)
            ])
        else:
            val = perm[:n_val]
        mask = np.zeros(n, dtype=bool)
        mask[val] = True
        return rows[~mask], rows[mask]

    def _snapshot(self):
        # the optimizer shares the network's arrays: copy them in one memo
        return copy.deepcopy({name: getattr(self, name) for name in self._state_names})

    @property
    def _parameter_vector(self):
        return np.concatenate([v.ravel() for v in self.mlp_.params.values()])

    def _run_epoch(self, X, rng, progress):
        order = rng.permutation(X.shape[0])
        loss = softmax_classifier_epoch(
            self.mlp_, self.optimizer_, X, self._y_train, order, self.fine_tune_batch_size,
            alpha=self.alpha, progress=progress,
        )
        return {"loss": loss}

    def _validation_score(self, X_val):
        # mean log-probability of the true class: smoother than accuracy
        loss, _ = softmax_cross_entropy(self.mlp_.predict(X_val), self._y_val)
        return -float(np.mean(loss))

    def predict_proba(self, X):
        """Class probabilities of the softmax output.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        with threadpool_limits(limits=1, user_api="blas"):
            return softmax(self.mlp_.predict(X))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba` (computed stably)."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        logits = np.asarray(self.mlp_.predict(X), dtype=np.float64)
        return logits - logsumexp(logits, axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
