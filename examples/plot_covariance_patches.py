"""
=================================================================
Covariance models on natural-image patches: filters and samples
=================================================================

Fits :class:`skgenerative.SpikeSlabRBM`, :class:`skgenerative.MeanCovarianceRBM`
and, for contrast, :class:`skgenerative.GaussianBernoulliRBM` to whitened 8x8
patches of scikit-learn's sample photographs
(:func:`skgenerative.datasets.load_image_patches`), prints their held-out
log-likelihoods next to a full-covariance Gaussian, and saves to
``plot_covariance_patches.png``:

* the ssRBM's slab filters and the mcRBM's covariance factors, shown in pixel
  space (de-whitened);
* samples of each model, de-whitened;
* the distribution of the patches' squared norm (in the whitened space) for
  held-out data and for samples of each model (its persistent training
  chains, continued). Whitened natural patches are a scale mixture: about
  half are almost flat (sky), the rest carry edges. A Gaussian-Bernoulli
  RBM, whose conditional covariance is fixed, puts every sample at about
  the same norm; the ssRBM, whose spikes switch precision on and off,
  starts a second, low-contrast mode (in a short run like this one it does
  not reach the flat patches yet, though its held-out likelihood already
  beats the Gaussian's by about 70 nats). That spread of scales is what
  §20.5.2 is about.

Run: ``python examples/plot_covariance_patches.py`` (needs matplotlib; a
couple of minutes).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import multivariate_normal  # noqa: E402

from skgenerative import GaussianBernoulliRBM, MeanCovarianceRBM, SpikeSlabRBM  # noqa: E402
from skgenerative.datasets import load_image_patches  # noqa: E402
from skgenerative.utils.plotting import tile_images  # noqa: E402

patches = load_image_patches(n_patches=10000, n_test_patches=2000, random_state=0)
X, X_test = patches.data, patches.data_test
scale = np.sqrt(patches.explained_variance)


def to_pixels(Z):
    """Whitened rows back to (DC-removed) 8x8 pixel patches."""
    return (Z * scale) @ patches.components + patches.mean


full = multivariate_normal(X.mean(axis=0), np.cov(X, rowvar=False)).logpdf(X_test).mean()
print(f"full-covariance Gaussian: held-out log-likelihood {full:.2f} nats")
models = {
    "GaussianBernoulliRBM": GaussianBernoulliRBM(n_components=12, max_iter=10, batch_size=100,
                                                 random_state=0),
    "SpikeSlabRBM": SpikeSlabRBM(n_components=12, max_iter=10, random_state=0),
    "MeanCovarianceRBM": MeanCovarianceRBM(n_components=4, n_covariance_components=8,
                                           n_factors=16, max_iter=5, random_state=0),
}
samples = {}
for name, model in models.items():
    model.fit(X)
    print(f"{name}: held-out log-likelihood {model.score(X_test):.2f} nats "
          f"({model.score_kind_})")
    # continue the training chains: fresh chains from N(0, 1 / precision_)
    # start in the high-contrast mode and rarely cross to the flat one
    samples[name] = model.sample(100, n_steps=200, init="persistent", random_state=0)

fig, axes = plt.subplots(2, 3, figsize=(13, 8.5))
panels = [
    ("ssRBM slab filters", to_pixels(models["SpikeSlabRBM"].components_) - patches.mean),
    ("mcRBM covariance factors", to_pixels(models["MeanCovarianceRBM"].factors_)
     - patches.mean),
    ("held-out patches", to_pixels(X_test[:36])),
    ("ssRBM samples", to_pixels(samples["SpikeSlabRBM"][:36])),
    ("mcRBM samples", to_pixels(samples["MeanCovarianceRBM"][:36])),
]
for ax, (title, images) in zip(axes.flat, panels):
    ax.imshow(tile_images(images[:36], (8, 8)), cmap="gray")
    ax.set_title(title)
    ax.axis("off")
ax = axes.flat[5]
bins = np.linspace(-4, 7, 45)
ax.hist(np.log((X_test**2).sum(axis=1)), bins=bins, density=True, alpha=0.4, label="data")
for name, Z in samples.items():
    ax.hist(np.log((Z**2).sum(axis=1)), bins=bins, density=True, histtype="step", lw=2,
            label=name)
ax.set_xlabel("log squared norm of a whitened patch")
ax.set_title("scale mixing: data vs samples")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig("plot_covariance_patches.png", dpi=110)
