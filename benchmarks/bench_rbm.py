"""BernoulliRBM vs scikit-learn's, side by side in one run.

For each (n_components, batch_size): seconds per PCD-1 epoch of
``sklearn.neural_network.BernoulliRBM`` and of ours, each in float64 and in
float32 (scikit-learn keeps float32 input in float32, so each dtype is an
identical-settings comparison), on the same rows, interleaved and repeated
(the minimum is kept: the machines are noisy). Then the test log-likelihood of both after the same
number of epochs at the same settings (exact, by enumeration, for
n_components <= 25), and the fraction of single-thread float32 GEMM peak that
our epoch reaches at n_components=500. When PyTorch is importable (benchmark
environment: ``pip install torch==2.13.0``, the CPU build here), a plain
PyTorch float32 PCD-1 loop of the same algorithm (scikit-learn's update, no
autograd, torch's default threads) is timed in the same run, and the ratio
ours f32 / PyTorch f32 is printed per shape (issue 21 asks >= 1.5x at every
shape).

Data: binarized MNIST from ../shared/data when present, else scikit-learn's
digits (binarized). Usage::

    python benchmarks/bench_rbm.py [--rows 10000] [--repeats 3] [--ll-epochs 5] [--blas-threads 1]
"""

import argparse
import os
import time

import numpy as np
from sklearn.neural_network import BernoulliRBM as SklearnRBM
from threadpoolctl import threadpool_limits

from skgenerative import BernoulliRBM
from skgenerative.boltzmann._unit_math import _binary_log_partition

from _budget import default_data

# $SKGENERATIVE_SHARED_DATA, else shared/data beside the checkout (or the main one)
MNIST = default_data()


def load(rows):
    if MNIST.exists():
        data = np.load(MNIST)
        return "binarized MNIST", data["train"][:rows].astype(np.float64), data["test"].astype(np.float64)
    from skgenerative.datasets import load_binarized_digits

    X = load_binarized_digits().data
    return "binarized digits (MNIST not found)", X[:1500], X[1500:]


def epoch_seconds(make, X, repeats):
    """Minimum over repeats of the time of one epoch (after a warm-up fit)."""
    make().fit(X[:200])  # compile / warm caches
    best = np.inf
    for _ in range(repeats):
        model = make()
        start = time.perf_counter()
        model.fit(X)
        best = min(best, time.perf_counter() - start)
    return best


def exact_test_ll(W, b, c, X):
    log_z = _binary_log_partition(W, b, c)
    free = -X @ b - np.logaddexp(0, X @ W.T + c).sum(1)
    return float(np.mean(-free - log_z))


def torch_epoch_seconds(X32, nh, bs, repeats, lr=0.1):
    """Minimum over repeats of one PCD-1 epoch in plain PyTorch float32
    (scikit-learn's algorithm: persistent chains of ``bs`` rows, SGD)."""
    import torch

    X = torch.from_numpy(X32)
    gen = torch.Generator().manual_seed(0)

    def epoch(X):
        n, d = X.shape
        W = 0.01 * torch.randn(nh, d, generator=gen)
        b, c = torch.zeros(d), torch.zeros(nh)
        chain = torch.zeros(bs, nh)
        order = torch.randperm(n, generator=gen)
        with torch.no_grad():
            for start in range(0, n, bs):
                v = X[order[start:start + bs]]
                h_pos = torch.sigmoid(torch.addmm(c, v, W.t()))
                v_neg = torch.bernoulli(torch.sigmoid(torch.addmm(b, chain, W)), generator=gen)
                h_neg = torch.sigmoid(torch.addmm(c, v_neg, W.t()))
                step = lr / v.shape[0]
                W.addmm_(h_pos.t(), v, alpha=step).addmm_(h_neg.t(), v_neg, alpha=-step)
                b.add_(v.sum(0) - v_neg.sum(0), alpha=step)
                c.add_(h_pos.sum(0) - h_neg.sum(0), alpha=step)
                chain = torch.bernoulli(h_neg, generator=gen)
        return W

    epoch(X[:200])  # warm-up
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        epoch(X)
        best = min(best, time.perf_counter() - start)
    return best


def gemm_peak_gflops(dtype=np.float32, n=1024):
    A = np.random.default_rng(0).random((n, n)).astype(dtype)
    with threadpool_limits(1, user_api="blas"):
        A @ A
        start = time.perf_counter()
        for _ in range(3):
            A @ A
        return 3 * 2 * n**3 / (time.perf_counter() - start) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ll-epochs", type=int, default=5, help="0 skips the likelihood part")
    parser.add_argument(
        "--blas-threads", type=int, default=None,
        help="limit BLAS threads of both libraries (1: a per-core comparison that load "
             "on the machine does not distort); default: BLAS's own setting",
    )
    parser.add_argument(
        "--configs", default="25x10,25x20,25x100,500x10,500x20,500x100",
        help="comma-separated n_components x batch_size",
    )
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    if args.blas_threads is not None:
        threadpool_limits(args.blas_threads, user_api="blas")
    name, X, X_test = load(args.rows)
    X32 = X.astype(np.float32)
    print(f"data: {name}, {X.shape[0]} rows x {X.shape[1]} pixels; cores: {os.cpu_count()}; "
          f"BLAS threads: {args.blas_threads or 'default'}; load {os.getloadavg()[0]:.2f}; "
          + (f"torch {torch.__version__}, {torch.get_num_threads()} threads" if torch else "torch absent"))
    print(f"{'nh':>4} {'batch':>5} | {'sklearn f64':>11} {'ours f64':>9} | {'sklearn f32':>11} {'ours f32':>9}"
          f" | {'x f64':>6} {'x f32':>6}" + (f" | {'torch f32':>9} {'x torch':>7}" if torch else ""))
    ratios64, ratios32, ratios_torch = [], [], []
    for config in args.configs.split(","):
        nh, bs = (int(v) for v in config.split("x"))
        common = dict(n_components=nh, batch_size=bs, n_iter=1, random_state=0)
        t_sk = epoch_seconds(lambda: SklearnRBM(**common), X, args.repeats)
        t_64 = epoch_seconds(lambda: BernoulliRBM(**common), X, args.repeats)
        t_sk32 = epoch_seconds(lambda: SklearnRBM(**common), X32, args.repeats)
        t_32 = epoch_seconds(lambda: BernoulliRBM(**common), X32, args.repeats)
        ratios64.append(t_sk / t_64)
        ratios32.append(t_sk32 / t_32)
        row = (f"{nh:>4} {bs:>5} | {t_sk:>10.3f}s {t_64:>8.3f}s | {t_sk32:>10.3f}s {t_32:>8.3f}s"
               f" | {t_sk / t_64:>5.1f}x {t_sk32 / t_32:>5.1f}x")
        if torch is not None:
            t_torch = torch_epoch_seconds(X32, nh, bs, args.repeats)
            ratios_torch.append(t_torch / t_32)
            row += f" | {t_torch:>8.3f}s {t_torch / t_32:>6.2f}x"
        print(row)
        if nh == 500 and bs >= 100:
            flops = 3 * 2 * (bs + bs) * X.shape[1] * nh * (X.shape[0] / bs)
            peak = gemm_peak_gflops()
            print(f"           f32 epoch at {flops / t_32 / 1e9:.1f} GFlop/s = "
                  f"{100 * flops / t_32 / 1e9 / peak:.0f}% of 1-thread f32 GEMM peak ({peak:.1f} GFlop/s)")
    geo = lambda r: float(np.exp(np.mean(np.log(r))))  # noqa: E731
    print(f"geometric mean speed-up vs scikit-learn: float64 {geo(ratios64):.1f}x, float32 {geo(ratios32):.1f}x")
    if ratios_torch:
        print(f"vs plain PyTorch f32: geometric mean {geo(ratios_torch):.2f}x, "
              f"smallest {min(ratios_torch):.2f}x; load {os.getloadavg()[0]:.2f}")

    if args.ll_epochs == 0:
        return
    print(f"\ntest log-likelihood after {args.ll_epochs} epochs (exact), same settings (PCD-1, lr 0.05):")
    for nh, bs in ((25, 20), (25, 100)):
        common = dict(n_components=nh, batch_size=bs, n_iter=args.ll_epochs,
                      learning_rate=0.05, random_state=0)
        sk = SklearnRBM(**common).fit(X)
        ours = BernoulliRBM(**common).fit(X)
        ll_sk = exact_test_ll(sk.components_, sk.intercept_visible_, sk.intercept_hidden_, X_test)
        print(f"  nh={nh} batch={bs}: sklearn {ll_sk:.2f}  ours {ours.score(X_test):.2f} nats")


if __name__ == "__main__":
    main()
