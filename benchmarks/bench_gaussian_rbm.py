"""GaussianBernoulliRBM: held-out log-density on real-valued digits, and epoch time.

1. scikit-learn's digits (8x8, values 0..16), dequantized with uniform noise
   (x + u, u ~ U(0, 1)) so that a density is meaningful (DESIGN §8, §20.14),
   split 1500/297. Test log-density in nats of: an independent (diagonal)
   Gaussian, and GaussianBernoulliRBM with 16 hidden units (exact log Z) with
   fixed ("auto") and learned precisions. Data are given as is: the model
   standardizes internally and reports the density of the raw data.
2. Epoch time, PCD-1, 10,000 x 784 standardized rows, nh=500, batch 100, of
   GaussianBernoulliRBM (f32, f64) beside BernoulliRBM on binary rows of the
   same shape (same settings): the cost of Gaussian visibles.

Run: python benchmarks/bench_gaussian_rbm.py
"""

import time

import numpy as np
from sklearn.datasets import load_digits

from skgenerative import BernoulliRBM, GaussianBernoulliRBM


def diagonal_gaussian_score(X_train, X_test, min_variance=1e-3):
    mean, var = X_train.mean(0), np.maximum(X_train.var(0), min_variance)
    return float((-0.5 * (np.log(2 * np.pi * var) + (X_test - mean) ** 2 / var)).sum(1).mean())


def digits_likelihood():
    rng = np.random.default_rng(0)
    X = load_digits().data + rng.random((1797, 64))
    X_train, X_test = X[:1500], X[1500:]
    print(f"digits, dequantized: diagonal Gaussian test LL = "
          f"{diagonal_gaussian_score(X_train, X_test):.2f} nats")
    for params in (
        dict(learning_rate=0.01),
        dict(learning_rate=0.01, momentum=0.5),
        dict(learning_rate=0.005, learn_precision=True),
    ):
        start = time.perf_counter()
        model = GaussianBernoulliRBM(
            n_components=16, max_iter=50, random_state=0, **params
        ).fit(X_train)
        elapsed = time.perf_counter() - start
        print(f"GaussianBernoulliRBM(16, {params}, 50 epochs): test LL = "
              f"{model.score(X_test):.2f} nats (train {model.score(X_train):.2f}), "
              f"fit {elapsed:.1f} s")


def epoch_time(model, X, n_epochs=3):
    model.set_params(**{("n_iter" if isinstance(model, BernoulliRBM) else "max_iter"): 1})
    model.fit(X[:200])  # compile
    model.set_params(warm_start=True)
    start = time.perf_counter()
    for _ in range(n_epochs):
        model.fit(X)
    return (time.perf_counter() - start) / n_epochs


def speed():
    rng = np.random.default_rng(0)
    Xg = rng.standard_normal((10_000, 784))
    Xb = (rng.random((10_000, 784)) < 0.13).astype(np.float64)
    common = dict(n_components=500, batch_size=100, random_state=0, learning_rate=0.01)
    for dtype in (np.float32, np.float64):
        tg = epoch_time(GaussianBernoulliRBM(dtype=dtype, **common), Xg.astype(dtype))
        tb = epoch_time(BernoulliRBM(dtype=dtype, **common), Xb.astype(dtype))
        tl = epoch_time(
            GaussianBernoulliRBM(dtype=dtype, learn_precision=True, **common), Xg.astype(dtype)
        )
        print(f"{np.dtype(dtype).name}: epoch GaussianBernoulliRBM {tg:.2f} s "
              f"(learned precision {tl:.2f} s), BernoulliRBM {tb:.2f} s")


if __name__ == "__main__":
    digits_likelihood()
    speed()
