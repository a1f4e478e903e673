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

Each model trains for a wall-clock budget (default: the issue-21 budgets,
FVSBN 15 min, NADE 8 min, EoNADE 180 min; ``--budget`` sets one for all),
checkpointing every epoch under ``--out`` (``--resume`` continues a stopped
or killed run) and writing its learning curve (validation log-likelihood
against training time, CSV and PNG; see ``_budget.py``).

    python benchmarks/reproduce_nade_mnist.py --models fvsbn           # 15 min at most
    python benchmarks/reproduce_nade_mnist.py --models nade            # 8 min
    python benchmarks/reproduce_nade_mnist.py --models nade --resume   # continue
    python benchmarks/reproduce_nade_mnist.py --budget 0.2 --max-epochs 1 --train-rows 2000  # smoke
"""

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from skgenerative import FVSBN, NADE, OrderAgnosticNADE

from _budget import (
    BudgetedRun,
    add_budget_arguments,
    default_data,
    exponential_decay,
    load_average,
    scheduled_epoch,
)


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


#: The papers' test figures and the issue's wall-clock budgets (minutes).
LITERATURE = {"fvsbn": -97.45, "nade": -88.86, "oanade": -85.10}
BUDGET_MINUTES = {"fvsbn": 15, "nade": 8, "oanade": 180}


def budgeted_fit_and_score(key, label, make_model, train, valid, test, args, *,
                           valid_rows=None, score_rows=None, schedule=None, **run_options):
    """Train within the budget (resumable), then print the table row.
    ``schedule``: the learning rate as a function of the budget spent."""
    budget = args.budget if args.budget is not None else BUDGET_MINUTES[key]
    valid_subset = valid if valid_rows is None else valid[:valid_rows]
    run = BudgetedRun(key, args.out, budget, resume=args.resume,
                      validate=lambda m: m.score(valid_subset),
                      validate_every=args.validate_every, max_epochs=args.max_epochs, **run_options)
    if schedule is not None:
        run.train_epoch = scheduled_epoch(run, schedule, run.train_epoch)
    model = run.run(make_model, train)
    rows = test if score_rows is None else test[:score_rows]
    start = time.perf_counter()
    test_ll = model.score(rows)
    score_time = time.perf_counter() - start
    state = run.state
    print(
        f"| {label} | {test_ll:.2f} | {state['curve'][-1][2]:.2f} | {LITERATURE[key]} | "
        f"{model.n_iter_} | {state['train_seconds'] / 60:.1f} min | "
        f"{score_time:.1f} s ({len(rows)} rows) | {load_average():.2f} |",
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
    parser.add_argument("--data", default=default_data())
    add_budget_arguments(parser, None)
    parser.add_argument("--max-epochs", type=int, default=None, help="cap per model (smoke runs)")
    parser.add_argument("--validate-every", type=int, default=1)
    parser.add_argument("--train-rows", type=int, default=None, help="subset (smoke runs)")
    parser.add_argument("--fvsbn-alpha", type=float, default=3e-4,
                        help="FVSBN's L2 penalty (chosen on the validation set)")
    parser.add_argument("--fvsbn-chunk", type=int, default=10,
                        help="L-BFGS iterations per checkpoint (each fit call re-evaluates once)")
    parser.add_argument("--nade-hidden", type=int, default=500)
    parser.add_argument("--oa-hidden", type=int, default=500)
    parser.add_argument("--oa-orderings", type=int, default=2)
    parser.add_argument("--oa-score-rows", type=int, default=None)
    parser.add_argument("--oa-valid-rows", type=int, default=1000)
    parser.add_argument("--oa-constant-lr", dest="oa_lr_decay", action="store_false",
                        help="EoNADE: keep Adam's 1e-3 (default: 1e-3 falling to 1e-4 over the budget)")
    parser.add_argument("--speed-rows", type=int, default=1000)
    parser.add_argument("--models", nargs="*", default=["fvsbn", "nade", "oanade", "speed"],
                        choices=["fvsbn", "nade", "oanade", "speed"])
    args = parser.parse_args()

    data = np.load(args.data)
    train, valid, test = (data[k].astype(np.float32) for k in ("train", "valid", "test"))
    train = train[: args.train_rows]
    # the test split is sorted by digit: score a shuffled subset when subsampling
    test = test[np.random.default_rng(0).permutation(len(test))]
    print(f"train {train.shape}, valid {valid.shape}, test {test.shape}; "
          f"budget {args.budget if args.budget is not None else BUDGET_MINUTES} min; "
          f"load {load_average():.2f}\n")
    print("| model | test LL | valid LL | literature | epochs (L-BFGS: iterations) | training time | score time | load |")
    print("|---|---|---|---|---|---|---|---|")
    if "fvsbn" in args.models:  # full-batch GEMMs: every BLAS thread helps
        # the likelihood is convex: full-batch L-BFGS to the optimum, a
        # checkpoint every --fvsbn-chunk iterations, stop at convergence
        def lbfgs_chunk(model, X):
            model.set_params(warm_start=True, max_iter=args.fvsbn_chunk)
            model.fit(X)

        budgeted_fit_and_score(
            "fvsbn", f"FVSBN (L-BFGS, alpha {args.fvsbn_alpha:g})",
            lambda: FVSBN(solver="lbfgs", alpha=args.fvsbn_alpha, dtype=np.float32, random_state=0),
            train, valid, test, args, train_epoch=lbfgs_chunk,
            done=lambda m: m.optimizer_.converged,
        )
    with threadpool_limits(1):  # small GEMMs: 1 BLAS thread is faster (DESIGN.md §4)
        nade = None
        if "nade" in args.models or "speed" in args.models:
            nade = budgeted_fit_and_score(
                "nade", f"NADE-{args.nade_hidden}",
                lambda: NADE(args.nade_hidden, learning_rate=1e-3, random_state=0),
                train, valid, test, args,
            )
        if "oanade" in args.models:
            budgeted_fit_and_score(
                "oanade", f"EoNADE 2x{args.oa_hidden}, {args.oa_orderings} orderings",
                lambda: OrderAgnosticNADE(
                    args.oa_hidden, n_hidden_layers=2, n_orderings=args.oa_orderings,
                    learning_rate=1e-3, random_state=0,
                ),
                train, valid, test, args,
                valid_rows=args.oa_valid_rows, score_rows=args.oa_score_rows,
                # 180 minutes of Adam: the rate falls from 1e-3 to 1e-4 over the budget
                schedule=exponential_decay(1e-3, 10) if args.oa_lr_decay else None,
            )
        if "speed" in args.models:
            speed_ratio(nade, test, args.speed_rows, args.speed_rows)


if __name__ == "__main__":
    main()
