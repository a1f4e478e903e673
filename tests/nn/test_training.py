import numpy as np

from skgenerative.nn import MLP, SGD, softmax_classifier_epoch, softmax_cross_entropy


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
