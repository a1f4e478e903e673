"""Base classes shared by every generative estimator.

:class:`GenerativeMixin` fixes the user's contract (``score`` is the mean of
``score_samples`` in nats, the ``sample`` signature, the kind of number
``score_samples`` returns). :class:`EpochLoopMixin` owns the training loop that
every iteratively-trained model shares: epochs, verbose progress, optional tqdm
bar, early stopping on a validation set, divergence detection and
interrupt-safety. :class:`TrainableMixin` owns ``fit`` and ``partial_fit``
on top of it (validate, initialise or warm start, validation split, BLAS-thread
policy, epochs). A model supplies a handful of hooks, as the estimators of
``sklearn.mixture`` do; ``doc/contributing.md`` lists them.
"""

import copy
import time
import warnings
from numbers import Integral

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.base import ClassifierMixin, DensityMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .utils._threads import blas_threads
from .utils.random import check_generator
from .utils.validation import user_stacklevel, validation_split

__all__ = [
    "GenerativeMixin", "EpochLoopMixin", "TrainableMixin", "FineTunedClassifierMixin", "SCORE_KINDS",
]

#: What ``score_samples`` returns: an exact log-likelihood, a stochastic
#: estimate of it (e.g. AIS or importance sampling, unbiased in p not in log p),
#: or a lower bound (variational).
SCORE_KINDS = ("exact", "estimate", "lower_bound")
#: Models without a tractable likelihood (GAN, GMMN) have no ``score_samples``;
#: their ``score`` is a sample-quality score (negative MMD to the data).
SCORE_KINDS += ("sample_quality",)
#: Models without a tractable likelihood (no ``score_samples``) whose
#: ``score`` is the mean denoising log-likelihood ``E log p(x | x~)``.
SCORE_KINDS += ("denoising",)


class GenerativeMixin(DensityMixin):
    """Mixin for generative models (density estimators that can sample).

    Subclasses implement ``score_samples(X)`` (log-likelihood of each row in
    nats) and ``sample(n_samples=1, *, random_state=None, ...)``; ``score`` is
    the mean log-likelihood, so ``GridSearchCV`` and ``cross_val_score`` select
    models by held-out likelihood without a ``scoring`` argument.

    The class attribute ``score_kind_`` says what ``score_samples`` returns: one
    of ``"exact"``, ``"estimate"`` or ``"lower_bound"``.
    """

    score_kind_ = "exact"

    def score(self, X, y=None):
        """Mean log-likelihood of the samples in nats (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        y : None
            Ignored, present for API consistency.

        Returns
        -------
        score : float
            ``score_samples(X).mean()``.
        """
        return float(np.mean(self.score_samples(X)))

    def _sampling_rng(self, n_samples, random_state, n_steps=None):
        """The preamble of every ``sample``: check fitted, ``n_samples`` (and
        ``n_steps`` of MCMC samplers); the generator to draw from (``None``
        continues ``random_state_``)."""
        check_is_fitted(self)
        for name, value in (("n_samples", n_samples), ("n_steps", n_steps)):
            if value is None and name == "n_steps":
                continue
            if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}.")
        return self.random_state_ if random_state is None else check_generator(random_state)


def _progress_bar(total, desc):
    """A tqdm bar if tqdm is installed, else None."""
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return tqdm(total=total, desc=desc, leave=False)


#: A parameter beyond this magnitude means training has diverged even while
#: it is finite (a Gaussian-pixel DBM at too large a step reached 1e163 with
#: finite parameters and chance-level features); no sensible data scale needs it.
DIVERGED_MAGNITUDE = 1e30


def _bounded(value):
    value = np.asarray(value)
    if not np.issubdtype(value.dtype, np.inexact):
        return True
    # abs() of NaN is NaN and compares False: the test catches NaN and inf too
    return bool(np.all(np.abs(value) <= DIVERGED_MAGNITUDE))


class EpochLoopMixin:
    """The shared training loop.

    Hooks a subclass provides:

    ``_state_names`` : tuple of str
        Names of the attributes that make up the trained state (parameters,
        persistent chains, optimizer state). They are snapshotted before each
        epoch so that a diverging epoch or a ``KeyboardInterrupt`` restores
        the last completed epoch.
    ``_parameter_names`` : tuple of str
        The subset checked for NaN/inf after each epoch.
    ``_run_epoch(X, y, rng, progress, *, shuffle)`` -> dict
        One pass over ``X`` (and the targets ``y`` of class-aware models, else
        None), in a random row order when ``shuffle`` else in the given order;
        returns statistics to print (e.g. ``{"reconstruction error": 0.05}``);
        a full-batch solver adds ``"converged": True`` to end the loop.
        Call ``progress(n_rows)`` after each batch to advance the optional bar.
    ``_validation_score(X_val, y_val)`` -> float
        Higher is better; used for verbose output and early stopping when a
        validation set is given.
    ``_begin_epoch(epoch, n_epochs)`` (optional)
        Called before each epoch (0-based index within this call), e.g. to
        set a learning-rate schedule.

    Fitted attributes it maintains: ``n_iter_`` (completed epochs) and
    ``validation_scores_`` (list, when a validation set is used).
    """

    _state_names = ()
    _parameter_names = ()

    def _snapshot(self):
        # one deepcopy (one memo) for the whole state: arrays that several
        # attributes share (a network and the optimizer stepping it) stay
        # shared after a restore; the estimator itself is not copied, so an
        # optimizer bound to one of its methods stays bound to it
        state = {name: getattr(self, name) for name in self._state_names}
        return copy.deepcopy(state, memo={id(self): self})

    def _restore(self, snapshot):
        for name, value in snapshot.items():
            setattr(self, name, value)

    def _begin_epoch(self, epoch, n_epochs):
        pass

    def _fit_epochs(
        self,
        X,
        n_epochs,
        rng,
        *,
        y=None,
        shuffle=True,
        X_val=None,
        y_val=None,
        tol=None,
        n_iter_no_change=10,
        verbose=0,
    ):
        """Run up to ``n_epochs`` epochs; returns the number actually run.

        Early stopping is on when ``X_val`` is given and ``tol`` is not None:
        training stops once the validation score has not improved by more than
        ``tol`` for ``n_iter_no_change`` epochs, and the best state is restored.
        """
        name = type(self).__name__
        early_stopping = X_val is not None and tol is not None
        best_score, best_state, stale = -np.inf, None, 0
        if not hasattr(self, "n_iter_"):
            self.n_iter_ = 0
        if X_val is not None and not hasattr(self, "validation_scores_"):
            self.validation_scores_ = []
        epochs_run = 0
        for epoch in range(1, n_epochs + 1):
            self._begin_epoch(epoch - 1, n_epochs)
            snapshot = self._snapshot()
            bar = _progress_bar(X.shape[0], f"{name} epoch {epoch}") if verbose >= 2 else None
            start = time.perf_counter()
            try:
                progress = bar.update if bar else _no_progress
                stats = self._run_epoch(X, y, rng, progress, shuffle=shuffle)
            except KeyboardInterrupt:
                self._restore(snapshot)
                warnings.warn(
                    f"{name}: training interrupted during epoch {epoch}; the "
                    f"parameters of the last completed epoch ({self.n_iter_} "
                    "epochs in total) were kept. Resume with warm_start=True or "
                    "partial_fit.",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
                raise
            finally:
                if bar is not None:
                    bar.close()
            elapsed = time.perf_counter() - start
            params = {n: getattr(self, n) for n in self._parameter_names}
            if not all(_bounded(v) for v in params.values()):
                self._restore(snapshot)
                raise FloatingPointError(
                    f"{name} diverged during epoch {self.n_iter_ + 1}: the "
                    "parameters became NaN, infinite or larger than "
                    f"{DIVERGED_MAGNITUDE:.0e} in magnitude. The parameters of the "
                    "last finite epoch were restored. Lower the learning rate "
                    "(or the momentum) and check that the data are scaled."
                )
            self.n_iter_ += 1
            epochs_run += 1
            if X_val is not None:
                score = float(self._validation_score(X_val, y_val))
                self.validation_scores_.append(score)
                stats = {**stats, "validation score": score}
            # a full-batch solver says when it has converged: no more epochs
            converged = bool(stats.pop("converged", False))
            if verbose:
                parts = ", ".join(f"{k} = {v:.4f}" for k, v in stats.items())
                print(f"[{name}] epoch {self.n_iter_}, {parts}, time = {elapsed:.2f}s")
            if early_stopping:
                if score > best_score + tol:
                    best_score, best_state, stale = score, self._snapshot(), 0
                else:
                    stale += 1
                    if stale >= n_iter_no_change:
                        if verbose:
                            print(
                                f"[{name}] validation score did not improve by "
                                f"more than tol={tol} for {n_iter_no_change} "
                                "epochs: stopping, best state restored."
                            )
                        self._restore(best_state)
                        return epochs_run
            if converged:
                if verbose:
                    print(f"[{name}] converged after {self.n_iter_} iterations.")
                break
        if early_stopping and best_state is not None and stale > 0:
            self._restore(best_state)
        return epochs_run


def _no_progress(n):
    return None


class TrainableMixin(EpochLoopMixin):
    """``fit`` and ``partial_fit`` of every iteratively trained estimator.

    The template is the same for every model: validate the data, initialise
    the parameters (unless warm-starting), hold out a validation split when
    early stopping is on, limit the BLAS threads, and run the epochs through
    :class:`EpochLoopMixin` (divergence and interrupt safety, verbose output,
    early stopping). ``partial_fit`` is one in-order pass over its block that
    keeps every piece of state (parameters, chains, optimizer, random stream)
    and never changes a hyperparameter.

    Hooks a model provides (besides those of :class:`EpochLoopMixin`):

    ``_check_training_data(X, y, *, reset)`` -> (X, y)
        Validate (``validate_data``; labels for classifiers), warn on
        out-of-support values; must not change the model when it raises.
    ``_initialize(X, y, rng, *, partial)`` (required)
        Create the fitted state from the first data seen (``partial`` is True
        on a first ``partial_fit``: e.g. no greedy pretraining). Set
        ``n_iter_ = 0``. ``random_state_`` is set before the call.
    ``_is_initialized()`` -> bool
        Whether the fitted state exists (default: ``hasattr(self, "n_iter_")``).
    ``_training_data(X, y)`` -> (X, y)
        The arrays the epochs see (e.g. cast to the fitted dtype); identity by
        default.
    ``_max_epochs()`` -> int
        Epochs ``fit`` runs (default: ``self.max_iter``).
    ``_blas_work(X)`` -> int or None
        Multiply-adds of the largest per-step product, for the thread policy
        (:func:`skgenerative.utils._threads.blas_threads`); None = small.
    ``_validation_split(X, y, rng)`` -> (X, y, X_val, y_val)
        The early-stopping split of the arrays of ``_training_data``
        (default: ``validation_fraction`` of the rows; sequence models hold
        out whole sequences).

    Hyperparameters it reads when the model has them: ``warm_start``,
    ``shuffle`` (default True), ``early_stopping``, ``validation_fraction``,
    ``tol``, ``n_iter_no_change``, ``verbose``, ``random_state``.
    """

    # ---------------------------------------------------------------- hooks
    def _is_initialized(self):
        return hasattr(self, "n_iter_")

    def _check_training_data(self, X, y, *, reset):
        raise NotImplementedError

    def _initialize(self, X, y, rng, *, partial):
        raise NotImplementedError

    def _training_data(self, X, y):
        return X, y

    #: attribute names of the optimizers a warm start keeps (see
    #: ``_continue_initialization``)
    _warm_optimizers = ()

    def _continue_initialization(self, X, y, rng):
        """A warm-started ``fit`` calls this instead of ``_initialize``.

        The optimizers named in ``_warm_optimizers`` keep their state (Adam's
        moments) and take the current ``_learning_rate()``, so a schedule can
        be set between fits. Models whose initialisation is itself training,
        as greedy pretraining, continue it here.
        """
        for name in self._warm_optimizers:
            optimizer = getattr(self, name, None)
            if optimizer is not None:
                optimizer.learning_rate = self._learning_rate()

    def _learning_rate(self):
        """The step size the optimizers take (``learning_rate`` resolved)."""
        return self.learning_rate

    def _max_epochs(self):
        return self.max_iter

    def _blas_work(self, X):
        return None

    # ------------------------------------------------------------- template
    def _fit(self, X, y=None):
        """Validate, initialise (unless warm), train for ``_max_epochs()``."""
        warm = getattr(self, "warm_start", False) and self._is_initialized()
        # a warm start keeps the fitted feature count: other data is an error
        X, y = self._check_training_data(X, y, reset=not warm)
        if not warm:
            self.random_state_ = check_generator(self.random_state)
            self._initialize(X, y, self.random_state_, partial=False)
            # a new fit starts a new history (warm starts append to it)
            self.__dict__.pop("validation_scores_", None)
        else:
            self._continue_initialization(X, y, self.random_state_)
        rng = self.random_state_
        X, y = self._training_data(X, y)
        X_val = y_val = None
        early_stopping = getattr(self, "early_stopping", False)
        if early_stopping:
            X, y, X_val, y_val = self._validation_split(X, y, rng)
        with blas_threads(self._blas_work(X)):
            self._fit_epochs(
                X, self._max_epochs(), rng, y=y, shuffle=getattr(self, "shuffle", True),
                X_val=X_val, y_val=y_val, tol=self.tol if early_stopping else None,
                n_iter_no_change=getattr(self, "n_iter_no_change", 10),
                verbose=self.verbose,
            )
        return self

    def _validation_split(self, X, y, rng):
        """``(X, y, X_val, y_val)``: the held-out rows of early stopping
        (``validation_fraction`` of the rows, stratified for classifiers);
        the arrays are those of ``_training_data``."""
        train, val = validation_split(
            X.shape[0], self.validation_fraction, rng,
            y=y if self._stratify_validation else None,
        )
        y_val = None
        X, X_val = X[train], X[val]
        if y is not None:
            y, y_val = y[train], y[val]
        return X, y, X_val, y_val

    def _partial_fit(self, X, y=None):
        """One pass over the block ``X`` in minibatches, in order (no shuffle).

        The first call initialises from its block; later calls keep the
        parameters, chains, optimizer and random stream, so a sequence of
        blocks gives the same model as one epoch of ``fit`` over the same
        batches in the same order. A call that raises leaves the model as it
        was (validation comes first; a diverging pass is rolled back; a
        first call that fails leaves the estimator unfitted). An interrupted
        call keeps the last completed epoch, as ``fit`` does.
        """
        first = not self._is_initialized()
        unfitted = set(vars(self)) if first else None
        try:
            X, y = self._check_training_data(X, y, reset=first)
            if first:
                self.random_state_ = check_generator(self.random_state)
                self._initialize(X, y, self.random_state_, partial=True)
            X, y = self._training_data(X, y)
            with blas_threads(self._blas_work(X)):
                self._fit_epochs(
                    X, 1, self.random_state_, y=y, shuffle=False, verbose=self.verbose
                )
        except Exception:
            if first:  # drop what the failed first call created
                for name in set(vars(self)) - unfitted:
                    delattr(self, name)
            raise
        return self

    #: classifiers hold out every class's share of the rows
    _stratify_validation = False


class FineTunedClassifierMixin(ClassifierMixin, TrainableMixin):
    """The class-aware estimators (DBN, DBM and MP-DBM classifiers).

    Validates ``(X, y)``, keeps ``classes_`` (sorted unique labels, as
    ``LabelEncoder``), trains on class codes ``0 .. n_classes - 1``, holds
    out a stratified validation split for early stopping, and derives
    ``predict`` and ``predict_log_proba`` from one hook:

    ``_class_scores(X)`` -> (scores, "logits" or "proba")
        Per-class logits (softmax-normalised here) or probabilities of the
        validated rows ``X``.

    A model's ``_initialize`` calls ``self._set_classes(y)`` first.
    """

    _stratify_validation = True

    def _check_training_data(self, X, y, *, reset):
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        classes = np.unique(y)
        if reset and len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; got one "
                f"class ({classes[0]!r})."
            )
        return X, y

    def _set_classes(self, y):
        self.classes_ = np.unique(y)

    def _training_data(self, X, y):
        return X, np.searchsorted(self.classes_, y)

    def _check_predict_data(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=(np.float64, np.float32))

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``.
        """
        X = self._check_predict_data(X)
        with blas_threads():
            scores, kind = self._class_scores(X)
        return softmax(scores, axis=1) if kind == "logits" else scores

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba` (from the logits, stably, where
        the model has logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._check_predict_data(X)
        with blas_threads():
            scores, kind = self._class_scores(X)
        if kind == "logits":
            return log_softmax(np.asarray(scores, dtype=np.float64), axis=1)
        with np.errstate(divide="ignore"):
            return np.log(scores)

    def predict(self, X):
        """Most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # checks fitted first
        return self.classes_[np.argmax(proba, axis=1)]
