"""What every sequence model shares: the input convention, the per-sequence
scores, ``score`` per frame, and sampling arguments."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from scipy.special import expit
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from ..base import GenerativeMixin
from ..boltzmann._units import check_unit_type
from ..utils.random import draw_seed
from ..utils.validation import validation_split
from ._ais import sequence_log_partition_ais
from ._conditional import (
    frame_log_likelihood, frame_unnormalised, gibbs_frames, hidden_input, visible_input,
)
from ._validation import resolve_lengths, sequence_starts

__all__ = ["SEQUENCE_CONSTRAINTS", "SequenceMixin"]

#: Share of a training epoch's work that the per-epoch exact validation
#: score may take, and the work (multiply-adds) below which it is always
#: allowed (as the RBMs' ``_exact_score_is_cheap``).
_SCORE_COST_FRACTION = 0.1
_SCORE_COST_FLOOR = 1e6

#: The hyperparameters every sequence model has.
SEQUENCE_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "visible_units": [StrOptions({"bernoulli", "gaussian"})],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "max_iter": [Interval(Integral, 0, None, closed="left")],
    "n_gibbs_steps": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "exact_limit": [Interval(Integral, 0, 30, closed="both")],
    "ais_n_runs": [Interval(Integral, 2, None, closed="left")],
    "ais_n_temperatures": [Interval(Integral, 2, None, closed="left")],
    "dtype": [None, type, np.dtype, str],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "warm_start": ["boolean"],
    "verbose": ["verbose"],
    "random_state": ["random_state"],
}


class SequenceMixin(GenerativeMixin):
    """Sequences as one 2-D array of frames plus ``lengths`` (hmmlearn's
    convention; ``lengths=None`` is one sequence). ``score_samples`` gives
    one log-likelihood per sequence, ``score`` the mean per frame.

    ``score_samples`` is exact (the hidden states of every frame's RBM
    enumerated) when ``n_components <= exact_limit``, else an AIS estimate
    with one AIS run per frame (``ais_n_runs`` chains, ``ais_n_temperatures``
    temperatures; see ``_ais``), and ``score_kind_`` says which.

    A model sets ``visible_units`` ("bernoulli" or "gaussian") and supplies
    ``_frame_rbms(Z, lengths)`` -> ``(W, Bv, Bh)``: the weights (shared,
    2-D, or one matrix per frame, 3-D) and biases of every frame's RBM given
    its past, for the validated data in the model's space (standardized for
    Gaussian units); ``_initialize`` calls ``_init_scaling(X, dtype, rng)``;
    and for sampling, a state that summarises the past:
    ``_initial_state(initial, n_sequences)`` (``initial`` in the model's
    space, or None), ``_state_rbms(state)`` -> ``(W, Bv, Bh)`` and
    ``_next_state(state, frame)``.
    """

    # sequence_ids is sample-aligned: model selection routes it (sliced per
    # fold) to fit and score; lengths is not, so it is never routed
    __metadata_request__fit = {"sequence_ids": True, "lengths": False}
    __metadata_request__partial_fit = {"sequence_ids": True, "lengths": False}
    __metadata_request__score = {"sequence_ids": True, "lengths": False}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, lengths=None, sequence_ids=None):
        """Fit the model to sequences.

        Parameters
        ----------
        X : array-like of shape (n_frames, n_features)
            The frames of every sequence, one sequence after the other.
        y : None
            Ignored.
        lengths : array-like of int, default=None
            Frames per sequence, summing to ``n_frames``; None (and no
            ``sequence_ids``) means one sequence.
        sequence_ids : array-like of shape (n_frames,), default=None
            Instead of ``lengths``: the sequence of each frame, each
            sequence's frames consecutive rows. Sample-aligned, so model
            selection can split it (see the class docstring).

        Returns
        -------
        self : object
            The fitted model.
        """
        if self.early_stopping:  # before anything changes the model
            _check_can_hold_out(resolve_lengths(lengths, sequence_ids, _num_samples(X)))
        return self._fit(X, (lengths, sequence_ids))

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, lengths=None, sequence_ids=None):
        """One pass over a block of whole sequences, in the given order.

        The parameters, optimizer state and random stream are kept, so
        successive calls on blocks of sequences give the same model as one
        epoch of ``fit(..., shuffle=False)`` over the same minibatches (when
        the blocks end on minibatch boundaries). Every sequence must lie in
        one block: its history starts afresh at each block.

        Parameters
        ----------
        X : array-like of shape (n_frames, n_features)
            The frames of the block's sequences, one after the other.
        y : None
            Ignored.
        lengths : array-like of int, default=None
            Frames per sequence; None (and no ``sequence_ids``) means one
            sequence.
        sequence_ids : array-like of shape (n_frames,), default=None
            Instead of ``lengths``: the sequence of each frame.

        Returns
        -------
        self : object
            The updated model.
        """
        return self._partial_fit(X, (lengths, sequence_ids))

    def _check_training_data(self, X, y, *, reset):
        return self._check_sequences(X, *y, reset=reset)

    def _validation_split(self, X, y, rng):
        """Early stopping holds out ``validation_fraction`` of the sequences
        (at least one), whole."""
        lengths = self._epoch_lengths(y)
        _check_can_hold_out(lengths)
        train, val = validation_split(len(lengths), self.validation_fraction, rng)
        starts = sequence_starts(lengths)

        def rows(sequences):
            return np.concatenate([np.arange(starts[i], starts[i] + lengths[i])
                                   for i in sequences])

        tr, va = rows(train), rows(val)
        self._epoch_frames = len(tr)
        return (X[tr], self._epoch_subset(y, tr, lengths[train]),
                X[va], self._epoch_subset(y, va, lengths[val]))

    def _exact_validation_is_cheap(self, n_frames):
        """Whether enumerating every held-out frame's hidden states costs at
        most ``_SCORE_COST_FRACTION`` of a CD-k epoch (``2 + 2k`` weight
        products per training frame), or is negligible."""
        if not self._exact:
            return False
        layer = float(self.n_components * self.n_features_in_)
        enumeration = 2.0**self.n_components * layer * n_frames
        epoch = (2 + 2 * self.n_gibbs_steps) * layer * getattr(self, "_epoch_frames", n_frames)
        return enumeration <= max(_SCORE_COST_FRACTION * epoch, _SCORE_COST_FLOOR)

    def _validation_score(self, Z, y):
        """Held-out sequences: the exact log-likelihood per frame when it is
        cheap next to an epoch, else minus the mean-field reconstruction
        error per frame (per-frame AIS would cost far more than the epoch)."""
        lengths = self._epoch_lengths(y)
        if self._exact_validation_is_cheap(Z.shape[0]):
            scores = self._frame_scores(Z, lengths)
            if self._gaussian:
                scores = scores - np.sum(np.log(self.std_.astype(np.float64)))
            return float(np.mean(scores))
        W, Bv, Bh = self._frame_rbms(Z, lengths)
        mean = Bv + visible_input(expit(Bh + hidden_input(Z, W)), W)
        if not self._gaussian:
            mean = expit(mean)
        return -float(np.sum((Z - mean) ** 2) / Z.shape[0])

    def _is_initialized(self):
        return hasattr(self, "components_")

    def sample(self, n_frames=1, *, n_sequences=1, initial=None, n_gibbs_steps=100,
               random_state=None):
        """Generate sequences (or continuations of ``initial``) frame by frame.

        Each frame is the state of a block-Gibbs chain on the RBM its past
        sets, after ``n_gibbs_steps`` sweeps started from the previous frame
        (from a draw of the visible biases for a first frame).

        Parameters
        ----------
        n_frames : int, default=1
            Frames to generate per sequence.
        n_sequences : int, default=1
            Independent sequences.
        initial : array-like of shape (n_initial, n_features), default=None
            Frames to continue (the past of the first new frame); None
            starts new sequences.
        n_gibbs_steps : int, default=100
        random_state : int, Generator or None, default=None
            None continues the estimator's own stream.

        Returns
        -------
        X : ndarray of shape (n_sequences * n_frames, n_features)
            The new frames, sequence after sequence (``lengths`` all
            ``n_frames``).
        """
        rng = self._sampling_arguments(n_frames, n_sequences, n_gibbs_steps, random_state)
        initial = self._check_initial(initial)
        nv, dtype = self.n_features_in_, self.components_.dtype
        state = self._initial_state(initial, n_sequences)
        previous = None
        if initial is not None and len(initial):
            previous = np.repeat(initial[-1:], n_sequences, axis=0)
        out = np.empty((n_sequences, n_frames, nv), dtype=dtype)
        for t in range(n_frames):
            W, Bv, Bh = self._state_rbms(state)
            start = self._start_state(Bv, rng) if previous is None else previous
            frame = gibbs_frames(start, W, Bv, Bh, n_gibbs_steps, rng,
                                 self._gaussian)
            out[:, t] = frame
            state = self._next_state(state, frame)
            previous = frame
        return self._from_model_space(out.reshape(-1, nv)).astype(dtype, copy=False)

    def _units(self):
        return check_unit_type(self.visible_units)

    @property
    def _gaussian(self):
        return self.visible_units == "gaussian"

    def _check_sequences(self, X, lengths, sequence_ids=None, *, reset):
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=reset)
        lengths = resolve_lengths(lengths, sequence_ids, X.shape[0])
        if not self._gaussian:
            self._units().check_support(X, type(self).__name__)
        return X, lengths

    def _init_scaling(self, X, dtype, rng):
        """Gaussian units model standardized frames ``z = (x - mean_) / std_``;
        the seed of the AIS estimates is drawn here (scores are
        deterministic after ``fit``)."""
        self._score_seed = draw_seed(rng)
        if self._gaussian:
            self.mean_ = X.mean(axis=0).astype(dtype)
            self.std_ = np.sqrt(np.maximum(X.var(axis=0), 1e-6)).astype(dtype)

    def _to_model_space(self, X):
        dtype = self.components_.dtype
        if self._gaussian:
            X = (X - self.mean_) / self.std_
        return np.ascontiguousarray(X, dtype=dtype)

    def _from_model_space(self, Z):
        return Z * self.std_ + self.mean_ if self._gaussian else Z

    @property
    def score_kind_(self):
        """"exact" when ``score_samples`` enumerates the hidden layer
        (``n_components <= exact_limit``), else "estimate" (per-frame AIS)."""
        return "exact" if self._exact else "estimate"

    @property
    def _exact(self):
        return self.n_components <= self.exact_limit

    def _frame_scores(self, Z, lengths):
        """Exact log-likelihood of every frame of ``Z`` (model space) given
        its past (float64)."""
        W, Bv, Bh = self._frame_rbms(Z, lengths)
        return frame_log_likelihood(Z, W, Bv, Bh, self._gaussian)

    def _frame_log_likelihood(self, X, lengths):
        """``(log p, var)`` of every frame given its past, in the data's space
        (float64): exact (``var`` zero) or with per-frame AIS."""
        Z = self._to_model_space(X)
        if self._exact:
            scores, var = self._frame_scores(Z, lengths), np.zeros(X.shape[0])
        else:
            W, Bv, Bh = self._frame_rbms(Z, lengths)
            log_z, var = sequence_log_partition_ais(
                X, W, Bv, Bh, lengths, self._gaussian,
                n_runs=self.ais_n_runs, n_temperatures=self.ais_n_temperatures,
                seed=self._score_seed, name=type(self).__name__,
            )
            scores = frame_unnormalised(Z, W, Bv, Bh, self._gaussian) - log_z
        if self._gaussian:  # the Jacobian of the standardization
            scores = scores - np.sum(np.log(self.std_.astype(np.float64)))
        return scores, var

    def score_samples(self, X, lengths=None, return_std=False, sequence_ids=None):
        """Log-likelihood of each sequence, in nats.

        Exact when ``n_components <= exact_limit`` (every frame's hidden
        states enumerated); otherwise an estimate: each frame's ``log Z_t``
        by its own forward AIS run (``ais_n_runs`` chains over
        ``ais_n_temperatures`` temperatures, annealed from the frame's
        visible biases alone), which overestimates the log-likelihood in
        expectation. The AIS draws are seeded by a seed fixed at ``fit`` and
        by each sequence's frames, so a sequence's score does not depend on
        the other sequences passed with it. ``score_kind_`` says which.

        Parameters
        ----------
        X : array-like of shape (n_frames, n_features)
            The frames of every sequence, one sequence after the other.
        lengths : array-like of int, default=None
            Frames per sequence (summing to ``n_frames``); None means that
            ``X`` is one sequence.
        return_std : bool, default=False
            Also return the standard error of each score: 0 when exact; with
            AIS, the square root of the sum over the sequence's frames of the
            variances of their ``log Z_t`` estimates (delta method).
        sequence_ids : array-like of shape (n_frames,), default=None
            Instead of ``lengths``: the sequence of each frame (consecutive
            rows per sequence).

        Returns
        -------
        log_likelihood : ndarray of shape (n_sequences,)
            ``sum_t log p(x_t | x_1, ..., x_{t-1})`` of each sequence.
        std : ndarray of shape (n_sequences,)
            Only when ``return_std=True``.
        """
        check_is_fitted(self)
        X, lengths = self._check_sequences(X, lengths, sequence_ids, reset=False)
        frames, var = self._frame_log_likelihood(X, lengths)
        starts = sequence_starts(lengths)
        scores = np.add.reduceat(frames, starts)
        return (scores, np.sqrt(np.add.reduceat(var, starts))) if return_std else scores

    def score(self, X, y=None, lengths=None, sequence_ids=None):
        """Mean log-likelihood per frame, in nats (higher is better).

        The total log-likelihood of the sequences divided by their number of
        frames (the "log-likelihood per time step" of the literature), not
        the mean of ``score_samples`` (which is per sequence).

        Parameters
        ----------
        X : array-like of shape (n_frames, n_features)
        y : None
            Ignored.
        lengths : array-like of int, default=None
            Frames per sequence; None (and no ``sequence_ids``) means one
            sequence.
        sequence_ids : array-like of shape (n_frames,), default=None
            Instead of ``lengths``: the sequence of each frame (consecutive
            rows per sequence); what model selection passes, per fold.

        Returns
        -------
        score : float
        """
        scores = self.score_samples(X, lengths, sequence_ids=sequence_ids)
        return float(np.sum(scores) / np.shape(X)[0])

    def _sampling_arguments(self, n_frames, n_sequences, n_gibbs_steps, random_state):
        check_is_fitted(self)
        for name, value in (("n_frames", n_frames), ("n_sequences", n_sequences),
                            ("n_gibbs_steps", n_gibbs_steps)):
            if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}.")
        return self._sampling_rng(n_frames, random_state)

    def _check_initial(self, initial):
        """Frames to continue from, validated, in the model's space (or None)."""
        if initial is None:
            return None
        initial = validate_data(self, initial, dtype=(np.float64, np.float32), reset=False)
        return self._to_model_space(initial)

    def _start_state(self, Bv, rng):
        """A first visible state for the Gibbs chain of a frame without a
        previous frame: a draw from the visible biases alone."""
        units = self._units()
        params = {"precision": np.ones(Bv.shape[1], Bv.dtype)} if self._gaussian else {}
        return units.sample(np.asarray(units.mean(Bv), dtype=Bv.dtype), rng, **params)


def _check_can_hold_out(lengths):
    if len(lengths) < 2:
        raise ValueError(
            f"early_stopping holds out whole sequences for validation and needs at "
            f"least 2 sequences; got {len(lengths)}. Pass lengths (or sequence_ids), "
            "or set early_stopping=False."
        )
