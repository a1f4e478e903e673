"""DBM with Gaussian visibles on real-valued digits: held-out bound vs GB-RBM.

scikit-learn's digits (8x8, values 0..16) dequantized with uniform noise
(x + u, u ~ U(0, 1)), split 1500/297, given raw (the model standardizes
internally and reports a density of the raw data), exactly as
``bench_gaussian_rbm.py``. Prints the test log-density (nats) of an
independent Gaussian and of GaussianBernoulliRBM(16) (exact log Z), and the
test variational lower bound of Gaussian DBMs: 64-16-8 (log Z exact, the 16
odd units enumerated, and by AIS for comparison; also pretrained only) and
64-32-16 (AIS).

Run: PYTHONPATH=. python benchmarks/bench_gaussian_dbm.py
"""

import time

import numpy as np
from sklearn.datasets import load_digits

from skgenerative import DBM, GaussianBernoulliRBM
from skgenerative.evaluation import ais_log_partition_dbm, ais_schedule


def diagonal_gaussian_score(X_train, X_test, min_variance=1e-3):
    mean, var = X_train.mean(0), np.maximum(X_train.var(0), min_variance)
    return float((-0.5 * (np.log(2 * np.pi * var) + (X_test - mean) ** 2 / var)).sum(1).mean())


def main():
    rng = np.random.default_rng(0)
    X = load_digits().data + rng.random((1797, 64))
    X_train, X_test = X[:1500], X[1500:]
    print(f"independent diagonal Gaussian: test LL = {diagonal_gaussian_score(X_train, X_test):.2f}")
    start = time.perf_counter()
    rbm = GaussianBernoulliRBM(n_components=16, max_iter=50, learning_rate=0.01,
                               random_state=0).fit(X_train)
    print(f"GaussianBernoulliRBM(16), 50 epochs: test LL = {rbm.score(X_test):.2f} "
          f"(exact), fit {time.perf_counter() - start:.1f} s")
    for sizes, joint in (((16, 8), 0), ((16, 8), 20), ((32, 16), 20)):
        start = time.perf_counter()
        dbm = DBM(sizes, visible_type="gaussian", batch_size=10, pretrain_max_iter=50,
                  pretrain_learning_rate=0.01, max_iter=joint, learning_rate=0.002,
                  random_state=0, exact_limit=16).fit(X_train)
        fit_time = time.perf_counter() - start
        start = time.perf_counter()
        bound = dbm.score(X_test)
        kind = "exact" if dbm.log_partition_result_.method == "exact" else "AIS"
        line = (f"DBM 64-{sizes[0]}-{sizes[1]} Gaussian (50 pretraining epochs / RBM, {joint} joint):"
                f" test bound = {bound:.2f} (log Z {kind} {dbm.log_partition_:.2f}"
                f"{'' if kind == 'exact' else f' ± {dbm.log_partition_result_.log_z_std:.2f}'}),"
                f" fit {fit_time:.1f} s, score {time.perf_counter() - start:.1f} s")
        print(line)
        if kind == "exact" and joint:
            ais = ais_log_partition_dbm(dbm, n_runs=100, betas=ais_schedule(10000),
                                        random_state=0)
            print(f"    AIS log Z (100 runs x 10000 temperatures) = {ais.log_z:.2f} "
                  f"± {ais.log_z_std:.2f} vs exact {dbm.log_partition_:.2f}")


if __name__ == "__main__":
    main()
