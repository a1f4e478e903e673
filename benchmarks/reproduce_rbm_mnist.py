"""Reproduce the RBM test log-likelihoods on binarized MNIST.

Literature (Salakhutdinov & Murray 2008, DESIGN.md §7):

* RBM with 25 hidden units trained by CD-1: about -164.5 nats (exact log Z);
* RBM with 500 hidden units trained by CD-25: -86.34 nats (AIS log Z).

The papers trained for hours; this script trains within a few minutes of
budget (set the epochs with the options), so its figures show where a short
run gets, next to the literature, and say which number is exact and which is
an AIS estimate. Usage::

    python benchmarks/reproduce_rbm_mnist.py [--epochs-25 N] [--epochs-500 N]
        [--cd-k K] [--n-temperatures T] [--reverse] [--mnist PATH]

Needs the binarized MNIST (``fetch_binarized_mnist``; the shared copy
``../shared/data/binarized_mnist.npz`` is used when present).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from skgenerative import BernoulliRBM
from skgenerative.datasets import fetch_binarized_mnist
from skgenerative.evaluation import (
    ais_log_partition,
    exact_log_partition,
    rbm_log_likelihood,
    reverse_ais_log_partition,
)

DEFAULT_MNIST = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "binarized_mnist.npz"


def load(path, data_home):
    local = path if path is not None and Path(path).exists() else None
    kw = dict(data_home=data_home, local_path=local, dtype=np.float32, return_X=True)
    return (fetch_binarized_mnist(subset="train", **kw),
            fetch_binarized_mnist(subset="test", **kw))


def rbm_25(X_train, X_test, epochs):
    t0 = time.perf_counter()
    rbm = BernoulliRBM(n_components=25, method="cd", n_gibbs_steps=1, learning_rate=0.05,
                       batch_size=100, momentum=0.5, weight_decay=2e-4, n_iter=epochs,
                       random_state=0, log_z="exact", exact_limit=25).fit(X_train)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    log_z = exact_log_partition(rbm)
    t_z = time.perf_counter() - t0
    ll = rbm_log_likelihood(rbm, X_test, log_z)
    print(f"RBM 25 hidden, CD-1, {epochs} epochs (fit {t_fit:.0f} s; exact log Z "
          f"{log_z:.2f} in {t_z:.0f} s)")
    print(f"  test log-likelihood: {ll}   literature: about -164.5 (exact)")


def rbm_500(X_train, X_test, epochs, cd_k, n_temperatures, reverse):
    t0 = time.perf_counter()
    method = "cd" if cd_k else "pcd"
    rbm = BernoulliRBM(n_components=500, method=method, n_gibbs_steps=cd_k or 1,
                       learning_rate=0.05, batch_size=100, momentum=0.5, weight_decay=2e-4,
                       learning_rate_schedule="linear", n_iter=epochs, random_state=0,
                       dtype=np.float32).fit(X_train)
    t_fit = time.perf_counter() - t0
    label = f"CD-{cd_k}" if cd_k else "PCD-1"
    print(f"RBM 500 hidden, {label}, {epochs} epochs (fit {t_fit:.0f} s)")
    t0 = time.perf_counter()
    fwd = ais_log_partition(rbm, n_runs=100, betas=n_temperatures, random_state=0)
    t_ais = time.perf_counter() - t0
    ll = rbm_log_likelihood(rbm, X_test, fwd)
    print(f"  AIS: log Z = {fwd.log_z:.2f} +- {fwd.log_z_std:.2f} (ESS {fwd.ess:.0f}, "
          f"{fwd.n_runs} runs x {fwd.n_temperatures} temperatures, {t_ais:.0f} s)")
    print(f"  test log-likelihood: {ll}   literature: -86.34 (CD-25, AIS)")
    if reverse:
        t0 = time.perf_counter()
        rev = reverse_ais_log_partition(rbm, n_runs=100, betas=n_temperatures,
                                        n_gibbs=1000, random_state=1)
        ll_rev = rbm_log_likelihood(rbm, X_test, rev)
        print(f"  reverse AIS from 1000-sweep Gibbs chains: log Z = {rev.log_z:.2f} "
              f"({time.perf_counter() - t0:.0f} s) -> conservative test LL {ll_rev}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs-25", type=int, default=10)
    parser.add_argument("--epochs-500", type=int, default=10)
    parser.add_argument("--cd-k", type=int, default=0,
                        help="train the 500-unit RBM by CD-k (0: PCD-1, much cheaper)")
    parser.add_argument("--n-temperatures", type=int, default=None,
                        help="AIS schedule length (default: 14,501)")
    parser.add_argument("--reverse", action="store_true", help="also run reverse AIS")
    parser.add_argument("--skip-25", action="store_true")
    parser.add_argument("--skip-500", action="store_true")
    parser.add_argument("--mnist", default=os.environ.get("SKGENERATIVE_MNIST", DEFAULT_MNIST))
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)

    X_train, X_test = load(args.mnist, args.data_home)
    print(f"binarized MNIST: train {X_train.shape}, test {X_test.shape}")
    if not args.skip_25:
        rbm_25(X_train, X_test, args.epochs_25)
    if not args.skip_500:
        rbm_500(X_train, X_test, args.epochs_500, args.cd_k, args.n_temperatures,
                args.reverse)


if __name__ == "__main__":
    main()
