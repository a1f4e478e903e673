"""DBM label units (Fig. 20.4 b-c, issue 14): test accuracy on digits of a DBM
trained jointly with one-hot label units (p(y | v) by mean field), of
DBMClassifier with and without label units, and of LogisticRegression at
its defaults, on a stratified 70/30 split of ``load_digits`` (pixels / 16).

Usage::

    PYTHONPATH=. python benchmarks/bench_dbm_labels.py [--hidden 100 50]
        [--pretrain-iter 50] [--max-iter 30] [--defaults]

``--defaults`` uses DBM's default hyperparameters (except the layer sizes).
"""

import argparse

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skgenerative import DBM, DBMClassifier


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[100, 50])
    parser.add_argument("--pretrain-iter", type=int, default=50)
    parser.add_argument("--pretrain-learning-rate", type=float, default=0.1)
    parser.add_argument("--max-iter", type=int, default=30)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--defaults", action="store_true")
    args = parser.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y)
    lr = LogisticRegression().fit(X_train, y_train)
    print(f"LogisticRegression (defaults): test accuracy {lr.score(X_test, y_test):.4f}")
    kw = {} if args.defaults else dict(
        pretrain_max_iter=args.pretrain_iter, pretrain_learning_rate=args.pretrain_learning_rate,
        max_iter=args.max_iter, learning_rate=args.learning_rate)
    dbm = DBM(tuple(args.hidden), random_state=0, **kw)
    joint = DBM(**dbm.get_params()).fit(X_train, y_train)
    print(f"DBM{tuple(args.hidden)} with label units, p(y | v) by mean field: test accuracy "
          f"{(joint.predict(X_test) == y_test).mean():.4f}")
    for label_units in (False, True):
        clf = DBMClassifier(dbm, label_units=label_units, random_state=0).fit(X_train, y_train)
        print(f"DBMClassifier(label_units={label_units}): test accuracy "
              f"{clf.score(X_test, y_test):.4f}")


if __name__ == "__main__":
    main()
