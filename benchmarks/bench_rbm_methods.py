"""Every RBM training method for the same wall time (issue 14, §20.2).

A ``BernoulliRBM`` with 25 hidden units on binarized MNIST trained by CD-1,
PCD-1, centred PCD-1, parallel tempering (PT), ratio matching (RM) and
pseudo-likelihood (PL), each for the same wall-clock budget (whole epochs,
the last one may overrun) or, with ``--epochs``, the same number of epochs
(e.g. ``--methods pcd pcd_centred --epochs 20``: centred against plain), then
scored by the exact test log-likelihood (log Z by enumerating the 2**25
hidden states). One run, one table. Usage::

    PYTHONPATH=. python benchmarks/bench_rbm_methods.py [--budget SECONDS]
        [--epochs N] [--n-train N] [--n-components H] [--methods cd pcd pt ...]
        [--mnist PATH]

Timings need an idle machine: the script prints the 1-minute load average
before the run and before each method (a column of the table), and warns
when it is above 1 (another process shares the cores, so equal wall time is
not equal work). ``--budget 2 --n-train 500 --n-components 8`` is a smoke
run. Run it from the checkout (``benchmarks/`` on the path for ``_budget``).
"""

import argparse
import time
from pathlib import Path

import numpy as np
from _budget import default_data, load_average

from skgenerative import BernoulliRBM
from skgenerative.datasets import fetch_binarized_mnist

#: Above this 1-minute load average the wall-time comparison is not fair. The
#: script's own work (loading, compiling, scoring) counts about 1 of it.
BUSY_LOAD = 1.5
METHODS = {
    "cd": dict(method="cd"),
    "pcd": dict(method="pcd"),
    "pcd_centred": dict(method="pcd", centering=True),
    "pt": dict(method="pt", n_temperatures=10),
    "ratio_matching": dict(method="ratio_matching"),
    "pseudo_likelihood": dict(method="pseudo_likelihood"),
}


def load(path):
    local = path if path is not None and Path(path).exists() else None
    kw = dict(local_path=local, dtype=np.float32, return_X=True)
    return fetch_binarized_mnist(subset="train", **kw), fetch_binarized_mnist(subset="test", **kw)


def train_for(budget, X, n_components, learning_rate, params, epochs=None):
    """Whole epochs (``warm_start``) until ``budget`` seconds have passed, or
    exactly ``epochs`` epochs when given."""
    model = BernoulliRBM(
        n_components=n_components, learning_rate=learning_rate, batch_size=100, n_iter=1,
        warm_start=True, random_state=0, log_z="exact", exact_limit=max(25, n_components),
        **params,
    )
    start = time.perf_counter()
    while (time.perf_counter() - start < budget) if epochs is None else (
        getattr(model, "n_iter_", 0) < epochs
    ):
        model.fit(X)
    return model, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=300.0, help="seconds per method")
    parser.add_argument("--epochs", type=int, default=None,
                        help="train every method for this many epochs instead of --budget")
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-components", type=int, default=25)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--mnist", default=str(default_data()))
    args = parser.parse_args(argv)
    X_train, X_test = load(args.mnist)
    if args.n_train is not None:
        X_train = X_train[: args.n_train]
    p = np.clip(X_train.mean(0), 1e-3, 1 - 1e-3)
    independent = float(np.mean(X_test @ np.log(p) + (1 - X_test) @ np.log(1 - p)))
    print(f"{len(X_train)} training rows, {len(X_test)} test rows, {args.n_components} hidden, "
          f"budget {args.budget:g} s per method, learning rate {args.learning_rate}")
    print(f"independent (marginals) model: {independent:.2f} nats")
    for name in args.methods:  # compile the kernels before the clocks start
        BernoulliRBM(n_components=2, n_iter=1, random_state=0, **METHODS[name]).fit(X_train[:20])
    start_load = load_average()
    print(f"load average before the run: {start_load:.2f}")
    if start_load > BUSY_LOAD:
        print(f"WARNING: load {start_load:.2f} > {BUSY_LOAD}: the machine is busy, equal "
              "wall time is not equal work; rerun on an idle machine for the timed comparison.")
    print("| method | epochs | wall time (s) | load before | exact test log-likelihood (nats) |")
    print("|---|---|---|---|---|")
    for name in args.methods:
        method_load = load_average()
        model, elapsed = train_for(
            args.budget, X_train, args.n_components, args.learning_rate, METHODS[name],
            args.epochs,
        )
        assert model.score_kind_ == "exact"
        print(f"| {name} | {model.n_iter_} | {elapsed:.0f} | {method_load:.2f} | "
              f"{model.score(X_test):.2f} |", flush=True)


if __name__ == "__main__":
    main()
