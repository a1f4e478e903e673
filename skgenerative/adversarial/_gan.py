"""Generative adversarial networks (§20.10.4), unconditional and conditional."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ..nn import MLP, Adam, Dense
from ..nn._batchnorm import training_mode
from ..nn._convnet import MinibatchStd, Sequential, conv_discriminator
from ..nn._dropout import hidden_features
from ..nn._mlp import check_layer_sizes
from ..utils._threads import blas_threads
from ..utils.validation import resolve_dtype, user_stacklevel
from ._common import CONV_CONSTRAINTS, GENERATOR_CONSTRAINTS, _GeneratorNetMixin
from ._gan_math import GENERATOR_LOSSES, discriminator_step, generator_step

__all__ = ["GAN"]

#: Epochs in a row with discriminator accuracy >= _STUCK_ACCURACY before the
#: "discriminator wins" warning.
_STUCK_EPOCHS = 5
_STUCK_ACCURACY = 0.99
#: Samples drawn after each epoch to check the generator for collapse.
_COLLAPSE_CHECK_SAMPLES = 256

#: Hidden-unit activations of the adversarial networks ("auto": see
#: ``_AdversarialNet._activations``).
_ACTIVATIONS = {"relu", "leaky_relu", "tanh", "softplus", "sigmoid"}


def _adversarial_epoch(model, X, labels, order, rng, progress):
    """One epoch of the two-player game: the two-player form of
    :func:`skgenerative.nn.minibatch_epoch`.

    Rows are visited in ``order`` in batches of ``batch_size``. Each batch
    takes one discriminator step (its real rows against as many generated
    ones); every ``n_critic``-th discriminator step is followed by one
    generator step on fresh noise (with the batch's labels when
    conditional). Returns the epoch's mean losses and discriminator accuracy.
    """
    G, D = model.generator_, model.discriminator_
    k, dtype = model.n_components, model.dtype_
    totals = np.zeros(3)
    n_d = n_g = 0
    for start in range(0, len(order), model.batch_size):
        rows = order[start:start + model.batch_size]
        batch_labels = None if labels is None else labels[rows]
        noise = rng.standard_normal((len(rows), k)).astype(dtype)
        d_loss, grads, accuracy = discriminator_step(
            G, D, X[rows], batch_labels, noise, model.dropout, rng)
        model.d_optimizer_.step(grads)
        n_d += 1
        totals[0] += d_loss
        totals[2] += accuracy
        if n_d % model.n_critic == 0:
            noise = rng.standard_normal((len(rows), k)).astype(dtype)
            g_loss, grads = generator_step(G, D, batch_labels, noise, model.loss,
                                           model.dropout, rng)
            model.g_optimizer_.step(grads)
            n_g += 1
            totals[1] += g_loss
        progress(len(rows))
    return {
        "discriminator loss": totals[0] / n_d,
        "generator loss": totals[1] / n_g if n_g else float("nan"),
        "discriminator accuracy": totals[2] / n_d,
    }


class _AdversarialNet(_GeneratorNetMixin, BaseEstimator):
    """The GAN game on dense networks: parameters, labels, training, sampling.

    :class:`GAN` adds the discriminator's features (``transform``);
    :class:`~skgenerative.adversarial.LAPGAN` runs one game per level of a
    Laplacian pyramid.
    """

    _state_names = ("generator_", "discriminator_", "g_optimizer_", "d_optimizer_",
                    "random_state_", "_n_stuck_epochs", "_stuck_warned", "_collapse_warned",
                    "diversity_ratio_")
    _parameter_names = ("_parameter_vector",)

    _parameter_constraints = {
        **GENERATOR_CONSTRAINTS,
        "activation": [StrOptions({"auto", *_ACTIVATIONS})],
        "discriminator_activation": [StrOptions({"auto", *_ACTIVATIONS})],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither"),
                          StrOptions({"auto"})],
        "max_iter": [Interval(numbers.Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "discriminator_layer_sizes": ["array-like"],
        "loss": [StrOptions(set(GENERATOR_LOSSES))],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "n_critic": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_components=8,
        *,
        generator_layer_sizes=(128, 128),
        discriminator_layer_sizes=(128, 128),
        activation="auto",
        discriminator_activation="auto",
        loss="non_saturating",
        dropout=0.0,
        n_critic=1,
        learning_rate="auto",
        batch_size=100,
        max_iter="auto",
        n_score_samples=500,
        dtype=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.generator_layer_sizes = generator_layer_sizes
        self.discriminator_layer_sizes = discriminator_layer_sizes
        self.activation = activation
        self.discriminator_activation = discriminator_activation
        self.loss = loss
        self.dropout = dropout
        self.n_critic = n_critic
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.n_score_samples = n_score_samples
        self.dtype = dtype
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------ labels
    @property
    def _conditional(self):
        return getattr(self, "classes_", None) is not None

    @property
    def _n_classes(self):
        return len(self.classes_) if self._conditional else 0

    def _check_training_data(self, X, y, *, reset):
        dtype = resolve_dtype(self.dtype, X) if reset else self.dtype_
        if y is None:
            X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
            if not reset and self._conditional:
                raise ValueError("this GAN was fitted with labels; warm-start fit needs y.")
        else:
            X, y = validate_data(self, X, y, reset=reset, dtype=[np.float64, np.float32])
            check_classification_targets(y)
            if not reset:
                if not self._conditional:
                    raise ValueError("this GAN was fitted without labels; warm-start fit "
                                     "cannot add y.")
                self._label_codes(y)  # raises on unseen labels
        return np.ascontiguousarray(X, dtype=dtype), y

    def _label_codes(self, y):
        y = np.asarray(y)
        codes = np.searchsorted(self.classes_, y)
        codes = np.minimum(codes, len(self.classes_) - 1)
        unknown = self.classes_[codes] != y
        if np.any(unknown):
            raise ValueError(
                f"y has labels not seen in fit: {np.unique(y[unknown])[:5]!r}; the labels "
                f"are {self.classes_!r}."
            )
        return codes

    def _one_hot(self, codes):
        out = np.zeros((len(codes), self._n_classes), dtype=self.dtype_)
        out[np.arange(len(codes)), codes] = 1
        return out

    def _check_labels(self, y, n):
        """Label codes for ``n`` rows: ``y`` one label (repeated) or one per row."""
        if y is None:
            return None
        if not self._conditional:
            raise ValueError("y was given but this GAN was fitted without labels.")
        y = np.asarray(y)
        y = np.full(n, y.item()) if y.ndim == 0 else column_or_1d(y)
        if y.shape[0] != n:
            raise ValueError(f"y must be one label or {n} labels; got {y.shape[0]}.")
        return self._label_codes(y)

    # ------------------------------------------------------------- set-up
    def _initialize(self, X, y, rng, *, partial):
        gen, disc = self._layer_sizes()
        self._init_classes(y)
        self._init_scaling(X, rng)
        c, p = self._n_classes, X.shape[1]
        self.generator_, self.discriminator_ = self._make_networks(gen, disc, c, p, rng,
                                                                   X.dtype)
        self.g_optimizer_ = Adam(self.generator_.params, self._learning_rate(), beta1=0.5,
                                 maximize=False)
        self.d_optimizer_ = Adam(self.discriminator_.params, self._learning_rate(), beta1=0.5,
                                 maximize=False)
        self._start_monitoring()

    def _layer_sizes(self):
        """The validated hidden sizes of the generator and the discriminator."""
        gen = check_layer_sizes(self.generator_layer_sizes, "generator_layer_sizes")
        disc = check_layer_sizes(self.discriminator_layer_sizes, "discriminator_layer_sizes")
        if not disc:
            raise ValueError("discriminator_layer_sizes needs at least one hidden layer.")
        return gen, disc

    def _activations(self):
        """Hidden activations of (generator, discriminator): ``"auto"`` is
        relu for both dense networks; for ``architecture="conv"`` tanh in the
        generator and leaky relu in the discriminator (benchmarks/README.md:
        relu conv generators collapse on digits)."""
        conv = getattr(self, "architecture", "dense") == "conv"
        gen = self.activation
        if gen == "auto":
            gen = "tanh" if conv else "relu"
        disc = self.discriminator_activation
        if disc == "auto":
            disc = "leaky_relu" if conv else gen
        return gen, disc

    def _learning_rate(self):
        """Adam's step: ``"auto"`` is 1e-3 for dense networks and 2e-4 (Radford
        et al. 2015) for ``architecture="conv"``."""
        if self.learning_rate != "auto":
            return self.learning_rate
        return 2e-4 if getattr(self, "architecture", "dense") == "conv" else 1e-3

    def _max_epochs(self):
        """``"auto"``: 200 epochs for dense networks, 50 for
        ``architecture="conv"`` (on digits its MMD² is best there and degrades
        with longer training at the conv learning rate; benchmarks/README.md)."""
        if self.max_iter != "auto":
            return self.max_iter
        return 50 if getattr(self, "architecture", "dense") == "conv" else 200

    def _init_classes(self, y):
        """``classes_`` and ``class_prior_`` of a conditional model (removed
        when ``y`` is None)."""
        self.__dict__.pop("classes_", None)
        self.__dict__.pop("class_prior_", None)
        if y is not None:
            self.classes_, counts = np.unique(y, return_counts=True)
            self.class_prior_ = counts / counts.sum()

    def _make_networks(self, gen, disc, c, p, rng, dtype):
        """Dense generator and discriminator (``c`` label columns appended
        to the input of both)."""
        g_act, d_act = self._activations()
        return (MLP([self.n_components + c, *gen, p], g_act, dtype=dtype,
                    random_state=rng, prefix="gen_"),
                MLP([p + c, *disc, 1], d_act, dtype=dtype, random_state=rng,
                    prefix="disc_"))

    def _start_monitoring(self):
        """A new fit: no epoch yet, no collapse seen, no warning given."""
        self._n_stuck_epochs = 0
        self._stuck_warned = self._collapse_warned = False
        self.n_iter_ = 0
        self.diversity_ratio_ = float("nan")

    def _trainable_params(self):
        return {**self.generator_.params, **self.discriminator_.params}

    def _training_data(self, X, y):
        labels = None if y is None else self._one_hot(self._label_codes(y))
        return self._standardize(X), labels

    # ----------------------------------------------------------- training
    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        order = rng.permutation(X.shape[0]) if shuffle else np.arange(X.shape[0])
        with training_mode(self.generator_):  # batch statistics in its BatchNorm layers
            stats = _adversarial_epoch(self, X, y, order, rng, progress)
        self._check_discriminator(stats["discriminator accuracy"])
        self._warn_if_collapsed(self._sample_standardized(_COLLAPSE_CHECK_SAMPLES, rng, None))
        self._measure_diversity(X)
        return stats

    def _fit_epochs(self, X, n_epochs, rng, **kwargs):
        """The epochs of the template (each measures ``diversity_ratio_``),
        then the diversity of the fitted generator on the standardised
        training rows ``X`` and the partial-collapse warning."""
        epochs_run = super()._fit_epochs(X, n_epochs, rng, **kwargs)
        self._measure_diversity(X)  # the last epoch's value, or the first
        self._warn_if_less_varied(X.shape[0])
        return epochs_run

    def _check_discriminator(self, accuracy):
        self._n_stuck_epochs = self._n_stuck_epochs + 1 if accuracy >= _STUCK_ACCURACY else 0
        if self._n_stuck_epochs >= _STUCK_EPOCHS and not self._stuck_warned:
            self._stuck_warned = True
            warnings.warn(
                f"GAN: the discriminator has told real from generated rows with accuracy "
                f">= {_STUCK_ACCURACY} for {_STUCK_EPOCHS} epochs (up to epoch "
                f"{self.n_iter_ + 1}): the generator gets no useful gradient and has "
                "probably collapsed or failed. Use loss='non_saturating', more dropout, "
                "a lower learning_rate or a smaller discriminator.",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the generator and the discriminator for ``max_iter`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (real-valued).
        y : array-like of shape (n_samples,), default=None
            Class labels: given, a conditional GAN is trained.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y)

    # ------------------------------------------------------------ outputs
    def _sample_labels(self, n_samples, rng, y):
        """One-hot labels of ``n_samples`` samples (None when unconditional):
        the codes ``y`` repeated, or drawn from ``class_prior_``."""
        if not self._conditional:
            return None
        if y is None:
            codes = rng.choice(self._n_classes, size=n_samples, p=self.class_prior_)
        else:
            codes = np.resize(y, n_samples)  # label codes, repeated
        return self._one_hot(codes)

    def _sample_standardized(self, n_samples, rng, y):
        labels = self._sample_labels(n_samples, rng, y)
        noise = rng.standard_normal((n_samples, self.n_components)).astype(self.dtype_)
        if labels is not None:
            noise = np.concatenate([noise, labels], axis=1)
        return self.generator_.predict(noise)

    def _score_pair(self, X, y):
        if not self._conditional or y is None:
            return super()._score_pair(X, y)
        codes = self._check_labels(y, X.shape[0])
        n = max(X.shape[0], self.n_score_samples)
        samples = self._sample_standardized(n, np.random.default_rng(self.score_seed_), codes)
        # rows of different labels are ~ 30 bandwidths apart: their kernel
        # values vanish and the MMD compares (row, label) pairs
        gap = 30.0 * np.max(self.score_bandwidths_)
        return (np.concatenate([samples, gap * self._one_hot(np.resize(codes, n))], axis=1),
                np.concatenate([self._standardize(X), gap * self._one_hot(codes)], axis=1))

    def sample(self, n_samples=1, *, y=None, random_state=None):
        """Draw ``x = g(z)``, ``z ~ N(0, I)``.

        Parameters
        ----------
        n_samples : int, default=1
        y : label or array-like of shape (n_samples,), default=None
            Conditional GAN: the label of every sample (one label for all, or
            one per sample); None draws the labels from ``class_prior_``.
            Must be None for an unconditional GAN.
        random_state : None, int or Generator
            None continues the fitted stream ``random_state_``.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        rng = self._sampling_rng(n_samples, random_state)
        codes = self._check_labels(y, n_samples)
        with blas_threads():
            return self._unstandardize(self._sample_standardized(n_samples, rng, codes))


def _dense_discriminator_with_std(widths, activation, dtype, rng):
    """The dense discriminator of layer ``widths`` (input, hidden..., 1 logit)
    with a :class:`~skgenerative.nn._convnet.MinibatchStd` column appended to
    its first hidden layer's output."""
    layers = [Dense(widths[0], widths[1], activation, weight_key="disc_W0",
                    bias_key="disc_b0"), MinibatchStd(widths[1])]
    sizes = [widths[1] + 1, *widths[2:]]
    for j in range(len(sizes) - 1):
        layers.append(Dense(sizes[j], sizes[j + 1], activation if j < len(sizes) - 2
                            else "linear", weight_key=f"disc_W{j + 1}",
                            bias_key=f"disc_b{j + 1}"))
    return Sequential(layers, dtype=dtype, random_state=rng)


class GAN(ClassNamePrefixFeaturesOutMixin, TransformerMixin, _AdversarialNet):
    """Generative adversarial network (Goodfellow et al. 2014), optionally conditional.

    A generator network ``x = g(z)``, ``z ~ N(0, I)`` (§20.10.2), and a
    discriminator ``d(x) = sigmoid(D(x))`` that estimates the probability
    that ``x`` is a training example, trained against each other by Adam
    (eqs. 20.80–20.81). The discriminator is trained with dropout on its
    hidden layers, and the generator follows the gradient of the
    dropped-out discriminator (§20.10.4). ``fit(X, y)`` with class labels
    trains a conditional GAN (Mirza & Osindero 2014): the one-hot label is
    appended to the input of both networks and ``sample(n, y=...)`` draws
    given the labels. ``architecture="conv"`` makes both networks
    convolutional for images (DCGAN-style, Radford et al. 2015, §20.10.6).

    The data are standardised (training mean and standard deviation of each
    feature) and the generator's output is linear on that scale; samples are
    mapped back.

    Parameters
    ----------
    n_components : int, default=8
        Dimension of the noise ``z``.
    generator_layer_sizes : tuple of int, default=(128, 128)
        Hidden layers of the generator.
    discriminator_layer_sizes : tuple of int, default=(128, 128)
        Hidden layers of the discriminator (at least one: its last hidden
        layer is what :meth:`transform` returns).
    activation : {"auto", "relu", "leaky_relu", "tanh", "softplus", "sigmoid"}, \
default="auto"
        Hidden-layer activation of the generator (and of the discriminator
        when ``discriminator_activation="auto"`` and the networks are
        dense). ``"auto"``: relu for ``architecture="dense"``, tanh for
        ``"conv"`` (relu conv generators collapse; see ``architecture``).
    discriminator_activation : {"auto", "relu", "leaky_relu", "tanh", \
"softplus", "sigmoid"}, default="auto"
        Hidden-layer activation of the discriminator. ``"auto"``: the
        generator's for dense networks, leaky relu (slope 0.2, as Radford et
        al. 2015) for ``architecture="conv"``.
    architecture : {"dense", "conv"}, default="dense"
        ``"conv"``: rows are images of ``image_shape``. The generator maps
        the noise through its dense layers to ``conv_channels[-1]`` small
        feature maps, then transposed convolutions (kernel 4, stride 2)
        through ``conv_channels[-2], ..., conv_channels[0]`` and a linear
        3x3 convolution to the image; the discriminator applies 3x3
        convolutions to ``conv_channels[0], conv_channels[1], ...`` (the
        first of stride 1, the others of stride 2) before its dense layers.
        A conditional GAN's labels enter the first convolution as constant
        planes. Without batch normalisation (``batch_norm``, off by
        default) relu units in the conv generator collapse: on 8x8 digits
        the samples' spread falls to a third of the data's, also against a
        dense discriminator, and on the bar images of the tests two of four
        bars vanish. Hence the conv
        defaults (``activation="auto"``): tanh units in the generator, leaky
        relu in the discriminator (benchmarks/README.md).
    image_shape : None or (int, int), default=None
        ``(height, width)`` of the images (``architecture="conv"``). None:
        square.
    conv_channels : tuple of int, default=(16, 32)
        Feature maps of the convolution layers, from the image inwards
        (``architecture="conv"``).
    minibatch_std : bool, default=False
        Give the discriminator the minibatch standard-deviation feature of
        Karras et al. (2018): the features' standard deviation over groups
        of 4 rows of a batch (real and generated rows in separate groups),
        averaged to one number and appended as an input of the dense layers
        (after the convolutions for ``architecture="conv"``, after the first
        hidden layer for dense networks). A discriminator that sees how
        varied a batch is penalises a generator that collapses onto a few
        shapes. Then :meth:`transform` of a row depends on the rows next to
        it (its group of 4).
    batch_norm : bool, default=False
        Batch-normalise every generator layer but the output (Ioffe &
        Szegedy 2015; Radford et al. 2015 normalise this way): each hidden
        layer is linear, its units (dense) or channels (conv) standardised
        over the batch, scaled and shifted by learned parameters, then
        passed through the activation. Training uses each batch's
        statistics; sampling, scoring and the checks between epochs use
        their running averages, so a sample does not depend on the other
        samples drawn with it.
    loss : {"non_saturating", "minimax"}, default="non_saturating"
        Generator loss: ``"minimax"`` minimises ``E log(1 - d(g(z)))``, the
        zero-sum game of eq. 20.80 with the value of eq. 20.81;
        ``"non_saturating"`` minimises ``-E log d(g(z))``, the formulation
        that performs best in practice (§20.10.4). The discriminator always
        maximises eq. 20.81.
    dropout : float in [0, 1), default=0.0
        Probability of dropping each hidden unit of the discriminator during
        training; the generator follows the gradient of the dropped-out
        discriminator (§20.10.4). Goodfellow et al. (2014) found dropout
        important for their (maxout) image discriminators; with these dense
        ReLU networks it hurt in our measurements: MMD^2 of 1000 samples to
        held-out digits 0.028 / 0.042 / 0.101 at dropout 0 / 0.2 / 0.5 (200
        epochs), and on the ring of 8 Gaussians of the tests 0.1 needs twice
        the epochs of 0.0 to cover the modes as tightly. Hence the default.
    n_critic : int, default=1
        Discriminator updates per generator update.
    learning_rate : float or "auto", default="auto"
        Adam step size of both networks (``beta1 = 0.5``, as Radford et al.
        2015). ``"auto"``: 1e-3 for dense networks, Radford et al.'s 2e-4
        for ``architecture="conv"`` (at 1e-3 the conv GAN's sample quality
        oscillates instead of settling; benchmarks/README.md).
    batch_size : int, default=100
        Real rows per discriminator step (as many generated rows).
    max_iter : int or "auto", default="auto"
        Epochs (passes over the data). ``"auto"``: 200 for dense networks,
        50 for ``architecture="conv"``: over three seeds on digits the conv
        GAN at 2e-4 has MMD² 0.018 after 50 epochs (the dense GAN 0.030
        after 200) and degrades with longer training (0.05-0.10 after
        100-175 epochs; benchmarks/README.md). That MMD² weighs pixel noise
        little: the dense GAN's digits samples look better. The count is
        chosen on digits only: on 28x28 MNIST images the conv GAN collapses
        to a few shapes within 10-30 epochs (best after about 5; the
        partial-collapse warning fires there, ``diversity_ratio_`` 0.17
        after 30 epochs), so set ``max_iter`` by looking at samples on
        larger images.
    n_score_samples : int, default=500
        Model samples compared with the data by :meth:`score`.
    dtype : None, np.float32 or np.float64, default=None
        Compute dtype; None follows the input (float32 in, float32 out).
    warm_start : bool, default=False
        Continue from the fitted networks and optimizers on ``fit`` (Adam's
        moments carry on; a changed ``learning_rate`` takes effect).
    verbose : int, default=0
        1: losses and discriminator accuracy per epoch; 2: also a progress
        bar (tqdm).
    random_state : None, int or Generator, default=None
        Fixes initialisation, noise, dropout, batches and samples.

    Attributes
    ----------
    generator_, discriminator_ : skgenerative.nn.MLP
        The networks (the discriminator outputs the logit ``D(x)``); for
        ``architecture="conv"`` convolutional networks with the same
        interface.
    image_shape_ : tuple of int
        The images' shape (``architecture="conv"`` only).
    g_optimizer_, d_optimizer_ : skgenerative.nn.Adam
    classes_ : ndarray of shape (n_classes,)
        Labels of a conditional GAN (only after ``fit(X, y)``).
    class_prior_ : ndarray of shape (n_classes,)
        Label frequencies of the training data (conditional GAN).
    data_mean_, data_scale_ : ndarray of shape (n_features,)
        The standardisation.
    score_bandwidths_ : ndarray
        Kernel bandwidths of :meth:`score` (standardised scale).
    score_seed_ : int
    diversity_ratio_ : float
        The partial-collapse check, measured after every epoch (the warning
        is given at the end of ``fit``): the median distance from each of
        300 samples to its nearest other sample, over the same median for
        300 training rows (standardised scale; fixed rows and noise drawn
        from ``score_seed_``, so the check changes neither the parameters
        nor ``random_state_``). About 1 for a generator as varied as the
        data; below 1 also when the samples are cleaner than the data
        (0.6-0.8 on the ring of 8 Gaussians of the tests, whose modes the
        samples cover a little tighter than the data; about 0.4 on the
        tests' bar images, whose rows carry pixel noise the generator does
        not draw); far lower when the samples pile up on a few shapes.
        Below 0.3 a ``ConvergenceWarning`` is given once the model has
        trained 10 epochs (an untrained generator's samples are all alike).
        NaN when the training rows repeat too much to compare.
    dtype_ : numpy.dtype
    random_state_ : numpy.random.Generator
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    GMMN : a generator trained by moment matching, without a discriminator.
    skgenerative.latent.VAE : a generator paired with an inference network.

    Notes
    -----
    **No likelihood.** A GAN defines its distribution only through its
    sampler (it may put all its mass on a manifold and give the test set a
    log-likelihood of minus infinity, §20.10.4), so there is no
    ``score_samples``. :meth:`score` is a sample-quality score, the
    negative squared MMD between model samples and the data
    (``score_kind_ = "sample_quality"``), so ``GridSearchCV`` works.

    Training warns (``ConvergenceWarning``) when the discriminator tells real
    from generated rows with accuracy >= 0.99 for 5 epochs in a row (the
    generator gets no useful gradient), when the generated samples
    collapse to a point (checked after every epoch), and at the end of
    ``fit`` when they are far less varied than the data (partial mode
    collapse: ``diversity_ratio_`` below 0.3, after at least 10 epochs);
    NaN or infinite parameters stop training with ``FloatingPointError`` and
    restore the last finite epoch.

    References
    ----------
    Goodfellow, I. et al. (2014). Generative adversarial nets. NIPS.
    Mirza, M. and Osindero, S. (2014). Conditional generative adversarial
    nets. arXiv:1411.1784.
    Karras, T., Aila, T., Laine, S. and Lehtinen, J. (2018). Progressive
    growing of GANs for improved quality, stability, and variation. ICLR.
    Radford, A., Metz, L. and Chintala, S. (2015). Unsupervised representation
    learning with deep convolutional generative adversarial networks.
    arXiv:1511.06434.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.adversarial import GAN
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal([2.0, -1.0], 0.5, size=(500, 2))
    >>> gan = GAN(max_iter=100, random_state=0).fit(X)
    >>> samples = gan.sample(1000, random_state=0)
    >>> bool(np.all(np.abs(samples.mean(axis=0) - [2.0, -1.0]) < 0.25))
    True
    >>> gan.transform(X[:3]).shape
    (3, 128)
    """

    _parameter_constraints = {**_AdversarialNet._parameter_constraints, **CONV_CONSTRAINTS,
                              "minibatch_std": ["boolean"], "batch_norm": ["boolean"]}

    def __init__(
        self,
        n_components=8,
        *,
        generator_layer_sizes=(128, 128),
        discriminator_layer_sizes=(128, 128),
        activation="auto",
        discriminator_activation="auto",
        architecture="dense",
        image_shape=None,
        conv_channels=(16, 32),
        minibatch_std=False,
        batch_norm=False,
        loss="non_saturating",
        dropout=0.0,
        n_critic=1,
        learning_rate="auto",
        batch_size=100,
        max_iter="auto",
        n_score_samples=500,
        dtype=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        super().__init__(
            n_components, generator_layer_sizes=generator_layer_sizes,
            discriminator_layer_sizes=discriminator_layer_sizes, activation=activation,
            discriminator_activation=discriminator_activation, loss=loss, dropout=dropout,
            n_critic=n_critic, learning_rate=learning_rate, batch_size=batch_size,
            max_iter=max_iter, n_score_samples=n_score_samples, dtype=dtype,
            warm_start=warm_start, verbose=verbose, random_state=random_state,
        )
        self.architecture = architecture
        self.image_shape = image_shape
        self.conv_channels = conv_channels
        self.minibatch_std = minibatch_std
        self.batch_norm = batch_norm

    def _make_networks(self, gen, disc, c, p, rng, dtype):
        self._init_image_shape(p)
        if self.architecture != "conv" and not (self.minibatch_std or self.batch_norm):
            return super()._make_networks(gen, disc, c, p, rng, dtype)
        g_act, d_act = self._activations()
        generator = self._make_generator(self.n_components + c, p, gen, rng, dtype, g_act)
        if self.architecture != "conv":
            if not self.minibatch_std:
                return generator, MLP([p + c, *disc, 1], d_act, dtype=dtype, random_state=rng,
                                      prefix="disc_")
            return generator, _dense_discriminator_with_std([p + c, *disc, 1], d_act, dtype, rng)
        discriminator = conv_discriminator(self.image_shape_, c, self.conv_channels, disc,
                                           d_act, minibatch_std=self.minibatch_std,
                                           dtype=dtype, random_state=rng, prefix="disc_")
        return generator, discriminator

    @property
    def _n_features_out(self):
        return check_layer_sizes(self.discriminator_layer_sizes, "discriminator_layer_sizes")[-1]

    def transform(self, X):
        """Features of the discriminator's last hidden layer (no dropout).

        For a conditional GAN the label input is the vector of class
        frequencies ``class_prior_`` (the rows' labels are unknown).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, discriminator_layer_sizes[-1])
        """
        check_is_fitted(self)
        X = self._standardize(self._validate_X(X, reset=False))
        if self._conditional:
            prior = np.broadcast_to(self.class_prior_.astype(self.dtype_),
                                    (X.shape[0], self._n_classes))
            X = np.concatenate([X, prior], axis=1)
        with blas_threads():
            return hidden_features(self.discriminator_, X)
