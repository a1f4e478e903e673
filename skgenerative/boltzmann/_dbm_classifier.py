"""The DBM as a feature extractor for a classifier (Figure 20.4): mean-field
features ``[v, q(h2)]`` and an MLP initialised with the DBM's weights,
fine-tuned by back-propagation.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.utils._param_validation import Interval

from ..base import FineTunedClassifierMixin
from ..nn import MLP, Adam, softmax_classifier_epoch
from ..utils.random import nested_seed
from ._dbm import DBM

__all__ = ["DBMClassifier"]


def augmented_input(dbm, X):
    """The input of the fine-tuned MLP: ``[v, q(h2)]`` with ``q(h2)`` the
    mean-field posterior of the second hidden layer (Salakhutdinov & Hinton
    2009); just ``v`` for a one-layer DBM. ``v`` is the visible layer's
    values: one-hot groups of category codes for categorical visibles."""
    V = dbm._visible_values(X)
    if len(dbm.components_) < 2:
        return V
    Q, _ = dbm._mean_field(V)
    return np.hstack([V, Q[2]])


def mlp_from_dbm(dbm, n_classes, rng):
    """An :class:`~skgenerative.nn.MLP` shaped as one more upward pass of mean
    field (Figure 20.4 d), initialised with the DBM's weights; the softmax
    output layer is new.

    Layer 1 sees ``[v, q(h2)]`` through ``[W_0^T; W_1]`` (``W_0 beta`` for
    Gaussian visibles of precision ``beta``: the unit type's folded weights;
    ``v`` one-hot for categorical visibles); layer l > 1 sees
    layer l - 1 through ``W_{l-1}^T`` (for more than two hidden layers the
    top-down inputs of the upper layers are left out). The softmax output
    layer is new, or, for a DBM fitted with labels (its classes those of the
    classifier), the label layer's ``U^T``, ``c``: the conditional p(y | h_L).
    """
    Ws, bs = dbm.components_, dbm.intercepts_
    L = len(Ws)
    dtype = Ws[0].dtype
    first_in = Ws[0].shape[1] + (Ws[1].shape[0] if L > 1 else 0)
    sizes = [first_in] + [W.shape[0] for W in Ws] + [n_classes]
    net = MLP(sizes, "sigmoid", "linear", dtype=dtype, random_state=rng)
    W_in = dbm._visible_units.fold(Ws[0], **dbm._visible_params())
    W0 = W_in.T if L == 1 else np.vstack([W_in.T, Ws[1]])
    net.params["W0"][...] = W0
    net.params["b0"][...] = bs[1]
    for l in range(1, L):
        net.params[f"W{l}"][...] = Ws[l].T
        net.params[f"b{l}"][...] = bs[l + 1]
    if hasattr(dbm, "classes_"):  # the label layer's conditional p(y | h_L)
        net.params[f"W{L}"][...] = dbm.label_components_.T
        net.params[f"b{L}"][...] = dbm.label_intercept_
    return net


class DBMClassifier(FineTunedClassifierMixin, BaseEstimator):
    """A DBM's mean-field features fine-tuned as an MLP (Figure 20.4).

    ``fit`` trains the DBM on X (pretraining and variational SML, see
    :class:`DBM`) without labels, or with ``label_units=True`` jointly with a
    one-hot label layer on its top hidden layer (Fig. 20.4 b-c), computes
    the augmented input ``[v, q(h2)]`` of every example by mean field, and trains by back-propagation (Adam on the
    softmax cross-entropy, :mod:`skgenerative.nn`) an MLP whose hidden layers
    are one more upward pass of mean field initialised with the DBM's weights,
    topped by a softmax layer (new, or the DBM's label layer).

    Parameters
    ----------
    dbm : DBM or None, default=None
        The (unfitted) DBM to train; None means ``DBM()``. It is cloned.
        A DBM with Gaussian visibles (``visible_type="gaussian"``) works too
        (standardize the data or keep ``precision="auto"``), and one with
        categorical visibles (``visible_type="categorical"``: integer-coded
        features, one-hot in the MLP's input layer).
    learning_rate : float, default=1e-2
        Adam step size of the fine-tuning. The softmax layer starts from
        scratch on top of sigmoid units initialised by the DBM: at 1e-3 the
        network was still far from fitting the training set after hundreds
        of steps (cross-entropy 1.1 after 30 epochs on digits, test accuracy
        0.74); at 1e-2 it fits within about 60 epochs.
    max_iter : int, default=100
        Fine-tuning epochs.
    batch_size : int, default=200
        Rows per Adam step (``sklearn.neural_network.MLPClassifier``'s
        ``min(200, n_samples)``).
    alpha : float, default=1e-4
        L2 penalty on the MLP weights (``MLPClassifier``'s default).
    label_units : bool, default=False
        Train the DBM jointly with label units (``DBM.fit(X, y)``,
        Salakhutdinov & Hinton 2009): its label layer's weights then start
        the MLP's softmax layer, which the fine-tuning continues from.
    shuffle : bool, default=True
    verbose : int, default=0
    random_state : int, Generator or None, default=None
        Seeds the fine-tuning, and the DBM when its own ``random_state`` is
        None (a seed drawn from this one), so one seed fixes the whole fit.

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
    >>> clf = DBMClassifier(DBM((4, 3), max_iter=2, random_state=0), max_iter=50,
    ...                     learning_rate=0.05, random_state=0).fit(X, y)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        "dbm": [DBM, None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "label_units": ["boolean"],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    _state_names = ("mlp_", "_optimizer", "random_state_")
    _parameter_names = ("_flat_parameters",)

    def __init__(self, dbm=None, *, learning_rate=1e-2, max_iter=100, batch_size=200,
                 alpha=1e-4, label_units=False, shuffle=True, verbose=0, random_state=None):
        self.dbm = dbm
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.alpha = alpha
        self.label_units = label_units
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
        return self._fit(X, y)

    # template hooks (skgenerative.base.FineTunedClassifierMixin)
    def _initialize(self, X, y, rng, *, partial):
        self._set_classes(y)
        dbm = clone(self.dbm if self.dbm is not None else DBM())
        if dbm.random_state is None:  # nested seeds come from the outer generator
            dbm.set_params(random_state=nested_seed(rng))
        self.dbm_ = dbm.fit(X, y) if self.label_units else dbm.fit(X)
        self.mlp_ = mlp_from_dbm(self.dbm_, len(self.classes_), rng)
        self._optimizer = Adam(self.mlp_.params, self.learning_rate, maximize=False)
        self.n_iter_ = 0

    def _training_data(self, X, y):
        X, codes = super()._training_data(X, y)
        return augmented_input(self.dbm_, X), codes

    def _run_epoch(self, features, y, rng, progress, *, shuffle):
        n = features.shape[0]
        rows = rng.permutation(n) if shuffle else np.arange(n)
        loss = softmax_classifier_epoch(
            self.mlp_, self._optimizer, features, y, rows, self.batch_size,
            alpha=self.alpha, progress=progress,
        )
        return {"cross-entropy": loss}

    def _check_predict_data(self, X):
        X = super()._check_predict_data(X)
        self.dbm_._check_support(X)
        return X

    def _class_scores(self, X):
        return self.mlp_.predict(augmented_input(self.dbm_, X)), "logits"
