"""Conditional RBM (Taylor, Hinton and Roweis 2007; §20.7)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import TrainableMixin
from ..utils.validation import resolve_dtype
from ._base import SEQUENCE_CONSTRAINTS, SequenceMixin
from ._conditional import cd_negative_phase, frame_gradients, frame_log_likelihood, gibbs_frames
from ._validation import history_matrix

__all__ = ["ConditionalRBM"]


class ConditionalRBM(SequenceMixin, TrainableMixin, BaseEstimator):
    """Conditional restricted Boltzmann machine of sequences.

    Each frame ``x_t`` is an RBM whose biases are linear in the previous
    ``order`` frames ``u_t = [x_{t-1}, ..., x_{t-order}]``::

        b_t = intercept_visible_ + autoregressive_visible_ @ u_t
        c_t = intercept_hidden_ + autoregressive_hidden_ @ u_t

    with weights ``components_`` shared by every frame (§20.7). Frames before
    the start of a sequence are zeros (binary: silent; Gaussian: the data
    mean), so ``p(x_1, ..., x_T) = prod_t p(x_t | u_t)`` is a normalised
    distribution over whole sequences, first frames included.

    Input convention (every model of :mod:`skgenerative.sequence`): ``X`` is
    one 2-D array of frames, the sequences one after the other, and
    ``lengths`` the number of frames of each (hmmlearn's convention);
    ``lengths=None`` means ``X`` is one sequence. Training draws minibatches
    of frames, each with its own history, from every sequence at once.

    Model selection: pass ``sequence_ids`` (the sequence of each frame)
    instead of ``lengths``, turn on scikit-learn's metadata routing (``fit``
    and ``score`` request ``sequence_ids`` by default) and split with a
    group splitter, e.g. ``GridSearchCV(model, grid, cv=GroupKFold(5)).fit(X,
    groups=sequence_ids, sequence_ids=sequence_ids)``: each fold then
    trains on whole sequences and scores whole held-out sequences per frame.
    Without routing, ``score`` would not receive ``sequence_ids``.

    Parameters
    ----------
    n_components : int, default=16
        Number of binary hidden units.
    order : int, default=2
        Number of previous frames that set the biases.
    visible_units : {"bernoulli", "gaussian"}, default="bernoulli"
        Binary visibles, or real ones of unit variance: Gaussian data are
        standardized per feature (``mean_``, ``std_``) and modelled there.
    learning_rate : float, default=0.05
    batch_size : int, default=100
        Frames per minibatch.
    max_iter : int, default=30
        Epochs (passes over the frames).
    method : {"cd", "pcd"}, default="cd"
        Contrastive divergence from the data frame, or persistent chains:
        one per training frame (the frame's own RBM changes with its
        history), continued each time the frame is visited.
    n_gibbs_steps : int, default=1
        Gibbs sweeps per update (the k of CD-k).
    momentum : float, default=0.5
    weight_decay : float, default=1e-4
        L2 penalty on the weights (``components_`` and the autoregressive
        weights).
    shuffle : bool, default=True
        Visit the frames in a new random order each epoch.
    exact_limit : int, default=16
        Largest ``n_components`` for which ``score_samples`` enumerates the
        hidden states of each frame's RBM (2**n_components per frame); beyond
        it, each frame's ``log Z_t`` is estimated by its own AIS run and
        ``score_kind_`` is "estimate".
    ais_n_runs : int, default=16
        AIS chains per frame (beyond ``exact_limit``).
    ais_n_temperatures : int, default=1000
        Length of each frame's AIS schedule. The cost of a score is about
        ``n_frames * ais_n_runs * ais_n_temperatures * 4 * n_components *
        n_features`` flops; ``score_samples(..., return_std=True)`` gives the
        error bars, and a warning says when some frames' estimates rest on
        few chains.
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Compute dtype; None follows the input.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the sequences (whole sequences,
        at least one) and stop when their score per frame has not improved
        by ``tol`` for ``n_iter_no_change`` epochs; the best parameters are
        kept. The score is the exact log-likelihood per frame when
        enumerating the hidden states costs at most about a tenth of an
        epoch (or is negligible), else minus the mean-field reconstruction
        error per frame. Needs at least 2 sequences.
    validation_fraction : float, default=0.1
        Share of the sequences held out.
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    warm_start : bool, default=False
    verbose : int, default=0
        1 prints per epoch the exact log-likelihood per frame of (at most
        1000 frames of) the training data, when exact.
    random_state : int, Generator or None, default=None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    intercept_visible_ : ndarray of shape (n_features,)
    intercept_hidden_ : ndarray of shape (n_components,)
    autoregressive_visible_ : ndarray of shape (n_features, order * n_features)
    autoregressive_hidden_ : ndarray of shape (n_components, order * n_features)
    mean_, std_ : ndarray of shape (n_features,)
        Standardization of Gaussian visibles (only for ``"gaussian"``).
    n_iter_ : int
    validation_scores_ : list of float
        Score of the held-out sequences after each epoch (early stopping).
    random_state_ : numpy.random.Generator
    n_features_in_ : int

    See Also
    --------
    RNNRBM : Biases set by a recurrent network instead.

    References
    ----------
    Taylor, G. W., Hinton, G. E. and Roweis, S. (2007). Modeling human motion
    using binary latent variables. NIPS 19.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import ConditionalRBM
    >>> X = np.tile([[1, 0, 0], [0, 1, 0], [0, 0, 1]], (20, 1))  # one sequence
    >>> model = ConditionalRBM(n_components=4, order=1, random_state=0).fit(X, lengths=[30, 30])
    >>> model.score_samples(X, lengths=[30, 30]).shape
    (2,)
    >>> model.sample(6, initial=X[:1], random_state=0).shape
    (6, 3)
    """

    _parameter_constraints: dict = {
        **SEQUENCE_CONSTRAINTS,
        "order": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions({"cd", "pcd"})],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
    }

    _parameter_names = (
        "components_", "intercept_visible_", "intercept_hidden_",
        "autoregressive_visible_", "autoregressive_hidden_",
    )
    _state_names = _parameter_names + ("_velocity", "_chains", "random_state_")

    def __init__(
        self,
        n_components=16,
        *,
        order=2,
        visible_units="bernoulli",
        learning_rate=0.05,
        batch_size=100,
        max_iter=30,
        method="cd",
        n_gibbs_steps=1,
        momentum=0.5,
        weight_decay=1e-4,
        shuffle=True,
        exact_limit=16,
        ais_n_runs=16,
        ais_n_temperatures=1000,
        dtype=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.order = order
        self.visible_units = visible_units
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.method = method
        self.n_gibbs_steps = n_gibbs_steps
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.shuffle = shuffle
        self.exact_limit = exact_limit
        self.ais_n_runs = ais_n_runs
        self.ais_n_temperatures = ais_n_temperatures
        self.dtype = dtype
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    def _initialize(self, X, lengths, rng, *, partial):
        dtype = resolve_dtype(self.dtype, X)
        nh, nv = self.n_components, X.shape[1]
        self._init_scaling(X, dtype, rng)
        self.components_ = np.ascontiguousarray(rng.normal(0.0, 0.01, (nh, nv)), dtype=dtype)
        if self._gaussian:
            self.intercept_visible_ = np.zeros(nv, dtype=dtype)
        else:
            self.intercept_visible_ = self._units().initial_parameters(X)["bias"].astype(dtype)
        self.intercept_hidden_ = np.zeros(nh, dtype=dtype)
        self.autoregressive_visible_ = np.zeros((nv, self.order * nv), dtype=dtype)
        self.autoregressive_hidden_ = np.zeros((nh, self.order * nv), dtype=dtype)
        self._velocity = tuple(np.zeros_like(getattr(self, n)) for n in self._parameter_names)
        self._chains = None
        self.n_iter_ = 0

    def _training_data(self, X, lengths):
        Z = self._to_model_space(X)
        return Z, (history_matrix(Z, lengths, self.order), lengths)

    @staticmethod
    def _epoch_lengths(y):
        return y[1]

    @staticmethod
    def _epoch_subset(y, rows, lengths):
        return y[0][rows], lengths

    def _biases(self, U):
        Bv = self.intercept_visible_ + U @ self.autoregressive_visible_.T
        Bh = self.intercept_hidden_ + U @ self.autoregressive_hidden_.T
        return Bv, Bh

    def _run_epoch(self, Z, y, rng, progress, *, shuffle):
        U = y[0]
        if self.method == "pcd" and (self._chains is None or self._chains.shape != Z.shape):
            self._chains = Z.copy()  # one persistent chain per training frame
        n = Z.shape[0]
        rows = rng.permutation(n) if shuffle else np.arange(n)
        n_batches = int(np.ceil(n / self.batch_size))
        bounds = (np.arange(n_batches + 1) * n) // n_batches
        for i in range(n_batches):
            batch = rows[bounds[i] : bounds[i + 1]]
            self._update(Z[batch], U[batch], batch, rng)
            progress(len(batch))
        if not self.verbose or not self._exact:
            return {}
        Bv, Bh = self._biases(U[:1000])
        ll = frame_log_likelihood(Z[:1000], self.components_, Bv, Bh, self._gaussian)
        return {"log-likelihood per frame": float(np.mean(ll))}

    def _update(self, V, U, batch, rng):
        W = self.components_
        Bv, Bh = self._biases(U)
        start = self._chains[batch] if self.method == "pcd" else V
        V_neg = gibbs_frames(start, W, Bv, Bh, self.n_gibbs_steps, rng, self._gaussian)
        if self.method == "pcd":
            self._chains[batch] = V_neg
        grads = _parameter_gradients(V, U, W, Bh, cd_negative_phase(V_neg, W, Bh))
        scale = 1.0 / V.shape[0]
        decayed = (True, False, False, True, True)
        for name, velocity, grad, decay in zip(self._parameter_names, self._velocity, grads,
                                               decayed):
            param = getattr(self, name)
            step = grad * scale - (self.weight_decay * param if decay else 0.0)
            velocity *= self.momentum
            velocity += (self.learning_rate * step).astype(param.dtype)
            param += velocity

    # ------------------------------------------------------------ likelihood
    def _frame_rbms(self, Z, lengths):
        return self._state_rbms(history_matrix(Z, lengths, self.order))

    # ------------------------------------------------- sampling (state: history)
    def _initial_state(self, initial, n_sequences):
        nv = self.n_features_in_
        history = np.zeros((n_sequences, self.order * nv), dtype=self.components_.dtype)
        if initial is not None:
            for k, frame in enumerate(initial[::-1][: self.order]):
                history[:, k * nv : (k + 1) * nv] = frame
        return history

    def _state_rbms(self, history):
        return (self.components_, *self._biases(history))

    def _next_state(self, history, frame):
        keep = (self.order - 1) * self.n_features_in_
        return np.concatenate([frame, history[:, :keep]], axis=1)



def _parameter_gradients(V, U, W, Bh, negative):
    """Gradients of ``sum_t log p(v_t | u_t)`` (or their CD estimate) with
    respect to ``(W, b, c, A, B)`` from the per-frame bias gradients: the
    autoregressive weights see them through ``b_t = b + A u_t``,
    ``c_t = c + B u_t``."""
    dBv, dBh, dW = frame_gradients(V, W, Bh, negative)
    return dW, dBv.sum(axis=0), dBh.sum(axis=0), dBv.T @ U, dBh.T @ U
