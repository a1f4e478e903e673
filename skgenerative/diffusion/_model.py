"""Diffusion inversion (Sohl-Dickstein et al., 2015; §20.13): a learned
reverse chain ``p(x_{t-1} | x_t)`` that undoes a slow forward diffusion
``q``, scored by its variational lower bound.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import GenerativeMixin
from ..nn._estimator import NetworkTrainingMixin
from ..nn import MLP, Adam, gaussian_log_likelihood, make_head, sigmoid
from ..nn._mlp import check_layer_sizes
from ..utils._threads import blas_threads
from ..utils.random import draw_seed, row_generators
from ..utils.validation import check_missing_mask, warn_if_not_binary
from ._process import erase_schedule, geometric_schedule, make_diffusion

__all__ = ["DiffusionModel"]

_LIKELIHOOD = {"binomial": "bernoulli", "gaussian": "gaussian"}
#: random numbers drawn per block of rows when scoring (bounds the memory)
_SCORE_BLOCK = 4_000_000


# ---------------------------------------------------------------------------
# the math: the reverse kernel and the terms of the bound
# ---------------------------------------------------------------------------


def _kernel_input(Xt, t, n_steps):
    """``[x_t, onehot(t)]``: the shared network sees the step through a learned
    embedding (the one-hot's first-layer weights, added to the pre-activation).
    ``t`` is an int or one step (1..T) per row."""
    steps = np.zeros((Xt.shape[0], n_steps), dtype=Xt.dtype)
    steps[np.arange(Xt.shape[0]), np.asarray(t) - 1] = 1
    return np.hstack([Xt, steps])


def _reverse_output(net, diffusion, Xt, t, *, cache=False):
    """The head's input for ``p(x_{t-1} | x_t)``: the independent-units
    reversal (``diffusion.reverse_base``) plus the network's correction."""
    out, net_cache = net.forward(_kernel_input(Xt, t, diffusion.n_steps))
    out += diffusion.reverse_base(Xt, t)
    return (out, net_cache) if cache else out


def _bound_terms_and_grads(net, head, diffusion, X0, Xt, t, scale=None):
    """The step-``t`` term of the bound per row, and ``scale`` (one value per
    row) times the gradient of the terms' sum (when ``scale`` is given).

    The term is ``log p(x_0 | x_1)`` at ``t = 1`` and
    ``-KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t))`` for ``t >= 2``, the
    latter as ``E_q log p(x_{t-1} | x_t) + H(q)`` in closed form (a
    cross-entropy for Bernoulli units; for Gaussians
    ``log N(mu_q; mu_p, v_p) - v_q / (2 v_p)`` plus the entropy). ``t`` is an
    int or one step per row; the posterior at ``t = 1`` is the point mass at
    ``x_0`` (zero entropy).
    """
    out, cache = _reverse_output(net, diffusion, Xt, t, cache=True)
    first = np.asarray(t)[..., None] == 1  # rows at step 1
    later = np.minimum(np.maximum(t, 2), diffusion.n_steps)  # their values are unused
    p = X0.shape[1]
    if diffusion.name == "binomial":
        q = np.where(first, X0, diffusion.posterior(X0, Xt, later))
        ll, g = head.log_likelihood_grad(q, out)
        entropy = np.where(first[:, 0], 0.0, diffusion.entropy(q))
    else:
        mean_q, var_q = diffusion.posterior(X0, Xt, later)
        mean_q = np.where(first, X0, mean_q)
        var_q = np.where(first, 0.0, var_q)
        mean_p, var_p = head.mean(out), head.variance(out)
        ll, g_mean, g_var = gaussian_log_likelihood(mean_q, mean_p, var_p, grad=True)
        ll -= 0.5 * (var_q / var_p).sum(axis=1)
        g_var += 0.5 * var_q / var_p**2
        g = np.hstack([g_mean, g_var * sigmoid(out[:, p:])]).astype(out.dtype)
        var_q = np.broadcast_to(var_q, (X0.shape[0], 1))[:, 0]
        with np.errstate(divide="ignore"):
            entropy = np.where(var_q > 0, diffusion.entropy(np.maximum(var_q, 1e-300), p), 0.0)
    term = ll + entropy
    if scale is None:
        return term
    g *= np.asarray(scale, dtype=out.dtype).reshape(-1, 1)
    return term, net.backward(cache, g)


def _training_objective_and_grads(net, head, diffusion, X0, rng):
    """One-step estimate of the bound per row and the gradient of its batch mean.

    A step ``t`` uniform in 1..T and ``x_t ~ q(x_t | x_0)`` per row give the
    unbiased estimate ``T * term_t - KL(q(x_T | x_0) || p(x_T))`` of the bound
    (the KL has no parameters).
    """
    n, T = X0.shape[0], diffusion.n_steps
    t = rng.integers(1, T + 1, size=n)
    Xt = diffusion.sample_marginal(X0, t, diffusion.noise(rng, X0.shape))
    term, grads = _bound_terms_and_grads(net, head, diffusion, X0, Xt, t, np.full(n, T / n))
    return T * term - diffusion.prior_kl(X0), grads


def _reverse_step(net, head, diffusion, Xt, t, rng, mean=False):
    """A draw of ``x_{t-1} ~ p(x_{t-1} | x_t)`` (or its mean)."""
    out = _reverse_output(net, diffusion, Xt, np.full(Xt.shape[0], t))
    return head.mean(out) if mean else head.sample(out, rng)


# ---------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------


class DiffusionModel(GenerativeMixin, NetworkTrainingMixin, BaseEstimator):
    """Diffusion probabilistic model (Sohl-Dickstein et al., 2015; §20.13).

    A forward diffusion ``q(x_t | x_{t-1})``, ``t = 1..T``, turns the data
    into noise (binomial diffusion towards ``Bernoulli(1/2)`` for binary
    data, Gaussian diffusion towards ``N(0, I)`` for real data); the model is
    the reverse chain ``p(x_T) prod_t p(x_{t-1} | x_t)``, each step a
    factorised Bernoulli or Gaussian: the exact reversal of the diffusion of
    independent units with the data's moments, corrected by one MLP shared
    by all steps, which sees the step through a learned embedding.
    It is trained by Adam on the variational lower bound (each minibatch row
    draws one step, an unbiased estimate of the bound), each step asked to
    undo only one step of diffusion. :meth:`sample` runs the reverse chain;
    :meth:`score_samples` is the bound.

    Parameters
    ----------
    n_steps : int, default=32
        ``T``, the number of diffusion steps.
    diffusion : {"binomial", "gaussian"}, default="binomial"
        Binomial diffusion for binary data (values in [0, 1] are read as
        probabilities; warns outside), Gaussian diffusion for real data
        (standardise it first: the prior is ``N(0, I)``).
    betas : array-like of shape (n_steps,), default=None
        The schedule ``beta_t`` in (0, 1]. None: for binomial diffusion
        ``beta_t = 1 / (T - t + 1)``, for which ``alpha_bar_t = prod_s (1 -
        beta_s) = 1 - t / T``; for Gaussian diffusion geometric from 1e-3 to
        1 (small first steps keep the bound on a density tight). Both end at
        ``beta_T = 1``: ``x_T`` is exactly the prior.
    hidden_layer_sizes : tuple of int, default=(200, 200)
        Hidden layers of the reverse-kernel network.
    activation : {"tanh", "relu", "softplus", "sigmoid"}, default="tanh"
    min_variance : float, default=1e-4
        Variance floor of the Gaussian reverse kernel.
    learning_rate : float, default=1e-3
        Adam step size.
    batch_size : int, default=100
    max_iter : int, default=100
        Epochs (the maximum with early stopping). Each row trains one step
        per epoch, so diffusion models need more epochs than a VAE.
    n_score_samples : int, default=4
        Forward trajectories per row averaged by :meth:`score_samples`.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows; stop when their mean
        bound has not improved by ``tol`` for ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
    tol : float, default=1e-4
    n_iter_no_change : int, default=10
    dtype : None, np.float32 or np.float64, default=None
    warm_start : bool, default=False
    verbose : int, default=0
    random_state : None, int or Generator, default=None

    Attributes
    ----------
    network_ : skgenerative.nn.MLP
        The reverse kernel's correction: input ``[x_t, onehot(t)]``, output
        added to the logits (binomial) or to the means and variance
        parameters (Gaussian) of the independent-units reversal.
    base_mean_, base_var_ : ndarray of shape (`n_features_in_`,)
        Per-unit moments of the first data seen (the independent-units
        reversal; the last layer of ``network_`` starts at zero, so an
        untrained model is the independent model).
    optimizer_ : skgenerative.nn.Adam
    betas_ : ndarray of shape (n_steps,)
    dtype_ : numpy.dtype
    random_state_ : numpy.random.Generator
    score_seed_ : int
        Seed of the trajectories of :meth:`score_samples` (deterministic).
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    validation_scores_ : list of float

    See Also
    --------
    skgenerative.VAE : a one-step latent-variable model with a variational bound.
    skgenerative.DenoisingAutoencoder : undoes a large corruption in one step.

    Notes
    -----
    :meth:`score_samples` returns a Monte Carlo estimate of the variational
    bound ``E_q[log p(x_{0:T}) - log q(x_{1:T} | x_0)] <= log p(x_0)`` in the
    form ``log p(x_0 | x_1) - sum_{t >= 2} KL(q(x_{t-1} | x_t, x_0) ||
    p(x_{t-1} | x_t)) - KL(q(x_T | x_0) || p(x_T))`` with each KL in closed
    form, averaged over ``n_score_samples`` forward trajectories seeded per
    row: ``score_kind_ = "lower_bound"`` (a bound in expectation; its
    standard error is returned by ``return_std=True``). Gaussian scores are
    densities of ``X`` as given.

    :meth:`impute` conditions by replacement: at every reverse step the
    observed units are set to a draw from their forward marginal
    ``q(x_{t-1} | x_0)``, an approximation of the conditional chain.

    References
    ----------
    Sohl-Dickstein, J., Weiss, E., Maheswaranathan, N. and Ganguli, S.
    (2015). Deep unsupervised learning using nonequilibrium thermodynamics.
    ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skgenerative.diffusion import DiffusionModel
    >>> X = (load_digits().data > 7).astype(np.float64)
    >>> model = DiffusionModel(n_steps=8, hidden_layer_sizes=(64,), max_iter=5,
    ...                        random_state=0).fit(X)
    >>> model.score_samples(X[:3]).shape
    (3,)
    >>> model.sample(2).shape
    (2, 64)
    """

    score_kind_ = "lower_bound"
    _state_names = ("network_", "optimizer_", "random_state_")
    _parameter_names = ("_parameter_vector",)

    _parameter_constraints = {
        "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "diffusion": [StrOptions({"binomial", "gaussian"})],
        "betas": [None, "array-like"],
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions({"tanh", "relu", "softplus", "sigmoid"})],
        "min_variance": [Interval(numbers.Real, 0, None, closed="neither")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
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

    def __init__(
        self,
        n_steps=32,
        *,
        diffusion="binomial",
        betas=None,
        hidden_layer_sizes=(200, 200),
        activation="tanh",
        min_variance=1e-4,
        learning_rate=1e-3,
        batch_size=100,
        max_iter=100,
        n_score_samples=4,
        early_stopping=False,
        validation_fraction=0.1,
        tol=1e-4,
        n_iter_no_change=10,
        dtype=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.n_steps = n_steps
        self.diffusion = diffusion
        self.betas = betas
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.min_variance = min_variance
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.n_score_samples = n_score_samples
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    # -- set-up ------------------------------------------------------------

    @property
    def _head(self):
        return make_head(_LIKELIHOOD[self.diffusion], min_variance=self.min_variance)

    @property
    def _process(self):
        return make_diffusion(
            self.diffusion, self.betas_, self.base_mean_, self.base_var_,
            min_variance=self.min_variance,
        )

    def _check_betas(self):
        if self.betas is None:
            if self.diffusion == "gaussian":
                return geometric_schedule(self.n_steps)
            return erase_schedule(self.n_steps)
        betas = np.asarray(self.betas, dtype=np.float64)
        if betas.shape != (self.n_steps,) or not np.all((betas > 0) & (betas <= 1)):
            raise ValueError(
                f"betas must hold n_steps={self.n_steps} values in (0, 1]; got "
                f"shape {betas.shape} with values in [{betas.min():.3g}, {betas.max():.3g}]."
            )
        return betas

    def _initialize(self, X, y, rng, *, partial):
        self.betas_ = self._check_betas()
        self.dtype_ = X.dtype
        p = X.shape[1]
        sizes = check_layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")
        head = self._head
        self.network_ = MLP(
            [p + self.n_steps, *sizes, head.n_outputs(p)], self.activation, dtype=X.dtype,
            random_state=rng,
        )
        # the correction starts at zero: the untrained model is the
        # independent-units model with the data's moments
        last = len(self.network_.layers) - 1
        self.network_.params[f"W{last}"][...] = 0
        X_train = self._training_data(X, None)[0]
        self.base_mean_ = X_train.mean(axis=0, dtype=np.float64)
        self.base_var_ = np.maximum(X_train.var(axis=0, dtype=np.float64), self.min_variance)
        # a bound method, not the dict: see skgenerative.nn._optimizers
        self.optimizer_ = Adam(self._network_parameters, learning_rate=self.learning_rate)
        self.score_seed_ = draw_seed(rng)
        self.n_iter_ = 0

    def _network_parameters(self):
        return self.network_.params

    # -- training ----------------------------------------------------------

    def _batch_bound_and_grads(self, X, rng):
        return _training_objective_and_grads(self.network_, self._head, self._process, X, rng)

    def _validation_score(self, X_val, y_val):
        return float(np.mean(self.score_samples(X_val)))

    def _check_support(self, X):
        if self.diffusion == "binomial":
            warn_if_not_binary(
                X, what=f"{type(self).__name__} with binomial diffusion",
            )

    def _training_data(self, X, y):
        if self.diffusion == "binomial":  # probabilities: out-of-support data warned
            X = np.clip(X, 0, 1)
        return X, y

    # -- the bound ---------------------------------------------------------

    def _bound_samples(self, X):
        """``(m, n)`` independent estimates of the bound (one trajectory each),
        in blocks of rows (the noise of a block is ``T * m * rows * p`` numbers)."""
        n, p = X.shape
        m, T = self.n_score_samples, self.n_steps
        rows = max(1, _SCORE_BLOCK // (T * m * p))
        with blas_threads():
            parts = [self._bound_block(X[i : i + rows]) for i in range(0, n, rows)]
        return np.concatenate(parts, axis=1) if parts else np.zeros((m, 0))

    def _bound_block(self, X):
        n, p = X.shape
        m, T = self.n_score_samples, self.n_steps
        process, head = self._process, self._head
        noise = np.stack(
            [process.noise(g, (T, m, p)) for g in row_generators(X, self.score_seed_)], axis=2
        )  # (T, m, n, p)
        X0 = np.tile(X, (m, 1))
        total = -process.prior_kl(X0)
        for t in range(1, T + 1):
            Xt = process.sample_marginal(X0, t, noise[t - 1].reshape(m * n, p))
            total += _bound_terms_and_grads(self.network_, head, process, X0, Xt,
                                            np.full(m * n, t))
        return total.reshape(m, n)

    def score_samples(self, X, return_std=False):
        """Variational lower bound on ``log p(x)`` per row, in nats.

        A Monte Carlo estimate over ``n_score_samples`` forward trajectories
        per row (seeded per row from ``score_seed_``: deterministic and
        independent of the other rows); see the Notes of the class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard error of each estimate (the spread of
            the per-trajectory bounds over ``sqrt(n_score_samples)``; 0 with
            a single trajectory, where the spread is unknown).

        Returns
        -------
        bound : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_support(X)
        X, _ = self._training_data(X, None)
        samples = self._bound_samples(X)
        bound = samples.mean(axis=0)
        if not return_std:
            return bound
        m = samples.shape[0]
        std = samples.std(axis=0, ddof=1) / np.sqrt(m) if m > 1 else np.zeros_like(bound)
        return bound, std

    # -- sampling ----------------------------------------------------------

    def _reverse_chain(self, X, observed, rng, mean):
        """Run ``x_T -> x_0``; units where ``observed`` is True are replaced at
        every step by a draw from ``q(x_{t-1} | x_0 = X)``."""
        process, head = self._process, self._head
        state = process.sample_prior(X.shape, rng, self.dtype_)
        with blas_threads():
            for t in range(self.n_steps, 0, -1):
                last = t == 1
                state = _reverse_step(self.network_, head, process, state, t, rng, mean and last)
                if observed is not None:
                    clamp = X if last else process.sample_marginal(
                        X, t - 1, process.noise(rng, X.shape)
                    )
                    state = np.where(observed, clamp, state).astype(self.dtype_)
        return state

    def sample(self, n_samples=1, *, random_state=None, mean=False):
        """Draws of the reverse chain ``x_T ~ p(x_T)``, ``x_{t-1} ~ p(x_{t-1} | x_t)``.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : None, int or Generator
            None continues the fitted stream ``random_state_``.
        mean : bool, default=False
            Return the mean of the last step ``p(x_0 | x_1)`` instead of a draw.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        rng = self._sampling_rng(n_samples, random_state)
        shape = (n_samples, self.n_features_in_)
        return self._reverse_chain(np.zeros(shape, dtype=self.dtype_), None, rng, mean)

    def impute(self, X, mask=None, *, random_state=None, mean=False):
        """Fill in missing values by the reverse chain conditioned on the rest.

        Conditioning by replacement (see Notes of the class).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Entries where ``mask`` is True are ignored (they may be NaN).
        mask : array-like of bool of shape (n_samples, n_features), default=None
            True where a value is missing; None means the NaN entries of ``X``.
        random_state : None, int or Generator
        mean : bool, default=False
            Missing values from the mean of the last step instead of a draw.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, `n_features_in_`)
        """
        check_is_fitted(self)
        X, mask = check_missing_mask(X, mask, self.n_features_in_, self.dtype_)
        rng = self._sampling_rng(max(X.shape[0], 1), random_state)
        X[mask] = 0
        return self._reverse_chain(X, ~mask, rng, mean)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
