"""What the denoising models (DAE, GSN) share: corruption, the chain's start,
``sample`` and ``impute`` by the (clamped) chain, and the denoising score.

A model supplies ``sample`` (over ``_chain_sample``),
``_run_chain(X, free, n_steps, rng, mean, return_output=False)`` (steps of
its chain from ``X``, resampling the units where ``free`` is True, every
unit when ``free`` is None; with ``return_output`` also the last step's
reconstruction parameters), ``_score_rows(rows, rng)`` (the training criterion's
per-row log-likelihoods of copies of one row, with noise from ``rng``) and
``_codes(X)`` (the features of :meth:`transform`).
"""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import GenerativeMixin
from ..nn._estimator import NetworkTrainingMixin
from ..nn import make_head
from ..utils._threads import blas_threads
from ..utils.random import row_generators
from ..utils.validation import check_missing_mask, is_binary, warn_if_not_binary
from ._conditioning import condition_components, pseudo_gibbs
from ._corruption import NOISES, check_noise_level, corrupt

__all__ = []

#: ``noise_level="auto"`` per corruption (the fraction of units hidden, or
#: corrupted, or the Gaussian noise's standard deviation on [0, 1] data)
_AUTO_NOISE_LEVEL = {"missing": 0.5, "salt_pepper": 0.2, "mask": 0.2, "gaussian": 0.2}

#: The hyperparameters every denoising model has (each adds its own).
_COMMON_CONSTRAINTS = {
    "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
    "decoder_layer_sizes": ["array-like"],
    "activation": [StrOptions({"sigmoid", "tanh", "relu", "softplus"})],
    "likelihood": [StrOptions({"bernoulli", "gaussian"})],
    "min_variance": [Interval(numbers.Real, 0, None, closed="neither")],
    "noise": [StrOptions(set(NOISES))],
    "noise_level": [Interval(numbers.Real, 0, None, closed="neither")],
    "walkback": [Interval(numbers.Integral, 1, None, closed="left")],
    "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
    "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
    "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
    "n_score_samples": [Interval(numbers.Integral, 1, None, closed="left")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
    "tol": [Interval(numbers.Real, 0, None, closed="left")],
    "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
    "dtype": [None, type, np.dtype, str],
    "warm_start": ["boolean"],
    "verbose": ["verbose"],
    "random_state": ["random_state", np.random.Generator],
}


class _DenoisingChainMixin(GenerativeMixin, NetworkTrainingMixin):
    score_kind_ = "denoising"

    #: ``noise_level="auto"`` of this model, per corruption.
    _auto_noise_levels = _AUTO_NOISE_LEVEL

    @property
    def _head(self):
        return make_head(self.likelihood, min_variance=self.min_variance)

    @property
    def _n_features_out(self):
        return self.n_components

    def _corrupt(self, X, rng):
        return corrupt(X, self.noise_, self.noise_level_, rng)

    def _resolve_noise(self, X):
        """Set ``noise_`` and ``noise_level_``, the corruption the model
        trains with: ``"auto"`` is resolved from the training data ``X``
        (``"missing"`` at 0.5 for binary data; grey levels take 0.5 as a real
        value, so ``"salt_pepper"`` at 0.2 for other data)."""
        noise = self.noise
        if noise == "auto":
            noise = "missing" if is_binary(X) else "salt_pepper"
        level = self.noise_level
        if isinstance(level, str):  # "auto"
            level = self._auto_noise_levels[noise]
        check_noise_level(noise, level)
        self.noise_, self.noise_level_ = noise, float(level)

    def _init_base(self, X, decoder):
        """Per-unit moments of the data (the chains' start) and the decoder's
        output bias at the data's base rate."""
        self.base_mean_ = X.mean(axis=0, dtype=np.float64)
        self.base_var_ = X.var(axis=0, dtype=np.float64)
        b = decoder.params[decoder.layers[-1].bias_key]
        b[:] = self._head.base_rate_bias(self.base_mean_, self.base_var_)

    def _validation_score(self, X_val, y_val):
        return float(np.mean(self._denoising_scores(X_val)))

    def _check_support(self, X):
        if self.likelihood == "bernoulli":
            warn_if_not_binary(
                X, what=f"{type(self).__name__} with a Bernoulli reconstruction",
            )

    # -- scores and features -----------------------------------------------

    def _denoising_scores(self, X):
        """The training criterion per row, averaged over ``n_score_samples``
        noise draws from the row's own generator (deterministic, independent
        of the other rows)."""
        m = self.n_score_samples
        scores = np.empty(X.shape[0])
        with blas_threads():
            for i, gen in enumerate(row_generators(X, self.score_seed_)):
                scores[i] = self._score_rows(np.repeat(X[i : i + 1], m, axis=0), gen).mean()
        return scores

    def score(self, X, y=None):
        """Mean denoising log-likelihood in nats (higher is better).

        The model's training criterion (see the class's Notes), not
        ``log p(x)``: these models have no tractable likelihood
        (``score_kind_ = "denoising"``). Deterministic: the noise is seeded
        per row from ``score_seed_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        return float(np.mean(self._denoising_scores(X)))

    def transform(self, X):
        """The codes of the clean rows: a DAE's encoder output ``f(x)``, a
        GSN's first latent state ``f([x, 0])`` (no noise).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        with blas_threads():
            return self._codes(X)

    # -- sampling ----------------------------------------------------------

    def _chain_start(self, n, rng):
        """Independent draws with the base-rate moments of the training data."""
        p = self.base_mean_.shape[0]
        if self.likelihood == "bernoulli":
            return (rng.random((n, p)) < self.base_mean_).astype(self.dtype_)
        noise = rng.standard_normal((n, p)) * np.sqrt(self.base_var_)
        return (self.base_mean_ + noise).astype(self.dtype_)

    def _chain_sample(self, n_samples, n_steps, random_state, mean):
        """``n_samples`` chains of ``n_steps`` from base-rate draws (the
        models' ``sample`` documents it)."""
        n_steps = self.n_steps if n_steps is None else n_steps
        rng = self._sampling_rng(n_samples, random_state, n_steps)
        with blas_threads():
            return self._run_chain(self._chain_start(n_samples, rng), None, n_steps, rng, mean)

    #: The methods of :meth:`impute` besides ``"auto"``.
    _impute_methods = ("importance", "chain", "gibbs")

    def _auto_impute_method(self):
        return "gibbs" if self.noise_ == "missing" else "importance"

    def _gibbs_impute(self, X, mask, n_steps, rng, mean):
        if self.noise_ != "missing":
            raise ValueError(
                "impute(method='gibbs') needs a model trained with noise='missing' "
                f"(its conditionals given random hidden units); this one was trained with noise={self.noise_!r}."
            )
        return pseudo_gibbs(self._gibbs_reconstruction(X.shape[0], rng), self._head, X, mask,
                            self.noise_level_, n_steps, rng, mean)

    def impute(self, X, mask=None, *, method="auto", n_steps=None, n_samples=5000,
               random_state=None, mean=False):
        """Fill in missing values from the chain's conditional (§20.11.2).

        ``method="importance"`` conditions the chain's stationary
        distribution exactly, up to Monte Carlo error: ``n_samples`` free
        chains of ``n_steps`` give the components ``p(x | omega_s)`` of the
        reconstruction distribution's last step, whose mixture is the
        stationary distribution; each row weights them by the likelihood of
        its observed units, ``w_s ~ p(x_o | omega_s)``, and fills its missing
        units from the weighted mixture (see Notes). ``method="chain"`` runs
        the clamped chain: the observed units stay clamped, the missing ones
        start from base-rate draws and are resampled by ``n_steps`` steps
        (the whole state is corrupted and reconstructed at each step); it
        samples the conditional only approximately (the chain lacks detailed
        balance). ``method="gibbs"`` (models trained with
        ``noise="missing"``) runs pseudo-Gibbs sampling with the learned
        conditionals: every step hides a random share ``noise_level_`` of the
        missing units and redraws them from the reconstruction, the
        observed units staying visible (see
        ``skgenerative.denoising._conditioning.pseudo_gibbs``); a GSN
        carries its latent state from step to step, as its chain does,
        restarting it every ``walkback`` steps (the training walks' length).
        ``method="auto"`` (default) is ``"gibbs"`` for a model trained with
        ``noise="missing"``, else ``"importance"``.

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
            Entries where ``mask`` is True are ignored (they may be NaN).
        mask : array-like of bool of shape (n_samples_X, n_features), default=None
            True where a value is missing; None means the NaN entries of
            ``X`` (as scikit-learn's imputers).
        method : {"auto", "importance", "chain", "gibbs"}, default="auto"
        n_steps : int, default=None
            Steps of every chain; None uses ``self.n_steps``.
        n_samples : int, default=5000
            ``"importance"`` only: free chains (mixture components) shared
            by all rows.
        random_state : None, int or Generator
            None continues the fitted stream ``random_state_``.
        mean : bool, default=False
            Return the conditional mean of the missing units (``"importance"``:
            ``sum_s w_s E[x_m | omega_s]``; ``"chain"``: the last step's
            reconstruction mean; ``"gibbs"``: the average of the
            reconstruction means over the steps, the chain's marginals)
            instead of a draw. Thresholding the marginals at 1/2 minimises
            the expected number of wrong binary units.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples_X, `n_features_in_`)
            Observed values unchanged, missing values filled in.

        Notes
        -----
        With factorised reconstruction distributions the conditional of the
        mixture ``sum_s p(x | omega_s) / N`` given ``x_o`` is the mixture
        ``sum_s w_s p(x_m | omega_s)``, ``w_s ~ p(x_o | omega_s)``:
        importance weighting of the components, with the soft kernel that
        approximate Bayesian computation (§20.13) would approximate by
        rejecting draws whose observed units differ. On binarized digits
        with the right or left half missing it imputes better than the
        clamped chain (``benchmarks/README.md``); with few components for
        many observed units the weights concentrate on few components.
        """
        if method not in ("auto", *self._impute_methods):
            raise ValueError(
                f"method must be one of {('auto', *self._impute_methods)}; got {method!r}."
            )
        n_steps = self.n_steps if n_steps is None else n_steps
        check_is_fitted(self)
        if method == "auto":
            method = self._auto_impute_method()
        X, mask = check_missing_mask(X, mask, self.n_features_in_, self.dtype_)
        if method == "gibbs":
            rng = self._sampling_rng(max(X.shape[0], 1), random_state, n_steps)
            with blas_threads():
                return self._gibbs_impute(X, mask, n_steps, rng, mean)
        if method == "chain":
            rng = self._sampling_rng(max(X.shape[0], 1), random_state, n_steps)
            X[mask] = self._chain_start(X.shape[0], rng)[mask]
            with blas_threads():
                return self._run_chain(X, mask, n_steps, rng, mean)
        rng = self._sampling_rng(n_samples, random_state, n_steps)
        with blas_threads():
            draws, out = self._run_chain(self._chain_start(n_samples, rng), None, n_steps, rng,
                                         False, return_output=True)
            return condition_components(self._head, X, mask, draws, out, rng, mean)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
