"""Independent references for the covariance models of §20.5.2 (ssRBM).

Written from the energy (eqs. 20.50-20.51) directly, not from the closed forms
of ``skgenerative.boltzmann._ssrbm_math``: numerical integrals over the slabs
and the visibles, and the spike-state mixture of eq. 20.53 by brute force.
"""

import itertools

import numpy as np
from scipy.integrate import quad
from scipy.special import logsumexp


def energy(x, s, h, p):
    """E(x, s, h) of eqs. 20.50-20.51 for one configuration (float64)."""
    W, b, mu, alpha, phi, lam = (np.asarray(a, dtype=np.float64) for a in p)
    quad_x = 0.5 * x @ ((lam + h @ phi) * x)
    return (-np.sum((W @ x) * s * h) + quad_x + 0.5 * np.sum(alpha * s**2)
            - np.sum(alpha * mu * s * h) - b @ h + np.sum(alpha * mu**2 * h))


def log_slab_integral(x, h, p):
    """log int exp(-E(x, s, h)) ds, each slab integrated numerically (the
    slabs are independent given x and h)."""
    n = len(p.b)
    e0 = energy(x, np.zeros(n), h, p)
    log_int = -e0
    for i in range(n):
        def integrand(si, i=i):
            s = np.zeros(n)
            s[i] = si
            return np.exp(-(energy(x, s, h, p) - e0))
        log_int += np.log(quad(integrand, -np.inf, np.inf, limit=200)[0])
    return log_int


def free_energy_by_quadrature(x, p):
    """-log sum_h int exp(-E(x, s, h)) ds."""
    n = len(p.b)
    return -logsumexp([log_slab_integral(x, np.array(h), p)
                       for h in itertools.product((0.0, 1.0), repeat=n)])


def log_partition_by_quadrature_2d(free_energy, lim=12.0, n=401):
    """log int exp(-F(x)) dx over a 2-D grid (trapezoid rule) for a model
    whose density is negligible outside [-lim, lim]^2."""
    t = np.linspace(-lim, lim, n)
    xx, yy = np.meshgrid(t, t, indexing="ij")
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    log_f = -free_energy(grid).reshape(n, n)
    m = log_f.max()
    return m + np.log(np.trapezoid(np.trapezoid(np.exp(log_f - m), t, axis=1), t))


def _mixture_mean_cov(logw, means, covs):
    """Mean and covariance of a Gaussian mixture with log-weights ``logw``."""
    w = np.exp(np.array(logw) - logsumexp(logw))
    means, covs = np.array(means), np.array(covs)
    mean = w @ means
    second = np.einsum("k,kij->ij", w, covs + np.einsum("ki,kj->kij", means, means))
    return mean, second - np.outer(mean, mean)


def assert_moments_match(Z, mean, cov, cov_tolerance=None):
    """The mean of the independent chains ``Z`` within 4 standard errors of
    ``mean``; their covariance within 5 (Gaussian-theory) standard errors of
    ``cov``, or within ``cov_tolerance * sd_i sd_j`` when given (heavy tails)."""
    n = Z.shape[0]
    sd = np.sqrt(np.diag(cov))
    assert np.all(np.abs(Z.mean(axis=0) - mean) < 4 * sd / np.sqrt(n))
    bound = (5 * np.sqrt(2 / n) if cov_tolerance is None else cov_tolerance) * np.outer(sd, sd)
    assert np.all(np.abs(np.cov(Z, rowvar=False) - cov) < bound)


def parameter_finite_differences(f, p, log_fields=()):
    """Central differences of the scalar ``f(params)`` in every entry of the
    NamedTuple ``p``; fields listed in ``log_fields`` are differentiated in
    their logarithm."""
    eps = 1e-6
    out = []
    for i, array in enumerate(p):
        numeric = np.zeros_like(array)
        for idx in np.ndindex(array.shape):
            values = []
            for sign in (1, -1):
                arrays = [a.copy() for a in p]
                if p._fields[i] in log_fields:
                    arrays[i][idx] *= np.exp(sign * eps)
                else:
                    arrays[i][idx] += sign * eps
                values.append(f(type(p)(*arrays)))
            numeric[idx] = (values[0] - values[1]) / (2 * eps)
        out.append(numeric)
    return out


def mixture_moments(p):
    """Mean and covariance of x under the model, from eq. 20.53: a mixture
    over spike states h of N(C_h sum_i W_i mu_i h_i, C_h) with weights
    proportional to int int exp(-E) ds dx (each Gaussian integral by its
    determinant), all by brute force over h."""
    W, b, mu, alpha, phi, lam = (np.asarray(a, dtype=np.float64) for a in p)
    n, d = W.shape
    logw, means, covs = [], [], []
    for h in itertools.product((0.0, 1.0), repeat=n):
        h = np.array(h)
        prec = np.diag(lam + h @ phi) - sum(h[i] * np.outer(W[i], W[i]) / alpha[i]
                                            for i in range(n))
        cov = np.linalg.inv(prec)
        m = cov @ ((h * mu) @ W)
        lin = (h * mu) @ W
        logw.append(h @ b - 0.5 * np.sum(alpha * mu**2 * h) + 0.5 * lin @ cov @ lin
                    + 0.5 * np.linalg.slogdet(cov)[1])
        means.append(m)
        covs.append(cov)
    return _mixture_mean_cov(logw, means, covs)


# ---------------------------------------------------------------- mcRBM
def mc_energy(x, hm, hc, p):
    """E(x, h^m, h^c) of eqs. 20.43-20.45 (factored covariance filters)."""
    W, b_mean, C, P, b_cov, lam = (np.asarray(a, dtype=np.float64) for a in p)
    r2 = np.array([sum(P[k, f] * (C[f] @ x) ** 2 for f in range(len(C)))
                   for k in range(len(b_cov))])
    return (0.5 * x @ (lam * x) - (W @ x) @ hm - b_mean @ hm
            + 0.5 * hc @ r2 - b_cov @ hc)


def mc_free_energy_by_enumeration(x, p):
    """-log sum over both hidden groups of exp(-E), state by state."""
    n_mean, n_cov = len(p.b_mean), len(p.b_cov)
    return -logsumexp([
        -mc_energy(x, np.array(hm), np.array(hc), p)
        for hm in itertools.product((0.0, 1.0), repeat=n_mean)
        for hc in itertools.product((0.0, 1.0), repeat=n_cov)
    ])


def mc_mixture_moments(p):
    """Mean and covariance of x under the model, from eq. 20.47: a mixture
    over hidden states of N(S W'h^m, S), S = (Lambda + sum_k h^c_k r_k r_k')^-1,
    with weights int exp(-E) dx, by brute force."""
    W, b_mean, C, P, b_cov, lam = (np.asarray(a, dtype=np.float64) for a in p)
    logw, means, covs = [], [], []
    for hm in itertools.product((0.0, 1.0), repeat=len(b_mean)):
        for hc in itertools.product((0.0, 1.0), repeat=len(b_cov)):
            hm, hc = np.array(hm), np.array(hc)
            prec = np.diag(lam) + sum(hc[k] * P[k, f] * np.outer(C[f], C[f])
                                      for k in range(len(b_cov)) for f in range(len(C)))
            cov = np.linalg.inv(prec)
            lin = hm @ W
            logw.append(b_mean @ hm + b_cov @ hc + 0.5 * lin @ cov @ lin
                        + 0.5 * np.linalg.slogdet(cov)[1])
            means.append(cov @ lin)
            covs.append(cov)
    return _mixture_mean_cov(logw, means, covs)


# ---------------------------------------------------------------- mPoT
def mpot_free_energy_by_integration(x, p):
    """-log of exp(-E) summed over h^m and integrated numerically over each
    h^c in (0, inf) (the covariance units are independent given x)."""
    W, b_mean, R, gamma, lam = (np.asarray(a, dtype=np.float64) for a in p)
    log_total = -0.5 * x @ (lam * x)
    log_total += np.sum(np.logaddexp(0.0, b_mean + W @ x))  # the binary mean units
    for r, g in zip(R, gamma):
        rate = 1.0 + 0.5 * (r @ x) ** 2
        value = quad(lambda h: np.exp(-h * rate + (g - 1.0) * np.log(h)), 0, np.inf,
                     limit=200)[0]
        log_total += np.log(value)
    return -log_total


def grid_moments_2d(free_energy, lim=12.0, n=401):
    """Mean and covariance of exp(-F) on a 2-D grid (trapezoid rule)."""
    t = np.linspace(-lim, lim, n)
    xx, yy = np.meshgrid(t, t, indexing="ij")
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    log_f = -free_energy(grid)
    w = np.exp(log_f - log_f.max())
    w /= w.sum()
    mean = w @ grid
    centred = grid - mean
    return mean, (centred * w[:, None]).T @ centred
