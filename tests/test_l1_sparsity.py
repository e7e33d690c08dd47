"""L1 that is sparse with every optimizer (book 7.1.2, eq. 7.23 in the optimizer's metric).

The proximal L1 step thresholds each weight by ``l1`` times the step size the
optimizer just used for it: ``lr`` for SGD/momentum/Nesterov, ``lr * d_j`` for
the adaptive methods (diagonal preconditioner ``d``).  Tests:

* the step sizes reported by ``step_scale`` are the ones of the optimizer's
  actual update (read off the update itself, not off the formulas);
* the hook is the exact minimizer of the diagonal-metric proximal problem
  ``l1 |u| + (u - z)^2 / (2 s_j)`` (brute-force per-coordinate minimization);
* SGD keeps the exact scalar soft threshold ``sign(z) max(|z| - lr*l1, 0)``;
* end to end: with Adam (the default) and the other adaptive methods, ``l1``
  zeroes most first-layer weights of pure-noise features while every
  informative feature keeps nonzero weights.
"""

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

import sklreg  # noqa: F401  (registers the components)
from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._layout import ParamLayout, ParamSpec
from sklreg.optim import SGD, AdaDelta, AdaGrad, Adam, Momentum, Nesterov, RMSProp, RMSPropNesterov
from sklreg.penalties import L1Prox

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ADAPTIVE = [AdaGrad, RMSProp, RMSPropNesterov, Adam, AdaDelta]


def _layout(d1, d2):
    """Two weight matrices (d1, 1) and (d2, 1), then their biases."""
    return ParamLayout([
        ParamSpec(0, "W", (d1, 1), "weight"), ParamSpec(1, "W", (d2, 1), "weight"),
        ParamSpec(0, "b", (1,), "bias"), ParamSpec(1, "b", (1,), "bias"),
    ])


def _run(opt, theta, lr, n_steps, seed=0):
    """A few updates with random gradients of varied scale; returns the last
    gradient and the step sizes read off the last update."""
    rng = np.random.default_rng(seed)
    scales = np.exp(rng.uniform(-3, 2, size=theta.size))
    opt.start(theta)
    for _ in range(n_steps):
        g = rng.normal(size=theta.size) * scales
        before = theta.copy()
        v_before = getattr(opt, "velocity_", None)
        v_before = None if v_before is None else v_before.copy()
        opt.step(theta, lambda th, g=g: (0.0, g), lr)
    delta = theta - before
    if isinstance(opt, Adam):  # update = -s_j * s^_j (bias-corrected first moment)
        direction = opt.first_moment_ / (1.0 - opt.beta_1**opt.t_)
        steps = -delta / direction
    elif isinstance(opt, RMSPropNesterov):  # v <- mu v - s_j g_j
        steps = (opt.momentum * v_before - opt.velocity_) / g
    else:  # update = -s_j * g_j
        steps = -delta / g
    return steps


@pytest.mark.parametrize("cls", ADAPTIVE)
def test_step_scale_is_the_step_of_the_last_update(cls):
    theta = np.random.default_rng(1).normal(size=40)
    opt = cls()
    lr = 0.3
    steps = _run(opt, theta, lr, n_steps=4)
    out = np.empty(25)  # a prefix of theta, as L1Prox asks for the weights only
    got = opt.step_scale(lr, out)
    assert got is out
    np.testing.assert_allclose(out, steps[:25], rtol=1e-9)
    assert np.all(out > 0)


@pytest.mark.parametrize("cls", [SGD, Momentum, Nesterov])
def test_step_scale_is_none_for_scalar_step_methods(cls):
    theta = np.ones(5)
    opt = cls().start(theta)
    opt.step(theta, lambda th: (0.0, np.ones(5)), 0.1)
    assert opt.step_scale(0.1, np.empty(5)) is None


@pytest.mark.parametrize("cls", ADAPTIVE)
def test_step_scale_keeps_float32(cls):
    theta = np.random.default_rng(2).normal(size=12).astype(np.float32)
    opt = cls().start(theta)
    g = np.linspace(-1, 1, 12, dtype=np.float32)
    opt.step(theta, lambda th: (0.0, g), 0.01)
    out = np.empty(8, dtype=np.float32)
    assert opt.step_scale(0.01, out).dtype == np.float32
    assert np.all(np.isfinite(out)) and np.all(out > 0)


def _brute_force_prox(z, s, l1):
    """argmin_u l1 |u| + (u - z)^2 / (2 s), coordinate by coordinate."""
    out = np.empty_like(z)
    for j, (zj, sj) in enumerate(zip(z, s)):
        def f(u, zj=zj, sj=sj):
            return l1 * abs(u) + (u - zj) ** 2 / (2.0 * sj)
        lo, hi = min(zj, 0.0) - 1.0, max(zj, 0.0) + 1.0
        res = minimize_scalar(f, bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-12, "maxiter": 2000})
        out[j] = 0.0 if f(0.0) <= f(res.x) else res.x  # the kink is a candidate
    return out


@pytest.mark.parametrize("cls", ADAPTIVE)
def test_preconditioned_prox_is_the_diagonal_metric_minimizer(cls):
    layout = _layout(14, 10)
    nw = layout.n_weights
    theta = np.random.default_rng(3).normal(size=layout.n_params)
    opt = cls()
    lr = 0.05
    steps = _run(opt, theta, lr, n_steps=3, seed=4)[:nw]
    z = theta.copy()
    # per-layer l1 chosen so that about half of each layer's weights are zeroed
    ratio = np.abs(z[:nw]) / steps
    l1 = [float(np.median(ratio[:14])), float(np.median(ratio[14:nw]))]
    L1Prox(l1, layout, opt)(theta, lr)

    expected = np.concatenate([
        _brute_force_prox(z[:14], steps[:14], l1[0]),
        _brute_force_prox(z[14:nw], steps[14:nw], l1[1]),
    ])
    np.testing.assert_allclose(theta[:nw], expected, atol=1e-7)
    zero = np.abs(z[:nw]) <= np.r_[[l1[0]] * 14, [l1[1]] * 10] * steps * (1 - 1e-9)
    assert 0 < zero.sum() < nw
    assert np.all(theta[:nw][zero] == 0.0)  # exact zeros
    assert np.all(theta[:nw][~zero] != 0.0)
    np.testing.assert_array_equal(theta[nw:], z[nw:])  # biases untouched
    # it differs from the scalar threshold lr * l1 (not the plain-SGD geometry)
    scalar = z.copy()
    L1Prox(l1, layout)(scalar, lr)
    assert not np.allclose(scalar[:nw], theta[:nw])


@pytest.mark.parametrize("cls", [SGD, Momentum, Nesterov])
def test_scalar_step_methods_keep_the_exact_soft_threshold(cls):
    layout = _layout(6, 4)
    nw = layout.n_weights
    theta = np.random.default_rng(5).normal(size=layout.n_params)
    opt = cls()
    lr, l1 = 0.1, 4.0
    _run(opt, theta, lr, n_steps=2)
    z = theta.copy()
    L1Prox([l1, l1], layout, opt)(theta, lr)
    expected = np.sign(z[:nw]) * np.maximum(np.abs(z[:nw]) - lr * l1, 0.0)
    np.testing.assert_allclose(theta[:nw], expected, rtol=1e-14, atol=0)
    assert np.array_equal(theta[:nw] == 0.0, np.abs(z[:nw]) < lr * l1)
    assert 0 < np.sum(theta[:nw] == 0.0) < nw


def test_unstarted_optimizer_falls_back_to_the_scalar_step():
    """An optimizer that made no update (not the one running) gives no metric."""
    layout = _layout(5, 3)
    theta = np.linspace(-1, 1, layout.n_params)
    z = theta.copy()
    L1Prox([0.5, 0.5], layout, Adam())(theta, 0.4)
    nw = layout.n_weights
    np.testing.assert_allclose(
        theta[:nw], np.sign(z[:nw]) * np.maximum(np.abs(z[:nw]) - 0.2, 0.0), rtol=1e-14
    )


# ----------------------------------------------------------------- end to end
N_INFORMATIVE = 4


def _data(task, seed):
    """20 standardized features, the first 4 informative, 16 pure noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 20))
    z = X[:, :N_INFORMATIVE] @ np.array([1.0, -1.0, 0.8, -0.8]) + 0.3 * rng.normal(size=300)
    if task == "regression":
        return X, (z - z.mean()) / z.std(), MLPRegularizedRegressor
    return X, (z > 0).astype(int), MLPRegularizedClassifier


CASES = [(opt, task) for opt in [None, "rmsprop", "adagrad", "adadelta"]
         for task in ["regression", "classification"]] + [("rmsprop_nesterov", "regression")]


@pytest.mark.parametrize("optimizer, task", CASES)
def test_l1_zeroes_noise_features_with_adaptive_optimizers(optimizer, task):
    """Observed on 10 seeds: >= 82% zeros of the noise rows (>= 84% for the
    default Adam) and >= 2 nonzero weights per informative row; the scalar
    threshold gave 0% zeros with Adam."""
    X, y, Est = _data(task, seed=0)
    kw = {} if optimizer is None else {"optimizer": optimizer}
    est = Est(hidden_layer_sizes=(16,), l1=0.02, batch_size=100, max_iter=150,
              random_state=0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    W = est.coefs_[0]
    noise_zero = np.mean(W[N_INFORMATIVE:] == 0.0)
    assert noise_zero >= 0.5, noise_zero
    assert np.all(np.any(W[:N_INFORMATIVE] != 0.0, axis=1))  # informative features kept
    assert est.score(X, y) > 0.8


def test_l1_sparsity_float32_default_optimizer():
    X, y, Est = _data("regression", seed=1)
    est = Est(hidden_layer_sizes=(16,), l1=0.02, batch_size=100, max_iter=150,
              random_state=1).fit(X.astype(np.float32), y.astype(np.float32))
    W = est.coefs_[0]
    assert W.dtype == np.float32
    assert np.mean(W[N_INFORMATIVE:] == 0.0) >= 0.5
    assert np.all(np.any(W[:N_INFORMATIVE] != 0.0, axis=1))


def test_l1_sparsity_survives_partial_fit():
    """From the second partial_fit call on, the running optimizer is the one
    kept between calls; the prox must threshold in its metric too."""
    X, y, Est = _data("regression", seed=2)
    est = Est(hidden_layer_sizes=(16,), l1=0.02, batch_size=100, random_state=2)
    for _ in range(150):
        est.partial_fit(X, y)
    W = est.coefs_[0]
    assert np.mean(W[N_INFORMATIVE:] == 0.0) >= 0.5
    assert np.all(np.any(W[:N_INFORMATIVE] != 0.0, axis=1))
