"""VAE, IWAE and sigmoid belief nets on binarized MNIST, next to the literature.

Each model trains for a fixed wall-clock budget by ``partial_fit`` on shuffled
chunks of the 50 000 training rows (so even one IWAE-k=50 epoch need not fit
in the budget), then its test log-likelihood is estimated by importance
sampling (``score_samples`` with ``--eval-k`` samples) on a fixed random
subset of ``--eval-rows`` test rows (the test split is sorted by digit, so a
prefix would be biased).

Usage (short budget; a few minutes in total)::

    python benchmarks/reproduce_vae_mnist.py --models vae,iwae5,iwae50 --budget 60
    python benchmarks/reproduce_vae_mnist.py --models sbn-rws,sbn-nvil --budget 45

Literature (test log-likelihood, nats; importance-sampled with k = 5000):
VAE 1 stochastic layer (784-200-200-50, tanh) -86.76, 2 layers -85.33;
IWAE k=50 1 layer -84.78, 2 layers -82.90 (Burda et al., 2016, Table 1,
3280 passes over the data); SBN 200 hidden trained by NVIL -113.1 (Mnih &
Gregor, 2014). Our budget is minutes, not days: the comparison says how far a
short run gets, not what the method can reach.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np

from skgenerative.latent import IWAE, VAE, SigmoidBeliefNet

LITERATURE = {
    "vae": "-86.76 (1 layer), -85.33 (2 layers); Burda et al. 2016",
    "iwae5": "-85.54 (1 layer, k=5); Burda et al. 2016",
    "iwae50": "-84.78 (1 layer), -82.90 (2 layers); Burda et al. 2016",
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
    if name == "sbn-rws":
        return SigmoidBeliefNet((200,), method="rws", n_importance=5, learning_rate=1e-3,
                                dtype=np.float32, random_state=seed)
    if name == "sbn-nvil":
        return SigmoidBeliefNet((200,), method="nvil", learning_rate=1e-3,
                                dtype=np.float32, random_state=seed)
    raise ValueError(name)


def train_for(model, X, budget, rng, chunk=5000):
    """partial_fit on shuffled chunks until the wall-clock budget is spent."""
    start, rows = time.perf_counter(), 0
    while time.perf_counter() - start < budget:
        perm = rng.permutation(len(X))
        for i in range(0, len(X), chunk):
            model.partial_fit(X[perm[i : i + chunk]])
            rows += len(perm[i : i + chunk])
            if time.perf_counter() - start >= budget:
                break
    return time.perf_counter() - start, rows / len(X)


def main():
    repo = Path(__file__).resolve().parents[1]
    candidates = [repo.parent / "shared" / "data", repo.parents[1] / "shared" / "data"]
    if "SKGENERATIVE_SHARED_DATA" in os.environ:
        candidates.insert(0, Path(os.environ["SKGENERATIVE_SHARED_DATA"]))
    default = next((c for c in candidates if (c / "binarized_mnist.npz").exists()), candidates[0])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(default / "binarized_mnist.npz"))
    ap.add_argument("--models", default="vae,iwae5,iwae50,sbn-rws,sbn-nvil")
    ap.add_argument("--budget", type=float, default=60.0, help="training seconds per model")
    ap.add_argument("--eval-rows", type=int, default=200)
    ap.add_argument("--eval-k", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    data = np.load(args.data)
    X_train = data["train"].astype(np.float32)
    rows = np.random.default_rng(12345).choice(len(data["test"]), args.eval_rows, replace=False)
    X_test = data["test"][rows].astype(np.float32)
    print(f"train {X_train.shape}, test subset {X_test.shape} (seeded), eval k={args.eval_k}, "
          f"budget {args.budget:.0f}s per model, float32")
    results = []
    for name in args.models.split(","):
        model = make_model(name, args.seed)
        train_s, epochs = train_for(model, X_train, args.budget, np.random.default_rng(args.seed))
        model.set_params(n_importance_samples=args.eval_k)
        t0 = time.perf_counter()
        ll = model.score_samples(X_test)
        eval_s = time.perf_counter() - t0
        se = ll.std() / np.sqrt(len(ll))
        results.append((name, ll.mean(), se, epochs, train_s, eval_s))
        print(f"{name:9s} test LL {ll.mean():8.2f} ± {se:.2f}  after {epochs:5.2f} epochs "
              f"({train_s:.0f}s train, {eval_s:.0f}s eval)  literature: {LITERATURE[name]}",
              flush=True)
    return results


if __name__ == "__main__":
    main()
