"""
=====================================================
RBM on binarized digits: likelihood, samples, filters
=====================================================

Fits :class:`skgenerative.BernoulliRBM` models of growing size on the bundled
8x8 digits (binarized), tracks the exact held-out log-likelihood per epoch
(``log Z`` by enumeration: 16 hidden units), compares with AIS for a larger
model, and saves a learning curve, samples and filters to
``plot_rbm_digits.png``.

Run: ``python examples/plot_rbm_digits.py`` (needs matplotlib).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from skgenerative import BernoulliRBM  # noqa: E402
from skgenerative.datasets import load_binarized_digits  # noqa: E402
from skgenerative.utils.plotting import tile_images  # noqa: E402

X = load_binarized_digits().data
rng = np.random.default_rng(0)
rows = rng.permutation(len(X))
X_train, X_test = X[rows[:1400]], X[rows[1400:]]

# exact held-out log-likelihood after every epoch: one-epoch warm-started fits,
# with the learning rate decayed linearly to zero (PCD's noise shrinks with it)
model = BernoulliRBM(n_components=16, batch_size=20, n_iter=1, momentum=0.5,
                     warm_start=True, random_state=0)
curve = []
for epoch in range(30):
    model.set_params(learning_rate=0.05 * (1 - epoch / 30))
    model.fit(X_train)
    curve.append(model.score(X_test))
    print(f"epoch {epoch + 1:2d}: test log-likelihood {curve[-1]:.3f} nats (exact)")

large = BernoulliRBM(n_components=100, learning_rate=0.05, batch_size=20, n_iter=30,
                     momentum=0.5, learning_rate_schedule="linear",
                     random_state=0).fit(X_train)
low, high = large.log_partition_ci_
print(f"100 hidden units: test log-likelihood {large.score(X_test):.3f} nats "
      f"(AIS log Z = {large.log_partition_:.2f}, interval [{low:.2f}, {high:.2f}])")

fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
axes[0].plot(np.arange(1, 31), curve, marker="o")
axes[0].set_xlabel("epoch")
axes[0].set_ylabel("test log-likelihood (nats)")
axes[0].set_title("16 hidden units, exact")
axes[1].imshow(tile_images(large.sample(36, n_steps=1000, random_state=0), (8, 8)), cmap="gray")
axes[1].set_title("samples, 100 hidden units")
axes[2].imshow(tile_images(large.components_[:36], (8, 8)), cmap="gray")
axes[2].set_title("filters")
for ax in axes[1:]:
    ax.axis("off")
fig.tight_layout()
fig.savefig("plot_rbm_digits.png", dpi=110)
print("saved plot_rbm_digits.png")
