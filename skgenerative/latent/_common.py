"""Pieces shared by the directed latent-variable estimators."""

import copy
import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from threadpoolctl import threadpool_limits

from ..nn import logsumexp_rows
from ..utils.random import check_generator, draw_seed
from ..utils.validation import resolve_dtype

__all__ = ["generate_samples"]


class _NetworkStateMixin:
    """Snapshot/restore of networks that share arrays with one optimizer.

    The encoder, decoder and optimizer hold the *same* parameter arrays; the
    default per-attribute copy of :class:`~skgenerative.base.EpochLoopMixin`
    would break that sharing on restore, so the state is deep-copied in one
    call (one memo) here.
    """

    def _snapshot(self):
        return copy.deepcopy({name: getattr(self, name) for name in self._state_names})

    @property
    def _parameter_vector(self):
        """All trainable parameters, concatenated (for the divergence check)."""
        return np.concatenate([np.ravel(v) for v in self.optimizer_.params.values()])

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

    def _minibatch_pass(self, X, order, rng, progress=None):
        """One optimizer step per minibatch of ``X`` in ``order``; returns the
        summed training bound. Models supply ``_batch_bound_and_grads``."""
        total = 0.0
        for idx in _batches(X.shape[0], self.batch_size, order):
            bound, grads = self._batch_bound_and_grads(X[idx], rng)
            self.optimizer_.step(grads)
            total += float(np.sum(bound))
            if progress is not None:
                progress(len(idx))
        return total

    def _run_epoch(self, X, rng, progress):
        # partial_fit passes over its block in the given order
        order = None if getattr(self, "_in_order", False) else rng.permutation(X.shape[0])
        total = self._minibatch_pass(X, order, rng, progress)
        return {"training bound": total / X.shape[0]}

    def _partial_fit(self, X):
        """One in-order pass over ``X``, keeping optimizer and random state,
        through the shared epoch loop: a diverging or interrupted pass restores
        the previous parameters."""
        fitted = self._is_fitted()
        if not fitted:
            self._validate_params()
        X = self._validate_X(X, reset=not fitted)
        self._check_support(X)
        if not fitted:
            self._initialize(X)
        self._in_order = True
        try:
            with _blas_single_thread():
                self._fit_epochs(X, 1, self.random_state_, verbose=self.verbose)
        finally:
            del self._in_order
        return self

    def _continue_rng(self, random_state):
        if random_state is None:
            return self.random_state_
        return check_generator(random_state)


def _blas_single_thread():
    """One BLAS thread for the small GEMMs of minibatch training and scoring.

    Measured here (2 cores, shared): an IWAE epoch on digits went from 0.64 s
    with two OpenBLAS threads to 0.05 s with one; parallelism belongs across
    independent fits (joblib), not inside 100-row GEMMs.
    """
    return threadpool_limits(limits=1, user_api="blas")


def _batches(n, batch_size, perm=None):
    idx = np.arange(n) if perm is None else perm
    for start in range(0, n, batch_size):
        yield idx[start : start + batch_size]


def _base_seed(random_state, default):
    """An int seed: ``default`` for None, the int itself, or a draw from a generator."""
    if random_state is None:
        return int(default)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return draw_seed(check_generator(random_state))


def _importance_log_mean(log_w):
    """``log (1/k) sum_i exp(log_w[i])`` per column of a (k, n) array."""
    k = log_w.shape[0]
    return logsumexp_rows(log_w.T) - np.log(k)


def _normalised_weights(log_w):
    """Self-normalised importance weights over axis 0 of a (k, n) array (float64)."""
    w = np.exp(log_w - log_w.max(axis=0, keepdims=True))
    return w / w.sum(axis=0, keepdims=True)


def generate_samples(model, n_samples=1, *, random_state=None, batch_size=1000, mean=False):
    """Sample a fitted directed model by pushing noise through its generator net.

    The generator-net view of §20.10.2: draw the code from the model's prior,
    map it through the decoder ``g`` (eq. 20.74), then draw ``x`` from
    ``p(x | g(z))`` (or return the mean of that distribution). Work is done in
    batches of ``batch_size`` codes so memory stays bounded.

    Parameters
    ----------
    model : fitted VAE, IWAE or SigmoidBeliefNet
        Any estimator with ``_sample_prior(n, rng)`` and
        ``_generate_from_code(code, rng, mean)``.
    n_samples : int, default=1
    random_state : None, int or Generator
        None continues the model's own stream (``model.random_state_``).
    batch_size : int, default=1000
    mean : bool, default=False
        Return ``E[x | code]`` of the last layer instead of a draw.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features_in_)

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.latent import VAE, generate_samples
    >>> X = (np.random.default_rng(0).random((50, 6)) < 0.3).astype(float)
    >>> vae = VAE(n_components=2, encoder_layer_sizes=(8,), decoder_layer_sizes=(8,),
    ...           max_iter=2, random_state=0).fit(X)
    >>> generate_samples(vae, 5, random_state=0).shape
    (5, 6)
    """
    check_is_fitted(model)
    n_samples = int(n_samples)
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1; got {n_samples}.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}.")
    rng = model.random_state_ if random_state is None else check_generator(random_state)
    parts = []
    for start in range(0, n_samples, batch_size):
        m = min(batch_size, n_samples - start)
        code = model._sample_prior(m, rng)
        parts.append(model._generate_from_code(code, rng, mean))
    return np.concatenate(parts, axis=0)
