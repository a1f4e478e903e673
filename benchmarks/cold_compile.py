"""First fit on a cold numba cache, and on a warm one (issue 21, part 5).

Each model is fitted for one epoch on binarized digits in fresh processes
that share an empty numba cache folder: the first process compiles every
kernel the fit uses (the *cold first fit*), the second loads them from that
cache (the *cached first fit*). Both print CPU and wall seconds; import is
timed apart. Run it on an idle machine: compile time is CPU time, and the
load is printed.

Usage::

    python benchmarks/cold_compile.py [rbm dbm nade ...]
"""

import os
import subprocess
import sys
import tempfile

MODELS = {
    "rbm": "sg.BernoulliRBM(n_iter=1, random_state=0)",
    "dbm": "sg.DBM(max_iter=1, random_state=0)",
    "nade": "sg.NADE(max_iter=1, random_state=0)",
    "vae": "sg.VAE(max_iter=1, random_state=0)",
}

_CHILD = """
import os, time
c0, w0 = time.process_time(), time.perf_counter()
import numpy as np
import skgenerative as sg
from sklearn.datasets import load_digits
c1, w1 = time.process_time(), time.perf_counter()
X = (load_digits().data > 7).astype(np.float64)
est = {make}
est.fit(X)
c2, w2 = time.process_time(), time.perf_counter()
type(est)(**est.get_params()).fit(X)
c3 = time.process_time()
print(f"import {{c1 - c0:.1f}} s CPU; first fit {{c2 - c1:.1f}} s CPU ({{w2 - w1:.1f}} s wall); "
      f"second fit {{c3 - c2:.2f}} s CPU; load {{os.getloadavg()[0]:.2f}}")
"""


def main(names):
    for name in names or ["rbm", "dbm", "nade"]:
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONWARNINGS": "ignore"}
            code = _CHILD.format(make=MODELS[name])
            for label in ("cold cache", "warm cache"):
                out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                     capture_output=True, text=True).stdout.strip()
                print(f"{name:5s} {label}: {out}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
