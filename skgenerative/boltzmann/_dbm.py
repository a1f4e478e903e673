"""Deep Boltzmann machines (§20.4): mean field, variational SML, pretraining,
centering, and the DBM as a feature extractor for a classifier (Figure 20.4).

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
a one-hidden-layer DBM is then exactly a :class:`GaussianBernoulliRBM`.

The math is in module-level functions (mean field, ELBO, statistics, exact
enumeration); the hot loops are the ``_*_dbm`` kernels of ``_kernels.py``.
"""

import numbers
from numbers import Integral, Real

import numpy as np
from scipy.special import expit, logit, logsumexp, xlogy
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from ..base import EpochLoopMixin, GenerativeMixin
from ..nn import MLP, Adam, softmax, softmax_classifier_epoch
from ..exceptions import PartitionFunctionError
from ..utils.random import check_generator, draw_seed
from ..utils.validation import resolve_dtype, warn_if_not_binary
from . import _kernels
from ._gaussian_rbm import _from_standardized, _initial_precision, _warn_if_unscaled
from ._units import GaussianUnits, softplus

__all__ = ["DBM", "DBMClassifier", "MPDBM"]

#: Enumeration chunk (states per block) of the exact partition function.
_ENUM_CHUNK = 4096
_NO_MASK = np.zeros((0, 0))
#: In the standardized space of Gaussian visibles a parameter this large only
#: comes from diverging gradient steps (the Gaussian RBM's known instability).
_DIVERGED = 1e6


# ---------------------------------------------------------------------------
# the math


def _as_tuple(arrays, dtype):
    return tuple(np.ascontiguousarray(a, dtype=dtype) for a in arrays)


def _fold_precision(Ws, precision):
    """Weights with the visible precision folded into the bottom layer,
    ``W_0 * beta`` (what the Gaussian kernels take); unchanged if None.
    Folded weights are all fresh copies: a numba tuple must not mix
    writable and read-only arrays (e.g. a model loaded from a memmap)."""
    if precision is None:
        return list(Ws)
    W0 = np.asarray(Ws[0])
    return [W0 * np.asarray(precision, dtype=W0.dtype)] + [np.array(W) for W in Ws[1:]]


def _beta(precision, dtype):
    """The kernels' visible precisions: empty for binary visibles."""
    if precision is None:
        return np.zeros(0, dtype=dtype)
    return np.ascontiguousarray(precision, dtype=dtype)


def mean_field(V, Ws, bs, *, n_iter=30, tol=1e-6, observed=None, init=None,
               precision=None):
    """Mean-field posterior Q(h | v) of a DBM (eqs. 20.33-20.34).

    Parameters
    ----------
    V : ndarray of shape (n_samples, n_visible)
    Ws, bs : sequences of arrays
        Weights (``Ws[l]`` of shape ``(n_{l+1}, n_l)``) and biases (visible first).
    n_iter : int
        Maximum number of fixed-point iterations (odd layers, then even ones).
    tol : float
        Stop when no unit changes by more than ``tol``.
    observed : ndarray of shape (n_samples, n_visible) or None
        If given, visible entries where ``observed == 0`` are updated too.
    init : list of arrays or None
        Starting values of the hidden layers; None does an upward pass with
        doubled inputs below the top.
    precision : ndarray of shape (n_visible,) or None
        Precisions of Gaussian visibles; None for binary visibles. Unobserved
        Gaussian visibles take their conditional mean ``b_0 + W_0^T q_1``.

    Returns
    -------
    Q : list of ndarray
        ``Q[0]`` is the (possibly imputed) visible layer, ``Q[l]`` the
        posterior means of hidden layer ``l``.
    n_iter_run : int
    """
    dtype = Ws[0].dtype
    Ws, bs = _as_tuple(_fold_precision(Ws, precision), dtype), _as_tuple(bs, dtype)
    m = V.shape[0]
    Q = [np.array(V, dtype=dtype, order="C")]
    if init is None:
        Q += [np.empty((m, b.shape[0]), dtype=dtype) for b in bs[1:]]
        Q = tuple(Q)
        _kernels._bottom_up_dbm(Q, Ws, bs)
    else:
        Q = tuple(Q + [np.array(q, dtype=dtype, order="C") for q in init])
    if observed is None:
        mask = np.zeros((0, 0), dtype=dtype)
    else:
        mask = np.ascontiguousarray(observed, dtype=dtype)
    n_run = _kernels._mean_field_dbm(Q, Ws, bs, mask, int(n_iter), float(tol),
                                     _beta(precision, dtype))
    return list(Q), int(n_run)


def expected_neg_energy(Q, Ws, bs, precision=None):
    """``-E_Q[E(v, h)]`` per row for a factorial Q (Q[0] = v clamped).

    With Gaussian visibles (``precision``) the visible terms are
    ``-1/2 sum_j beta_j (v_j - b_0j)^2 + q_1^T W_0 (beta v)``.
    """
    total = np.zeros(Q[0].shape[0])
    if precision is None:
        for l, W in enumerate(Ws):
            total += np.einsum("ij,ij->i", Q[l] @ W.T, Q[l + 1], dtype=np.float64)
        for l, b in enumerate(bs):
            total += Q[l] @ b.astype(np.float64)
        return total
    beta = np.asarray(precision, dtype=np.float64)
    V = Q[0].astype(np.float64)
    total -= 0.5 * ((V - bs[0]) ** 2 @ beta)
    total += expected_neg_energy([V * beta] + list(Q[1:]), Ws,
                                 [np.zeros_like(bs[0])] + list(bs[1:]))
    return total


def bernoulli_entropy(Q):
    """Entropy of the factorial hidden layers of Q (nats, per row)."""
    total = np.zeros(Q[0].shape[0])
    for q in Q[1:]:
        q = q.astype(np.float64)
        total -= (xlogy(q, q) + xlogy(1 - q, 1 - q)).sum(axis=1)
    return total


def elbo_unnormalized(Q, Ws, bs, precision=None):
    """``L(v, Q) + log Z`` (eq. 20.35 without ``-log Z``), per row; with
    Gaussian visibles (``precision``) a log-density bound up to ``log Z``."""
    return expected_neg_energy(Q, Ws, bs, precision) + bernoulli_entropy(Q)


def _bits(start, stop, n):
    codes = np.arange(start, stop, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(np.float64)


def _log_sum_enumerated(Ws, bs, enum_layers, v=None, precision=None):
    """log sum over all states of the model (``v`` clamped if given),
    enumerating ``enum_layers`` and summing the others analytically.

    Every layer not enumerated (and not the clamped visible) must have all its
    neighbours enumerated or clamped. Gaussian visibles (``precision``) are
    never enumerated: clamped, or integrated given h_1 (``sum_j 1/2 log(2 pi /
    beta_j) + 1/2 beta_j ((b_0 + W_0^T h_1)_j^2 - b_0j^2)``).
    """
    gaussian = precision is not None
    if gaussian:
        beta = np.asarray(precision, dtype=np.float64)
        if 0 in enum_layers or (v is None and 1 not in enum_layers):
            raise ValueError("Gaussian visibles: enumerate h_1, never the visible layer.")
    Ws = [np.asarray(W, dtype=np.float64) for W in Ws]
    bs = [np.asarray(b, dtype=np.float64) for b in bs]
    L = len(Ws)
    sizes = [b.shape[0] for b in bs]
    n_enum = sum(sizes[l] for l in enum_layers)
    free = [l for l in range(L + 1) if l not in enum_layers and not (l == 0 and v is not None)]
    total = -np.inf
    for start in range(0, 2**n_enum, _ENUM_CHUNK):
        stop = min(2**n_enum, start + _ENUM_CHUNK)
        bits = _bits(start, stop, n_enum)
        X, pos, val = {}, 0, np.zeros(stop - start)
        for l in enum_layers:
            X[l] = bits[:, pos : pos + sizes[l]]
            pos += sizes[l]
            val += X[l] @ bs[l]
        if v is not None:
            v64 = np.asarray(v, dtype=np.float64)
            if gaussian:  # h_1 sees beta v; the visible term is quadratic
                X[0] = np.broadcast_to(beta * v64, (stop - start, sizes[0]))
                val -= 0.5 * np.sum(beta * (v64 - bs[0]) ** 2)
            else:
                X[0] = np.broadcast_to(v64, (stop - start, sizes[0]))
                val += X[0][0] @ bs[0]
        # pairs of adjacent fixed layers (clamped v next to an enumerated h_1)
        for l in range(L):
            if l in X and l + 1 in X:
                val += np.einsum("ij,ij->i", X[l + 1] @ Ws[l], X[l])
        for l in free:
            if l == 0 and gaussian:  # the Gaussian integral over v given h_1
                mean = bs[0] + X[1] @ Ws[0]
                val += 0.5 * ((mean**2 - bs[0] ** 2) @ beta)
                val += 0.5 * np.sum(np.log(2 * np.pi / beta))
                continue
            a = np.broadcast_to(bs[l], (stop - start, sizes[l])).copy()
            if l > 0:
                a += X[l - 1] @ Ws[l - 1].T
            if l < L:
                a += X[l + 1] @ Ws[l]
            val += softplus(a).sum(axis=1)
        total = np.logaddexp(total, logsumexp(val))
    return float(total)


def exact_log_partition_dbm(Ws, bs, precision=None):
    """Exact log Z of a DBM, enumerating the odd layers or the even layers
    (visible included), whichever has fewer units. With Gaussian visibles
    (``precision``) the odd (hidden) layers are enumerated and the visible
    layer is integrated analytically: a log-normaliser of a density."""
    L = len(Ws)
    sizes = [np.shape(b)[0] for b in bs]
    odd = list(range(1, L + 1, 2))
    even = list(range(0, L + 1, 2))
    if precision is not None:
        return _log_sum_enumerated(Ws, bs, odd, precision=precision)
    n_odd, n_even = sum(sizes[l] for l in odd), sum(sizes[l] for l in even)
    return _log_sum_enumerated(Ws, bs, odd if n_odd <= n_even else even)


def exact_log_unnormalized_dbm(V, Ws, bs, precision=None):
    """Exact ``log sum_h exp(-E(v, h))`` of each row of ``V`` (enumeration of
    the odd or even hidden layers, whichever is smaller; ``precision`` for
    Gaussian visibles)."""
    L = len(Ws)
    sizes = [np.shape(b)[0] for b in bs]
    odd = list(range(1, L + 1, 2))
    even = list(range(2, L + 1, 2))
    n_odd, n_even = sum(sizes[l] for l in odd), sum(sizes[l] for l in even)
    enum = odd if n_odd <= n_even or not even else even
    return np.array([_log_sum_enumerated(Ws, bs, enum, v, precision) for v in np.asarray(V)])


def _enumerated_units(sizes, gaussian=False):
    if gaussian:  # the visible layer is integrated, never enumerated
        return sum(sizes[1::2])
    return min(sum(sizes[1::2]), sum(sizes[0::2]))


def centered_statistics(S, mu):
    """Sufficient statistics ``<(s_{l+1}-mu)^T (s_l-mu)>`` and ``<s_l>`` of a
    batch of (mean-field or sampled) states (eq. 20.37 with offsets ``mu``)."""
    m = S[0].shape[0]
    C = [s - u for s, u in zip(S, mu)]
    pair = [C[l + 1].T @ C[l] / m for l in range(len(S) - 1)]
    means = [s.mean(axis=0) for s in S]
    return pair, means


def plain_parameters(cW, cb, mu):
    """Fold offsets into plain-energy parameters (same distribution).

    ``-(x - mu)^T U (x - mu) - (x - mu).b'`` equals, up to a constant, the
    plain energy with ``W = W'`` and ``b_l = b'_l - W'_{l-1} mu_{l-1} -
    W'_l^T mu_{l+1}``.
    """
    L = len(cW)
    bs = []
    for l in range(L + 1):
        b = cb[l].copy()
        if l > 0:
            b -= cW[l - 1] @ mu[l - 1]
        if l < L:
            b -= mu[l + 1] @ cW[l]
        bs.append(b)
    return [W.copy() for W in cW], bs


def centered_parameters(Ws, bs, mu):
    """Inverse of :func:`plain_parameters`."""
    L = len(Ws)
    cb = []
    for l in range(L + 1):
        b = bs[l].copy()
        if l > 0:
            b += Ws[l - 1] @ mu[l - 1]
        if l < L:
            b += mu[l + 1] @ Ws[l]
        cb.append(b)
    return [W.copy() for W in Ws], cb


def pretraining_scales(n_layers):
    """Copies ``(up, down)`` and weight factor of each pretraining RBM.

    ``up`` tied copies of the RBM's visible layer (its hidden units receive
    ``up W v``), ``down`` tied copies of its hidden layer (its visible units
    receive ``down W^T h``), and the factor its weights are multiplied by in
    the DBM: ``(2, 1, 1)`` for the bottom RBM, ``(1, 2, 1)`` for the top one,
    ``(1, 1, 1/2)`` in between, ``(1, 1, 1)`` for a single hidden layer (an
    ordinary RBM).
    """
    if n_layers == 1:
        return [(1.0, 1.0, 1.0)]
    rules = []
    for l in range(n_layers):
        if l == 0:
            rules.append((2.0, 1.0, 1.0))
        elif l == n_layers - 1:
            rules.append((1.0, 2.0, 1.0))
        else:
            rules.append((1.0, 1.0, 0.5))
    return rules


def fit_scaled_rbm(X, n_hidden, up, down, *, learning_rate, batch_size, n_epochs, rng):
    """Fit the RBM of DBM pretraining, with ``up`` tied copies of the visible
    layer and ``down`` tied copies of the hidden layer, by PCD-1.

    On data, ``P(h = 1 | v) = sigmoid(up W v + c)``; in the chains each
    visible copy is drawn from ``sigmoid(down W^T h + b)`` and each hidden
    copy from ``sigmoid(W (v_1 + ... + v_up) + c)`` (kernel
    ``_sgd_epoch_scaled_rbm``). The same initialisation, batches and update
    as ``BernoulliRBM`` (defaults: PCD-1, no momentum, constant learning
    rate), which it is for ``up = down = 1``.

    Returns
    -------
    W, b, c : ndarrays of shapes (n_hidden, n_features), (n_features,), (n_hidden,)
    """
    dtype = X.dtype
    n, nv = X.shape
    W = np.ascontiguousarray(rng.normal(0.0, 0.01, (n_hidden, nv)), dtype=dtype)
    b = logit(np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    params = (W, b, c)
    velocity = tuple(np.zeros_like(a) for a in params)
    offsets = (np.zeros(nv, dtype=dtype), np.zeros(n_hidden, dtype=dtype))
    chains = np.zeros((batch_size, n_hidden), dtype=dtype)
    hyper = np.array([learning_rate, 0.0, 0.0, 0.0, 0.0, 1, 1.0, up, down], dtype=np.float64)
    n_batches = int(np.ceil(n / batch_size))
    bounds = (np.arange(n_batches + 1, dtype=np.int64) * n) // n_batches
    X = np.ascontiguousarray(X)
    with threadpool_limits(limits=1 if batch_size <= 256 else None, user_api="blas"):
        for _ in range(n_epochs):
            rows = rng.permutation(n)
            _kernels._sgd_epoch_scaled_rbm(X, rows, bounds, params, velocity, offsets,
                                           chains, hyper, rng)
    return W, b, c


def fit_scaled_gaussian_rbm(X, n_hidden, up, precision, scaling, *, learning_rate,
                            batch_size, n_epochs, rng):
    """Fit the bottom RBM of DBM pretraining with Gaussian visibles of
    precisions ``precision`` and ``up`` tied copies of the visible layer, by
    PCD-1 in the standardized space (``scaling = (mean, std)``).

    The copy mean of ``up`` tied Gaussian copies, each ``N(b + W^T h, 1 /
    beta)``, is ``N(b + W^T h, 1 / (up beta))``, and the hidden units receive
    ``W (beta (v_1 + ... + v_up)) = W ((up beta) v)`` on data: the
    tied-copies RBM is the Gaussian-Bernoulli RBM with precision ``up beta``
    (its gradient is the sum of the per-copy gradients). So this is the
    epoch kernel of :class:`GaussianBernoulliRBM` (``_sgd_epoch_gaussian``,
    fixed precision) with that precision, initialised as the RBM is (small
    weights and zero biases in the standardized space).

    Returns
    -------
    W, b, c : float64 ndarrays of shapes (n_hidden, n_features), (n_features,),
        (n_hidden,) in the units of the data (the DBM's bottom-layer
        parameters for visible precision ``precision``).
    """
    dtype = X.dtype
    n, nv = X.shape
    mean, std = scaling
    beta = np.asarray(precision, dtype=np.float64)
    W_z = rng.normal(0.0, 0.01, (n_hidden, nv))
    s_z = np.log(up * beta) + 2 * np.log(std)
    params = _as_tuple((W_z, np.zeros(nv), np.zeros(n_hidden), s_z), dtype)
    velocity = tuple(np.zeros_like(a) for a in params)
    chains = np.zeros((batch_size, n_hidden), dtype=dtype)
    hyper = np.array([learning_rate, 0.0, 0.0, 0.0, 0.0, 1, 1.0, -np.inf], dtype=np.float64)
    kernel_scaling = _as_tuple((mean, 1.0 / std, s_z), dtype)
    n_batches = int(np.ceil(n / batch_size))
    bounds = (np.arange(n_batches + 1, dtype=np.int64) * n) // n_batches
    X = np.ascontiguousarray(X)
    with threadpool_limits(limits=1 if batch_size <= 256 else None, user_api="blas"):
        for epoch in range(n_epochs):
            rows = rng.permutation(n)
            _kernels._sgd_epoch_gaussian(X, rows, bounds, params, velocity, kernel_scaling,
                                         chains, hyper, rng)
            if not all(np.all(np.abs(p) < _DIVERGED) for p in params):  # NaN fails too
                raise FloatingPointError(
                    f"Pretraining of the Gaussian bottom RBM diverged in epoch {epoch + 1} "
                    f"(parameters blew up); lower pretrain_learning_rate (now "
                    f"{learning_rate})."
                )
    W, b, c, _ = _from_standardized(*(p.astype(np.float64) for p in params), mean, std)
    return W, b, c


def pretrain_layers(X, sizes, *, learning_rate, batch_size, n_epochs, rng,
                    precision=None, scaling=None):
    """Greedy layer-wise pretraining of a DBM (§20.4.4).

    Composition rule (Salakhutdinov & Hinton 2009; the spec's §20.4.4): RBM
    ``l`` models layer ``l-1`` (visible) and layer ``l`` (hidden), with the
    copies and weight factor of :func:`pretraining_scales`. The bottom RBM
    is trained with two tied copies of each visible unit (its hidden units
    receive ``2 W v`` on data), the top RBM with two tied copies of the top
    layer (its visible units receive ``W^T (h_1 + h_2)``), each inserted
    into the DBM with its weights unchanged; the RBMs in between are
    ordinary RBMs whose weights are halved before insertion. So every DBM
    layer receives half of the input each neighbouring RBM trained it with.
    The data of RBM ``l+1`` is RBM ``l``'s posterior ``sigmoid(up W h +
    c)``. The bias of a layer shared by two RBMs is the mean of the two
    RBMs' biases (the visible bias comes from the bottom RBM, the top bias
    from the top one).

    With Gaussian visibles (``precision``, and the standardization ``scaling
    = (mean, std)`` of the data) the bottom RBM is a Gaussian-Bernoulli RBM
    with two tied copies of the visible layer (:func:`fit_scaled_gaussian_rbm`;
    one copy for a single hidden layer) and passes ``sigmoid(up W (beta v) +
    c)`` up.

    Returns
    -------
    Ws, bs : lists of float64 arrays (DBM weights and biases, visible first)
    rbms : list of dict
        Per RBM: ``components``, ``intercept_visible``, ``intercept_hidden``,
        ``scales`` ``(up, down)`` and ``weight_factor``.
    """
    L = len(sizes)
    Ws, hidden_b, visible_b, rbms = [], [], [], []
    H = np.ascontiguousarray(X)
    for l, ((up, down, factor), n) in enumerate(zip(pretraining_scales(L), sizes)):
        gaussian = l == 0 and precision is not None
        if gaussian:
            W, b, c = fit_scaled_gaussian_rbm(H, n, up, precision, scaling,
                                              learning_rate=learning_rate,
                                              batch_size=batch_size, n_epochs=n_epochs, rng=rng)
        else:
            W, b, c = fit_scaled_rbm(H, n, up, down, learning_rate=learning_rate,
                                     batch_size=batch_size, n_epochs=n_epochs, rng=rng)
        rbms.append(dict(components=W, intercept_visible=b, intercept_hidden=c,
                         scales=(up, down), weight_factor=factor))
        Ws.append(factor * W.astype(np.float64))
        visible_b.append(b.astype(np.float64))
        hidden_b.append(c.astype(np.float64))
        if l < L - 1:
            inputs = H * np.asarray(precision, dtype=H.dtype) if gaussian else H
            H = np.ascontiguousarray(expit(up * (inputs @ W.T) + c), dtype=X.dtype)
    bs = [visible_b[0]]
    for l in range(1, L + 1):
        bs.append(0.5 * (hidden_b[l - 1] + visible_b[l]) if l < L else hidden_b[l - 1])
    return Ws, bs, rbms


# ---------------------------------------------------------------------------
# the estimator


class DBM(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    GenerativeMixin,
    EpochLoopMixin,
    BaseEstimator,
):
    """Deep Boltzmann machine with binary hidden units and binary or
    Gaussian visible units (§20.4).

    Energy (eq. 20.25 with biases, any number of hidden layers)
    ``E(v, h1..hL) = -sum_l h_{l+1}^T W_l h_l - sum_l b_l.h_l`` with
    ``h_0 = v``. With ``visible_type="gaussian"`` the visible terms are those
    of :class:`GaussianBernoulliRBM`: ``E = 1/2 sum_j beta_j (v_j - b_0j)^2 -
    h_1^T W_0 (beta v) - ...`` with ``beta = precision_``, so ``p(v | h_1) =
    N(b_0 + W_0^T h_1, 1 / beta)``, and a one-hidden-layer Gaussian DBM is a
    Gaussian-Bernoulli RBM with the same parameters; the visible layer is
    then trained in the standardized space of the training data (as
    ``GaussianBernoulliRBM``), its precision is fixed (``precision``), and
    ``score_samples`` bounds a log-density of the data as given. Inference is mean field (eqs. 20.33-20.34), training is
    variational stochastic maximum likelihood (Algorithm 20.1): the positive
    phase from the mean-field posterior of the batch, the negative phase from
    persistent block-Gibbs chains alternating even and odd layers. By default
    the layers are first pretrained greedily as RBMs (§20.4.4) and the joint
    training uses the centred gradient (eq. 20.37, Montavon & Müller 2012).

    ``score_samples`` is a **lower bound** on ``log p(v)`` (``score_kind_ =
    "lower_bound"``): the variational bound of the mean-field posterior,
    ``E_Q[-E(v, h)] + H(Q) - log Z``, with ``log Z`` exact by enumeration on
    small models and an AIS estimate over the full DBM otherwise (its standard
    error is ``log_partition_result_.log_z_std``; the AIS estimate of ``log Z``
    is low in expectation, so the reported bound can be optimistic by that
    error).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Widths of the hidden layers, bottom to top.
    visible_type : {"bernoulli", "gaussian"}, default="bernoulli"
        Unit type of the visible layer: binary (values in [0, 1] are read as
        probabilities), or real with a fixed diagonal precision
        (``precision``; the energy of :class:`GaussianBernoulliRBM`). The
        Gaussian layer usually wants smaller learning rates (e.g.
        ``learning_rate=0.005``, ``pretrain_learning_rate=0.01``; too large a
        pretraining rate makes the Gaussian RBM diverge, a
        ``FloatingPointError``).
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
    batch_size : int, default=100
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
    pretrain_max_iter : int, default=10
        Epochs per pretraining RBM.
    pretrain_learning_rate : float, default=0.05
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
    precision_ : ndarray of shape (n_features,)
        Gaussian visibles only: the precisions ``beta`` of the visible units.
    chains_ : list of ndarray
        States of the persistent chains, one array per layer.
    base_rate_ : ndarray of shape (n_features,)
        Logits of the training marginals (start of sampling chains and AIS);
        for Gaussian visibles the training mean (base model
        ``N(base_rate_, 1 / precision_)``).
    log_partition_ : float
    log_partition_result_ : AISResult or None
        The AIS result behind ``log_partition_`` (None when exact).
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
    """

    score_kind_ = "lower_bound"

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "visible_type": [StrOptions({"bernoulli", "gaussian"})],
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
        "centering": ["boolean"],
        "offset_rate": [Interval(Real, 0, 1, closed="both")],
        "transform_layer": [Integral, None],
        "log_z": [StrOptions({"auto", "exact", "ais"}), Real],
        "exact_limit": [Interval(Integral, 0, 30, closed="both")],
        "ais_n_runs": [Interval(Integral, 2, None, closed="left")],
        "ais_n_temperatures": [Interval(Integral, 2, None, closed="left")],
        "shuffle": ["boolean"],
        "dtype": [None, type, np.dtype, str],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    _state_names = (
        "components_",
        "intercepts_",
        "_cW",
        "_cb",
        "offsets_",
        "_velocity",
        "chains_",
        "random_state_",
        "_log_partition",
        "log_partition_result_",
    )
    _parameter_names = ("_flat_parameters",)

    def __init__(
        self,
        hidden_layer_sizes=(64, 32),
        *,
        visible_type="bernoulli",
        precision="auto",
        min_variance=1e-3,
        learning_rate=0.005,
        batch_size=100,
        max_iter=10,
        n_gibbs_steps=5,
        n_chains=None,
        n_mean_field_iter=30,
        tol=1e-5,
        momentum=0.5,
        weight_decay=0.0,
        learning_rate_schedule="linear",
        pretrain=True,
        pretrain_max_iter=10,
        pretrain_learning_rate=0.05,
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

    def _validate_X(self, X, *, reset):
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=reset)
        return X

    @property
    def _gaussian(self):
        return self.visible_type == "gaussian"

    def _precision(self):
        """Visible precisions (Gaussian visibles) or None (binary)."""
        return self.precision_ if self._gaussian else None

    def _check_support(self, X):
        """Out-of-support warnings: non-binary data for binary visibles,
        unstandardised data for a fixed Gaussian precision (the warning of
        :class:`GaussianBernoulliRBM`)."""
        if not self._gaussian:
            warn_if_not_binary(X, stacklevel=4)
        elif not isinstance(self.precision, str):
            beta = getattr(self, "precision_", None)
            if beta is None or beta.shape[0] != X.shape[1]:
                beta = np.asarray(self.precision, dtype=np.float64)
            _warn_if_unscaled(type(self).__name__, X, beta, stacklevel=4,
                              alternatives="precision='auto'")

    @property
    def _flat_parameters(self):
        return np.concatenate([np.ravel(a) for a in self.components_ + self.intercepts_])

    # ----------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Pretrain (optional) and train the DBM by variational SML.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary data (values in [0, 1]).
        y : None
            Ignored.

        Returns
        -------
        self : DBM
        """
        warm = self.warm_start and hasattr(self, "components_")
        # a warm start keeps the fitted feature count: other data is an error
        X = self._validate_X(X, reset=not warm)
        self._check_support(X)
        sizes = self._layer_sizes()
        if warm:
            rng = self.random_state_
        else:
            rng = self.random_state_ = check_generator(self.random_state)
            dtype = resolve_dtype(self.dtype, X)
            if dtype not in (np.float32, np.float64):
                raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}.")
            X = np.ascontiguousarray(X, dtype=dtype)
            self._initialize(X, sizes, rng)
        X = np.ascontiguousarray(X, dtype=self.components_[0].dtype)
        self._fit_epochs(X, self.max_iter, rng, verbose=self.verbose)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One pass of variational SML over X (initialises without
        pretraining on the first call).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : DBM
        """
        first = not hasattr(self, "components_")
        X = self._validate_X(X, reset=first)
        self._check_support(X)
        if first:
            self.random_state_ = check_generator(self.random_state)
            X = np.ascontiguousarray(X, dtype=resolve_dtype(self.dtype, X))
            self._initialize(X, self._layer_sizes(), self.random_state_, pretrain=False)
        X = np.ascontiguousarray(X, dtype=self.components_[0].dtype)
        shuffle, self.shuffle = self.shuffle, False
        schedule, self.learning_rate_schedule = self.learning_rate_schedule, "constant"
        try:
            self._fit_epochs(X, 1, self.random_state_, verbose=self.verbose)
        finally:
            self.shuffle = shuffle
            self.learning_rate_schedule = schedule
        return self

    def _initialize(self, X, sizes, rng, pretrain=None):
        if self._gaussian:
            return self._initialize_gaussian(X, sizes, rng, pretrain)
        for name in ("precision_", "_scaling"):  # left by an earlier Gaussian fit
            if hasattr(self, name):
                delattr(self, name)
        dtype = X.dtype
        pretrain = self.pretrain if pretrain is None else pretrain
        nv = X.shape[1]
        all_sizes = (nv,) + sizes
        mean = X.mean(axis=0)
        self.base_rate_ = logit(np.clip(mean, 1e-3, 1 - 1e-3)).astype(dtype)
        self.pretrained_rbms_ = []
        if pretrain:
            Ws, bs = self._pretrain(X, sizes, rng)
        else:
            Ws = [rng.normal(0.0, 0.01, (all_sizes[l + 1], all_sizes[l])) for l in range(len(sizes))]
            bs = [self.base_rate_.astype(np.float64)] + [np.zeros(n) for n in sizes]
        Ws = [np.ascontiguousarray(W, dtype=dtype) for W in Ws]
        bs = [np.ascontiguousarray(b, dtype=dtype) for b in bs]
        if self.centering:
            mu = [mean.astype(dtype)]
            if pretrain:
                Q, _ = mean_field(X[:1000], Ws, bs, n_iter=self.n_mean_field_iter, tol=self.tol)
                mu += [q.mean(axis=0).astype(dtype) for q in Q[1:]]
            else:
                mu += [np.full(n, 0.5, dtype=dtype) for n in sizes]
        else:
            mu = [np.zeros(n, dtype=dtype) for n in all_sizes]
        self.offsets_ = mu
        self._cW, self._cb = centered_parameters(Ws, bs, mu)
        self._sync_plain()
        self._velocity = [np.zeros_like(W) for W in self._cW] + [np.zeros_like(b) for b in self._cb]
        n_chains = self.batch_size if self.n_chains is None else self.n_chains
        p = expit(self.base_rate_.astype(np.float64))
        self.chains_ = [(rng.random((n_chains, nv)) < p).astype(dtype)] + [
            (rng.random((n_chains, n)) < 0.5).astype(dtype) for n in sizes
        ]
        self._finish_initialize(sizes, rng)

    def _finish_initialize(self, sizes, rng):
        self._n_features_out = self._transform_width(sizes)
        self.n_iter_ = 0
        self._score_seed = draw_seed(rng)
        self._log_partition = None
        self.log_partition_result_ = None

    def _initialize_gaussian(self, X, sizes, rng, pretrain=None):
        """Gaussian visibles: the same steps in the standardized space.

        The centred parameters ``_cW``, ``_cb`` and ``offsets_`` live in the
        space of ``z = (v - mean) / std`` (the training data's mean and
        standard deviation, floored at ``sqrt(min_variance)``), where the
        visible precisions are ``beta_z = beta std^2`` (1 with
        ``precision="auto"``) and the visible layer enters the gradient as
        ``beta_z z`` (see :meth:`_sml_step`); ``components_``,
        ``intercepts_`` and ``precision_`` are the plain parameters of the
        density of the data as given.
        """
        dtype = X.dtype
        pretrain = self.pretrain if pretrain is None else pretrain
        nv = X.shape[1]
        all_sizes = (nv,) + sizes
        mean = X.mean(axis=0, dtype=np.float64)
        variance = X.var(axis=0, dtype=np.float64)
        std = np.sqrt(np.maximum(variance, self.min_variance))
        beta = _initial_precision(self.precision, variance, self.min_variance)
        self._scaling = (mean, std)
        self.precision_ = beta.astype(dtype)
        self.base_rate_ = mean.astype(dtype)
        self.pretrained_rbms_ = []
        if pretrain:
            Ws, bs, self.pretrained_rbms_ = pretrain_layers(
                X, sizes, learning_rate=self.pretrain_learning_rate,
                batch_size=min(self.batch_size, max(1, X.shape[0])),
                n_epochs=self.pretrain_max_iter, rng=rng, precision=beta,
                scaling=self._scaling,
            )
            Wz, bz = self._standardize_plain(Ws, bs)
        else:  # small weights, zero biases in the standardized space
            Wz = [rng.normal(0.0, 0.01, (all_sizes[l + 1], all_sizes[l])) for l in range(len(sizes))]
            bz = [np.zeros(n) for n in all_sizes]
        Wz = [np.ascontiguousarray(W, dtype=dtype) for W in Wz]
        bz = [np.ascontiguousarray(b, dtype=dtype) for b in bz]
        # the visible offset is 0 in the standardized space (the training mean)
        mu = [np.zeros(nv, dtype=dtype)]
        if self.centering and pretrain:
            self._cW, self._cb, self.offsets_ = Wz, bz, [np.zeros(n, dtype=dtype) for n in all_sizes]
            self._sync_plain()
            Q, _ = self._mean_field(X[:1000])
            mu += [q.mean(axis=0).astype(dtype) for q in Q[1:]]
        else:
            mu += [np.full(n, 0.5 if self.centering else 0.0, dtype=dtype) for n in sizes]
        self.offsets_ = mu
        self._cW, self._cb = centered_parameters(Wz, bz, mu)
        self._sync_plain()
        self._velocity = [np.zeros_like(W) for W in self._cW] + [np.zeros_like(b) for b in self._cb]
        n_chains = self.batch_size if self.n_chains is None else self.n_chains
        start = np.broadcast_to(self.base_rate_, (n_chains, nv)).copy()
        self.chains_ = [GaussianUnits.sample(start, rng, self.precision_)] + [
            (rng.random((n_chains, n)) < 0.5).astype(dtype) for n in sizes
        ]
        self._finish_initialize(sizes, rng)

    def _standardize_plain(self, Ws, bs):
        """Plain parameters in the data space -> the standardized space."""
        from ._gaussian_rbm import _to_standardized

        mean, std = self._scaling
        W0, b0, b1, _ = _to_standardized(
            np.asarray(Ws[0], dtype=np.float64), np.asarray(bs[0], dtype=np.float64),
            np.asarray(bs[1], dtype=np.float64), self.precision_.astype(np.float64), mean, std)
        return [W0] + [np.asarray(W, dtype=np.float64) for W in Ws[1:]], \
            [b0, b1] + [np.asarray(b, dtype=np.float64) for b in bs[2:]]

    def _plain_standardized(self):
        """The plain parameters in the training space (standardized for
        Gaussian visibles), the ones the centred parameters fold into."""
        if not self._gaussian:
            return self.components_, self.intercepts_
        return plain_parameters(self._cW, self._cb, self.offsets_)

    def _sync_plain(self):
        if not self._gaussian:
            self.components_, self.intercepts_ = plain_parameters(self._cW, self._cb, self.offsets_)
            return
        Wz, bz = plain_parameters(self._cW, self._cb, self.offsets_)
        dtype = Wz[0].dtype
        mean, std = self._scaling
        s_z = np.log(self.precision_.astype(np.float64)) + 2 * np.log(std)
        W0, b0, b1, _ = _from_standardized(Wz[0].astype(np.float64), bz[0].astype(np.float64),
                                           bz[1].astype(np.float64), s_z, mean, std)
        self.components_ = [np.ascontiguousarray(W0, dtype=dtype)] + Wz[1:]
        self.intercepts_ = [b0.astype(dtype), b1.astype(dtype)] + bz[2:]

    def _pretrain(self, X, sizes, rng):
        """Greedy layer-wise pretraining (§20.4.4, Salakhutdinov & Hinton 2009).

        See :func:`pretrain_layers` for the composition rule.
        """
        Ws, bs, self.pretrained_rbms_ = pretrain_layers(
            X, sizes, learning_rate=self.pretrain_learning_rate,
            batch_size=min(self.batch_size, max(1, X.shape[0])),
            n_epochs=self.pretrain_max_iter, rng=rng,
        )
        return Ws, bs

    def _begin_epoch(self, epoch, n_epochs):
        if self.learning_rate_schedule == "linear" and n_epochs > 0:
            self._current_lr = self.learning_rate * (1 - epoch / n_epochs)
        else:
            self._current_lr = self.learning_rate

    def _run_epoch(self, X, rng, progress):
        n = X.shape[0]
        rows = rng.permutation(n) if self.shuffle else np.arange(n)
        n_batches = int(np.ceil(n / self.batch_size))
        bounds = (np.arange(n_batches + 1) * n) // n_batches
        dtype = self.components_[0].dtype
        with threadpool_limits(limits=1 if self.batch_size <= 256 else None, user_api="blas"):
            for i in range(n_batches):
                batch = np.ascontiguousarray(X[rows[bounds[i] : bounds[i + 1]]], dtype=dtype)
                self._sml_step(batch, rng)
                progress(batch.shape[0])
        self._log_partition = None
        self.log_partition_result_ = None
        if not self.verbose:
            return {}
        Q, _ = self._mean_field(X[:500])
        elbo = elbo_unnormalized(Q, self.components_, self.intercepts_, self._precision())
        return {"mean-field ELBO + log Z": float(np.mean(elbo))}

    def _update_offsets(self, means):
        """Move the offsets towards ``means`` (one per layer) by
        ``offset_rate`` and re-centre the parameters; the plain-energy
        parameters, hence the model's distribution, are left as they are."""
        rate = self.offset_rate
        plain = self._plain_standardized()
        if self._gaussian:  # the visible offset stays at 0 (the training mean)
            means = [self.offsets_[0]] + list(means[1:])
        for mu, m in zip(self.offsets_, means):
            mu += (rate * (np.asarray(m, dtype=np.float64) - mu)).astype(mu.dtype)
        self._cW, self._cb = centered_parameters(*plain, self.offsets_)

    def _sml_step(self, V, rng):
        """One update of Algorithm 20.1 in the centred parametrisation.

        Gaussian visibles: the energy in the standardized space is, up to a
        term without parameters, the binary one with visible state
        ``beta_z z`` (``-1/2 beta_z (z - b)^2 = beta_z z b - 1/2 beta_z z^2 -
        const(b)``, the last term cancelling in ``log p``), so the same
        centred gradient applies with ``beta_z z`` in the visible slot.
        """
        Q, _ = self._mean_field(V)
        if self.centering and self.offset_rate > 0:
            self._update_offsets([q.mean(axis=0) for q in Q])
        chains = tuple(self.chains_)
        self._gibbs(chains, np.zeros((0, 0), V.dtype), self.n_gibbs_steps, rng)
        if self._gaussian:
            Q = [self._visible_statistic(Q[0])] + list(Q[1:])
            chains = (self._visible_statistic(chains[0]),) + chains[1:]
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

    def _visible_statistic(self, V):
        """``beta_z z`` of Gaussian visibles: their gradient statistic in the
        standardized space (see :meth:`_sml_step`)."""
        mean, std = self._scaling
        beta_z = self.precision_.astype(np.float64) * std  # beta std^2 / std
        return ((V - mean) * beta_z).astype(V.dtype)

    # ------------------------------------------------------------- inference
    def _mean_field(self, V, observed=None):
        return mean_field(
            V, self.components_, self.intercepts_,
            n_iter=self.n_mean_field_iter, tol=self.tol, observed=observed,
            precision=self._precision(),
        )

    def _gibbs(self, S, observed, n_steps, rng):
        """Block-Gibbs sweeps in place on the states ``S`` (a tuple)."""
        dtype = S[0].dtype
        precision = self._precision()
        Ws = _as_tuple(_fold_precision(self.components_, precision), dtype)
        bs = _as_tuple(self.intercepts_, dtype)
        _kernels._gibbs_dbm(S, Ws, bs, observed, int(n_steps), rng, _beta(precision, dtype))

    def _fresh_visibles(self, n, rng):
        """Visible states of the base model: training marginals (binary) or
        ``N(base_rate_, 1 / precision_)`` (Gaussian)."""
        dtype = self.components_[0].dtype
        if self._gaussian:
            mean = np.broadcast_to(self.base_rate_, (n, self.base_rate_.shape[0])).copy()
            return GaussianUnits.sample(mean, rng, self.precision_)
        p = expit(self.base_rate_.astype(np.float64))
        return (rng.random((n, p.shape[0])) < p).astype(dtype)

    def _transform_width(self, sizes):
        if self.transform_layer is None:
            return int(sum(sizes))
        return sizes[self._layer_index(len(sizes)) - 1]

    def _layer_index(self, L):
        k = self.transform_layer
        if k < 0:
            k = L + 1 + k
        if not 1 <= k <= L:
            raise ValueError(
                f"transform_layer must be in 1..{L} or -{L}..-1 (hidden layers); got "
                f"{self.transform_layer}."
            )
        return k

    def mean_field_posterior(self, X):
        """Mean-field posterior means of every hidden layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Q : list of ndarray
            One (n_samples, n_l) array per hidden layer, bottom to top.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        Q, _ = self._mean_field(np.asarray(X, dtype=self.components_[0].dtype))
        return Q[1:]

    def transform(self, X):
        """Mean-field posterior of the hidden layer ``transform_layer`` (or of
        all hidden layers, concatenated).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
        """
        Q = self.mean_field_posterior(X)
        if self.transform_layer is None:
            return np.hstack(Q)
        return Q[self._layer_index(len(Q)) - 1]

    def impute(self, X, mask, *, method="mean_field", n_steps=1000, random_state=None):
        """Fill in missing visible values given the observed ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; entries where ``mask`` is True are ignored (they may be NaN).
        mask : array-like of bool, shape (n_samples, n_features)
            True where a value is missing.
        method : {"mean_field", "gibbs"}, default="mean_field"
            ``"mean_field"`` returns the mean-field probabilities of the
            missing units (their conditional means ``b_0 + W_0^T q_1`` for
            Gaussian visibles), observed units clamped; ``"gibbs"`` returns a
            sample from p(missing | observed) after ``n_steps`` block-Gibbs
            sweeps with the observed units clamped.
        n_steps : int, default=1000
        random_state : int, Generator or None
            For ``"gibbs"``; None continues the estimator's stream.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features)
            Observed values unchanged, missing values filled in.
        """
        check_is_fitted(self)
        mask = np.asarray(mask, dtype=bool)
        X = np.array(X, dtype=self.components_[0].dtype)
        if X.ndim != 2 or mask.shape != X.shape or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X and mask must both have shape (n_samples, {self.n_features_in_}); "
                f"got {X.shape} and {mask.shape}."
            )
        if not np.all(np.isfinite(X[~mask])):
            raise ValueError("Observed entries of X (mask False) must be finite.")
        if self._gaussian:
            base = self.base_rate_.astype(np.float64)
        else:
            base = expit(self.base_rate_.astype(np.float64))
        X[mask] = np.broadcast_to(base, X.shape)[mask]
        observed = (~mask).astype(X.dtype)
        if method == "mean_field":
            Q, _ = self._mean_field(X, observed=observed)
            return Q[0]
        if method != "gibbs":
            raise ValueError(f"method must be 'mean_field' or 'gibbs'; got {method!r}.")
        rng = self._rng(random_state)
        if self._gaussian:
            X[mask] = GaussianUnits.sample(X, rng, self.precision_)[mask]
        else:
            X[mask] = (rng.random(int(mask.sum())) < X[mask]).astype(X.dtype)
        Q, _ = self._mean_field(X, observed=observed)
        S = [X] + [(rng.random(q.shape) < q).astype(X.dtype) for q in Q[1:]]
        S = _as_tuple(S, X.dtype)
        self._gibbs(S, observed, n_steps, rng)
        return S[0]

    def _rng(self, random_state):
        if random_state is not None:
            return check_generator(random_state)
        return self.random_state_

    def sample(self, n_samples=1, *, n_steps=1000, init="random", random_state=None):
        """Draw visible samples by block Gibbs sampling.

        Parameters
        ----------
        n_samples : int, default=1
        n_steps : int, default=1000
            Sweeps (even layers, then odd layers) per chain.
        init : {"random", "persistent"}, default="random"
            Fresh chains from the base model (training marginals, or
            ``N(base_rate_, 1 / precision_)`` for Gaussian visibles; uniform
            hidden units), or a continuation of the persistent chains.
        random_state : int, Generator or None
            None continues the estimator's own stream.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        if not isinstance(n_steps, numbers.Integral) or n_steps < 1:
            raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}.")
        rng = self._rng(random_state)
        dtype = self.components_[0].dtype
        if init == "random":
            S = [self._fresh_visibles(n_samples, rng)] + [
                (rng.random((n_samples, b.shape[0])) < 0.5).astype(dtype)
                for b in self.intercepts_[1:]
            ]
        elif init == "persistent":
            if n_samples > self.chains_[0].shape[0]:
                raise ValueError(
                    f"init='persistent' can continue at most {self.chains_[0].shape[0]} "
                    f"chains, got n_samples={n_samples}."
                )
            S = [c[:n_samples].copy() for c in self.chains_]
        else:
            raise ValueError(f"init must be 'random' or 'persistent', got {init!r}.")
        S = _as_tuple(S, dtype)
        self._gibbs(S, np.zeros((0, 0), dtype), n_steps, rng)
        return S[0]

    # ------------------------------------------------------------ likelihood
    @property
    def log_partition_(self):
        """log Z (exact by enumeration when small, else AIS; cached)."""
        check_is_fitted(self, "components_")
        if getattr(self, "_log_partition", None) is None:
            self._log_partition = self._compute_log_partition()
        return self._log_partition

    def _compute_log_partition(self):
        log_z = self.log_z
        if isinstance(log_z, numbers.Real) and not isinstance(log_z, bool):
            return float(log_z)
        sizes = [b.shape[0] for b in self.intercepts_]
        n_enum = _enumerated_units(sizes, self._gaussian)
        if log_z == "exact" or (log_z == "auto" and n_enum <= self.exact_limit):
            if n_enum > 30:
                raise PartitionFunctionError(
                    f"log_z='exact' would enumerate 2**{n_enum} states; use 'ais'."
                )
            self.log_partition_result_ = None
            return self._exact_log_partition()
        from ..evaluation._ais_dbm import ais_log_partition_dbm
        from ..evaluation._ais import ais_schedule, warn_if_unreliable

        result = ais_log_partition_dbm(
            self,
            n_runs=self.ais_n_runs,
            betas=ais_schedule(self.ais_n_temperatures),
            random_state=self._score_seed,
        )
        warn_if_unreliable(
            result, "The DBM's log Z",
            f"Raise ais_n_temperatures (now {self.ais_n_temperatures}) or ais_n_runs "
            f"(now {self.ais_n_runs}).",
        )
        self.log_partition_result_ = result
        return float(result.log_z)

    def _exact_log_partition(self):
        return exact_log_partition_dbm(self.components_, self.intercepts_, self._precision())

    def score_samples(self, X):
        """Variational lower bound on log p(v) of each row, in nats.

        ``E_Q[-E(v, h)] + H(Q) - log Z`` with Q the mean-field posterior; a
        lower bound when ``log Z`` is exact, and up to the AIS error of
        ``log Z`` otherwise (see ``log_partition_result_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        bound : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        Q, _ = self._mean_field(np.asarray(X, dtype=self.components_[0].dtype))
        bound = elbo_unnormalized(Q, self.components_, self.intercepts_, self._precision())
        return bound - self.log_partition_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# ---------------------------------------------------------------------------
# classification (Figure 20.4)


def augmented_input(dbm, X):
    """The input of the fine-tuned MLP: ``[v, q(h2)]`` with ``q(h2)`` the
    mean-field posterior of the second hidden layer (Salakhutdinov & Hinton
    2009); just ``v`` for a one-layer DBM."""
    X = np.asarray(X, dtype=dbm.components_[0].dtype)
    if len(dbm.components_) < 2:
        return X
    Q, _ = dbm._mean_field(X)
    return np.hstack([X, Q[2]])


def mlp_from_dbm(dbm, n_classes, rng):
    """An :class:`~skgenerative.nn.MLP` shaped as one more upward pass of mean
    field (Figure 20.4 d), initialised with the DBM's weights; the softmax
    output layer is new.

    Layer 1 sees ``[v, q(h2)]`` through ``[W_0^T; W_1]`` (``W_0 beta`` for
    Gaussian visibles of precision ``beta``); layer l > 1 sees
    layer l - 1 through ``W_{l-1}^T`` (for more than two hidden layers the
    top-down inputs of the upper layers are left out).
    """
    Ws, bs = dbm.components_, dbm.intercepts_
    L = len(Ws)
    dtype = Ws[0].dtype
    first_in = Ws[0].shape[1] + (Ws[1].shape[0] if L > 1 else 0)
    sizes = [first_in] + [W.shape[0] for W in Ws] + [n_classes]
    net = MLP(sizes, "sigmoid", "linear", dtype=dtype, random_state=rng)
    W_in = _fold_precision(Ws, getattr(dbm, "precision_", None) if dbm._gaussian else None)[0]
    W0 = W_in.T if L == 1 else np.vstack([W_in.T, Ws[1]])
    net.params["W0"][...] = W0
    net.params["b0"][...] = bs[1]
    for l in range(1, L):
        net.params[f"W{l}"][...] = Ws[l].T
        net.params[f"b{l}"][...] = bs[l + 1]
    return net


class DBMClassifier(ClassifierMixin, EpochLoopMixin, BaseEstimator):
    """A DBM's mean-field features fine-tuned as an MLP (Figure 20.4).

    ``fit`` trains the DBM on X without labels (pretraining and variational
    SML, see :class:`DBM`), computes the augmented input ``[v, q(h2)]`` of
    every example by mean field, and trains by back-propagation (Adam on the
    softmax cross-entropy, :mod:`skgenerative.nn`) an MLP whose hidden layers
    are one more upward pass of mean field initialised with the DBM's weights,
    topped by a new softmax layer.

    Parameters
    ----------
    dbm : DBM or None, default=None
        The (unfitted) DBM to train; None means ``DBM()``. It is cloned; when
        ``random_state`` is set, the clone's seed is drawn from it (the
        classifier's seed rules over the DBM's own).
        A DBM with Gaussian visibles (``visible_type="gaussian"``) works too
        (standardize the data or keep ``precision="auto"``).
    learning_rate : float, default=1e-3
        Adam step size of the fine-tuning.
    max_iter : int, default=30
        Fine-tuning epochs.
    batch_size : int, default=100
    alpha : float, default=1e-5
        L2 penalty on the MLP weights.
    shuffle : bool, default=True
    verbose : int, default=0
    random_state : int, Generator or None, default=None
        Seeds the DBM's training and the fine-tuning: the same seed and data
        give the same model. None leaves the DBM to its own ``random_state``.

    Attributes
    ----------
    dbm_ : DBM
        The fitted DBM.
    mlp_ : skgenerative.nn.MLP
        The fine-tuned network.
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : int
        Fine-tuning epochs run.
    n_features_in_ : int
    feature_names_in_ : ndarray

    See Also
    --------
    DBM : The generative model.

    References
    ----------
    Salakhutdinov, R. and Hinton, G. (2009). Deep Boltzmann machines. AISTATS.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import DBM, DBMClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = (rng.random((60, 6)) < 0.5).astype(float)
    >>> y = (X[:, 0] + X[:, 1] > 1).astype(int)
    >>> clf = DBMClassifier(DBM((4, 3), max_iter=2), max_iter=100,
    ...                     learning_rate=0.1, random_state=0).fit(X, y)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        "dbm": [DBM, None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    _state_names = ("mlp_", "_optimizer", "random_state_")
    _parameter_names = ("_flat_parameters",)

    def __init__(self, dbm=None, *, learning_rate=1e-3, max_iter=30, batch_size=100,
                 alpha=1e-5, shuffle=True, verbose=0, random_state=None):
        self.dbm = dbm
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.alpha = alpha
        self.shuffle = shuffle
        self.verbose = verbose
        self.random_state = random_state

    @property
    def _flat_parameters(self):
        return np.concatenate([np.ravel(v) for v in self.mlp_.params.values()])

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Train the DBM on X, then fine-tune the MLP on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : DBMClassifier
        """
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        self._encoder = LabelEncoder().fit(y)
        self.classes_ = self._encoder.classes_
        y_idx = self._encoder.transform(y)
        rng = self.random_state_ = check_generator(self.random_state)
        dbm = clone(self.dbm if self.dbm is not None else DBM())
        if self.random_state is not None:  # one seed fixes the whole fit
            dbm.set_params(random_state=int(rng.integers(2**32)))
        self.dbm_ = dbm.fit(X)
        features = augmented_input(self.dbm_, X)
        self.mlp_ = mlp_from_dbm(self.dbm_, len(self.classes_), rng)
        self._optimizer = Adam(self.mlp_.params, self.learning_rate, maximize=False)
        self.n_iter_ = 0
        self._labels = y_idx
        try:
            self._fit_epochs(features, self.max_iter, rng, verbose=self.verbose)
        finally:
            del self._labels
        return self

    def _run_epoch(self, features, rng, progress):
        n = features.shape[0]
        rows = rng.permutation(n) if self.shuffle else np.arange(n)
        loss = softmax_classifier_epoch(
            self.mlp_, self._optimizer, features, self._labels, rows, self.batch_size,
            alpha=self.alpha, progress=progress,
        )
        return {"cross-entropy": loss}

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        self.dbm_._check_support(X)
        return softmax(self.mlp_.predict(augmented_input(self.dbm_, X)))

    def predict(self, X):
        """Most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


# ---------------------------------------------------------------------------
# multi-prediction DBM (§20.4.5)


def _mp_layer_weights(Ws, l):
    """Stacked Dense weight of the mean-field update of layer ``l``: rows for
    the layer below (``Ws[l-1]^T``) then the layer above (``Ws[l]``)."""
    parts = []
    if l > 0:
        parts.append(Ws[l - 1].T)
    if l < len(Ws):
        parts.append(Ws[l])
    return np.vstack(parts)


def _mp_neighbours(Q, l):
    parts = []
    if l > 0:
        parts.append(Q[l - 1])
    if l < len(Q) - 1:
        parts.append(Q[l + 1])
    return np.hstack(parts) if len(parts) > 1 else parts[0]


def mp_mean_field_forward(X, Y, mask_v, mask_y, Ws, bs, n_iter):
    """Unrolled mean field of an MP-DBM with clamped (observed) units.

    Layers ``0..L`` are the visible and hidden layers; if ``Y`` is not None a
    softmax label layer ``L + 1`` sits above the top hidden layer (its
    weights are ``Ws[L]``). Observed visible/label units (mask 1) are clamped
    to the data, missing ones are inferred. Each update of layer ``l`` is a
    :class:`~skgenerative.nn.Dense` layer over the concatenated neighbours
    with the tied weights stacked (:func:`_mp_layer_weights`).

    Returns ``(Q, tape)``; ``tape`` is what :func:`mp_mean_field_backward` needs.
    """
    from ..nn import Dense

    dtype = Ws[0].dtype
    n_layers = len(bs)  # includes the label layer when present
    top_softmax = Y is not None
    m = X.shape[0]
    Q = [np.where(mask_v, X, 0.5).astype(dtype)]
    Q += [np.full((m, b.shape[0]), 0.5, dtype=dtype) for b in bs[1 : n_layers - (1 if top_softmax else 0)]]
    if top_softmax:
        K = bs[-1].shape[0]
        Q.append(np.where(mask_y, Y, 1.0 / K).astype(dtype))
    stacked = [_mp_layer_weights(Ws, l) for l in range(n_layers)]
    tape = []
    for _ in range(n_iter):
        for parity in (1, 0):
            for l in range(parity, n_layers, 2):
                softmax_layer = top_softmax and l == n_layers - 1
                dense = Dense(stacked[l].shape[0], stacked[l].shape[1],
                              "linear" if softmax_layer else "sigmoid")
                params = {"W": stacked[l], "b": bs[l]}
                a, cache = dense.forward(params, _mp_neighbours(Q, l))
                if softmax_layer:
                    a = softmax(a)
                keep = mask_v if l == 0 else (mask_y if softmax_layer else None)
                new = a if keep is None else np.where(keep, Q[l], a)
                tape.append((l, dense, params, cache, a, keep))
                Q[l] = new.astype(dtype, copy=False)
    return Q, tape


def mp_mean_field_backward(grad_Q, tape, Ws, n_layers):
    """Back-propagate ``grad_Q`` (d loss / d final Q, per layer) through the
    unrolled mean field; returns gradients of the weights and biases."""
    gW = [np.zeros_like(W) for W in Ws]
    gb = [None] * n_layers
    g = [np.array(x) for x in grad_Q]
    for l, dense, params, cache, a, keep in reversed(tape):
        grad_new = g[l]
        if keep is not None:
            grad_a = np.where(keep, 0.0, grad_new)
            g[l] = np.where(keep, grad_new, 0.0)  # clamped: flows to the old value
        else:
            grad_a = grad_new
            g[l] = np.zeros_like(grad_new)  # overwritten: no gradient to the old value
        if dense.activation == "linear":  # softmax label layer: Jacobian-vector product
            grad_a = a * (grad_a - (grad_a * a).sum(axis=1, keepdims=True))
        grads, grad_in = dense.backward(params, cache, grad_a)
        gb[l] = grads["b"] if gb[l] is None else gb[l] + grads["b"]
        Wst = grads["W"]
        col = 0
        if l > 0:
            n = Ws[l - 1].shape[1]
            gW[l - 1] += Wst[col : col + n].T
            g[l - 1] = g[l - 1] + grad_in[:, col : col + n]
            col += n
        if l < n_layers - 1:
            n = Ws[l].shape[0]
            gW[l] += Wst[col : col + n]
            g[l + 1] = g[l + 1] + grad_in[:, col : col + n]
    return gW, gb


def mp_loss(Q, X, Y, mask_v, mask_y):
    """Multi-prediction loss: cross-entropy of the missing visible units (and
    missing labels) under the final mean-field values, summed per batch.
    Returns ``(loss, grad_Q)``."""
    eps = 1e-7
    q = np.clip(Q[0], eps, 1 - eps)
    miss = ~mask_v
    loss = -np.sum(miss * (X * np.log(q) + (1 - X) * np.log1p(-q)))
    grad = [np.zeros_like(x) for x in Q]
    grad[0] = miss * ((q - X) / (q * (1 - q)))
    if Y is not None:
        y = np.clip(Q[-1], eps, 1.0)
        miss_y = ~mask_y
        loss -= np.sum(miss_y * Y * np.log(y))
        grad[-1] = -(miss_y * Y) / y
    return float(loss), grad


class MPDBM(ClassifierMixin, EpochLoopMixin, BaseEstimator):
    """Multi-prediction deep Boltzmann machine (§20.4.5, Goodfellow et al. 2013).

    A binary DBM (binary visibles only) with a softmax label layer above the top hidden layer,
    trained without MCMC: for each minibatch a random subset of the inputs
    and labels is hidden, ``n_mean_field_iter`` iterations of mean field with
    the rest clamped are unrolled into a recurrent network, and the
    cross-entropy of its predictions of the hidden units is minimised by
    back-propagation through the unrolled graph (the layers and optimizer of
    :mod:`skgenerative.nn`). Mean field then classifies (labels missing) and
    imputes missing inputs.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100, 50)
    n_mean_field_iter : int, default=5
        Unrolled mean-field iterations (odd layers, then even layers).
    mask_probability : float, default=0.5
        Probability that a visible unit (or the label) is hidden in training.
    learning_rate : float, default=1e-3
        Adam step size.
    max_iter : int, default=30
    batch_size : int, default=100
    alpha : float, default=0.0
        L2 penalty on the weights.
    shuffle : bool, default=True
    verbose : int, default=0
    random_state : int, Generator or None, default=None

    Attributes
    ----------
    components_ : list of ndarray
        DBM weights, ``components_[l]`` of shape ``(n_{l+1}, n_l)``; the last
        one connects the top hidden layer to the labels.
    intercepts_ : list of ndarray
        Biases of the visible, hidden and label layers.
    classes_ : ndarray
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray

    See Also
    --------
    DBM, DBMClassifier

    References
    ----------
    Goodfellow, I. J., Mirza, M., Courville, A. and Bengio, Y. (2013).
    Multi-prediction deep Boltzmann machines. NIPS.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import MPDBM
    >>> rng = np.random.default_rng(0)
    >>> X = (rng.random((80, 6)) < 0.5).astype(float)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = MPDBM((8,), max_iter=100, learning_rate=0.05, random_state=0).fit(X, y)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "n_mean_field_iter": [Interval(Integral, 1, None, closed="left")],
        "mask_probability": [Interval(Real, 0, 1, closed="neither")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    _state_names = ("_params", "_optimizer", "random_state_")
    _parameter_names = ("_flat_parameters",)

    def __init__(self, hidden_layer_sizes=(100, 50), *, n_mean_field_iter=5,
                 mask_probability=0.5, learning_rate=1e-3, max_iter=30, batch_size=100,
                 alpha=0.0, shuffle=True, verbose=0, random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_mean_field_iter = n_mean_field_iter
        self.mask_probability = mask_probability
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.alpha = alpha
        self.shuffle = shuffle
        self.verbose = verbose
        self.random_state = random_state

    @property
    def components_(self):
        return [self._params[f"W{l}"] for l in range(self._n_weights)]

    @property
    def intercepts_(self):
        return [self._params[f"b{l}"] for l in range(self._n_weights + 1)]

    @property
    def _flat_parameters(self):
        return np.concatenate([np.ravel(v) for v in self._params.values()])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train by back-propagation through mean field on random masks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary data.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : MPDBM
        """
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        warn_if_not_binary(X, stacklevel=3)
        check_classification_targets(y)
        self._encoder = LabelEncoder().fit(y)
        self.classes_ = self._encoder.classes_
        Y = np.eye(len(self.classes_), dtype=X.dtype)[self._encoder.transform(y)]
        sizes = DBM(self.hidden_layer_sizes)._layer_sizes()
        all_sizes = (X.shape[1],) + sizes + (len(self.classes_),)
        rng = self.random_state_ = check_generator(self.random_state)
        self._n_weights = len(all_sizes) - 1
        self._params = {}
        for l in range(self._n_weights):
            scale = np.sqrt(6.0 / (all_sizes[l] + all_sizes[l + 1]))
            self._params[f"W{l}"] = rng.uniform(-scale, scale, (all_sizes[l + 1], all_sizes[l])).astype(X.dtype)
        mean = np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)
        self._params["b0"] = logit(mean).astype(X.dtype)
        for l in range(1, len(all_sizes)):
            self._params[f"b{l}"] = np.zeros(all_sizes[l], dtype=X.dtype)
        self._optimizer = Adam(self._params, self.learning_rate, maximize=False)
        self.n_iter_ = 0
        self._labels = Y
        try:
            self._fit_epochs(np.ascontiguousarray(X), self.max_iter, rng, verbose=self.verbose)
        finally:
            del self._labels
        return self

    def _loss_and_grads(self, X, Y, mask_v, mask_y):
        Ws, bs = self.components_, self.intercepts_
        Q, tape = mp_mean_field_forward(X, Y, mask_v, mask_y, Ws, bs, self.n_mean_field_iter)
        loss, grad_Q = mp_loss(Q, X, Y, mask_v, mask_y)
        gW, gb = mp_mean_field_backward(grad_Q, tape, Ws, len(bs))
        grads = {f"W{l}": g for l, g in enumerate(gW)}
        grads.update({f"b{l}": g for l, g in enumerate(gb)})
        return loss, grads

    def _run_epoch(self, X, rng, progress):
        Y = self._labels
        n = X.shape[0]
        rows = rng.permutation(n) if self.shuffle else np.arange(n)
        total = 0.0
        for start in range(0, n, self.batch_size):
            idx = rows[start : start + self.batch_size]
            Xb, Yb = X[idx], Y[idx]
            mask_v = rng.random(Xb.shape) >= self.mask_probability
            mask_y = np.broadcast_to(rng.random((len(idx), 1)) >= self.mask_probability, Yb.shape)
            loss, grads = self._loss_and_grads(Xb, Yb, mask_v, mask_y)
            scale = 1.0 / len(idx)
            for key, g in grads.items():
                g *= scale
                if self.alpha and key.startswith("W"):
                    g += self.alpha * self._params[key]
            self._optimizer.step(grads)
            total += loss
            progress(len(idx))
        return {"multi-prediction loss": total / n}

    def _infer(self, X, mask_v):
        K = len(self.classes_)
        Y = np.zeros((X.shape[0], K), dtype=X.dtype)
        mask_y = np.zeros(Y.shape, dtype=bool)
        Q, _ = mp_mean_field_forward(X, Y, mask_v, mask_y, self.components_,
                                     self.intercepts_, self.n_mean_field_iter)
        return Q

    def predict_proba(self, X):
        """Class probabilities from mean field with the labels missing.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        warn_if_not_binary(X, stacklevel=3)
        X = X.astype(self._params["W0"].dtype, copy=False)
        return self._infer(X, np.ones(X.shape, dtype=bool))[-1]

    def predict(self, X):
        """Most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def impute(self, X, mask):
        """Mean-field predictions of the missing inputs (labels unknown).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Entries where ``mask`` is True are ignored (may be NaN).
        mask : array-like of bool, shape (n_samples, n_features)
            True where a value is missing.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        mask = np.asarray(mask, dtype=bool)
        X = np.array(X, dtype=self._params["W0"].dtype)
        if X.ndim != 2 or mask.shape != X.shape or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X and mask must both have shape (n_samples, {self.n_features_in_}); "
                f"got {X.shape} and {mask.shape}."
            )
        X[mask] = 0.0
        if not np.all(np.isfinite(X)):
            raise ValueError("Observed entries of X (mask False) must be finite.")
        return self._infer(X, ~mask)[0]
