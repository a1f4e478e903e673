"""Covariance models of §20.5.2 on whitened natural-image patches (issue 20).

Data: :func:`skgenerative.datasets.load_image_patches` (8x8 grey patches of
scikit-learn's two sample photographs, DC removed, PCA-whitened to 63
dimensions; train / held-out split by image region). Prints, in one run, the
held-out log-likelihood (nats per patch, with the standard error of the AIS
estimate of log Z where there is one) of

* a diagonal and a full-covariance Gaussian (closed form),
* ``GaussianMixture()`` at its defaults (one full-covariance component) and
  with its number of components chosen by 3-fold cross-validated likelihood,
* ``GaussianBernoulliRBM`` and ``RNADE``,
* ``SpikeSlabRBM``, ``MeanCovarianceRBM`` and ``MeanProductTDistribution``,

the trained models at about the same number of parameters and the same
training time (each trains epoch by epoch until ``--budget`` seconds have
passed), then the sampling throughput of the ssRBM's block Gibbs, the mPoT's
block Gibbs and HMC and the mcRBM's HMC (samples per second).

For the three covariance models ``log Z`` is estimated twice: forward AIS
(the model's own estimate, optimistic in expectation) and reverse AIS from
the persistent chains run on for ``--reverse-steps`` more transitions
(conservative in expectation, as far as those chains sample the model); the
two held-out figures bracket the truth when they agree.

Figures are only meaningful on an idle machine: the script prints the load
average at the start and at the end. ``--tiny`` runs a small smoke version
(a few seconds per model) that checks the script end to end.

Run: PYTHONPATH=. python benchmarks/bench_covariance.py [--budget 600] [--tiny]
"""

import argparse
import time
from types import SimpleNamespace

import numpy as np
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV

from skgenerative import (
    RNADE,
    GaussianBernoulliRBM,
    MeanCovarianceRBM,
    MeanProductTDistribution,
    SpikeSlabRBM,
)
from skgenerative.boltzmann import _mcrbm_math, _mpot_math, _ssrbm_math
from skgenerative.boltzmann._covariance_ais import reverse_ais
from skgenerative.datasets import load_image_patches

from _budget import load_average

#: The math modules of the covariance models (what reverse AIS anneals).
MATH = {SpikeSlabRBM: _ssrbm_math, MeanCovarianceRBM: _mcrbm_math,
        MeanProductTDistribution: _mpot_math}


def n_parameters(model):
    """Number of learned floats (fitted array attributes that are parameters)."""
    names = getattr(model, "_parameter_names", None)
    if names:
        return int(sum(np.size(getattr(model, n)) for n in names))
    return None


def train_for(model, X, budget):
    """Fit one epoch at a time (warm start) until ``budget`` seconds pass."""
    model.set_params(max_iter=1, warm_start=True)
    start = time.perf_counter()
    epochs = 0
    while epochs == 0 or time.perf_counter() - start < budget:
        model.fit(X)
        epochs += 1
    return epochs, time.perf_counter() - start


def reverse_log_z(model, n_steps, n_temperatures):
    """Reverse AIS from the model's persistent chains, run on for ``n_steps``
    transitions of its own sampler; block-Gibbs transitions while annealing."""
    math = MATH[type(model)]
    rng = np.random.default_rng(1)
    params = type(model._params())(*(np.asarray(a, dtype=np.float64)
                                     for a in model._params()))
    Z = model._run_chains(model.chains_.astype(np.float64), n_steps, rng)
    this = SimpleNamespace(annealed=math.annealed, free_energy=math.free_energy)
    return reverse_ais(this, params, math.base_log_partition(params), Z, n_temperatures,
                       math.gibbs_sweep, rng)


def report(name, model, X_test, epochs=None, seconds=None, reverse=None):
    start = time.perf_counter()
    scores, std = model.score_samples(X_test, return_std=True)
    kind = getattr(model, "score_kind_", "exact")
    err = f" ± {std.mean():.2f} (log Z)" if np.any(std > 0) else ""
    extra = f", {epochs} epochs in {seconds:.0f} s" if epochs is not None else ""
    count = n_parameters(model)
    params = f", {count} parameters" if count else ""
    print(f"{name:<44} test LL = {scores.mean():8.2f}{err} [{kind}]{params}{extra}, "
          f"scored in {time.perf_counter() - start:.0f} s", flush=True)
    if hasattr(model, "log_partition_ci_") and type(model) in MATH and reverse is not None:
        forward = model.log_partition_
        backward = reverse_log_z(model, *reverse)
        shift = forward - backward.log_z
        print(f"{'':<44} reverse AIS: test LL = {scores.mean() + shift:8.2f} ± "
              f"{backward.log_z_std:.2f} (model log Z {forward:.2f}, reverse "
              f"{backward.log_z:.2f}, reverse ESS {backward.ess:.0f} of "
              f"{backward.n_runs})", flush=True)


def gaussian_baselines(X, X_test, cv_components):
    mean = X.mean(axis=0)
    diag = multivariate_normal(mean, np.diag(X.var(axis=0))).logpdf(X_test).mean()
    full = multivariate_normal(mean, np.cov(X, rowvar=False)).logpdf(X_test).mean()
    print(f"{'diagonal Gaussian':<44} test LL = {diag:8.2f} [exact]")
    print(f"{'full-covariance Gaussian':<44} test LL = {full:8.2f} [exact]")
    default = GaussianMixture(random_state=0).fit(X).score(X_test)
    print(f"{'GaussianMixture() (defaults)':<44} test LL = {default:8.2f} [exact]")
    start = time.perf_counter()
    search = GridSearchCV(GaussianMixture(covariance_type="full", random_state=0,
                                          reg_covar=1e-4),
                          {"n_components": cv_components}, cv=3).fit(X)
    k = search.best_params_["n_components"]
    print(f"{f'GaussianMixture (CV: {k} components)':<44} test LL = "
          f"{search.best_estimator_.score(X_test):8.2f} [exact], "
          f"{time.perf_counter() - start:.0f} s with the search", flush=True)


def throughput(model, n_chains, n_steps, label):
    start = time.perf_counter()
    model.sample(n_chains, n_steps=n_steps, random_state=0)
    rate = n_chains * n_steps / (time.perf_counter() - start)
    print(f"{label}: {rate:,.0f} chain transitions per second "
          f"({n_chains} chains x {n_steps} steps)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=600.0,
                        help="training seconds per model (default 600)")
    parser.add_argument("--reverse-steps", type=int, default=1000,
                        help="transitions of the persistent chains before reverse AIS")
    parser.add_argument("--tiny", action="store_true", help="smoke run: small and short")
    args = parser.parse_args()
    if args.tiny:
        sizes = dict(n_patches=2000, n_test_patches=500)
        budget, ais = 3.0, dict(ais_n_runs=20, ais_n_temperatures=100)
        h, cv_components = 8, [1, 2]
        reverse = (10, 100)
    else:
        sizes = dict(n_patches=20000, n_test_patches=5000)
        budget, ais = args.budget, dict(ais_n_runs=100, ais_n_temperatures=None)
        h, cv_components = 64, [1, 2, 4, 8, 16, 32]
        reverse = (args.reverse_steps, ais["ais_n_temperatures"])
    X, X_test = load_image_patches(random_state=0, return_X=True, **sizes)
    print(f"patches: train {X.shape}, test {X_test.shape}; training budget {budget:.0f} s "
          f"per model; AIS {ais}; load average {load_average():.1f} at the start")
    gaussian_baselines(X, X_test, cv_components)
    # about 2 * h * 63 parameters each
    models = {
        f"GaussianBernoulliRBM({2 * h})": GaussianBernoulliRBM(
            n_components=2 * h, random_state=0, **ais),
        f"RNADE({h}, 5 mixture components)": RNADE(n_components=h, random_state=0),
        f"SpikeSlabRBM({h})": SpikeSlabRBM(n_components=h, random_state=0, **ais),
        f"MeanCovarianceRBM({h // 2} mean, {h // 2} cov, {h} factors)": MeanCovarianceRBM(
            n_components=h // 2, n_covariance_components=h // 2, n_factors=h,
            random_state=0, **ais),
        f"MeanProductTDistribution({h} mean, {h} cov)": MeanProductTDistribution(
            n_components=h, n_covariance_components=h, random_state=0, **ais),
    }
    fitted = {}
    for name, model in models.items():
        epochs, seconds = train_for(model, X, budget)
        report(name, model, X_test, epochs, seconds, reverse)
        fitted[type(model).__name__] = model
    n_chains, n_steps = (20, 20) if args.tiny else (100, 200)
    throughput(fitted["SpikeSlabRBM"], n_chains, n_steps, "SpikeSlabRBM block Gibbs")
    mp = fitted["MeanProductTDistribution"]
    throughput(mp, n_chains, n_steps, f"MeanProductTDistribution ({mp.sampler})")
    other = "hmc" if mp.sampler == "gibbs" else "gibbs"
    mp.set_params(sampler=other)
    throughput(mp, n_chains, n_steps, f"MeanProductTDistribution ({other}, step "
               f"{mp.hmc_step_size_:.3g})")
    mc = fitted["MeanCovarianceRBM"]
    throughput(mc, n_chains, n_steps,
               f"MeanCovarianceRBM HMC ({mc.n_leapfrog} leapfrog steps, step "
               f"{mc.hmc_step_size_:.3g}, training acceptance {mc.hmc_acceptance_rate_:.2f})")
    print(f"load average {load_average():.1f} at the end")


if __name__ == "__main__":
    main()
