"""Unit types of Boltzmann machines.

A unit type says how a layer's units respond to their total input, as the
emission mixins of hmmlearn say how a state emits: the models (RBM, DBN,
DBM) compose unit types instead of branching on them, and a new unit type is
a new class here plus an entry in :data:`UNIT_TYPES`.

The protocol (:class:`UnitType`) for a layer ``u`` coupled to binary hidden
units ``h`` by ``E(u, h) = E_u(u; b) - c.h - h.W s(u)``:

``mean(activation)``
    ``E[u | total input]`` (the total input includes the bias);
``sample(mean, rng)``
    a draw of ``u`` given its conditional mean;
``statistics(u)``
    ``s(u)``, the sufficient statistic that couples the layer to ``h`` (the
    positive and negative phases of the gradient are ``<h s(u)^T>``);
``energy(u, bias)``
    ``E_u(u; b)``, the layer's own energy term when it is observed;
``free_energy(activation, bias)``
    ``-log sum_u exp(-E_u(u; b) + u.(activation - b))``, the term the layer
    contributes when summed (or integrated) out;
``log_conditional(u, activation)``
    ``log p(u | total input)`` per row (float64): the layer's term in the
    likelihood of a directed (DBN) layer or of a pseudo-likelihood;
``log_conditional_table(u, activations)``
    ``log p(u_i | activations_j)`` for every pair of rows, shape
    (len(u), len(activations)): what a DBN's bound needs when it sums over
    every state of the layer above;
``recognition_weights(W)``
    ``R`` with ``statistics(u) @ W.T == u @ R``: the coupling as a product
    with the values themselves (the bottom-up weights of a DBN);
``log_partition(W, b, c)``
    exact ``log Z`` of an RBM with this visible layer and binary hiddens
    (what enumeration needs), and ``enumerated_units(W)`` its cost;
``initial_parameters(X)``
    the visible bias (and base model) fitted to the data marginals;
``check_support(X, owner)``
    warn with :class:`~skgenerative.exceptions.OutOfSupportWarning`, naming
    the fix, when ``X`` is outside the support;
``fresh(n_samples, base_rate, rng)``
    starting states of new chains, from the independent base model;
``gibbs(V, W, b, c, n_steps, rng)``
    block-Gibbs sweeps in place (the fused numba kernel of the type);
``encode(X, dtype, handle_unknown)`` / ``decode(V)``
    from the data as given to the layer's values and back (identity except
    for categorical units, whose values are one-hot groups).

Layer-specific parameters (the precisions of Gaussian units) are passed as
keywords; the parameters themselves stay fitted attributes of the model, and
a method ignores the keywords it does not use (a model passes all of them).
The array math (log Z by enumeration, standardisation, softmax groups,
support warnings) is in ``_unit_math.py``; the fused training kernels stay in
``_kernels/`` and
``_kernels/_categorical.py``; a unit type's ``train_epoch`` picks its kernel.

The visible layer of a deep Boltzmann machine (``_dbm.py``) adds, with
``s(u)`` the coupling statistic (``W_0 s(v)`` is the input of ``h_1``):

``kernel_layer(dtype)``
    the layer as the DBM kernels take it (``_kernels._dbm.VisibleLayer``),
    and ``fold(W)`` the bottom weights they take (``s`` folded in);
``coupling_terms(v, bias)``
    ``(s(v), b_lin, own)`` with ``-E_u(v; b) = b_lin.s(v) + own(v)``: the
    layer's part of the mean-field bound and of the clamped enumeration;
``log_sum(activation, bias)``
    ``log sum_u exp(-E_u(u; b) + s(u).W^T h)`` (the layer summed out) as
    ``(terms, constant)``; ``enumerable``: whether its states are binary
    codes the enumeration can list instead;
``chain_start`` / ``ais_start`` / ``ais_dbm``
    fresh Gibbs chains and AIS runs from the independent base model, and
    the AIS kernel of the type; ``sample_masked``, ``value_mask``,
    ``complete_rows``: imputation and unknown categories;
``own_parameters(fitted, dtype)``, ``to_training_space`` /
``from_training_space``, ``training_statistic``, ``base_bias``,
``centred_by_scaling``
    the layer's fitted parameters and the space it is trained in (Gaussian
    units: standardized data, the centring offset fixed at 0).
"""

import numpy as np
from scipy.special import expit, logit
from sklearn.utils.extmath import safe_sparse_dot

from ..nn import bernoulli_log_likelihood
from ..utils.random import check_generator
from ..utils.validation import warn_if_not_binary
from . import _kernels
from ._kernels import _categorical as _categorical_kernels
from ._kernels._tempering import _pt_epoch_gaussian
from ._unit_math import (
    _MARGINAL_CLIP,
    _binary_log_partition,
    _categorical_log_partition,
    _from_standardized,
    _gaussian_log_normalizer,
    _gaussian_log_partition,
    _group_logsumexp,
    _group_softmax,
    _initial_precision,
    _to_standardized,
    _warn_if_not_codes,
    _warn_if_unscaled,
    softplus,
)

__all__ = [
    "BernoulliUnits",
    "CategoricalUnits",
    "GaussianUnits",
    "UNIT_TYPES",
    "UnitType",
    "check_unit_type",
    "softplus",
]


class UnitType:
    """A unit type: see the module docstring for the protocol."""

    name = None

    def mean(self, activation, **params):
        raise NotImplementedError

    def sample(self, mean, rng, **params):
        raise NotImplementedError

    def statistics(self, values, **params):
        return values

    def energy(self, values, bias, **params):
        return -(values @ bias)

    def free_energy(self, activation, bias=None, **params):
        raise NotImplementedError

    def log_conditional(self, values, activation, **params):
        raise NotImplementedError

    def log_conditional_table(self, values, activations, **params):
        """``log p(values[i] | activations[j])``, shape (n_values, n_activations)
        (float64). This default calls :meth:`log_conditional` once per
        activation; unit types override it with one matrix product."""
        columns = [
            self.log_conditional(values, np.broadcast_to(a, values.shape), **params)
            for a in activations
        ]
        return np.stack(columns, axis=1).astype(np.float64, copy=False)

    def recognition_weights(self, W, **params):
        """``R`` with ``statistics(v) @ W.T == v @ R``: the statistic applied
        to the rows of ``W`` (valid for statistics linear in each unit)."""
        return self.statistics(W, **params).T

    def log_partition(self, W, b, c, **params):
        raise NotImplementedError

    def enumerated_units(self, W):
        return W.shape[0]

    def initial_parameters(self, X, **options):
        raise NotImplementedError

    def check_support(self, X, owner, *, stacklevel=None, **params):
        pass

    def fresh(self, n_samples, base_rate, rng, **params):
        mean = self.mean(np.broadcast_to(base_rate, (n_samples, base_rate.shape[0])), **params)
        return self.sample(np.array(mean), rng, **params)

    def gibbs(self, V, W, b, c, n_steps, rng, **params):
        raise NotImplementedError

    #: dtype of the data as given (``validate_data``)
    input_dtype = (np.float64, np.float32)

    def encode(self, X, dtype=None, handle_unknown=None):
        return X if dtype is None else np.asarray(X, dtype=dtype)

    def decode(self, V):
        return V

    # ---------------------------------------------- as the visible layer of a DBM
    #: the layer's states are binary codes the exact log Z can enumerate
    enumerable = False
    #: trained in a standardized space whose centring offset stays 0
    centred_by_scaling = False

    def kernel_layer(self, dtype, **params):
        """The layer as the DBM kernels take it (``_kernels._dbm.VisibleLayer``)."""
        raise NotImplementedError

    def fold(self, W, **params):
        """Bottom weights with the coupling statistic folded in (what the
        DBM kernels take): ``W`` itself when ``s(u) = u``."""
        return W

    def coupling_terms(self, V, bias, **params):
        """``(s(V), b_lin, own)`` with ``-E_u(V; bias) = b_lin.s(V) + own``:
        a linear energy by default (``own = 0``)."""
        return V, bias, 0.0

    def log_sum(self, activation, bias, **params):
        """``log sum_u exp(-E_u(u; bias) + s(u).W^T h)`` per row, the layer
        summed out given its total input ``activation``, as ``(terms,
        constant)`` (the constant does not depend on the input)."""
        return -self.free_energy(activation, bias, **params), 0.0

    def chain_start(self, n_samples, base_rate, rng, dtype, **params):
        """States of fresh DBM chains: draws of the independent base model."""
        return np.asarray(self.fresh(n_samples, base_rate, rng, **params), dtype=dtype)

    def ais_start(self, base_rate, n_samples, rng, dtype, **params):
        """Exact draws of the AIS base model (float64 arithmetic, then ``dtype``)."""
        base_rate = np.asarray(base_rate, dtype=np.float64)
        return self.fresh(n_samples, base_rate, rng, **params).astype(dtype)

    def ais_dbm(self, S, Ws, bs, base_rate, betas, rng, log_w, **params):
        """Run the type's DBM AIS kernel (``log_w`` incremented in place)."""
        raise NotImplementedError

    def sample_masked(self, mean, mask, rng, **params):
        """Draws of the entries where ``mask`` holds (by default the whole
        layer is drawn and those entries kept)."""
        return self.sample(mean, rng, **params)[mask]

    def value_mask(self, mask):
        """The mask of the layer's values for a mask of the data's features."""
        return mask

    def complete_rows(self, V):
        """Rows that are states of the layer (all of them by default)."""
        return np.ones(V.shape[0], dtype=bool)

    def own_parameters(self, fitted, dtype):
        """The layer's own parameters from :meth:`initial_parameters` (none)."""
        return {}

    def to_training_space(self, Ws, bs, **params):
        """Plain DBM parameters -> the space the layer is trained in."""
        return Ws, bs

    def from_training_space(self, Ws, bs, **params):
        """Inverse of :meth:`to_training_space`."""
        return Ws, bs

    def training_statistic(self, V, **params):
        """The layer's gradient statistic in the training space."""
        return V

    def base_bias(self, base_rate, **params):
        """The base model's bias in the training space (float64)."""
        return np.asarray(base_rate, dtype=np.float64)

    def __repr__(self):
        return f"{type(self).__name__}()"


class BernoulliUnits(UnitType):
    """Binary {0, 1} units: ``p(u = 1 | activation) = sigmoid(activation)``."""

    name = "bernoulli"

    @staticmethod
    def mean(activation):
        return expit(activation)

    @staticmethod
    def sample(mean, rng):
        rng = check_generator(rng)
        return (rng.random(mean.shape) < mean).astype(mean.dtype)

    @staticmethod
    def marginal_free_energy(activation):
        """``-log sum_u exp(u * activation)`` summed over units (per row)."""
        return -softplus(activation).sum(axis=-1)

    @staticmethod
    def energy(values, bias):
        # values may be a scipy sparse matrix (the drop-in takes sparse input)
        return -np.asarray(safe_sparse_dot(values, bias)).ravel()

    def free_energy(self, activation, bias=None):
        return self.marginal_free_energy(activation)

    @staticmethod
    def log_conditional(values, activation):
        # log sigmoid(a) for u = 1, log sigmoid(-a) for u = 0 (values in [0, 1])
        return bernoulli_log_likelihood(values, activation)

    @staticmethod
    def log_conditional_table(values, activations):
        # sum_j v_j a_j - softplus(a_j), expanded over (rows, activations)
        return (values @ activations.T).astype(np.float64) - np.logaddexp(
            0, activations
        ).sum(axis=1, dtype=np.float64)

    def log_partition(self, W, b, c):
        return _binary_log_partition(W, b, c)

    def enumerated_units(self, W):
        return min(W.shape)  # either layer can be summed out analytically

    def initial_parameters(self, X, **options):
        """Biases of the independent model of the marginals: logit of the
        clipped data mean (Hinton's practical guide)."""
        mean = np.asarray(X.mean(axis=0)).ravel()
        return {"mean": mean, "bias": logit(np.clip(mean, _MARGINAL_CLIP, 1 - _MARGINAL_CLIP))}

    def check_support(self, X, owner, *, stacklevel=None, **params):
        warn_if_not_binary(X, what=f"{owner}'s binary visible units",
                           stacklevel=None if stacklevel is None else stacklevel + 1)

    def fresh(self, n_samples, base_rate, rng):
        p = np.broadcast_to(expit(base_rate), (n_samples, base_rate.shape[0]))
        return (rng.random(p.shape) < p).astype(base_rate.dtype)

    def gibbs(self, V, W, b, c, n_steps, rng):
        H = np.empty((V.shape[0], W.shape[0]), dtype=V.dtype)
        _kernels._gibbs_bernoulli(V, W, b, c, n_steps, rng, H)

    @staticmethod
    def train_epoch(X, rows, bounds, params, velocity, offsets, chains, hyper, rng):
        """One epoch of (centred) CD-k/PCD-k, in place (``hyper`` as
        ``_kernels._sgd_epoch_bernoulli`` documents)."""
        _kernels._sgd_epoch_bernoulli(X, rows, bounds, params, velocity, offsets, chains, hyper, rng)

    # DBM visible layer (binary codes: the one type the enumeration can list)
    enumerable = True

    def kernel_layer(self, dtype, **params):
        return _kernels.visible_layer(_kernels.BERNOULLI, dtype)

    def chain_start(self, n_samples, base_rate, rng, dtype, **params):
        # the sigmoid in float64 whatever the dtype (as the DBM always drew them)
        return self.fresh(n_samples, np.asarray(base_rate, np.float64), rng).astype(dtype)

    def ais_start(self, base_rate, n_samples, rng, dtype, **params):
        # 1 / (1 + exp(-b)) rather than expit (ulps apart): the DBM's AIS
        # estimates stay bit for bit what they were
        p = 1.0 / (1.0 + np.exp(-np.asarray(base_rate, dtype=np.float64)))
        return (rng.random((n_samples, p.shape[0])) < p).astype(dtype)

    def ais_dbm(self, S, Ws, bs, base_rate, betas, rng, log_w, **params):
        _kernels._ais_dbm(S, Ws, bs, base_rate, betas, rng, log_w)

    def sample_masked(self, mean, mask, rng, **params):
        return (rng.random(int(mask.sum())) < mean[mask]).astype(mean.dtype)


class GaussianUnits(UnitType):
    """Real units with diagonal precision ``beta``: N(mean, 1 / beta).

    ``activation`` is the conditional mean itself (bias plus input); the
    coupling statistic is ``beta * v`` and the energy
    ``1/2 sum_j beta_j (v_j - b_j)^2``.
    """

    name = "gaussian"

    @staticmethod
    def mean(activation, precision=None):
        return activation

    @staticmethod
    def sample(mean, rng, precision, **_):
        rng = check_generator(rng)
        noise = rng.standard_normal(mean.shape).astype(mean.dtype, copy=False)
        return mean + noise / np.sqrt(precision).astype(mean.dtype, copy=False)

    @staticmethod
    def statistics(values, precision, **_):
        return values * precision

    @staticmethod
    def energy(values, bias, precision, **_):
        return 0.5 * ((values - bias) ** 2 @ precision)

    @staticmethod
    def free_energy(activation, bias, precision, **_):
        """``-log integral exp(-1/2 beta (v - b)^2 + beta v (m - b)) dv`` summed
        over units, with ``m = activation`` the conditional mean."""
        beta = np.asarray(precision, dtype=np.float64)
        square = 0.5 * ((activation**2 - bias**2) @ beta)
        return -square - 0.5 * np.sum(np.log(2 * np.pi / beta))

    @staticmethod
    def log_conditional(values, activation, precision):
        """``log N(values; activation, 1 / precision)`` summed over units."""
        square = ((values - activation) ** 2) @ precision
        return -0.5 * np.asarray(square, dtype=np.float64) + _gaussian_log_normalizer(
            precision, values.shape[1]
        )

    @staticmethod
    def log_conditional_table(values, activations, precision):
        # -1/2 sum_j beta_j (v_j - mu_j)^2 expanded over (rows, activations)
        square = (
            ((values * values) @ precision)[:, None]
            - 2 * (values * precision) @ activations.T
            + ((activations * activations) @ precision)[None, :]
        )
        return -0.5 * square.astype(np.float64) + _gaussian_log_normalizer(
            precision, values.shape[1]
        )

    def log_partition(self, W, b, c, precision):
        return _gaussian_log_partition(W, b, c, precision)

    def initial_parameters(self, X, *, precision="auto", min_variance=1e-3,
                           learn_precision=False, **_):
        """Mean, standardisation scale and precisions from the data."""
        mean = X.mean(axis=0, dtype=np.float64)
        variance = X.var(axis=0, dtype=np.float64)
        std = np.sqrt(np.maximum(variance, min_variance))
        beta = _initial_precision(precision, variance, min_variance)
        if learn_precision:  # the floor applies to learned precisions
            beta = np.minimum(beta, 1.0 / min_variance)
        return {"mean": mean, "bias": mean, "std": std, "precision": beta}

    @staticmethod
    def check_precision(precision, n_features):
        """Raise ValueError for a bad ``precision`` hyperparameter."""
        _initial_precision(precision, np.ones(n_features), 1.0)

    def check_support(self, X, owner, *, stacklevel=None, precision=None,
                      alternatives="precision='auto' or learn_precision=True", **_):
        if precision is not None:
            _warn_if_unscaled(owner, X, precision,
                              stacklevel=None if stacklevel is None else stacklevel + 1,
                              alternatives=alternatives)

    def fresh(self, n_samples, base_rate, rng, precision, **_):
        mean = np.broadcast_to(base_rate, (n_samples, base_rate.shape[0]))
        return self.sample(np.array(mean), rng, precision)

    def gibbs(self, V, W, b, c, n_steps, rng, precision):
        H = np.empty((V.shape[0], W.shape[0]), dtype=V.dtype)
        _kernels._gibbs_gaussian(V, W, b, c, precision, n_steps, rng, H)

    # standardisation: training runs on z = (v - mean) / std
    standardize = staticmethod(_to_standardized)
    unstandardize = staticmethod(_from_standardized)

    def train_epoch(self, X, rows, bounds, params, velocity, chains, hyper, rng, *,
                    scaling, min_variance, learn_precision, ladder=None, swaps=None):
        """One epoch of CD-k/PCD-k in the standardized space, or with a
        parallel-tempering negative phase when a ``ladder`` ``(chains,
        betas)`` is given (``swaps`` counts its swaps); returns the updated
        ``(W, b, c, beta)`` of the data's space."""
        W, b, c, beta = params
        dtype = W.dtype
        mean, std = scaling
        standardized = self.standardize(*(p.astype(np.float64) for p in params), mean, std)
        z_params = tuple(np.ascontiguousarray(p, dtype=dtype) for p in standardized)
        s_max = (-np.log(min_variance) + 2 * np.log(std)).astype(dtype)
        kernel_scaling = (mean.astype(dtype), (1.0 / std).astype(dtype), s_max)
        if ladder is None:
            _kernels._sgd_epoch_gaussian(
                X, rows, bounds, z_params, velocity, kernel_scaling, chains, hyper, rng
            )
        else:
            _pt_epoch_gaussian(X, rows, bounds, z_params, velocity, kernel_scaling, ladder,
                               hyper, rng, swaps)
        W, b, c, new_beta = self.unstandardize(
            *(p.astype(np.float64) for p in z_params), mean, std
        )
        if not learn_precision:  # keep the fixed precision bit for bit
            new_beta = beta
        return (
            np.ascontiguousarray(W, dtype=dtype),
            b.astype(dtype),
            c.astype(dtype),
            np.asarray(new_beta, dtype=dtype),
        )

    # DBM visible layer: the statistic is beta v; trained on z = (v - mean) / std
    # (``scaling = (mean, std)``), where the layer is centred by the scaling
    centred_by_scaling = True

    def kernel_layer(self, dtype, precision, **_):
        return _kernels.visible_layer(_kernels.GAUSSIAN, dtype, precision=precision)

    def fold(self, W, precision, **_):
        W = np.asarray(W)
        return W * np.asarray(precision, dtype=W.dtype)

    def coupling_terms(self, V, bias, precision, **_):
        V = np.asarray(V, dtype=np.float64)
        return (self.statistics(V, precision), np.zeros_like(bias),
                -self.energy(V, bias, precision))

    def log_sum(self, activation, bias, precision, **_):
        beta = np.asarray(precision, dtype=np.float64)
        return (0.5 * ((activation**2 - bias**2) @ beta),
                0.5 * np.sum(np.log(2 * np.pi / beta)))

    def ais_dbm(self, S, Ws, bs, base_rate, betas, rng, log_w, precision, **_):
        beta = np.ascontiguousarray(precision, dtype=S[0].dtype)
        _kernels._ais_dbm_gaussian(S, Ws, bs, base_rate, betas, rng, log_w, beta)

    def own_parameters(self, fitted, dtype):
        return {"precision": fitted["precision"].astype(dtype),
                "scaling": (fitted["mean"], fitted["std"])}

    def to_training_space(self, Ws, bs, precision, scaling, **_):
        W0, b0, b1, _ = _to_standardized(
            np.asarray(Ws[0], dtype=np.float64), np.asarray(bs[0], dtype=np.float64),
            np.asarray(bs[1], dtype=np.float64), precision.astype(np.float64), *scaling)
        return ([W0] + [np.asarray(W, dtype=np.float64) for W in Ws[1:]],
                [b0, b1] + [np.asarray(b, dtype=np.float64) for b in bs[2:]])

    def from_training_space(self, Ws, bs, precision, scaling, **_):
        mean, std = scaling
        dtype = Ws[0].dtype
        s_z = np.log(precision.astype(np.float64)) + 2 * np.log(std)
        W0, b0, b1, _ = _from_standardized(Ws[0].astype(np.float64), bs[0].astype(np.float64),
                                           bs[1].astype(np.float64), s_z, mean, std)
        return ([np.ascontiguousarray(W0, dtype=dtype)] + list(Ws[1:]),
                [b0.astype(dtype), b1.astype(dtype)] + list(bs[2:]))

    def training_statistic(self, V, precision, scaling, **_):
        """``beta_z z``: the energy in the standardized space is, up to a term
        without parameters, the binary one with visible state ``beta_z z``."""
        mean, std = scaling
        beta_z = precision.astype(np.float64) * std  # beta std^2 / std
        return ((V - mean) * beta_z).astype(V.dtype)

    def base_bias(self, base_rate, **params):
        return np.zeros(np.shape(base_rate)[0])  # N(mean, .) standardized: 0


class CategoricalUnits(UnitType):
    """Softmax groups: one categorical variable per feature, one-hot coded.

    Feature ``f`` with categories ``categories[f]`` occupies the columns
    ``offsets[f]:offsets[f + 1]`` of the layer; exactly one of them is on.
    ``p(v_f = k | activation) = softmax_k(activation[offsets[f] + k])``.

    Parameters
    ----------
    categories : list of ndarray
        The sorted categories of each feature (the values of the data).
    handle_unknown : {"error", "ignore"}, default="error"
        What :meth:`encode` does with a value that is not a category:
        raise a ValueError, or code the whole group as zeros.
    """

    name = "categorical"

    def __init__(self, categories=None, handle_unknown="error"):
        self.categories = categories
        self.handle_unknown = handle_unknown
        if categories is not None:
            sizes = [len(c) for c in categories]
            self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    @property
    def n_values(self):
        """Width of the one-hot layer."""
        return int(self.offsets[-1])

    def mean(self, activation):
        return _group_softmax(activation, self.offsets)

    def sample(self, mean, rng):
        rng = check_generator(rng)
        out = np.empty_like(mean)
        u = rng.random((mean.shape[0], self.offsets.shape[0] - 1))
        _categorical_kernels._sample_groups_into(np.ascontiguousarray(mean), self.offsets, u, out)
        return out

    def free_energy(self, activation, bias=None):
        return -_group_logsumexp(activation, self.offsets).sum(axis=1)

    def log_conditional(self, values, activation):
        norm = _group_logsumexp(activation, self.offsets).sum(axis=1)
        return np.sum(values * activation, axis=1) - norm

    def log_conditional_table(self, values, activations):
        # v.a - sum_f logsumexp_k a_{f,k}
        return (values @ activations.T).astype(np.float64) + self.free_energy(activations)[None, :]

    def log_partition(self, W, b, c):
        return _categorical_log_partition(W, b, c, self.offsets)

    def initial_parameters(self, V, **options):
        """Biases of the independent categorical model: log of the clipped
        category frequencies (normalised per group)."""
        frequency = np.asarray(V.mean(axis=0), dtype=np.float64).ravel()
        log_p = np.log(np.clip(frequency, _MARGINAL_CLIP, None))
        bias = log_p - np.repeat(
            _group_logsumexp(log_p[None, :], self.offsets)[0], np.diff(self.offsets)
        )
        return {"mean": frequency, "bias": bias}

    def gibbs(self, V, W, b, c, n_steps, rng):
        _categorical_kernels._gibbs_categorical(V, W, b, c, self.offsets, n_steps, rng)

    @staticmethod
    def train_epoch(X, rows, bounds, params, velocity, chains, groups, hyper, rng):
        """One epoch of CD-k/PCD-k on one-hot data, in place."""
        _categorical_kernels._sgd_epoch_categorical(
            X, rows, bounds, params, velocity, chains, groups, hyper, rng
        )

    input_dtype = "numeric"  # category values: codes, or any numbers

    def check_support(self, X, owner, *, stacklevel=None, **params):
        _warn_if_not_codes(owner, X, stacklevel=stacklevel)

    # DBM visible layer (one-hot groups: a linear energy)
    def kernel_layer(self, dtype, **params):
        return _kernels.visible_layer(_kernels.CATEGORICAL, dtype, offsets=self.offsets)

    def ais_dbm(self, S, Ws, bs, base_rate, betas, rng, log_w, **params):
        _kernels._ais_dbm_categorical(S, Ws, bs, base_rate, betas, rng, log_w, self.offsets)

    def value_mask(self, mask):
        return np.repeat(mask, np.diff(self.offsets), axis=1)

    def complete_rows(self, V):
        """False where an unknown category (``handle_unknown="ignore"``) left
        a group empty."""
        return V.sum(axis=1) == len(self.categories)

    def encode(self, X, dtype=np.float64, handle_unknown=None):
        """One-hot code of the category values ``X`` (n_samples, n_features);
        ``handle_unknown`` overrides the unit's setting."""
        handle_unknown = handle_unknown or self.handle_unknown
        n = X.shape[0]
        V = np.zeros((n, self.n_values), dtype=dtype)
        for f, cats in enumerate(self.categories):
            column = X[:, f]
            index = np.clip(np.searchsorted(cats, column), 0, len(cats) - 1)
            known = cats[index] == column
            if not np.all(known):
                if handle_unknown == "error":
                    unknown = np.unique(column[~known])[:5]
                    raise ValueError(
                        f"Found unknown categories {unknown.tolist()} in column {f} "
                        "during transform/score; the model was fitted with categories "
                        f"{cats.tolist()[:10]}. Refit with categories= listing every "
                        "value, or set handle_unknown='ignore'."
                    )
            rows = np.flatnonzero(known)
            V[rows, self.offsets[f] + index[rows]] = 1
        return V

    def decode(self, V):
        """Category values of one-hot (or probability) groups: the most
        probable category of each group."""
        columns = []
        for f, cats in enumerate(self.categories):
            group = V[:, self.offsets[f] : self.offsets[f + 1]]
            columns.append(cats[np.argmax(group, axis=1)])
        return np.stack(columns, axis=1) if columns else np.empty((V.shape[0], 0))

    def __repr__(self):
        n = None if self.categories is None else len(self.categories)
        return f"CategoricalUnits(n_features={n})"


UNIT_TYPES = {
    "bernoulli": BernoulliUnits,
    "gaussian": GaussianUnits,
    "categorical": CategoricalUnits,
}


def check_unit_type(unit_type, **options):
    """A unit-type object from its name or an instance.

    Parameters
    ----------
    unit_type : {"bernoulli", "gaussian", "categorical"} or UnitType
        A registered name (see :data:`UNIT_TYPES`) or an object following
        the protocol, returned as is.
    **options
        Passed to the constructor of a named type (e.g. ``categories``).

    Returns
    -------
    units : UnitType
    """
    if isinstance(unit_type, UnitType):
        return unit_type
    if isinstance(unit_type, str) and unit_type in UNIT_TYPES:
        return UNIT_TYPES[unit_type](**options)
    raise ValueError(
        f"Unknown unit type {unit_type!r}: use one of {sorted(UNIT_TYPES)} or a "
        "skgenerative.boltzmann._units.UnitType instance."
    )
