"""JSB Chorales: test log-likelihood per time step of the sequence models.

    PYTHONPATH=. python benchmarks/bench_sequences.py [--max-iter N] [--n-components N]
        [--weight-rank R] [--tiny]

Compares, in one run, on the Boulanger-Lewandowski et al. (2012) splits:

* independent Bernoulli frames (each key on with its training frequency,
  frames independent): the floor any sequence model must beat;
* ``ConditionalRBM`` (Taylor et al. 2007);
* ``RNNRBM`` (Boulanger-Lewandowski et al. 2012; their Table 1: about -7.3
  nats per time step with 150 RBM hidden units and AIS).

Scores are exact (per-frame log Z by enumeration) while ``--n-components``
is at most the estimators' ``exact_limit`` (16), else per-frame AIS
estimates, printed with their standard error (slow: one AIS run per test
frame); options left out keep the estimators' defaults. Fit
times are wall clock (kernels compiled first), with the 1-minute load
average after each fit: take them on an idle machine. ``--tiny`` is a smoke run
(a few chorales, 2 epochs).
"""

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone

from skgenerative import RNNRBM, ConditionalRBM
from skgenerative.datasets import load_jsb_chorales

from _budget import load_average

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "jsb_chorales.npz"


def independent_frames(train, test):
    """Log-likelihood per frame of independent Bernoulli keys (training
    frequencies, clipped away from 0 and 1)."""
    p = np.clip(train.mean(axis=0), 1e-3, 1 - 1e-3)
    return float(np.mean(test @ np.log(p) + (1 - test) @ np.log(1 - p)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    # None: the estimator's default
    parser.add_argument("--max-iter", type=int, default=None)
    parser.add_argument("--n-components", type=int, default=None)
    parser.add_argument("--n-recurrent", type=int, default=None)
    parser.add_argument("--order", type=int, default=None)
    parser.add_argument("--weight-rank", type=int, default=None,
                        help="RNNRBM: rank of the state-dependent weights (0: biases only)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tiny", action="store_true", help="smoke run")
    args = parser.parse_args(argv)

    data = load_jsb_chorales(args.data)
    train, train_lengths = data.train, data.train_lengths
    test, test_lengths = data.test, data.test_lengths
    max_iter = args.max_iter
    if args.tiny:
        train, train_lengths = train[: train_lengths[:8].sum()], train_lengths[:8]
        test, test_lengths = test[: test_lengths[:4].sum()], test_lengths[:4]
        max_iter = 2
    print(f"JSB Chorales: {len(train_lengths)} training chorales ({train.shape[0]} frames), "
          f"{len(test_lengths)} test chorales ({test.shape[0]} frames)")
    print(f"load average (1 min) before the fits: {load_average():.2f}")
    print(f"{'model':<60} {'test LL / frame':>16} {'fit (s)':>8} {'load':>5}")
    print(f"{'independent Bernoulli frames':<60} {independent_frames(train, test):>16.3f} "
          f"{'-':>8}")
    given = {"max_iter": max_iter, "n_components": args.n_components}
    crbm = dict(given, order=args.order)
    rnnrbm = dict(given, n_recurrent=args.n_recurrent, weight_rank=args.weight_rank)
    models = [
        ConditionalRBM(random_state=args.seed, **{k: v for k, v in crbm.items() if v is not None}),
        RNNRBM(random_state=args.seed, **{k: v for k, v in rnnrbm.items() if v is not None}),
    ]
    for model in models:
        name = repr(model)
        # compile (or load) the kernels before the clock starts
        clone(model).set_params(max_iter=1).fit(train[: train_lengths[:2].sum()],
                                                lengths=train_lengths[:2])
        start = time.perf_counter()
        model.fit(train, lengths=train_lengths)
        elapsed = time.perf_counter() - start
        scores, std = model.score_samples(test, lengths=test_lengths, return_std=True)
        score = scores.sum() / test.shape[0]
        error = "" if model.score_kind_ == "exact" else (
            f"  (AIS, +- {np.sqrt(np.sum(std**2)) / test.shape[0]:.3f})")
        print(f"{name:<60} {score:>16.3f} {elapsed:>8.1f} {load_average():>5.2f}{error}")
    print("literature (Boulanger-Lewandowski et al. 2012, Table 1): RNN-RBM about -7.3")


if __name__ == "__main__":
    main()
