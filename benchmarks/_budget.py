"""Wall-clock-budgeted, resumable training runs for the reproduction scripts.

A run trains a model one epoch at a time (``warm_start=True`` and one epoch
per ``fit`` call, so the model's own random stream carries across epochs),
scores the validation set every ``validate_every`` epochs, and after every
epoch writes, under ``out_dir/name``:

* ``checkpoint.joblib`` -- the model and the learning curve (written to a
  temporary file and renamed, so a run killed mid-write keeps the previous
  checkpoint);
* ``curve.csv`` -- epoch, training seconds, validation log-likelihood,
  load average;
* ``curve.png`` -- validation log-likelihood against training minutes (when
  matplotlib is installed).

``resume=True`` continues from the checkpoint: the model, its optimizer and
random stream, the epoch count and the training seconds spent. Training time
excludes validation, so the budget is the model's training time, as the
papers report it; the curve says how much validation cost.
"""

import csv
import os
import time
from pathlib import Path

import joblib
import numpy as np

__all__ = [
    "BudgetedRun", "default_data", "load_average", "add_budget_arguments", "scheduled_epoch",
    "linear_decay", "exponential_decay", "chunked_test_score",
]


def default_data(name="binarized_mnist.npz"):
    """$SKGENERATIVE_SHARED_DATA, else a shared/data folder beside the checkout
    (or beside the main checkout, from a git worktree)."""
    root = Path(__file__).resolve().parents[1]
    candidates = [os.environ.get("SKGENERATIVE_SHARED_DATA", ""), root.parent / "shared" / "data",
                  root.parent.parent / "shared" / "data"]
    for folder in candidates:
        if folder and (Path(folder) / name).exists():
            return Path(folder) / name
    return Path(candidates[1]) / name


def load_average():
    """The 1-minute load average (-1 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return -1.0


def add_budget_arguments(parser, default_minutes):
    """``--budget``, ``--resume`` and ``--out`` of every reproduction script."""
    parser.add_argument("--budget", type=float, default=default_minutes,
                        help="training minutes per model (default: %(default)s)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the runs checkpointed under --out")
    parser.add_argument("--out", default="benchmark_runs",
                        help="folder of checkpoints, curves (CSV, PNG)")


def _epoch_parameter(model):
    params = model.get_params()
    for name in ("n_iter", "max_iter"):
        if name in params:
            return name
    raise ValueError(f"{type(model).__name__} has no epoch parameter (n_iter or max_iter)")


def fit_one_epoch(model, X):
    """One more epoch of ``fit`` (the first call initialises)."""
    model.set_params(warm_start=True, **{_epoch_parameter(model): 1})
    model.fit(X)


def scheduled_epoch(run, schedule, train_epoch=fit_one_epoch):
    """A ``train_epoch`` for ``run`` that first sets the model's
    ``learning_rate`` to ``schedule(fraction)``, ``fraction`` being the share
    of the budget spent (0 to 1). The time spent is in the checkpoint, so a
    resumed run continues the same schedule."""
    def epoch(model, X):
        spent = min(run.state["train_seconds"] / run.budget_seconds, 1.0)
        model.set_params(learning_rate=schedule(spent))
        train_epoch(model, X)

    return epoch


def linear_decay(start):
    """``start`` falling linearly to 0 over the budget."""
    return lambda fraction: start * (1.0 - fraction)


def exponential_decay(start, factor):
    """``start`` falling geometrically to ``start / factor`` over the budget."""
    return lambda fraction: start * factor ** (-fraction)


class BudgetedRun:
    """Train ``model`` for ``budget_minutes`` of training time, resumably.

    Parameters
    ----------
    name : str
        Folder of this run under ``out_dir``.
    out_dir : str or Path
    budget_minutes : float
    resume : bool
        Continue from ``out_dir/name/checkpoint.joblib`` when it exists.
    validate : callable ``model -> float``
        Validation log-likelihood (nats per example).
    validate_every : int
        Epochs between validation scores (the last epoch is always scored).
    max_epochs : int or None
        Stop after this many epochs even within the budget.
    train_epoch : callable ``(model, X) -> None``
        One epoch; default :func:`fit_one_epoch`.
    score_name : str
        What ``validate`` measures (the plot's axis label).
    done : callable ``model -> bool`` or None
        Stop before the budget when it says so (a converged solver).
    """

    def __init__(self, name, out_dir, budget_minutes, *, resume, validate, validate_every=1,
                 max_epochs=None, train_epoch=fit_one_epoch,
                 score_name="validation log-likelihood (nats)", done=None):
        self.name = name
        self.folder = Path(out_dir) / name
        self.budget_seconds = 60.0 * budget_minutes
        self.resume = resume
        self.validate = validate
        self.validate_every = validate_every
        self.max_epochs = max_epochs
        self.train_epoch = train_epoch
        self.score_name = score_name
        self.done = done

    @property
    def checkpoint(self):
        return self.folder / "checkpoint.joblib"

    def _load_or_start(self, make_model):
        if self.resume and self.checkpoint.exists():
            state = joblib.load(self.checkpoint)
            print(f"[{self.name}] resumed at epoch {state['epochs']}, "
                  f"{state['train_seconds'] / 60:.1f} min trained", flush=True)
            return state
        return {"model": make_model(), "epochs": 0, "train_seconds": 0.0, "curve": []}

    def _save(self, state):
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.checkpoint.with_suffix(".tmp")
        joblib.dump(state, tmp)
        os.replace(tmp, self.checkpoint)
        with open(self.folder / "curve.csv", "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["epoch", "train_seconds", "valid_ll", "validation_seconds", "load"])
            writer.writerows(state["curve"])
        self._plot(state["curve"])

    def _plot(self, curve):
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot([row[1] / 60 for row in curve], [row[2] for row in curve], marker=".")
        ax.set_xlabel("training time (min)")
        ax.set_ylabel(self.score_name)
        ax.set_title(self.name)
        fig.tight_layout()
        fig.savefig(self.folder / "curve.png", dpi=100)
        plt.close(fig)

    def start_from(self, folder, adopt):
        """Start this run from the run checkpointed in ``folder``:
        ``adopt(model)`` turns that run's model into this run's; its epochs,
        training time and learning curve become this run's, so the budget
        counts them. Once this run has its own checkpoint it resumes from it
        instead."""
        self.resume = True
        if self.checkpoint.exists():
            return
        source = joblib.load(Path(folder) / "checkpoint.joblib")
        self._save({"model": adopt(source["model"]), "epochs": source["epochs"],
                    "train_seconds": source["train_seconds"], "curve": list(source["curve"])})
        print(f"[{self.name}] starts from the model of {folder}: {source['epochs']} epochs, "
              f"{source['train_seconds'] / 60:.1f} min counted in the budget", flush=True)

    def run(self, make_model, X_train):
        """Train until the budget is spent; returns the model."""
        state = self._load_or_start(make_model)
        self.state = state  # live: a train_epoch may read the time spent (schedules)
        model = state["model"]
        while state["train_seconds"] < self.budget_seconds and (
            self.max_epochs is None or state["epochs"] < self.max_epochs
        ) and not (self.done is not None and state["epochs"] > 0 and self.done(model)):
            start = time.perf_counter()
            self.train_epoch(model, X_train)
            state["train_seconds"] += time.perf_counter() - start
            state["epochs"] += 1
            last = (state["train_seconds"] >= self.budget_seconds or state["epochs"] == self.max_epochs
                    or (self.done is not None and self.done(model)))
            if state["epochs"] % self.validate_every == 0 or last:
                start = time.perf_counter()
                score = float(self.validate(model))
                spent = time.perf_counter() - start
                state["curve"].append(
                    (state["epochs"], round(state["train_seconds"], 2), score, round(spent, 2),
                     round(load_average(), 2))
                )
                print(f"[{self.name}] epoch {state['epochs']}, "
                      f"{state['train_seconds'] / 60:.1f} min, valid {score:.2f} "
                      f"(scored in {spent:.1f} s), load {load_average():.2f}", flush=True)
            self._save(state)
        self.state = state
        return model


def chunked_test_score(score_samples, X, path, *, key, chunk_rows=500, seed=12345, label="test"):
    """Score the rows of ``X`` chunk by chunk in a seeded random order,
    saving after every chunk; returns the per-row scores (in ``X``'s order).

    A full-test-set importance-sampled or AIS figure can take longer than
    the training it measures. Here a stopped evaluation loses at most one
    chunk: run again with the same ``key`` (anything that identifies the
    model and the estimator, e.g. epochs, training seconds and ``k``), it
    continues from ``path`` (``.npz``). The rows are scored in a random
    order, so the running mean printed after each chunk is an unbiased
    estimate on a random subset of the rows (MNIST's test split is sorted
    by digit), with its standard error. A different ``key`` starts afresh.
    """
    path = Path(path)
    n = len(X)
    order = np.random.default_rng(seed).permutation(n)
    scores = np.full(n, np.nan)
    key = np.asarray(key, dtype=float)
    if path.exists():
        saved = np.load(path)
        if saved["scores"].shape == (n,) and np.array_equal(saved["key"], key):
            scores = saved["scores"].copy()
            print(f"[{label}] {np.isfinite(scores).sum()} of {n} rows already scored",
                  flush=True)
    spent = 0.0
    for lo in range(0, n, chunk_rows):
        rows = order[lo : lo + chunk_rows]
        if np.isfinite(scores[rows]).all():
            continue
        start = time.perf_counter()
        scores[rows] = score_samples(X[rows])
        spent += time.perf_counter() - start
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.stem + ".tmp.npz")
        np.savez(tmp, scores=scores, key=key)
        os.replace(tmp, path)
        done = scores[np.isfinite(scores)]
        print(f"[{label}] {len(done)} of {n} rows: {done.mean():.2f} "
              f"± {done.std() / np.sqrt(len(done)):.2f} ({spent:.0f} s this call, "
              f"load {load_average():.2f})", flush=True)
    return scores
