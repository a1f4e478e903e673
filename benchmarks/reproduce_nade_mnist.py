"""Autoregressive models on binarized MNIST: test log-likelihood, time, speed.

Trains FVSBN, NADE and a 2-hidden-layer order-agnostic NADE (EoNADE) on the
standard fixed binarization of MNIST and prints, for each, the exact test
log-likelihood (nats; the ensemble's exact log-density for EoNADE), the
epochs run and the wall time, next to the literature:

    FVSBN -97.45, NADE-500 -88.86 (Larochelle & Murray 2011),
    EoNADE 2 hidden layers -85.10 (Uria et al. 2014).

Then it times NADE's exact log-likelihood evaluations/s and samples/s
against a plain numpy implementation of the same computation (vectorised over
samples, one step per dimension) and prints the ratio.

The defaults are a SHORT budget (a few minutes on 2 cores), far from the
hundreds of epochs of the papers; pass larger ``--*-epochs`` to reproduce.

    python benchmarks/reproduce_nade_mnist.py [--data PATH] [--nade-epochs 3] ...
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from skgenerative import FVSBN, NADE, OrderAgnosticNADE

def _default_data():
    """$SKGENERATIVE_SHARED_DATA, else a shared/data folder beside the checkout."""
    root = Path(__file__).resolve().parents[1]
    candidates = [os.environ.get("SKGENERATIVE_SHARED_DATA", ""), root.parent / "shared" / "data"]
    candidates.append(root.parent.parent / "shared" / "data")  # from a git worktree
    for folder in candidates:
        if folder and (Path(folder) / "binarized_mnist.npz").exists():
            return Path(folder) / "binarized_mnist.npz"
    return Path(candidates[1]) / "binarized_mnist.npz"


def numpy_nade_log_prob(X, W, V, b, c):
    """Plain numpy NADE log p(x) (identity ordering), float32, batched."""
    n, D = X.shape
    A = np.tile(c, (n, 1))
    Hd = np.empty_like(A)
    ll = np.zeros(n)
    for i in range(D):
        np.negative(A, out=Hd)
        np.exp(Hd, out=Hd)
        Hd += 1
        np.reciprocal(Hd, out=Hd)
        logit = Hd @ V[i] + b[i]
        ll += X[:, i] * logit - np.logaddexp(0, logit)
        A += np.outer(X[:, i], W[i])
    return ll


def numpy_nade_sample(n, W, V, b, c, rng):
    D = W.shape[0]
    A = np.tile(c, (n, 1))
    Hd = np.empty_like(A)
    X = np.zeros((n, D), dtype=W.dtype)
    for i in range(D):
        np.negative(A, out=Hd)
        np.exp(Hd, out=Hd)
        Hd += 1
        np.reciprocal(Hd, out=Hd)
        p = 1 / (1 + np.exp(-(Hd @ V[i] + b[i])))
        X[:, i] = rng.random(n) < p
        A += np.outer(X[:, i], W[i])
    return X


def fit_and_score(name, model, train, valid, test, literature, score_rows=None):
    start = time.perf_counter()
    model.fit(train)
    fit_time = time.perf_counter() - start
    rows = test if score_rows is None else test[:score_rows]
    start = time.perf_counter()
    test_ll = model.score(rows)
    score_time = time.perf_counter() - start
    valid_ll = model.score(valid[: len(rows)])
    print(
        f"| {name} | {test_ll:.2f} | {valid_ll:.2f} | {literature} | {model.n_iter_} | "
        f"{fit_time:.0f} s | {score_time:.1f} s ({len(rows)} rows) |",
        flush=True,
    )
    return model


def speed_ratio(model, test, n_rows, n_samples):
    W, V = model.weights_, model.output_weights_
    b, c = model.intercept_visible_, model.intercept_hidden_
    X = test[:n_rows]
    order = np.arange(X.shape[1])
    assert np.array_equal(model.ordering_, order)
    model.score_samples(X[:2])  # compile outside the timing
    model.sample(2)
    timings = {}
    start = time.perf_counter()
    ours = model.score_samples(X)
    timings["ours LL"] = n_rows / (time.perf_counter() - start)
    start = time.perf_counter()
    ref = numpy_nade_log_prob(X, W, V, b, c)
    timings["numpy LL"] = n_rows / (time.perf_counter() - start)
    assert np.allclose(ours, ref, rtol=1e-4), "the two implementations disagree"
    start = time.perf_counter()
    model.sample(n_samples, random_state=0)
    timings["ours samples"] = n_samples / (time.perf_counter() - start)
    start = time.perf_counter()
    numpy_nade_sample(n_samples, W, V, b, c, np.random.default_rng(0))
    timings["numpy samples"] = n_samples / (time.perf_counter() - start)
    print("\n| NADE-%d f32 | ours /s | plain numpy /s | ratio |" % c.shape[0])
    print("|---|---|---|---|")
    for what in ("LL", "samples"):
        o, r = timings[f"ours {what}"], timings[f"numpy {what}"]
        print(f"| {what} evaluations | {o:.0f} | {r:.0f} | {o / r:.1f}x |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_default_data())
    parser.add_argument("--fvsbn-epochs", type=int, default=10)
    parser.add_argument("--nade-hidden", type=int, default=500)
    parser.add_argument("--nade-epochs", type=int, default=3)
    parser.add_argument("--oa-hidden", type=int, default=500)
    parser.add_argument("--oa-epochs", type=int, default=3)
    parser.add_argument("--oa-orderings", type=int, default=2)
    parser.add_argument("--oa-score-rows", type=int, default=500)
    parser.add_argument("--speed-rows", type=int, default=1000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["fvsbn", "nade", "oanade", "speed"])
    args = parser.parse_args()

    data = np.load(args.data)
    train, valid, test = (data[k].astype(np.float32) for k in ("train", "valid", "test"))
    # the test split is sorted by digit: score a shuffled subset when subsampling
    test = test[np.random.default_rng(0).permutation(len(test))]
    print(f"train {train.shape}, valid {valid.shape}, test {test.shape}; load {os.getloadavg()[0]:.1f}\n")
    print("| model | test LL | valid LL | literature | epochs | fit time | score time |")
    print("|---|---|---|---|---|---|---|")
    with threadpool_limits(1):  # small GEMMs: 1 BLAS thread is faster (DESIGN.md §4)
        if "fvsbn" not in args.skip:
            fit_and_score(
                "FVSBN", FVSBN(learning_rate=1e-2, max_iter=args.fvsbn_epochs, random_state=0),
                train, valid, test, -97.45,
            )
        nade = None
        if "nade" not in args.skip or "speed" not in args.skip:
            nade = NADE(
                args.nade_hidden, learning_rate=1e-3, max_iter=args.nade_epochs, random_state=0, verbose=1
            )
            fit_and_score(f"NADE-{args.nade_hidden}", nade, train, valid, test, -88.86)
        if "oanade" not in args.skip:
            oa = OrderAgnosticNADE(
                args.oa_hidden, n_hidden_layers=2, n_orderings=args.oa_orderings,
                learning_rate=1e-3, max_iter=args.oa_epochs, random_state=0, verbose=1,
            )
            fit_and_score(
                f"EoNADE 2x{args.oa_hidden}, {args.oa_orderings} orderings", oa, train, valid, test,
                -85.10, score_rows=args.oa_score_rows,
            )
        if "speed" not in args.skip:
            speed_ratio(nade, test, args.speed_rows, args.speed_rows)


if __name__ == "__main__":
    main()
