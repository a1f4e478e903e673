"""What the estimators built on a model share."""

from sklearn.base import clone

from ..utils.random import nested_seed


def seeded_clone(model, rng):
    """An unfitted copy of ``model``; when its ``random_state`` is None it gets
    a seed drawn from ``rng``, so the outer ``random_state`` fixes it."""
    model = clone(model)
    params = model.get_params()
    if "random_state" in params and params["random_state"] is None:
        model.set_params(random_state=nested_seed(rng))
    return model
