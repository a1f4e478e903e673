"""Autoregressive models on binarized MNIST: test log-likelihood, time, speed.

Trains FVSBN, NADE and a 2-hidden-layer order-agnostic NADE (EoNADE) on the
standard fixed binarization of MNIST and prints, for each, the exact test
log-likelihood (nats; for EoNADE the exact log-density of ensembles of 1, 2,
4, ... up to ``--oa-ensemble`` orderings, 128 by default, each ordering's
scores saved as they come), the epochs run and the wall time, next to the
literature:

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
import os
import time

import numpy as np
from scipy.special import logsumexp
from threadpoolctl import threadpool_limits

from skgenerative import FVSBN, NADE, OrderAgnosticNADE

from _budget import (
    BudgetedRun,
    add_budget_arguments,
    chunked_test_score,
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
                           valid_rows=None, score_rows=None, schedule=None, test_score=None,
                           validate_every=None, **run_options):
    """Train within the budget (resumable), then print the table row.
    ``schedule``: the learning rate as a function of the budget spent;
    ``test_score(model, run, rows)``: the test figure (default ``model.score``)."""
    budget = args.budget if args.budget is not None else BUDGET_MINUTES[key]
    valid_subset = valid if valid_rows is None else valid[:valid_rows]
    run = BudgetedRun(key, args.out, budget, resume=args.resume,
                      validate=lambda m: m.score(valid_subset),
                      validate_every=validate_every or args.validate_every,
                      max_epochs=args.max_epochs, **run_options)
    if schedule is not None:
        run.train_epoch = scheduled_epoch(run, schedule, run.train_epoch)
    model = run.run(make_model, train)
    rows = test if score_rows is None else test[:score_rows]
    start = time.perf_counter()
    test_ll = model.score(rows) if test_score is None else test_score(model, run, rows)
    score_time = time.perf_counter() - start
    state = run.state
    print(
        f"| {label} | {test_ll:.2f} | {state['curve'][-1][2]:.2f} | {LITERATURE[key]} | "
        f"{model.n_iter_} | {state['train_seconds'] / 60:.1f} min | "
        f"{score_time:.1f} s ({len(rows)} rows) | {load_average():.2f} |",
        flush=True,
    )
    return model


def ensemble_test_score(model, run, test, n_orderings, seed=0):
    """EoNADE's exact test log-likelihood for ensembles of 1, 2, 4, ... and
    ``n_orderings`` orderings (the model's own first, then seeded random
    permutations: the network is trained for every ordering). Each
    ordering's per-row scores are saved as they come, so a stopped
    evaluation resumes; prints the table, returns the largest ensemble's
    figure."""
    rng = np.random.default_rng(seed)
    D = test.shape[1]
    orderings = list(model.orderings_[:n_orderings])
    orderings += [rng.permutation(D) for _ in range(n_orderings - len(orderings))]
    state = run.state
    per_ordering = []
    # one H x H GEMM per dimension over all test rows: two threads 1.3x faster (idle)
    with threadpool_limits(os.cpu_count(), user_api="blas"):
        for k, order in enumerate(orderings):
            per_ordering.append(chunked_test_score(
                lambda X, o=order: model.log_prob_orderings(X, orderings=o[None])[0],
                test, run.folder / f"test_ordering_{k:03d}.npz",
                key=(state["epochs"], state["train_seconds"], len(test), seed, k),
                chunk_rows=len(test), label=f"{run.name} ordering {k + 1} of {n_orderings}",
            ))
    per_ordering = np.array(per_ordering)
    sizes = sorted({min(2**i, n_orderings) for i in range(n_orderings.bit_length() + 1)})
    print(f"\n| orderings in the ensemble | test LL ({len(test)} rows) | paper |")
    print("|---|---|---|")
    for size in sizes:
        ll = logsumexp(per_ordering[:size], axis=0) - np.log(size)
        print(f"| {size} | {ll.mean():.2f} | {LITERATURE['oanade'] if size == sizes[-1] else ''} |")
    print(flush=True)
    return float(np.mean(logsumexp(per_ordering, axis=0) - np.log(n_orderings)))


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
    parser.add_argument("--oa-ensemble", type=int, default=128,
                        help="EoNADE: orderings in the test ensemble (the table shows 1, 2, 4, ... "
                             "up to this; 35-46 s per ordering on the test set, resumable)")
    parser.add_argument("--oa-valid-rows", type=int, default=1000)
    parser.add_argument("--oa-validate-every", type=int, default=5,
                        help="EoNADE: epochs between validation scores (an exact ordering walks "
                             "every pixel: scoring 1,000 rows costs a sizeable share of an epoch)")
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
                "oanade", f"EoNADE 2x{args.oa_hidden}, {args.oa_ensemble} orderings",
                lambda: OrderAgnosticNADE(
                    args.oa_hidden, n_hidden_layers=2, n_orderings=args.oa_orderings,
                    learning_rate=1e-3, random_state=0,
                ),
                train, valid, test, args,
                valid_rows=args.oa_valid_rows, score_rows=args.oa_score_rows,
                validate_every=args.oa_validate_every,
                test_score=lambda model, run, rows: ensemble_test_score(
                    model, run, rows, args.oa_ensemble),
                # 180 minutes of Adam: the rate falls from 1e-3 to 1e-4 over the budget
                schedule=exponential_decay(1e-3, 10) if args.oa_lr_decay else None,
            )
        if "speed" in args.models:
            speed_ratio(nade, test, args.speed_rows, args.speed_rows)


if __name__ == "__main__":
    main()
