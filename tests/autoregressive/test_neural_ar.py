import numpy as np
import pytest

from skgenerative import NeuralAutoregressive

from .conftest import all_binary_states, independent_bernoulli_log_prob, total_variation_to_exact


def test_neural_ar_normalises_over_all_1024_states(random_binary):
    model = NeuralAutoregressive(3, ordering="random", max_iter=10, learning_rate=1e-2, random_state=0)
    model.fit(random_binary)
    assert abs(np.exp(model.score_samples(all_binary_states(10))).sum() - 1) < 1e-6


def test_neural_ar_conditionals_depend_only_on_preceding_inputs(random_binary):
    model = NeuralAutoregressive(2, ordering="random", max_iter=3, random_state=0).fit(random_binary)
    rng = np.random.default_rng(1)
    x = random_binary[:1]
    for d, i in enumerate(model.ordering_):
        later = model.ordering_[d:]
        y = x.copy()
        y[0, later] = rng.random(later.size) < 0.5
        assert model._forward(y)[1][0, i] == pytest.approx(model._forward(x)[1][0, i], abs=1e-12)


def test_neural_ar_gradient_matches_finite_differences(random_binary):
    model = NeuralAutoregressive(2, max_iter=2, random_state=0).fit(random_binary)
    X = random_binary[:15]
    _, grads = model._batch_gradient(X, None)
    eps = 1e-6
    input_mask, output_mask = model._masks
    for name, mask in [("weights_", input_mask), ("output_weights_", output_mask),
                       ("intercept_hidden_", None), ("intercept_visible_", None)]:
        param = getattr(model, name)
        allowed = list(zip(*np.nonzero(mask))) if mask is not None else list(np.ndindex(param.shape))
        for index in allowed[:: max(1, len(allowed) // 6)]:
            old = param[index]
            param[index] = old + eps
            up = model._log_likelihood(X).sum()
            param[index] = old - eps
            down = model._log_likelihood(X).sum()
            param[index] = old
            assert grads[name][index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-7)


def test_neural_ar_sampler_matches_exact_distribution():
    X = (np.random.default_rng(2).random((200, 6)) < 0.5).astype(float)
    X[:, 3] = 1 - X[:, 0]
    model = NeuralAutoregressive(3, ordering="random", max_iter=40, learning_rate=1e-2, random_state=0)
    model.fit(X)
    samples = model.sample(20000, random_state=0)
    tv = total_variation_to_exact(samples, model.score_samples(all_binary_states(6)), 6)
    assert tv < 0.05


def test_neural_ar_beats_independent_bernoulli_on_digits(binary_digits):
    train, test = binary_digits
    model = NeuralAutoregressive(2, learning_rate=3e-3, max_iter=30, random_state=0).fit(train)
    assert model.score(test) > independent_bernoulli_log_prob(train, test).mean() + 5


def test_neural_ar_pickle_omits_the_derived_masks(random_binary):
    import pickle

    model = NeuralAutoregressive(3, ordering="random", max_iter=2, random_state=0).fit(random_binary)
    masks = [m.copy() for m in model._masks]
    clone = pickle.loads(pickle.dumps(model))
    assert "_mask_cache" not in clone.__dict__
    for got, want in zip(clone._masks, masks):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(clone.score_samples(random_binary), model.score_samples(random_binary))
    # refitting draws a new ordering: the masks follow it
    model.set_params(random_state=1).fit(random_binary)
    rank = np.argsort(model.ordering_)
    input_mask = model._masks[0]
    assert np.all((input_mask[:, ::3] > 0) == (rank[:, None] <= np.arange(9)[None, :]))
