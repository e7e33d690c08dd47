"""Student-t sparsity penalty (book 7.10) and weight noise / DropConnect drawn
per example (book 7.5, 7.12)."""

import warnings

import numpy as np
import pytest
from scipy.stats import kurtosis
from sklearn.datasets import make_classification
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklreg.noise
from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._testing import training_objective
from sklreg.activity import ActivityPenalty
from sklreg.architecture import PerturbedBlockDense
from sklreg.network import ActivationLayer, Context
from sklreg.noise import PerturbedDense

from _helpers import CHECKS_FIT, RTOL_GRAD, fd_rel_error, frozen_loss_grad


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _hidden(est, X):
    """Outputs of every hidden activation (inference mode)."""
    net, h, out = est._objective.network, X, []
    for layer, p in zip(net.layers, net.layer_params(est._theta)):
        h = layer.forward(p, h, Context(training=False))
        if isinstance(layer, ActivationLayer):
            out.append(np.array(h))
    return out


# ------------------------------------------------------------- Student-t (7.10)
def test_student_t_value_and_gradient_of_the_layer():
    rng = np.random.default_rng(0)
    h = rng.normal(scale=2.0, size=(6, 4))
    w = rng.random(6)
    w /= w.sum()
    layer = ActivityPenalty(student_t=0.3)
    assert layer.value(h, w) == pytest.approx(0.3 * float(w @ np.log1p(h**2).sum(axis=1)))
    ctx = Context(training=True, sample_weight=w, extra_loss=0.0)
    layer.forward([], h, ctx)
    dy = layer.backward([], [], np.zeros_like(h), ctx, True)
    np.testing.assert_allclose(dy, 0.3 * w[:, None] * 2 * h / (1 + h**2), rtol=1e-12)


@pytest.mark.parametrize("Est", [MLPRegularizedClassifier, MLPRegularizedRegressor])
def test_student_t_objective_gradient_per_layer_and_sample_weights(Est):
    X, y = make_classification(30, 5, random_state=1)
    target = y if Est is MLPRegularizedClassifier else X @ np.arange(5.0)
    sw = np.random.default_rng(0).random(30) + 0.1
    est = Est(hidden_layer_sizes=(6, 4), activation="tanh", activity_student_t=[0.05, 0.2],
              activity_l1=[0.0, 0.01], max_iter=3, random_state=0)
    est.fit(X, target, sample_weight=sw)
    penalties = [l for l in est._objective.network.layers if isinstance(l, ActivityPenalty)]
    assert [l.student_t for l in penalties] == [0.05, 0.2]
    obj, theta, Xv, Y, w = training_objective(est, X, target, sw)
    err, grad = fd_rel_error(frozen_loss_grad(obj, Xv, Y, w), theta.copy())
    assert np.linalg.norm(grad) > 0
    assert err < RTOL_GRAD


def test_student_t_adds_its_value_to_the_objective():
    X, y = make_classification(40, 5, random_state=0)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(6,), activation="tanh",
                                   activity_student_t=0.5, alpha=0.0, max_iter=3,
                                   random_state=0).fit(X, y)
    obj, theta, Xv, Y, w = training_objective(est, X, y)
    h = _hidden(est, X)[0]
    plain = obj.data_loss(theta, Xv, Y, w)  # inference mode: no in-layer penalty
    assert obj.value(theta, Xv, Y, w) == pytest.approx(
        plain + 0.5 * np.log1p(h**2).sum(axis=1).mean(), rel=1e-10)


@pytest.mark.parametrize("value, match", [
    (-0.1, "activity_student_t"),
    ([0.1, -1.0], r"activity_student_t\[1\]"),
    ([0.1, 0.1, 0.1], "activity_student_t"),  # 2 hidden layers
    ("x", "activity_student_t"),
])
def test_student_t_invalid_values(value, match):
    X, y = make_classification(30, 4, random_state=0)
    with pytest.raises(ValueError, match=match):
        MLPRegularizedClassifier(hidden_layer_sizes=(3, 3), activity_student_t=value,
                                 max_iter=2).fit(X, y)


def test_student_t_makes_activations_sparse_and_heavy_tailed():
    """tanh units never give exact zeros (``hidden_zero_fraction_`` stays 0):
    the penalty shows in the distribution of |h| -- most activations near 0,
    the large ones kept -- at about the same accuracy."""
    X, y = make_classification(600, 10, n_informative=6, random_state=0)
    common = dict(hidden_layer_sizes=(32,), activation="tanh", max_iter=100,
                  learning_rate=0.01, batch_size=50, random_state=0)
    base = MLPRegularizedClassifier(**common).fit(X[:400], y[:400])
    st = MLPRegularizedClassifier(activity_student_t=0.03, **common).fit(X[:400], y[:400])
    h0, h1 = _hidden(base, X[400:])[0], _hidden(st, X[400:])[0]
    # measured: accuracy 0.905 / 0.895, |h| < 0.01: 0.2% / 53%, mean |h| 0.83 / 0.22,
    # excess kurtosis -1.7 / 1.6, 99th percentile of |h| 1.00 / 1.00
    assert abs(base.score(X[400:], y[400:]) - st.score(X[400:], y[400:])) < 0.05
    assert np.mean(np.abs(h1) < 0.01) > np.mean(np.abs(h0) < 0.01) + 0.3
    assert np.abs(h1).mean() < 0.5 * np.abs(h0).mean()
    assert kurtosis(h1.ravel()) > kurtosis(h0.ravel()) + 1.5
    assert np.quantile(np.abs(h1), 0.99) > 0.9  # large activations survive
    assert st.hidden_zero_fraction_ == [0.0]


# ------------------------------------------------ per-example perturbations
def _layer_fd(layer, P, x, dy, seed=0):
    """Gradient check of one layer under one frozen draw: d(sum(dy * y))/dP, dx."""
    def run(P, x):
        ctx = Context(training=True, rng=np.random.default_rng(seed))
        return layer.forward(P, x, ctx).copy()

    ctx = Context(training=True, rng=np.random.default_rng(seed))
    layer.forward(P, x, ctx)
    G = [np.empty_like(p) for p in P]
    dx = layer.backward(P, G, dy.copy(), ctx, True).copy()
    h = 1e-6
    for k, p in enumerate(P):
        fd = np.empty_like(p)
        for i in np.ndindex(p.shape):
            Pp = [q.copy() for q in P]
            Pm = [q.copy() for q in P]
            Pp[k][i] += h
            Pm[k][i] -= h
            fd[i] = (np.sum(dy * run(Pp, x)) - np.sum(dy * run(Pm, x))) / (2 * h)
        np.testing.assert_allclose(G[k], fd, rtol=1e-6, atol=1e-8)
    fdx = np.empty_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        fdx[i] = (np.sum(dy * run(P, xp)) - np.sum(dy * run(P, xm))) / (2 * h)
    np.testing.assert_allclose(dx, fdx, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("noise, drop", [(0.3, 0.0), (0.0, 0.4), (0.3, 0.4)])
@pytest.mark.parametrize("block", [False, True])
def test_per_example_layer_gradients_under_a_frozen_draw(noise, drop, block):
    rng = np.random.default_rng(0)
    if block:  # 3 task heads of 2 -> 2 units (block-diagonal, book 7.7)
        layer = PerturbedBlockDense(3, 2, 2, noise, drop, per_example=True)
        x = rng.normal(size=(5, 6))
    else:
        layer = PerturbedDense(4, 3, noise, drop, per_example=True)
        x = rng.normal(size=(5, 4))
    W = rng.normal(size=(layer.fan_in, layer.fan_out))
    b = rng.normal(size=layer.fan_out)
    dy = rng.normal(size=(5, layer.fan_out))
    _layer_fd(layer, [W, b], x, dy)


def test_per_example_dropconnect_gradient_is_the_sum_of_masked_outer_products():
    rng = np.random.default_rng(1)
    layer = PerturbedDense(4, 3, 0.0, 0.5, per_example=True)
    W, b = rng.normal(size=(4, 3)), np.zeros(3)
    x, dy = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    ctx = Context(training=True, rng=np.random.default_rng(0))
    y = layer.forward([W, b], x, ctx).copy()
    M = layer._m.copy()  # one (4, 3) mask per row
    assert M.shape == (6, 4, 3)
    np.testing.assert_allclose(y, np.einsum("bi,bio->bo", x, W * M), rtol=1e-12)
    G = [np.empty_like(W), np.empty_like(b)]
    layer.backward([W, b], G, dy, ctx, False)
    expected = sum(np.outer(x[i], dy[i]) * M[i] for i in range(6))
    np.testing.assert_allclose(G[0], expected, rtol=1e-12)


@pytest.mark.parametrize("Est", [MLPRegularizedClassifier, MLPRegularizedRegressor])
@pytest.mark.parametrize("extra", [
    {"weight_noise": 0.1},
    {"dropout": 0.3, "input_dropout": 0.2, "dropout_type": "dropconnect"},
    {"weight_noise": 0.1, "dropout": 0.3, "dropout_type": "dropconnect"},
])
def test_per_example_objective_gradient(Est, extra):
    X, y = make_classification(24, 5, random_state=1)
    target = y if Est is MLPRegularizedClassifier else X @ np.arange(5.0)
    sw = np.random.default_rng(0).random(24) + 0.1
    est = Est(hidden_layer_sizes=(6,), activation="tanh", weight_noise_sampling="example",
              max_iter=2, random_state=0, **extra).fit(X, target, sample_weight=sw)
    obj, theta, Xv, Y, w = training_objective(est, X, target, sw)
    err, grad = fd_rel_error(frozen_loss_grad(obj, Xv, Y, w), theta.copy())
    assert np.linalg.norm(grad) > 0
    assert err < RTOL_GRAD


def _outputs_of_identical_rows(sampling, n=2000, **kw):
    X, y = make_classification(40, 5, random_state=0)
    est = MLPRegularizedRegressor(hidden_layer_sizes=(), weight_noise_sampling=sampling,
                                  max_iter=2, random_state=0, **kw).fit(X, X @ np.ones(5))
    rows = np.repeat(X[:1], n, axis=0)
    ctx = Context(training=True, rng=np.random.default_rng(0))
    out = est._objective.network.forward(est._theta, rows, ctx)[:, 0].copy()
    mean = est.predict(X[:1])[0]
    return out, mean, X[0]


def test_per_example_noise_differs_across_identical_rows():
    """Book 7.5: every example gets its own perturbation. Identical rows give
    one output per minibatch with 'batch' and independent outputs with
    'example', of variance s^2 ||x||^2 (linear model: y = x (w + s e) + b)."""
    s = 0.2
    out, mean, x = _outputs_of_identical_rows("example", weight_noise=s)
    assert np.unique(out).size == out.size
    var = s**2 * float(x @ x)
    assert np.var(out) == pytest.approx(var, rel=0.1)  # 2000 draws: sd of the ratio ~3%
    assert abs(out.mean() - mean) < 4 * np.sqrt(var / out.size)
    # independent across rows: neighbouring rows uncorrelated
    assert abs(np.corrcoef(out[:-1], out[1:])[0, 1]) < 0.1
    out_b, _, _ = _outputs_of_identical_rows("batch", weight_noise=s)
    assert np.ptp(out_b) == 0.0 and out_b[0] != mean


def test_per_example_dropconnect_differs_across_identical_rows():
    out, _, _ = _outputs_of_identical_rows(
        "example", n=500, input_dropout=0.5, dropout_type="dropconnect")
    # 5 input weights: 2^5 = 32 masks, each row draws its own (500 rows: all seen)
    assert np.unique(np.round(out, 12)).size > 16
    out_b, _, _ = _outputs_of_identical_rows(
        "batch", n=500, input_dropout=0.5, dropout_type="dropconnect")
    assert np.ptp(out_b) == 0.0


def test_per_example_training_is_seeded_float32_and_predicts_deterministically():
    X, y = make_classification(80, 5, random_state=0)
    params = dict(hidden_layer_sizes=(8,), weight_noise=0.05, weight_noise_sampling="example",
                  dropout=0.2, dropout_type="dropconnect", max_iter=5, random_state=0)
    a = MLPRegularizedClassifier(**params).fit(X.astype(np.float32), y)
    b = MLPRegularizedClassifier(**params).fit(X.astype(np.float32), y)
    assert a.coefs_[0].dtype == np.float32
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    np.testing.assert_array_equal(a.predict_proba(X), a.predict_proba(X))
    mc = MLPRegularizedClassifier(dropout_inference="monte_carlo", **params).fit(X, y)
    assert np.all(np.isfinite(mc.predict_proba(X)))


def test_per_example_memory_bound_is_refused_naming_the_parameters(monkeypatch):
    X, y = make_classification(100, 5, random_state=0)
    monkeypatch.setattr(sklreg.noise, "PER_EXAMPLE_MAX_BYTES", 10_000)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(8,), weight_noise=0.1,
                                   weight_noise_sampling="example", batch_size=50, max_iter=2)
    with pytest.raises(ValueError, match="weight_noise_sampling='example'.*batch_size"):
        est.fit(X, y)
    est.set_params(batch_size=4).fit(X, y)  # 4 rows x (5x8 + 8x1) weights fit the bound


def test_per_example_needs_a_perturbation():
    X, y = make_classification(30, 4, random_state=0)
    with pytest.raises(ValueError, match="weight_noise_sampling='example'.*weight_noise"):
        MLPRegularizedClassifier(weight_noise_sampling="example", max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="weight_noise_sampling"):
        MLPRegularizedClassifier(weight_noise_sampling="row", max_iter=2).fit(X, y)


def test_full_batch_optimizers_refuse_weight_noise():
    X, y = make_classification(30, 4, random_state=0)
    with pytest.raises(ValueError, match="weight_noise"):
        MLPRegularizedClassifier(optimizer="lbfgs", weight_noise=0.1,
                                 weight_noise_sampling="example", max_iter=2).fit(X, y)


# ------------------------------------------------------ scikit-learn's checks
def _per_example_failures(estimator):
    if getattr(estimator, "weight_noise_sampling", "batch") != "example":
        return {}
    reason = ("weight noise drawn per example: a weight of 2 and a repeated row see "
              "different perturbations, so the fits differ")
    return {"check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason}


@parametrize_with_checks([
    MLPRegularizedClassifier(**CHECKS_FIT, activity_student_t=1e-3),
    MLPRegularizedRegressor(**CHECKS_FIT, weight_noise=0.01, weight_noise_sampling="example"),
], expected_failed_checks=_per_example_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
