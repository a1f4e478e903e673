"""Limited-memory BFGS over a dict of parameter arrays, one iteration per call.

For full-batch objectives that are smooth and cheap to evaluate in one pass
(a convex log-likelihood such as FVSBN's). Unlike ``scipy.optimize.minimize``
the optimizer is an object that keeps its curvature pairs between calls, so
an estimator can run it one iteration per "epoch" through the common
template (verbose lines, early stopping, interruption, ``warm_start``) and
pickle it with the model.
"""

import numpy as np

__all__ = ["LBFGS"]


def _flat(arrays, keys):
    return np.concatenate([np.asarray(arrays[k], dtype=np.float64).ravel() for k in keys])


class LBFGS:
    """L-BFGS (Nocedal 1980) with a backtracking Armijo line search.

    Parameters
    ----------
    params : dict of str to ndarray, or callable returning one
        Arrays updated in place (a callable is asked at every step; see
        :mod:`skgenerative.nn._optimizers`).
    history : int, default=10
        Curvature pairs kept.
    maximize : bool, default=True
        Ascend the objective (log-likelihood) instead of descending it.
    tol : float, default=1e-7
        Converged when an iteration improves the objective by less than
        ``tol * max(1, |objective|)``, or the gradient's largest entry is
        below ``tol``.

    Notes
    -----
    ``step(objective)`` runs one iteration; ``objective()`` returns the value
    and the gradient dict at the current parameters. The value and gradient
    at the current point are cached between calls; :meth:`forget_point` drops
    them when the objective changes (new data).
    """

    def __init__(self, params, history=10, maximize=True, tol=1e-7):
        self._params = params
        self.history = history
        self.maximize = maximize
        self.tol = tol
        self.s, self.y = [], []
        self.converged = False
        self.n_steps = 0
        self.forget_point()

    @property
    def params(self):
        """The live parameter arrays."""
        return self._params() if callable(self._params) else self._params

    def forget_point(self):
        """Drop the cached value and gradient (the objective changed)."""
        self._value = self._grad = None
        self.converged = False

    def _evaluate(self, objective, keys):
        value, grads = objective()
        sign = -1.0 if self.maximize else 1.0  # minimise sign * objective
        return sign * float(value), sign * _flat(grads, keys)

    def _set(self, keys, x):
        params, start = self.params, 0
        for k in keys:
            p = params[k]
            p[...] = x[start:start + p.size].reshape(p.shape)
            start += p.size

    def _direction(self, g):
        """Two-loop recursion: -H g."""
        q = g.copy()
        alphas = []
        for s, y in zip(reversed(self.s), reversed(self.y)):
            a = s @ q / (y @ s)
            alphas.append(a)
            q -= a * y
        if self.s:
            q *= (self.s[-1] @ self.y[-1]) / (self.y[-1] @ self.y[-1])
        else:
            q /= max(1.0, np.abs(q).max())  # first step: at most unit length per entry
        for (s, y), a in zip(zip(self.s, self.y), reversed(alphas)):
            b = y @ q / (y @ s)
            q += (a - b) * s
        return -q

    def step(self, objective, max_backtracks=30, c1=1e-4):
        """One iteration; returns the objective at the new point."""
        keys = sorted(self.params)
        x = _flat(self.params, keys)
        if self._grad is None:
            self._value, self._grad = self._evaluate(objective, keys)
        f, g = self._value, self._grad
        sign = -1.0 if self.maximize else 1.0
        if self.converged or np.abs(g).max() < self.tol:
            self.converged = True
            return sign * f
        d = self._direction(g)
        slope = g @ d
        if slope >= 0:  # not a descent direction: restart from the gradient
            self.s, self.y = [], []
            d, slope = -g, -(g @ g)
        t = 1.0
        for _ in range(max_backtracks):
            x_new = x + t * d
            self._set(keys, x_new)
            f_new, g_new = self._evaluate(objective, keys)
            if np.isfinite(f_new) and f_new <= f + c1 * t * slope:
                break
            t *= 0.5
        else:  # no decrease along d: keep the point, report convergence
            self._set(keys, x)
            self.converged = True
            return sign * f
        s, y = x_new - x, g_new - g
        if s @ y > 1e-10 * (y @ y):  # keep the pair only when curvature is positive
            self.s.append(s)
            self.y.append(y)
            if len(self.s) > self.history:
                self.s.pop(0)
                self.y.pop(0)
        self.converged = f - f_new < self.tol * max(1.0, abs(f_new))
        self._value, self._grad = f_new, g_new
        self.n_steps += 1
        return sign * f_new
