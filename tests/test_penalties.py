"""Parameter norm penalties (book 7.1, 7.9) and decoupled weight decay (X06).

Convention: J~ = weighted mean loss + sum_l alpha_l/2 ||W_l - R_l||^2
+ sum_l l1_l ||W_l||_1, biases exempt.  Catalogue tests: T01 (L2 rescales
along Hessian eigenvectors), T04 (L2 never zeros), T05 (L1 soft threshold).
"""

import copy
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from sklearn.preprocessing import StandardScaler

import sklreg  # noqa: F401  (registers the components)
from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._layout import ParamLayout, ParamSpec
from sklreg._objective import Objective
from sklreg._registry import ACTIVATIONS
from sklreg._testing import central_diff as _central_diff
from sklreg._testing import rel_err as _rel_err
from sklreg.linear import LassoBaseline, RidgeClosedForm, soft_threshold
from sklreg.losses import SoftmaxCrossEntropy
from sklreg.network import build_network
from sklreg.penalties import L1Penalty, L1Prox, L2Penalty, resolve_reference

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _vector_layout(d):
    """A one-matrix layout: W of shape (d, 1) then its bias."""
    return ParamLayout([ParamSpec(0, "W", (d, 1), "weight"), ParamSpec(0, "b", (1,), "bias")])


def _spd(rng, eigvals):
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigvals), len(eigvals))))
    return Q @ np.diag(eigvals) @ Q.T, Q


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


# --------------------------------------------------------------------- theory
def test_T01_l2_rescales_along_hessian_eigenvectors():
    """w~ = (H + alpha I)^-1 H w* (eq. 7.10); Q^T w~ = lambda/(lambda+alpha) Q^T w*
    (eq. 7.13); full-batch GD with L2Penalty converges to w~."""
    rng = np.random.default_rng(0)
    lam = np.array([0.05, 0.3, 1.0, 2.0, 3.0])
    H, Q = _spd(rng, lam)
    w_star = rng.normal(size=5)
    alpha = 0.3
    w_tilde = np.linalg.solve(H + alpha * np.eye(5), H @ w_star)
    np.testing.assert_allclose(Q.T @ w_tilde, lam / (lam + alpha) * (Q.T @ w_star), rtol=1e-10)

    layout = _vector_layout(5)
    pen = L2Penalty([alpha]).bind(layout)
    theta = np.zeros(layout.n_params)
    theta[5] = 0.7  # the bias is never penalized
    lr = 1.0 / (lam.max() + alpha)
    for _ in range(3000):
        grad = np.zeros_like(theta)
        grad[:5] = H @ (theta[:5] - w_star)
        pen.value_grad(theta, grad)
        assert grad[5] == 0.0
        theta -= lr * grad
    np.testing.assert_allclose(theta[:5], w_tilde, rtol=1e-10, atol=1e-12)
    assert theta[5] == 0.7


def test_T04_l2_with_diagonal_hessian_never_zeros():
    h = np.array([0.1, 1.0, 5.0, 0.5])
    w_star = np.array([1e-3, -2e-3, 5e-4, -1e-4])
    alpha = 10.0
    layout = _vector_layout(4)
    pen = L2Penalty([alpha]).bind(layout)
    theta = np.zeros(layout.n_params)
    lr = 1.0 / (h.max() + alpha)
    for _ in range(2000):
        grad = np.zeros_like(theta)
        grad[:4] = h * (theta[:4] - w_star)
        pen.value_grad(theta, grad)
        theta -= lr * grad
    np.testing.assert_allclose(theta[:4], h / (h + alpha) * w_star, rtol=1e-10)
    assert np.all(theta[:4] != 0.0)


def test_T05_prox_on_diagonal_quadratic_is_soft_threshold():
    """ISTA with L1Prox on 1/2 sum H_ii (w_i - w*_i)^2 + l1 ||w||_1 -> eq. 7.23."""
    h = np.array([0.5, 1.0, 2.0, 1.5, 0.8])
    w_star = np.array([2.0, -0.05, 0.3, -1.0, 0.1])
    l1 = 0.2
    layout = _vector_layout(5)
    prox = L1Prox([l1], layout)
    theta = np.zeros(layout.n_params)
    theta[5] = 1.5
    lr = 1.0 / h.max()
    for _ in range(500):
        theta[:5] -= lr * h * (theta[:5] - w_star)
        prox(theta, lr)
    expected = np.sign(w_star) * np.maximum(np.abs(w_star) - l1 / h, 0.0)
    np.testing.assert_allclose(theta[:5], expected, rtol=1e-12, atol=1e-14)
    assert np.all(theta[:5][expected == 0.0] == 0.0)  # exact zeros
    assert theta[5] == 1.5


def _orthogonal_design(rng, n, h):
    """Centered X with X^T X / n = diag(h)."""
    A = rng.normal(size=(n, len(h)))
    A -= A.mean(axis=0)
    Q, _ = np.linalg.qr(A)
    return Q * np.sqrt(n * np.asarray(h))


def test_T05_linear_mlp_l1_matches_soft_threshold_and_lasso():
    """hidden_layer_sizes=() + full-batch SGD + prox = ISTA on the lasso objective:
    the fit equals eq. 7.23 with H = X^T X / n, LassoBaseline and sklearn Lasso."""
    rng = np.random.default_rng(0)
    n, h = 200, np.array([0.5, 1.0, 1.5, 2.0, 0.8, 1.2])
    X = _orthogonal_design(rng, n, h)
    w_true = np.array([2.0, -1.5, 0.05, -0.02, 0.8, 0.0])
    y = X @ w_true + 3.0 + 0.1 * rng.normal(size=n)
    w_ols = (X.T @ (y - y.mean()) / n) / h
    l1 = 0.1
    expected = soft_threshold(w_ols, l1 / h)
    assert 0 < np.sum(expected == 0) < len(h)

    est = MLPRegularizedRegressor(
        hidden_layer_sizes=(), optimizer="sgd", learning_rate=1.0 / h.max(),
        batch_size=n, shuffle=False, alpha=0.0, l1=l1, max_iter=3000, tol=0.0,
        n_iter_no_change=50, random_state=0,
    ).fit(X, y)
    coef = est.coefs_[0].ravel()
    np.testing.assert_allclose(coef, expected, atol=1e-9)
    assert np.all(coef[expected == 0.0] == 0.0)  # exact zeros, not just small
    np.testing.assert_allclose(est.intercepts_[0], y.mean(), atol=1e-9)

    np.testing.assert_allclose(coef, LassoBaseline(alpha=l1).fit(X, y).coef_, atol=1e-8)
    sk = Lasso(alpha=l1, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(coef, sk.coef_, atol=1e-7)


def test_linear_mlp_l2_matches_ridge():
    rng = np.random.default_rng(1)
    n = 120
    X = rng.normal(size=(n, 4)) @ np.array(
        [[1.0, 0.3, 0, 0], [0, 1.0, 0.5, 0], [0, 0, 1.0, 0.2], [0, 0, 0, 0.7]]
    )
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.2 * rng.normal(size=n) + 1.0
    alpha = 0.2
    L = np.linalg.eigvalsh(np.cov(X.T, bias=True)).max() + alpha
    est = MLPRegularizedRegressor(
        hidden_layer_sizes=(), optimizer="sgd", learning_rate=1.0 / max(L, 1.0),
        batch_size=n, shuffle=False, alpha=alpha, max_iter=5000, tol=0.0,
        n_iter_no_change=50, random_state=0,
    ).fit(X, y)
    ridge = RidgeClosedForm(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(est.coefs_[0].ravel(), ridge.coef_, atol=1e-8)
    np.testing.assert_allclose(est.intercepts_[0][0], ridge.intercept_, atol=1e-8)


# ------------------------------------------------------------ gradient checks


@pytest.mark.parametrize("kind", ["l1_subgradient", "l2_per_layer", "l2_tied", "elastic_tied"])
def test_penalty_gradients_match_central_differences(kind):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(11, 3))
    Y = np.eye(3)[np.r_[0, 1, 2, rng.integers(0, 3, 8)]]
    net = build_network([3, 5, 4, 3], ACTIVATIONS["tanh"]())
    layout = net.layout
    nw = layout.n_weights
    theta = rng.normal(size=net.n_params)
    # keep weights away from the L1 kink at 0 (|w| >= 0.1 >> FD step)
    theta[:nw] = np.sign(theta[:nw]) * (0.1 + np.abs(theta[:nw]))
    ref = rng.normal(size=nw)
    l1 = [0.3, 0.05, 0.7]
    alpha = [0.5, 0.0, 2.0]
    pens = {
        "l1_subgradient": [L1Penalty(l1)],
        "l2_per_layer": [L2Penalty(alpha)],
        "l2_tied": [L2Penalty([0.4, 0.4, 0.4], reference=ref)],
        "elastic_tied": [L2Penalty(alpha, reference=ref), L1Penalty(l1)],
    }[kind]
    obj = Objective(net, SoftmaxCrossEntropy(), [p.bind(layout) for p in pens])
    plain = Objective(net, SoftmaxCrossEntropy(), [])

    value, grad = obj.loss_grad(theta, X, Y)
    grad = grad.copy()
    fd = _central_diff(lambda t: obj.loss_grad(t, X, Y)[0], theta)
    assert _rel_err(grad, fd) <= 1e-6
    assert _rel_err(grad[:nw], fd[:nw]) <= 1e-6

    # value = data loss + the penalty written out in numpy; biases untouched
    v0, g0 = plain.loss_grad(theta, X, Y)
    np.testing.assert_array_equal(grad[nw:], g0[nw:])
    sizes = [s.size for s in layout.weight_specs()]
    blocks = np.split(np.arange(nw), np.cumsum(sizes)[:-1])
    expected = 0.0
    for p in pens:
        for i, idx in enumerate(blocks):
            if isinstance(p, L1Penalty):
                expected += p.l1[i] * np.abs(theta[idx]).sum()
            else:
                r = 0.0 if p.reference is None else p.reference[idx]
                expected += 0.5 * p.alpha[i] * ((theta[idx] - r) ** 2).sum()
    assert value - v0 == pytest.approx(expected, rel=1e-12)


def test_value_only_penalties_report_without_gradient():
    layout = _vector_layout(3)
    theta = np.array([1.0, -2.0, 0.5, 9.0])
    grad = np.zeros(4)
    assert L1Penalty([0.5], gradient=False).bind(layout).value_grad(theta, grad) == 1.75
    assert L2Penalty([2.0], gradient=False).bind(layout).value_grad(theta, grad) == 5.25
    assert np.all(grad == 0.0)


# --------------------------------------------------------------- real fits
def _n_zero(est):
    return sum(int(np.sum(W == 0.0)) for W in est.coefs_)


def _l1_norm(est):
    return sum(float(np.abs(W).sum()) for W in est.coefs_)


def _l2_norm(est):
    return float(np.sqrt(sum((W**2).sum() for W in est.coefs_)))


def test_l1_proximal_gives_exact_zeros_subgradient_does_not(cancer):
    X, y = cancer
    kw = dict(hidden_layer_sizes=(16,), optimizer="sgd", learning_rate=0.05, alpha=0.0,
              l1=0.02, max_iter=40, random_state=0)
    prox = MLPRegularizedClassifier(**kw).fit(X, y)
    sub = MLPRegularizedClassifier(**kw, l1_method="subgradient").fit(X, y)
    n_w = sum(W.size for W in prox.coefs_)
    assert _n_zero(prox) > 0.2 * n_w
    assert _n_zero(sub) == 0
    assert prox.score(X, y) > 0.9
    assert np.all(np.concatenate(prox.intercepts_) != 0.0)  # biases are not thresholded
    # the prox also produces zeros under an adaptive optimizer (threshold l1 times
    # Adam's per-coordinate step, see tests/test_l1_sparsity.py)
    adam = MLPRegularizedClassifier(
        hidden_layer_sizes=(16,), learning_rate=0.01, alpha=0.0, l1=0.05, max_iter=40,
        random_state=0,
    ).fit(X, y)
    assert _n_zero(adam) > 0.2 * n_w
    assert adam.score(X, y) > 0.9


def _norm_params(**kw):
    """Estimator parameters of a one-hidden-layer net (two weight matrices)."""
    base = dict(hidden_layer_sizes=(1,), alpha=[0.0, 0.0], l1=[0.0, 0.0],
                l1_method="proximal", weight_decay_mode="l2", max_norm=None,
                max_norm_scope="unit")
    base.update(kw)
    return base


def _two_layer_layout():
    return ParamLayout([
        ParamSpec(0, "W", (6, 1), "weight"), ParamSpec(1, "W", (4, 1), "weight"),
        ParamSpec(0, "b", (1,), "bias"), ParamSpec(1, "b", (1,), "bias"),
    ])


def test_prox_hook_of_an_sgd_fit_is_the_exact_soft_threshold():
    """The hook built for a fit with optimizer='sgd' is S(z, lr * l1) (eq. 7.23)."""
    from sklreg.optim import SGD
    from sklreg.features.norms import build_norm_regularizers

    layout = _two_layer_layout()
    nw = layout.n_weights
    rng = np.random.default_rng(7)
    theta = rng.normal(size=layout.n_params)
    opt = SGD().start(theta)
    lr, l1 = 0.1, [3.0, 6.0]
    _, hooks, _ = build_norm_regularizers(_norm_params(l1=l1), layout, optimizer=opt)
    (prox,) = hooks
    g = rng.normal(size=layout.n_params)
    opt.step(theta, lambda th: (0.0, g), lr)
    z = theta.copy()
    prox(theta, lr)
    expected = soft_threshold(z[:nw], lr * np.r_[[l1[0]] * 6, [l1[1]] * 4])
    np.testing.assert_allclose(theta[:nw], expected, rtol=1e-14, atol=0)
    assert np.all(theta[:nw][expected == 0.0] == 0.0)
    assert 0 < np.sum(expected == 0.0) < nw
    np.testing.assert_array_equal(theta[nw:], z[nw:])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_frozen_layers_are_left_alone_by_the_weight_moving_hooks(optimizer):
    """frozen_layers=k: the L1 prox and decoupled decay skip the first k matrices."""
    from sklreg._registry import OPTIMIZERS
    from sklreg.features.norms import build_norm_regularizers

    layout = _two_layer_layout()
    rng = np.random.default_rng(8)
    theta = rng.normal(size=layout.n_params)
    opt = OPTIMIZERS.resolve(optimizer, "optimizer").start(theta)
    params = _norm_params(alpha=[0.5, 0.5], l1=[0.5, 0.5], weight_decay_mode="decoupled")
    _, transforms, finalizers = build_norm_regularizers(params, layout, optimizer=opt,
                                                        frozen_layers=1)
    hooks = transforms + finalizers
    for h in hooks:
        if hasattr(h, "begin"):
            h.begin(theta)
    g = np.zeros(layout.n_params)
    g[6:] = rng.normal(size=layout.n_params - 6)  # frozen: zero gradient
    before = theta.copy()
    opt.step(theta, lambda th: (0.0, g), 0.05)
    stepped = theta.copy()
    for h in hooks:
        h(theta, 0.05)
    np.testing.assert_array_equal(theta[:6], before[:6])
    assert np.all(theta[6:10] != stepped[6:10])  # the other layer is still shrunk


def test_proximal_l1_value_is_in_the_reported_loss(diabetes):
    X, y = diabetes
    est = MLPRegularizedRegressor(
        hidden_layer_sizes=(8,), optimizer="sgd", alpha=0.01, l1=0.02, max_iter=5,
        random_state=0,
    ).fit(X, y)
    obj, theta = est._objective, est._theta
    Y = y[:, None]
    pen = obj.value(theta, X, Y) - obj.data_loss(theta, X, Y)
    assert pen == pytest.approx(0.02 * _l1_norm(est) + 0.005 * _l2_norm(est) ** 2, rel=1e-10)


@pytest.mark.parametrize("param", ["alpha", "l1"])
def test_larger_penalty_gives_smaller_weights(cancer, param):
    X, y = cancer
    values = [0.0, 1e-3, 1e-2, 5e-2]
    norms, zeros = [], []
    for v in values:
        kw = {"alpha": v} if param == "alpha" else {"alpha": 0.0, "l1": v}
        est = MLPRegularizedClassifier(
            hidden_layer_sizes=(16,), optimizer="sgd", learning_rate=0.05, max_iter=40,
            random_state=0, **kw,
        ).fit(X, y)
        norms.append(_l2_norm(est) if param == "alpha" else _l1_norm(est))
        zeros.append(_n_zero(est))
    assert all(a > b for a, b in zip(norms, norms[1:])), norms
    if param == "l1":
        assert all(a <= b for a, b in zip(zeros, zeros[1:])), zeros
        assert zeros[-1] > zeros[0]


def test_per_layer_alpha_and_l1_act_on_their_layer(diabetes):
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(8,), optimizer="sgd", max_iter=30, random_state=0)
    first = MLPRegularizedRegressor(**kw, alpha=[1.0, 0.0]).fit(X, y)
    second = MLPRegularizedRegressor(**kw, alpha=[0.0, 1.0]).fit(X, y)
    assert np.linalg.norm(first.coefs_[0]) < np.linalg.norm(second.coefs_[0])
    assert np.linalg.norm(first.coefs_[1]) > np.linalg.norm(second.coefs_[1])
    sparse_in = MLPRegularizedRegressor(**kw, alpha=0.0, l1=[0.05, 0.0]).fit(X, y)
    assert np.sum(sparse_in.coefs_[0] == 0) > 0
    assert np.sum(sparse_in.coefs_[1] == 0) == 0


# ------------------------------------------------- decoupled weight decay (X06)
@pytest.mark.parametrize("reference", [False, True], ids=["to_zero", "tied"])
def test_decoupled_equals_l2_for_sgd(diabetes, reference):
    X, y = diabetes
    ref = None
    if reference:
        ref = MLPRegularizedRegressor((8,), max_iter=5, random_state=3).fit(X, y).coefs_
    kw = dict(hidden_layer_sizes=(8,), optimizer="sgd", learning_rate=0.02, batch_size=32,
              alpha=[0.5, 2.0], l2_reference=ref, max_iter=8, random_state=0)
    l2 = MLPRegularizedRegressor(**kw).fit(X, y)
    dec = MLPRegularizedRegressor(**kw, weight_decay_mode="decoupled").fit(X, y)
    np.testing.assert_allclose(dec._theta, l2._theta, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dec.loss_curve_, l2.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("refit", ["retrain", "continue"])
def test_decoupled_equals_l2_for_sgd_across_training_phases(diabetes, refit):
    """Early-stopping refits (Algorithms 7.2/7.3) replace theta between phases;
    the decay must use the new phase's start weights, not a stale copy."""
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(8,), optimizer="sgd", learning_rate=0.02, batch_size=64,
              alpha=0.3, max_iter=15, early_stopping=True, n_iter_no_change=3,
              early_stopping_refit=refit, random_state=0)
    l2 = MLPRegularizedRegressor(**kw).fit(X, y)
    dec = MLPRegularizedRegressor(**kw, weight_decay_mode="decoupled").fit(X, y)
    np.testing.assert_allclose(dec._theta, l2._theta, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "rmsprop"])
def test_decoupled_differs_from_l2_for_other_optimizers(diabetes, optimizer):
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(8,), optimizer=optimizer, learning_rate=0.01, alpha=0.5,
              max_iter=10, random_state=0)
    l2 = MLPRegularizedRegressor(**kw).fit(X, y)
    dec = MLPRegularizedRegressor(**kw, weight_decay_mode="decoupled").fit(X, y)
    assert _rel_err(dec._theta, l2._theta) > 1e-3


def test_decoupled_adam_step_is_adamw(diabetes):
    """One full-batch step: w = adam_step(data gradient) - lr * alpha * w_old,
    biases not decayed (torch.optim.AdamW with a no-decay group for biases)."""
    X, y = diabetes
    base = MLPRegularizedRegressor(
        (6,), learning_rate=0.01, alpha=0.0, batch_size=len(y), shuffle=False, max_iter=1,
        random_state=0,
    ).fit(X, y)
    theta0 = base._theta.copy()
    nw = base._objective.layout.n_weights
    plain = copy.deepcopy(base).set_params(warm_start=True).fit(X, y)
    dec = copy.deepcopy(base).set_params(
        warm_start=True, alpha=0.3, weight_decay_mode="decoupled"
    ).fit(X, y)
    expected = plain._theta.copy()
    expected[:nw] -= 0.01 * 0.3 * theta0[:nw]
    np.testing.assert_allclose(dec._theta, expected, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------ tying (book 7.9)
@pytest.fixture(scope="module")
def reference_fit(diabetes):
    X, y = diabetes
    return MLPRegularizedRegressor((5,), max_iter=30, random_state=7).fit(X, y)


def test_tying_pulls_weights_to_the_reference(diabetes, reference_fit):
    X, y = diabetes
    ref = reference_fit.coefs_
    dists = []
    for alpha in [0.0, 1.0, 10.0, 100.0]:
        est = MLPRegularizedRegressor(
            (5,), optimizer="sgd", learning_rate=0.01, alpha=alpha, l2_reference=ref,
            max_iter=60, random_state=0,
        ).fit(X, y)
        dists.append(max(np.abs(W - R).max() for W, R in zip(est.coefs_, ref)))
    assert all(a > b for a, b in zip(dists, dists[1:])), dists
    assert dists[-1] < 1e-2


def test_reference_forms_are_equivalent(diabetes, reference_fit):
    X, y = diabetes
    ref = reference_fit
    flat_w = np.concatenate([W.ravel() for W in ref.coefs_])
    forms = [ref, list(ref.coefs_), flat_w, ref._theta]
    kw = dict(hidden_layer_sizes=(5,), optimizer="sgd", alpha=1.0, max_iter=5, random_state=0)
    fits = [MLPRegularizedRegressor(**kw, l2_reference=f).fit(X, y)._theta for f in forms]
    for t in fits[1:]:
        np.testing.assert_array_equal(t, fits[0])
    assert ref._theta is not None and np.all(np.isfinite(ref.predict(X)))
    before = ref._theta.copy()
    MLPRegularizedRegressor(**kw, l2_reference=ref._theta).fit(X, y)
    np.testing.assert_array_equal(ref._theta, before)  # the source is never written
    # the reference estimator is not modified, and arrays survive clone()
    est = clone(MLPRegularizedRegressor(**kw, l2_reference=list(ref.coefs_))).fit(X, y)
    np.testing.assert_array_equal(est._theta, fits[0])


def test_reference_validation(diabetes, reference_fit):
    X, y = diabetes
    wrong = MLPRegularizedRegressor((6,), max_iter=2, random_state=0).fit(X, y)
    for bad in [wrong, wrong.coefs_, np.zeros(7), [np.zeros((10, 5))], "coefs"]:
        with pytest.raises(ValueError, match="l2_reference"):
            MLPRegularizedRegressor((5,), l2_reference=bad, max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="l2_reference.*not fitted"):
        MLPRegularizedRegressor((5,), l2_reference=MLPRegularizedRegressor((5,))).fit(X, y)
    nan = [W.copy() for W in reference_fit.coefs_]
    nan[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="l2_reference.*finite"):
        MLPRegularizedRegressor((5,), l2_reference=nan, max_iter=1).fit(X, y)


def test_resolve_reference_dtype_and_copy(reference_fit):
    layout = reference_fit._objective.layout
    r = resolve_reference(reference_fit, layout, np.float32)
    assert r.dtype == np.float32 and r.shape == (layout.n_weights,)
    r64 = resolve_reference(reference_fit._theta, layout, np.float64)
    assert not np.shares_memory(r64, reference_fit._theta)


# ------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "params, match",
    [
        (dict(l1=-1.0), "'l1'"),
        (dict(l1=[0.1, 0.2, 0.3]), "'l1'"),
        (dict(l1="big"), "'l1'"),
        (dict(l1=[0.1, -0.2]), r"l1\[1\]"),
        (dict(alpha=[0.1]), "'alpha'"),
        (dict(l1_method="ista"), "'l1_method'.*proximal.*subgradient"),
        (dict(weight_decay_mode="adamw"), "'weight_decay_mode'.*decoupled.*l2"),
    ],
)
def test_invalid_penalty_params(diabetes, params, match):
    X, y = diabetes
    with pytest.raises(ValueError, match=match):
        MLPRegularizedRegressor((4,), max_iter=1, **params).fit(X, y)


def test_float32_fit_with_all_penalties(diabetes, reference_fit):
    X, y = diabetes
    est = MLPRegularizedRegressor(
        (5,), alpha=0.1, l1=1e-3, weight_decay_mode="decoupled", max_norm=2.0,
        l2_reference=reference_fit, max_iter=5, random_state=0,
    ).fit(X.astype(np.float32), y.astype(np.float32))
    assert est._theta.dtype == np.float32
    assert np.all(np.isfinite(est._theta))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.partial_fit(X.astype(np.float32), y.astype(np.float32))
