"""The project's own contract (DESIGN.md §1-2 and §8) over every public estimator.

Every test is parametrized by the names of ``skgenerative.all_estimators()``, so
a new estimator is tested as soon as it is exported; it only needs an entry in
``EXPECTED_METHODS`` (the README's methods table) and, when its visible units
are binary, in ``BINARY_VISIBLES``. The estimators are built from the small
settings of ``tests/_estimators.py`` (shared with ``tests/test_common.py``).

What an "epoch" is: one call of the estimator's ``_run_epoch`` hook by
:class:`skgenerative.base.EpochLoopMixin`, i.e. one epoch of the *final*
training loop. For the models with a pretraining phase that is the loop after
it: DBM's variational SML (its greedy pretraining trains scaled RBMs by plain
functions), DBN's wake-sleep fine-tuning (its layers are RBMs with their own
loops, each tested as ``BernoulliRBM``), and the classifiers' supervised
fine-tuning (DBMClassifier's inner DBM is a separate estimator). The interrupt
and divergence tests wrap that hook on the instance.

Contract failures that are known and not fixed yet go in
``EXPECTED_CONTRACT_FAILURES`` with the reason (they are run and xfail
strictly), never skipped silently.
"""

import copy
import io
import re
import numbers
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import is_classifier

import skgenerative
from skgenerative.base import SCORE_KINDS, EpochLoopMixin
from skgenerative.exceptions import OutOfSupportWarning
from tests._estimators import CHECK_PARAMS

ESTIMATORS = dict(skgenerative.all_estimators())
NAMES = sorted(ESTIMATORS)

#: The methods of the user's contract, in the order of the README's table.
METHODS = (
    "fit", "partial_fit", "score_samples", "score", "sample", "transform", "predict",
    "predict_proba",
)

#: Which of ``METHODS`` each estimator has (the README's table is generated
#: from this dict; ``test_methods_table_is_true`` keeps it honest).
EXPECTED_METHODS = {
    "BernoulliRBM": {"fit", "partial_fit", "score_samples", "score", "sample", "transform"},
    "BoltzmannMachine": {"fit", "partial_fit", "score_samples", "score", "sample", "transform"},
    "CategoricalRBM": {"fit", "partial_fit", "score_samples", "score", "sample", "transform"},
    "ClassRBM": {
        "fit", "partial_fit", "score_samples", "score", "sample", "predict", "predict_proba",
    },
    "ConditionalBoltzmannMachine": {
        "fit", "partial_fit", "score_samples", "score", "sample", "predict", "predict_proba",
    },
    "ConditionalRBM": {"fit", "partial_fit", "score_samples", "score", "sample"},
    "ConvolutionalRBM": {
        "fit", "partial_fit", "score_samples", "score", "sample", "transform",
    },
    "ConvolutionalDBM": {
        "fit", "partial_fit", "score_samples", "score", "sample", "transform",
    },
    "DBM": {"fit", "partial_fit", "score_samples", "score", "sample", "transform",
            "predict", "predict_proba"},
    "DBMClassifier": {"fit", "score", "predict", "predict_proba"},
    "DBN": {"fit", "score_samples", "score", "sample", "transform"},
    "DBNClassifier": {"fit", "score", "predict", "predict_proba"},
    "DenoisingAutoencoder": {"fit", "partial_fit", "score", "sample", "transform"},
    "DiffusionModel": {"fit", "partial_fit", "score_samples", "score", "sample"},
    "GenerativeStochasticNetwork": {"fit", "partial_fit", "score", "sample", "transform"},
    "GSNClassifier": {"fit", "score", "predict", "predict_proba"},
    "FVSBN": {"fit", "partial_fit", "score_samples", "score", "sample"},
    "GAN": {"fit", "score", "sample", "transform"},
    "GMMN": {"fit", "score", "sample"},
    "GatedRBM": {
        "fit", "partial_fit", "score_samples", "score", "sample", "transform", "predict",
    },
    "GaussianBernoulliRBM": {
        "fit", "partial_fit", "score_samples", "score", "sample", "transform",
    },
    "HierarchicalVAE": {"fit", "partial_fit", "score_samples", "score", "sample", "transform"},
    "IWAE": {"fit", "partial_fit", "score_samples", "score", "sample", "transform"},
    "LAPGAN": {"fit", "score", "sample"},
    "LinearGaussianAutoregressive": {"fit", "partial_fit", "score_samples", "score", "sample"},
    "MPDBM": {"fit", "score", "predict", "predict_proba"},
    "MeanCovarianceRBM": {
        "fit", "partial_fit", "score_samples", "score", "sample", "transform",
    },
    "MeanProductTDistribution": {
        "fit", "partial_fit", "score_samples", "score", "sample", "transform",
    },
    "NADE": {"fit", "partial_fit", "score_samples", "score", "sample", "transform"},
    "NeuralAutoregressive": {"fit", "partial_fit", "score_samples", "score", "sample"},
    "OrderAgnosticNADE": {
        "fit", "partial_fit", "score_samples", "score", "sample", "transform",
    },
    "RNADE": {"fit", "partial_fit", "score_samples", "score", "sample", "transform"},
    "RNNRBM": {"fit", "partial_fit", "score_samples", "score", "sample"},
    "SigmoidBeliefNet": {
        "fit", "partial_fit", "score_samples", "score", "sample", "transform",
    },
    "SpikeSlabRBM": {"fit", "partial_fit", "score_samples", "score", "sample", "transform"},
    "VAE": {"fit", "partial_fit", "score_samples", "score", "sample", "transform"},
}

#: Estimators whose visible units are binary: values outside [0, 1] must warn.
BINARY_VISIBLES = {
    "BernoulliRBM", "BoltzmannMachine", "DBM", "DBMClassifier", "DBN", "DBNClassifier",
    "FVSBN", "MPDBM", "NADE",
    "NeuralAutoregressive", "OrderAgnosticNADE", "SigmoidBeliefNet", "VAE", "HierarchicalVAE",
    "ConditionalRBM", "RNNRBM",
}
BINARY_VISIBLES |= {"DenoisingAutoencoder"}
BINARY_VISIBLES |= {"ClassRBM"}
BINARY_VISIBLES |= {"DiffusionModel"}
BINARY_VISIBLES |= {"GenerativeStochasticNetwork"}
BINARY_VISIBLES |= {"ConvolutionalRBM"}
BINARY_VISIBLES |= {"ConvolutionalDBM"}

#: Estimators fitted in closed form (no epochs to interrupt or diverge), with why.
NOT_ITERATIVE = {
    "LinearGaussianAutoregressive": "closed-form fit from accumulated moments",
}

#: The parameter that counts the epochs of the final training loop, where it is
#: not ``max_iter``.
EPOCH_PARAMS = {
    "BernoulliRBM": "n_iter",
    "DBN": "fine_tune_iter",
    "DBNClassifier": "fine_tune_iter",
}

#: Settings added to ``CHECK_PARAMS`` here: the DBN needs its fine-tuning loop
#: switched on to have one.
CONTRACT_PARAMS = {
    "DBN": {"fine_tune": "wake-sleep"},
}

#: {(test name, estimator name): reason}; these run and must fail (strict xfail).
EXPECTED_CONTRACT_FAILURES = {}

N_EPOCHS = 3


# ---------------------------------------------------------------- helpers
def _make(name, **params):
    """The estimator ``name`` at its small settings, with ``N_EPOCHS`` epochs in
    its final training loop, seeded by ``random_state=0`` (nested estimators'
    seeds left at None: the outer seed rules)."""
    cls = ESTIMATORS[name]
    est = cls(**CHECK_PARAMS.get(name, {}))
    est.set_params(**CONTRACT_PARAMS.get(name, {}))
    epoch_param = EPOCH_PARAMS.get(name, "max_iter")
    if epoch_param in est.get_params():
        est.set_params(**{epoch_param: N_EPOCHS})
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    # the outer seed alone must fix everything, nested estimators included
    nested = [key for key in est.get_params(deep=True) if key.endswith("__random_state")]
    est.set_params(**dict.fromkeys(nested))
    return est.set_params(**params)


def _data(n_samples=40, n_features=6, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.random((n_samples, n_features)) < 0.4).astype(np.float64)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    return X, y


#: Estimators whose ``predict_proba`` exists once fitted with labels (DBM's
#: label units); the contract is checked on that fit (the fit without labels
#: is the one of their own tests).
FITTED_WITH_LABELS = {"DBM"}


def _fit(est, X, y):
    labelled = is_classifier(est) or type(est).__name__ in FITTED_WITH_LABELS
    return est.fit(X, y) if labelled else est.fit(X)


def _partial_fit(est, X, y):
    """``partial_fit`` with the labels for classifiers."""
    return est.partial_fit(X, y) if is_classifier(est) else est.partial_fit(X)


def _has(name, method):
    return method in EXPECTED_METHODS[name]


def _xfail_known(request, name):
    reason = EXPECTED_CONTRACT_FAILURES.get((request.node.originalname, name))
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


def _fitted_state(estimator):
    """Every public fitted attribute (``*_``) as ``{path: value}``: arrays
    copied, containers and nested objects (RBM layers, networks, optimizers)
    unrolled, generators by the state of their bit generator."""
    state = {}
    seen = set()
    for name, value in sorted(vars(estimator).items()):
        if name.endswith("_") and not name.startswith("_"):
            _collect(value, name, state, seen)
    return state


def _collect(value, path, out, seen):
    if isinstance(value, np.ndarray):
        out[path] = value.copy()
    elif isinstance(value, np.random.Generator):
        out[path] = copy.deepcopy(value.bit_generator.state)
    elif isinstance(value, (numbers.Number, str, bytes, type, np.dtype, type(None))):
        out[path] = value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _collect(item, f"{path}[{i}]", out, seen)
    elif isinstance(value, dict):
        for key, item in value.items():
            _collect(item, f"{path}[{key!r}]", out, seen)
    elif hasattr(value, "__dict__") and not callable(value) and id(value) not in seen:
        seen.add(id(value))  # an object reached twice is the same object
        for key, item in sorted(vars(value).items()):
            _collect(item, f"{path}.{key}", out, seen)


def _assert_same_state(actual, expected):
    assert actual.keys() == expected.keys()
    for path, value in expected.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(actual[path], value, err_msg=path, strict=True)
        elif isinstance(value, float) and np.isnan(value):
            assert np.isnan(actual[path]), path
        else:
            assert actual[path] == value, path


def _float_arrays(value, seen=None):
    """The floating-point arrays reachable from ``value``."""
    seen = set() if seen is None else seen
    if isinstance(value, np.ndarray):
        return [value] if np.issubdtype(value.dtype, np.floating) else []
    if isinstance(value, (list, tuple)):
        return [a for item in value for a in _float_arrays(item, seen)]
    if isinstance(value, dict):
        return [a for item in value.values() for a in _float_arrays(item, seen)]
    if hasattr(value, "__dict__") and not isinstance(value, type) and id(value) not in seen:
        seen.add(id(value))
        return _float_arrays(vars(value), seen)
    return []


class _EpochHook:
    """Wraps the instance's ``_run_epoch``: in epoch number ``epoch`` (counted
    from 1 within one call), ``action(estimator)`` runs after the original
    epoch. Records ``n_iter_`` before the first epoch, and the fitted state
    and ``n_iter_`` before the acting epoch."""

    def __init__(self, estimator, epoch, action):
        self.estimator = estimator
        self.original = estimator._run_epoch
        self.epoch = epoch
        self.action = action
        self.calls = 0
        estimator._run_epoch = self

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == 1:
            self.n_iter_first = self.estimator.n_iter_
        if self.calls == self.epoch:
            self.state_before = _fitted_state(self.estimator)
            self.n_iter_before = self.estimator.n_iter_
        stats = self.original(*args, **kwargs)
        if self.calls == self.epoch:
            self.action(self.estimator)
        return stats

    def remove(self):
        del self.estimator._run_epoch


def _interrupt(estimator):
    raise KeyboardInterrupt


def _poison(estimator, value=np.nan):
    """``value`` in every floating-point array of the trained state."""
    for name in estimator._state_names:
        for array in _float_arrays(getattr(estimator, name)):
            array[...] = value


def _blow_up(estimator):
    """Huge but finite values, as a diverging run reaches before overflowing."""
    _poison(estimator, 1e35)


ITERATIVE = [name for name in NAMES if name not in NOT_ITERATIVE]
DENSITIES = [name for name in NAMES if _has(name, "score_samples")]
#: Conditional samplers: ``sample(X)`` draws outputs given the inputs of ``X``
#: (GatedRBM: ``y`` given ``x``), not ``sample(n_samples)``.
CONDITIONAL_SAMPLERS = {"GatedRBM"}
CONDITIONAL_SAMPLERS |= {"ConditionalBoltzmannMachine"}
SAMPLERS = [
    name for name in NAMES if _has(name, "sample") and name not in CONDITIONAL_SAMPLERS
]
ONLINE = [name for name in NAMES if _has(name, "partial_fit")]
ONLINE_ITERATIVE = [name for name in ONLINE if name in ITERATIVE]
WARM_STARTABLE = [name for name in NAMES if "warm_start" in ESTIMATORS[name]().get_params()]


# ------------------------------------------------------------------ tests
def test_every_public_estimator_is_listed():
    assert sorted(EXPECTED_METHODS) == NAMES
    assert BINARY_VISIBLES <= set(NAMES)
    assert set(NOT_ITERATIVE) <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_methods_table_is_true(name):
    has = {method for method in METHODS if callable(getattr(ESTIMATORS[name], method, None))}
    assert has == EXPECTED_METHODS[name]


@pytest.mark.parametrize("name", NAMES)
def test_iterative_estimators_run_the_shared_epoch_loop(name):
    # so that the interrupt and divergence tests reach every iterative model
    assert issubclass(ESTIMATORS[name], EpochLoopMixin) == (name not in NOT_ITERATIVE)


@pytest.mark.parametrize("name", ITERATIVE)
def test_interrupt_keeps_last_completed_epoch(request, name):
    _xfail_known(request, name)
    X, y = _data()
    est = _make(name)
    hook = _EpochHook(est, 2, _interrupt)
    with pytest.warns(UserWarning, match="interrupted during epoch 2"):
        with pytest.raises(KeyboardInterrupt):
            _fit(est, X, y)
    hook.remove()
    assert hook.calls == 2
    state = _fitted_state(est)
    _assert_same_state(state, hook.state_before)
    # ... which is the model a fit of one epoch gives
    one_epoch = _make(name, **{EPOCH_PARAMS.get(name, "max_iter"): 1})
    _assert_same_state(state, _fitted_state(_fit(one_epoch, X, y)))
    # n_iter_ counts the completed epochs; the DBN's includes its pretraining
    assert est.n_iter_ == hook.n_iter_first + 1
    if name != "DBN":
        assert est.n_iter_ == 1
    if _has(name, "partial_fit"):  # training resumes from there
        _partial_fit(est, X, y)
        assert est.n_iter_ == hook.n_iter_first + 2


def _train_more(est, X, y):
    """One more pass: ``partial_fit`` where there is one, else a warm ``fit``."""
    y_arg = (y,) if is_classifier(est) or type(est).__name__ in FITTED_WITH_LABELS else ()
    if hasattr(est, "partial_fit"):
        return est.partial_fit(X, *y_arg)
    return est.set_params(warm_start=True).fit(X, *y_arg)


CONTINUABLE = sorted(set(ONLINE_ITERATIVE) | set(WARM_STARTABLE))


@pytest.mark.parametrize("name", CONTINUABLE)
def test_training_continues_after_a_joblib_round_trip(request, name):
    # joblib writes each reference to an array as its own copy: an optimizer
    # holding the model's arrays would step copies the model never reads
    _xfail_known(request, name)
    X, y = _data()
    est = _fit(_make(name), X, y)
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    loaded, reference = joblib.load(buffer), copy.deepcopy(est)
    before = _fitted_state(reference)
    _assert_same_state(_fitted_state(loaded), before)
    _train_more(reference, X, y)
    _train_more(loaded, X, y)
    after = _fitted_state(reference)
    assert any(not np.array_equal(after[k], v) for k, v in before.items()
               if isinstance(v, np.ndarray)), "training did not change the model"
    _assert_same_state(_fitted_state(loaded), after)


@pytest.mark.parametrize("name", ONLINE_ITERATIVE)
def test_interrupted_partial_fit_leaves_model_intact(request, name):
    _xfail_known(request, name)
    X, y = _data()
    est = _fit(_make(name), X, y)
    before = _fitted_state(est)
    hook = _EpochHook(est, 1, _interrupt)
    with pytest.warns(UserWarning, match="interrupted during epoch 1"):
        with pytest.raises(KeyboardInterrupt):
            _partial_fit(est, X, y)
    hook.remove()
    _assert_same_state(_fitted_state(est), before)


@pytest.mark.parametrize("poison", [_poison, _blow_up], ids=["nan", "huge"])
@pytest.mark.parametrize("name", ITERATIVE)
def test_divergence_restores_last_finite_epoch(request, name, poison):
    _xfail_known(request, name)
    X, y = _data()
    est = _make(name)
    hook = _EpochHook(est, 2, poison)
    with pytest.raises(FloatingPointError, match="diverged during epoch") as error:
        _fit(est, X, y)
    hook.remove()
    # the epoch is named in the count of n_iter_ (the DBN's includes pretraining)
    assert re.search(rf"\bepoch {hook.n_iter_before + 1}\b", str(error.value))
    state = _fitted_state(est)
    _assert_same_state(state, hook.state_before)
    for path, value in state.items():
        if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
            assert np.all(np.isfinite(value)), path


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_identical_bits(request, name):
    _xfail_known(request, name)
    X, y = _data()
    a, b = _fit(_make(name), X, y), _fit(_make(name), X, y)
    _assert_same_state(_fitted_state(a), _fitted_state(b))
    outputs = {
        "score_samples": lambda e: e.score_samples(X),
        "transform": lambda e: e.transform(X),
        "predict_proba": lambda e: e.predict_proba(X),
        "sample": lambda e: e.sample(5, random_state=0),
    }
    if name in CONDITIONAL_SAMPLERS:
        outputs["sample"] = lambda e: e.sample(X[:5], random_state=0)
    for method, output in outputs.items():
        if _has(name, method):
            np.testing.assert_array_equal(output(a), output(b), err_msg=method, strict=True)
    if _has(name, "sample"):  # the estimators' own streams continue alike
        draw = X[:5] if name in CONDITIONAL_SAMPLERS else 5
        for _ in range(2):
            np.testing.assert_array_equal(a.sample(draw), b.sample(draw), strict=True)


def _bad_inputs(X):
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    return {"wrong number of features": X[:, :-1], "NaN": X_nan}


@pytest.mark.parametrize("name", ONLINE)
def test_failed_partial_fit_leaves_model_intact(request, name):
    _xfail_known(request, name)
    X, y = _data()
    est = _fit(_make(name), X, y)
    before = _fitted_state(est)
    for what, X_bad in _bad_inputs(X).items():
        with pytest.raises(ValueError):
            _partial_fit(est, X_bad, y)
        _assert_same_state(_fitted_state(est), before)


@pytest.mark.parametrize("name", WARM_STARTABLE)
def test_failed_warm_start_fit_leaves_model_intact(request, name):
    _xfail_known(request, name)
    X, y = _data()
    est = _fit(_make(name, warm_start=True), X, y)
    before = _fitted_state(est)
    for what, X_bad in _bad_inputs(X).items():
        with pytest.raises(ValueError):
            _fit(est, X_bad, y)
        _assert_same_state(_fitted_state(est), before)


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_to_fitted_model_raises_and_changes_nothing(request, name):
    _xfail_known(request, name)
    X, y = _data()
    est = _fit(_make(name), X, y)
    before = _fitted_state(est)
    methods = [m for m in ("score_samples", "transform", "predict_proba") if _has(name, m)]
    for what, X_bad in _bad_inputs(X).items():
        for method in methods:
            with pytest.raises(ValueError):
                getattr(est, method)(X_bad)
            _assert_same_state(_fitted_state(est), before)


def _count_out_of_support(call):
    """Out-of-support warnings raised by ``call``; each must name the line
    of this file that made the call (not a line inside the library)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    found = [w for w in caught if issubclass(w.category, OutOfSupportWarning)]
    assert all(w.filename == __file__ for w in found), [w.filename for w in found]
    return len(found)


@pytest.mark.parametrize("name", sorted(BINARY_VISIBLES))
def test_out_of_support_input_warns_once_per_call(request, name):
    _xfail_known(request, name)
    X, y = _data()
    X_255 = X * 255
    est = _make(name)
    assert _count_out_of_support(lambda: _fit(est, X_255, y)) == 1
    calls = {
        "partial_fit": lambda: _partial_fit(est, X_255, y),
        "score_samples": lambda: est.score_samples(X_255),
        "score": lambda: est.score(X_255, y),
        "transform": lambda: est.transform(X_255),
        "predict": lambda: est.predict(X_255),
        "predict_proba": lambda: est.predict_proba(X_255),
    }
    for method, call in calls.items():
        if _has(name, method):
            assert _count_out_of_support(call) == 1, method


@pytest.mark.parametrize(
    "name, scale",
    [("CategoricalRBM", lambda X: X + 0.5),  # not integer codes
     ("GaussianBernoulliRBM", lambda X: X * 1000.0),  # unstandardised
     ("DBM", lambda X: X * 255.0)],
)
def test_other_support_warnings_name_the_callers_line(name, scale):
    X, y = _data()
    est = _make(name)
    if name == "CategoricalRBM":
        est.set_params(handle_unknown="ignore")
    if name == "GaussianBernoulliRBM":
        # fixed precision: unstandardised data are out of scale; a step small
        # enough for pixels of scale 1000 (the default one diverges on them)
        est.set_params(precision=1.0, learning_rate=1e-7)
    assert _count_out_of_support(lambda: est.fit(scale(X))) == 1
    assert _count_out_of_support(lambda: est.transform(scale(X))) == 1


@pytest.mark.parametrize("name", DENSITIES)
def test_score_kind_is_valid(name):
    # a property decides it from the fitted model (e.g. RBMs: exact or AIS)
    declared = ESTIMATORS[name].score_kind_
    assert isinstance(declared, property) or declared in SCORE_KINDS
    X, y = _data()
    assert _fit(_make(name), X, y).score_kind_ in SCORE_KINDS


#: Generative models with ``score`` but no ``score_samples`` (no tractable
#: likelihood): their ``score_kind_`` says what ``score`` is.
SCORE_ONLY = [
    name for name in NAMES
    if _has(name, "score") and not _has(name, "score_samples") and not is_classifier(ESTIMATORS[name]())
]


@pytest.mark.parametrize("name", SCORE_ONLY)
def test_score_kind_of_models_without_likelihood_is_valid(name):
    assert ESTIMATORS[name].score_kind_ in SCORE_KINDS
    assert ESTIMATORS[name].score_kind_ not in ("exact", "estimate", "lower_bound")
    X, y = _data()
    est = _fit(_make(name), X, y)
    assert np.isfinite(est.score(X))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", SAMPLERS)
def test_sample_shape_finite_and_dtype(request, name, dtype):
    _xfail_known(request, name)
    X, y = _data()
    est = _fit(_make(name), X.astype(dtype), y)
    samples = est.sample(7, random_state=0)
    assert samples.shape == (7, est.n_features_in_)
    assert samples.dtype == dtype
    assert np.all(np.isfinite(samples))


SCORERS = [name for name in NAMES if _has(name, "score_samples")]


@pytest.mark.parametrize("name", SCORERS)
def test_score_samples_can_return_its_standard_error(name):
    # one design for every model (issue 12): score_samples(X, return_std=True)
    # -> (the same scores, a non-negative standard error per row), zero when
    # the score is exact
    X, y = _data()
    est = _fit(_make(name), X, y)
    scores = est.score_samples(X)
    again, std = est.score_samples(X, return_std=True)
    np.testing.assert_array_equal(again, scores)
    assert std.shape == scores.shape
    assert np.all(std >= 0)
    if est.score_kind_ == "exact":
        np.testing.assert_array_equal(std, 0.0)


#: Samplers without a likelihood (GAN, GMMN, denoising chains): no
#: score_samples, and a score that says what it is instead.
SAMPLE_QUALITY = [name for name in SAMPLERS if not _has(name, "score_samples")]


@pytest.mark.parametrize("name", SAMPLE_QUALITY)
def test_samplers_without_likelihood_have_a_deterministic_declared_score(name):
    assert ESTIMATORS[name].score_kind_ in ("sample_quality", "denoising")
    X, y = _data()
    est = _fit(_make(name), X, y)
    score = est.score(X)
    assert np.isfinite(score) and score == est.score(X)  # deterministic after fit
    assert not hasattr(est, "score_samples")
