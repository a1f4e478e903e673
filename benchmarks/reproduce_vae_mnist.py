"""VAE, IWAE and sigmoid belief nets on binarized MNIST, next to the literature.

Each model trains epoch by epoch on the 50 000 training rows for a
wall-clock budget (default: the issue-21 budgets, VAE 120 min, IWAE 180 min,
SBN 60 min; ``--budget`` sets one for all), checkpointing every epoch under
``--out`` (``--resume`` continues a stopped or killed run) and writing its
learning curve (a ``--valid-k``-sample bound on ``--valid-rows`` validation
rows against training time, CSV and PNG; see ``_budget.py``). Then its test
log-likelihood is estimated as the papers do: importance sampling with
``--eval-k`` = 5000 samples on the whole test set (``--eval-rows`` scores a
seeded subset instead; the test split is sorted by digit, so never a prefix),
with its standard error over rows. The test rows are scored in chunks, in a
seeded random order, saved as they go (``test_scores.npz`` beside the
checkpoint): a stopped evaluation continues on the next run, and the running
figure it prints is an estimate on a random subset of the rows.

Usage::

    python benchmarks/reproduce_vae_mnist.py --models vae              # 120 min + eval
    python benchmarks/reproduce_vae_mnist.py --models vae --resume     # continue
    python benchmarks/reproduce_vae_mnist.py --models iwae50-2 \
        --init-from benchmark_runs/vae2   # IWAE k=50 on the finished 2-layer VAE: 60 min more
    python benchmarks/reproduce_vae_mnist.py --budget 0.2 --max-epochs 1 --train-rows 2000 \
        --eval-rows 50 --eval-k 100                                    # smoke

Literature (test log-likelihood, nats; importance-sampled with k = 5000):
VAE 1 stochastic layer (784-200-200-50, tanh) -86.76, 2 layers -85.33;
IWAE k=50 1 layer -84.78, 2 layers -82.90 (Burda et al., 2016, Table 1,
3280 passes over the data); SBN 200 hidden trained by NVIL -113.1 (Mnih &
Gregor, 2014). Our budget is minutes, not days: the comparison says how far a
short run gets, not what the method can reach.
"""

import argparse
import time
import numpy as np

from skgenerative.latent import IWAE, VAE, HierarchicalVAE, SigmoidBeliefNet

from _budget import (
    BudgetedRun,
    add_budget_arguments,
    chunked_test_score,
    default_data,
    exponential_decay,
    load_average,
    scheduled_epoch,
)

LITERATURE = {
    "vae": "-86.76 (1 layer), -85.33 (2 layers); Burda et al. 2016",
    "iwae5": "-85.54 (1 layer, k=5); Burda et al. 2016",
    "iwae50": "-84.78 (1 layer), -82.90 (2 layers); Burda et al. 2016",
    "vae2": "-85.33 (2 stochastic layers); Burda et al. 2016",
    "iwae50-2": "-82.90 (2 stochastic layers, k=50); Burda et al. 2016",
    "sbn-rws": "see Bornschein & Bengio 2015, Table 1 (SBN 200)",
    "sbn-nvil": "-113.1 (SBN 200); Mnih & Gregor 2014",
}


def make_model(name, seed):
    nets = dict(encoder_layer_sizes=(200, 200), decoder_layer_sizes=(200, 200),
                dtype=np.float32, random_state=seed)
    if name == "vae":
        return VAE(50, **nets)
    if name == "iwae5":
        return IWAE(50, n_importance=5, **nets)
    if name == "iwae50":
        return IWAE(50, n_importance=50, **nets)
    if name in ("vae2", "iwae50-2"):  # Burda et al.'s second architecture
        return HierarchicalVAE((100, 50), hidden_layer_sizes=((200, 200), (100, 100)),
                               n_importance=1 if name == "vae2" else 50,
                               dtype=np.float32, random_state=seed)
    if name == "sbn-rws":
        return SigmoidBeliefNet((200,), method="rws", n_importance=5, learning_rate=1e-3,
                                dtype=np.float32, random_state=seed)
    if name == "sbn-nvil":
        return SigmoidBeliefNet((200,), method="nvil", learning_rate=1e-3,
                                dtype=np.float32, random_state=seed)
    raise ValueError(name)


def burda_schedule(learning_rate=1e-3, n_stages=8):
    """Burda et al.'s (2016) learning rates compressed into the budget: stage
    ``i`` (0-7) runs at ``learning_rate * 10**(-i/7)`` for ``3**i`` of the
    paper's 3,280 epochs, here for the same share of the training time."""
    total = (3 ** n_stages - 1) / 2  # 3280 epochs

    def schedule(fraction):
        stage = min(n_stages - 1, int(np.log(2 * fraction * total + 1) / np.log(3)))
        return learning_rate * 10 ** (-stage / (n_stages - 1))

    return schedule


#: The issue-21 wall-clock budgets (training minutes).
BUDGET_MINUTES = {"vae": 120, "iwae5": 180, "iwae50": 180, "vae2": 120, "iwae50-2": 180,
                  "sbn-rws": 60, "sbn-nvil": 60}


#: Settings a run started from another run's model may change (the rest,
#: the architecture among them, must be equal).
_CONTINUABLE = {"n_importance", "n_importance_samples", "learning_rate", "max_iter", "warm_start",
                "verbose"}


def adopt_as(model, folder):
    """``BudgetedRun.start_from``'s ``adopt``: a finished run's model (same
    class and architecture) given ``model``'s settings, e.g. IWAE's
    ``n_importance=50`` on a VAE's model (Burda et al.'s VAE and IWAE share
    the architecture)."""
    def adopt(start):
        ours, theirs = model.get_params(), start.get_params()
        differ = sorted(k for k in ours if k not in _CONTINUABLE and str(ours[k]) != str(theirs.get(k)))
        if type(start) is not type(model) or differ:
            raise SystemExit(f"{folder} holds a {type(start).__name__} that differs from "
                             f"the {type(model).__name__} in {differ or 'class'}")
        return start.set_params(**{k: ours[k] for k in _CONTINUABLE - {"max_iter", "warm_start"}})

    return adopt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(default_data()))
    ap.add_argument("--models", default="vae,vae2,iwae50,iwae50-2,sbn-nvil",
                    help="of " + ",".join(LITERATURE))
    add_budget_arguments(ap, None)
    ap.add_argument("--max-epochs", type=int, default=None, help="cap per model (smoke runs)")
    ap.add_argument("--train-rows", type=int, default=None, help="subset (smoke runs)")
    ap.add_argument("--validate-every", type=int, default=1)
    ap.add_argument("--valid-rows", type=int, default=1000)
    ap.add_argument("--valid-k", type=int, default=10)
    ap.add_argument("--eval-rows", type=int, default=None, help="default: the whole test set")
    ap.add_argument("--eval-k", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr-schedule", choices=["exp", "paper", "constant"], default="exp",
                    help="VAE/IWAE/SBN learning rate over the budget: 'exp' falls geometrically "
                         "from 1e-3 to 1e-4 (the budget gives fewer epochs than the paper's "
                         "3,280, so the rate stays higher for longer than in 'paper'); 'paper' "
                         "is Burda et al.'s 8 stages of 3**i epochs at 1e-3 * 10**(-i/7), "
                         "compressed into the budget. SBN (Adam 1e-3 too) follows the same "
                         "schedule")
    ap.add_argument("--init-from", default=None, metavar="RUN_FOLDER",
                    help="start the (one) model of --models from the model of this finished run "
                         "of the same architecture, its epochs and training time counted in the "
                         "budget (e.g. iwae50-2 from benchmark_runs/vae2)")
    args = ap.parse_args()
    if args.init_from is not None and "," in args.models:
        ap.error("--init-from needs a single model in --models")

    data = np.load(args.data)
    X_train = data["train"][: args.train_rows].astype(np.float32)
    X_valid = data["valid"][: args.valid_rows].astype(np.float32)
    X_test = data["test"].astype(np.float32)
    if args.eval_rows is not None:  # the test split is sorted by digit: a seeded subset
        rows = np.random.default_rng(12345).choice(len(X_test), args.eval_rows, replace=False)
        X_test = X_test[rows]
    print(f"train {X_train.shape}, test {X_test.shape}, eval k={args.eval_k}, float32, "
          f"load {load_average():.2f}", flush=True)
    results = []
    for name in args.models.split(","):
        budget = args.budget if args.budget is not None else BUDGET_MINUTES[name]
        run = BudgetedRun(
            name, args.out, budget, resume=args.resume, max_epochs=args.max_epochs,
            validate_every=args.validate_every,
            # a k-sample bound on a validation subset: a few % of an epoch
            validate=lambda m: m.importance_bound(X_valid, args.valid_k).mean(),
        )
        if args.lr_schedule != "constant":
            schedule = burda_schedule() if args.lr_schedule == "paper" else exponential_decay(1e-3, 10)
            run.train_epoch = scheduled_epoch(run, schedule)
        if args.init_from is not None:
            run.start_from(args.init_from, adopt_as(make_model(name, args.seed), args.init_from))
        model = run.run(lambda: make_model(name, args.seed), X_train)
        model.set_params(n_importance_samples=args.eval_k)
        t0 = time.perf_counter()
        # chunked and saved as it goes: a stopped evaluation resumes, and its
        # running figure is already an estimate on a random subset of rows
        state = run.state
        ll = chunked_test_score(model.score_samples, X_test, run.folder / "test_scores.npz",
                                key=(state["epochs"], state["train_seconds"], args.eval_k,
                                     len(X_test), args.seed),
                                label=f"{name} test")
        eval_s = time.perf_counter() - t0
        se = ll.std() / np.sqrt(len(ll))
        results.append((name, ll.mean(), se, state["epochs"], state["train_seconds"], eval_s))
        print(f"{name:9s} test LL {ll.mean():8.2f} ± {se:.2f} ({len(ll)} rows) after "
              f"{state['epochs']} epochs ({state['train_seconds'] / 60:.1f} min training, "
              f"{eval_s:.0f}s eval, load {load_average():.2f})  literature: {LITERATURE[name]}",
              flush=True)
    return results


if __name__ == "__main__":
    main()
