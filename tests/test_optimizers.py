"""Tests of the first-order optimizers (book Algorithms 8.1-8.7, draft 8.8).

The reference implementations below are the book's algorithm boxes written out
plainly with fresh numpy arrays; they share no code with
:mod:`sklreg.optim.first_order`.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone

import sklreg.optim.first_order  # noqa: F401  (registers the optimizers)
from sklreg._registry import OPTIMIZERS
from sklreg.optim.base import FirstOrderOptimizer

# --------------------------------------------------------------------------
# Reference algorithms: ref(theta, state, grad_at, lr, **knobs) -> (theta, point)
# ``state`` is a dict filled on the first call; ``point`` is where the gradient
# was evaluated.


def ref_sgd(theta, state, grad_at, lr):
    g = grad_at(theta)
    return theta - lr * g, theta


def _alpha(state, momentum, momentum_schedule):
    """Momentum of this update: constant, or Nesterov's 1 - 3/(t + 5) (t from 0)."""
    t = state.get("t", 0)
    state["t"] = t + 1
    if momentum_schedule is None:
        return momentum
    assert momentum_schedule == "nesterov"
    return 1 - 3 / (t + 5)


def ref_momentum(theta, state, grad_at, lr, momentum, momentum_schedule=None):
    alpha = _alpha(state, momentum, momentum_schedule)
    v = state.get("v", np.zeros_like(theta))
    g = grad_at(theta)
    v = alpha * v - lr * g
    state["v"] = v
    return theta + v, theta


def ref_nesterov(theta, state, grad_at, lr, momentum, momentum_schedule=None):
    alpha = _alpha(state, momentum, momentum_schedule)
    v = state.get("v", np.zeros_like(theta))
    interim = theta + alpha * v
    g = grad_at(interim)
    v = alpha * v - lr * g
    state["v"] = v
    return theta + v, interim


def ref_adagrad(theta, state, grad_at, lr, epsilon):
    r = state.get("r", np.zeros_like(theta))
    g = grad_at(theta)
    r = r + g * g
    state["r"] = r
    delta_theta = -(lr / (epsilon + np.sqrt(r))) * g
    return theta + delta_theta, theta


def ref_rmsprop(theta, state, grad_at, lr, rho, epsilon):
    r = state.get("r", np.zeros_like(theta))
    g = grad_at(theta)
    r = rho * r + (1 - rho) * g * g
    state["r"] = r
    delta_theta = -(lr / np.sqrt(epsilon + r)) * g
    return theta + delta_theta, theta


def ref_rmsprop_nesterov(theta, state, grad_at, lr, rho, momentum, epsilon):
    r = state.get("r", np.zeros_like(theta))
    v = state.get("v", np.zeros_like(theta))
    interim = theta + momentum * v
    g = grad_at(interim)
    r = rho * r + (1 - rho) * g * g
    v = momentum * v - (lr / np.sqrt(epsilon + r)) * g
    state["r"], state["v"] = r, v
    return theta + v, interim


def ref_adam(theta, state, grad_at, lr, beta_1, beta_2, epsilon):
    s = state.get("s", np.zeros_like(theta))
    r = state.get("r", np.zeros_like(theta))
    t = state.get("t", 0)
    g = grad_at(theta)
    t = t + 1
    s = beta_1 * s + (1 - beta_1) * g
    r = beta_2 * r + (1 - beta_2) * g * g
    s_hat = s / (1 - beta_1**t)
    r_hat = r / (1 - beta_2**t)
    delta_theta = -lr * s_hat / (np.sqrt(r_hat) + epsilon)
    state["s"], state["r"], state["t"] = s, r, t
    return theta + delta_theta, theta


def ref_adadelta(theta, state, grad_at, lr, rho, epsilon):
    r = state.get("r", np.zeros_like(theta))
    s = state.get("s", np.zeros_like(theta))
    g = grad_at(theta)
    r = rho * r + (1 - rho) * g * g
    delta_theta = -(np.sqrt(s + epsilon) / np.sqrt(r + epsilon)) * g
    s = rho * s + (1 - rho) * delta_theta * delta_theta
    state["r"], state["s"] = r, s
    return theta + lr * delta_theta, theta  # lr=1: the book's algorithm


# name, knobs, base lr (the trajectory test decays it linearly), reference
ROWS = [
    ("sgd", {}, 0.5, ref_sgd),
    ("momentum", {"momentum": 0.9, "momentum_schedule": None}, 0.1, ref_momentum),
    ("momentum", {"momentum": 0.0, "momentum_schedule": None}, 0.3, ref_momentum),
    ("momentum", {"momentum": 0.9, "momentum_schedule": "nesterov"}, 0.1, ref_momentum),
    ("nesterov", {"momentum": 0.9, "momentum_schedule": None}, 0.1, ref_nesterov),
    ("nesterov", {"momentum": 0.5, "momentum_schedule": "nesterov"}, 0.1, ref_nesterov),
    ("adagrad", {"epsilon": 1e-7}, 0.2, ref_adagrad),
    ("rmsprop", {"rho": 0.9, "epsilon": 1e-6}, 0.01, ref_rmsprop),
    ("rmsprop_nesterov", {"rho": 0.8, "momentum": 0.9, "epsilon": 1e-6}, 0.01,
     ref_rmsprop_nesterov),
    ("adam", {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}, 0.02, ref_adam),
    ("adadelta", {"rho": 0.95, "epsilon": 1e-6}, 1.0, ref_adadelta),
    ("adadelta", {"rho": 0.9, "epsilon": 1e-4}, 0.5, ref_adadelta),
]
ROW_IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(ROWS)]
NESTEROV_TYPE = {"nesterov", "rmsprop_nesterov"}
N_STEPS = 25

# --------------------------------------------------------------------------
# A small non-quadratic problem: logistic regression, one minibatch per step.

_rng = np.random.default_rng(0)
X = _rng.normal(size=(120, 5))
Y = (X @ np.array([1.5, -2.0, 0.5, 0.0, 1.0]) + 0.3 * _rng.normal(size=120) > 0)
Y = Y.astype(float)
BATCHES = [_rng.choice(120, size=16, replace=False) for _ in range(60)]
THETA0 = 0.1 * _rng.normal(size=6)  # 5 weights + intercept


def logistic_loss_grad(theta, k):
    """Mean logistic loss and its gradient on minibatch k (fresh arrays)."""
    idx = BATCHES[k % len(BATCHES)]
    Xb, yb = X[idx], Y[idx]
    z = Xb @ theta[:5] + theta[5]
    p = 1.0 / (1.0 + np.exp(-z))
    loss = np.mean(np.logaddexp(0.0, z) - yb * z)
    d = (p - yb) / len(idx)
    return loss, np.concatenate([Xb.T @ d, [d.sum()]])


def lr_at(base_lr, k):
    return base_lr * (1.0 - 0.02 * k)  # a schedule: lr changes every step


class GradFn:
    """Callback for step k: returns a reused buffer and records the points."""

    def __init__(self, n, dtype=np.float64):
        self.buf = np.empty(n, dtype=dtype)
        self.points = []
        self.k = 0

    def __call__(self, point):
        self.points.append(point.copy())
        loss, g = logistic_loss_grad(np.asarray(point, dtype=np.float64), self.k)
        self.buf[...] = g
        return loss, self.buf

    def poison(self):  # the optimizer must not hold on to the returned grad
        self.buf.fill(np.nan)


def run(opt, theta, steps, start_k=0, base_lr=0.1):
    fn = GradFn(theta.size, theta.dtype)
    for k in range(start_k, start_k + steps):
        fn.k = k
        opt.step(theta, fn, lr_at(base_lr, k))
        fn.poison()
    return theta


# --------------------------------------------------------------------------


def test_every_first_order_optimizer_has_a_row():
    first_order = [n for n, cls in OPTIMIZERS.items()
                   if issubclass(cls, FirstOrderOptimizer)]
    assert {"sgd", "momentum", "nesterov", "adagrad", "rmsprop",
            "rmsprop_nesterov", "adam", "adadelta"} <= set(first_order)
    missing = set(first_order) - {row[0] for row in ROWS}
    assert not missing, f"no test row for {sorted(missing)}"


@pytest.mark.parametrize("name", sorted({r[0] for r in ROWS}))
def test_class_declares_default_lr_and_docstring(name):
    cls = OPTIMIZERS[name]
    assert "default_learning_rate" in vars(cls)
    assert "Algorithm 8." in cls.__doc__


@pytest.mark.parametrize("name, knobs, base_lr, ref", ROWS, ids=ROW_IDS)
def test_trajectory_matches_book_algorithm(name, knobs, base_lr, ref):
    opt = OPTIMIZERS[name](**knobs).start(THETA0)
    theta = THETA0.copy()
    theta_ref, state = THETA0.copy(), {}
    fn = GradFn(theta.size)
    for k in range(N_STEPS):
        lr = lr_at(base_lr, k)
        fn.k = k
        loss = opt.step(theta, fn, lr)
        fn.poison()
        theta_ref, point = ref(theta_ref, state,
                               lambda p: logistic_loss_grad(p, k)[1], lr, **knobs)
        assert opt.t_ == k + 1
        np.testing.assert_allclose(theta, theta_ref, rtol=1e-12, atol=1e-14,
                                   err_msg=f"step {k + 1}")
        assert len(fn.points) == k + 1  # one gradient evaluation per step
        np.testing.assert_allclose(fn.points[-1], point, rtol=1e-12, atol=1e-14)
        assert loss == pytest.approx(logistic_loss_grad(point, k)[0], rel=1e-12)
        if name in NESTEROV_TYPE and k > 0:
            assert not np.allclose(fn.points[-1], theta_ref - state["v"])
    assert not np.allclose(theta, THETA0)  # it moved


def test_t33_momentum_terminal_velocity():
    g = np.array([0.3, -1.2, 0.5])
    lr = 0.01
    opt = OPTIMIZERS["momentum"](momentum=0.9).start(np.zeros(3))
    theta = np.zeros(3)
    for _ in range(500):
        before = theta.copy()
        opt.step(theta, lambda th: (0.0, g.copy()), lr)
    step = np.linalg.norm(theta - before)
    assert step == pytest.approx(lr * np.linalg.norm(g) / (1 - 0.9), rel=1e-10)


def test_t39_adagrad_accumulates_squares_and_rate_does_not_grow():
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(30, 4)) * np.array([1e-3, 1.0, 10.0, 0.0])
    lr, eps = 0.1, 1e-7
    opt = OPTIMIZERS["adagrad"](epsilon=eps).start(np.zeros(4))
    theta = np.zeros(4)
    prev_rate = np.full(4, np.inf)
    for t, g in enumerate(grads):
        before = theta.copy()
        opt.step(theta, lambda th: (0.0, g.copy()), lr)
        r = np.sum(grads[: t + 1] ** 2, axis=0)
        np.testing.assert_allclose(opt.grad_sq_sum_, r, rtol=1e-13)
        rate = lr / (eps + np.sqrt(r))  # delta OUTSIDE the square root
        np.testing.assert_allclose(theta - before, -rate * g, rtol=1e-13, atol=0)
        assert np.all(rate <= prev_rate)
        prev_rate = rate
    assert np.all(np.isfinite(theta)) and theta[3] == 0.0  # zero gradient: no move


def test_t40_adam_bias_correction_with_constant_gradient():
    g = np.array([2.0, -0.5, 1e-3])
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-8
    opt = OPTIMIZERS["adam"](beta_1=b1, beta_2=b2, epsilon=eps).start(np.zeros(3))
    theta = np.zeros(3)
    for t in range(1, 4):
        before = theta.copy()
        opt.step(theta, lambda th: (0.0, g.copy()), lr)
        np.testing.assert_allclose(opt.first_moment_ / (1 - b1**t), g, rtol=1e-13)
        np.testing.assert_allclose(opt.second_moment_ / (1 - b2**t), g * g,
                                   rtol=1e-12)
        np.testing.assert_allclose(theta - before, -lr * g / (np.abs(g) + eps),
                                   rtol=1e-12)


def test_t40_rmsprop_second_moment_is_biased_low():
    g = np.array([1.0, -3.0])
    rho = 0.9
    opt = OPTIMIZERS["rmsprop"](rho=rho).start(np.zeros(2))
    theta = np.zeros(2)
    for t in range(1, 6):
        opt.step(theta, lambda th: (0.0, g.copy()), 0.001)
        np.testing.assert_allclose(opt.grad_sq_avg_, (1 - rho**t) * g * g,
                                   rtol=1e-13)
    # first step: epsilon INSIDE the square root
    opt.start(np.zeros(2))
    theta = np.zeros(2)
    opt.step(theta, lambda th: (0.0, g.copy()), 0.001)
    expected = -0.001 / np.sqrt(1e-6 + (1 - rho) * g * g) * g
    np.testing.assert_allclose(theta, expected, rtol=1e-14)


@pytest.mark.parametrize("lr", [1.0, 0.25])
def test_t41_adadelta_first_step(lr):
    g = np.array([1.0, -0.01, 50.0])
    rho, eps = 0.95, 1e-6
    opt = OPTIMIZERS["adadelta"](rho=rho, epsilon=eps).start(np.zeros(3))
    assert type(opt).default_learning_rate == 1.0
    theta = np.zeros(3)
    opt.step(theta, lambda th: (0.0, g.copy()), lr)
    book_step = -np.sqrt(eps) / np.sqrt((1 - rho) * g * g + eps) * g
    np.testing.assert_allclose(theta, lr * book_step, rtol=1e-14)
    # s accumulates the book's (unscaled) update: lr is a pure multiplier
    np.testing.assert_allclose(opt.step_sq_avg_, (1 - rho) * book_step**2,
                               rtol=1e-14)


@pytest.mark.parametrize("name, knobs, base_lr, ref", ROWS, ids=ROW_IDS)
def test_pickle_mid_run_resumes_exactly(name, knobs, base_lr, ref):
    theta = THETA0.copy()
    opt = OPTIMIZERS[name](**knobs).start(theta)
    run(opt, theta, 10, base_lr=base_lr)
    restored = pickle.loads(pickle.dumps(opt))
    assert restored.t_ == 10 and restored.get_params() == opt.get_params()
    theta_a, theta_b = theta.copy(), theta.copy()
    run(opt, theta_a, 10, start_k=10, base_lr=base_lr)
    run(restored, theta_b, 10, start_k=10, base_lr=base_lr)
    np.testing.assert_array_equal(theta_a, theta_b)
    for key, value in vars(opt).items():
        if isinstance(value, np.ndarray) and key.endswith("_"):
            np.testing.assert_array_equal(value, getattr(restored, key))


@pytest.mark.parametrize("name, knobs, base_lr, ref", ROWS, ids=ROW_IDS)
def test_clone_and_params(name, knobs, base_lr, ref):
    opt = OPTIMIZERS[name](**knobs).start(THETA0)
    run(opt, THETA0.copy(), 3, base_lr=base_lr)
    fresh = clone(opt)
    assert type(fresh) is type(opt) and fresh.get_params() == opt.get_params()
    assert not hasattr(fresh, "t_")
    assert not any(k.endswith("_") for k in vars(fresh))
    params = opt.get_params()
    assert set(params) == set(knobs)
    if params:
        key = sorted(params)[0]
        assert fresh.set_params(**{key: 0.5}) is fresh
        assert fresh.get_params()[key] == 0.5


@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted({r[0] for r in ROWS}))
def test_float32_stays_float32(name, grad_dtype):
    theta = THETA0.astype(np.float32)
    opt = OPTIMIZERS[name]().start(theta)
    fn = GradFn(theta.size, grad_dtype)  # float64 grads are cast on update
    for k in range(5):
        fn.k = k
        opt.step(theta, fn, np.float64(0.01))
    assert theta.dtype == np.float32 and np.all(np.isfinite(theta))
    assert not np.allclose(theta, THETA0.astype(np.float32))
    arrays = [v for v in vars(opt).values() if isinstance(v, np.ndarray)]
    assert arrays and all(a.dtype == np.float32 for a in arrays)


@pytest.mark.parametrize("name, knobs, param", [
    ("momentum", {"momentum": 1.5}, "momentum"),
    ("momentum", {"momentum": 1.0}, "momentum"),
    ("momentum", {"momentum": -0.1}, "momentum"),
    ("nesterov", {"momentum": 1.0}, "momentum"),
    ("nesterov", {"momentum": "0.9"}, "momentum"),
    ("nesterov", {"momentum_schedule": "linear"}, "momentum_schedule"),
    ("momentum", {"momentum_schedule": 0.9}, "momentum_schedule"),
    ("momentum", {"momentum_schedule": lambda t: 1.0}, "momentum_schedule"),
    ("adagrad", {"epsilon": 0.0}, "epsilon"),
    ("adagrad", {"epsilon": -1e-7}, "epsilon"),
    ("rmsprop", {"epsilon": 0.0}, "epsilon"),
    ("rmsprop", {"rho": 1.0}, "rho"),
    ("rmsprop", {"rho": np.nan}, "rho"),
    ("rmsprop_nesterov", {"momentum": 2.0}, "momentum"),
    ("rmsprop_nesterov", {"rho": -0.5}, "rho"),
    ("rmsprop_nesterov", {"epsilon": 0.0}, "epsilon"),
    ("adam", {"beta_1": 1.0}, "beta_1"),
    ("adam", {"beta_2": -1}, "beta_2"),
    ("adam", {"epsilon": -1e-8}, "epsilon"),
    ("adam", {"epsilon": 0.0}, "epsilon"),  # (0, inf) as scikit-learn's MLP
    ("adam", {"epsilon": np.inf}, "epsilon"),
    ("adadelta", {"rho": 1.0}, "rho"),
    ("adadelta", {"epsilon": 0.0}, "epsilon"),
])
def test_invalid_knobs_raise_at_start(name, knobs, param):
    opt = OPTIMIZERS[name](**knobs)  # no validation in __init__
    with pytest.raises(ValueError, match=param):
        opt.start(np.zeros(3))


@pytest.mark.parametrize("name, knobs", [
    ("momentum", {"momentum": 0.0}), ("rmsprop", {"rho": 0.0}),
    ("adam", {"beta_1": 0.0}), ("adadelta", {"rho": 0.0}),
])
def test_boundary_knobs_accepted(name, knobs):
    OPTIMIZERS[name](**knobs).start(np.zeros(3))


@pytest.mark.parametrize("name", sorted({r[0] for r in ROWS}))
def test_default_lr_decreases_a_convex_quadratic(name):
    h = np.linspace(1.0, 4.0, 10)  # f = 0.5 sum h (x - c)^2, condition number 4
    c = np.linspace(-1.0, 1.0, 10)
    f = lambda x: 0.5 * np.sum(h * (x - c) ** 2)  # noqa: E731
    cls = OPTIMIZERS[name]
    theta = c + 0.25 * np.where(np.arange(10) % 2, 1.0, -1.0)
    f0 = f(theta)
    opt = cls().start(theta)
    for _ in range(500):
        loss = opt.step(theta, lambda x: (f(x), h * (x - c)), cls.default_learning_rate)
    assert np.isfinite(loss)
    assert f(theta) < 0.1 * f0, (f(theta), f0)


def test_momentum_schedule_callable_equals_named_and_is_checked_every_update():
    theta_a, theta_b = THETA0.copy(), THETA0.copy()
    run(OPTIMIZERS["nesterov"](momentum_schedule="nesterov").start(theta_a), theta_a, 12)
    opt = OPTIMIZERS["nesterov"](momentum_schedule=lambda t: 1 - 3 / (t + 5)).start(theta_b)
    run(opt, theta_b, 12)
    np.testing.assert_array_equal(theta_a, theta_b)
    assert opt.current_momentum() == pytest.approx(1 - 3 / 17)
    bad = OPTIMIZERS["momentum"](momentum_schedule=lambda t: 0.5 if t < 3 else 1.0)
    theta = THETA0.copy()
    bad.start(theta)
    run(bad, theta, 3)
    with pytest.raises(ValueError, match="momentum_schedule returned 1.0 at update 3"):
        run(bad, theta, 1, start_k=3)


# --------------------------------------------------------------------------
# Delta-bar-delta (book 8.5 introduction; Jacobs, 1988): a full-batch method,
# driven here through the optimizer object on a small quadratic.

from sklreg.optim import DeltaBarDelta, FullBatchOptimizer  # noqa: E402


class QuadraticOracle:
    """``f = 0.5 sum h (x - c)^2`` with the oracle protocol of the full-batch methods."""

    def __init__(self, h, c, finite_radius=np.inf):
        self.h, self.c, self.r = np.asarray(h, float), np.asarray(c, float), finite_radius
        self.n_evals = 0
        self._g = np.empty_like(self.c)

    def f(self, x):
        return 0.5 * float(np.sum(self.h * (x - self.c) ** 2))

    def loss_grad(self, x):
        self.n_evals += 1
        if np.max(np.abs(x)) > self.r:  # the FullBatchOracle's non-finite error
            raise ValueError("The full-batch objective became non-finite")
        self._g[...] = self.h * (x - self.c)
        return self.f(x), self._g  # a reused buffer, as the real oracle


def ref_delta_bar_delta(x, grad, f, n_iter, initial_lr, kappa, phi, theta,
                        monotone=False):
    """Jacobs (1988) written out per coordinate; returns the accepted iterates."""
    x = [float(v) for v in x]
    eps = [initial_lr] * len(x)
    bar = [0.0] * len(x)
    out = []
    for _ in range(n_iter):
        g = list(grad(np.array(x)))
        for i in range(len(x)):
            if bar[i] * g[i] > 0:
                eps[i] = eps[i] + kappa           # signs agree: additive increase
            elif bar[i] * g[i] < 0:
                eps[i] = eps[i] - phi * eps[i]    # sign flip: multiplicative decrease
            bar[i] = (1 - theta) * g[i] + theta * bar[i]
        while True:
            trial = [x[i] - eps[i] * g[i] for i in range(len(x))]
            if not monotone or f(np.array(trial)) <= f(np.array(x)):
                break
            eps = [e * (1 - phi) for e in eps]    # rejected: shrink every rate
        x = trial
        out.append(np.array(x))
    return out, np.array(eps)


DBD_QUAD = dict(h=[1.0, 10.0, 60.0], c=[1.0, -2.0, 0.5])


@pytest.mark.parametrize("monotone, initial_lr", [(False, 0.02), (True, 0.2)])
def test_delta_bar_delta_replays_jacobs_rule(monotone, initial_lr):
    knobs = dict(initial_lr=initial_lr, kappa=0.004, phi=0.4, theta=0.6)
    oracle = QuadraticOracle(**DBD_QUAD)
    x0 = np.array([3.0, 2.0, -1.0])
    opt = DeltaBarDelta(monotone=monotone, gtol=0.0, ftol=0.0, **knobs)
    theta, seen, rates = x0.copy(), [], []

    def callback(x, f):
        seen.append(x.copy())
        rates.append(opt.learning_rates_.copy())
        assert f == pytest.approx(oracle.f(x), rel=1e-14)
        return False

    result = opt.start(theta).minimize(oracle, theta, 40, callback)
    ref, ref_eps = ref_delta_bar_delta(
        x0, lambda x: oracle.h * (x - oracle.c), oracle.f, 40, monotone=monotone, **knobs
    )
    assert len(seen) == 40 and opt.n_iter_ == 40 and not result.converged
    for k, (a, b) in enumerate(zip(seen, ref)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"iteration {k + 1}")
    np.testing.assert_allclose(opt.learning_rates_, ref_eps, rtol=1e-12)
    steps = np.diff(np.array(rates), axis=0)
    assert (steps > 0).any() and (steps < 0).any()  # both branches of the rule ran
    if monotone:
        assert opt.n_rejected_ > 0  # initial_lr = 0.2 > 2/60 overshoots the stiff coordinate
        values = [oracle.f(x) for x in seen]
        assert np.all(np.diff(values) <= 0)
    assert oracle.f(theta) < 1e-3 * oracle.f(x0)


def test_delta_bar_delta_rejects_non_finite_steps_and_stops_on_its_tolerances():
    oracle = QuadraticOracle(**DBD_QUAD, finite_radius=4.0)
    theta = np.array([3.0, 2.0, -1.0])
    opt = DeltaBarDelta(initial_lr=1.0, gtol=1e-9, ftol=0.0).start(theta)
    result = opt.minimize(oracle, theta, 5000)
    assert result.converged and "gtol" in result.message
    assert np.max(np.abs(oracle.h * (theta - oracle.c))) <= 1e-9
    assert opt.n_rejected_ > 0 and opt.t_ == oracle.n_evals
    raw = DeltaBarDelta(initial_lr=1.0, monotone=False)
    with pytest.raises(ValueError, match="non-finite"):
        raw.start(theta).minimize(QuadraticOracle(**DBD_QUAD, finite_radius=4.0),
                                  np.array([3.0, 2.0, -1.0]), 50)
    ftol = DeltaBarDelta(gtol=0.0, ftol=1e-6).start(theta)
    theta = np.array([3.0, 2.0, -1.0])
    result = ftol.minimize(QuadraticOracle(**DBD_QUAD), theta, 5000)
    assert result.converged and "ftol" in result.message and ftol.n_iter_ < 5000


def test_delta_bar_delta_is_a_registered_full_batch_optimizer():
    cls = OPTIMIZERS["delta_bar_delta"]
    assert cls is DeltaBarDelta and issubclass(cls, FullBatchOptimizer) and cls.full_batch
    opt = DeltaBarDelta(kappa=0.1)
    fresh = clone(opt.start(np.zeros(3)))
    assert fresh.get_params() == opt.get_params() and not hasattr(fresh, "learning_rates_")
    assert set(opt.get_params()) >= {"initial_lr", "kappa", "phi", "theta", "monotone"}
    for word in ("8.5", "Jacobs", "1988"):
        assert word in cls.__doc__


@pytest.mark.parametrize("knobs, param", [
    ({"initial_lr": 0.0}, "initial_lr"), ({"kappa": -0.1}, "kappa"),
    ({"phi": 0.0}, "phi"), ({"phi": 1.0}, "phi"), ({"theta": 1.0}, "theta"),
    ({"monotone": "yes"}, "monotone"), ({"ftol": -1.0}, "ftol"),
])
def test_delta_bar_delta_invalid_knobs_name_the_knob(knobs, param):
    with pytest.raises(ValueError, match=param):
        DeltaBarDelta(**knobs).start(np.zeros(3))


@pytest.mark.parametrize("task", ["regression", "binary"])
def test_delta_bar_delta_reaches_the_scipy_optimum_of_convex_problems(task):
    import warnings

    from scipy.optimize import minimize
    from sklearn.datasets import make_classification, make_regression
    from sklearn.exceptions import ConvergenceWarning

    from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
    from sklreg._hessian import _estimator_oracle

    if task == "regression":
        X, y = make_regression(120, 4, noise=5.0, random_state=0)
        Est, y = MLPRegularizedRegressor, y / y.std()
    else:
        X, y = make_classification(120, 4, n_informative=3, n_redundant=0, random_state=0)
        Est = MLPRegularizedClassifier
    est = Est(hidden_layer_sizes=(), alpha=1e-2, optimizer="delta_bar_delta", max_iter=500,
              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert isinstance(est.optimizer_, DeltaBarDelta)
    curve = np.array(est.loss_curve_)
    assert len(curve) == est.n_iter_ and np.all(np.diff(curve) <= 0)  # monotone
    oracle = _estimator_oracle(est, X, y, None)
    ref = minimize(oracle.scipy_fun, np.zeros_like(est._theta), jac=True, method="BFGS",
                   options={"gtol": 1e-10, "maxiter": 1000})
    f = oracle.loss_grad(est._theta)[0]
    assert f == pytest.approx(ref.fun, rel=1e-5)
    assert f >= ref.fun - 1e-9 * abs(ref.fun)  # scipy's BFGS is the optimum
