"""Early stopping must not cost more than it saves: the per-epoch validation
score of each model takes at most about a tenth of a training epoch's
network passes (counted here, never timed)."""

import numpy as np
import pytest

from skgenerative import OrderAgnosticNADE
from skgenerative.autoregressive import _oanade
from skgenerative.boltzmann import BernoulliRBM, CategoricalRBM, GaussianBernoulliRBM
from skgenerative.latent import IWAE, VAE
from skgenerative.latent import _vae

SMALL = dict(encoder_layer_sizes=(8,), decoder_layer_sizes=(8,), batch_size=50)


def _binary(n, d, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n, d)) < 0.3).astype(np.float64)


def _count_rows(monkeypatch, name, counts, key):
    """Wrap ``_vae.<name>`` so that it adds the rows x draws it processes to
    ``counts[key]``; eps is (n, d) for the VAE step and (k, n, d) otherwise."""
    original = getattr(_vae, name)

    def counted(encoder, decoder, head, X, eps):
        counts[key] += int(np.prod(eps.shape[:-1]))
        return original(encoder, decoder, head, X, eps)

    monkeypatch.setattr(_vae, name, counted)


@pytest.mark.parametrize(
    "estimator, train_step",
    [(VAE(2, n_importance_samples=1000, **SMALL), "_elbo_and_grads"),
     (IWAE(2, n_importance=5, **SMALL), "_iwae_bound_and_grads")],
    ids=["VAE", "IWAE"],
)
def test_latent_validation_costs_a_tenth_of_an_epoch(monkeypatch, estimator, train_step):
    X = _binary(500, 12)
    counts = {"train": 0, "validation": 0}
    _count_rows(monkeypatch, train_step, counts, "train")
    _count_rows(monkeypatch, "_log_weights_and_elbo_terms", counts, "validation")
    model = estimator.set_params(max_iter=3, early_stopping=True, n_iter_no_change=10,
                                 random_state=0).fit(X)
    assert model.n_iter_ == 3 and len(model.validation_scores_) == 3
    n_val = 50  # validation_fraction=0.1 of 500 rows
    draws = getattr(model, "n_importance", 1)
    # one forward pass per validation row and draw, every epoch ...
    assert counts["validation"] == 3 * n_val * draws
    # ... against a forward and a backward pass per training row and draw
    assert counts["validation"] <= 0.15 * counts["train"]


def test_vae_validation_score_is_an_unbiased_one_draw_elbo():
    X = _binary(400, 12)
    model = VAE(2, max_iter=2, n_importance_samples=400, random_state=0, **SMALL).fit(X)
    one_draw = model._validation_score(X, None)
    assert one_draw == model._validation_score(X, None)  # same draws every epoch
    # the mean over rows of one draw each agrees with the many-draw ELBO
    assert abs(one_draw - model.elbo(X).mean()) < 0.5


@pytest.mark.parametrize("estimator", [BernoulliRBM, GaussianBernoulliRBM, CategoricalRBM])
def test_rbm_exact_validation_score_only_when_cheap_next_to_an_epoch(estimator):
    X = _binary(300, 20)
    epochs = "n_iter" if "n_iter" in estimator().get_params() else "max_iter"
    model = estimator(n_components=14, random_state=0, **{epochs: 1}).fit(X)
    units = model._enumerated_units()
    # enumerating 2**units states must cost at most a tenth of a CD-1 epoch,
    # 4 passes per row, unless it is negligible in absolute terms
    threshold_rows = 2.0**units / (0.1 * 4)
    assert 2.0**units * model.components_.size > 1e6  # above the absolute floor
    assert not model._exact_score_is_cheap(int(threshold_rows) - 1)
    assert model._exact_score_is_cheap(int(np.ceil(threshold_rows)))
    model.set_params(n_gibbs_steps=3)  # longer epochs afford more states
    assert model._exact_score_is_cheap(int(np.ceil(threshold_rows / 2)))


def test_rbm_early_stopping_never_enumerates_an_expensive_log_partition(monkeypatch):
    X = _binary(300, 20)
    calls = []
    original = BernoulliRBM._exact_log_partition
    monkeypatch.setattr(BernoulliRBM, "_exact_log_partition",
                        lambda self: calls.append(1) or original(self))
    # 2**14 states x 280 weights is far more than a tenth of 270 rows x 4 passes
    big = BernoulliRBM(n_components=14, n_iter=3, early_stopping=True, n_iter_no_change=5,
                       verbose=0, random_state=0).fit(X)
    assert len(big.validation_scores_) == 3 and calls == []
    # a small model is scored exactly: the validation score is a log-likelihood
    small = BernoulliRBM(n_components=4, n_iter=3, early_stopping=True, n_iter_no_change=5,
                         random_state=0).fit(X)
    assert len(calls) == 3
    assert np.all(np.asarray(small.validation_scores_) < 0)  # log-probabilities of binary rows


@pytest.mark.parametrize("params", [dict(n_hidden_layers=2), dict(n_inference_steps=3)],
                         ids=["deep", "nade-k"])
def test_oanade_validation_costs_a_tenth_of_an_epoch(monkeypatch, params):
    # an exact ordering would walk every dimension: D network passes per row
    counts = {"train": 0, "validation": 0}
    train_step, validation = _oanade._masked_objective_and_grad, _oanade._masked_log_likelihood

    def counted_train(X, *args):
        counts["train"] += X.shape[0]
        return train_step(X, *args)

    def counted_validation(X, *args):
        counts["validation"] += X.shape[0]
        return validation(X, *args)

    def forbidden(*args, **kwargs):
        raise AssertionError("exact scoring during fit")

    monkeypatch.setattr(_oanade, "_masked_objective_and_grad", counted_train)
    monkeypatch.setattr(_oanade, "_masked_log_likelihood", counted_validation)
    monkeypatch.setattr(_oanade, "_ordered_pass", forbidden)
    X = _binary(500, 12)
    model = OrderAgnosticNADE(n_components=8, max_iter=3, early_stopping=True,
                              n_iter_no_change=10, random_state=0, **params).fit(X)
    assert model.n_iter_ == 3 and len(model.validation_scores_) == 3
    # the same passes per row (n_inference_steps each) for both
    assert counts["validation"] == 3 * 50
    assert counts["validation"] <= 0.15 * counts["train"]
