"""Time to quality: skgenerative against plain PyTorch on the same CPU, in one run.

Trains the same model, on the same data, with the same optimiser settings,
once with skgenerative and once in plain PyTorch (float32, the idiomatic
vectorised formulation, torch's default threads), and records each one's
learning curve: a held-out log-likelihood against training wall time (the
scoring is not counted as training time). Then it prints, for each, the
training time at which the curve first reached ``--target`` and the ratio.

Models (the issue-21 shapes):

* ``nade`` -- NADE-500 (Larochelle & Murray 2011), identity ordering,
  Adam 1e-3, batch 100; the curve is the exact test log-likelihood; the
  target is -88.9 nats (the paper's -88.86).
* ``vae`` -- VAE 784-200-200-50-200-200-784, tanh, Bernoulli decoder,
  Adam 1e-3, batch 100; the curve is the 10-sample importance bound on 1,000
  validation rows; after training, the test log-likelihood is importance
  sampled with ``--eval-k`` samples on ``--eval-rows`` seeded test rows.
  Each implementation scores itself with the same estimator (k draws from
  q(z | x), log-mean-exp of the weights), so the figures are comparable.

Both runs checkpoint every epoch under ``--out`` (``--resume`` continues),
writing ``curve.csv`` / ``curve.png`` per run (see ``_budget.py``), and a
joint plot ``ttq_<model>.png``.

torch is needed only here (benchmark environment): on this machine class,
``pip install torch==2.13.0`` installs the CPU build. Time only on an idle
machine; the script prints the load.

    python benchmarks/ttq_torch.py --models nade --budget 8 --torch-budget 40
    python benchmarks/ttq_torch.py --models vae --budget 18 --torch-budget 18
    python benchmarks/ttq_torch.py --models nade,vae --budget 0.3 --max-epochs 1 \
        --train-rows 2000 --eval-rows 50 --eval-k 20          # smoke
"""

import argparse
import csv
import os
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

from skgenerative import NADE
from skgenerative.latent import VAE

from _budget import BudgetedRun, add_budget_arguments, default_data, load_average

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError as exc:  # pragma: no cover - benchmark environment only
    raise SystemExit(
        "ttq_torch.py needs PyTorch: pip install torch==2.13.0 (CPU build on this machine class)"
    ) from exc


# ---------------------------------------------------------------- plain PyTorch models


class TorchNADE(nn.Module):
    """NADE with the identity ordering: a = c + sum_{j<i} x_j W_j.

    ``formulation="loop"`` (default) runs one step per dimension with O(n H)
    memory, as NADE is usually written in PyTorch; ``"cumsum"`` vectorises
    over dimensions with prefix sums, which builds (n, D, H) tensors and was
    measured 5-7x slower per epoch on this CPU (7.0 min for one epoch).
    """

    def __init__(self, n_features, n_hidden, base_rate, seed, formulation="loop"):
        super().__init__()
        self.formulation = formulation
        g = torch.Generator().manual_seed(seed)
        self.W = nn.Parameter(0.01 * torch.randn(n_features, n_hidden, generator=g))
        self.V = nn.Parameter(0.01 * torch.randn(n_features, n_hidden, generator=g))
        p = np.clip(base_rate, 1e-3, 1 - 1e-3)
        self.b = nn.Parameter(torch.tensor(np.log(p / (1 - p)), dtype=torch.float32))
        self.c = nn.Parameter(torch.zeros(n_hidden))

    def forward(self, X):
        """log p(x) per row."""
        if self.formulation == "loop":
            a = self.c.expand(X.shape[0], -1)
            ll = 0.0
            for i in range(X.shape[1]):
                logit = torch.sigmoid(a) @ self.V[i] + self.b[i]
                ll = ll - F.binary_cross_entropy_with_logits(logit, X[:, i], reduction="none")
                a = a + torch.outer(X[:, i], self.W[i])
            return ll
        contrib = X.unsqueeze(2) * self.W.unsqueeze(0)  # (n, D, H)
        A = self.c + torch.cumsum(contrib, dim=1) - contrib  # exclusive prefix sums
        logits = (torch.sigmoid(A) * self.V).sum(2) + self.b
        return -F.binary_cross_entropy_with_logits(logits, X, reduction="none").sum(1)

    def loss(self, X):
        return -self(X).mean()


class TorchVAE(nn.Module):
    """Gaussian encoder, Bernoulli decoder, tanh MLPs."""

    def __init__(self, n_features, n_latent, hidden, base_rate, seed):
        super().__init__()
        torch.manual_seed(seed)
        self.n_latent = n_latent
        self.encoder = nn.Sequential(nn.Linear(n_features, hidden[0]), nn.Tanh(),
                                     nn.Linear(hidden[0], hidden[1]), nn.Tanh(),
                                     nn.Linear(hidden[1], 2 * n_latent))
        self.decoder = nn.Sequential(nn.Linear(n_latent, hidden[1]), nn.Tanh(),
                                     nn.Linear(hidden[1], hidden[0]), nn.Tanh(),
                                     nn.Linear(hidden[0], n_features))
        p = np.clip(base_rate, 1e-3, 1 - 1e-3)
        with torch.no_grad():
            self.decoder[-1].bias.copy_(torch.tensor(np.log(p / (1 - p)), dtype=torch.float32))

    def log_weights(self, X, k):
        """log p(x, z) - log q(z | x) for k draws per row, shape (k, n)."""
        mean, log_var = self.encoder(X).chunk(2, dim=1)
        std = torch.exp(0.5 * log_var)
        eps = torch.randn(k, *mean.shape)
        z = mean + std * eps
        logits = self.decoder(z.reshape(-1, self.n_latent)).reshape(k, X.shape[0], -1)
        log_px = -F.binary_cross_entropy_with_logits(
            logits, X.expand(k, -1, -1), reduction="none").sum(2)
        log_pz = -0.5 * (z ** 2).sum(2)
        log_qz = -0.5 * (eps ** 2 + log_var).sum(2)
        return log_px + log_pz - log_qz  # the 2*pi terms cancel

    def elbo(self, X):
        mean, log_var = self.encoder(X).chunk(2, dim=1)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        log_px = -F.binary_cross_entropy_with_logits(self.decoder(z), X, reduction="none").sum(1)
        kl = 0.5 * (mean ** 2 + log_var.exp() - 1 - log_var).sum(1)
        return log_px - kl

    def loss(self, X):
        return -self.elbo(X).mean()

    @torch.no_grad()
    def importance_bound(self, X, k, chunk=50):
        out = []
        for start in range(0, len(X), chunk):
            lw = self.log_weights(X[start:start + chunk], k)
            out.append(torch.logsumexp(lw, 0) - np.log(k))
        return torch.cat(out)


class TorchRun:
    """A plain PyTorch model, its Adam state and its random stream: one picklable object."""

    def __init__(self, module, learning_rate, batch_size, seed):
        self.module = module
        self.optimizer = torch.optim.Adam(module.parameters(), lr=learning_rate)
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)

    def train_epoch(self, X):
        order = self.rng.permutation(len(X))
        for start in range(0, len(X), self.batch_size):
            batch = X[order[start:start + self.batch_size]]
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.module.loss(batch)
            loss.backward()
            self.optimizer.step()


# ------------------------------------------------------------------------ the runs


def ours_nade(seed):
    return NADE(500, learning_rate=1e-3, batch_size=100, dtype=np.float32, random_state=seed)


def ours_vae(seed):
    return VAE(50, encoder_layer_sizes=(200, 200), decoder_layer_sizes=(200, 200),
               learning_rate=1e-3, batch_size=100, dtype=np.float32, random_state=seed)


def torch_nade(base_rate, seed, formulation="loop"):
    module = TorchNADE(base_rate.shape[0], 500, base_rate, seed, formulation)
    return TorchRun(module, 1e-3, 100, seed)


def torch_vae(base_rate, seed):
    module = TorchVAE(base_rate.shape[0], 50, (200, 200), base_rate, seed)
    return TorchRun(module, 1e-3, 100, seed)


def first_time_at(curve, target):
    """Training minutes at which the curve first reaches ``target`` (None if never)."""
    for _, seconds, score, *_ in curve:
        if score >= target:
            return seconds / 60
    return None


def plot_pair(path, title, curves, target):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, curve in curves.items():
        ax.plot([r[1] / 60 for r in curve], [r[2] for r in curve], marker=".", label=label)
    if target is not None:
        ax.axhline(target, color="grey", ls="--", lw=1, label=f"target {target}")
    ax.set_xlabel("training time (min)")
    ax.set_ylabel("log-likelihood (nats)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run_pair(name, args, train, valid, test):
    base_rate = train.mean(0)
    target = {"nade": -88.9, "vae": None}[name] if args.target is None else args.target
    torch_train = torch.from_numpy(train)
    if name == "nade":
        scored = test  # the target is the exact test log-likelihood
        torch_scored = torch.from_numpy(scored)
        validate_ours = lambda m: m.score(scored)  # noqa: E731
        validate_torch = lambda r: float(_torch_nade_score(r.module, torch_scored))  # noqa: E731
        make_ours = lambda: ours_nade(args.seed)  # noqa: E731
        make_torch = lambda: torch_nade(base_rate, args.seed, args.torch_nade)  # noqa: E731
        what = "exact test LL"
    else:
        scored = valid[: args.valid_rows]
        torch_scored = torch.from_numpy(scored)
        validate_ours = lambda m: float(m.importance_bound(scored, 10, random_state=0).mean())  # noqa: E731

        def validate_torch(r):
            torch.manual_seed(0)
            return float(r.module.importance_bound(torch_scored, 10).mean())

        make_ours, make_torch = (lambda: ours_vae(args.seed)), (lambda: torch_vae(base_rate, args.seed))
        what = f"10-sample bound, {len(scored)} valid rows"
    curves = {}
    ours = BudgetedRun(f"ttq-{name}-ours", args.out, args.budget, resume=args.resume,
                       validate=validate_ours, max_epochs=args.max_epochs, score_name=what)
    ours_model = ours.run(make_ours, train)
    curves["skgenerative"] = ours.state["curve"]
    theirs = BudgetedRun(
        f"ttq-{name}-torch", args.out, args.torch_budget if args.torch_budget is not None else args.budget,
        resume=args.resume, validate=validate_torch, max_epochs=args.max_epochs,
        train_epoch=lambda r, X: r.train_epoch(X), score_name=what,
    )
    torch_run = theirs.run(make_torch, torch_train)
    curves["plain PyTorch"] = theirs.state["curve"]
    plot_pair(Path(args.out) / f"ttq_{name}.png", f"{name}: {what}", curves, target)

    print(f"\n### {name}: {what}, load {load_average():.2f}")
    print("| implementation | epochs | training min | last score | s/epoch | min to target |")
    print("|---|---|---|---|---|---|")
    reached = {}
    for label, run in (("skgenerative", ours), ("plain PyTorch", theirs)):
        st = run.state
        reached[label] = None if target is None else first_time_at(st["curve"], target)
        at = "-" if target is None else ("not reached" if reached[label] is None else f"{reached[label]:.1f}")
        print(f"| {label} | {st['epochs']} | {st['train_seconds'] / 60:.1f} | {st['curve'][-1][2]:.2f} | "
              f"{st['train_seconds'] / max(st['epochs'], 1):.1f} | {at} |")
    if target is not None and reached["skgenerative"] and reached["plain PyTorch"]:
        print(f"time to {target}: plain PyTorch / ours = "
              f"{reached['plain PyTorch'] / reached['skgenerative']:.2f}x")
    if target is None:  # equal-time comparison: our score at each of torch's checkpoints
        _print_equal_time(curves)
    if name == "vae":
        rows = np.random.default_rng(12345).choice(len(test), args.eval_rows, replace=False)
        X = test[rows]
        ours_model.set_params(n_importance_samples=args.eval_k)
        ll_ours = ours_model.score_samples(X)
        torch.manual_seed(0)
        ll_torch = torch_run.module.importance_bound(torch.from_numpy(X), args.eval_k, chunk=10).numpy()
        for label, ll in (("skgenerative", ll_ours), ("plain PyTorch", ll_torch)):
            print(f"{label}: test LL {ll.mean():.2f} ± {ll.std() / np.sqrt(len(ll)):.2f} "
                  f"(k={args.eval_k}, {len(ll)} seeded test rows)")
    _write_summary(Path(args.out) / f"ttq_{name}.csv", curves)


def _print_equal_time(curves):
    ours, theirs = curves["skgenerative"], curves["plain PyTorch"]
    print("| training min | skgenerative | plain PyTorch |")
    print("|---|---|---|")
    for row in theirs:
        best_ours = [r[2] for r in ours if r[1] <= row[1]]
        mine = f"{max(best_ours):.2f}" if best_ours else "-"
        print(f"| {row[1] / 60:.1f} | {mine} | {row[2]:.2f} |")


def _write_summary(path, curves):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["implementation", "epoch", "train_seconds", "score", "scoring_seconds", "load"])
        for label, curve in curves.items():
            for row in curve:
                writer.writerow([label, *row])


@torch.no_grad()
def _torch_nade_score(module, X):
    """Mean exact log p(x): one step per dimension, O(n H) memory (scoring needs no graph)."""
    A = module.c.expand(len(X), -1).clone()
    ll = torch.zeros(len(X))
    for i in range(X.shape[1]):
        logit = torch.sigmoid(A) @ module.V[i] + module.b[i]
        ll -= F.binary_cross_entropy_with_logits(logit, X[:, i], reduction="none")
        A += torch.outer(X[:, i], module.W[i])
    return ll.mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(default_data()))
    ap.add_argument("--models", default="nade,vae")
    add_budget_arguments(ap, 8)
    ap.add_argument("--torch-budget", type=float, default=None,
                    help="training minutes for the PyTorch run (default: --budget)")
    ap.add_argument("--torch-nade", choices=["loop", "cumsum"], default="loop",
                    help="PyTorch NADE formulation (see TorchNADE)")
    ap.add_argument("--target", type=float, default=None, help="default: -88.9 for NADE")
    ap.add_argument("--max-epochs", type=int, default=None, help="cap per run (smoke runs)")
    ap.add_argument("--train-rows", type=int, default=None, help="subset (smoke runs)")
    ap.add_argument("--valid-rows", type=int, default=1000)
    ap.add_argument("--eval-rows", type=int, default=2000)
    ap.add_argument("--eval-k", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    data = np.load(args.data)
    train = data["train"][: args.train_rows].astype(np.float32)
    valid = data["valid"].astype(np.float32)
    test = data["test"].astype(np.float32)
    blas = ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info())
    print(f"train {train.shape}; torch {torch.__version__} with {torch.get_num_threads()} threads; "
          f"numpy BLAS: {blas}; cpus {os.cpu_count()}; load {load_average():.2f}", flush=True)
    for name in args.models.split(","):
        run_pair(name, args, train, valid, test)


if __name__ == "__main__":
    main()
