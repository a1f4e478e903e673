"""Label units of a DBM (Salakhutdinov & Hinton 2009; Fig. 20.4 b-c): a
one-hot label layer ``y`` attached to the top hidden layer ``h_L``, trained
jointly with the DBM when ``DBM.fit`` is given labels.

Energy: the DBM's plus ``- y^T U h_L - c.y`` (``U = label_components_`` of
shape ``(n_classes, n_L)``, ``c = label_intercept_``). In the kernels the
label layer is one more layer above ``h_L`` (``_kernels/_dbm.py``, argument
``top``): clamped to the labels in the positive phase, sampled from its
softmax in the persistent chains, inferred by mean field (a categorical
factor) for ``p(y | v)``. Summing ``y`` out leaves ``p(v)``; ``log Z`` is
``logsumexp_y (c_y + log Z_y)`` with ``Z_y`` the partition function of the
DBM whose top bias is ``b_L + U_y`` (enumerated, or one AIS per class).
"""

import copy
import warnings

import numpy as np
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from . import _kernels
from ._ais._result import _make_result
from ._enumeration import exact_log_partition_dbm, exact_log_unnormalized_dbm
from ._mean_field import centered_parameters, elbo_unnormalized, plain_parameters


def _is_labelled(estimator):
    """``predict`` / ``predict_proba`` exist on a DBM fitted with labels."""
    return hasattr(estimator, "classes_")


def class_biases(bs, U, k):
    """The DBM biases with label ``k`` clamped: ``b_L + U_k`` on the top."""
    return list(bs[:-1]) + [bs[-1] + U[k]]


def one_hot(y, classes, dtype):
    """Rows of ``y`` one-hot over the sorted ``classes``."""
    Y = np.zeros((y.shape[0], classes.shape[0]), dtype=dtype)
    Y[np.arange(y.shape[0]), np.searchsorted(classes, y)] = 1
    return Y


def softmax_regression(H, y, classes):
    """Weights ``(n_classes, n_features)`` and biases of the softmax
    regression of ``y`` on ``H`` (scikit-learn's LogisticRegression at its
    defaults, unconverged or not; one class: zeros)."""
    K = classes.shape[0]
    if K == 1:
        return np.zeros((1, H.shape[1])), np.zeros(1)
    with warnings.catch_warnings():  # a starting point: it need not converge
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression().fit(H, y)
    if K == 2:  # sigmoid(w h + b) = softmax([-(w h + b) / 2, (w h + b) / 2])
        w, b = model.coef_[0] / 2, model.intercept_[0] / 2
        return np.vstack([-w, w]), np.array([-b, b])
    return model.coef_, model.intercept_


class _DBMLabels:
    """The label layer of :class:`~skgenerative.boltzmann.DBM` (a mixin)."""

    # --------------------------------------------------------- the layers
    def _labelled(self):
        return hasattr(self, "classes_")

    def _energy_layers(self, clamped=False):
        """Weights, biases and the kernels' ``top`` of every layer the kernels
        see: the DBM's, plus the label layer (free, or clamped) if fitted
        with labels."""
        if not self._labelled():
            return self.components_, self.intercepts_, _kernels.TOP_HIDDEN
        top = _kernels.TOP_CLAMPED if clamped else _kernels.TOP_LABELS
        return (self.components_ + [self.label_components_],
                self.intercepts_ + [self.label_intercept_], top)

    def _split_labels(self, Ws, bs):
        """Plain parameters of every layer -> ``components_``, ``intercepts_``
        (and the label layer's own attributes)."""
        if self._labelled():
            Ws, bs = list(Ws), list(bs)
            self.label_components_, self.label_intercept_ = Ws.pop(), bs.pop()
        self.components_, self.intercepts_ = Ws, bs

    def _elbo(self, Q):
        """``L(v, Q) + log Z`` of mean-field posteriors Q (labels summed out:
        the label layer of Q is free)."""
        Ws, bs, _ = self._energy_layers()
        return elbo_unnormalized(Q, Ws, bs, self._visible_units, labels=self._labelled(),
                                 **self._visible_params())

    # --------------------------------------------------------- training
    def _check_labels(self, y, n_samples, reset):
        """Validated labels (or None); a ValueError when they do not fit the
        fitted model (unknown classes, labels given to a DBM fitted without
        them or the other way round)."""
        fitted = not reset and self._is_initialized()
        if y is None:  # a DBM with labels then learns p(v), its labels summed out
            return None
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if y.shape[0] != n_samples:
            raise ValueError(f"X has {n_samples} rows but y has {y.shape[0]}.")
        if fitted:
            if not self._labelled():
                raise ValueError("This DBM was fitted without labels; fit it anew "
                                 "(warm_start=False) to train with y.")
            unknown = np.setdiff1d(y, self.classes_)
            if unknown.size:
                raise ValueError(f"y has classes not seen in the first fit: {unknown[:5]}.")
        return y

    def _one_hot(self, y, dtype):
        return one_hot(y, self.classes_, dtype)

    def _pretrains_labels(self, n_hidden_layers):
        """The top pretraining RBM sees the labels (``label_init="pretraining"``):
        always with two or more hidden layers, with one only above binary
        visibles."""
        return self.label_init == "pretraining" and (
            n_hidden_layers > 1 or self._visible_units.name == "bernoulli")

    def _add_label_layer(self, V, y, rng):
        """Attach the label layer to an initialised DBM of the visible values
        ``V``: its weights and biases are those of the top pretraining RBM,
        which saw the labels beside the layer below (Salakhutdinov & Hinton
        2009; :func:`~._pretraining.pretrain_layers`); without pretraining
        (``pretrain=False``, ``partial_fit``, or a one-hidden-layer DBM of
        Gaussian or categorical visibles) they start as the softmax
        regression (:class:`~sklearn.linear_model.LogisticRegression` at its
        defaults) of the labels on the mean-field means of the top hidden
        layer, so that ``p(y | h_L)`` starts informative (variational SML
        alone moves label weights that start at zero very slowly: at chance
        level on digits after 10 epochs). Its offset is the class
        frequencies (centring), its chains are drawn from them."""
        top = self.pretrained_rbms_[-1] if self.pretrained_rbms_ else {}
        if "label_components" in top:
            U, c = top["label_components"], top["intercept_labels"]
        else:
            Q, _ = self._mean_field(V)  # before the label layer exists
            U, c = softmax_regression(Q[-1].astype(np.float64), y, np.unique(y))
        self.classes_ = np.unique(y)
        dtype = self.components_[0].dtype
        freq = self._one_hot(y, np.float64).mean(axis=0)
        Ws, bs = plain_parameters(self._cW, self._cb, self.offsets_)
        Ws.append(np.ascontiguousarray(U, dtype=dtype))
        bs.append(c.astype(dtype))
        self.offsets_.append((freq if self.centering else np.zeros_like(freq)).astype(dtype))
        self._cW, self._cb = centered_parameters(Ws, bs, self.offsets_)
        self._velocity = [np.zeros_like(W) for W in self._cW] + [np.zeros_like(b) for b in self._cb]
        codes = np.searchsorted(np.cumsum(freq), rng.random(self.chains_[0].shape[0]), side="right")
        chain = np.zeros((codes.shape[0], freq.shape[0]), dtype=dtype)
        chain[np.arange(codes.shape[0]), np.minimum(codes, freq.shape[0] - 1)] = 1
        self.chains_.append(chain)
        self._sync_plain()

    # ------------------------------------------------------- prediction
    def _label_posterior(self, X):
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        Q, _ = self._mean_field(self._visible_values(X))
        return Q[-1].astype(np.float64)

    def _exact_label_posterior(self, X):
        """p(y | v) by enumerating the hidden layers for every class (small
        models: the units ``_enumerated_units`` counts)."""
        X = self._validate_X(X, reset=False)
        V = self._visible_values(X)
        units, params = self._visible_units, self._visible_params()
        log_joint = np.column_stack([
            self.label_intercept_[k] + exact_log_unnormalized_dbm(
                V, self.components_, class_biases(self.intercepts_, self.label_components_, k),
                units, **params)
            for k in range(self.classes_.shape[0])
        ])
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))

    # ------------------------------------------------------------ log Z
    def _exact_log_partition_labelled(self):
        units, params = self._visible_units, self._visible_params()
        U, c = self.label_components_, self.label_intercept_
        return float(logsumexp([
            float(c[k]) + exact_log_partition_dbm(
                self.components_, class_biases(self.intercepts_, U, k), units, **params)
            for k in range(c.shape[0])
        ]))

    def _ais_log_partition_labelled(self, ais, n_runs, betas, random_state):
        """One AIS run per class on the DBM with that label clamped; the
        pooled weights ``K exp(c_k) w_k`` (a common base) average to
        ``Z / Z_base``, so the result's error and effective sample size are
        those of the pooled sample (stratified: its iid error is an upper
        bound)."""
        U, c = self.label_components_, self.label_intercept_
        K = c.shape[0]
        seeds = np.random.default_rng(random_state).integers(0, 2**63, size=K)
        pooled, base = [], None
        for k in range(K):
            clamped = copy.copy(self)
            clamped.intercepts_ = class_biases(self.intercepts_, U, k)
            result = ais(clamped, n_runs=n_runs, betas=betas, random_state=int(seeds[k]))
            base = result.log_z_base if base is None else base
            pooled.append(result.log_weights + float(c[k]) + result.log_z_base - base
                          + np.log(K))
        return _make_result(np.concatenate(pooled), base, betas.shape[0], "forward")
