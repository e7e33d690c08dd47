"""Batch normalization (book section 8.7.1, catalogue X02 / T51).

Gradient checks (float64, relative error <= 1e-6) through the public
``Objective`` with and without sample weights and together with dropout and
the activity penalties; train-mode statistics (T51); running statistics at
inference; state that survives pickling, partial_fit and warm starts; the flat
layout (gamma/beta after weights and biases, never penalized).
"""

import pickle

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_regression

import sklreg  # noqa: F401  (registers the components)
from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg.batchnorm import BatchNorm, recalibrate_batch_norm
from sklreg.network import Context
from sklreg.penalties import L2Penalty

from _helpers import SHORT_FIT as FAST, RTOL_GRAD, fd_rel_error, frozen_loss_grad, layer_objective


def make_objective(rng, activation="tanh", hidden=(5, 4), n=12, d=3, loss="softmax", **params):
    return layer_objective(
        rng, hidden, activation, loss, n, d, x_scale=np.array([1.0, 5.0, 0.2]),
        x_shift=np.array([0.0, 3.0, -1.0]), bias_scale=0.2, batch_norm=True, **params,
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "extra",
    [
        {},
        dict(dropout=0.3, input_dropout=0.2),
        dict(dropout=0.3, dropout_type="gaussian", hidden_noise=0.1),
        dict(activity_l1=0.05, weight_noise=0.05),
        dict(dropout=0.3, dropout_type="dropconnect"),
    ],
    ids=["bn", "bn+dropout", "bn+gaussian+noise", "bn+activity+weight_noise", "bn+dropconnect"],
)
@pytest.mark.parametrize("loss", ["softmax", "squared"])
def test_gradient_matches_finite_differences(extra, weighted, loss):
    rng = np.random.default_rng(7)
    obj, theta, X, Y = make_objective(rng, loss=loss, **extra)
    w = None
    if weighted:
        w = rng.uniform(0.1, 2.0, X.shape[0])
        w /= w.sum()
    err, grad = fd_rel_error(frozen_loss_grad(obj, X, Y, w), theta)
    assert err <= RTOL_GRAD / 2
    # the biases of batch-normalized dense layers are fixed (exactly zero gradient)
    bias_specs = [s for s in obj.layout.specs if s.role == "bias"]
    for spec in bias_specs[:-1]:
        assert np.all(grad[spec.slice] == 0.0)
    assert np.any(grad[bias_specs[-1].slice] != 0.0)  # output bias is trained


def test_gradient_with_logistic_and_kl_penalty():
    rng = np.random.default_rng(2)
    obj, theta, X, Y = make_objective(rng, activation="logistic", activity_kl=0.3)
    assert fd_rel_error(frozen_loss_grad(obj, X, Y, None), theta)[0] <= RTOL_GRAD / 2


def test_layout_roles_and_no_penalty_on_gamma_beta():
    rng = np.random.default_rng(0)
    obj, theta, X, Y = make_objective(rng)
    roles = [s.role for s in sorted(obj.layout.specs, key=lambda s: s.offset)]
    assert roles == ["weight"] * 3 + ["bias"] * 3 + ["bn_scale", "bn_shift"] * 2
    g0 = obj.loss_grad(theta, X, Y, None, Context(training=True))[1].copy()
    obj.terms = [L2Penalty([1.0, 1.0, 1.0]).bind(obj.layout)]
    g1 = obj.loss_grad(theta, X, Y, None, Context(training=True))[1]
    n_w = obj.layout.n_weights
    np.testing.assert_allclose(g1[:n_w] - g0[:n_w], theta[:n_w], rtol=1e-10)
    np.testing.assert_array_equal(g1[n_w:], g0[n_w:])


def test_t51_train_mode_statistics_and_inference_with_dataset_stats():
    """T51: in training mode each unit of the normalized pre-activation has mean
    beta and standard deviation ~gamma over the batch; with the running
    statistics set to the statistics of that batch, inference reproduces the
    train-mode output exactly; predict is deterministic."""
    rng = np.random.default_rng(1)
    obj, theta, X, Y = make_objective(rng, activation="identity", hidden=(4,), n=50)
    net = obj.network
    dense, bn = net.layers[0], net.layers[1]
    P = net.layer_params(theta)
    z = dense.forward(P[0], X, Context(training=False))
    out = bn.forward(P[1], z.copy(), Context(training=True))
    gamma, beta = P[1]
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), np.abs(gamma), rtol=1e-4)  # epsilon
    train_out = net.forward(theta, X, Context(training=True)).copy()
    recalibrate_batch_norm(net, theta, X)
    np.testing.assert_allclose(bn.running_mean, z.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, z.var(axis=0), rtol=1e-12)
    infer = net.forward(theta, X, Context(training=False))
    np.testing.assert_allclose(infer, train_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(infer, net.forward(theta, X, Context(training=False)))


def test_weighted_statistics_equal_duplicated_rows():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(6, 3))
    w = np.array([2.0, 1, 1, 1, 1, 1])
    P = [np.array([1.5, 0.5, 2.0]), np.array([0.1, -0.2, 0.3])]
    a = BatchNorm(3).forward(P, z.copy(), Context(training=True, sample_weight=w / w.sum()))
    b = BatchNorm(3).forward(P, np.vstack([z, z[:1]]), Context(training=True))
    np.testing.assert_allclose(a, b[:6], rtol=1e-12)


def test_running_statistics_average_then_ema():
    rng = np.random.default_rng(4)
    bn = BatchNorm(2, momentum=0.75)
    bn.reset_stats(np.float64)
    P = [np.ones(2), np.zeros(2)]
    batches = [rng.normal(loc=i, size=(8, 2)) for i in range(6)]
    mean = None
    for i, z in enumerate(batches):
        bn.forward(P, z.copy(), Context(training=True))
        rate = max(0.25, 1.0 / (i + 1))
        mean = z.mean(axis=0) if mean is None else mean + rate * (z.mean(axis=0) - mean)
        if i == 0:
            np.testing.assert_allclose(bn.running_var, z.var(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)
    assert bn.n_batches == 6


def test_estimator_running_stats_survive_pickle_and_partial_fit():
    X, y = make_blobs(n_samples=120, centers=3, n_features=5, random_state=0)
    X = X * [1, 10, 100, 0.1, 1]
    est = MLPRegularizedClassifier(hidden_layer_sizes=(16, 8), batch_norm=True, batch_size=32,
                                   **FAST).fit(X, y)
    bns = [layer for layer in est._objective.network.layers if isinstance(layer, BatchNorm)]
    assert len(bns) == 2 and bns[0].n_batches == 5 * 4
    restored = pickle.loads(pickle.dumps(est))
    rbn = [layer for layer in restored._objective.network.layers if isinstance(layer, BatchNorm)]
    np.testing.assert_array_equal(rbn[0].running_var, bns[0].running_var)
    np.testing.assert_array_equal(restored.predict_proba(X), est.predict_proba(X))
    before = bns[0].running_mean.copy()
    est.partial_fit(X, y)
    assert bns[0].n_batches == 6 * 4 and not np.array_equal(before, bns[0].running_mean)
    # inference uses running statistics: row-independent and deterministic
    np.testing.assert_allclose(est.predict_proba(X[:5]), est.predict_proba(X)[:5], rtol=1e-12)


def test_batch_norm_learns_badly_scaled_data():
    X, y = make_blobs(n_samples=300, centers=3, n_features=4, random_state=1)
    X = X * [1e3, 1e-2, 1.0, 50.0]
    common = dict(hidden_layer_sizes=(32,), max_iter=40, learning_rate=0.01, random_state=0)
    bn = MLPRegularizedClassifier(batch_norm=True, **common).fit(X, y)
    assert bn.score(X, y) > 0.95


def test_batch_norm_with_partial_fit_from_scratch_and_regressor():
    X, y = make_regression(n_samples=80, n_features=4, random_state=0)
    est = MLPRegularizedRegressor(hidden_layer_sizes=(8,), batch_norm=True, dropout=0.2,
                                  random_state=0)
    for _ in range(3):
        est.partial_fit(X, y)
    assert est.n_iter_ == 1 and len(est.loss_curve_) == 3
    assert np.isfinite(est.predict(X)).all()


def test_early_stopping_recalibrates_to_the_restored_parameters():
    """The best epoch's parameters come with running statistics of another
    epoch; after the restore they are recomputed on the training data."""
    X, y = make_blobs(n_samples=200, centers=3, random_state=0)
    X_val, y_val = make_blobs(n_samples=60, centers=3, random_state=1)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(8,), batch_norm=True, early_stopping=True,
                                   max_iter=30, learning_rate=0.01, random_state=0,
                                   n_iter_no_change=3).fit(X, y, X_val=X_val, y_val=y_val)
    bn = est._objective.network.layers[1]
    z = X @ est.coefs_[0] + est.intercepts_[0]  # pre-activation with the restored weights
    np.testing.assert_allclose(bn.running_mean, z.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(bn.running_var, z.var(axis=0), rtol=1e-10)


def test_batch_norm_cannot_be_toggled_between_warm_fits():
    X, y = make_blobs(n_samples=40, centers=2, random_state=0)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(4,), warm_start=True, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="batch_norm"):
        est.set_params(batch_norm=True).fit(X, y)


def test_float32_batch_norm():
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    est = MLPRegularizedRegressor(hidden_layer_sizes=(8,), batch_norm=True, **FAST)
    est.fit(X.astype(np.float32), y.astype(np.float32))
    bn = est._objective.network.layers[1]
    assert bn.running_mean.dtype == np.float32 and est._theta.dtype == np.float32
    assert est.predict(X.astype(np.float32)).dtype == np.float32


def test_full_batch_optimizer_predicts_the_function_it_trained():
    """With a full-batch method the training objective uses the statistics of
    all rows; its line searches feed trial points to the running averages, so
    the statistics are recomputed for the final parameters: inference then
    equals the train-mode network on the training data."""
    from sklreg._registry import OPTIMIZERS

    if "lbfgs" not in OPTIMIZERS:
        pytest.skip("no lbfgs optimizer")
    X, y = make_regression(n_samples=50, n_features=3, noise=1.0, random_state=0)
    est = MLPRegularizedRegressor(hidden_layer_sizes=(4,), optimizer="lbfgs", batch_norm=True,
                                  max_iter=50, random_state=0).fit(X, y)
    net = est._objective.network
    train_mode = net.forward(est._theta, X, Context(training=True)).ravel().copy()
    np.testing.assert_allclose(est.predict(X), train_mode, rtol=1e-10, atol=1e-8)
