"""Minibatch gradient training of the supervised Boltzmann models
(``ClassRBM``, ``ConditionalBoltzmannMachine``): one set of optimizer
hyperparameters, the learning-rate schedule and the update step.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..nn import make_optimizer

__all__ = ["GradientTrainingMixin"]


class GradientTrainingMixin:
    """Optimizer plumbing on top of :class:`~skgenerative.base.TrainableMixin`.

    Hyperparameters it reads: ``learning_rate``, ``solver``, ``momentum``,
    ``learning_rate_schedule``, ``batch_size``, ``weight_decay``. Hooks:
    ``_param_dict()`` (the parameter arrays by gradient key) and the class
    attribute ``_decayed`` (the keys the L2 penalty applies to, where the
    gradient has them).
    """

    _decayed = ()

    _gradient_constraints = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "solver": [StrOptions({"adam", "sgd"})],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "learning_rate_schedule": [StrOptions({"constant", "linear"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "dtype": [None, type, np.dtype, str],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def _make_optimizer(self):
        # the bound method, not the dict: after a joblib round trip the
        # optimizer must step the model's own arrays (``nn._optimizers``)
        return make_optimizer(
            self.solver, self._param_dict, self.learning_rate, momentum=self.momentum
        )

    def _begin_epoch(self, epoch, n_epochs):
        if self.learning_rate_schedule == "linear":
            self._current_learning_rate = self.learning_rate * (1 - epoch / n_epochs)
        else:
            self._current_learning_rate = self.learning_rate

    def _step(self, grads, n_rows):
        """One ascent step on the mean gradient of ``n_rows`` rows (``grads``
        are sums over them), with the L2 penalty on ``_decayed``."""
        params = self._param_dict()
        for key in grads:
            grads[key] *= 1.0 / n_rows
        if self.weight_decay:
            for key in self._decayed:
                if key in grads:
                    grads[key] -= self.weight_decay * params[key]
        self.optimizer_.step(grads, self._current_learning_rate)

    def _partial_fit_classes(self, X, y, classes):
        """``partial_fit`` of the classifiers, with scikit-learn's ``classes``
        semantics: the first call fixes the classes (``classes`` sorted and
        made unique; the hooks read it as ``_partial_classes``, which exists
        only during the call), a later call may repeat them but not change
        them."""
        first = not self._is_initialized()
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if not first and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"classes={classes!r} is not the same as on the first call to "
                    f"partial_fit: {self.classes_!r}."
                )
        self._partial_classes = classes if first else None
        try:
            return self._partial_fit(X, y)
        finally:
            del self._partial_classes

    def _first_call_classes(self, classes_in_y):
        """The classes of a first ``partial_fit`` (its ``classes``), after
        checking ``y``'s against them; ``classes_in_y`` outside one."""
        if not hasattr(self, "_partial_classes"):
            return classes_in_y
        given = self._partial_classes
        if given is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if len(given) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes; got classes={given!r}."
            )
        unknown = np.setdiff1d(classes_in_y, given)
        if unknown.size:
            raise ValueError(f"y has classes not in classes={given!r}: {unknown!r}.")
        return given
