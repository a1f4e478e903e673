import pickle

import numpy as np

from skgenerative.nn import SGD, Adam


def _adam_reference(theta, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    """Adam as written in Kingma & Ba (2015), Algorithm 1, for ascent."""
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        theta = theta + lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


def test_adam_matches_paper_algorithm():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=5)
    grads = [rng.normal(size=5) for _ in range(20)]
    params = {"w": theta.copy()}
    opt = Adam(params, learning_rate=0.01)
    for g in grads:
        opt.step({"w": g})
    # folding the bias correction into the step size moves epsilon by a factor
    # sqrt(1 - b2**t), so agreement is to ~eps, not to rounding
    np.testing.assert_allclose(params["w"], _adam_reference(theta, grads, 0.01), atol=1e-6)


def test_sgd_momentum_ascent_and_descent():
    params = {"w": np.zeros(2)}
    opt = SGD(params, learning_rate=0.5, momentum=0.5)
    opt.step({"w": np.array([1.0, -1.0])})
    opt.step({"w": np.array([1.0, -1.0])})
    # velocities 0.5, then 0.5*0.5 + 0.5 = 0.75 -> sum 1.25
    np.testing.assert_allclose(params["w"], [1.25, -1.25])
    params = {"w": np.zeros(1)}
    SGD(params, learning_rate=0.1, maximize=False).step({"w": np.array([2.0])})
    np.testing.assert_allclose(params["w"], [-0.2])


def test_adam_minimizes_quadratic():
    params = {"w": np.array([3.0, -2.0])}
    opt = Adam(params, learning_rate=0.1, maximize=False)
    for _ in range(500):
        opt.step({"w": 2 * params["w"]})
    np.testing.assert_allclose(params["w"], 0, atol=1e-2)


def test_adam_kernel_matches_numpy_twin_and_strided_fallback():
    from skgenerative.nn._kernels import _adam_update
    from tests.nn import _reference as ref

    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        p, g = rng.normal(size=50).astype(dtype), rng.normal(size=50).astype(dtype)
        m, v = rng.normal(size=50).astype(dtype), rng.random(50).astype(dtype)
        expected = ref.adam_update(p, g, m, v, 0.9, 0.999, -0.01, 1e-8)
        _adam_update(p, g, m, v, 0.9, 0.999, -0.01, 1e-8)
        for got, want in zip((p, m, v), expected):
            np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12)
    # a non-contiguous parameter takes the numpy path and gives the same step
    base = rng.normal(size=(4, 6))
    strided = {"w": base[:, ::2]}
    contiguous = {"w": base[:, ::2].copy()}
    grads = [rng.normal(size=(4, 3)) for _ in range(5)]
    a, b = Adam(strided, 0.1), Adam(contiguous, 0.1)
    for gr in grads:
        a.step({"w": gr})
        b.step({"w": gr})
    np.testing.assert_allclose(strided["w"], contiguous["w"], rtol=1e-12)
    assert strided["w"].base is base


# ---------------------------------------------------------------- L-BFGS
def _logistic_problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((200, 5))
    y = (X @ rng.standard_normal(5) + 0.3 * rng.standard_normal(200) > 0).astype(float)
    return X, y


def _penalised_ll(w, X, y, lam=0.1):
    logits = X @ w
    return np.mean(y * logits - np.logaddexp(0, logits)) - 0.5 * lam * w @ w


def test_lbfgs_reaches_the_optimum_of_a_convex_objective():
    from scipy.optimize import minimize

    from skgenerative.nn._lbfgs import LBFGS

    X, y = _logistic_problem()
    params = {"w": np.zeros(5)}

    def objective():
        w = params["w"]
        resid = y - 1 / (1 + np.exp(-(X @ w)))
        return _penalised_ll(w, X, y), {"w": X.T @ resid / len(y) - 0.1 * w}

    opt = LBFGS(params, history=5, tol=1e-12)
    values = [opt.step(objective) for _ in range(100)]
    assert np.all(np.diff(values) >= -1e-12)  # ascent, never a step down
    best = minimize(lambda w: -_penalised_ll(w, X, y), np.zeros(5), method="BFGS", tol=1e-12)
    np.testing.assert_allclose(params["w"], best.x, atol=1e-5)
    assert opt.converged


def test_lbfgs_minimises_and_continues_after_pickling():
    from skgenerative.nn._lbfgs import LBFGS

    A = np.diag([1.0, 10.0, 100.0])
    params = {"x": np.array([1.0, 1.0, 1.0])}

    def objective():
        x = params["x"]
        return 0.5 * x @ A @ x, {"x": A @ x}

    opt = LBFGS(params, maximize=False, tol=1e-14)
    for _ in range(3):
        opt.step(objective)
    # the pickled copy (optimizer and arrays together, as in an estimator)
    # continues exactly as the original: the curvature pairs are kept
    copy_opt, copy_params = pickle.loads(pickle.dumps((opt, params)))
    for _ in range(30):
        opt.step(objective)
    np.testing.assert_allclose(params["x"], 0.0, atol=1e-6)

    def copy_objective():
        x = copy_params["x"]
        return 0.5 * x @ A @ x, {"x": A @ x}

    for _ in range(30):
        copy_opt.step(copy_objective)
    np.testing.assert_array_equal(copy_params["x"], params["x"])


def test_lbfgs_stops_when_no_step_decreases():
    from skgenerative.nn._lbfgs import LBFGS

    params = {"x": np.array([0.0])}
    opt = LBFGS(params, maximize=False)
    value = opt.step(lambda: (0.0, {"x": np.array([1.0])}))  # a gradient the values contradict
    assert value == 0.0 and opt.converged and params["x"][0] == 0.0
