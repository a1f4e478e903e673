"""The math of the spike and slab RBM (§20.5.2, eqs. 20.50-20.53).

Energy, with ``x`` centred by the model's fixed offset, spikes
``h in {0, 1}^n`` and slabs ``s in R^n``::

    E(x, s, h) = - sum_i x.W_i s_i h_i + 1/2 x' (Lambda + sum_i Phi_i h_i) x
                 + 1/2 sum_i alpha_i s_i^2 - sum_i alpha_i mu_i s_i h_i
                 - sum_i b_i h_i + sum_i alpha_i mu_i^2 h_i

(``Lambda`` and each ``Phi_i`` diagonal, stored as vectors). Integrating out
``s`` (a Gaussian integral per unit) gives, with ``u_i = x.W_i``,

* ``p(h_i = 1 | x) = sigmoid(a_i(x))``,
  ``a_i = b_i - alpha_i mu_i^2 / 2 + mu_i u_i + u_i^2 / (2 alpha_i) - x' Phi_i x / 2``;
* ``s_i | x, h ~ N(h_i (mu_i + u_i / alpha_i), 1 / alpha_i)``;
* ``x | s, h ~ N(D^-1 sum_i W_i s_i h_i, D^-1)``, ``D = Lambda + sum_i h_i Phi_i``
  (diagonal: no matrix inverse);
* the free energy ``F(x) = x' Lambda x / 2 - sum_i softplus(a_i(x)) - c``,
  ``c = sum_i log(2 pi / alpha_i) / 2``;
* given ``h`` alone, ``x`` is Gaussian with precision
  ``P_h = Lambda + sum_i h_i (Phi_i - W_i W_i' / alpha_i)`` (eq. 20.53), which
  must be positive definite for the model to be normalisable.

Every parameter set is an :class:`SSParams`; all functions take centred data.
"""

import math
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
from scipy.special import expit, logsumexp

from ..exceptions import PartitionFunctionError
from ._covariance_ais import bernoulli_mixture_draws, pooled_ais
from ._precision_gaussian import gaussian_log_integral

_LOG_2PI = math.log(2.0 * math.pi)

#: Enumerated spike states per batch of Cholesky factorisations.
_STATES_PER_BLOCK = 256


class SSParams(NamedTuple):
    """Parameters of a spike and slab RBM (see the module docstring)."""

    W: np.ndarray  # (n_components, n_features)
    b: np.ndarray  # (n_components,)
    mu: np.ndarray  # (n_components,)
    alpha: np.ndarray  # (n_components,), > 0
    phi: np.ndarray  # (n_components, n_features), >= 0
    lam: np.ndarray  # (n_features,), > 0


def hidden_input(Z, p):
    """``a(x)``: the log-odds of every spike given ``x``, shape (n, n_components)."""
    U = Z @ p.W.T
    return (p.b - 0.5 * p.alpha * p.mu**2 + p.mu * U + U**2 / (2.0 * p.alpha)
            - 0.5 * (Z * Z) @ p.phi.T)


def free_energy(Z, p):
    """``F(x) = -log sum_h int exp(-E(x, s, h)) ds`` of each row."""
    A = hidden_input(Z, p)
    const = 0.5 * np.sum(_LOG_2PI - np.log(p.alpha))
    return 0.5 * (Z * Z) @ p.lam - np.logaddexp(0.0, A).sum(axis=1) - const


def free_energy_gradients(Z, p):
    """Mean over rows of ``dF/dtheta`` for ``theta`` in (W, b, mu, log alpha,
    Phi, log Lambda), omitting terms constant in ``x`` (they cancel between
    the data and model phases)."""
    n = Z.shape[0]
    U = Z @ p.W.T
    P = expit(hidden_input(Z, p))
    Z2 = Z * Z
    gW = -((P * (p.mu + U / p.alpha)).T @ Z) / n
    gb = -P.mean(axis=0)
    gmu = -(P * (U - p.alpha * p.mu)).mean(axis=0)
    glog_alpha = (P * (0.5 * p.alpha * p.mu**2 + U**2 / (2.0 * p.alpha))).mean(axis=0)
    gphi = 0.5 * (P.T @ Z2) / n
    glog_lam = 0.5 * p.lam * Z2.mean(axis=0)
    return gW, gb, gmu, glog_alpha, gphi, glog_lam


def gibbs_sweep(Z, p, rng):
    """One block-Gibbs sweep ``x -> h -> s -> x`` of every row (new array)."""
    dtype = Z.dtype
    A = hidden_input(Z, p)
    H = (rng.random(A.shape) < expit(A)).astype(dtype)
    U = Z @ p.W.T
    S = H * (p.mu + U / p.alpha) + rng.standard_normal(H.shape).astype(dtype) / np.sqrt(p.alpha)
    D = p.lam + H @ p.phi
    mean = ((H * S) @ p.W) / D
    return (mean + rng.standard_normal(Z.shape).astype(dtype) / np.sqrt(D)).astype(dtype)


def posterior_code(Z, p):
    """``E[h_i s_i | x] = p(h_i = 1 | x) (mu_i + u_i / alpha_i)`` of each row."""
    U = Z @ p.W.T
    return expit(hidden_input(Z, p)) * (p.mu + U / p.alpha)


def reconstruction(Z, p):
    """Mean-field reconstruction: ``E[x | h, s]`` at ``h = p(h | x)`` and the
    slabs' posterior means."""
    P = expit(hidden_input(Z, p))
    return (posterior_code(Z, p) @ p.W) / (p.lam + P @ p.phi)


# ------------------------------------------------------------ normalisability
def self_covered_ratio(p):
    """``s_i = W_i' Phi_i^-1 W_i / alpha_i`` of every unit (``inf`` where
    ``W_i`` has weight on a coordinate with ``Phi_i = 0``). ``s_i <= 1``
    means ``Phi_i - W_i W_i' / alpha_i`` is positive semi-definite: the unit's
    own spike precision covers the variance its slab adds."""
    W2 = (p.W.astype(np.float64) ** 2) / p.alpha.astype(np.float64)[:, None]
    phi = p.phi.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(W2 > 0, W2 / phi, 0.0)
    return terms.sum(axis=1)


def _spectral_ratio(W, alpha, lam):
    A = ((W / np.sqrt(alpha)[:, None]) / np.sqrt(lam)[None, :]).astype(np.float64)
    if not np.all(np.isfinite(A)):
        return math.nan  # diverged: the training loop restores the last epoch
    if A.shape[0] == 0:
        return 0.0
    return float(np.linalg.norm(A, 2) ** 2)


def pd_ratio(p):
    """``rho = lambda_max(Lambda^-1/2 (sum_{i in B} W_i W_i' / alpha_i)
    Lambda^-1/2)`` over the units ``B`` not covered by their own spike
    precision (``self_covered_ratio > 1``).

    ``rho < 1`` makes every ``P_h`` positive definite: ``P_h >= Lambda -
    sum_{i in B} W_i W_i' / alpha_i`` because every other unit adds
    ``Phi_i - W_i W_i' / alpha_i >= 0`` (and ``Phi_i >= 0``). The condition
    the model keeps; with ``Phi = 0`` it is the plain ``Lambda - sum_i W_i
    W_i' / alpha_i > 0``, and it is never stricter than that.
    """
    B = ~(self_covered_ratio(p) <= 1.0)
    return _spectral_ratio(p.W[B], p.alpha[B], p.lam)


def enforce_positive_definite(p, margin, split=False):
    """The heuristic that keeps the model normalisable; returns the new
    ``W`` (the same array when nothing changes).

    ``split=False``: when the ratio of all filters against ``Lambda``
    (:func:`pd_ratio` with ``Phi = 0``) exceeds ``1 - margin``, ``W`` is
    shrunk by the common factor ``sqrt((1 - margin) / rho)`` that restores
    it (``Lambda`` is then "large enough" for the filters).

    ``split=True``: a unit whose own spike precision nearly covers it
    (``self_covered_ratio <= 2 (1 - margin)``) is kept covered by it alone,
    its filter shrunk to ``s_i <= 1 - margin``; the other filters are
    shrunk by a common factor to ratio ``1 - margin`` against ``Lambda``.
    On whitened patches half the units learn spike precisions hundreds of
    times ``Lambda``: against ``Lambda`` alone their filters are held far
    below what their ``Phi_i`` allows.

    Raising ``Lambda`` instead is a ratchet under gradient training: a larger
    ``Lambda`` removes variance in every direction, the gradient answers by
    growing ``W``, which raises ``Lambda`` again (both diverge)."""
    if not split:
        rho = _spectral_ratio(p.W, p.alpha, p.lam)
        if not rho > 1.0 - margin:  # also NaN: nothing to repair
            return p.W
        return (p.W * math.sqrt((1.0 - margin) / rho)).astype(p.W.dtype)
    if not np.all(np.isfinite(p.W)):
        return p.W
    s = self_covered_ratio(p)
    covered = s <= 2.0 * (1.0 - margin)
    factor = np.ones(s.shape)
    over = covered & (s > 1.0 - margin)
    factor[over] = np.sqrt((1.0 - margin) / s[over])
    rho = _spectral_ratio(p.W[~covered], p.alpha[~covered], p.lam)
    if rho > 1.0 - margin:
        factor[~covered] = math.sqrt((1.0 - margin) / rho)
    if np.all(factor == 1.0):
        return p.W
    return (p.W * factor[:, None]).astype(p.W.dtype)


def check_positive_definite(p, owner):
    """Raise ``PartitionFunctionError`` naming the fix when ``rho >= 1``."""
    rho = pd_ratio(p)
    if rho < 1.0:
        return
    raise PartitionFunctionError(
        f"{owner} is not normalisable as it stands: Lambda - sum_i W_i W_i'/alpha_i "
        f"is not positive definite (rho = {rho:.4g} >= 1; §20.5.2), so p(x | h) "
        f"of eq. 20.53 is not a Gaussian for every spike state. Multiply precision_ "
        f"by more than {rho:.4g} or divide components_ by more than "
        f"{math.sqrt(rho):.4g}; fit keeps rho <= 1 - precision_margin by shrinking "
        f"components_."
    )


# ------------------------------------------------------------ exact log Z
def _spike_states(n, start, stop):
    codes = np.arange(start, stop, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n)) & 1).astype(np.float64)


def spike_state_terms(p, start, stop):
    """For the spike states ``start..stop-1`` (bit i of the index = h_i):
    ``log int int exp(-E) ds dx``, the precision matrices ``P_h`` and the
    linear terms ``m_h`` (so ``x | h ~ N(P_h^-1 m_h, P_h^-1)``)."""
    return spike_terms(p, _spike_states(p.W.shape[0], start, stop))


def spike_terms(p, H):
    """:func:`spike_state_terms` of the spike states given as the rows of
    ``H`` (0/1, shape (k, n_components)): ``log p~(h)``, ``P_h`` and ``m_h``."""
    W, alpha = p.W.astype(np.float64), p.alpha.astype(np.float64)
    phi, lam = p.phi.astype(np.float64), p.lam.astype(np.float64)
    mu, b = p.mu.astype(np.float64), p.b.astype(np.float64)
    H = np.asarray(H, dtype=np.float64)
    d = W.shape[1]
    prec = np.einsum("ki,ij,il->kjl", H / alpha, W, W)
    prec = -prec
    diag = lam + H @ phi
    prec[:, np.arange(d), np.arange(d)] += diag
    m = (H * mu) @ W
    # LinAlgError when a P_h is not positive definite
    log_w = (H @ (b - 0.5 * alpha * mu**2) + gaussian_log_integral(prec, m)
             + 0.5 * d * _LOG_2PI + 0.5 * np.sum(_LOG_2PI - np.log(alpha)))
    return log_w, prec, m


def exact_log_partition(p, owner="SpikeSlabRBM"):
    """``log Z`` by enumerating the ``2**n`` spike states; the slabs and the
    visible units are integrated analytically for each."""
    n = p.W.shape[0]
    total = 1 << n
    parts = []
    for start in range(0, total, _STATES_PER_BLOCK):
        try:
            parts.append(spike_state_terms(p, start, min(total, start + _STATES_PER_BLOCK))[0])
        except np.linalg.LinAlgError:
            check_positive_definite(p, owner)  # names the fix
            raise PartitionFunctionError(
                f"{owner}: the precision of p(x | h) (eq. 20.53) is not positive "
                f"definite for some spike state: raise precision_."
            ) from None
    return float(logsumexp(np.concatenate(parts)))


# ------------------------------------------------------------ importance sampling
def spike_importance_weights(p, anchors, n_samples, rng, batch=256):
    """Log importance weights ``log p~(h) - log q(h)`` of ``n_samples``
    spike states ``h ~ q``, each an unbiased estimate of ``Z`` on the log
    scale; see :func:`importance_log_partition`."""
    p64 = SSParams(*(np.asarray(a, dtype=np.float64) for a in p))
    A = hidden_input(np.asarray(anchors, dtype=np.float64), p64)
    log_w = []
    for start in range(0, n_samples, batch):
        H, log_q = bernoulli_mixture_draws(A, min(batch, n_samples - start), rng)
        log_w.append(spike_terms(p64, H)[0] - log_q)
    return np.concatenate(log_w)


def importance_log_partition(p, anchors, n_samples, rng):
    """``log Z`` by importance sampling of the spikes alone, a check
    independent of AIS.

    ``Z = sum_h p~(h)`` with ``p~(h)`` analytic (slabs and visibles
    integrated: :func:`spike_terms`). The proposal is the mixture of the
    factorial posteriors ``q(h) = mean_m p(h | x_m)`` at the rows
    ``x_m`` of ``anchors`` (centred); when they are samples of the model,
    ``q`` is a Monte Carlo estimate of the model's own marginal
    ``p(h) = E_x[p(h | x)]``. ``mean(p~(h) / q(h))`` over ``h ~ q`` is
    unbiased for ``Z`` whatever the anchors (``q`` covers every spike
    state), so its log errs low in expectation, as forward AIS does.
    Returns ``(log Z, log Z std, ESS)`` (the std by the delta method)."""
    log_w = spike_importance_weights(p, anchors, n_samples, rng)
    log_z = float(logsumexp(log_w) - math.log(log_w.size))
    w = np.exp(log_w - log_w.max())
    ess = float(w.sum() ** 2 / np.sum(w**2))
    std = float(np.std(w) / (np.mean(w) * math.sqrt(log_w.size)))
    return log_z, std, ess


# ------------------------------------------------------------ AIS
def annealed(p, beta):
    """The model at inverse temperature ``beta``: ``E_beta = x'Lambda x / 2 +
    sum alpha s^2 / 2 + beta * (the rest of E)``, itself a spike and slab RBM."""
    return SSParams(
        W=beta * p.W, b=beta * p.b - p.alpha * (beta - beta**2) * p.mu**2,
        mu=beta * p.mu, alpha=p.alpha, phi=beta * p.phi, lam=p.lam,
    )


def base_log_partition(p):
    """``log Z`` of ``annealed(p, 0)``: ``x ~ N(0, Lambda^-1)``, spikes
    uniform, slabs ``N(0, 1/alpha)``."""
    n, d = p.W.shape
    return float(0.5 * d * _LOG_2PI - 0.5 * np.sum(np.log(p.lam)) + n * math.log(2.0)
                 + 0.5 * np.sum(_LOG_2PI - np.log(p.alpha)))


def ais_log_partition(p, n_runs, n_temperatures, rng, anchors=None, n_importance=None):
    """Forward AIS with a block-Gibbs sweep of each intermediate model per
    temperature, pooled with importance sampling of the spikes
    (:func:`spike_importance_weights`, ``n_importance`` states, default
    ``20 * n_runs``) whose proposal is built on the AIS end states and the
    rows of ``anchors`` (centred, e.g. persistent chains). Every weight of
    either kind is an unbiased estimate of ``Z / Z_base``, so their mean is
    too. The pooling matters: on whitened patches a model whose mass sat on
    a few spike states had forward AIS 150 nats low (ESS 2 of 100, reverse
    AIS from Gibbs chains as far off) while the spike sampling alone, with
    ESS over half its draws, found them. Returns an
    :class:`~skgenerative.evaluation.AISResult` over all weights."""
    p64 = SSParams(*(np.asarray(a, dtype=np.float64) for a in p))
    this = SimpleNamespace(annealed=annealed, free_energy=free_energy)
    return pooled_ais(this, p64, base_log_partition(p64), n_runs, n_temperatures, gibbs_sweep,
                      rng, spike_importance_weights, anchors, n_importance)
