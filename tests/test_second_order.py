"""Full-batch and second-order training (draft 8.5-8.6) and curvature tools (8.2.1).

Hessian-vector products against finite differences of gradients; the Fisher
against its definition; Newton, CG, BFGS, L-BFGS and the natural gradient on
convex problems against scipy's BFGS; the book's CG formulas and the
corrected BFGS/L-BFGS/Newton formulas on quadratics (tests T25, T28,
T42-T47 of the spec); the estimator integration and its error messages.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.base import clone
from sklearn.datasets import make_classification, make_moons, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController

from sklreg import (
    MLPRegularizedClassifier,
    MLPRegularizedRegressor,
    gradient_curvature,
    hessian_vector_product,
)
from sklreg._hessian import FullBatchOracle, _estimator_oracle
from sklreg._objective import Objective
from sklreg._registry import ACTIVATIONS, OPTIMIZERS
from sklreg.losses import SigmoidCrossEntropy, SoftmaxCrossEntropy, SquaredError
from sklreg.network import Dense, build_network
from sklreg.optim import BFGS, CG, LBFGS, FullBatchOptimizer, NaturalGradient, Newton
from sklreg.optim.batch import (
    _is_scipy_blas,
    bfgs_inverse_update,
    lbfgs_direction,
    limit_scipy_blas,
)
from sklreg._testing import rel_err
from sklreg.penalties import L1Penalty, L2Penalty

from _helpers import fd_hvp

CLF, REG = MLPRegularizedClassifier, MLPRegularizedRegressor
FULL_BATCH = ["lbfgs", "bfgs", "cg", "newton", "natural_gradient", "delta_bar_delta"]
RNG = np.random.default_rng(0)


def _targets(loss, n, rng):
    if isinstance(loss, SquaredError):
        return rng.normal(size=(n, 2))
    if isinstance(loss, SoftmaxCrossEntropy):
        return np.eye(3)[rng.integers(0, 3, n)]
    return (rng.random((n, 2)) < 0.5).astype(float)


def _fd_hvp(oracle, theta, v):
    return fd_hvp(lambda t: oracle.loss_grad(t)[1], theta, v)


#: the symmetric rel_err <= 0.5e-6 implies ||a - b|| <= 1e-6 * ||b|| (up to a factor 1 + 5e-7)
HVP_RTOL = 0.5e-6


# ------------------------------------------------------- Hessian-vector products
LOSSES = [SquaredError(), SoftmaxCrossEntropy(), SigmoidCrossEntropy()]


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: type(l).__name__)
@pytest.mark.parametrize("activation", ACTIVATIONS.names())
def test_hvp_matches_finite_differences(activation, loss):
    rng = np.random.default_rng(1)
    n, d = 30, 4
    X = rng.normal(size=(n, d))
    Y = _targets(loss, n, rng)
    net = build_network([d, 5, 3, Y.shape[1]], ACTIVATIONS.resolve(activation, "activation"))
    obj = Objective(net, loss, [L2Penalty([0.1, 0.2, 0.3]).bind(net.layout)])
    w = rng.random(n)
    oracle = FullBatchOracle(obj, X, Y, w / w.sum())
    assert oracle.hvp_method == "rop"
    theta = 0.5 * rng.normal(size=net.n_params)
    v = rng.normal(size=net.n_params)
    assert rel_err(oracle.hvp(theta, v), _fd_hvp(oracle, theta, v)) <= HVP_RTOL


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: type(l).__name__)
def test_hvp_sparse_input_penalty_kinds_and_symmetry(loss):
    rng = np.random.default_rng(2)
    n, d = 25, 6
    X = sp.random(n, d, density=0.5, format="csr", random_state=3)
    Y = _targets(loss, n, rng)
    net = build_network([d, 4, Y.shape[1]], ACTIVATIONS.resolve("tanh", "a"))
    ref = rng.normal(size=net.layout.n_weights)
    pens = [L2Penalty([0.3, 0.1], reference=ref), L1Penalty([0.05, 0.05])]
    obj = Objective(net, loss, [p.bind(net.layout) for p in pens])
    oracle = FullBatchOracle(obj, X, Y)
    theta = rng.normal(size=net.n_params)
    u, v = rng.normal(size=(2, net.n_params))
    hv = oracle.hvp(theta, v)
    assert rel_err(hv, _fd_hvp(oracle, theta, v)) <= HVP_RTOL
    assert abs(u @ hv - v @ oracle.hvp(theta, u)) <= 1e-10 * np.linalg.norm(hv) * np.linalg.norm(u)


class _OpaqueDense(Dense):
    """A Dense layer that overrides forward without an R-operator of its own."""

    def forward(self, P, x, ctx):
        return super().forward(P, x, ctx)


def test_layers_without_r_operator_fall_back_to_finite_differences():
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(20, 3)), np.eye(3)[rng.integers(0, 3, 20)]
    act = ACTIVATIONS.resolve("softplus", "a")
    plain = build_network([3, 4, 3], act)
    opaque = build_network([3, 4, 3], act)
    opaque.layers[0] = _OpaqueDense(3, 4)
    assert plain.supports_r_op() and not opaque.supports_r_op()
    o1 = FullBatchOracle(Objective(plain, SoftmaxCrossEntropy()), X, Y)
    o2 = FullBatchOracle(Objective(opaque, SoftmaxCrossEntropy()), X, Y)
    assert (o1.hvp_method, o2.hvp_method) == ("rop", "fd")
    theta, v = rng.normal(size=(2, plain.n_params))
    assert rel_err(o2.hvp(theta, v), o1.hvp(theta, v)) <= HVP_RTOL
    with pytest.raises(ValueError, match="R-operator"):
        o2.fisher_vp(theta, v)
    with pytest.raises(ValueError, match="R-operator"):
        FullBatchOracle(Objective(opaque, SoftmaxCrossEntropy()), X, Y, hvp="rop")


# ------------------------------------------------------------------ Fisher (T47)
@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: type(l).__name__)
def test_fisher_equals_hessian_without_hidden_layers(loss):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 4))
    Y = _targets(loss, 40, rng)
    net = build_network([4, Y.shape[1]], None)
    obj = Objective(net, loss, [L2Penalty([0.1]).bind(net.layout)])
    oracle = FullBatchOracle(obj, X, Y)
    theta, v = rng.normal(size=(2, net.n_params))
    np.testing.assert_allclose(
        oracle.fisher_vp(theta, v), oracle.hvp(theta, v), rtol=1e-10, atol=1e-12
    )


def test_fisher_is_the_expected_outer_product_of_scores():
    """F = sum_i w_i E_{y ~ p(.|x_i)}[s s^T], s = grad log p(y|x_i) (draft D8.28)."""
    rng = np.random.default_rng(6)
    n, d, k = 6, 3, 3
    X = rng.normal(size=(n, d))
    w = rng.random(n)
    w /= w.sum()
    net = build_network([d, 3, k], ACTIVATIONS.resolve("tanh", "a"))
    obj = Objective(net, SoftmaxCrossEntropy())
    theta = rng.normal(size=net.n_params)
    F = np.zeros((net.n_params, net.n_params))
    for i in range(n):
        p = obj.predict(theta, X[i : i + 1])[0]
        for c in range(k):
            s = -obj.loss_grad(theta, X[i : i + 1], np.eye(k)[[c]])[1].copy()
            F += w[i] * p[c] * np.outer(s, s)
    oracle = FullBatchOracle(obj, X, np.eye(k)[rng.integers(0, k, n)], w)
    v = rng.normal(size=net.n_params)
    np.testing.assert_allclose(oracle.fisher_vp(theta, v), F @ v, rtol=1e-9, atol=1e-12)
    assert v @ oracle.fisher_vp(theta, v) >= 0.0


# ------------------------------------------------------------------ test oracles
class Quadratic:
    """J(x) = 0.5 x^T H x - b^T x with the FullBatchOracle interface."""

    def __init__(self, H, b):
        self.H, self.b, self.n_evals = H, b, 0

    def loss_grad(self, x):
        self.n_evals += 1
        g = self.H @ x - self.b
        return float(0.5 * x @ self.H @ x - self.b @ x), g

    memo_loss_grad = loss_grad

    def hvp(self, x, v):
        return self.H @ v

    fisher_vp = hvp


def _spd(k, seed, lo=1.0, hi=10.0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(k, k)))
    return (Q * np.linspace(lo, hi, k)) @ Q.T, rng.normal(size=k), rng.normal(size=k)


def _run(opt, oracle, x0, max_iter=50):
    iterates = [x0.copy()]
    x = x0.copy()
    res = opt.start(x).minimize(oracle, x, max_iter, lambda xk, f: iterates.append(xk.copy()))
    return x, np.array(iterates), res


def _book_cg(H, b, x, beta, n_steps):
    """Draft Algorithm 8.10 (corrected signs) with the exact line search."""
    xs, rho, g_old = [x.copy()], np.zeros_like(x), None
    for t in range(n_steps):
        g = H @ x - b
        if g_old is None:
            bt = 0.0
        elif beta == "fletcher_reeves":
            bt = (g @ g) / (g_old @ g_old)  # D8.19
        else:
            bt = ((g - g_old) @ g) / (g_old @ g_old)  # D8.20
        rho = -g + bt * rho
        eps = -(g @ rho) / (rho @ H @ rho)
        x = x + eps * rho
        xs.append(x.copy())
        g_old = g
    return np.array(xs)


# ------------------------------------------------------------ CG on quadratics (T44)
@pytest.mark.parametrize("beta", ["fletcher_reeves", "polak_ribiere"])
def test_cg_follows_the_book_and_ends_in_k_line_searches(beta):
    k = 6
    H, b, x0 = _spd(k, 7)
    oracle = Quadratic(H, b)
    x, its, res = _run(CG(beta=beta, line_search="newton", gtol=1e-10), oracle, x0)
    assert res.converged and len(its) - 1 <= k
    assert np.linalg.norm(H @ x - b) < 1e-8
    ref = _book_cg(H, b, x0, beta, len(its) - 1)
    np.testing.assert_allclose(its, ref, atol=1e-8)
    steps = np.diff(its, axis=0)  # eta_t rho_t: successive directions are H-conjugate
    for s0, s1 in zip(steps[:-1], steps[1:]):
        assert abs(s1 @ H @ s0) <= 1e-8 * np.linalg.norm(s0) * np.linalg.norm(s1)


def test_fletcher_reeves_equals_polak_ribiere_on_a_quadratic():
    H, b, x0 = _spd(6, 8)
    a = _run(CG(beta="fletcher_reeves", line_search="newton", gtol=1e-10), Quadratic(H, b), x0)[1]
    c = _run(CG(beta="polak_ribiere", line_search="newton", gtol=1e-10), Quadratic(H, b), x0)[1]
    np.testing.assert_allclose(a, c, atol=1e-8)


@pytest.mark.parametrize("beta", ["fletcher_reeves", "polak_ribiere"])
def test_cg_with_wolfe_search_and_steepest_descent_baseline(beta):
    H, b, x0 = _spd(8, 9, hi=50.0)
    x_star = np.linalg.solve(H, b)
    x, its, res = _run(CG(beta=beta, gtol=1e-9), Quadratic(H, b), x0, max_iter=200)
    assert res.converged and np.abs(x - x_star).max() < 1e-7
    # In exact arithmetic CG ends in k = 8 iterations; with the inexact Wolfe
    # search the count depends on the CPU's rounding (8 here, 32-33 reported
    # elsewhere for Fletcher-Reeves), so no count is pinned.  The claim is relative:
    # restart=1 is steepest descent with *exact* line searches, which zig-zags
    # (draft Fig. 8.8; its error shrinks by only ~4% per step here, ~350 steps
    # to 1e-7).  Given three times CG's iteration count it must still be more
    # than 100x farther from x* than CG's final 1e-7.  The test fails as soon
    # as CG needs more than ~85 iterations, i.e. if it were not markedly
    # better than steepest descent.
    n_cg = len(its) - 1
    sd = CG(restart=1, line_search="newton", gtol=1e-9)
    _, its_sd, _ = _run(sd, Quadratic(H, b), x0, max_iter=3 * n_cg)
    assert np.linalg.norm(its_sd[-1] - x_star) > 1e-5


# -------------------------------------------------------- Newton on quadratics (T42, T43, T28)
def test_undamped_newton_solves_a_pd_quadratic_in_one_step():
    H, b, x0 = _spd(6, 10)
    x, _, _ = _run(Newton(damping=0.0, solver="dense", gtol=0.0), Quadratic(H, b), x0, max_iter=1)
    np.testing.assert_allclose(x, np.linalg.solve(H, b), rtol=1e-10, atol=1e-12)


def test_heavily_damped_newton_is_a_scaled_gradient_step():
    H, b, x0 = _spd(6, 11)
    x, _, _ = _run(Newton(damping=1e8, solver="dense"), Quadratic(H, b), x0, max_iter=1)
    np.testing.assert_allclose((x - x0) * 1e8, -(H @ x0 - b), rtol=1e-6)


class Saddle:
    """f(x, y) = x^2 - y^2 (draft 8.2.4)."""

    n_evals = 0
    H = np.diag([2.0, -2.0])

    def loss_grad(self, z):
        self.n_evals += 1
        return float(z[0] ** 2 - z[1] ** 2), self.H @ z

    def hvp(self, z, v):
        return self.H @ v


def test_damping_keeps_newton_away_from_the_saddle():
    z0 = np.array([1.0, 1e-3])
    undamped = z0 - np.linalg.solve(Saddle.H, Saddle.H @ z0)
    np.testing.assert_allclose(undamped, 0.0, atol=1e-15)  # the draft's warning
    z, its, _ = _run(Newton(damping=0.0, solver="dense"), Saddle(), z0, max_iter=5)
    assert abs(z[1]) > 10 * abs(z0[1])  # the damped method moves away along y
    f = its[:, 0] ** 2 - its[:, 1] ** 2
    assert np.all(np.diff(f) < 0)


# ------------------------------------------------------- BFGS / L-BFGS formulas (T45, T46)
def test_corrected_bfgs_update_satisfies_the_secant_condition():
    rng = np.random.default_rng(12)
    H, _, _ = _spd(5, 12)
    delta = rng.normal(size=5)
    phi = H @ delta
    M = bfgs_inverse_update(np.eye(5), delta, phi)
    np.testing.assert_allclose(M @ phi, delta, rtol=1e-12)
    np.testing.assert_allclose(M, M.T, rtol=1e-12)
    assert np.linalg.eigvalsh(M).min() > 0
    dp = delta @ phi  # the draft's printed eq. 8.23 (phi^T phi in the middle term)
    draft = np.eye(5) + (1 + phi @ phi / dp) * (phi @ phi) / dp - (
        np.outer(delta, phi) + np.outer(phi, delta)) / dp
    assert not np.allclose(draft @ phi, delta)
    g = rng.normal(size=5)
    np.testing.assert_allclose(lbfgs_direction(g, delta, phi), -M @ g, rtol=1e-12)
    b, a = (delta @ g) / dp, -(1 + phi @ phi / dp) * (delta @ g) / dp + (phi @ g) / dp
    assert not np.allclose(-g + b * delta + a * phi, -M @ g)  # draft eq. 8.24 ordering


# ----------------------------------------------------------- estimators: convex problems
def _convex(task, n=120, d=4):
    if task == "regression":
        X, y = make_regression(n, d, noise=5.0, random_state=0)
        return REG, X, y / y.std()
    n_classes = 3 if task == "multiclass" else 2
    X, y = make_classification(n, d, n_informative=3, n_redundant=0, n_classes=n_classes,
                               random_state=0)
    return CLF, X, y


CONVEX = dict(hidden_layer_sizes=(), alpha=1e-2, tol=0.0, random_state=0)
TASKS = ["multiclass", "binary", "regression"]


def _grad_norm(est, X, y):
    return np.sqrt(gradient_curvature(est, X, y)["gTg"])


@pytest.mark.parametrize("solver", ["dense", "cg"])
@pytest.mark.parametrize("task", TASKS)
def test_newton_converges_quadratically_on_convex_problems(task, solver):
    Est, X, y = _convex(task)
    est = Est(optimizer=Newton(gtol=1e-12, solver=solver), max_iter=15, **CONVEX)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    # max_iter=15 is about twice the 3-8 iterations Newton takes here (the
    # gradient then is ~1e-13); gradient descent would be nowhere near 1e-8
    assert _grad_norm(est, X, y) < 1e-8


TIGHT = {
    "lbfgs": LBFGS(gtol=1e-11, ftol=0.0),
    "bfgs": BFGS(gtol=1e-11),
    "cg": CG(gtol=1e-11),
    "newton": Newton(gtol=1e-11),
    "natural_gradient": NaturalGradient(gtol=1e-11),
}


@pytest.mark.parametrize("task", TASKS)
def test_all_methods_reach_scipy_bfgs_optimum(task):
    Est, X, y = _convex(task)
    ref = None
    for name, opt in TIGHT.items():
        est = Est(optimizer=opt, max_iter=300, n_iter_no_change=300, **CONVEX)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
        if ref is None:
            oracle = _estimator_oracle(est, X, y, None)
            res = minimize(oracle.scipy_fun, np.zeros_like(est._theta), jac=True,
                           method="BFGS", options={"gtol": 1e-12, "maxiter": 1000})
            ref = res.x
        assert np.abs(est._theta - ref).max() <= 1e-6, name
        assert type(est.optimizer_) is type(opt)


# ----------------------------------------------------------- estimators: non-convex MLP
@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(200, noise=0.2, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def adam_accuracy(moons):
    X, y = moons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return CLF((8,), activation="tanh", max_iter=300, learning_rate=0.01,
                   random_state=0).fit(X, y).score(X, y)


@pytest.mark.parametrize("name", FULL_BATCH)
def test_nonconvex_mlp_monotone_and_as_accurate_as_adam(moons, adam_accuracy, name):
    X, y = moons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = CLF((8,), activation="tanh", optimizer=name, max_iter=150, tol=0.0,
                  n_iter_no_change=150, random_state=0).fit(X, y)
    curve = np.array(est.loss_curve_)
    assert len(curve) == est.n_iter_ and np.all(np.isfinite(curve))
    assert np.all(np.diff(curve) <= 1e-12 * np.abs(curve[:-1]))
    assert est.score(X, y) >= adam_accuracy - 0.03


# ----------------------------------------------------------- curvature diagnostics (T25)
def test_step_change_formula_on_a_quadratic_objective():
    """J(theta - eps g) - J(theta) = 0.5 eps^2 g'Hg - eps g'g (eq. 8.10), exactly."""
    Est, X, y = _convex("regression")
    est = Est(max_iter=3, **CONVEX)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    d = gradient_curvature(est, X, y)
    oracle = _estimator_oracle(est, X, y, None)
    f0, g = oracle.loss_grad(est._theta)
    g = g.copy()
    for eps in [0.1, d["critical_lr"], 2 * d["critical_lr"]]:
        change = oracle.loss_grad(est._theta - eps * g)[0] - f0
        predicted = 0.5 * eps**2 * d["gTHg"] - eps * d["gTg"]
        assert change == pytest.approx(predicted, rel=1e-8, abs=1e-14)
    assert oracle.loss_grad(est._theta - 2.5 * d["critical_lr"] * g)[0] > f0


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_curvature_history_per_epoch(moons, optimizer):
    X, y = moons
    kw = dict(hidden_layer_sizes=(6,), optimizer=optimizer, max_iter=8, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = CLF(**kw).fit(X, y)
        est = CLF(curvature_diagnostics=True, **kw).fit(X, y)
    assert plain.curvature_history_ is None
    np.testing.assert_array_equal(est._theta, plain._theta)  # diagnostics change nothing
    hist = est.curvature_history_
    assert len(hist) == est.n_iter_
    assert [h["epoch"] for h in hist] == list(range(1, est.n_iter_ + 1))
    last = gradient_curvature(est, X, y)
    for key in ("loss", "gTg", "gTHg", "critical_lr"):
        assert hist[-1][key] == pytest.approx(last[key], rel=1e-9)


def test_hessian_vector_product_of_a_fitted_estimator(moons):
    X, y = moons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = CLF((5,), activation="logistic", optimizer="lbfgs", max_iter=20,
                  random_state=0).fit(X, y)
    v = RNG.normal(size=est._theta.size)
    hv = hessian_vector_product(est, X, y, v)
    oracle = _estimator_oracle(est, X, y, None)
    assert rel_err(hv, _fd_hvp(oracle, est._theta, v)) <= HVP_RTOL
    sw = RNG.random(len(y))
    assert not np.allclose(hessian_vector_product(est, X, y, v, sample_weight=sw), hv)
    with pytest.raises(ValueError, match="shape"):
        hessian_vector_product(est, X, y, v[:-1])


# ----------------------------------------------------------- estimator integration
def test_warm_up_with_a_first_order_method(moons):
    X, y = moons
    opt = LBFGS(warmup="adam", warmup_epochs=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = CLF((6,), optimizer=opt, max_iter=10, batch_size=50, random_state=0).fit(X, y)
        cold = CLF((6,), optimizer="lbfgs", max_iter=10, random_state=0).fit(X, y)
    assert est.optimizer_.default_learning_rate == 0.001  # Adam's, for the warm-up
    assert est.n_iter_ == 3 + est.optimizer_.n_iter_ and len(est.loss_curve_) == est.n_iter_
    assert est.t_ == 3 * 4 + est.optimizer_.t_  # 4 minibatches per warm-up epoch
    assert not np.allclose(est._theta, cold._theta)


def test_early_stopping_and_verbose_per_iteration(moons, capsys):
    X, y = moons
    est = CLF((6,), optimizer="cg", max_iter=60, early_stopping=True, n_iter_no_change=3,
              random_state=0, verbose=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_ == len(est.loss_curve_)
    assert est.best_iteration_ <= est.n_iter_
    assert "Iteration 1, loss" in capsys.readouterr().out


def test_float32_sparse_and_pickle(moons):
    X, y = moons
    Xs = sp.csr_matrix(X.astype(np.float32))
    est = CLF((6,), optimizer="lbfgs", max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(Xs, y)
    assert est.coefs_[0].dtype == np.float32 and est.score(Xs, y) > 0.8
    est2 = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(est2.predict_proba(Xs), est.predict_proba(Xs))


def test_partial_fit_only_for_first_order_optimizers():
    assert hasattr(CLF(), "partial_fit") and hasattr(REG(optimizer="sgd"), "partial_fit")
    for name in FULL_BATCH:
        assert not hasattr(CLF(optimizer=name), "partial_fit")
    assert not hasattr(REG(optimizer=CG()), "partial_fit")


def test_registry_docs_and_parameter_protocol():
    for name in FULL_BATCH:
        cls = OPTIMIZERS[name]
        assert issubclass(cls, FullBatchOptimizer) and cls.full_batch
        opt = cls()
        assert clone(opt).get_params() == opt.get_params()
        assert f"'{name}'" in CLF.__doc__
    assert "curvature_history_" in REG.__doc__
    est = CLF(optimizer=CG(beta="fletcher_reeves")).set_params(optimizer__restart=5)
    assert est.optimizer.restart == 5


# ----------------------------------------------------------- errors
@pytest.mark.parametrize(
    "opt, knob",
    [
        (CG(beta="hestenes"), "beta"),
        (CG(line_search="exact"), "line_search"),
        (CG(restart=0), "restart"),
        (LBFGS(memory=0), "memory"),
        (LBFGS(max_fun=0), "max_fun"),
        (Newton(solver="qr"), "solver"),
        (Newton(damping=-1.0), "damping"),
        (NaturalGradient(gtol=-1.0), "gtol"),
        (BFGS(warmup="lbfgs"), "warmup"),
        (LBFGS(warmup="adamw"), "warmup"),
        (CG(warmup_epochs=-1), "warmup_epochs"),
    ],
    ids=repr,
)
def test_invalid_knobs_name_the_knob(moons, opt, knob):
    X, y = moons
    with pytest.raises(ValueError, match=knob):
        CLF((4,), optimizer=opt, max_iter=2).fit(X, y)


@pytest.mark.parametrize("name", ["newton", "natural_gradient", "bfgs"])
def test_large_models_refused_with_lbfgs_suggestion(name):
    X, y = make_classification(50, 30, random_state=0)
    with pytest.raises(ValueError, match=f"optimizer='{name}'.*2000.*'lbfgs'"):
        CLF((100,), optimizer=name).fit(X, y)
    with pytest.raises(ValueError, match="max_params=10.*'lbfgs'"):
        CLF((4,), optimizer=type(OPTIMIZERS[name]())(max_params=10)).fit(X, y)


@pytest.mark.parametrize("name", FULL_BATCH)
def test_stochastic_regularizers_rejected(moons, name):
    X, y = moons
    with pytest.raises(ValueError, match=f"optimizer='{name}'.*input_noise=0.1.*first-order"):
        CLF((4,), optimizer=name, input_noise=0.1).fit(X, y)
    if "dropout" in CLF().get_params():
        with pytest.raises(ValueError, match=f"optimizer='{name}'.*dropout=0.2"):
            CLF((4,), optimizer=name, dropout=0.2).fit(X, y)


def test_non_finite_objective_stops_with_clear_error():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = 1e200 * np.sign(rng.normal(size=30))
    with pytest.raises(ValueError, match="non-finite.*optimizer='lbfgs'"):
        REG((4,), optimizer="lbfgs", output_bias_init="zeros").fit(X, y)


def test_scipy_blas_pool_limited_inside_the_guard():
    def scipy_threads():
        return [lc.num_threads for lc in ThreadpoolController().lib_controllers
                if lc.user_api == "blas" and _is_scipy_blas(lc.filepath)]

    before = scipy_threads()
    with limit_scipy_blas():
        assert all(n == 1 for n in scipy_threads())
    assert scipy_threads() == before
    assert not _is_scipy_blas("/x/site-packages/numpy.libs/libscipy_openblas64_-1.so")
    assert _is_scipy_blas("/x/site-packages/scipy.libs/libscipy_openblas-2.so")
    assert _is_scipy_blas("/x/site-packages/scipy/.dylibs/libopenblas.dylib")
    assert not _is_scipy_blas("/home/scipy/venv/site-packages/numpy.libs/libopenblas.so")
