"""Pieces shared by the generator networks trained without a likelihood.

A GAN or a GMMN has no tractable ``log p(x)`` (the generator may even put
all its mass on a manifold, §20.10.4), so these estimators have no
``score_samples``. Their ``score`` is a sample-quality score instead: the
negative squared MMD between samples of the model and the data
(``score_kind_ = "sample_quality"``), so that ``GridSearchCV`` and
``cross_val_score`` can still select models (higher is better).

Both standardise the data with the training mean and standard deviation of
each feature, train on that scale, and map samples back, so the defaults do
not depend on the units of the data.
"""

import numbers
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import GenerativeMixin, TrainableMixin
from ..nn import MLP, median_distance, mmd2_unbiased
from ..nn._convnet import batch_normalised_mlp, conv_generator, resolve_image_shape
from ..utils._threads import blas_threads
from ..utils.random import draw_seed
from ..utils.validation import resolve_dtype, user_stacklevel

#: Bandwidths of the MMD of ``score`` (and GMMN's default), as multiples of
#: the median distance between standardised training rows.
BANDWIDTH_FACTORS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)

#: A generator whose samples spread less than this (mean per-feature
#: standard deviation, on the standardised scale) has collapsed.
_COLLAPSE_SPREAD = 0.05

#: Rows of the end-of-fit diversity check (as many samples as training rows).
DIVERSITY_ROWS = 300
#: A ``diversity_ratio_`` below this warns of (partial) mode collapse ...
#: Measured (benchmarks/README.md, issue 17 fifth slice): healthy runs 0.37-0.84
#: (bar images of the tests 0.37-0.43, where the data's pixel noise spaces
#: the rows and the generator draws clean bars; the ring 0.58-0.84; digits
#: defaults 0.67-0.80; MNIST conv GAN after 5 epochs 0.50), collapsed runs
#: 0.17-0.19 (the MNIST-subset conv GAN after 30 epochs; a conv GAN on two
#: of the four bars of the tests), untrained generators 0.03-0.2.
DIVERSITY_WARN = 0.3
#: ... once the model has trained this many epochs: an untrained generator's
#: samples are all alike (ratio 0.03-0.2 after 0-2 epochs on digits).
DIVERSITY_MIN_EPOCHS = 10


#: The hyperparameters of the convolutional option (GAN and GMMN).
CONV_CONSTRAINTS = {
    "architecture": [StrOptions({"dense", "conv"})],
    "image_shape": [None, tuple],
    "conv_channels": ["array-like"],
}


#: The hyperparameters every generator network here has.
GENERATOR_CONSTRAINTS = {
    "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
    "generator_layer_sizes": ["array-like"],
    "activation": [StrOptions({"relu", "tanh", "softplus", "sigmoid"})],
    "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
    "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
    "n_score_samples": [Interval(numbers.Integral, 2, None, closed="left")],
    "dtype": [None, type, np.dtype, str],
    "warm_start": ["boolean"],
    "verbose": ["verbose"],
    "random_state": ["random_state", np.random.Generator],
}


def median_nn_distance(X):
    """Median over the rows of ``X`` of the Euclidean distance to the nearest
    other row (float64)."""
    X = np.asarray(X, dtype=np.float64)
    d = euclidean_distances(X, squared=True)
    np.fill_diagonal(d, np.inf)
    return float(np.sqrt(max(np.median(d.min(axis=1)), 0.0)))


class _GeneratorNetMixin(GenerativeMixin, TrainableMixin):
    """Validation, standardisation, sampling bookkeeping and the MMD score.

    A model supplies ``_generate(n, rng, labels)`` (samples on the
    standardised scale) and the training hooks of the template.
    """

    score_kind_ = "sample_quality"

    # ------------------------------------------------------------ validation
    def _is_initialized(self):
        return hasattr(self, "g_optimizer_")

    _warm_optimizers = ("g_optimizer_", "d_optimizer_")

    def __sklearn_is_fitted__(self):
        return self._is_initialized()

    def _validate_X(self, X, *, reset):
        dtype = resolve_dtype(self.dtype, X) if reset else self.dtype_
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        return np.ascontiguousarray(X, dtype=dtype)

    def _check_training_data(self, X, y, *, reset):
        return self._validate_X(X, reset=reset), None

    def _init_scaling(self, X, rng):
        """Per-feature mean and scale of the training data, the score's
        bandwidths and its seed."""
        self.dtype_ = X.dtype
        self.data_mean_ = X.mean(axis=0, dtype=np.float64)
        scale = X.std(axis=0, dtype=np.float64)
        self.data_scale_ = np.where(scale > 0, scale, 1.0)
        self.score_bandwidths_ = median_distance(self._standardize(X), rng) * np.asarray(
            BANDWIDTH_FACTORS)
        self.score_seed_ = draw_seed(rng)

    def _init_image_shape(self, n_features):
        """``image_shape_`` of the convolutional option (removed for dense nets)."""
        self.__dict__.pop("image_shape_", None)
        if self.architecture == "conv":
            self.image_shape_ = resolve_image_shape(self.image_shape, n_features)

    def _make_generator(self, n_inputs, n_outputs, hidden_sizes, rng, dtype,
                        activation=None):
        """The generator: an MLP, or (``architecture="conv"``) a DCGAN-style
        convolutional network producing ``image_shape_`` images; hidden units
        ``activation`` (None: ``self.activation``), batch-normalised when the
        estimator has ``batch_norm=True``."""
        activation = self.activation if activation is None else activation
        batch_norm = getattr(self, "batch_norm", False)
        if self.architecture == "conv":
            return conv_generator(n_inputs, self.image_shape_, self.conv_channels,
                                  hidden_sizes, activation, batch_norm=batch_norm,
                                  dtype=dtype, random_state=rng, prefix="gen_")
        if batch_norm:
            return batch_normalised_mlp([n_inputs, *hidden_sizes, n_outputs], activation,
                                        dtype=dtype, random_state=rng, prefix="gen_")
        return MLP([n_inputs, *hidden_sizes, n_outputs], activation, dtype=dtype,
                   random_state=rng, prefix="gen_")

    def _standardize(self, X):
        return ((X - self.data_mean_) / self.data_scale_).astype(self.dtype_)

    def _unstandardize(self, Z):
        return (Z * self.data_scale_ + self.data_mean_).astype(self.dtype_)

    @property
    def _parameter_vector(self):
        """All trainable parameters, concatenated (for the divergence check)."""
        return np.concatenate([np.ravel(v) for v in self._trainable_params().values()])

    def _warn_if_collapsed(self, samples):
        """Warn once per fit when the generator's samples have collapsed."""
        spread = float(np.mean(np.std(samples, axis=0)))
        if spread < _COLLAPSE_SPREAD and not self._collapse_warned:
            self._collapse_warned = True
            warnings.warn(
                f"{type(self).__name__}: the generated samples have collapsed (mean "
                f"per-feature standard deviation {spread:.3g} of the data's 1 after "
                "standardisation) after epoch "
                f"{self.n_iter_ + 1}. Lower the learning rate, use more latent "
                "dimensions (n_components) or, for a GAN, more discriminator dropout.",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )

    def _measure_diversity(self, X):
        """Set ``diversity_ratio_`` from the standardised training rows ``X``.

        The ratio is the median distance from each of ``DIVERSITY_ROWS``
        generated samples to its nearest other sample, over the same median
        for as many training rows: about 1 for a generator that spreads like
        the data, far below 1 when the samples pile up on a few shapes
        (partial mode collapse), which the spread check misses. Rows and
        samples come from a stream seeded by ``score_seed_`` (the same rows
        and noise every time), so the check neither consumes
        ``random_state_`` nor changes the parameters. NaN when fewer than 2
        rows or when over half of them repeat (no yardstick).
        """
        rng = np.random.default_rng(self.score_seed_)
        m = min(DIVERSITY_ROWS, X.shape[0])
        self.diversity_ratio_ = float("nan")
        if m < 2:
            return
        data = X[np.sort(rng.choice(X.shape[0], m, replace=False))]
        samples = self._sample_standardized(m, rng, None)
        reference = median_nn_distance(data)
        if reference > 0:
            self.diversity_ratio_ = median_nn_distance(samples) / reference

    def _warn_if_less_varied(self, n_rows):
        """The end-of-fit warning: ``diversity_ratio_`` below
        ``DIVERSITY_WARN`` after at least ``DIVERSITY_MIN_EPOCHS`` epochs."""
        if self.diversity_ratio_ < DIVERSITY_WARN and self.n_iter_ >= DIVERSITY_MIN_EPOCHS:
            warnings.warn(
                f"{type(self).__name__}: the generated samples are less varied than the "
                f"data after {self.n_iter_} epochs: the median distance from a sample to "
                f"its nearest other sample is {self.diversity_ratio_:.2f} times the "
                f"training rows' (diversity_ratio_, over {min(DIVERSITY_ROWS, n_rows)} "
                f"rows; below {DIVERSITY_WARN} is partial mode collapse: the samples pile "
                "up on a few shapes). Look at samples; train for fewer epochs (check the "
                "score on held-out rows at several epoch counts), lower the learning "
                "rate or, for a GAN, add discriminator dropout or minibatch_std.",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )

    # -------------------------------------------------------------- outputs
    def _score_pair(self, X, y):
        """The model samples and the data that :meth:`score` compares, on the
        standardised scale (a conditional model appends the labels)."""
        rng = np.random.default_rng(self.score_seed_)
        n = max(X.shape[0], self.n_score_samples)
        return self._sample_standardized(n, rng, None), self._standardize(X)

    def score(self, X, y=None):
        """Sample quality: the negative squared MMD between model samples and ``X``.

        ``-MMD^2_u`` (unbiased estimate, Gretton et al. 2012) between
        ``max(n_score_samples, len(X))`` samples of the model and the rows of
        ``X``, with a mixture of Gaussian kernels whose bandwidths are
        ``score_bandwidths_`` (multiples of the median distance between
        training rows), both on the standardised scale of the training data.
        The samples are drawn from a stream seeded at fit
        (``score_seed_``), so the score is deterministic. **Not a
        likelihood**: the model has none (there is no ``score_samples``);
        higher is better and 0 is the value expected when the samples and
        ``X`` come from the same distribution (the estimate is unbiased, so
        it can be slightly positive).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            At least 2 rows.
        y : array-like of shape (n_samples,), default=None
            Labels of the rows of ``X``, for a conditional model: then the
            model's samples get the labels of ``y`` (repeated in order) and
            the MMD compares the joint distributions of (row, label), with a
            kernel that is zero between different labels. Without ``y`` a
            conditional model's samples take labels from ``class_prior_``
            and only the distributions of the rows are compared. Ignored by
            an unconditional model.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        if X.shape[0] < 2:
            raise ValueError(
                f"score compares samples with the data by MMD and needs at least 2 rows "
                f"of X; got {X.shape[0]}."
            )
        with blas_threads():
            samples, data = self._score_pair(X, y)
            return -mmd2_unbiased(samples.astype(np.float64), data.astype(np.float64),
                                  self.score_bandwidths_)

    def _sample_standardized(self, n_samples, rng, y):
        """Samples on the standardised scale; ``y`` (conditional models):
        labels repeated to ``n_samples`` rows, or None."""
        return self._generate(n_samples, rng, None)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
