"""partial_fit of ClassRBM and ConditionalBoltzmannMachine (scikit-learn's
``classes`` semantics; blocks train like one pass; state survives pickling;
passes approach ``fit``) and ConditionalBoltzmannMachine.sample against the
exact p(y | x) of a tiny model."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_multilabel_classification
from sklearn.model_selection import train_test_split

from skgenerative import ClassRBM, ConditionalBoltzmannMachine
from skgenerative.boltzmann import _conditional_math as cmath
from tests.test_contract import _assert_same_state, _fitted_state


def _binary(n=64, nf=6, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.random((n, nf)) < 0.5).astype(np.float64)
    y = (X[:, 0] + 2 * X[:, 1]).astype(np.int64)  # classes 0..3
    return X, y


def _models():
    X, y = _binary()
    Y = np.column_stack([X[:, 0], X[:, 1] * X[:, 2], 1 - X[:, 3]]).astype(np.int64)
    return [
        (ClassRBM(n_components=5, batch_size=8, random_state=0), X, y, [0, 1, 2, 3]),
        (ClassRBM(n_components=5, batch_size=8, method="pcd", objective="generative",
                  random_state=0), X, y, [0, 1, 2, 3]),
        (ConditionalBoltzmannMachine(n_components=5, batch_size=8, random_state=0),
         X, y, [0, 1, 2, 3]),
        (ConditionalBoltzmannMachine(n_components=5, n_factors=2, batch_size=8,
                                     random_state=0), X, Y, None),
    ]


@pytest.mark.parametrize("index", range(4))
def test_blocks_train_like_one_pass_and_survive_pickling(index):
    model, X, y, classes = _models()[index]
    model.partial_fit(X[:16], y[:16], classes=classes)  # initialised from this block
    whole = pickle.loads(pickle.dumps(model)).partial_fit(X[16:], y[16:])
    resumed = pickle.loads(pickle.dumps(model.partial_fit(X[16:40], y[16:40])))
    expected = _fitted_state(whole)
    expected.pop("n_iter_")  # passes counted, not rows
    for continued in (resumed, model):  # batch-aligned blocks
        state = _fitted_state(continued.partial_fit(X[40:], y[40:]))
        state.pop("n_iter_")
        _assert_same_state(state, expected)
    assert whole.n_iter_ == 2 and model.n_iter_ == 3


@pytest.mark.parametrize("Estimator", [ClassRBM, ConditionalBoltzmannMachine])
def test_partial_fit_follows_the_classes_convention(Estimator):
    X, y = _binary()
    model = Estimator(n_components=3, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(X, y)
    with pytest.raises(ValueError, match="y has classes not in classes"):
        model.partial_fit(X, y, classes=[0, 1, 2])
    assert not hasattr(model, "classes_")  # the failed first calls left it unfitted
    # the first block may miss classes that classes= announces
    model.partial_fit(X[y < 2], y[y < 2], classes=[3, 2, 1, 0])
    np.testing.assert_array_equal(model.classes_, [0, 1, 2, 3])
    assert model.predict_proba(X).shape == (64, 4)
    model.partial_fit(X, y, classes=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="not the same as on the first call"):
        model.partial_fit(X, y, classes=[0, 1, 2, 3, 4])
    before = _fitted_state(model)
    with pytest.raises(ValueError):
        model.partial_fit(X, y + 1)  # a class (4) not seen on the first call
    _assert_same_state(_fitted_state(model), before)


def test_indicator_targets_need_no_classes():
    X, _ = _binary()
    Y = (X[:, :3] > 0).astype(np.int64)
    model = ConditionalBoltzmannMachine(n_components=3, random_state=0).partial_fit(X, Y)
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    with pytest.raises(ValueError, match="its columns"):
        ConditionalBoltzmannMachine(n_components=3).partial_fit(X, Y, classes=[0, 1])


def test_passes_of_partial_fit_approach_fit_on_digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X[:800] / 16, y[:800], test_size=0.25, stratify=y[:800], random_state=0
    )
    params = dict(n_components=32, learning_rate_schedule="constant", random_state=0)
    fitted = ClassRBM(max_iter=8, **params).fit(X_train, y_train)
    online = ClassRBM(**params)
    for _ in range(8):
        for start in range(0, len(X_train), 200):
            online.partial_fit(X_train[start:start + 200], y_train[start:start + 200],
                               classes=np.arange(10))
    fit_score, online_score = fitted.score(X_test, y_test), online.score(X_test, y_test)
    assert online_score > 0.9 and abs(online_score - fit_score) < 0.04, (online_score, fit_score)


# ---------------------------------------------------------------- sampling
def _tv(draws, probabilities):
    counts = np.bincount(draws, minlength=len(probabilities)) / len(draws)
    return 0.5 * np.abs(counts - probabilities).sum()


@pytest.mark.parametrize("n_factors", [0, 2])
def test_gibbs_draws_match_the_exact_conditional(n_factors):
    rng = np.random.default_rng(0)
    nh, n_out, nf = 3, 3, 4
    shapes = [(nh, n_out), (n_out,), (n_out, nf), (nh,), (nh, nf),
              (n_factors, nf), (n_out, n_factors), (nh, n_factors)]
    P = tuple(rng.normal(0, 0.9, s) for s in shapes)
    x = rng.random((1, nf))
    X = np.repeat(x, 6000, axis=0)
    draws_rng = np.random.default_rng(1)
    for one_hot in (False, True):
        states = np.eye(n_out) if one_hot else cmath.all_binary_states(n_out)
        exact = np.exp(cmath.state_log_probabilities(x, P, states)[0])
        Y = cmath.gibbs_outputs(X, P, 25, draws_rng, one_hot=one_hot)
        index = Y.argmax(axis=1) if one_hot else (Y @ 2 ** np.arange(n_out - 1, -1, -1))
        assert _tv(index.astype(np.int64), exact) < 0.03


def test_sample_returns_labels_or_label_sets():
    X, Y = make_multilabel_classification(n_samples=60, n_classes=3, random_state=0)
    multi = ConditionalBoltzmannMachine(n_components=4, max_iter=3, random_state=0).fit(X, Y)
    draws = multi.sample(X[:5], n_steps=5, random_state=0)
    assert draws.shape == (5, 3) and set(np.unique(draws)) <= {0, 1}
    np.testing.assert_array_equal(draws, multi.sample(X[:5], n_steps=5, random_state=0))
    labels = np.array(["a", "b", "c"])[Y.argmax(axis=1)]
    single = ConditionalBoltzmannMachine(n_components=4, max_iter=3, random_state=0)
    assert set(single.fit(X, labels).sample(X, n_steps=3)) <= {"a", "b", "c"}
    with pytest.raises(ValueError, match="n_steps"):
        single.sample(X, n_steps=0)
