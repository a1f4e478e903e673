"""Inference in a fitted DBM: mean field, block Gibbs, features, imputation
and sampling (eqs. 20.33-20.34; the training is in ``_dbm.py``). What depends
on the visible unit type is done by the unit type (``_visible_units``)."""


import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils.random import check_generator
from . import _kernels
from ._mean_field import _as_tuple, kernel_weights, mean_field


class _DBMInference:
    """The inference methods of :class:`~skgenerative.boltzmann.DBM` (a mixin;
    it reads the fitted parameters the estimator holds)."""

    def _mean_field(self, V, observed=None, labels=None):
        """Mean field of every layer; a DBM fitted with labels has its label
        layer last, clamped to the one-hot ``labels`` if given, else free."""
        Ws, bs, top = self._energy_layers(clamped=labels is not None)
        return mean_field(
            V, Ws, bs,
            n_iter=self.n_mean_field_iter, tol=self.tol, observed=observed,
            visible=self._visible_units, top=top, labels=labels, **self._visible_params(),
        )

    def _gibbs(self, S, observed, n_steps, rng, clamped=False):
        """Block-Gibbs sweeps in place on the states ``S`` (a tuple; the
        label layer last, sampled unless ``clamped``, if fitted with labels)."""
        dtype = S[0].dtype
        units, params = self._visible_units, self._visible_params()
        Ws, bs, top = self._energy_layers(clamped)
        Ws = kernel_weights(Ws, units, params, dtype)
        bs = _as_tuple(bs, dtype)
        _kernels._gibbs_dbm(S, Ws, bs, observed, int(n_steps), rng,
                            units.kernel_layer(dtype, **params), top)

    def _label_states(self, P, rng):
        """One-hot label states drawn from the rows of ``P`` (a DBM fitted
        with labels; none otherwise)."""
        if not self._labelled():
            return []
        codes = (rng.random((P.shape[0], 1)) * P.sum(axis=1, keepdims=True)
                 < np.cumsum(P, axis=1)).argmax(axis=1)
        S = np.zeros(P.shape, dtype=self.components_[0].dtype)
        S[np.arange(P.shape[0]), codes] = 1
        return [S]

    def _fresh_visibles(self, n, rng):
        """Visible states of the base model: training marginals (binary),
        ``N(base_rate_, 1 / precision_)`` (Gaussian), category frequencies
        (categorical)."""
        return self._visible_units.chain_start(n, self.base_rate_, rng,
                                               self.components_[0].dtype,
                                               **self._visible_params())

    def _transform_width(self, sizes):
        if self.transform_layer is None:
            return int(sum(sizes))
        return sizes[self._layer_index(len(sizes)) - 1]

    def _layer_index(self, L):
        k = self.transform_layer
        if k < 0:
            k = L + 1 + k
        if not 1 <= k <= L:
            raise ValueError(
                f"transform_layer must be in 1..{L} or -{L}..-1 (hidden layers); got "
                f"{self.transform_layer}."
            )
        return k

    def mean_field_posterior(self, X):
        """Mean-field posterior means of every hidden layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Q : list of ndarray
            One (n_samples, n_l) array per hidden layer, bottom to top.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        Q, _ = self._mean_field(self._visible_values(X))
        return Q[1:len(self.intercepts_)]

    def transform(self, X):
        """Mean-field posterior of the hidden layer ``transform_layer`` (or of
        all hidden layers, concatenated).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
        """
        Q = self.mean_field_posterior(X)
        if self.transform_layer is None:
            return np.hstack(Q)
        return Q[self._layer_index(len(Q)) - 1]

    def impute(self, X, mask, *, method="mean_field", n_steps=1000, random_state=None):
        """Fill in missing visible values given the observed ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; entries where ``mask`` is True are ignored (they may be NaN).
        mask : array-like of bool, shape (n_samples, n_features)
            True where a value is missing.
        method : {"mean_field", "gibbs"}, default="mean_field"
            ``"mean_field"`` returns the mean-field probabilities of the
            missing units (their conditional means ``b_0 + W_0^T q_1`` for
            Gaussian visibles, the most probable category of their factor
            for categorical visibles), observed units clamped; ``"gibbs"``
            returns a sample from p(missing | observed) after ``n_steps``
            block-Gibbs sweeps with the observed units clamped.
        n_steps : int, default=1000
        random_state : int, Generator or None
            For ``"gibbs"``; None continues the estimator's stream.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features)
            Observed values unchanged, missing values filled in.
        """
        check_is_fitted(self)
        mask = np.asarray(mask, dtype=bool)
        X = np.array(X, dtype=self.components_[0].dtype)
        if X.ndim != 2 or mask.shape != X.shape or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X and mask must both have shape (n_samples, {self.n_features_in_}); "
                f"got {X.shape} and {mask.shape}."
            )
        if not np.all(np.isfinite(X[~mask])):
            raise ValueError("Observed entries of X (mask False) must be finite.")
        units, params = self._visible_units, self._visible_params()
        # missing values start at the base model's mean (its most probable
        # category for categorical visibles)
        base = units.mean(self.base_rate_.astype(np.float64)[None, :])
        X[mask] = np.broadcast_to(units.decode(base), X.shape)[mask]
        V = self._visible_values(X)
        missing = units.value_mask(mask)
        V[missing] = np.broadcast_to(base, V.shape)[missing]
        observed = (~missing).astype(V.dtype)
        if method == "mean_field":
            Q, _ = self._mean_field(V, observed=observed)
            return units.decode(Q[0])
        if method != "gibbs":
            raise ValueError(f"method must be 'mean_field' or 'gibbs'; got {method!r}.")
        rng = self._rng(random_state)
        V[missing] = units.sample_masked(V, missing, rng, **params)
        Q, _ = self._mean_field(V, observed=observed)
        hidden = Q[1:len(self.intercepts_)]
        S = [V] + [(rng.random(q.shape) < q).astype(V.dtype) for q in hidden]
        S = _as_tuple(S + self._label_states(Q[-1], rng), V.dtype)
        self._gibbs(S, observed, n_steps, rng)
        return units.decode(S[0])

    def _rng(self, random_state):
        if random_state is not None:
            return check_generator(random_state)
        return self.random_state_

    def sample(self, n_samples=1, *, n_steps=1000, init="random", random_state=None):
        """Draw visible samples by block Gibbs sampling.

        Parameters
        ----------
        n_samples : int, default=1
        n_steps : int, default=1000
            Sweeps (even layers, then odd layers) per chain.
        init : {"random", "persistent"}, default="random"
            Fresh chains from the base model (training marginals, or
            ``N(base_rate_, 1 / precision_)`` for Gaussian visibles; uniform
            hidden units), or a continuation of the persistent chains.
        random_state : int, Generator or None
            None continues the estimator's own stream.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
            Category values for categorical visibles.
        """
        rng = self._sampling_rng(n_samples, random_state, n_steps=n_steps)
        dtype = self.components_[0].dtype
        if init == "random":
            S = [self._fresh_visibles(n_samples, rng)] + [
                (rng.random((n_samples, b.shape[0])) < 0.5).astype(dtype)
                for b in self.intercepts_[1:]
            ]
            if self._labelled():  # uniform labels
                K = self.classes_.shape[0]
                S += self._label_states(np.full((n_samples, K), 1.0 / K), rng)
        elif init == "persistent":
            if n_samples > self.chains_[0].shape[0]:
                raise ValueError(
                    f"init='persistent' can continue at most {self.chains_[0].shape[0]} "
                    f"chains, got n_samples={n_samples}."
                )
            S = [c[:n_samples].copy() for c in self.chains_]
        else:
            raise ValueError(f"init must be 'random' or 'persistent', got {init!r}.")
        S = _as_tuple(S, dtype)
        self._gibbs(S, np.zeros((0, 0), dtype), n_steps, rng)
        return self._visible_units.decode(S[0])
