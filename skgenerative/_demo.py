"""The demo behind ``python -m skgenerative demo``: runs on bundled data only."""

import os
import time

import numpy as np


def run_demo(output_dir=".", random_state=0, n_iter=None, out=print):
    """Fit RBMs on binarized scikit-learn digits and report what they do.

    Prints exact and AIS test log-likelihoods next to the independent-pixel
    baseline, the test accuracy of a ``ClassRBM()`` (a joint model of pixels
    and labels, at its defaults) next to ``LogisticRegression`` on the raw
    pixels, and writes ``skgenerative_demo.png`` (samples and filters) when
    matplotlib is installed. ``n_iter``: the training epochs of every model
    (None: 30 for the two RBMs, the ``ClassRBM``'s default 40). Returns the
    figures as a dict.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from . import BernoulliRBM, ClassRBM
    from .datasets import load_binarized_digits

    X, y = load_binarized_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=random_state, stratify=y
    )
    out(f"Binarized scikit-learn digits: {len(X_train)} train / {len(X_test)} test, 64 pixels")
    p = np.clip(X_train.mean(0), 1e-3, 1 - 1e-3)
    baseline = float((X_test * np.log(p) + (1 - X_test) * np.log(1 - p)).sum(1).mean())
    out(f"  independent pixels          test log-likelihood {baseline:8.2f} nats")

    figures = {"independent": baseline}
    rbm_epochs = 30 if n_iter is None else n_iter
    start = time.perf_counter()
    small = BernoulliRBM(
        n_components=20, learning_rate=0.05, batch_size=20, n_iter=rbm_epochs,
        momentum=0.5, learning_rate_schedule="linear", random_state=random_state,
    ).fit(X_train)
    figures["rbm20_exact"] = small.score(X_test)
    out(
        f"  BernoulliRBM(20 hidden)     test log-likelihood {figures['rbm20_exact']:8.2f} nats"
        f"  (exact: log Z over 2^20 states; {time.perf_counter() - start:.1f}s)"
    )
    start = time.perf_counter()
    large = BernoulliRBM(
        n_components=100, learning_rate=0.05, batch_size=20, n_iter=rbm_epochs,
        momentum=0.5, learning_rate_schedule="linear", random_state=random_state,
    ).fit(X_train)
    figures["rbm100_ais"] = large.score(X_test)
    low, high = large.log_partition_ci_
    out(
        f"  BernoulliRBM(100 hidden)    test log-likelihood {figures['rbm100_ais']:8.2f} nats"
        f"  (AIS log Z, ±{(high - low) / 2:.2f}; {time.perf_counter() - start:.1f}s)"
    )

    raw = LogisticRegression(max_iter=2000).fit(X_train, y_train)
    classifier = ClassRBM(random_state=random_state)
    if n_iter is not None:
        classifier.set_params(max_iter=n_iter)
    classifier.fit(X_train, y_train)
    figures["accuracy_raw"] = raw.score(X_test, y_test)
    figures["accuracy_class_rbm"] = classifier.score(X_test, y_test)
    out(f"  LogisticRegression() on raw pixels       accuracy {figures['accuracy_raw']:.3f}")
    out(f"  ClassRBM() (joint model of x and y)      accuracy {figures['accuracy_class_rbm']:.3f}")

    samples = large.sample(36, n_steps=1000, random_state=random_state)
    path = os.path.join(output_dir, "skgenerative_demo.png")
    try:
        from .utils.plotting import save_image_grid

        save_image_grid(
            path,
            [("training digits", X_train[:36]), ("RBM samples (1000 Gibbs sweeps)", samples),
             ("RBM filters", large.components_[:36])],
            (8, 8),
        )
        figures["picture"] = path
        out(f"Wrote {path} (data, samples, filters).")
    except ImportError:
        out("matplotlib is not installed: no picture (pip install 'skgenerative[plot]').")
    return figures
