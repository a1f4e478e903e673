"""
=========================================================================
Convolutional RBM on digits: filters, pooled feature maps, samples
=========================================================================

Fits :class:`skgenerative.ConvolutionalRBM` at its defaults (32 filters of
4x4, probabilistic max pooling over 2x2 blocks) on the bundled 8x8 digits
(pixels / 16), feeds its features (the detector probabilities, here the
5x5 detector maps themselves: the default 5x5 ``feature_grid`` is no
coarser) to a logistic regression, and saves the filters, the pooled
feature maps of one digit and block-Gibbs samples to
``plot_conv_rbm_digits.png``.

Run: ``python examples/plot_conv_rbm_digits.py`` (needs matplotlib).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

from skgenerative import ConvolutionalRBM  # noqa: E402
from skgenerative.utils.plotting import tile_images  # noqa: E402

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)
model = ConvolutionalRBM(random_state=0)
pipe = Pipeline([("crbm", model), ("logreg", LogisticRegression(C=100, max_iter=2000))])
pipe.fit(X_train, y_train)
print(f"test accuracy of the features: {pipe.score(X_test, y_test):.3f}")
g = model.geometry_
print(f"{model.n_filters} filters {g.filter_shape}, detector maps {g.detector_shape}, "
      f"pooled maps {g.blocks_shape}: {model.transform(X_test[:1]).shape[1]} features")

# the pooling units' probabilities, one per block (transform-only settings:
# the fitted model is unchanged)
model.set_params(transform_units="pooled", feature_grid=None)
pooled = model.transform(X_test[:1]).reshape(model.n_filters, *g.blocks_shape)
samples = model.sample(36, n_steps=1000, random_state=0)

fig, axes = plt.subplots(1, 4, figsize=(15, 4.2))
axes[0].imshow(tile_images(model.components_.reshape(model.n_filters, -1), g.filter_shape),
               cmap="gray")
axes[0].set_title("filters")
axes[1].imshow(X_test[0].reshape(8, 8), cmap="gray")
axes[1].set_title("a test digit")
axes[2].imshow(tile_images(pooled.reshape(model.n_filters, -1), g.blocks_shape), cmap="gray")
axes[2].set_title("its pooled feature maps")
axes[3].imshow(tile_images(samples, (8, 8)), cmap="gray")
axes[3].set_title("samples (1000 Gibbs sweeps)")
for ax in axes:
    ax.axis("off")
fig.tight_layout()
fig.savefig("plot_conv_rbm_digits.png", dpi=110)
