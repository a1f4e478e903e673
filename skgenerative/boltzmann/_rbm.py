"""Bernoulli restricted Boltzmann machine (binary visible and hidden units, §20.2).

The drop-in replacement for :class:`sklearn.neural_network.BernoulliRBM`; the
machinery it shares with the other RBMs is :class:`~._rbm_base.BaseRBM`, its
visible unit type :class:`~._units.BernoulliUnits`.
"""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._kernels._flip_objectives import PSEUDO_LIKELIHOOD, RATIO_MATCHING
from ._rbm_base import BaseRBM
from ._rbm_methods import flip_epoch, pt_epoch

__all__ = ["BernoulliRBM"]

#: Training methods; the objective methods (no sampling) map to their code.
_METHODS = ("pcd", "cd", "pt", "ratio_matching", "pseudo_likelihood")
_OBJECTIVES = {"ratio_matching": RATIO_MATCHING, "pseudo_likelihood": PSEUDO_LIKELIHOOD}


class BernoulliRBM(BaseRBM):
    """Bernoulli restricted Boltzmann machine (binary visible and hidden units).

    A drop-in replacement for :class:`sklearn.neural_network.BernoulliRBM`:
    the same constructor arguments with the same defaults and meaning, the same
    fitted attributes and methods, many times faster (fused Numba kernels, one
    BLAS call per matrix product, in-place updates), and with what
    scikit-learn's lacks: the true log-likelihood in ``score_samples``
    (``-F(v) - log Z``; scikit-learn returns a pseudo-likelihood), CD-k and
    PCD-k, persistent chains independent of the batch size, momentum, weight
    decay, centring, float32 compute, early stopping and sampling.

    Energy (§20.2, eq. 20.4): ``E(v, h) = -b.v - c.h - h.W v`` with
    ``W = components_``, ``b = intercept_visible_``, ``c = intercept_hidden_``.

    Parameters
    ----------
    n_components : int, default=256
        Number of binary hidden units.
    learning_rate : float, default=0.1
        Learning rate of the (mean-gradient) updates. Reasonable values are in
        the 10**[0., -3.] range.
    batch_size : int, default=10
        Number of examples per minibatch (batches are split evenly).
    n_iter : int, default=10
        Number of epochs (the maximum when ``early_stopping=True``).
    verbose : int, default=0
        1 prints per-epoch time, reconstruction error and the log-likelihood
        (when the exact one is cheap) or pseudo-likelihood; 2 also shows a
        progress bar per epoch when tqdm is installed.
    random_state : int, RandomState instance, Generator or None, default=None
        Fixes initialisation, sampling and the seeds of scoring: the same
        seed and data give bit-identical parameters, samples and scores.
    method : {"pcd", "cd", "pt", "ratio_matching", "pseudo_likelihood"}, \
            default="pcd"
        How the likelihood gradient is approximated (§20.2, chapter 18):
        ``"pcd"`` persistent contrastive divergence (stochastic maximum
        likelihood, scikit-learn's method); ``"cd"`` contrastive divergence;
        ``"pt"`` stochastic maximum likelihood whose negative phase is the
        temperature-1 chain of parallel tempering (Desjardins et al. 2010):
        ``n_temperatures`` copies of the persistent chains at inverse
        temperatures ``linspace(1, 0, n_temperatures)``, each step a tempered
        Gibbs sweep followed by Metropolis swaps between neighbouring
        temperatures (acceptance in ``swap_acceptance_``);
        ``"ratio_matching"`` (Hyvärinen 2007, eq. 18.26) and
        ``"pseudo_likelihood"`` (Besag 1975, eq. 18.18): gradient descent on
        objectives of the free-energy gaps to the one-bit flips of each row,
        exact gradients without sampling (binary data; about
        ``n_features`` times the cost of a CD-1 step).
    n_gibbs_steps : int, default=1
        Gibbs sweeps per update (the k of CD-k / PCD-k; tempered steps for
        ``"pt"``).
    n_chains : int or None, default=None
        Number of persistent chains (per temperature for ``"pt"``); None
        means ``batch_size``.
    n_temperatures : int, default=10
        Number of temperatures of ``method="pt"`` (ignored otherwise).
    momentum : float, default=0.0
        Momentum of the parameter updates.
    weight_decay : float, default=0.0
        Weight penalty coefficient (on ``components_`` only).
    penalty : {"l2", "l1"}, default="l2"
        Kind of weight penalty.
    learning_rate_schedule : {"constant", "linear"}, default="constant"
        ``"linear"`` decays the learning rate linearly to 0 over the epochs
        (Tieleman 2008).
    shuffle : bool, default=True
        Shuffle the rows every epoch.
    centering : bool, default=False
        Centred gradient (Melchior et al. 2016): offsets are sliding averages
        (rate 0.01) of the data and hidden means; the fitted attributes stay
        plain-energy parameters with the offsets folded in. Sampling methods
        only (``"cd"``, ``"pcd"``, ``"pt"``).
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Compute dtype; None follows the input (float32 stays float32).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its
        log-likelihood has not improved by ``tol`` for ``n_iter_no_change``
        epochs; the best parameters are kept. The score is exact when
        enumerating the smaller layer (at most 16 units) costs at most about
        a tenth of an epoch (``2**units <= 0.2 (1 + n_gibbs_steps)``
        training rows), else the pseudo-likelihood.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    warm_start : bool, default=False
        Continue from the fitted parameters and chains on ``fit``.
    log_z : {"auto", "exact", "ais"} or float, default="auto"
        How ``log Z`` is obtained for ``score_samples``: ``"auto"`` enumerates
        when the smaller layer has at most ``exact_limit`` units. An AIS
        estimate whose effective sample size is below a tenth of its runs
        raises :class:`~skgenerative.exceptions.UnreliableEstimateWarning`.
    exact_limit : int, default=20
        Largest number of units enumerated for the exact ``log Z``.
    ais_n_runs : int, default=100
        AIS chains when ``log Z`` is estimated (``log_partition_result_``
        holds the estimate with its standard error and effective sample size).
    ais_n_temperatures : int or None, default=None
        Length of the AIS schedule; None is the 14,501 temperatures of
        Salakhutdinov & Murray (2008).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weight matrix W.
    intercept_hidden_ : ndarray of shape (n_components,)
        Biases of the hidden units.
    intercept_visible_ : ndarray of shape (n_features,)
        Biases of the visible units.
    h_samples_ : ndarray of shape (n_chains, n_components)
        Hidden states of the persistent chains (at temperature 1 for
        ``"pt"``).
    swap_acceptance_ : ndarray of shape (n_temperatures - 1,)
        ``method="pt"`` only: the fraction of accepted swaps between
        temperatures ``t`` and ``t + 1`` during the last epoch (also printed
        per epoch, averaged, when verbose).
    base_rate_ : ndarray of shape (n_features,)
        Visible biases of the independent model of the training marginals:
        the start of fresh sampling chains and of AIS.
    log_partition_ : float
        log Z (computed on first use, then cached).
    n_iter_ : int
        Epochs run.
    random_state_ : numpy.random.Generator
        The estimator's random stream (continued by ``partial_fit``,
        ``gibbs`` and ``sample``).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined when X has string feature names.

    See Also
    --------
    sklearn.neural_network.BernoulliRBM : The scikit-learn original.
    GaussianBernoulliRBM : Real-valued visible units.

    References
    ----------
    Hinton, G. E. (2002). Training products of experts by minimizing
    contrastive divergence. Neural Computation 14(8).

    Tieleman, T. (2008). Training restricted Boltzmann machines using
    approximations to the likelihood gradient. ICML.

    Melchior, J., Fischer, A. and Wiskott, L. (2016). How to center deep
    Boltzmann machines. JMLR 17.

    Desjardins, G., Courville, A., Bengio, Y., Vincent, P. and Delalleau, O.
    (2010). Tempered Markov chain Monte Carlo for training of restricted
    Boltzmann machines. AISTATS.

    Hyvärinen, A. (2007). Some extensions of score matching. Computational
    Statistics & Data Analysis 51.

    Besag, J. (1975). Statistical analysis of non-lattice data. The
    Statistician 24(3).

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative import BernoulliRBM
    >>> X = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    >>> model = BernoulliRBM(n_components=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (4, 2)
    >>> float(np.exp(model.score_samples(X)).sum()) <= 1.0
    True
    """

    _parameter_constraints: dict = {
        **BaseRBM._parameter_constraints,
        "n_iter": [Interval(Integral, 0, None, closed="left")],
        "centering": ["boolean"],
        "method": [StrOptions(set(_METHODS))],
        "n_temperatures": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        n_components=256,
        *,
        learning_rate=0.1,
        batch_size=10,
        n_iter=10,
        verbose=0,
        random_state=None,
        method="pcd",
        n_gibbs_steps=1,
        n_chains=None,
        n_temperatures=10,
        momentum=0.0,
        weight_decay=0.0,
        penalty="l2",
        learning_rate_schedule="constant",
        shuffle=True,
        centering=False,
        dtype=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        warm_start=False,
        log_z="auto",
        exact_limit=20,
        ais_n_runs=100,
        ais_n_temperatures=None,
    ):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.verbose = verbose
        self.random_state = random_state
        self.method = method
        self.n_gibbs_steps = n_gibbs_steps
        self.n_chains = n_chains
        self.n_temperatures = n_temperatures
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.penalty = penalty
        self.learning_rate_schedule = learning_rate_schedule
        self.shuffle = shuffle
        self.centering = centering
        self.dtype = dtype
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.log_z = log_z
        self.exact_limit = exact_limit
        self.ais_n_runs = ais_n_runs
        self.ais_n_temperatures = ais_n_temperatures

    _state_names = BaseRBM._state_names + ("_offsets", "_tempered_chains")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to the data X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, values in [0, 1] (binary, or probabilities).
        y : None
            Ignored.

        Returns
        -------
        self : BernoulliRBM
            The fitted model.
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Fit the model to one block of data: one pass over X in minibatches.

        A block of at most ``batch_size`` rows is one update (scikit-learn's
        semantics); a larger block is split into minibatches, in order.
        Persistent chains, momentum and the random stream carry over.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : BernoulliRBM
            The fitted model.
        """
        return self._partial_fit(X)

    # ------------------------------------------------------------ unit hooks
    def _init_visible(self, X, rng):
        init = self._visible_units.initial_parameters(X)
        mean = init["mean"]
        dtype = self.components_.dtype
        # the visible biases start as the independent model of the marginals
        self.base_rate_ = init["bias"].astype(dtype)
        self.intercept_visible_ = self.base_rate_.copy()
        if self.centering:
            self._offsets = (
                np.asarray(mean, dtype=dtype).copy(),
                np.full(self.n_components, 0.5, dtype=dtype),
            )
        else:
            self._offsets = (
                np.zeros(X.shape[1], dtype=dtype),
                np.zeros(self.n_components, dtype=dtype),
            )

    def _offset_rate(self):
        return 0.01 if self.centering else 0.0

    def _check_training_data(self, X, y, *, reset):
        if self.centering and self.method in _OBJECTIVES:
            raise ValueError(
                f"centering=True applies to the sampling methods ('cd', 'pcd', 'pt'), "
                f"not to method={self.method!r}."
            )
        return super()._check_training_data(X, y, reset=reset)

    def _initialize(self, X, y, rng, *, partial):
        super()._initialize(X, y, rng, partial=partial)
        self._tempered_chains = None  # created by the first "pt" epoch

    def _epoch_kernel(self, X, rows, bounds, hyper, rng):
        if self.method == "pt":
            pt_epoch(self, X, rows, bounds, hyper, rng)
            return
        if self.method in _OBJECTIVES:
            flip_epoch(self, X, rows, bounds, hyper, _OBJECTIVES[self.method])
            return
        self._visible_units.train_epoch(
            X,
            rows,
            bounds,
            (self.components_, self.intercept_visible_, self.intercept_hidden_),
            self._velocity,
            self._offsets,
            self.h_samples_,
            hyper,
            rng,
        )

    def _max_epochs(self):
        return self.n_iter  # the drop-in keeps scikit-learn's name

    def _run_epoch(self, X, y, rng, progress, *, shuffle):
        self._epoch_statistics = {}
        if self.method == "pt":
            self._swap_counts = np.zeros((2, self.n_temperatures - 1))
        stats = super()._run_epoch(X, y, rng, progress, shuffle=shuffle)
        if self.method == "pt":
            accepted, proposed = self._swap_counts
            self.swap_acceptance_ = accepted / np.maximum(proposed, 1.0)
            self._epoch_statistics["swap acceptance"] = float(np.mean(self.swap_acceptance_))
        if self.verbose:  # "_"-names are running sums, not statistics
            stats.update(
                {k: v for k, v in self._epoch_statistics.items() if not k.startswith("_")}
            )
        return stats

    def _proxy_score(self, V):
        return "pseudo-likelihood", float(np.mean(self.pseudo_likelihood(V)))

    def pseudo_likelihood(self, X):
        """Stochastic pseudo-likelihood of each row (scikit-learn's score).

        ``n_features * log sigmoid(F(v~) - F(v))`` with ``v~`` equal to ``v``
        with one feature flipped, chosen from a seed fixed at ``fit`` (so the
        value is deterministic). A cheap proxy for the likelihood, not the
        likelihood: use ``score_samples`` for that.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        pseudo_likelihood : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        v = self._validate_X(X, reset=False)
        rng = np.random.default_rng(self._score_seed)
        flip = rng.integers(0, v.shape[1], v.shape[0])
        v = v.toarray() if sp.issparse(v) else np.array(v)
        v_flipped = v.copy()
        rows = np.arange(v.shape[0])
        v_flipped[rows, flip] = 1 - v_flipped[rows, flip]
        gap = self._free_energy(v_flipped) - self._free_energy(v)
        return -v.shape[1] * np.logaddexp(0, -gap)
