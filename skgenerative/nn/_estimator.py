"""The estimator side of networks trained by minibatch gradient ascent.

:class:`NetworkTrainingMixin` joins the fit template of
:class:`skgenerative.base.TrainableMixin` to :func:`minibatch_epoch`: the
directed latent-variable models, the denoising chains and the diffusion
model are sets of hooks on it.
"""

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils.validation import validate_data

from ..base import TrainableMixin
from ..utils.validation import resolve_dtype
from ._training import minibatch_epoch

__all__ = ["NetworkTrainingMixin"]

class NetworkTrainingMixin(TrainableMixin):
    """``fit``/``partial_fit`` of the models trained by minibatch gradient ascent.

    The template of :class:`~skgenerative.base.TrainableMixin` runs the
    training; a model supplies ``_initialize(X, y, rng, *, partial)``,
    ``_batch_bound_and_grads(X_batch, rng)`` (per-row training bound and the
    gradients of its batch mean, keyed like ``optimizer_.params``),
    ``_validation_score(X_val, y_val)`` and ``_check_support(X)``.

    The optimizer ``optimizer_`` reaches the networks' parameter arrays
    through a bound method of the estimator (see
    :mod:`skgenerative.nn._optimizers`), so pickling, joblib and the
    snapshots of :class:`~skgenerative.base.EpochLoopMixin` keep it stepping
    the arrays the model reads.
    """

    @property
    def _parameter_vector(self):
        """All trainable parameters, concatenated (for the divergence check)."""
        return np.concatenate([np.ravel(v) for v in self.optimizer_.params.values()])

    _warm_optimizers = ("optimizer_",)

    def _is_initialized(self):
        return hasattr(self, "optimizer_")

    def __sklearn_is_fitted__(self):
        return self._is_initialized()

    def _validate_X(self, X, *, reset):
        """Dense, finite, 2-D input in the compute dtype (fitted dtype after fit)."""
        if reset:
            dtype = resolve_dtype(self.dtype, X)
        else:
            dtype = self.dtype_
        X = validate_data(
            self, X, reset=reset, dtype=[np.float64, np.float32], accept_sparse=False
        )
        return np.ascontiguousarray(X, dtype=dtype)

    def _check_training_data(self, X, y, *, reset):
        X = self._validate_X(X, reset=reset)
        self._check_support(X)
        return X, None

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        order = rng.permutation(X.shape[0]) if shuffle else None

        def bound(X_batch, y_batch):
            return self._batch_bound_and_grads(X_batch, rng)

        mean = minibatch_epoch(
            X, None, order, self.batch_size, bound, self.optimizer_,
            gradients="mean", progress=progress,
        )
        return {"training bound": mean}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the networks on ``X`` for ``max_iter`` epochs.

        Adam on the model's training objective (see the class docstring),
        in minibatches of ``batch_size`` rows in a random order per epoch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (binary or in [0, 1] for Bernoulli units).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One pass over ``X`` in order, in batches of ``batch_size``.

        Keeps the optimizer state (and NVIL's baseline) and the random
        stream between calls, so successive calls continue one trajectory.
        A call that raises leaves a fitted model as it was: bad input is
        rejected first, and a diverging pass restores the previous
        parameters and raises ``FloatingPointError``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A block of training data.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._partial_fit(X)
