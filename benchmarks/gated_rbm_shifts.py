"""GatedRBM on shifted digit pairs (issue 15, §20.8).

Pairs from ``load_digits``: ``x`` the digit binarized at 8/16 (8x8), ``y``
the same image shifted by one pixel left, not at all, or one pixel right
(zero fill), the shift drawn uniformly per pair. 75/25 split at seed 0 (of
the digit images, so that test digits are unseen). A ``GatedRBM`` at its
defaults is fitted on the training pairs ``[x | y]``; a
``LogisticRegression()`` on its mapping units (``transform``) then predicts
the shift of the test pairs. Baselines: the same logistic regression on the
raw pair ``[x | y]`` (a shift moves the centre of mass, a linear feature of
the pair), on the per-pixel products ``x * y``, and on the mapping units of
the untrained model (random factors, ``max_iter=0``).

Also reported: the mean squared error of ``predict`` (mean-field ``q(y | x)``)
against the true ``y``, and that of predicting ``y = x`` (the no-shift guess).

Usage::

    python benchmarks/gated_rbm_shifts.py [--seeds 0 1 2] [--smoke]

``--smoke`` runs at a tiny size (300 pairs, 2 epochs) to check the script.
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from skgenerative import GatedRBM

SHIFTS = (-1, 0, 1)


def shift_images(X, shifts):
    """Each 8x8 image of ``X`` (rows) shifted horizontally, zero fill."""
    images = X.reshape(-1, 8, 8)
    out = np.zeros_like(images)
    for i, s in enumerate(shifts):
        if s > 0:
            out[i, :, s:] = images[i, :, :-s]
        elif s < 0:
            out[i, :, :s] = images[i, :, -s:]
        else:
            out[i] = images[i]
    return out.reshape(len(X), -1)


def shifted_pairs(seed, n=None):
    X = (load_digits().data >= 8).astype(np.float64)
    rng = np.random.default_rng(seed)
    if n is not None:
        X = X[rng.permutation(len(X))[:n]]
    label = rng.integers(0, len(SHIFTS), len(X))
    Y = shift_images(X, np.asarray(SHIFTS)[label])
    return np.hstack([X, Y]), label


def run(seed, smoke):
    XY, label = shifted_pairs(0, n=300 if smoke else None)
    tr, te, l_tr, l_te = train_test_split(XY, label, test_size=0.25, random_state=0)
    small = {"max_iter": 2} if smoke else {}
    lr = lambda: LogisticRegression(max_iter=1000)  # noqa: E731  (converges on raw pixels)
    results = {}
    for name, model in [
        ("GatedRBM() mapping units", GatedRBM(random_state=seed, **small)),
        ("GatedRBM(max_iter=0) (random factors)", GatedRBM(max_iter=0, random_state=seed)),
    ]:
        model.fit(tr)
        clf = lr().fit(model.transform(tr), l_tr)
        results[name] = clf.score(model.transform(te), l_te)
        if name.startswith("GatedRBM()"):
            mse = np.mean((model.predict(te[:, :64]) - te[:, 64:]) ** 2)
    results["raw pairs [x | y]"] = lr().fit(tr, l_tr).score(te, l_te)
    results["products x * y"] = lr().fit(tr[:, :64] * tr[:, 64:], l_tr).score(
        te[:, :64] * te[:, 64:], l_te)
    no_shift_mse = np.mean((te[:, :64] - te[:, 64:]) ** 2)
    return results, mse, no_shift_mse


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    with threadpool_limits(limits=1):
        for seed in args.seeds:
            results, mse, no_shift = run(seed, args.smoke)
            print(f"seed {seed}: shift accuracy (test pairs) of LogisticRegression() on")
            for name, acc in results.items():
                print(f"  {name:45s} {acc:.4f}")
            print(f"  predict MSE {mse:.4f} (y = x guess: {no_shift:.4f})")


if __name__ == "__main__":
    main()
