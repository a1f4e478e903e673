"""Generative models at work in scikit-learn (issue 19): outlier detection and
imputation on digits, against scikit-learn's estimators at their defaults.

Outliers: ``load_digits``, pixels binarized at 8 (of 16) or grey (/16); one
class held out as the outliers; the other nine split 75/25
(``train_test_split(random_state=0)``); each detector is fitted on the 75 %
and ranks the 25 % together with every image of the held-out class
(ROC AUC of ``score_samples``, inliers positive). Detectors at their
defaults: ``DensityOutlierDetector()``, ``IsolationForest()``,
``LocalOutlierFactor(novelty=True)``, ``OneClassSVM()``, ``GaussianMixture()``
(``random_state=seed`` where there is one).

Choosing a setting of ``DensityOutlierDetector`` without selecting on the
classes it is reported on: ``--sweep-baseline-weights`` scores one fit per
held-out class at several weights against both backgrounds
(``baseline="independent"`` and ``"linear"``), and ``--select-classes``
picks the column with the best mean ROC AUC over those held-out classes
(both kinds together) and prints its mean over the other classes. Session 5
chose on classes 1, 3, 4 and reported on 0, 5, 6 (benchmarks/README.md).

Imputation: binarized digits split 75/25 (``random_state=0``); each imputer
is fitted on the complete training images; test images lose either each
pixel with probability 0.3 (``--masks 0.3``) or their top or bottom half (at
random per image, ``half``). Reported: the share of missing pixels imputed
wrong (imputed value thresholded at 0.5), their mean squared error, and the
accuracy of ``LogisticRegression(max_iter=2000)`` trained on the complete
training images and tested on the imputed ones, by what it is fed (see
``feeds``). ``--split validation`` evaluates on a validation part of the
training split instead of the test split, for making choices. ``--by-neighbours`` breaks the
accuracy down by how many of ``KNNImputer``'s 5 neighbours of an image
share its class. Imputers at their defaults:
``GenerativeImputer()``, ``GenerativeImputer(DenoisingAutoencoder())``,
``SimpleImputer()``, ``KNNImputer()``,
``IterativeImputer()``.

Usage::

    python benchmarks/bench_applications.py outliers [--classes 9 3] [--kinds binary grey]
    python benchmarks/bench_applications.py outliers --sweep-baseline-weights 0 1
    python benchmarks/bench_applications.py outliers --only "DensityOutlierDetector()" \
        --sweep-baseline-weights 0.25 0.5 0.75 1 --select-classes 1 3 4 --classes 1 3 4 0 5 6
    python benchmarks/bench_applications.py impute [--masks 0.3 half] [--split validation]
    python benchmarks/bench_applications.py impute --by-neighbours
    python benchmarks/bench_applications.py impute --only "GenerativeImputer()" \
        --split validation --mode-draws 20
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import IsolationForest
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.metrics.pairwise import nan_euclidean_distances
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.svm import OneClassSVM

from skgenerative import DenoisingAutoencoder, DensityOutlierDetector, GenerativeImputer
from skgenerative.applications._outliers import baseline_log_likelihood, fit_baseline


def digits(kind):
    X, y = load_digits(return_X_y=True)
    X = (X >= 8).astype(np.float64) if kind == "binary" else X / 16.0
    return X, y


def outlier_split(X, y, held_out, seed=0):
    X_train, X_test = train_test_split(X[y != held_out], test_size=0.25, random_state=seed)
    X_eval = np.vstack([X_test, X[y == held_out]])
    is_inlier = np.r_[np.ones(len(X_test)), np.zeros(np.sum(y == held_out))]
    return X_train, X_eval, is_inlier


def detectors(seed, baseline_weight=None):
    ours = DensityOutlierDetector(random_state=seed)
    if baseline_weight is not None:
        ours.set_params(baseline_weight=baseline_weight)
    return {
        "DensityOutlierDetector()": ours,
        "IsolationForest()": IsolationForest(random_state=seed),
        "LocalOutlierFactor(novelty=True)": LocalOutlierFactor(novelty=True),
        "OneClassSVM()": OneClassSVM(),
        "GaussianMixture()": GaussianMixture(random_state=seed),
    }


def run_outliers(kinds, classes, seed, only=None, baseline_weight=None, sweep=None,
                 select=None):
    """ROC AUC of every detector per held-out class.

    ``sweep``: baseline weights of ``DensityOutlierDetector`` scored from one
    fit each, against both backgrounds (``baseline="linear"``, the fitted
    one, and ``"independent"``), as extra columns: the background and its
    weight change ``score_samples`` only, not the fitted model.

    ``select``: the held-out classes to choose a column on. The means are
    then printed separately over these classes and over the others, and the
    sweep column with the best mean over the selected classes of every kind
    is named with its mean over the other classes: a choice that never sees
    the classes it is reported on."""
    names = list(detectors(seed))
    columns = names + [f"{b} w={w:g}" for b in ("linear", "independent") for w in (sweep or [])]
    print("kind | held-out class | " + " | ".join(columns))
    aucs = {}
    for kind in kinds:
        X, y = digits(kind)
        for held_out in classes:
            X_train, X_eval, is_inlier = outlier_split(X, y, held_out)
            row = aucs[(kind, held_out)] = {}
            for name, det in detectors(seed, baseline_weight).items():
                if only and name not in only:
                    continue
                det.fit(X_train)
                row[name] = roc_auc_score(is_inlier, det.score_samples(X_eval))
                if isinstance(det, DensityOutlierDetector) and sweep:
                    log_likelihood = det.model_.score_samples(X_eval)
                    backgrounds = {"linear": det.baseline_ if det.baseline == "linear"
                                   else fit_baseline("linear", X_train, seed),
                                   "independent": fit_baseline("independent", X_train, None)}
                    for b, background in backgrounds.items():
                        background = baseline_log_likelihood(background, X_eval)
                        for w in sweep:
                            row[f"{b} w={w:g}"] = roc_auc_score(
                                is_inlier, log_likelihood - w * background)
            print(f"{kind} | {held_out} | " + " | ".join(
                f"{row[c]:.3f}" if c in row else "-" for c in columns), flush=True)
    parts = {"mean": classes} if not select else {
        "mean, selection classes": [c for c in classes if c in select],
        "mean, other classes": [c for c in classes if c not in select]}
    means = {}
    for kind in kinds:
        for part, part_classes in parts.items():
            for c in columns:
                values = [aucs[(kind, k)][c] for k in part_classes if c in aucs[(kind, k)]]
                if values and len(values) == len(part_classes):
                    means[(kind, part, c)] = np.mean(values)
            print(f"{kind} | {part} | " + " | ".join(
                f"{means[(kind, part, c)]:.3f}" if (kind, part, c) in means else "-"
                for c in columns))
    if select and sweep:
        swept = [c for c in columns if c not in names]
        chosen = max(swept, key=lambda c: np.mean(
            [aucs[(kind, k)][c] for kind in kinds for k in classes if k in select]))
        print(f"chosen on classes {sorted(set(select) & set(classes))}: {chosen}; "
              "on the other classes: " + ", ".join(
                  f"{kind} {means.get((kind, 'mean, other classes', chosen), np.nan):.3f}"
                  for kind in kinds))


def imputers(seed):
    return {
        "GenerativeImputer()": GenerativeImputer(random_state=seed),
        "GenerativeImputer(DenoisingAutoencoder())": GenerativeImputer(
            DenoisingAutoencoder(), random_state=seed),
        "SimpleImputer()": SimpleImputer(),
        "KNNImputer()": KNNImputer(),
        "IterativeImputer()": IterativeImputer(random_state=seed),
    }


def missing_mask(shape, kind, rng):
    if kind == "half":
        mask = np.zeros(shape, dtype=bool)
        top = rng.random(shape[0]) < 0.5
        mask[top, : shape[1] // 2] = True
        mask[~top, shape[1] // 2 :] = True
        return mask
    return rng.random(shape) < float(kind)


#: draws from p(missing | observed) averaged by the "posterior" feed
N_POSTERIOR_DRAWS = 10


def feeds(imputer, X_missing, clf):
    """What the classifier can be given, by name: ``predict_proba`` of the
    imputed images as ``transform`` returns them (conditional means for the
    generative imputers, neighbour means for KNN), of the same thresholded at
    0.5 (binary images, as the classifier was trained on), and, for a
    ``GenerativeImputer``, of one posterior draw and the average of
    ``predict_proba`` over ``N_POSTERIOR_DRAWS`` draws (multiple imputation)."""
    filled = imputer.transform(X_missing)
    out = {"mean": clf.predict_proba(filled),
           "threshold": clf.predict_proba((filled >= 0.5).astype(filled.dtype))}
    if isinstance(imputer, GenerativeImputer):
        imputer.set_params(sample_posterior=True)
        draws = [clf.predict_proba(imputer.transform(X_missing))
                 for _ in range(N_POSTERIOR_DRAWS)]
        imputer.set_params(sample_posterior=False)
        out["one draw"] = draws[0]
        out[f"posterior x{N_POSTERIOR_DRAWS}"] = np.mean(draws, axis=0)
    return filled, out


def impute_split(split):
    """(training images, evaluation images, their labels): ``"test"`` is the
    25 % test split; ``"validation"`` splits the 75 % training images again
    75/25 (``random_state=0``) and evaluates on that validation part, for
    choosing what to feed the classifier without looking at the test split."""
    X, y = digits("binary")
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    if split == "validation":
        X_train, X_test, y_train, y_test = train_test_split(
            X_train, y_train, test_size=0.25, random_state=0)
    return X_train, X_test, y_train, y_test


def by_neighbours(X_train, y_train, X_missing, y_test, hits):
    """Accuracy per imputer (``hits``: name -> correct per image) by how many
    of each image's 5 nearest training images (nan-Euclidean distance over
    its observed pixels, KNNImputer's neighbours) share its class; and the
    accuracy of those 5 neighbours' majority vote."""
    D = nan_euclidean_distances(X_missing, X_train)
    neighbours = y_train[np.argsort(D, axis=1)[:, :5]]
    same = (neighbours == y_test[:, None]).sum(axis=1)
    vote = np.array([np.bincount(row, minlength=10).argmax() for row in neighbours])
    print(f"  5-NN majority vote on the observed pixels: accuracy {np.mean(vote == y_test):.3f}")
    for label, rows in [("5 of 5", same == 5), ("3-4 of 5", (same >= 3) & (same < 5)),
                        ("0-2 of 5", same < 3)]:
        print(f"  neighbours of its class {label}: {rows.sum()} images, accuracy " + ", ".join(
            f"{name} {np.mean(hit[rows]):.3f}" for name, hit in hits.items()))


def likeliest_draws(imputer, X_missing, n_draws, n_best):
    """The mean of the ``n_best`` likeliest of ``n_draws`` joint draws from
    p(missing | observed), ranked by the model's log-density of the completed
    image (``score_samples``): a completion that commits to the likeliest
    mode (one class) where the conditional mean blends several."""
    imputer.set_params(sample_posterior=True)
    draws = np.stack([imputer.transform(X_missing) for _ in range(n_draws)])
    imputer.set_params(sample_posterior=False)
    log_p = np.stack([imputer.model_.score_samples(d) for d in draws])  # (n_draws, n)
    best = np.argsort(-log_p, axis=0)[:n_best]  # (n_best, n)
    return draws[best, np.arange(X_missing.shape[0])].mean(axis=0)


def run_impute(masks, seed, only=None, split="test", neighbours=False, mode_draws=None):
    X_train, X_test, y_train, y_test = impute_split(split)
    clf = LogisticRegression(max_iter=2000).fit(X_train, y_train)
    print(f"{split} split: complete images: accuracy {clf.score(X_test, y_test):.3f}")
    print("mask | imputer | pixels wrong | squared error | accuracy by feed")
    masks = {kind: missing_mask(X_test.shape, kind, np.random.default_rng(seed))
             for kind in masks}
    hits = {kind: {} for kind in masks}
    for name, imputer in imputers(seed).items():
        if only and name not in only:
            continue
        imputer.fit(X_train)
        for kind, mask in masks.items():
            filled, probas = feeds(imputer, np.where(mask, np.nan, X_test), clf)
            hits[kind][name] = clf.classes_[probas["mean"].argmax(axis=1)] == y_test
            wrong = np.mean((filled[mask] >= 0.5) != (X_test[mask] == 1))
            squared = np.mean((filled[mask] - X_test[mask]) ** 2)
            accuracy = ", ".join(
                f"{feed} {np.mean(clf.classes_[p.argmax(axis=1)] == y_test):.3f}"
                for feed, p in probas.items())
            print(f"{kind} | {name} | {wrong:.4f} | {squared:.4f} | {accuracy}", flush=True)
            if mode_draws and name == "GenerativeImputer()":
                for n_best in (1, 3, 5):
                    filled = likeliest_draws(imputer, np.where(mask, np.nan, X_test),
                                             mode_draws, n_best)
                    wrong = np.mean((filled[mask] >= 0.5) != (X_test[mask] == 1))
                    squared = np.mean((filled[mask] - X_test[mask]) ** 2)
                    acc = np.mean(clf.predict(filled) == y_test)
                    print(f"{kind} | same fit, mean of the {n_best} likeliest of {mode_draws} "
                          f"draws | {wrong:.4f} | {squared:.4f} | mean {acc:.3f}", flush=True)
    if neighbours:
        for kind, mask in masks.items():
            print(f"{kind}: accuracy (feed 'mean') by the classes of KNNImputer's neighbours")
            by_neighbours(X_train, y_train, np.where(mask, np.nan, X_test), y_test, hits[kind])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="task", required=True)
    out = sub.add_parser("outliers")
    out.add_argument("--kinds", nargs="+", default=["binary", "grey"],
                     choices=["binary", "grey"])
    out.add_argument("--classes", nargs="+", type=int, default=list(range(10)))
    out.add_argument("--only", nargs="+", help="detectors to run (by their name above)")
    out.add_argument("--seed", type=int, default=0)
    out.add_argument("--baseline-weight", type=float, default=None,
                     help="DensityOutlierDetector's baseline_weight (default: its default)")
    out.add_argument("--sweep-baseline-weights", nargs="+", type=float, default=None,
                     help="also score DensityOutlierDetector at these baseline weights, "
                          "against both backgrounds (one fit per class)")
    out.add_argument("--select-classes", nargs="+", type=int, default=None,
                     help="choose the sweep column on these held-out classes and report "
                          "it on the others (see run_outliers)")
    imp = sub.add_parser("impute")
    imp.add_argument("--masks", nargs="+", default=["0.3", "half"])
    imp.add_argument("--only", nargs="+", help="imputers to run (by their name above)")
    imp.add_argument("--seed", type=int, default=0)
    imp.add_argument("--split", choices=["test", "validation"], default="test",
                     help="evaluate on the test split or on a validation part of the "
                          "training split (for choices; see impute_split)")
    imp.add_argument("--by-neighbours", action="store_true",
                     help="also break the accuracy down by how many of KNNImputer's 5 "
                          "neighbours share the image's class (see by_neighbours)")
    imp.add_argument("--mode-draws", type=int, default=None,
                     help="also score the default imputer's completions by the mean of the "
                          "1, 3, 5 likeliest of this many joint draws (see likeliest_draws)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    if args.task == "outliers":
        run_outliers(args.kinds, args.classes, args.seed, args.only, args.baseline_weight,
                     args.sweep_baseline_weights, args.select_classes)
    else:
        run_impute(args.masks, args.seed, args.only, args.split, args.by_neighbours,
                   args.mode_draws)


if __name__ == "__main__":
    main()
