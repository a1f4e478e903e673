"""First-order optimizers that update parameter arrays in place.

An optimizer holds a dict of parameter arrays (the model's own arrays, updated
in place) and its per-parameter state (velocities, moments). It pickles with
the estimator, so ``partial_fit`` continues the same optimizer trajectory.
Gradients follow the *ascent* convention of likelihood training when
``maximize=True`` (the default for our models, which maximise log-likelihood
or a bound); pass ``maximize=False`` to minimise a loss.
"""

import numpy as np

from ._kernels import _adam_update

__all__ = ["SGD", "Adam", "make_optimizer"]


class SGD:
    """Stochastic gradient steps with (optionally Nesterov-free) momentum.

    ``velocity = momentum * velocity + learning_rate * grad``;
    ``param += velocity`` (ascent) or ``-= velocity`` (descent).

    Parameters
    ----------
    params : dict of str to ndarray
        Arrays updated in place.
    learning_rate : float
    momentum : float, default=0.0
    maximize : bool, default=True
    """

    def __init__(self, params, learning_rate, momentum=0.0, maximize=True):
        self.params = params
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.maximize = maximize
        self.velocity = {k: np.zeros_like(v) for k, v in params.items()} if momentum else {}
        self.n_steps = 0

    def step(self, grads, learning_rate=None):
        """Apply one update. ``grads`` has the same keys as ``params``."""
        lr = self.learning_rate if learning_rate is None else learning_rate
        sign = 1.0 if self.maximize else -1.0
        for key, grad in grads.items():
            if self.momentum:
                vel = self.velocity[key]
                vel *= self.momentum
                vel += lr * grad
                step = vel
            else:
                step = lr * grad
            if sign > 0:
                self.params[key] += step
            else:
                self.params[key] -= step
        self.n_steps += 1


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction.

    Parameters
    ----------
    params : dict of str to ndarray
        Arrays updated in place.
    learning_rate : float, default=1e-3
    beta1, beta2 : float, default=0.9, 0.999
    epsilon : float, default=1e-8
    maximize : bool, default=True
    """

    def __init__(
        self, params, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, maximize=True
    ):
        self.params = params
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.maximize = maximize
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.n_steps = 0

    def step(self, grads, learning_rate=None):
        """Apply one update. ``grads`` has the same keys as ``params``."""
        lr = self.learning_rate if learning_rate is None else learning_rate
        self.n_steps += 1
        t = self.n_steps
        # fold both bias corrections into the step size (Kingma & Ba, sec. 2)
        step_size = lr * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        if not self.maximize:
            step_size = -step_size
        for key, grad in grads.items():
            param, m, v = self.params[key], self.m[key], self.v[key]
            if param.flags.c_contiguous and m.flags.c_contiguous and v.flags.c_contiguous:
                # fused kernel: one pass, no temporaries (~4x the numpy version)
                _adam_update(
                    param.reshape(-1), np.ascontiguousarray(grad, dtype=param.dtype).reshape(-1),
                    m.reshape(-1), v.reshape(-1), self.beta1, self.beta2, step_size,
                    self.epsilon,
                )
                continue
            m *= self.beta1
            m += (1 - self.beta1) * grad
            v *= self.beta2
            v += (1 - self.beta2) * grad * grad
            param += (step_size * m / (np.sqrt(v) + self.epsilon)).astype(m.dtype, copy=False)


def make_optimizer(name, params, learning_rate, *, momentum=0.0, maximize=True):
    """Build an optimizer by name: ``"sgd"`` or ``"adam"``."""
    if name == "sgd":
        return SGD(params, learning_rate, momentum=momentum, maximize=maximize)
    if name == "adam":
        return Adam(params, learning_rate, maximize=maximize)
    raise ValueError(f"Unknown optimizer {name!r}; use 'sgd' or 'adam'.")
