"""Noise robustness, augmentation, label smoothing, dropout and activity penalties
(book sections 7.4, 7.5, 7.5.1, 7.10, 7.12).

Catalogue items: T11 (input noise ~ ridge), T13 (label smoothing keeps
probabilities off 0/1), T18/T19 (weight scaling = normalized geometric mean of
softmax regression sub-models, computed exactly by enumerating the masks with
their probabilities p(d)), T20 (deep linear net: mean over all masks = weight
scaling), T22 (Gaussian dropout moments).  Every new layer and penalty is
finite-difference checked in float64 (relative error <= 1e-6) with the noise
frozen: the Context's generator is re-created from the same seed at each call,
so every evaluation draws the same masks.
"""

import itertools
import pickle

import numpy as np
import pytest
from scipy.special import expit, log_softmax, softmax
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_regression

import sklreg  # noqa: F401  (registers the components)
from sklreg._params import stochastic_regularizers
from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._objective import Objective
from sklreg._registry import ACTIVATIONS, OPTIMIZERS
from sklreg.dropout import Dropout
from sklreg.linear import RidgeClosedForm
from sklreg.losses import SquaredError
from sklreg.network import ActivationLayer, Context, Dense, build_network
from sklreg.noise import GaussianNoise, PerturbedDense, smooth_labels

from _helpers import SHORT_FIT as FAST, RTOL_GRAD, fd_rel_error, frozen_loss_grad, layer_objective


# ----------------------------------------------------------------- helpers
def make_objective(hidden, activation, task, rng, n=11, d=3, **params):
    """Network with the layer options ``params`` (estimator parameter names)."""
    return layer_objective(rng, hidden, activation, task, n, d, **params)


LAYER_CASES = {
    "input_noise": ("tanh", dict(input_noise=0.3)),
    "hidden_noise_additive": ("tanh", dict(hidden_noise=0.3)),
    "hidden_noise_multiplicative": (
        "tanh", dict(hidden_noise=(0.3, 0.2), hidden_noise_type="multiplicative"),
    ),
    "weight_noise": ("tanh", dict(weight_noise=0.1)),
    "dropout": ("tanh", dict(dropout=(0.3, 0.5), input_dropout=0.2)),
    "gaussian_dropout": ("softplus", dict(dropout=0.4, input_dropout=0.2, dropout_type="gaussian")),
    "dropconnect": ("tanh", dict(dropout=0.3, input_dropout=0.2, dropout_type="dropconnect")),
    "activity_l1": ("tanh", dict(activity_l1=(0.05, 0.1))),
    "activity_kl": ("logistic", dict(activity_kl=0.2, sparsity_target=0.1)),
    "everything": (
        "tanh",
        dict(input_noise=0.1, hidden_noise=0.1, hidden_noise_type="multiplicative",
             weight_noise=0.05, dropout=0.3, input_dropout=0.1, activity_l1=0.05),
    ),
    "dropconnect_weight_noise": (
        "tanh", dict(dropout=0.3, input_dropout=0.2, dropout_type="dropconnect", weight_noise=0.1),
    ),
}


# ------------------------------------------------------ gradient checks
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("task", ["softmax", "sigmoid", "squared"])
@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_gradient_matches_finite_differences(case, task, weighted):
    activation, params = LAYER_CASES[case]
    rng = np.random.default_rng(3)
    obj, theta, X, Y = make_objective((4, 5), activation, task, rng, **params)
    w = None
    if weighted:
        w = rng.uniform(0.2, 2.0, X.shape[0])
        w /= w.sum()
    assert fd_rel_error(frozen_loss_grad(obj, X, Y, w), theta)[0] <= RTOL_GRAD / 2


def test_noise_frozen_by_seed_but_fresh_across_calls():
    """Same seed -> same masks (gradient checks); the loop's generator -> new ones."""
    rng = np.random.default_rng(0)
    obj, theta, X, Y = make_objective((4,), "tanh", "squared", rng, dropout=0.5, input_noise=0.2)
    f = frozen_loss_grad(obj, X, Y, None)
    assert f(theta)[0] == f(theta)[0]
    ctx = Context(training=True, rng=np.random.default_rng(0))
    assert obj.loss_grad(theta, X, Y, None, ctx)[0] != obj.loss_grad(theta, X, Y, None, ctx)[0]


@pytest.mark.parametrize("weighted", [False, True])
def test_activity_penalty_values_are_weighted_like_the_loss(weighted):
    rng = np.random.default_rng(1)
    obj, theta, X, Y = make_objective((4,), "logistic", "squared", rng, activity_l1=0.3,
                                      activity_kl=0.2, sparsity_target=0.1)
    plain = Objective(build_network([3, 4, 2], ACTIVATIONS["logistic"]()), SquaredError())
    w = rng.uniform(0.2, 2.0, X.shape[0]) if weighted else np.ones(X.shape[0])
    w /= w.sum()
    W0, W1 = (theta[s.slice].reshape(s.shape) for s in obj.layout.weight_specs())
    b0 = theta[obj.layout.specs[1].slice]
    h = expit(X @ W0 + b0)
    rho, q = 0.1, w @ h
    expected = 0.3 * w @ np.abs(h).sum(axis=1) + 0.2 * np.sum(
        rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q))
    )
    wt = w if weighted else None
    value = obj.value(theta, X, Y, wt)
    data = plain.value(theta, X, Y, wt)
    assert value - data == pytest.approx(expected, rel=1e-12)
    assert obj.loss_grad(theta, X, Y, wt)[0] == pytest.approx(value, rel=1e-12)
    # validation loss (data_loss) has no penalty
    assert obj.data_loss(theta, X, Y, wt) == pytest.approx(data, rel=1e-12)


# ------------------------------------------------- layers: masks and noise
def test_dropout_masks_differ_per_example_and_per_step():
    layer = Dropout(0.5)
    x = np.ones((64, 20))
    ctx = Context(training=True, rng=np.random.default_rng(0))
    a = layer.forward([], x, ctx).copy()
    b = layer.forward([], x, ctx).copy()
    assert set(np.unique(a)) == {0.0, 2.0}  # inverted dropout: kept units / keep
    assert len({row.tobytes() for row in a}) > 60  # a new mask for every example
    assert not np.array_equal(a, b)  # and for every step
    assert x.sum() == x.size  # input untouched


def test_stochastic_layers_are_identity_at_inference():
    x = np.random.default_rng(0).normal(size=(5, 3))
    ctx = Context(training=False, rng=np.random.default_rng(0))
    for layer in [Dropout(0.5), Dropout(0.5, "gaussian"), GaussianNoise(1.0),
                  GaussianNoise(1.0, "multiplicative")]:
        assert layer.forward([], x, ctx) is x
    W, b = np.ones((3, 2)), np.zeros(2)
    out = PerturbedDense(3, 2, weight_noise=1.0, drop=0.5).forward([W, b], x, ctx)
    np.testing.assert_array_equal(out, x @ W)


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("kind", ["bernoulli", "gaussian"])
def test_mask_moments(kind, rate):
    """T22: both masks have mean 1 and variance (1 - keep) / keep = rate / (1 - rate)."""
    x = np.ones((200_000, 1))
    m = Dropout(rate, kind).forward([], x, Context(training=True, rng=np.random.default_rng(0)))
    assert m.mean() == pytest.approx(1.0, abs=0.02)
    assert m.var() == pytest.approx(rate / (1 - rate), rel=0.03)


def test_float32_stays_float32():
    x = np.ones((6, 4), dtype=np.float32)
    ctx = Context(training=True, rng=np.random.default_rng(0))
    for layer in [Dropout(0.5), Dropout(0.5, "gaussian"), GaussianNoise(0.1),
                  GaussianNoise(0.1, "multiplicative")]:
        assert layer.forward([], x, ctx).dtype == np.float32
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = X.sum(axis=1)
    est = MLPRegularizedRegressor(
        hidden_layer_sizes=(8,), dropout=0.2, input_noise=0.1, weight_noise=0.01,
        hidden_noise=0.1, activity_l1=1e-3, batch_norm=True, **FAST,
    ).fit(X, y)
    assert est.coefs_[0].dtype == np.float32
    assert est.predict(X).dtype == np.float32
    est.set_params(dropout_inference="monte_carlo")
    assert est.predict(X).dtype == np.float32


def test_sparse_input_with_input_dropout_and_noise():
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    X = sp.random(60, 10, density=0.3, random_state=0, format="csr")
    y = rng.integers(0, 2, 60)
    for params in [dict(input_dropout=0.3), dict(input_noise=0.1), dict(input_dropout=0.3,
                   dropout_type="gaussian"), dict(input_dropout=0.3, dropout_type="dropconnect")]:
        est = MLPRegularizedClassifier(hidden_layer_sizes=(4,), **params, **FAST).fit(X, y)
        est.set_params(dropout_inference="monte_carlo")
        assert np.isfinite(est.predict_proba(X)).all()


def test_plain_network_when_everything_is_off():
    X, y = make_blobs(n_samples=30, random_state=0)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(4, 3), **FAST).fit(X, y)
    types = [type(layer) for layer in est._objective.network.layers]
    assert types == [Dense, ActivationLayer, Dense, ActivationLayer, Dense]


# ----------------------------------------------- T11: input noise ~ ridge
def test_input_noise_on_linear_regression_approaches_ridge():
    """T11 (book 7.5, Bishop 1995): with the mean 1/2 squared loss, Gaussian input
    noise of variance nu is, in expectation, the L2 penalty alpha = nu.  A linear
    model trained by SGD with input_noise = sqrt(nu) (linear decay of the
    learning rate, 300 epochs) lands within 10% of the ridge-vs-OLS distance
    of RidgeClosedForm(alpha=nu) (observed ~3%)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 0.1 * rng.normal(size=200)
    nu = 0.5
    ridge = RidgeClosedForm(alpha=nu).fit(X, y)
    ols = RidgeClosedForm(alpha=0.0).fit(X, y)
    est = MLPRegularizedRegressor(
        hidden_layer_sizes=(), input_noise=np.sqrt(nu), alpha=0.0, optimizer="sgd",
        learning_rate=0.02, lr_schedule="linear", batch_size=20, max_iter=300, tol=0.0,
        n_iter_no_change=10**6, random_state=0,
    ).fit(X, y)
    coef = est.coefs_[0].ravel()
    gap = np.linalg.norm(ridge.coef_ - ols.coef_)
    assert np.linalg.norm(coef - ridge.coef_) <= 0.1 * gap
    assert est.intercepts_[0][0] == pytest.approx(ridge.intercept_, abs=0.05)


# ----------------------------------------------------- T13: label smoothing
def test_smoothed_targets():
    Y = np.eye(4)[[0, 1, 3]]
    S = smooth_labels(Y, 0.3, softmax=True)
    np.testing.assert_allclose(S.sum(axis=1), 1.0)
    np.testing.assert_allclose(S[Y == 1], 0.7)
    np.testing.assert_allclose(S[Y == 0], 0.1)
    np.testing.assert_allclose(smooth_labels(np.array([[0.0], [1.0]]), 0.1, False), [[0.1], [0.9]])


@pytest.mark.parametrize("binary", [False, True])
def test_label_smoothing_keeps_probabilities_off_zero_and_one(binary):
    """T13: on separable data the unsmoothed softmax/logistic regression pushes
    probabilities to 0/1 with weights that keep growing; with eps = 0.1 the
    logits stay finite: the weights stop growing, the mean true-class
    probability is near 1 - eps and the largest one stays below 0.99."""
    X, y = make_blobs(n_samples=150, centers=3, cluster_std=0.5, random_state=0)
    if binary:
        y = y == 0
    common = dict(hidden_layer_sizes=(), alpha=0.0, learning_rate=0.05, tol=0.0,
                  n_iter_no_change=10**6, random_state=0)
    fits = {}
    for eps in (0.0, 0.1):
        for epochs in (800, 1600):
            fits[eps, epochs] = MLPRegularizedClassifier(
                label_smoothing=eps, max_iter=epochs, **common
            ).fit(X, y)
    proba = fits[0.1, 1600].predict_proba(X)
    true = proba[np.arange(len(y)), np.searchsorted(fits[0.1, 1600].classes_, y)]
    assert proba.max() < 0.99 and proba.min() > 1e-3
    assert 0.85 <= true.mean() <= 0.92
    assert fits[0.1, 1600].score(X, y) == 1.0
    grow_smooth = np.abs(fits[0.1, 1600].coefs_[0]).max() / np.abs(fits[0.1, 800].coefs_[0]).max()
    grow_hard = np.abs(fits[0.0, 1600].coefs_[0]).max() / np.abs(fits[0.0, 800].coefs_[0]).max()
    assert grow_smooth < 1.01 < 1.1 < grow_hard
    assert fits[0.0, 1600].predict_proba(X).max() > 0.999


def test_label_smoothing_bound_and_regressor():
    X, y = make_blobs(n_samples=30, centers=2, random_state=0)
    with pytest.raises(ValueError, match="label_smoothing"):
        MLPRegularizedClassifier(label_smoothing=0.5, **FAST).fit(X, y)
    with pytest.raises(TypeError, match="label_smoothing"):
        MLPRegularizedRegressor(label_smoothing=0.1)


# -------------------------------------- T18-T20: dropout inference rules
def test_weight_scaling_is_the_exact_geometric_mean_for_softmax_regression():
    """T18/T19 (eq. 7.54-7.66): for softmax regression with input dropout (keep
    probability p = 0.7, not 1/2), the renormalized geometric mean of all 2^n
    sub-models weighted by their mask probabilities p(d) equals the weight-
    scaled model, i.e. predict_proba (inverted dropout: sub-model d sees
    d * v / p).  With uniform weights 1/2^n it does not (p != 1/2)."""
    X, y = make_blobs(n_samples=90, centers=3, n_features=4, random_state=0)
    keep = 0.7
    est = MLPRegularizedClassifier(hidden_layer_sizes=(), input_dropout=1 - keep,
                                   max_iter=30, learning_rate=0.05, random_state=0).fit(X, y)
    W, b = est.coefs_[0], est.intercepts_[0]
    V = X[:7]
    log_geo = np.zeros((len(V), 3))
    log_uniform = np.zeros((len(V), 3))
    for d in itertools.product([0, 1], repeat=4):
        d = np.array(d)
        p_d = np.prod(np.where(d == 1, keep, 1 - keep))
        logp = log_softmax((d * V / keep) @ W + b, axis=1)
        log_geo += p_d * logp
        log_uniform += logp / 2**4
    np.testing.assert_allclose(softmax(log_geo, axis=1), est.predict_proba(V), rtol=1e-12)
    assert not np.allclose(softmax(log_uniform, axis=1), est.predict_proba(V), atol=1e-3)
    # the sampled geometric rule approaches the same distribution
    est.set_params(dropout_inference="geometric", n_mc_samples=3000)
    np.testing.assert_allclose(est.predict_proba(V), softmax(log_geo, axis=1), atol=0.02)


def test_mean_over_all_masks_is_weight_scaling_for_a_deep_linear_net():
    """T20(b): a network without nonlinear hidden units: the arithmetic mean of
    the outputs over all input and hidden masks (weighted by p(d)) equals the
    weight-scaled prediction exactly; Monte Carlo converges toward it."""
    X, y = make_regression(n_samples=80, n_features=2, random_state=0)
    k_in, k_h = 0.8, 0.6
    est = MLPRegularizedRegressor(
        hidden_layer_sizes=(3,), activation="identity", input_dropout=1 - k_in,
        dropout=1 - k_h, max_iter=20, learning_rate=0.01, random_state=0,
    ).fit(X, y)
    (W0, W1), (b0, b1) = est.coefs_, est.intercepts_
    V = X[:5]
    mean = np.zeros(len(V))
    for d in itertools.product([0, 1], repeat=5):
        d_in, d_h = np.array(d[:2]), np.array(d[2:])
        p_d = np.prod(np.where(d_in == 1, k_in, 1 - k_in)) * np.prod(
            np.where(d_h == 1, k_h, 1 - k_h)
        )
        h = (d_in * V / k_in) @ W0 + b0
        mean += p_d * ((d_h * h / k_h) @ W1 + b1).ravel()
    np.testing.assert_allclose(mean, est.predict(V), rtol=1e-10)
    est.set_params(dropout_inference="monte_carlo", n_mc_samples=4000)
    spread = np.abs(est.predict(V)).max()
    np.testing.assert_allclose(est.predict(V), mean, atol=0.05 * spread)


@pytest.mark.parametrize("dropout_type", ["bernoulli", "gaussian", "dropconnect"])
def test_predict_deterministic_by_default_and_mc_reproducible(dropout_type):
    X, y = make_blobs(n_samples=60, centers=3, random_state=0)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(8,), dropout=0.5, input_dropout=0.2,
                                   dropout_type=dropout_type, **FAST).fit(X, y)
    ws = est.predict_proba(X)
    np.testing.assert_array_equal(ws, est.predict_proba(X))
    np.testing.assert_allclose(est.predict_proba(X[:10]), ws[:10], rtol=1e-12)  # row-independent
    for rule in ("monte_carlo", "geometric"):
        est.set_params(dropout_inference=rule, n_mc_samples=7)
        p = est.predict_proba(X)
        np.testing.assert_array_equal(p, est.predict_proba(X))  # reproducible
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
        assert not np.allclose(p, ws)
        restored = pickle.loads(pickle.dumps(est))
        np.testing.assert_array_equal(restored.predict_proba(X), p)
    est.set_params(dropout_inference="weight_scaling")
    np.testing.assert_array_equal(est.predict_proba(X), ws)


def test_geometric_and_monte_carlo_coincide_for_regression():
    """Gaussian outputs: the normalized geometric mean of N(mu_k, s^2) is N(mean mu_k, s^2)."""
    X, y = make_regression(n_samples=50, n_features=3, random_state=0)
    est = MLPRegularizedRegressor(hidden_layer_sizes=(6,), dropout=0.3, **FAST).fit(X, y)
    est.set_params(dropout_inference="monte_carlo")
    mc = est.predict(X)
    est.set_params(dropout_inference="geometric")
    np.testing.assert_allclose(est.predict(X), mc, rtol=1e-12)


# ---------------------------------------------- estimator-level behaviour
def test_activity_l1_makes_relu_representations_sparser():
    X, y = make_blobs(n_samples=200, centers=3, n_features=6, random_state=0)
    common = dict(hidden_layer_sizes=(32, 16), max_iter=60, learning_rate=0.01, random_state=0)
    plain = MLPRegularizedClassifier(**common).fit(X, y)
    sparse = MLPRegularizedClassifier(activity_l1=0.05, **common).fit(X, y)
    assert len(sparse.hidden_zero_fraction_) == 2
    assert all(s > p for s, p in zip(sparse.hidden_zero_fraction_, plain.hidden_zero_fraction_))
    assert sparse.score(X, y) > 0.9


def test_activity_kl_pulls_mean_activation_to_target():
    X, y = make_blobs(n_samples=200, centers=3, n_features=6, random_state=0)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(16,), activation="logistic",
                                   activity_kl=1.0, sparsity_target=0.05, max_iter=150,
                                   learning_rate=0.02, random_state=0).fit(X, y)
    h = expit(X @ est.coefs_[0] + est.intercepts_[0])
    assert h.mean() < 0.15
    assert est.score(X, y) > 0.9


def test_all_first_order_optimizers_run_every_stochastic_regularizer():
    X, y = make_regression(n_samples=60, n_features=4, random_state=0)
    names = [n for n in OPTIMIZERS.names() if not getattr(OPTIMIZERS[n], "full_batch", False)]
    assert "adam" in names and "nesterov" in names
    for name in names:
        est = MLPRegularizedRegressor(
            hidden_layer_sizes=(8,), optimizer=name, dropout=0.2, input_dropout=0.1,
            input_noise=0.1, hidden_noise=0.1, weight_noise=0.01, batch_norm=True,
            activity_l1=1e-3, max_iter=3, random_state=0,
        ).fit(X, y)
        assert np.isfinite(est.predict(X)).all(), name


def test_warm_start_and_partial_fit_follow_changed_options():
    X, y = make_blobs(n_samples=60, centers=3, random_state=0)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(8,), dropout=0.3, **FAST).fit(X, y)
    assert any(isinstance(layer, Dropout) for layer in est._objective.network.layers)
    est.set_params(warm_start=True, dropout=0.0, input_noise=0.1)
    est.fit(X, y)
    layers = est._objective.network.layers
    assert not any(isinstance(layer, Dropout) for layer in layers)
    assert isinstance(layers[0], GaussianNoise)
    est.partial_fit(X, y)
    assert est.n_iter_ == 1 and len(est.loss_curve_) == 11


def test_stochastic_regularizers_are_listed():
    est = MLPRegularizedRegressor()
    assert stochastic_regularizers(est) == []
    est.set_params(dropout=[0.0, 0.1], input_noise=0.1, batch_norm=True, activity_l1=0.1)
    assert stochastic_regularizers(est) == ["dropout", "input_noise"]
    est.set_params(input_dropout=0.2, hidden_noise=0.1, weight_noise=0.1, augment=_jitter)
    assert stochastic_regularizers(est) == [
        "dropout", "input_dropout", "input_noise", "hidden_noise", "weight_noise", "augment",
    ]


def test_full_batch_optimizers_refuse_stochastic_regularizers():
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    names = [n for n in OPTIMIZERS.names() if getattr(OPTIMIZERS[n], "full_batch", False)]
    if not names:
        pytest.skip("no full-batch optimizer registered")
    try:
        MLPRegularizedRegressor(hidden_layer_sizes=(3,), optimizer=names[0], max_iter=2).fit(X, y)
    except Exception:
        pytest.skip("full-batch optimizers are not wired into the estimators yet")
    for param, value in [("dropout", 0.2), ("input_noise", 0.1), ("weight_noise", 0.1)]:
        est = MLPRegularizedRegressor(hidden_layer_sizes=(3,), optimizer=names[0], max_iter=2)
        with pytest.raises(ValueError, match=param):
            est.set_params(**{param: value}).fit(X, y)


# ----------------------------------------------------------- augmentation
def _jitter(X, y, rng):
    """Module-level (picklable) augmentation: Gaussian jitter, labels unchanged."""
    return X + 0.01 * rng.standard_normal(X.shape), y


def _double(X, y, rng):
    return np.vstack([X, X[::-1]]), np.concatenate([y, y[::-1]])


class _Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, X, y, rng):
        self.calls.append((X.shape[0], np.asarray(y).copy(), isinstance(rng, np.random.Generator)))
        return X, y


def test_augment_sees_raw_labels_every_minibatch():
    X, y = make_blobs(n_samples=50, centers=3, random_state=0)
    labels = np.array(["ant", "bee", "cat"])[y]
    rec = _Recorder()
    est = MLPRegularizedClassifier(hidden_layer_sizes=(4,), augment=rec, batch_size=20,
                                   **FAST).fit(X, labels)
    assert len(rec.calls) == 5 * 3  # 3 minibatches per epoch
    assert [c[0] for c in rec.calls[:3]] == [20, 20, 10]
    assert all(set(c[1]) <= {"ant", "bee", "cat"} and c[2] for c in rec.calls)
    assert set(est.predict(X)) <= {"ant", "bee", "cat"}


def test_augment_with_more_rows_regression_and_errors():
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    est = MLPRegularizedRegressor(hidden_layer_sizes=(4,), augment=_double, **FAST).fit(X, y)
    assert np.isfinite(est.predict(X)).all()
    with pytest.raises(ValueError, match="sample_weight"):
        clone(est).fit(X, y, sample_weight=np.ones(40))
    with pytest.raises(ValueError, match="augment"):
        clone(est).set_params(augment=lambda X, y, rng: (X[:, :2], y)).fit(X, y)
    with pytest.raises(ValueError, match="augment"):
        clone(est).set_params(augment="flip").fit(X, y)


def test_estimator_with_augment_clones_and_pickles():
    X, y = make_blobs(n_samples=40, centers=2, random_state=0)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(4,), augment=_jitter, **FAST)
    assert clone(est).augment is _jitter
    est.fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict_proba(X), est.predict_proba(X))
    a = clone(est).fit(X, y).coefs_[0]
    np.testing.assert_array_equal(a, est.coefs_[0])  # seeded by random_state


# ------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "param, value",
    [
        ("input_noise", -0.1), ("input_noise", np.inf), ("hidden_noise", [0.1]),
        ("hidden_noise_type", "mult"), ("weight_noise", -1.0), ("dropout", 1.0),
        ("dropout", [0.1, 0.2, 0.3]), ("input_dropout", -0.1), ("dropout_type", "alpha"),
        ("dropout_inference", "mc"), ("n_mc_samples", 0), ("batch_norm", "yes"),
        ("batch_norm_momentum", 1.0), ("batch_norm_epsilon", 0.0), ("activity_l1", -1.0),
        ("activity_kl", [0.1, -0.1]), ("sparsity_target", 1.0), ("augment", 3),
        ("label_smoothing", 1.0), ("label_smoothing", -0.1),
    ],
)
def test_invalid_values_name_the_parameter(param, value):
    X, y = make_blobs(n_samples=30, centers=3, random_state=0)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(4, 3), **FAST).set_params(**{param: value})
    with pytest.raises(ValueError, match=param):
        est.fit(X, y)


def test_incompatible_combinations_name_both_parameters():
    X, y = make_blobs(n_samples=30, centers=3, random_state=0)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(4,), activity_kl=0.1, **FAST)
    with pytest.raises(ValueError, match="activity_kl.*activation='logistic'.*activation='relu'"):
        est.fit(X, y)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(4,), batch_norm=True, batch_size=1, **FAST)
    with pytest.raises(ValueError, match="batch_norm.*batch_size=1"):
        est.fit(X, y)
