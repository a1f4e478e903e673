"""Greedy layer-wise training of a stack of RBMs (§20.3, eq. 20.21), shared by
:class:`DBN` and :class:`DBNClassifier`: per-layer hyperparameters, the
layer RBMs (Bernoulli or Gaussian visibles at the bottom), and the
upside-down initialisation of each layer from the one below. :class:`DBN`
also takes categorical (softmax) visibles: its first layer is then a
:class:`CategoricalRBM` on the integer codes. The data layer is reached
through the first RBM's unit type (``_units.py``): its values, support check
and statistic, never a branch on the type.
"""

import numbers
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ..exceptions import OutOfSupportWarning
from ..nn._mlp import check_layer_sizes
from ..utils.random import check_generator
from ..utils.validation import resolve_dtype
from ._categorical_rbm import CategoricalRBM
from ._gaussian_rbm import GaussianBernoulliRBM
from ._rbm import BernoulliRBM
from ._units import check_unit_type

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
#: Visible unit types of the first layer, by name.
_VISIBLE_RBMS = {
    "bernoulli": BernoulliRBM,
    "gaussian": GaussianBernoulliRBM,
    "categorical": CategoricalRBM,
}
#: The visible types every stack takes (DBN adds "categorical").
_REAL_VISIBLE_TYPES = {"bernoulli", "gaussian"}


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


def _layer_kwargs(cls, params, stack):
    """``params`` (the stack's per-layer values) in the names of ``cls``: the
    drop-in BernoulliRBM counts epochs in ``n_iter``, the other RBMs in
    ``max_iter``; an RBM with ``categories`` gets the stack's."""
    names = cls._parameter_constraints
    params = {("max_iter" if k == "n_iter" and k not in names else k): v
              for k, v in params.items()}
    if "categories" in names:
        params["categories"] = stack.categories
    return params


def _init_from_below(rbm, below, data):
    """Start ``rbm`` as the upside-down copy of the RBM below (Hinton et al.
    2006): its visible marginal then equals the hidden marginal of ``below``,
    so the variational bound starts where the shallower model's
    log-likelihood is and greedy training can only raise it (eq. 20.21)."""
    kind = below._visible_units.name
    if kind != rbm._hidden_units.name:
        raise ValueError(
            "layer_init='stacked' needs binary units in every layer; the first layer "
            f"is a {type(below).__name__} with {kind} visibles (visible_type={kind!r})."
        )
    if rbm.n_components != below.n_features_in_:
        raise ValueError(
            "layer_init='stacked' needs each layer above the first to have as many "
            "units as the layer two below it (hidden_layer_sizes like (h1, n_features, "
            f"h1, ...)); layer of {rbm.n_components} units above one with "
            f"{below.n_features_in_} inputs."
        )
    rbm.random_state_ = check_generator(rbm.random_state)
    rbm._initialize(data, None, rbm.random_state_, partial=False)  # the RBM's own state: chains, velocity
    rbm.components_[...] = below.components_.T
    rbm.intercept_visible_[...] = below.intercept_hidden_
    rbm.intercept_hidden_[...] = below.intercept_visible_
    rbm.set_params(warm_start=True)



class _StackedRBMs:
    """Greedy layer-wise pretraining shared by :class:`DBN` and :class:`DBNClassifier`."""

    _pretrain_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "visible_type": [StrOptions(_REAL_VISIBLE_TYPES)],
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
        return np.ascontiguousarray(X, dtype=dtype)

    def _check_support(self, X):
        # the stack warns once for the data layer (naming the line that called
        # fit); its RBMs are silenced
        check_unit_type(self.visible_type).check_support(X, type(self).__name__)

    def _pretrain(self, X, rng, rbms=None):
        """Train the RBMs bottom-up; returns the list of fitted RBMs.

        With ``rbms`` (a warm start), each given RBM continues training for
        its layer's epochs (none: it is kept as it is) on the outputs of the
        layers below it, as they are now.
        """
        sizes = self._layer_sizes()
        layer_params = self._layer_params(len(sizes))
        self.dtype_ = X.dtype
        if rbms is not None:  # train up to the highest layer given epochs
            sizes = sizes[: 1 + max((l for l, p in enumerate(layer_params) if p["n_iter"] > 0),
                                    default=-1)]
        fitted, data = [], X
        for l, (size, params) in enumerate(zip(sizes, layer_params)):
            cls = _VISIBLE_RBMS[self.visible_type] if l == 0 else BernoulliRBM
            params = _layer_kwargs(cls, params, self)
            if rbms is None:
                rbm = cls(
                    n_components=size, dtype=X.dtype, random_state=int(rng.integers(2**32)),
                    verbose=self.verbose, **params,
                )
            else:
                rbm = rbms[l]
                rbm.set_params(warm_start=True, verbose=self.verbose, **params)
            if self.verbose:
                print(f"[{type(self).__name__}] layer {l + 1}: {data.shape[1]} -> {size}")
            if self.layer_init == "stacked" and l > 0 and rbms is None:
                _init_from_below(rbm, fitted[-1], data)
            if rbms is None or max(params.get("n_iter", 0), params.get("max_iter", 0)) > 0:
                with warnings.catch_warnings():  # _check_support said it once
                    warnings.simplefilter("ignore", OutOfSupportWarning)
                    rbm.fit(data)  # the RBM picks its BLAS threads per batch shape
            rbm.set_params(warm_start=False)
            fitted.append(rbm)
            if l + 1 < len(sizes):
                # the layer's values (one-hot groups of categorical codes)
                data = rbm._mean_hiddens(rbm._encode(data))
                if self.layer_input == "sample":
                    data = _bernoulli_draw(data, rng)
                data = np.ascontiguousarray(data, dtype=X.dtype)
        if rbms is not None:
            fitted += rbms[len(fitted):]
        return fitted
