"""The latent family on the template fit of ``TrainableMixin``: partial_fit
keeps hyperparameters, a failed or diverging call leaves the model as it was,
blocks equal one pass, early stopping holds out the package's one split."""

import copy

import numpy as np
import pytest

from skgenerative.latent import IWAE, VAE, SigmoidBeliefNet
from skgenerative.utils.random import check_generator
from skgenerative.utils.validation import validation_split

NETS = dict(encoder_layer_sizes=(6,), decoder_layer_sizes=(6,), n_importance_samples=10)
MODELS = {
    "VAE": lambda **kw: VAE(2, batch_size=20, **NETS, **kw),
    "IWAE": lambda **kw: IWAE(2, n_importance=3, batch_size=20, **NETS, **kw),
    "SBN-nvil": lambda **kw: SigmoidBeliefNet((3,), method="nvil", batch_size=20,
                                              n_importance_samples=10, **kw),
    "SBN-rws": lambda **kw: SigmoidBeliefNet((3,), batch_size=20, n_importance_samples=10, **kw),
}


@pytest.fixture
def X():
    return (np.random.default_rng(0).random((100, 8)) < 0.3).astype(np.float64)


def _state(model):
    """Every piece of trained state, copied."""
    baseline = getattr(model, "baseline_", None)
    return copy.deepcopy({
        "params": model.optimizer_.params, "m": model.optimizer_.m, "v": model.optimizer_.v,
        "steps": model.optimizer_.n_steps, "n_iter": model.n_iter_,
        "rng": model.random_state_.bit_generator.state,
        # NVIL's moving averages (its network's weights are optimizer params)
        "baseline": {} if baseline is None else {
            k: v for k, v in vars(baseline).items() if k != "network"
        },
    })


def _assert_equal_states(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], dict):
            _assert_equal_states(a[key], b[key])
        elif isinstance(a[key], np.ndarray):
            np.testing.assert_array_equal(a[key], b[key])
        else:
            assert a[key] == b[key], key


@pytest.mark.parametrize("name", MODELS)
def test_partial_fit_keeps_hyperparameters_and_blocks_equal_one_pass(name, X):
    # both start from the same initialisation (max_iter=0: no epoch)
    one = MODELS[name](max_iter=0, random_state=0).fit(X)
    blocks = copy.deepcopy(one)
    params = one.get_params()
    one.partial_fit(X)
    assert one.get_params() == params
    for start in range(0, 100, 40):  # blocks of 40 = 2 batches of 20
        blocks.partial_fit(X[start : start + 40])
    assert blocks.n_iter_ == 3 and one.n_iter_ == 1  # one call counts one pass
    blocks.n_iter_ = 1
    _assert_equal_states(_state(one), _state(blocks))


@pytest.mark.parametrize("name", MODELS)
def test_diverging_partial_fit_leaves_the_fitted_model_as_it_was(name, X, monkeypatch):
    model = MODELS[name](max_iter=1, random_state=0).fit(X)
    before = _state(model)
    original = type(model)._batch_bound_and_grads
    calls = {"n": 0}

    def nan_on_second_batch(self, X_batch, rng):
        bound, grads = original(self, X_batch, rng)
        calls["n"] += 1
        if calls["n"] == 2:
            grads = {k: np.full_like(g, np.nan) for k, g in grads.items()}
        return bound, grads

    monkeypatch.setattr(type(model), "_batch_bound_and_grads", nan_on_second_batch)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="diverged"):
        model.partial_fit(X)
    _assert_equal_states(before, _state(model))
    # the restored networks still share their arrays with the optimizer
    nets = model.generative_ if hasattr(model, "generative_") else [model.decoder_]
    key = next(iter(nets[0].params))
    assert nets[0].params[key] is model.optimizer_.params[key]


@pytest.mark.parametrize("name", MODELS)
def test_rejected_partial_fit_leaves_the_model_as_it_was(name, X):
    model = MODELS[name](max_iter=1, random_state=0).fit(X)
    before = _state(model)
    bad = X[:10].copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError):
        model.partial_fit(bad)
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:10, :5])
    _assert_equal_states(before, _state(model))


@pytest.mark.parametrize("cls", [VAE, IWAE])
def test_early_stopping_holds_out_the_package_validation_split(cls, X, monkeypatch):
    kw = dict(n_components=2, batch_size=20, validation_fraction=0.2, random_state=3, **NETS)
    # the random stream right after initialisation, as the template sees it
    rng = copy.deepcopy(cls(max_iter=0, **kw).fit(X).random_state_)
    train, val = validation_split(100, 0.2, check_generator(rng))
    seen = []
    original = cls._validation_score

    def record(self, X_val, y_val):
        seen.append(X_val.copy())
        return original(self, X_val, y_val)

    monkeypatch.setattr(cls, "_validation_score", record)
    model = cls(max_iter=2, early_stopping=True, **kw).fit(X)
    assert len(seen) == 2 == len(model.validation_scores_)
    np.testing.assert_array_equal(seen[0], X[val])


def test_refit_without_warm_start_starts_a_new_validation_history(X):
    model = VAE(2, max_iter=2, early_stopping=True, random_state=0, **NETS).fit(X)
    model.fit(X)
    assert model.n_iter_ == 2 and len(model.validation_scores_) == 2


@pytest.mark.parametrize("name", MODELS)
def test_a_first_partial_fit_that_diverges_leaves_the_model_unfitted(name, X, monkeypatch):
    from sklearn.exceptions import NotFittedError

    model = MODELS[name](random_state=0)
    fresh = dict(vars(model))
    cls = type(model)
    original = cls._batch_bound_and_grads

    def nan_gradients(self, X_batch, rng):
        bound, grads = original(self, X_batch, rng)
        return bound, {k: np.full_like(g, np.nan) for k, g in grads.items()}

    monkeypatch.setattr(cls, "_batch_bound_and_grads", nan_gradients)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="diverged"):
        model.partial_fit(X)
    assert vars(model) == fresh
    with pytest.raises(NotFittedError):
        model.score_samples(X)
    monkeypatch.undo()
    model.partial_fit(X)
    assert model.n_iter_ == 1


@pytest.mark.parametrize("name", MODELS)
def test_warm_start_takes_the_new_learning_rate_and_keeps_the_moments(name, X):
    """A learning-rate schedule set between warm-started fits: the next epoch
    steps with the new rate from the same Adam state."""
    model = MODELS[name](max_iter=1, random_state=0, warm_start=True).fit(X)
    start = _state(model)
    steps = {}
    for lr in (1e-3, 1e-6):
        copy_ = copy.deepcopy(model).set_params(learning_rate=lr)
        copy_.fit(X)
        assert copy_.optimizer_.learning_rate == lr
        assert copy_.optimizer_.n_steps > start["steps"]  # the moments carried on
        steps[lr] = np.sqrt(sum(np.sum((copy_.optimizer_.params[k] - start["params"][k]) ** 2)
                                for k in start["params"]))
    assert steps[1e-6] < 1e-2 * steps[1e-3]
