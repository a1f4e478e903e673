"""Time AIS on a 784x500 RBM: 100 runs x 14,501 temperatures (the
Salakhutdinov & Murray 2008 budget).

Usage::

    python benchmarks/bench_ais.py [--n-temperatures N] [--dtype float32|float64]
                                   [--n-jobs J] [--mnist PATH]

The RBM has random weights of a realistic scale (N(0, 0.05^2), hidden biases
-1, visible biases at the logit of the binarized-MNIST pixel means when the
shared file is present, else logit(0.13)). The time excludes compilation (a
warm-up call on a short schedule first). Prints the wall time and the Gibbs
updates per second (n_runs * n_temperatures * (n_visible + n_hidden) unit
updates per second).
"""

import argparse
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from skgenerative.evaluation import ais_log_partition, base_rate_from_data

from _budget import default_data

DEFAULT_MNIST = default_data()


def make_rbm(n_visible, n_hidden, base_rate, seed=0):
    rng = np.random.default_rng(seed)
    return SimpleNamespace(
        components_=rng.normal(0.0, 0.05, (n_hidden, n_visible)),
        intercept_hidden_=np.full(n_hidden, -1.0),
        intercept_visible_=base_rate.copy(),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-temperatures", type=int, default=None,
                        help="default: the 14,501-temperature schedule")
    parser.add_argument("--n-runs", type=int, default=100)
    parser.add_argument("--n-hidden", type=int, default=500)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--mnist", default=os.environ.get("SKGENERATIVE_MNIST", DEFAULT_MNIST))
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)

    if Path(args.mnist).exists():
        base_rate = base_rate_from_data(np.load(args.mnist)["train"])
    else:
        base_rate = np.full(784, np.log(0.13 / 0.87))
    rbm = make_rbm(784, args.n_hidden, base_rate)
    dtype = np.dtype(args.dtype)

    t0 = time.perf_counter()
    ais_log_partition(rbm, n_runs=4, betas=3, random_state=0, dtype=dtype)
    compile_s = time.perf_counter() - t0

    t0, c0 = time.perf_counter(), time.process_time()
    result = ais_log_partition(rbm, n_runs=args.n_runs, betas=args.n_temperatures,
                               random_state=0, dtype=dtype, n_jobs=args.n_jobs)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    updates = result.n_runs * result.n_temperatures * (784 + args.n_hidden)
    print(f"AIS 784x{args.n_hidden}, {result.n_runs} runs x {result.n_temperatures} "
          f"temperatures, {args.dtype}, n_jobs={args.n_jobs}")
    print(f"  first call (compile or cache load): {compile_s:.2f} s")
    print(f"  wall time: {elapsed:.1f} s (CPU time {cpu:.1f} s; load average "
          f"{os.getloadavg()[0]:.1f} at the end)")
    print(f"  Gibbs unit updates/s: {updates / elapsed:.3g}")
    print(f"  log Z = {result.log_z:.3f} +- {result.log_z_std:.3f} "
          f"(ESS {result.ess:.1f})")


if __name__ == "__main__":
    main()
