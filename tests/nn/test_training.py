import copy

import numpy as np
import pytest

from skgenerative.nn import (
    MLP,
    SGD,
    Adam,
    minibatch_epoch,
    softmax_classifier_epoch,
    softmax_cross_entropy,
)


def test_classifier_epoch_is_minibatch_sgd_on_penalised_cross_entropy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 3))
    y = rng.integers(0, 2, 10)
    order = rng.permutation(10)
    net = MLP([3, 4, 2], ["tanh"], random_state=0)
    manual = MLP([3, 4, 2], ["tanh"], random_state=0)
    alpha, lr = 0.1, 0.05
    mean_loss = softmax_classifier_epoch(
        net, SGD(net.params, lr, maximize=False), X, y, order, 4, alpha=alpha
    )
    losses = []
    for start in range(0, 10, 4):
        rows = order[start : start + 4]
        logits, cache = manual.forward(X[rows])
        loss, grad = softmax_cross_entropy(logits, y[rows])
        grads = manual.backward(cache, grad / len(rows))
        for key in grads:
            if key.startswith("W"):
                grads[key] = grads[key] + alpha * manual.params[key]
            manual.params[key] -= lr * grads[key]
        losses.append(loss.sum())
    for key in net.params:
        np.testing.assert_allclose(net.params[key], manual.params[key], rtol=1e-12)
    np.testing.assert_allclose(mean_loss, sum(losses) / 10)


def test_classifier_epochs_reduce_the_loss():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    net = MLP([2, 8, 2], ["tanh"], random_state=0)
    opt = SGD(net.params, 0.5, maximize=False)
    first = softmax_classifier_epoch(net, opt, X, y, np.arange(200), 20)
    for _ in range(20):
        last = softmax_classifier_epoch(net, opt, X, y, rng.permutation(200), 20)
    assert last < 0.5 * first


# ---------------------------------------------------------------------------
# minibatch_epoch: the one loop
# ---------------------------------------------------------------------------


class _Recorder:
    """A batch objective that records its calls; gradient = sum of the batch's rows."""

    def __init__(self, objective="per-row"):
        self.batches, self.targets = [], []
        self.objective = objective

    def __call__(self, X_batch, y_batch):
        self.batches.append(X_batch.copy())
        self.targets.append(None if y_batch is None else y_batch.copy())
        value = X_batch[:, 0] if self.objective == "per-row" else float(X_batch[:, 0].sum())
        return value, {"W": X_batch.sum(axis=0), "b": np.ones(1) * len(X_batch)}


def _params():
    return {"W": np.zeros(2), "b": np.zeros(1)}


@pytest.mark.parametrize("order", [None, np.array([4, 0, 6, 2, 1, 5, 3])])
def test_minibatch_epoch_visits_each_row_once_in_the_given_order(order):
    X = np.column_stack([np.arange(7.0), np.zeros(7)])
    y = np.arange(7) * 10
    hook = _Recorder()
    minibatch_epoch(X, y, order, 3, hook, SGD(_params(), 0.1))
    expected = np.arange(7) if order is None else order
    np.testing.assert_array_equal(np.concatenate(hook.batches)[:, 0], expected)
    np.testing.assert_array_equal(np.concatenate(hook.targets), expected * 10)
    assert [len(b) for b in hook.batches] == [3, 3, 1]


def test_minibatch_epoch_passes_no_targets_when_y_is_none_and_reports_progress():
    X = np.ones((10, 2))
    hook, seen = _Recorder(), []
    minibatch_epoch(X, None, None, 4, hook, SGD(_params(), 0.1), progress=seen.append)
    assert hook.targets == [None, None, None]
    assert seen == [4, 4, 2]


@pytest.mark.parametrize("objective", ["per-row", "summed"])
def test_minibatch_epoch_returns_the_mean_objective_per_row(objective):
    X = np.column_stack([np.arange(7.0), np.zeros(7)])
    out = minibatch_epoch(X, None, None, 3, _Recorder(objective), SGD(_params(), 0.0))
    assert out == sum(range(7)) / 7


def test_minibatch_epoch_steps_on_the_batch_mean_of_summed_gradients():
    X = np.column_stack([np.arange(5.0), 2 * np.arange(5.0)])
    params = _params()
    minibatch_epoch(X, None, None, 2, _Recorder(), SGD(params, 1.0))
    # ascent with lr 1 adds each batch's mean row: rows (0,1), (2,3), (4,)
    np.testing.assert_allclose(params["W"], [0.5 + 2.5 + 4, 1 + 5 + 8])
    np.testing.assert_allclose(params["b"], [3.0])  # the mean of "1 per row" per batch


def test_minibatch_epoch_uses_mean_gradients_as_given():
    X = np.column_stack([np.arange(5.0), 2 * np.arange(5.0)])
    params = _params()
    minibatch_epoch(X, None, None, 2, _Recorder(), SGD(params, 1.0), gradients="mean")
    np.testing.assert_allclose(params["W"], [10.0, 20.0])
    np.testing.assert_allclose(params["b"], [5.0])
    with pytest.raises(ValueError, match="gradients"):
        minibatch_epoch(X, None, None, 2, _Recorder(), SGD(params, 1.0), gradients="total")


def test_minibatch_epoch_l2_penalty_applies_to_the_weights_only():
    X = np.zeros((2, 2))

    def zero(X_batch, y_batch):
        return 0.0, {"W": np.zeros(2), "b": np.zeros(1)}

    params = {"W": np.array([1.0, -2.0]), "b": np.array([3.0])}
    minibatch_epoch(X, None, None, 2, zero, SGD(params, 0.5, maximize=False), alpha=0.1)
    np.testing.assert_allclose(params["W"], [1.0 * 0.95, -2.0 * 0.95])
    np.testing.assert_allclose(params["b"], [3.0])  # biases are not penalised


# ---------------------------------------------------------------------------
# every user of the loop: one epoch equals the loop each one had before
# ---------------------------------------------------------------------------


def _no_progress(n):
    return None


def _assert_same_state(a, b):
    """Same parameters, optimizer moments and random stream, bit for bit."""
    for key in a.optimizer_.params:
        np.testing.assert_array_equal(a.optimizer_.params[key], b.optimizer_.params[key])
        np.testing.assert_array_equal(a.optimizer_.m[key], b.optimizer_.m[key])
    assert a.optimizer_.n_steps == b.optimizer_.n_steps
    assert a.random_state_.random() == b.random_state_.random()


def _previous_autoregressive_epoch(model, X, rng):
    n = X.shape[0]
    index = rng.permutation(n)
    total = 0.0
    for start in range(0, n, model.batch_size):
        batch = X[index[start : start + model.batch_size]]
        ll, grads = model._batch_gradient(batch, rng)
        scale = 1.0 / batch.shape[0]
        for g in grads.values():
            g *= scale
        model.optimizer_.step(grads)
        total += ll
    return {"train log-likelihood": total / n}


@pytest.mark.parametrize("name", ["NADE", "FVSBN", "OrderAgnosticNADE"])
def test_autoregressive_epoch_equals_the_previous_loop(name):
    import skgenerative

    X = (np.random.default_rng(0).random((53, 6)) < 0.4).astype(np.float64)
    model = getattr(skgenerative, name)(max_iter=1, batch_size=10, random_state=0).fit(X)
    old = copy.deepcopy(model)
    expected = _previous_autoregressive_epoch(old, X, old.random_state_)
    stats = model._run_epoch(X, None, model.random_state_, _no_progress, shuffle=True)
    assert stats == expected
    _assert_same_state(model, old)


def _previous_latent_epoch(model, X, rng):
    total = 0.0
    perm = rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], model.batch_size):
        bound, grads = model._batch_bound_and_grads(X[perm[start : start + model.batch_size]], rng)
        model.optimizer_.step(grads)
        total += float(np.sum(bound))
    return {"training bound": total / X.shape[0]}


@pytest.mark.parametrize("name", ["VAE", "IWAE", "SigmoidBeliefNet"])
def test_latent_epoch_equals_the_previous_loop(name):
    import skgenerative

    X = (np.random.default_rng(0).random((53, 6)) < 0.4).astype(np.float64)
    kw = {"SigmoidBeliefNet": dict(hidden_layer_sizes=(3,), method="nvil")}.get(
        name, dict(encoder_layer_sizes=(5,), decoder_layer_sizes=(5,))
    )
    model = getattr(skgenerative, name)(max_iter=1, batch_size=10, random_state=0, **kw).fit(X)
    old = copy.deepcopy(model)
    expected = _previous_latent_epoch(old, X, old.random_state_)
    stats = _latent_run_epoch(model, X)
    assert stats == expected
    _assert_same_state(model, old)


def _latent_run_epoch(model, X):
    return model._run_epoch(X, None, model.random_state_, _no_progress, shuffle=True)


def _previous_softmax_epoch(mlp, optimizer, X, y, order, batch_size, alpha):
    total = 0.0
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        logits, cache = mlp.forward(X[rows])
        loss, grad = softmax_cross_entropy(logits, y[rows])
        grads = mlp.backward(cache, grad / len(rows))
        for key, value in mlp.params.items():
            if key.startswith("W"):
                grads[key] = grads[key] + alpha * value
        optimizer.step(grads)
        total += float(loss.sum())
    return total / len(order)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_classifier_epoch_equals_the_previous_loop_bit_for_bit(dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(47, 5)).astype(dtype)
    y = rng.integers(0, 3, 47)
    order = rng.permutation(47)
    nets = [MLP([5, 6, 3], ["tanh"], dtype=dtype, random_state=0) for _ in range(2)]
    opts = [Adam(net.params, 0.01, maximize=False) for net in nets]
    expected = _previous_softmax_epoch(nets[0], opts[0], X, y, order, 10, 0.1)
    loss = softmax_classifier_epoch(nets[1], opts[1], X, y, order, 10, alpha=0.1)
    assert loss == expected
    for key in nets[0].params:
        np.testing.assert_array_equal(nets[0].params[key], nets[1].params[key])


def _previous_mpdbm_epoch(model, X, rng):
    Y = model._labels
    n = X.shape[0]
    rows = rng.permutation(n)
    total = 0.0
    for start in range(0, n, model.batch_size):
        idx = rows[start : start + model.batch_size]
        Xb, Yb = X[idx], Y[idx]
        mask_v = rng.random(Xb.shape) >= model.mask_probability
        mask_y = np.broadcast_to(rng.random((len(idx), 1)) >= model.mask_probability, Yb.shape)
        loss, grads = model._loss_and_grads(Xb, Yb, mask_v, mask_y)
        scale = 1.0 / len(idx)
        for key, g in grads.items():
            g *= scale
            if model.alpha and key.startswith("W"):
                g += model.alpha * model._params[key]
        model._optimizer.step(grads)
        total += loss
    return {"multi-prediction loss": total / n}


def test_mpdbm_epoch_equals_the_previous_loop():
    from skgenerative import MPDBM

    rng = np.random.default_rng(0)
    X = (rng.random((47, 6)) < 0.4).astype(np.float64)
    y = rng.integers(0, 2, 47)
    model = MPDBM((4,), n_mean_field_iter=2, max_iter=1, batch_size=10, alpha=0.01,
                  random_state=0).fit(X, y)
    model._labels = np.eye(2)[y]
    old = copy.deepcopy(model)
    expected = _previous_mpdbm_epoch(old, X, old.random_state_)
    got = model._run_epoch(X, model._labels, model.random_state_, _no_progress, shuffle=True)
    assert got == expected
    for key in model._params:
        np.testing.assert_array_equal(model._params[key], old._params[key])
    assert model.random_state_.random() == old.random_state_.random()
