"""DBN up-down (wake-sleep) fine-tuning: the bound before and after (issue 14).

Two DBNs with the same greedy pretraining (same seed), one fine-tuned by
wake-sleep; the variational bound on training and test rows (and the
importance-sampled test estimate of log p(v), nats) of both, on binarized digits by default or on binarized MNIST
with ``--mnist``. The top RBM is small enough for an exact ``log Z``. Usage::

    PYTHONPATH=. python benchmarks/bench_dbn_wake_sleep.py [--fine-tune-iter N]
        [--mnist PATH --n-train N]
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits

from skgenerative import DBN
from skgenerative.datasets import fetch_binarized_mnist


def load(mnist, n_train):
    if mnist is None:
        X = (load_digits().data > 7).astype(np.float64)
        return X[:1500], X[1500:]
    kw = dict(local_path=mnist, dtype=np.float64, return_X=True)
    X_train = fetch_binarized_mnist(subset="train", **kw)[:n_train]
    return X_train, fetch_binarized_mnist(subset="test", **kw)[:2000]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 16])
    parser.add_argument("--pretrain-iter", type=int, default=20)
    parser.add_argument("--fine-tune-iter", type=int, default=20)
    parser.add_argument("--fine-tune-learning-rate", type=float, default=0.01)
    parser.add_argument("--mnist", default=None)
    parser.add_argument("--n-train", type=int, default=10000)
    args = parser.parse_args(argv)
    X_train, X_test = load(args.mnist, args.n_train)
    common = dict(hidden_layer_sizes=tuple(args.hidden), max_iter=args.pretrain_iter,
                  learning_rate=0.05, random_state=0, n_importance_samples=200)
    rows = []
    for label, extra in [
        ("greedy pretraining only", {}),
        (f"+ wake-sleep, {args.fine_tune_iter} epochs",
         dict(fine_tune="wake-sleep", fine_tune_iter=args.fine_tune_iter,
              fine_tune_learning_rate=args.fine_tune_learning_rate)),
    ]:
        dbn = DBN(**common, **extra).fit(X_train)
        train_bound = float(np.mean(dbn.variational_bound(X_train[:2000])))
        bound = float(np.mean(dbn.variational_bound(X_test)))
        estimate = float(np.mean(dbn.importance_estimate(X_test)))
        rows.append((label, train_bound, bound, estimate, dbn.log_partition_result_.method))
    print(f"{len(X_train)} training / {len(X_test)} test rows, hidden {tuple(args.hidden)}")
    print("| DBN | training bound | test bound | test importance estimate | top log Z |")
    print("|---|---|---|---|---|")
    for label, train_bound, bound, estimate, method in rows:
        print(f"| {label} | {train_bound:.2f} | {bound:.2f} | {estimate:.2f} | {method} |")


if __name__ == "__main__":
    main()
