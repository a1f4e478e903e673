"""Cost of importance-sampled scoring and of RWS training for a sigmoid belief net.

Times ``importance_bound`` (``k`` samples of ``q(h | x)`` per row) of a fitted
SBN on the first test rows of binarized MNIST, then a few training epochs of
``SigmoidBeliefNet((200,))``. Run it once per checkout to compare two
versions side by side (``PYTHONPATH=<checkout>``), on an idle machine: it
prints the load.

Usage::

    PYTHONPATH=. python benchmarks/bench_sbn_scoring.py \
        --model benchmark_runs/sbn-nvil/checkpoint.joblib   # the reproduce_vae_mnist SBN run
    PYTHONPATH=. python benchmarks/bench_sbn_scoring.py --rows 20 --k 50 --epochs 1   # smoke
"""

import argparse
import os
import time

import joblib
import numpy as np

import skgenerative
from skgenerative import SigmoidBeliefNet

from _budget import default_data


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None,
                        help="checkpoint.joblib of a run (its 'model'); default: fit one epoch")
    parser.add_argument("--mnist", default=default_data())
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--k", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=10000)
    args = parser.parse_args()
    data = np.load(args.mnist)
    X_train = data["train"][: args.n_train].astype(np.float32)
    X = data["test"][: args.rows].astype(np.float32)
    print(f"skgenerative from {os.path.dirname(skgenerative.__file__)}")
    if args.model:
        model = joblib.load(args.model)["model"]
    else:
        model = SigmoidBeliefNet((200,), max_iter=1, random_state=0).fit(X_train)
    model.importance_bound(X[:2], 10)  # compile before the clock starts
    start = time.perf_counter()
    bound = model.importance_bound(X, args.k)
    elapsed = time.perf_counter() - start
    print(f"scoring: {args.rows} rows x k={args.k} in {elapsed:.1f} s, mean {bound.mean():.4f} "
          f"nats; load {os.getloadavg()[0]:.2f}")
    SigmoidBeliefNet((200,), max_iter=1, random_state=0).fit(X_train[:100])  # compile
    start = time.perf_counter()
    SigmoidBeliefNet((200,), max_iter=args.epochs, random_state=0).fit(X_train)
    elapsed = time.perf_counter() - start
    print(f"training: {args.epochs} epochs of SigmoidBeliefNet((200,)) on {len(X_train)} rows "
          f"in {elapsed:.1f} s; load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
