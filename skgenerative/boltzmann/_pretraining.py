"""Greedy layer-wise pretraining of a deep Boltzmann machine (§20.4.4): RBMs
with tied copies of their layers, composed into the DBM.

Conventions (layer order, weight layout, energy) are those of
``_dbm.py``. The epoch kernels are ``_kernels/_pretraining.py`` (binary
visibles), ``_kernels/_gaussian_epoch.py`` (Gaussian visibles) and
``_kernels/_categorical.py`` (categorical visibles).
"""

import numpy as np
from scipy.special import expit

from ..utils._threads import blas_threads
from . import _kernels
from ._kernels._categorical import SGDHyper
from ._kernels._hyper import epoch_hyper
from ._mean_field import _BINARY, _as_tuple
from ._unit_math import _from_standardized

#: In the standardized space of Gaussian visibles a parameter this large only
#: comes from diverging gradient steps (the Gaussian RBM's known instability).
_DIVERGED = 1e6


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


def _epochs(X, n_hidden, batch_size, n_epochs, rng, run_epoch):
    """``n_epochs`` passes over the rows of ``X`` in even batches of at most
    ``batch_size``, a fresh permutation each: ``run_epoch(X, rows, bounds,
    epoch)`` runs one epoch kernel (on the BLAS threads its products want)."""
    n, nv = X.shape
    n_batches = int(np.ceil(n / batch_size))
    bounds = (np.arange(n_batches + 1, dtype=np.int64) * n) // n_batches
    X = np.ascontiguousarray(X)
    with blas_threads(2 * batch_size * n_hidden * nv):
        for epoch in range(n_epochs):
            run_epoch(X, rng.permutation(n), bounds, epoch)


def _initial_rbm(X, n_hidden, units, n_chains, rng):
    """``(W, b, c)``, zero velocities and zero chains of an RBM about to be
    trained on ``X`` by PCD: small random weights, the visible biases of the
    independent model of the data (the unit type's ``initial_parameters``),
    zero hidden biases."""
    dtype = X.dtype
    W = np.ascontiguousarray(rng.normal(0.0, 0.01, (n_hidden, X.shape[1])), dtype=dtype)
    b = units.initial_parameters(X)["bias"].astype(dtype)
    params = (W, b, np.zeros(n_hidden, dtype=dtype))
    velocity = tuple(np.zeros_like(a) for a in params)
    return params, velocity, np.zeros((n_chains, n_hidden), dtype=dtype)


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
    params, velocity, chains = _initial_rbm(X, n_hidden, _BINARY, batch_size, rng)
    offsets = (np.zeros(X.shape[1], dtype=X.dtype), np.zeros(n_hidden, dtype=X.dtype))
    hyper = epoch_hyper(learning_rate, up=up, down=down)

    def run_epoch(X, rows, bounds, epoch):
        _kernels._sgd_epoch_scaled_rbm(X, rows, bounds, params, velocity, offsets, chains,
                                       hyper, rng)

    _epochs(X, n_hidden, batch_size, n_epochs, rng, run_epoch)
    return params


def fit_scaled_labelled_rbm(X, Y, n_hidden, up, down, *, learning_rate, batch_size, n_epochs,
                            rng):
    """Fit the top RBM of DBM pretraining with one-hot label units ``Y``
    beside its visible layer ``X`` (Salakhutdinov & Hinton 2009), by PCD-1.

    The RBM has ``down`` tied copies of its hidden layer, as without labels,
    and the labels are joined to the first copy only::

        E = - sum_r h_r^T W v - y^T U h_1 - b.v - d.y - c.sum_r h_r,

    so that composed into the DBM (weights unchanged) every layer receives
    what it was trained with from each neighbour: the top hidden layer
    ``W v + U^T y + c`` (copy 1), the labels ``U h + d`` (their only
    neighbour), the layer below half of ``W^T (h_1 + h_2)``. (Salakhutdinov's
    code gives the hidden units ``W v + U^T y`` and the labels ``U h`` with
    one hidden state for both copies; this is the proper energy of that
    rule.) Kernel ``_sgd_epoch_labelled_rbm``; initialised as
    :func:`fit_scaled_rbm`, with ``U`` small too and ``d`` the log class
    frequencies. ``up`` must be 1 (the top RBM of a deeper DBM, or the only
    one).

    Returns
    -------
    W, b, c, U, d : ndarrays of shapes (n_hidden, n_features), (n_features,),
        (n_hidden,), (n_classes, n_hidden), (n_classes,)
    """
    if up != 1:
        raise ValueError("Label units join the top pretraining RBM only (up = 1).")
    (W, b, c), _, chains = _initial_rbm(X, n_hidden, _BINARY, batch_size, rng)
    dtype = X.dtype
    U = np.ascontiguousarray(rng.normal(0.0, 0.01, (Y.shape[1], n_hidden)), dtype=dtype)
    d = np.log(np.clip(Y.mean(axis=0), 1e-3, None)).astype(dtype)
    params = (W, b, c, U, d)
    chains = (chains, np.zeros_like(chains))
    hyper = epoch_hyper(learning_rate, up=up, down=down)
    Y = np.ascontiguousarray(Y, dtype=dtype)

    def run_epoch(X, rows, bounds, epoch):
        _kernels._sgd_epoch_labelled_rbm(X, Y, rows, bounds, params, chains, hyper, rng)

    _epochs(X, n_hidden, batch_size, n_epochs, rng, run_epoch)
    return params


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
    nv = X.shape[1]
    mean, std = scaling
    beta = np.asarray(precision, dtype=np.float64)
    W_z = rng.normal(0.0, 0.01, (n_hidden, nv))
    s_z = np.log(up * beta) + 2 * np.log(std)
    params = _as_tuple((W_z, np.zeros(nv), np.zeros(n_hidden), s_z), dtype)
    velocity = tuple(np.zeros_like(a) for a in params)
    chains = np.zeros((batch_size, n_hidden), dtype=dtype)
    hyper = epoch_hyper(learning_rate)
    kernel_scaling = _as_tuple((mean, 1.0 / std, s_z), dtype)

    def run_epoch(X, rows, bounds, epoch):
        _kernels._sgd_epoch_gaussian(X, rows, bounds, params, velocity, kernel_scaling,
                                     chains, hyper, rng)
        if not all(np.all(np.abs(p) < _DIVERGED) for p in params):  # NaN fails too
            raise FloatingPointError(
                f"Pretraining of the Gaussian bottom RBM diverged in epoch {epoch + 1} "
                f"(parameters blew up); lower pretrain_learning_rate (now "
                f"{learning_rate})."
            )

    _epochs(X, n_hidden, batch_size, n_epochs, rng, run_epoch)
    W, b, c, _ = _from_standardized(*(p.astype(np.float64) for p in params), mean, std)
    return W, b, c


def fit_scaled_categorical_rbm(X, n_hidden, up, units, *, learning_rate, batch_size,
                               n_epochs, rng):
    """Fit the bottom RBM of DBM pretraining with softmax visible groups
    (``units``, a :class:`~._units.CategoricalUnits`; ``X`` one-hot) and
    ``up`` tied copies of the visible layer, by PCD-1.

    The tied copies are independent draws given ``h``, so the RBM's visible
    layer is the category counts of the copies: ``up X`` on data (its
    hidden units receive ``up W v``), the sum of ``up`` softmax draws in the
    chains, and the update its gradient (the epoch kernel of
    :class:`CategoricalRBM` with ``copies=up``; the ordinary RBM for
    ``up = 1``). Initialised as ``fit_scaled_rbm``: small weights, visible
    biases at the log-frequencies of the categories, zero hidden biases.

    Returns
    -------
    W, b, c : ndarrays of shapes (n_hidden, n_values), (n_values,), (n_hidden,)
    """
    params, velocity, chains = _initial_rbm(X, n_hidden, units, batch_size, rng)
    hyper = SGDHyper(learning_rate=float(learning_rate), momentum=0.0, l2=0.0, l1=0.0,
                     n_gibbs_steps=1, persistent=True, copies=int(up))

    def run_epoch(counts, rows, bounds, epoch):
        units.train_epoch(counts, rows, bounds, params, velocity, chains, units.offsets, hyper,
                          rng)

    _epochs((up * X).astype(X.dtype), n_hidden, batch_size, n_epochs, rng, run_epoch)
    return params


# The bottom RBM of each visible unit type: ``(X, n_hidden, up, down, units,
# params, **training) -> (W, b, c, s)`` with ``s`` the statistic of ``X`` its
# hidden units see (``beta X`` for Gaussian units).
def _bottom_bernoulli(X, n_hidden, up, down, units, params, **training):
    return fit_scaled_rbm(X, n_hidden, up, down, **training) + (X,)


def _bottom_gaussian(X, n_hidden, up, down, units, params, **training):
    precision = params["precision"]
    W, b, c = fit_scaled_gaussian_rbm(X, n_hidden, up, precision, params["scaling"], **training)
    return W, b, c, X * np.asarray(precision, dtype=X.dtype)


def _bottom_categorical(X, n_hidden, up, down, units, params, **training):
    return fit_scaled_categorical_rbm(X, n_hidden, up, units, **training) + (X,)


_BOTTOM_RBMS = {
    "bernoulli": _bottom_bernoulli,
    "gaussian": _bottom_gaussian,
    "categorical": _bottom_categorical,
}


def pretrain_layers(X, sizes, *, learning_rate, batch_size, n_epochs, rng,
                    visible=_BINARY, labels=None, **params):
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

    The bottom RBM has the visible unit type ``visible`` (binary by
    default; its parameters ``**params``). With Gaussian visibles
    (``precision``, and the standardization ``scaling = (mean, std)`` of the
    data) it is a Gaussian-Bernoulli RBM with two tied copies of the visible
    layer (:func:`fit_scaled_gaussian_rbm`; one copy for a single hidden
    layer) and passes ``sigmoid(up W (beta v) + c)`` up; with categorical
    visibles (``X`` one-hot) an RBM with two tied copies of each softmax
    group (:func:`fit_scaled_categorical_rbm`).

    With ``labels`` (one-hot rows, the classes of ``X``'s rows) the top RBM
    sees them as one more softmax group of visible units beside the layer
    below (Salakhutdinov & Hinton 2009; :func:`fit_scaled_labelled_rbm`):
    its weights ``label_components`` and biases ``intercept_labels`` start
    the label layer of the DBM. The bottom RBM can take them only with
    binary visibles (a one-hidden-layer DBM of Gaussian or categorical
    visibles: a ValueError).

    Returns
    -------
    Ws, bs : lists of float64 arrays (DBM weights and biases, visible first)
    rbms : list of dict
        Per RBM: ``components``, ``intercept_visible``, ``intercept_hidden``,
        ``scales`` ``(up, down)`` and ``weight_factor``; the top one also
        ``label_components`` and ``intercept_labels`` with ``labels``.
    """
    L = len(sizes)
    if labels is not None and L == 1 and visible.name != "bernoulli":
        raise ValueError(f"Label units in pretraining need binary visibles below them; "
                         f"{visible.name} visibles have them only with two or more "
                         f"hidden layers.")
    Ws, hidden_b, visible_b, rbms = [], [], [], []
    H = np.ascontiguousarray(X)
    training = dict(learning_rate=learning_rate, batch_size=batch_size, n_epochs=n_epochs,
                    rng=rng)
    for l, ((up, down, factor), n) in enumerate(zip(pretraining_scales(L), sizes)):
        label_part = {}
        if l == L - 1 and labels is not None:
            W, b, c, U, d = fit_scaled_labelled_rbm(H, labels, n, up, down, **training)
            inputs = H
            label_part = dict(label_components=U.astype(np.float64),
                              intercept_labels=d.astype(np.float64))
        elif l == 0:
            W, b, c, inputs = _BOTTOM_RBMS[visible.name](H, n, up, down, visible, params,
                                                         **training)
        else:
            W, b, c = fit_scaled_rbm(H, n, up, down, **training)
            inputs = H
        rbms.append(dict(components=W, intercept_visible=b, intercept_hidden=c,
                         scales=(up, down), weight_factor=factor, **label_part))
        Ws.append(factor * W.astype(np.float64))
        visible_b.append(b.astype(np.float64))
        hidden_b.append(c.astype(np.float64))
        if l < L - 1:
            H = np.ascontiguousarray(expit(up * (inputs @ W.T) + c), dtype=X.dtype)
    bs = [visible_b[0]]
    for l in range(1, L + 1):
        bs.append(0.5 * (hidden_b[l - 1] + visible_b[l]) if l < L else hidden_b[l - 1])
    return Ws, bs, rbms
