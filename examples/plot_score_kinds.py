"""
=================================================================
What ``score_samples`` means: exact, estimate and bound
=================================================================

Three models of the bundled binarized digits, scored on the same held-out
rows, one of each kind of ``score_kind_``:

* :class:`skgenerative.NADE`: the exact log-likelihood (``"exact"``);
* :class:`skgenerative.VAE`: an importance-sampling estimate with ``k``
  draws from the encoder (``"estimate"``), a lower bound in expectation
  that rises with ``k`` towards ``log p(x)``; its error bars come from
  ``score_samples(X, return_std=True)``, and its ELBO (``k = 1`` in
  expectation) lies below;
* :class:`skgenerative.DBM`: the mean-field variational bound with an
  exact ``log Z`` (``"lower_bound"``).

The plot shows the VAE's mean estimate against ``k`` with ±2 Monte Carlo
standard errors (from the per-row errors; with ``k = 1`` there is no
error estimate), and the other models' values as lines. Compare models
by their scores only as the kinds allow: a bound below an exact value says
nothing about which model is better.

Run: ``python examples/plot_score_kinds.py`` (needs matplotlib).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from skgenerative import DBM, NADE, VAE  # noqa: E402
from skgenerative.datasets import load_binarized_digits  # noqa: E402

X = load_binarized_digits().data
rng = np.random.default_rng(0)
rows = rng.permutation(len(X))
X_train, X_test = X[rows[:1400]], X[rows[1400:]]

nade = NADE(n_components=50, max_iter=30, random_state=0).fit(X_train)
dbm = DBM(hidden_layer_sizes=(16, 16), max_iter=10, random_state=0).fit(X_train)
vae = VAE(n_components=8, encoder_layer_sizes=(100,), decoder_layer_sizes=(100,),
          max_iter=50, random_state=0).fit(X_train)

print(f"NADE  {nade.score_kind_:12s} {nade.score(X_test):8.2f} nats")
print(f"DBM   {dbm.score_kind_:12s} {dbm.score(X_test):8.2f} nats")
ks = [1, 10, 100, 1000]
means, errors = [], []
for k in ks:
    vae.set_params(n_importance_samples=k)
    scores, std = vae.score_samples(X_test, return_std=True)
    means.append(scores.mean())
    # Monte Carlo error of the mean score: each row is seeded on its own, so
    # the per-row errors are independent (k=1 has no error estimate: zero)
    errors.append(2 * np.sqrt(np.sum(std ** 2)) / len(std))
    print(f"VAE   {vae.score_kind_:12s} {means[-1]:8.2f} nats (k={k}, "
          f"mean per-row Monte Carlo error {std.mean():.3f})")
elbo = vae.elbo(X_test).mean()
print(f"VAE   ELBO         {elbo:8.2f} nats")

fig, ax = plt.subplots(figsize=(6.5, 4.2))
ax.errorbar(ks, means, yerr=errors, marker="o", capsize=3,
            label="VAE: importance estimate (estimate)")
ax.axhline(elbo, color="C0", linestyle=":", label="VAE: ELBO")
ax.axhline(nade.score(X_test), color="C1", label="NADE (exact)")
ax.axhline(dbm.score(X_test), color="C2", linestyle="--", label="DBM (lower_bound)")
ax.set_xscale("log")
ax.set_xlabel("importance samples k")
ax.set_ylabel("mean held-out score (nats)")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig("plot_score_kinds.png", dpi=110)
