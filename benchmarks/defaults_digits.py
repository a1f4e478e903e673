"""Every estimator at its defaults on scikit-learn's digits (issue 12, part 6).

Protocol: ``load_digits``, pixels / 16 (in [0, 1], so in the support of
Bernoulli visibles), ``train_test_split(test_size=0.25, stratify=y,
random_state=0)``.

* Classifiers (``DBNClassifier``, ``DBMClassifier``, ``MPDBM``) at their
  defaults: test accuracy (target: ``MLPClassifier()`` at its defaults minus
  0.01).
* Transformers (every estimator with ``transform``) at their defaults with the
  size set to 100 (see ``size_100``):
  ``Pipeline([model, LogisticRegression(C=100)])`` test accuracy (target 0.90).

References on the same split: ``MLPClassifier()``, ``LogisticRegression()``
and ``LogisticRegression(C=100)`` on raw pixels. Every estimator gets
``random_state=0``. Fit times are wall-clock seconds on a shared machine (the
header prints the load average): a guide, not a benchmark of speed.

Usage::

    python benchmarks/defaults_digits.py [--only NAME [NAME ...]] [--seeds 0 1 2]
"""

import argparse
import os
import time
import warnings

from sklearn.base import is_classifier
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline

import skgenerative


def load():
    """Digits, pixels / 16, stratified 75/25 split at seed 0."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, stratify=y, random_state=0)


def size_100(estimator):
    """Parameters giving the model 100 output features where size is a parameter.

    ``n_components`` becomes 100. For layered models (``hidden_layer_sizes``)
    the layer that ``transform`` returns becomes 100: the last layer for DBN
    (``features="top"``) and SigmoidBeliefNet; for DBM, whose ``transform``
    concatenates every hidden layer, the top layer (``transform_layer=-1``
    would be another choice, not the default). Lower layers keep their
    defaults.
    """
    params = estimator.get_params()
    if "n_components" in params:
        return {"n_components": 100}
    if "hidden_layer_sizes" in params:
        return {"hidden_layer_sizes": tuple(params["hidden_layer_sizes"][:-1]) + (100,)}
    return {}


def pipeline(model):
    return Pipeline([("model", model), ("logreg", LogisticRegression(C=100, max_iter=2000))])


def evaluate(name, estimator, data, seed):
    X_train, X_test, y_train, y_test = data
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=seed)
    if not is_classifier(estimator):
        estimator = pipeline(estimator.set_params(**size_100(estimator)))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        estimator.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return seconds, estimator.score(X_test, y_test)


def candidates(only):
    refs = [
        ("MLPClassifier() [ref]", MLPClassifier),
        ("LogisticRegression() [ref]", LogisticRegression),
        ("raw pixels + LogisticRegression(C=100) [ref]",
         lambda: LogisticRegression(C=100, max_iter=2000)),
    ]
    ours = [(name, cls) for name, cls in skgenerative.all_estimators()
            if is_classifier(cls()) or hasattr(cls, "transform")]
    rows = refs + ours
    if only:
        rows = [(n, c) for n, c in rows if any(o == n.split(" ")[0] for o in only)]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="estimator names")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0])
    args = parser.parse_args()
    data = load()
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}; {os.cpu_count()} cores; seeds {args.seeds}")
    print(f"{'estimator':<46} {'kind':<11} {'fit s':>7} {'accuracy':>9}")
    for name, factory in candidates(args.only):
        kind = "classifier" if is_classifier(factory()) else "transformer"
        for seed in args.seeds:
            seconds, accuracy = evaluate(name, factory(), data, seed)
            print(f"{name:<46} {kind:<11} {seconds:7.1f} {accuracy:9.3f}", flush=True)


if __name__ == "__main__":
    main()
