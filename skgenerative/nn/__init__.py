"""A small numpy/numba neural toolkit shared by the models that back-propagate."""
