"""A small numpy/numba neural toolkit shared by the models that back-propagate."""

from ._optimizers import SGD, Adam, make_optimizer

__all__ = ["SGD", "Adam", "make_optimizer"]
