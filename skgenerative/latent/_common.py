"""Pieces shared by the directed latent-variable estimators."""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils._monte_carlo import log_mean_exp_and_std
from ..utils.random import check_generator, draw_seed, row_generators

__all__ = ["generate_samples"]

class _ImportanceScoreMixin:
    """``score_samples`` and ``importance_bound`` of the models scored by
    importance sampling from their recognition model ``q(h | x)``.

    A model supplies ``_importance_log_weights(X, k, seed)``: the log weights
    ``log p(x, h_j) - log q(h_j | x)`` of shape ``(k, n_samples)``, each row's
    ``k`` samples drawn from its own generator (``utils.random.row_generators``).
    """

    def importance_bound(self, X, n_importance=None, *, random_state=None, return_std=False):
        """The k-sample importance-weighted bound ``log (1/k) sum_j w_j`` (eq. 20.79).

        One draw of ``k`` samples ``h_j ~ q(h | x)`` per row, with weights
        ``w_j = p(x, h_j) / q(h_j | x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        n_importance : int, default=None
            ``k``; None uses ``n_importance_samples``.
        random_state : None, int or Generator
            Base seed of the per-row samples; None uses ``score_seed_``
            (deterministic).
        return_std : bool, default=False
            Also return the Monte Carlo standard error of each value.

        Returns
        -------
        bound : ndarray of shape (n_samples,)
            float64, nats. Its expectation increases with ``k`` towards
            ``log p(x)``; with ``k = 1`` it is an unbiased estimate of the
            variational bound (the ELBO).
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``: the delta-method standard error
            ``sqrt(var(w) / k) / mean(w)`` of ``bound`` as an estimate of
            ``log p(x)`` (see
            :func:`skgenerative.utils._monte_carlo.log_mean_exp_and_std`).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        k = self.n_importance_samples if n_importance is None else int(n_importance)
        if k < 1:
            raise ValueError(f"n_importance must be >= 1; got {k}.")
        log_w = self._importance_log_weights(X, k, _base_seed(random_state, self.score_seed_))
        bound, std = log_mean_exp_and_std(log_w)
        return (bound, std) if return_std else bound

    def score_samples(self, X, return_std=False):
        """Importance-sampled estimate of ``log p(x)`` per row, in nats.

        ``log (1/k) sum_j p(x, h_j) / q(h_j | x)`` with ``k =
        n_importance_samples`` samples from the recognition model, seeded per
        row from ``score_seed_`` (stored at fit) and the row's values: the
        result is deterministic and does not depend on the other rows or
        their order. A lower bound on ``log p(x)`` in expectation
        (``score_kind_ = "estimate"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the Monte Carlo standard error of each estimate.

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            The estimates (float64).
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``: the estimated standard error of
            ``log_prob[i]`` as an estimate of ``log p(x_i)``, by the delta
            method on the ``k`` importance weights: ``sqrt(var(w) / k) /
            mean(w)``. It shrinks like ``1 / sqrt(k)``; it measures the
            sampling noise, not the bias of a poor ``q`` (which makes the
            estimate low and the weights heavy-tailed).
        """
        return self.importance_bound(X, return_std=return_std)


#: rows x importance samples drawn and scored per block
_SCORE_BLOCK = 20_000


def _row_draw_blocks(X, k, width, seed, draw):
    """Blocks of rows of ``X`` with their importance-sampling noise.

    Yields ``(rows, noise)`` with ``noise`` of shape ``(k, len(rows), width)``
    (float64), at most about ``_SCORE_BLOCK`` row-draws per block. Each row's
    ``k`` draws come from its own generator (``utils.random.row_generators``:
    the seed and the row's values), so a row's score depends neither on the
    other rows nor on their order. ``draw(generator, shape)`` draws, e.g.
    ``np.random.Generator.standard_normal``.
    """
    for idx in _batches(X.shape[0], max(1, _SCORE_BLOCK // k)):
        gens = row_generators(X[idx], seed)
        yield idx, np.stack([draw(g, (k, width)) for g in gens], axis=1)


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
    X : ndarray of shape (n_samples, `n_features_in_`)

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
