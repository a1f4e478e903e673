"""RNN-RBM (Boulanger-Lewandowski, Bengio and Vincent 2012; §20.7)."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from ..base import TrainableMixin
from ..nn import Adam
from ..utils.validation import resolve_dtype
from ._base import SEQUENCE_CONSTRAINTS, SequenceMixin
from ._conditional import cd_negative_phase, frame_gradients, gibbs_frames
from ._validation import sequence_starts

__all__ = ["RNNRBM"]


class RNNRBM(SequenceMixin, TrainableMixin, BaseEstimator):
    """RNN-RBM: a recurrent network whose state sets an RBM's biases per frame.

    With ``u_0 = initial_state_`` and, for each frame ``t = 1 .. T``::

        b_t = intercept_visible_ + recurrent_to_visible_ @ u_{t-1}
        c_t = intercept_hidden_ + recurrent_to_hidden_ @ u_{t-1}
        x_t ~ RBM(components_, b_t, c_t)
        u_t = tanh(recurrent_intercept_ + recurrent_weights_ @ u_{t-1}
                   + input_weights_ @ x_t)

    so ``p(x_1, ..., x_T) = prod_t p(x_t | u_{t-1})`` and ``u_{t-1}`` sums up
    every frame before ``t`` (§20.7). Training: CD-k on the RBM of each frame
    estimates the gradient with respect to its biases and the shared weights;
    back-propagation through time carries the bias gradients to the
    recurrent parameters. Optimizer: Adam.

    With ``weight_rank = r > 0`` the RNN also sets the weights (the option of
    §20.7), through a rank-``r`` modulation of factors (as the factored
    three-way models do), so each frame's RBM has its own weights::

        a_t = recurrent_to_weights_ @ u_{t-1}
        W_t = components_ + weight_factors_hidden_ @ diag(a_t)
                            @ weight_factors_visible_.T

    and the weight gradients of each frame reach the factors and, through
    ``a_t``, the recurrent state. Scoring then materialises one
    ``n_components x n_features`` matrix per frame.

    Input convention (every model of :mod:`skgenerative.sequence`): ``X`` is
    one 2-D array of frames, the sequences one after the other, and
    ``lengths`` the number of frames of each (hmmlearn's convention);
    ``lengths=None`` means ``X`` is one sequence. Minibatches are groups of
    whole sequences.

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
        Binary hidden units of the RBM.
    n_recurrent : int, default=32
        Units of the recurrent layer.
    visible_units : {"bernoulli", "gaussian"}, default="bernoulli"
        Binary frames, or real ones (standardized per feature, unit variance).
    learning_rate : float, default=0.005
        Adam step size.
    batch_size : int, default=10
        Sequences per minibatch (the gradient is the mean per frame).
    max_iter : int, default=50
        Epochs (passes over the sequences).
    n_gibbs_steps : int, default=5
        Gibbs sweeps of the CD-k estimate at each frame.
    weight_rank : int, default=0
        Rank of the state-dependent part of the weights; 0: the RNN sets the
        biases only.
    pretrain_iter : int, default=0
        Epochs of CD-k training of the RBM alone (``components_`` and its
        intercepts, the recurrent part silent) on the training frames (not
        those early stopping holds out), in minibatches
        of 100 frames, before the first epoch of ``fit``, as
        Boulanger-Lewandowski et al. initialise it; 0 skips it.
    shuffle : bool, default=True
        Visit the sequences in a new random order each epoch.
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
        1 prints per epoch the CD reconstruction error and, when exact, the
        log-likelihood per frame of the training data.
    random_state : int, Generator or None, default=None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    intercept_visible_ : ndarray of shape (n_features,)
    intercept_hidden_ : ndarray of shape (n_components,)
    recurrent_to_visible_ : ndarray of shape (n_features, n_recurrent)
    recurrent_to_hidden_ : ndarray of shape (n_components, n_recurrent)
    recurrent_weights_ : ndarray of shape (n_recurrent, n_recurrent)
    input_weights_ : ndarray of shape (n_recurrent, n_features)
    recurrent_intercept_ : ndarray of shape (n_recurrent,)
    initial_state_ : ndarray of shape (n_recurrent,)
    recurrent_to_weights_ : ndarray of shape (weight_rank, n_recurrent)
        Only when ``weight_rank > 0``, as the two factors below.
    weight_factors_hidden_ : ndarray of shape (n_components, weight_rank)
    weight_factors_visible_ : ndarray of shape (n_features, weight_rank)
    mean_, std_ : ndarray of shape (n_features,)
        Standardization of Gaussian visibles (only for ``"gaussian"``).
    n_iter_ : int
    validation_scores_ : list of float
        Score of the held-out sequences after each epoch (early stopping).
    random_state_ : numpy.random.Generator
    n_features_in_ : int

    See Also
    --------
    ConditionalRBM : Biases linear in a fixed window of past frames.

    References
    ----------
    Boulanger-Lewandowski, N., Bengio, Y. and Vincent, P. (2012). Modeling
    temporal dependencies in high-dimensional sequences: application to
    polyphonic music generation and transcription. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import RNNRBM
    >>> X = np.tile([[1, 0, 0], [0, 1, 0], [0, 0, 1]], (20, 1))
    >>> model = RNNRBM(n_components=4, n_recurrent=4, max_iter=5, random_state=0)
    >>> model.fit(X, lengths=[30, 30]).score_samples(X, lengths=[30, 30]).shape
    (2,)
    >>> model.sample(5, random_state=0).shape
    (5, 3)
    """

    _parameter_constraints: dict = {
        **SEQUENCE_CONSTRAINTS,
        "n_recurrent": [Interval(Integral, 1, None, closed="left")],
        "pretrain_iter": [Interval(Integral, 0, None, closed="left")],
        "weight_rank": [Interval(Integral, 0, None, closed="left")],
    }

    _bias_parameter_names = (
        "components_", "intercept_visible_", "intercept_hidden_", "recurrent_to_visible_",
        "recurrent_to_hidden_", "recurrent_weights_", "input_weights_",
        "recurrent_intercept_", "initial_state_",
    )
    _weight_parameter_names = (
        "recurrent_to_weights_", "weight_factors_hidden_", "weight_factors_visible_",
    )

    @property
    def _parameter_names(self):
        """The fitted parameters (the weight factors when the model has them)."""
        if getattr(self, "weight_factors_hidden_", None) is None:
            return self._bias_parameter_names
        return self._bias_parameter_names + self._weight_parameter_names

    @property
    def _state_names(self):
        return self._parameter_names + ("_optimizer", "random_state_")

    def __init__(
        self,
        n_components=16,
        *,
        n_recurrent=32,
        visible_units="bernoulli",
        learning_rate=0.005,
        batch_size=10,
        max_iter=50,
        n_gibbs_steps=5,
        weight_rank=0,
        pretrain_iter=0,
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
        self.n_recurrent = n_recurrent
        self.visible_units = visible_units
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.n_gibbs_steps = n_gibbs_steps
        self.weight_rank = weight_rank
        self.pretrain_iter = pretrain_iter
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
        nh, nv, nr = self.n_components, X.shape[1], self.n_recurrent
        self._init_scaling(X, dtype, rng)

        def small(*shape):
            return np.ascontiguousarray(rng.normal(0.0, 0.01, shape), dtype=dtype)

        self.components_ = small(nh, nv)
        if self._gaussian:
            self.intercept_visible_ = np.zeros(nv, dtype=dtype)
        else:
            self.intercept_visible_ = self._units().initial_parameters(X)["bias"].astype(dtype)
        self.intercept_hidden_ = np.zeros(nh, dtype=dtype)
        self.recurrent_to_visible_ = small(nv, nr)
        self.recurrent_to_hidden_ = small(nh, nr)
        self.recurrent_weights_ = small(nr, nr)
        self.input_weights_ = small(nr, nv)
        self.recurrent_intercept_ = np.zeros(nr, dtype=dtype)
        self.initial_state_ = np.zeros(nr, dtype=dtype)
        for name in self._weight_parameter_names:
            self.__dict__.pop(name, None)
        if self.weight_rank:
            r = self.weight_rank
            self.recurrent_to_weights_ = small(r, nr)
            # factors of scale 0.1: off the saddle where all three are zero
            self.weight_factors_hidden_ = np.ascontiguousarray(
                rng.normal(0.0, 0.1, (nh, r)), dtype=dtype)
            self.weight_factors_visible_ = np.ascontiguousarray(
                rng.normal(0.0, 0.1, (nv, r)), dtype=dtype)
        # on the training frames only (early stopping holds some out first)
        self._pretrain_pending = bool(self.pretrain_iter) and not partial
        self._optimizer = Adam(self._optimized_parameters, self.learning_rate)
        self.n_iter_ = 0

    def _optimized_parameters(self):
        """The arrays Adam steps, read afresh at each step (a restored
        snapshot or a loaded pickle holds other arrays)."""
        return {name: getattr(self, name) for name in self._parameter_names}

    def _pretrain_rbm(self, Z, rng, batch_size=100):
        """CD-k epochs of the RBM alone on the frames ``Z`` (model space)."""
        names = ("components_", "intercept_visible_", "intercept_hidden_")
        optimizer = Adam({name: getattr(self, name) for name in names}, self.learning_rate)
        W = self.components_
        for _ in range(self.pretrain_iter):
            rows = rng.permutation(Z.shape[0])
            for first in range(0, len(rows), batch_size):
                V = Z[rows[first : first + batch_size]]
                Bv = np.broadcast_to(self.intercept_visible_, V.shape)
                Bh = np.broadcast_to(self.intercept_hidden_, (V.shape[0], W.shape[0]))
                V_neg = gibbs_frames(V, W, Bv, Bh, self.n_gibbs_steps, rng, self._gaussian)
                dBv, dBh, dW = frame_gradients(V, W, Bh, cd_negative_phase(V_neg, W, Bh))
                n = V.shape[0]
                optimizer.step({"components_": dW / n, "intercept_visible_": dBv.mean(axis=0),
                                "intercept_hidden_": dBh.mean(axis=0)})

    def _training_data(self, X, lengths):
        rank = 0 if getattr(self, "weight_factors_hidden_", None) is None else (
            self.weight_factors_hidden_.shape[1])
        if rank != self.weight_rank:
            raise ValueError(
                f"weight_rank={self.weight_rank} but the fitted model has rank {rank}: "
                "a warm start or partial_fit cannot change it; refit with "
                "warm_start=False."
            )
        return self._to_model_space(X), lengths

    @staticmethod
    def _epoch_lengths(lengths):
        return lengths

    @staticmethod
    def _epoch_subset(lengths, rows, subset_lengths):
        return subset_lengths

    def _fit_epochs(self, X, n_epochs, rng, **kwargs):
        if getattr(self, "_pretrain_pending", False):
            self._pretrain_pending = False
            self._pretrain_rbm(X, rng)
        return super()._fit_epochs(X, n_epochs, rng, **kwargs)

    def _run_epoch(self, Z, lengths, rng, progress, *, shuffle):
        n_seq = len(lengths)
        order = rng.permutation(n_seq) if shuffle else np.arange(n_seq)
        starts = sequence_starts(lengths)
        self._optimizer.learning_rate = self.learning_rate
        error = 0.0
        for first in range(0, n_seq, self.batch_size):
            chosen = order[first : first + self.batch_size]
            frames = np.concatenate([np.arange(starts[i], starts[i] + lengths[i]) for i in chosen])
            V = Z[frames]
            grads, V_neg = self._gradients(V, lengths[chosen], self._cd_negative(rng))
            n = V.shape[0]
            self._optimizer.step({k: g / n for k, g in grads.items()})
            error += float(np.sum((V - V_neg) ** 2))
            progress(n)
        stats = {"reconstruction error": error / Z.size}
        if self.verbose and self._exact:
            stats["log-likelihood per frame"] = float(
                np.sum(self._frame_scores(Z, lengths)) / Z.shape[0]
            )
        return stats

    def _cd_negative(self, rng):
        def negative(V, W, Bv, Bh):
            V_neg = gibbs_frames(V, W, Bv, Bh, self.n_gibbs_steps, rng, self._gaussian)
            return cd_negative_phase(V_neg, W, Bh), V_neg

        return negative

    # ------------------------------------------------------------------ math
    def _forward(self, V, lengths):
        """The RBMs of the frames ``V`` (model space) of sequences of
        ``lengths``: ``(W, Bv, Bh, states, mask, previous)`` with the padded
        RNN states ``states`` (n_sequences, T_max + 1, n_recurrent),
        ``states[:, 0] = u_0``, and ``previous`` the state ``u_{t-1}`` of
        every frame, in the order of V."""
        Vp, mask = _pad(V, lengths)
        n_seq, T, _ = Vp.shape
        states = np.empty((n_seq, T + 1, self.n_recurrent), dtype=V.dtype)
        states[:, 0] = self.initial_state_
        drive = Vp @ self.input_weights_.T + self.recurrent_intercept_
        for t in range(T):
            states[:, t + 1] = np.tanh(drive[:, t] + states[:, t] @ self.recurrent_weights_.T)
        previous = states[:, :-1][mask]
        return (*self._state_rbms(previous), states, mask, previous)

    def _gradients(self, V, lengths, negative):
        """Gradients of ``sum_t log p(v_t | u_{t-1})`` over the sequences
        ``V`` (model space) with respect to every parameter, by BPTT of the
        per-frame bias (and weight) gradients; ``negative(V, W, Bv, Bh)``
        gives the model side of each frame's RBM ``((E[v], E[h], E[h v^T]),
        V_neg)`` (a CD sample, or exact expectations; ``E[h v^T]`` per frame
        when the weights are)."""
        W, Bv, Bh, states, mask, previous = self._forward(V, lengths)
        model_side, V_neg = negative(V, W, Bv, Bh)
        dBv, dBh, dW = frame_gradients(V, W, Bh, model_side)
        grads = {
            "intercept_visible_": dBv.sum(axis=0),
            "intercept_hidden_": dBh.sum(axis=0),
            "recurrent_to_visible_": dBv.T @ previous,
            "recurrent_to_hidden_": dBh.T @ previous,
        }
        # d/du_{t-1} directly, through the RBM of frame t
        direct = dBv @ self.recurrent_to_visible_ + dBh @ self.recurrent_to_hidden_
        if W.ndim == 3:  # dW holds each frame's weight gradient
            P, Q = self.weight_factors_hidden_, self.weight_factors_visible_
            A = previous @ self.recurrent_to_weights_.T
            dA = np.einsum("kr,tkj,jr->tr", P, dW, Q)
            grads["weight_factors_hidden_"] = np.einsum("tkj,jr,tr->kr", dW, Q, A)
            grads["weight_factors_visible_"] = np.einsum("tkj,kr,tr->jr", dW, P, A)
            grads["recurrent_to_weights_"] = dA.T @ previous
            direct = direct + dA @ self.recurrent_to_weights_
            dW = dW.sum(axis=0)
        grads["components_"] = dW
        grads.update(_bptt(self, V, states, mask, direct))
        return grads, V_neg

    def _frame_rbms(self, Z, lengths):
        return self._forward(Z, lengths)[:3]

    # ------------------------------------------------- sampling (state: u_{t-1})
    def _initial_state(self, initial, n_sequences):
        u = np.repeat(self.initial_state_[None, :], n_sequences, axis=0)
        for frame in [] if initial is None else initial:
            u = self._next_state(u, np.broadcast_to(frame, (n_sequences, frame.shape[0])))
        return u

    def _state_rbms(self, u):
        """``(W, Bv, Bh)`` of the RBMs that the states ``u`` (one per row) set:
        ``W`` shared, or one matrix per row when the RNN sets the weights."""
        W = self.components_
        if getattr(self, "weight_factors_hidden_", None) is not None:
            A = u @ self.recurrent_to_weights_.T
            W = W + np.einsum("kr,nr,jr->nkj", self.weight_factors_hidden_, A,
                              self.weight_factors_visible_)
        return (W, self.intercept_visible_ + u @ self.recurrent_to_visible_.T,
                self.intercept_hidden_ + u @ self.recurrent_to_hidden_.T)

    def _next_state(self, u, frame):
        return np.tanh(self.recurrent_intercept_ + u @ self.recurrent_weights_.T
                       + frame @ self.input_weights_.T).astype(u.dtype, copy=False)


def _pad(V, lengths):
    """Frames as (n_sequences, T_max, n_features), zeros after each end, and
    the mask of real frames (row-major order of the mask is the order of V)."""
    T = int(np.max(lengths))
    mask = np.arange(T)[None, :] < np.asarray(lengths)[:, None]
    Vp = np.zeros((len(lengths), T, V.shape[1]), dtype=V.dtype)
    Vp[mask] = V
    return Vp, mask


def _bptt(model, V, states, mask, direct):
    """Back-propagation through time of ``direct``, the gradient with
    respect to ``u_{t-1}`` through the RBM of each frame (rows in the order
    of V), to the recurrent parameters.

    ``u_t = tanh(b_u + W_uu u_{t-1} + W_vu v_t)``. Padded frames carry zero
    gradient, so every sequence ends where its own frames end.
    """
    Vp, _ = _pad(V, mask.sum(axis=1))
    padded = np.zeros(mask.shape + (direct.shape[1],), dtype=direct.dtype)
    padded[mask] = direct
    W_uu = model.recurrent_weights_
    grads = {
        "recurrent_weights_": np.zeros_like(W_uu),
        "input_weights_": np.zeros_like(model.input_weights_),
        "recurrent_intercept_": np.zeros_like(model.recurrent_intercept_),
    }
    T = Vp.shape[1]
    grad_u = np.zeros((Vp.shape[0], W_uu.shape[0]), dtype=direct.dtype)  # d/du_T
    for t in range(T, 0, -1):
        if t < T:
            grad_u += padded[:, t]
        pre = grad_u * (1 - states[:, t] ** 2)  # through the tanh of u_t
        grads["recurrent_weights_"] += pre.T @ states[:, t - 1]
        grads["input_weights_"] += pre.T @ Vp[:, t - 1]
        grads["recurrent_intercept_"] += pre.sum(axis=0)
        grad_u = pre @ W_uu
    grads["initial_state_"] = (grad_u + padded[:, 0]).sum(axis=0)
    return grads
