"""Max-norm constraints by reprojection (book 7.2): T07 and T08.

The per-step checks record the parameters at the start of every optimizer
step (= after all step hooks of the previous update) with a recording SGD
subclass, so the constraint is verified after every single update.
"""

import numpy as np
import pytest

import sklreg  # noqa: F401  (registers the components)
from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._layout import ParamLayout, ParamSpec
from sklreg._registry import OPTIMIZERS
from sklreg.constraints import MaxNorm, project_l2_ball
from sklreg.linear import RidgeClosedForm
from sklreg.optim.first_order import SGD

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class RecordingSGD(SGD):
    """SGD that stores theta at the start of each step (after the previous hooks)."""

    def _allocate(self, theta):
        super()._allocate(theta)
        self.seen_ = []

    def _step(self, theta, grad_fn, lr):
        self.seen_.append(theta.copy())
        return super()._step(theta, grad_fn, lr)


class FakeFullBatch(SGD):
    full_batch = True


def _layout(shapes):
    specs = []
    for i, shape in enumerate(shapes):
        specs += [ParamSpec(i, "W", shape, "weight"), ParamSpec(i, "b", (shape[1],), "bias")]
    return ParamLayout(specs)


def _coefs(layout, theta):
    return [theta[s.slice].reshape(s.shape) for s in layout.weight_specs()]


# ------------------------------------------------------------ the projection
def test_unit_projection_rescales_only_columns_outside():
    rng = np.random.default_rng(0)
    layout = _layout([(6, 5), (5, 3)])
    theta = rng.normal(size=layout.n_params)
    W0 = _coefs(layout, theta)[0]
    W0 *= np.array([0.1, 5.0, 0.2, 3.0, 0.05])  # columns 0, 2, 4 inside c=1.5
    theta[layout.n_weights :] = 100.0  # biases: large, must stay untouched
    before = theta.copy()
    c = 1.5
    MaxNorm(c, "unit").bind(layout).project(theta)
    for Wb, Wa in zip(_coefs(layout, before), _coefs(layout, theta)):
        nb = np.linalg.norm(Wb, axis=0)
        inside = nb <= c
        np.testing.assert_array_equal(Wa[:, inside], Wb[:, inside])  # bitwise untouched
        np.testing.assert_allclose(np.linalg.norm(Wa[:, ~inside], axis=0), c, rtol=1e-14)
        np.testing.assert_allclose(Wa[:, ~inside], Wb[:, ~inside] * (c / nb[~inside]), rtol=1e-14)
    assert np.sum(np.linalg.norm(_coefs(layout, before)[0], axis=0) <= c) >= 2
    np.testing.assert_array_equal(theta[layout.n_weights :], 100.0)


def test_layer_projection_and_unconstrained_layers():
    rng = np.random.default_rng(1)
    layout = _layout([(4, 3), (3, 2)])
    theta = 3.0 * rng.normal(size=layout.n_params)
    before = theta.copy()
    MaxNorm([2.0, None], "layer").bind(layout).project(theta)
    W0, W1 = _coefs(layout, theta)
    B0, B1 = _coefs(layout, before)
    assert np.linalg.norm(W0) == pytest.approx(2.0, rel=1e-14)
    np.testing.assert_allclose(W0, B0 * 2.0 / np.linalg.norm(B0), rtol=1e-14)
    np.testing.assert_array_equal(W1, B1)  # None: unconstrained
    inside = before * 1e-3
    MaxNorm(2.0, "layer").bind(layout).project(inside)
    np.testing.assert_array_equal(inside, before * 1e-3)


def test_projection_float32_and_validation():
    layout = _layout([(50, 4)])
    theta = np.random.default_rng(2).normal(size=layout.n_params).astype(np.float32)
    MaxNorm(0.5).bind(layout)(theta, 0.1)
    assert theta.dtype == np.float32
    assert np.linalg.norm(_coefs(layout, theta)[0].astype(np.float64), axis=0).max() <= 0.5 * (
        1 + 1e-6
    )
    with pytest.raises(ValueError, match="max_norm_scope"):
        MaxNorm(1.0, "column").bind(layout)
    with pytest.raises(ValueError, match="max_norm"):
        MaxNorm([1.0, 2.0]).bind(layout)


def test_project_l2_ball():
    w = np.array([3.0, 4.0])
    assert project_l2_ball(w, 1.0) is w
    np.testing.assert_allclose(w, [0.6, 0.8], rtol=1e-15)
    v = np.array([0.3, 0.4])
    project_l2_ball(v, 1.0)
    np.testing.assert_array_equal(v, [0.3, 0.4])


# ----------------------------------------------- T08: after every update
def _max_unit_norms(est, thetas):
    """Max column norm of every weight matrix, for each recorded theta."""
    layout = est._objective.layout
    return np.array(
        [[np.linalg.norm(W, axis=0).max() for W in _coefs(layout, t)] for t in thetas]
    )


@pytest.mark.parametrize("scope", ["unit", "layer"])
def test_T08_constraint_holds_after_every_update(cancer, scope):
    X, y = cancer
    c = 1.0
    kw = dict(hidden_layer_sizes=(32, 16), optimizer=RecordingSGD(), learning_rate=0.5,
              batch_size=32, alpha=0.0, max_iter=8, random_state=0)
    free = MLPRegularizedClassifier(**kw).fit(X, y)
    est = MLPRegularizedClassifier(**kw, max_norm=c, max_norm_scope=scope).fit(X, y)
    steps = est.optimizer_.seen_ + [est._theta]
    assert len(steps) == est.t_ + 1 > 100
    layout = est._objective.layout
    for t in steps:
        for W in _coefs(layout, t):
            norms = np.linalg.norm(W, axis=0) if scope == "unit" else np.linalg.norm(W)
            assert np.all(norms <= c * (1 + 1e-12))
    # the constraint is active: without it the norms leave the ball at this learning rate
    assert _max_unit_norms(free, free.optimizer_.seen_).max() > 2 * c
    # and it binds during training (some units sit on the sphere)
    assert np.any(np.isclose(_max_unit_norms(est, steps), c, rtol=1e-12))


def test_T08_output_layer_can_be_exempt(cancer):
    X, y = cancer
    est = MLPRegularizedClassifier(
        hidden_layer_sizes=(16,), optimizer=RecordingSGD(), learning_rate=0.5, alpha=0.0,
        max_norm=[0.5, None], max_iter=10, random_state=0,
    ).fit(X, y)
    norms = _max_unit_norms(est, est.optimizer_.seen_ + [est._theta])
    assert np.all(norms[:, 0] <= 0.5 * (1 + 1e-12))
    assert norms[:, 1].max() > 0.5


def test_T08_start_point_of_every_phase_is_projected(cancer):
    """The initial weights, and the fresh weights of an Algorithm 7.2 retrain
    after early stopping, are projected before the first update."""
    X, y = cancer
    c = 0.05  # far below the norms of the glorot initialization
    est = MLPRegularizedClassifier(
        hidden_layer_sizes=(16,), optimizer=RecordingSGD(), learning_rate=0.1, max_norm=c,
        max_iter=6, early_stopping=True, n_iter_no_change=2, early_stopping_refit="retrain",
        random_state=0,
    ).fit(X, y)
    seen = est.optimizer_.seen_  # the retrain phase (a fresh optimizer was started)
    assert len(seen) > 0
    assert _max_unit_norms(est, seen + [est._theta]).max() <= c * (1 + 1e-12)
    free = MLPRegularizedClassifier(
        hidden_layer_sizes=(16,), optimizer=RecordingSGD(), max_iter=1, random_state=0,
    ).fit(X, y)
    assert _max_unit_norms(free, free.optimizer_.seen_[:1]).max() > 10 * c


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "nesterov", "rmsprop", "adagrad"])
def test_max_norm_with_every_first_order_optimizer(cancer, optimizer):
    X, y = cancer
    est = MLPRegularizedClassifier(
        hidden_layer_sizes=(16,), optimizer=optimizer, learning_rate=0.1, max_norm=0.8,
        l1=1e-3, weight_decay_mode="decoupled", max_iter=5, random_state=0,
    ).fit(X, y)
    for W in est.coefs_:
        assert np.linalg.norm(W, axis=0).max() <= 0.8 * (1 + 1e-12)
    assert est.score(X, y) > 0.85


# ------------------------------------------------------- T07: KKT view
def test_T07_projected_gd_onto_l2_ball_converges_to_ridge():
    rng = np.random.default_rng(0)
    n = 50
    X = rng.normal(size=(n, 4)) * np.array([1.0, 2.0, 0.5, 1.5])
    X -= X.mean(axis=0)
    y = X @ np.array([1.0, -0.5, 2.0, 0.3]) + 0.3 * rng.normal(size=n)
    y -= y.mean()
    G, b = X.T @ X / n, X.T @ y / n
    ridge = {a: np.linalg.solve(G + a * np.eye(4), b) for a in [0.01, 0.1, 0.5, 2.0]}
    radii = [np.linalg.norm(w) for w in ridge.values()]
    assert all(r1 > r2 for r1, r2 in zip(radii, radii[1:]))  # larger alpha, smaller ball

    lr = 1.0 / np.linalg.eigvalsh(G).max()
    for a, w_ridge in ridge.items():
        w = np.zeros(4)
        for _ in range(5000):
            w -= lr * (G @ w - b)
            project_l2_ball(w, np.linalg.norm(w_ridge))
        np.testing.assert_allclose(w, w_ridge, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("scope", ["unit", "layer"])
def test_T07_linear_mlp_with_max_norm_equals_ridge(scope):
    """hidden_layer_sizes=() + full-batch SGD + max_norm=||w_ridge|| (no penalty)
    converges to RidgeClosedForm(alpha): the constraint is the penalty's KKT twin."""
    rng = np.random.default_rng(1)
    n = 80
    X = rng.normal(size=(n, 3)) @ np.array([[1.0, 0.4, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.8]])
    y = X @ np.array([2.0, -1.0, 0.5]) + 0.2 * rng.normal(size=n) + 4.0
    alpha = 0.3
    ridge = RidgeClosedForm(alpha=alpha).fit(X, y)
    L = max(np.linalg.eigvalsh(np.cov(X.T, bias=True)).max(), 1.0)
    est = MLPRegularizedRegressor(
        hidden_layer_sizes=(), optimizer="sgd", learning_rate=1.0 / L, batch_size=n,
        shuffle=False, alpha=0.0, max_norm=float(np.linalg.norm(ridge.coef_)),
        max_norm_scope=scope, max_iter=6000, tol=0.0, n_iter_no_change=100, random_state=0,
    ).fit(X, y)
    np.testing.assert_allclose(est.coefs_[0].ravel(), ridge.coef_, rtol=1e-6)
    np.testing.assert_allclose(est.intercepts_[0][0], ridge.intercept_, rtol=1e-6)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "params, match",
    [
        (dict(max_norm=0.0), "'max_norm'"),
        (dict(max_norm=-1.0), "'max_norm'"),
        (dict(max_norm="big"), "'max_norm'"),
        (dict(max_norm=True), "'max_norm'"),
        (dict(max_norm=[1.0, 2.0, 3.0]), "'max_norm'.*2 values"),
        (dict(max_norm=[1.0, -2.0]), r"max_norm\[1\]"),
        (dict(max_norm=2.0, max_norm_scope="column"), "'max_norm_scope'.*layer.*unit"),
    ],
)
def test_invalid_max_norm_params(cancer, params, match):
    X, y = cancer
    with pytest.raises(ValueError, match=match):
        MLPRegularizedClassifier((4,), max_iter=1, **params).fit(X, y)


def test_max_norm_all_none_is_off(cancer):
    X, y = cancer
    kw = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    a = MLPRegularizedClassifier(**kw, max_norm=[None, None]).fit(X, y)
    b = MLPRegularizedClassifier(**kw).fit(X, y)
    np.testing.assert_array_equal(a._theta, b._theta)


FULL_BATCH = [FakeFullBatch()] + [
    name for name in OPTIMIZERS.names() if getattr(OPTIMIZERS[name], "full_batch", False)
]


@pytest.mark.parametrize("optimizer", FULL_BATCH, ids=repr)
@pytest.mark.parametrize(
    "params, match",
    [
        (dict(max_norm=2.0), "max_norm.*optimizer"),
        (dict(l1=0.1), "l1_method='proximal'.*optimizer"),
        (dict(alpha=0.1, weight_decay_mode="decoupled"), "weight_decay_mode.*optimizer"),
    ],
)
def test_step_hook_regularizers_rejected_for_full_batch_optimizers(
    cancer, optimizer, params, match
):
    X, y = cancer
    with pytest.raises(ValueError, match=match):
        MLPRegularizedClassifier((4,), optimizer=optimizer, max_iter=1, **params).fit(X, y)
