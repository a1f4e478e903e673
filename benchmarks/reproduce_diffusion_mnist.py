"""The diffusion model's test bound on binarized MNIST (issue 18), with NADE
and the VAE in the same run for context.

Trains ``DiffusionModel()`` (binomial diffusion, T = 32, its defaults) on
the 50,000 training images of the fixed binarization, one epoch at a time
within a wall-clock budget (default 60 min; ``--budget``), checkpointing
every epoch under ``--out`` (``--resume`` continues a stopped or killed
run) with its learning curve (the validation bound on ``--valid-rows``
rows against training time, CSV and PNG; see ``_budget.py``). Then it
prints the test bound in nats (``score_kind_ = "lower_bound"``, Monte Carlo
over ``n_score_samples`` forward trajectories per row) and, unless
``--models diffusion``, the same for ``NADE()`` (exact) and ``VAE()``
(importance-sampled estimate) trained within the same budget each, and the
independent-Bernoulli baseline. Each row prints the load average: figures
are taken on an idle machine.

    python benchmarks/reproduce_diffusion_mnist.py                        # 3 x 60 min
    python benchmarks/reproduce_diffusion_mnist.py --models diffusion --resume
    python benchmarks/reproduce_diffusion_mnist.py --budget 0.1 --max-epochs 1 \\
        --train-rows 1000 --valid-rows 100 --test-rows 100                # smoke
"""

import argparse

import numpy as np

from skgenerative import NADE, VAE, DiffusionModel

from _budget import BudgetedRun, add_budget_arguments, default_data, load_average

MODELS = {
    "diffusion": ("DiffusionModel() (lower bound)", lambda: DiffusionModel(random_state=0)),
    "nade": ("NADE() (exact)", lambda: NADE(random_state=0)),
    "vae": ("VAE() (estimate)", lambda: VAE(random_state=0)),
}


def independent_bernoulli(X_train, X_test):
    m = np.clip(X_train.mean(axis=0), 1e-3, 1 - 1e-3)
    return float((X_test * np.log(m) + (1 - X_test) * np.log1p(-m)).sum(axis=1).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_budget_arguments(parser, default_minutes=60)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--data", default=str(default_data()))
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--validate-every", type=int, default=1)
    parser.add_argument("--train-rows", type=int, default=None)
    parser.add_argument("--valid-rows", type=int, default=1000,
                        help="validation rows scored after each epoch (the curve)")
    parser.add_argument("--test-rows", type=int, default=None)
    args = parser.parse_args()
    data = np.load(args.data)
    train, valid, test = (data[k].astype(np.float64) for k in ("train", "valid", "test"))
    train, valid, test = train[: args.train_rows], valid[: args.valid_rows], test[: args.test_rows]
    print(f"binarized MNIST: {len(train)} training, {len(valid)} validation (curve), "
          f"{len(test)} test rows; budget {args.budget} min per model; "
          f"load {load_average():.2f}", flush=True)
    print(f"independent Bernoulli test log-likelihood: {independent_bernoulli(train, test):.2f}")
    print("| model | test (nats) | last validation | epochs | training | load |")
    print("|---|---|---|---|---|---|")
    for key in args.models:
        label, make_model = MODELS[key]
        run = BudgetedRun(f"mnist-{key}", args.out, args.budget, resume=args.resume,
                          validate=lambda m: m.score(valid), validate_every=args.validate_every,
                          max_epochs=args.max_epochs)
        model = run.run(make_model, train)
        state = run.state
        print(f"| {label} | {model.score(test):.2f} ({model.score_kind_}) | "
              f"{state['curve'][-1][2]:.2f} | {state['epochs']} | "
              f"{state['train_seconds'] / 60:.1f} min | {load_average():.2f} |", flush=True)


if __name__ == "__main__":
    main()
