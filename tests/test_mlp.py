"""Behaviour tests of MLPRegularizedClassifier / MLPRegularizedRegressor.

Quality (digits, ridge limit), dtypes and sparse input, target types,
partial_fit / warm_start, early stopping (Algorithm 7.1), sample and class
weights, gradient clipping, every registered component, initialization of the
biases (book 8.4), pickling, and the error messages of bad input.
"""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

import sklreg.optim
from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._registry import ACTIVATIONS, INITIALIZERS, OPTIMIZERS, SCHEDULES
from sklreg._training import LoopState
from sklreg.callbacks import EarlyStopping
from sklreg.linear import RidgeClosedForm
from sklreg.optim import Adam, StepDecay

CLF, REG = MLPRegularizedClassifier, MLPRegularizedRegressor
SMALL = dict(hidden_layer_sizes=(8,), max_iter=5, batch_size=10, random_state=0)
LEARN = dict(SMALL, max_iter=60, learning_rate=0.02)  # enough to actually fit


def _data(n=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y3 = np.where(X[:, 0] > 0.4, 2, np.where(X[:, 1] > 0, 1, 0))
    y2 = (X[:, 0] + X[:, 2] > 0).astype(int)
    Yml = (X[:, :3] + 0.3 * rng.normal(size=(n, 3)) > 0).astype(int)
    yr = X @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
    Yr = np.column_stack([yr, X[:, 0] - 2 * X[:, 1]])
    return X, y3, y2, Yml, yr, Yr


X, Y3, Y2, YML, YR, YR2 = _data()


# ----------------------------------------------------------------- quality
def test_digits_default_settings_accuracy():
    X_d, y_d = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X_d, y_d, random_state=0)
    sc = StandardScaler().fit(X_tr)
    clf = CLF(random_state=0).fit(sc.transform(X_tr), y_tr)
    assert clf.score(sc.transform(X_te), y_te) >= 0.95


RIDGE_ATOL = 1e-10  # observed ~1e-15 after 300 full-batch epochs (condition number < 10)


@pytest.mark.parametrize("target", ["single", "multi", "weighted"])
def test_no_hidden_layer_regressor_converges_to_ridge(target):
    """hidden_layer_sizes=() + L2 with full-batch gradient descent -> the ridge
    solution (mean-loss scale: RidgeClosedForm(alpha) == Ridge(alpha * n))."""
    rng = np.random.default_rng(1)
    n, d, alpha = 50, 4, 0.1
    Xr = rng.normal(size=(n, d)) + [0.0, 0.5, -0.5, 0.3]
    Y = Xr @ rng.normal(size=(d, 2)) + [0.5, -1.0] + 0.3 * rng.normal(size=(n, 2))
    y = Y if target == "multi" else Y[:, 0]
    sw = rng.uniform(0.2, 2.0, n) if target == "weighted" else None
    # optimal constant step 2 / (L + mu) of the (convex quadratic) objective
    w = np.full(n, 1.0 / n) if sw is None else sw / sw.sum()
    A = np.column_stack([Xr, np.ones(n)])
    H = A.T @ (A * w[:, None]) + alpha * np.diag([1.0] * d + [0.0])
    ev = np.linalg.eigvalsh(H)
    est = REG(
        hidden_layer_sizes=(), activation="tanh", optimizer="sgd",
        learning_rate=2.0 / (ev[0] + ev[-1]), batch_size=n, shuffle=False,
        max_iter=300, tol=0.0, n_iter_no_change=300, alpha=alpha, random_state=0,
    ).fit(Xr, y, sample_weight=sw)

    ridge = RidgeClosedForm(alpha=alpha).fit(Xr, y, sample_weight=sw)
    S = n if sw is None else sw.sum()
    sk = Ridge(alpha=alpha * S).fit(Xr, y, sample_weight=sw)
    coef = est.coefs_[0]  # (d, n_outputs)
    np.testing.assert_allclose(coef, np.reshape(ridge.coef_, (-1, d)).T, atol=RIDGE_ATOL, rtol=0)
    np.testing.assert_allclose(coef, np.reshape(sk.coef_, (-1, d)).T, atol=RIDGE_ATOL, rtol=0)
    np.testing.assert_allclose(est.intercepts_[0], np.ravel(ridge.intercept_), atol=RIDGE_ATOL)
    np.testing.assert_allclose(est.intercepts_[0], np.ravel(sk.intercept_), atol=RIDGE_ATOL)
    np.testing.assert_allclose(est.predict(Xr), sk.predict(Xr), atol=1e-9)


# ------------------------------------------------------ dtypes and sparse
@pytest.mark.parametrize("Est, y", [(CLF, Y3), (REG, YR)], ids=["clf", "reg"])
def test_float32_stays_float32(Est, y):
    est = Est(**SMALL).fit(X.astype(np.float32), y)
    assert est.coefs_[0].dtype == np.float32
    assert est.intercepts_[-1].dtype == np.float32
    out = est.predict_proba(X.astype(np.float32)) if Est is CLF else est.predict(X.astype(np.float32))
    assert out.dtype == np.float32
    est64 = Est(**SMALL).fit(X, y)
    assert est64.coefs_[0].dtype == np.float64
    out64 = est64.predict_proba(X) if Est is CLF else est64.predict(X)
    assert out64.dtype == np.float64


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("Est, y", [(CLF, Y3), (REG, YR2)], ids=["clf", "reg"])
def test_sparse_input_same_model_as_dense(Est, y, fmt):
    Xs = np.where(np.abs(X) < 0.7, 0.0, X)
    params = dict(SMALL, shuffle=True, max_iter=8)
    dense = Est(**params).fit(Xs, y)
    sparse = Est(**params).fit(sp.csr_matrix(Xs).asformat(fmt), y)
    assert dense.n_iter_ == sparse.n_iter_ == 8
    for a, b in zip(dense.coefs_ + dense.intercepts_, sparse.coefs_ + sparse.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
    pd = dense.predict_proba(Xs) if Est is CLF else dense.predict(Xs)
    ps = sparse.predict_proba(sp.csr_matrix(Xs).asformat(fmt)) if Est is CLF else sparse.predict(
        sp.csr_matrix(Xs).asformat(fmt))
    np.testing.assert_allclose(pd, ps, rtol=0, atol=1e-10)


# ------------------------------------------------------------ target types
@pytest.mark.parametrize(
    "labels",
    [np.array([0, 1, 2]), np.array([3, 7, 11]), np.array(["cat", "dog", "eel"])],
    ids=["int", "int_gaps", "str"],
)
def test_multiclass_labels(labels):
    y = labels[Y3]
    est = CLF(**LEARN).fit(X, y)
    np.testing.assert_array_equal(est.classes_, labels)
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba), rtol=1e-10)
    pred = est.predict(X)
    assert pred.shape == (len(X),) and pred.dtype == y.dtype
    np.testing.assert_array_equal(pred, labels[proba.argmax(axis=1)])
    assert est.score(X, y) > 0.8


@pytest.mark.parametrize("labels", [np.array([-1, 1]), np.array(["no", "yes"])], ids=["int", "str"])
def test_binary_labels(labels):
    y = labels[Y2]
    est = CLF(**LEARN).fit(X, y)
    np.testing.assert_array_equal(est.classes_, labels)
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert est.predict_log_proba(X).shape == (len(X), 2)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba), rtol=1e-10)
    np.testing.assert_array_equal(est.predict(X), labels[(proba[:, 1] > 0.5).astype(int)])
    assert est.coefs_[-1].shape == (8, 1)  # one sigmoid unit for two classes
    assert est.score(X, y) > 0.85


def test_multilabel_indicator():
    est = CLF(**LEARN).fit(X, YML)
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), 3)
    assert np.all((proba > 0) & (proba < 1))
    assert not np.allclose(proba.sum(axis=1), 1.0)  # independent sigmoids, not softmax
    pred = est.predict(X)
    assert pred.shape == YML.shape
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(int))
    assert est.predict_log_proba(X).shape == (len(X), 3)
    assert (pred == YML).mean() > 0.8


def test_regression_output_shapes():
    multi = REG(**LEARN).fit(X, YR2)
    assert multi.predict(X).shape == (len(X), 2)
    assert multi.coefs_[-1].shape == (8, 2)
    assert multi.score(X, YR2) > 0.7
    assert REG(**SMALL).fit(X, YR).predict(X).shape == (len(X),)
    assert REG(**SMALL).fit(X, YR[:, None]).predict(X).shape == (len(X), 1)


# ------------------------------------------------- partial_fit, warm_start
def test_partial_fit_classifier_requires_classes_and_rejects_unseen():
    with pytest.raises(ValueError, match="classes"):
        CLF(**SMALL).partial_fit(X, Y3)
    est = CLF(**SMALL).partial_fit(X[:10], Y3[:10], classes=[0, 1, 2, 3])
    np.testing.assert_array_equal(est.classes_, [0, 1, 2, 3])
    assert est.predict_proba(X).shape == (len(X), 4)
    y_bad = Y3.copy()
    y_bad[0] = 5
    with pytest.raises(ValueError, match="5"):
        est.partial_fit(X, y_bad)
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, Y3, classes=[0, 1])


def test_partial_fit_one_epoch_per_call_keeps_optimizer_state():
    """k partial_fit calls == fit(max_iter=k) when training is deterministic
    (full batch, no shuffle): Adam's moments and t survive between calls."""
    params = dict(hidden_layer_sizes=(6,), optimizer="adam", learning_rate=0.01,
                  batch_size=1000, shuffle=False, random_state=0, tol=0.0)
    inc = CLF(**params)
    before = None
    for k in range(1, 4):
        inc.partial_fit(X, Y3, classes=[0, 1, 2])
        # as scikit-learn: n_iter_ counts the epochs of the call, t_ and the
        # loss curve keep counting across calls
        assert inc.n_iter_ == 1 and len(inc.loss_curve_) == k
        if before is not None:
            assert not np.array_equal(before, inc.coefs_[0])
        before = inc.coefs_[0].copy()
    full = CLF(max_iter=3, **params).fit(X, Y3)
    np.testing.assert_allclose(inc._theta, full._theta, rtol=0, atol=1e-13)
    assert inc.optimizer_.t_ == 3

    reg = REG(**params)
    for _ in range(3):
        reg.partial_fit(X, YR)
    np.testing.assert_allclose(reg._theta, REG(max_iter=3, **params).fit(X, YR)._theta,
                               rtol=0, atol=1e-13)


def test_warm_start_continues_and_cold_start_restarts():
    # SGD is stateless, so with full-batch deterministic steps 2 x 3 warm epochs
    # must equal 6 epochs in one fit
    params = dict(hidden_layer_sizes=(6,), optimizer="sgd", learning_rate=0.1,
                  batch_size=1000, shuffle=False, random_state=0, tol=0.0,
                  n_iter_no_change=100)
    warm = CLF(max_iter=3, warm_start=True, **params).fit(X, Y3)
    first = warm._theta.copy()
    warm.fit(X, Y3)
    # n_iter_ counts this call's epochs (scikit-learn); loss_curve_ spans both
    assert warm.n_iter_ == 3 and len(warm.loss_curve_) == 6
    six = CLF(max_iter=6, **params).fit(X, Y3)
    np.testing.assert_allclose(warm._theta, six._theta, rtol=0, atol=1e-13)
    np.testing.assert_allclose(warm.loss_curve_, six.loss_curve_, rtol=1e-12)

    cold = CLF(max_iter=3, warm_start=False, **params).fit(X, Y3)
    np.testing.assert_array_equal(cold._theta, first)
    cold.fit(X, Y3)
    assert cold.n_iter_ == 3 and len(cold.loss_curve_) == 3
    np.testing.assert_array_equal(cold._theta, first)  # same seed: same restart


# --------------------------------------------------------- early stopping
def test_early_stopping_class_algorithm_7_1():
    """T14: scripted validation losses, patience 3, tol 0."""
    seq = [5, 4, 3, 3, 3.5, 2.9, 3.1, 3.2, 3.3, 3.4, 3.5, 3.6]

    def run(patience):
        calls = iter(seq)
        es = EarlyStopping(lambda th: next(calls), None, 0.0, patience)
        state, theta = LoopState(), np.zeros(3)
        es.on_train_begin(state, theta)
        for epoch in range(1, len(seq) + 1):
            theta[:] = epoch  # the parameters "of epoch i"
            state.epoch, state.step = epoch, 10 * epoch
            if es.on_epoch_end(state, theta):
                break
        es.on_train_end(state, theta)
        return es, state, theta

    es, state, theta = run(3)
    assert state.epoch == 9  # exactly 3 non-improvements after the 2.9 epoch
    assert es.best_iteration == 6 and es.best_step == 60
    assert es.best_score == -2.9
    np.testing.assert_array_equal(theta, 6.0)  # theta* restored
    assert es.losses == seq[:9]
    assert es.scores == [-v for v in seq[:9]]

    # a tie is a worsening: with patience 2, 3 (tie) and 3.5 stop the run at epoch 5
    es, state, theta = run(2)
    assert state.epoch == 5
    assert es.best_iteration == 3 and es.best_step == 30
    np.testing.assert_array_equal(theta, 3.0)


def _val_loss(est, X_val, y_val):
    """The validation loss of the library convention, from public predictions:
    mean cross-entropy (classifier) or mean 0.5 ||y - y_hat||^2 (regressor)."""
    if isinstance(est, CLF):
        proba = est.predict_proba(X_val)
        return log_loss(y_val, proba, labels=est.classes_)
    resid = np.reshape(y_val, (len(y_val), -1)) - np.reshape(est.predict(X_val), (len(y_val), -1))
    return 0.5 * float((resid**2).sum(axis=1).mean())


ES = dict(hidden_layer_sizes=(16,), learning_rate=0.05, max_iter=200, batch_size=16,
          early_stopping=True, validation_fraction=0.25, n_iter_no_change=4, tol=0.0,
          random_state=0)


@pytest.mark.parametrize("Est, y", [(CLF, Y3), (REG, YR)], ids=["clf", "reg"])
def test_early_stopping_restores_best_epoch(Est, y):
    est = Est(**ES).fit(X, y)
    curve = est.validation_loss_curve_
    assert len(curve) == est.n_iter_ == len(est.validation_scores_)
    assert est.n_iter_ < 200, "the run should have stopped early"
    best = int(np.argmin(curve))
    assert est.best_iteration_ == best + 1
    assert est.n_iter_ == est.best_iteration_ + est.n_iter_no_change  # exactly p more epochs
    steps_per_epoch = -(-(len(X) - int(np.ceil(0.25 * len(X)))) // 16)
    assert est.best_t_ == est.best_iteration_ * steps_per_epoch
    np.testing.assert_allclose(est.validation_scores_, -np.asarray(curve), rtol=1e-12)
    assert est.best_validation_score_ == pytest.approx(-min(curve), rel=1e-12)

    # the same run monitored through a callable that sees the held-out rows and
    # computes the loss from predictions: same trajectory, and the restored
    # parameters have the minimal validation loss
    held_out = []

    def neg_loss(e, X_val, y_val):
        held_out.append((X_val, y_val))
        return -_val_loss(e, X_val, y_val)

    mirror = Est(**ES, scoring=neg_loss).fit(X, y)
    np.testing.assert_allclose(mirror.validation_scores_, est.validation_scores_, rtol=1e-9)
    np.testing.assert_allclose(mirror.validation_loss_curve_, curve, rtol=1e-9)
    assert mirror.best_iteration_ == est.best_iteration_ and mirror.n_iter_ == est.n_iter_
    np.testing.assert_allclose(mirror._theta, est._theta, rtol=0, atol=1e-12)
    X_val, y_val = held_out[0]
    assert X_val.shape[0] == int(np.ceil(0.25 * len(X)))
    assert _val_loss(est, X_val, y_val) == pytest.approx(min(curve), rel=1e-9)
    assert _val_loss(est, X_val, y_val) < curve[-1]  # not simply the last epoch


def test_early_stopping_accuracy_scoring():
    params = dict(ES, n_iter_no_change=5, max_iter=100)
    est = CLF(**params, scoring="accuracy").fit(X, Y3)
    scores = est.validation_scores_
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len(set(scores)) > 1
    assert est.best_validation_score_ == max(scores)
    assert est.best_iteration_ == int(np.argmax(scores)) + 1  # first maximum (strict >)
    assert len(est.validation_loss_curve_) == len(scores)
    held_out = []

    def acc(e, X_val, y_val):
        held_out.append((X_val, y_val))
        return accuracy_score(y_val, e.predict(X_val))

    mirror = CLF(**params, scoring=acc).fit(X, Y3)
    assert mirror.validation_scores_ == scores
    np.testing.assert_array_equal(mirror._theta, est._theta)
    X_val, y_val = held_out[0]
    assert est.score(X_val, y_val) == est.best_validation_score_


def test_early_stopping_callable_scoring_restores_scripted_best():
    scripted = [0.1, 0.5, 0.9, 0.4, 0.9, 0.3, 0.2, 0.1, 0.0]
    snapshots, seen = [], []

    def scorer(est, X_val, y_val):
        seen.append((X_val.shape, y_val.shape))
        snapshots.append(est._theta.copy())
        return scripted[len(snapshots) - 1]

    est = CLF(hidden_layer_sizes=(4,), max_iter=50, batch_size=10, early_stopping=True,
              n_iter_no_change=3, tol=0.0, scoring=scorer, random_state=0).fit(X, Y3)
    assert est.validation_scores_ == scripted[:6]
    assert est.n_iter_ == 6 and est.best_iteration_ == 3
    np.testing.assert_array_equal(est._theta, snapshots[2])
    assert not np.array_equal(snapshots[2], snapshots[5])
    assert seen[0] == ((6, 5), (6,))  # validation_fraction=0.1 of 60 rows


def test_without_early_stopping_attributes_are_none():
    est = CLF(**SMALL).fit(X, Y3)
    for name in ("validation_scores_", "validation_loss_curve_", "best_validation_score_",
                 "best_iteration_", "best_t_"):
        assert getattr(est, name) is None, name


# ------------------------------------------------------------------ weights
def test_class_weight_balanced_equals_sample_weight():
    y = np.r_[np.zeros(42, int), np.ones(12, int), np.full(6, 2)]
    a = CLF(class_weight="balanced", **SMALL).fit(X, y)
    b = CLF(**SMALL).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    np.testing.assert_allclose(a._theta, b._theta, rtol=0, atol=1e-13)
    # combined with sample_weight: the product
    sw = np.linspace(0.5, 2.0, len(y))
    a = CLF(class_weight="balanced", **SMALL).fit(X, y, sample_weight=sw)
    b = CLF(**SMALL).fit(X, y, sample_weight=sw * compute_sample_weight("balanced", y))
    np.testing.assert_allclose(a._theta, b._theta, rtol=0, atol=1e-13)
    # and it does something
    c = CLF(**SMALL).fit(X, y)
    assert not np.allclose(a._theta, c._theta)


@pytest.mark.parametrize("Est, y", [(CLF, Y3), (REG, YR2)], ids=["clf", "reg"])
def test_zero_sample_weight_equals_dropping_rows(Est, y):
    params = dict(hidden_layer_sizes=(8,), max_iter=10, batch_size=1000, shuffle=False,
                  random_state=0, learning_rate=0.01)
    sw = np.ones(len(X))
    sw[::4] = 0.0
    a = Est(**params).fit(X, y, sample_weight=sw)
    b = Est(**params).fit(X[sw > 0], y[sw > 0])
    np.testing.assert_allclose(a._theta, b._theta, rtol=0, atol=1e-12)


@pytest.mark.parametrize("Est, y", [(CLF, Y3), (REG, YR2)], ids=["clf", "reg"])
def test_sample_weight_scale_invariance(Est, y):
    """Weighted MEAN loss: multiplying all weights by a constant changes nothing
    (even with minibatches and shuffling)."""
    sw = np.random.default_rng(5).uniform(0.1, 2.0, len(X))
    a = Est(**SMALL).fit(X, y, sample_weight=sw)
    b = Est(**SMALL).fit(X, y, sample_weight=37.5 * sw)
    np.testing.assert_allclose(a._theta, b._theta, rtol=0, atol=1e-12)
    c = Est(**SMALL).fit(X, y)  # ... while non-uniform weights do change the model
    assert not np.allclose(a._theta, c._theta)


# ----------------------------------------------------------------- clipping
def _first_update(**clip):
    """The SGD update of one full-batch step, and the raw (unclipped) one."""
    params = dict(hidden_layer_sizes=(8,), optimizer="sgd", batch_size=1000, shuffle=False,
                  max_iter=1, random_state=0)
    y = 100.0 * YR2  # large targets: large gradient
    lr = 10.0
    init = REG(learning_rate=1e-300, **params).fit(X, y)._theta  # update underflows
    raw = REG(learning_rate=lr, **params).fit(X, y)._theta - init
    clipped = REG(learning_rate=lr, **params, **clip).fit(X, y)._theta - init
    return lr, raw, clipped


def test_clip_norm_bounds_first_update():
    lr, raw, clipped = _first_update(clip_norm=0.5)
    assert np.linalg.norm(raw) > 100 * lr * 0.5  # clipping is active in this setup
    assert np.linalg.norm(clipped) == pytest.approx(lr * 0.5, rel=1e-9)
    # the direction is kept
    np.testing.assert_allclose(clipped / np.linalg.norm(clipped), raw / np.linalg.norm(raw),
                               atol=1e-9)


def test_clip_value_bounds_first_update():
    lr, raw, clipped = _first_update(clip_value=0.01)
    assert np.abs(raw).max() > 100 * lr * 0.01
    assert np.abs(clipped).max() == pytest.approx(lr * 0.01, rel=1e-9)
    np.testing.assert_allclose(clipped, np.clip(raw, -lr * 0.01, lr * 0.01), atol=1e-9)


# ----------------------------------------------- every registered component
FIRST_ORDER = [
    name for name in OPTIMIZERS.names()
    if issubclass(OPTIMIZERS[name], sklreg.optim.FirstOrderOptimizer)
]
FIT_LOSS = dict(hidden_layer_sizes=(8,), max_iter=25, batch_size=10, random_state=0,
                tol=0.0, n_iter_no_change=100)


def _assert_trains(est):
    curve = est.loss_curve_
    assert len(curve) == est.max_iter
    assert np.all(np.isfinite(curve))
    assert curve[-1] < 0.95 * curve[0]


def test_registries_are_not_empty():
    assert {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"} <= set(FIRST_ORDER)
    assert "constant" in SCHEDULES.names() and len(SCHEDULES.names()) > 1
    assert "glorot_uniform" in INITIALIZERS.names() and len(INITIALIZERS.names()) > 1


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_every_first_order_optimizer_trains(name):
    est = CLF(optimizer=name, **FIT_LOSS).fit(X, Y3)
    assert type(est.optimizer_) is OPTIMIZERS[name]
    _assert_trains(est)


@pytest.mark.parametrize("name", SCHEDULES.names())
def test_every_schedule_trains(name):
    est = CLF(lr_schedule=name, learning_rate=0.01, **FIT_LOSS).fit(X, Y3)
    assert type(est.lr_schedule_) is SCHEDULES[name]
    _assert_trains(est)


@pytest.mark.parametrize("name", INITIALIZERS.names())
def test_every_initializer_trains(name):
    est = CLF(init=name, learning_rate=0.01, **FIT_LOSS).fit(X, Y3)
    _assert_trains(est)


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_every_activation_trains(name):
    est = REG(activation=name, learning_rate=0.01, **FIT_LOSS).fit(X, YR)
    _assert_trains(est)


# ----------------------------------------------------- initialization (8.4)
TINY_LR = dict(learning_rate=1e-12, max_iter=1, random_state=0)


def test_marginal_output_bias_classifier():
    Z = np.zeros((30, 4))
    y = np.r_[np.zeros(18, int), np.ones(9, int), np.full(3, 2)]
    est = CLF(hidden_layer_sizes=(5,), **TINY_LR).fit(Z, y)
    np.testing.assert_allclose(est.predict_proba(Z), np.tile([0.6, 0.3, 0.1], (30, 1)), atol=1e-9)
    sw = np.random.default_rng(0).uniform(0.1, 2.0, 30)
    est = CLF(hidden_layer_sizes=(5,), **TINY_LR).fit(Z, y, sample_weight=sw)
    freq = [sw[y == k].sum() / sw.sum() for k in range(3)]
    np.testing.assert_allclose(est.predict_proba(Z[:2]), [freq, freq], atol=1e-9)
    # binary: one sigmoid unit
    yb = (y > 0).astype(int)
    est = CLF(hidden_layer_sizes=(5,), **TINY_LR).fit(Z, yb, sample_weight=sw)
    pb = sw[yb == 1].sum() / sw.sum()
    np.testing.assert_allclose(est.predict_proba(Z[:1]), [[1 - pb, pb]], atol=1e-9)
    # multilabel: one frequency per label
    Yml = np.column_stack([y == 0, y == 1, y != 1]).astype(int)
    est = CLF(hidden_layer_sizes=(5,), **TINY_LR).fit(Z, Yml)
    np.testing.assert_allclose(est.predict_proba(Z[:1]), [Yml.mean(axis=0)], atol=1e-9)
    # 'zeros' gives the uniform softmax instead
    est = CLF(hidden_layer_sizes=(5,), output_bias_init="zeros", **TINY_LR).fit(Z, y)
    np.testing.assert_allclose(est.predict_proba(Z[:1]), [[1 / 3] * 3], atol=1e-9)


def test_marginal_output_bias_regressor():
    Z = np.zeros((30, 4))
    rng = np.random.default_rng(1)
    Y = rng.normal(size=(30, 2)) + [3.0, -1.0]
    sw = rng.uniform(0.1, 2.0, 30)
    est = REG(hidden_layer_sizes=(5,), **TINY_LR).fit(Z, Y, sample_weight=sw)
    np.testing.assert_allclose(est.predict(Z[:3]), np.tile(np.average(Y, axis=0, weights=sw), (3, 1)),
                               atol=1e-9)
    est = REG(hidden_layer_sizes=(5,), **TINY_LR).fit(Z, Y[:, 0])
    np.testing.assert_allclose(est.predict(Z[:2]), [Y[:, 0].mean()] * 2, atol=1e-9)


def test_hidden_bias_init():
    est = CLF(hidden_layer_sizes=(5, 3), hidden_bias_init=0.1, **TINY_LR).fit(X, Y3)
    for b in est.intercepts_[:-1]:
        np.testing.assert_allclose(b, 0.1, atol=1e-9)
    est0 = CLF(hidden_layer_sizes=(5, 3), **TINY_LR).fit(X, Y3)
    for b in est0.intercepts_[:-1]:
        np.testing.assert_allclose(b, 0.0, atol=1e-9)


# ----------------------------------------------------------------- pickling
@pytest.mark.parametrize("Est, y", [(CLF, Y3), (REG, YR2)], ids=["clf", "reg"])
def test_pickle_fitted_estimator(Est, y):
    est = Est(**SMALL).fit(X, y)
    loaded = pickle.loads(pickle.dumps(est))
    out = (lambda e: e.predict_proba(X)) if Est is CLF else (lambda e: e.predict(X))
    np.testing.assert_array_equal(out(est), out(loaded))
    np.testing.assert_array_equal(est.predict(X), loaded.predict(X))
    # coefs_/intercepts_ are again views of the flat parameter vector
    for a in loaded.coefs_ + loaded.intercepts_:
        assert np.shares_memory(a, loaded._theta)
    coef0 = loaded.coefs_[0]
    before = coef0.copy()
    loaded.partial_fit(X, y)
    assert not np.array_equal(before, coef0)  # the old view sees the update
    assert loaded.coefs_[0] is coef0 or np.shares_memory(loaded.coefs_[0], loaded._theta)
    np.testing.assert_array_equal(out(est), out(pickle.loads(pickle.dumps(est))))


@pytest.mark.parametrize("optimizer", ["adam", "nesterov", "adadelta"])
def test_pickle_mid_run_resumes_identically(optimizer):
    est = CLF(hidden_layer_sizes=(8,), optimizer=optimizer, batch_size=16, random_state=0)
    for _ in range(3):
        est.partial_fit(X, Y3, classes=[0, 1, 2])
    copy = pickle.loads(pickle.dumps(est))
    for _ in range(3):
        est.partial_fit(X, Y3)
        copy.partial_fit(X, Y3)
    np.testing.assert_array_equal(est._theta, copy._theta)
    assert est.t_ == copy.t_ == 6 * 4
    np.testing.assert_array_equal(est.loss_curve_, copy.loss_curve_)


# ------------------------------------------------------------------- errors
BAD_PARAMS = {
    "alpha": -1,
    "max_iter": 0,
    "batch_size": 0,
    "optimizer": "adamw",
    "activation": "sigmoid",
    "lr_schedule": "cosine",
    "init": "xavier",
    "validation_fraction": 1.5,
    "scoring": "nope",
    "clip_norm": -1,
    "clip_value": 0,
    "hidden_layer_sizes": (0,),
    "learning_rate": 0,
    "output_bias_init": "x",
    "tol": -1.0,
    "n_iter_no_change": 0,
    "shuffle": "yes",
    "early_stopping": "no",
    "warm_start": None,
    "verbose": -1,
    "hidden_bias_init": np.nan,
    "random_state": "seed",
}
BAD_CASES = [(k, v) for k, v in BAD_PARAMS.items()] + [
    ("alpha", [0.1, 0.2, 0.3]),  # wrong number of per-layer values
    ("hidden_layer_sizes", "abc"),
    ("batch_size", "big"),
    ("max_iter", 2.5),
]


@pytest.mark.parametrize("Est, y", [(CLF, Y3), (REG, YR)], ids=["clf", "reg"])
@pytest.mark.parametrize("name, value", BAD_CASES, ids=[f"{k}={v!r}" for k, v in BAD_CASES])
def test_invalid_parameter_raises_with_name(Est, y, name, value):
    est = Est(hidden_layer_sizes=(4,), max_iter=2).set_params(**{name: value})
    with pytest.raises(ValueError, match=name):
        est.fit(X, y)


def test_invalid_class_weight():
    with pytest.raises(ValueError, match="class_weight"):
        CLF(class_weight="bal", max_iter=2).fit(X, Y3)


def test_invalid_optimizer_and_schedule_knobs_name_the_knob():
    with pytest.raises(ValueError, match="beta_2"):
        CLF(optimizer=Adam(beta_2=1.5), max_iter=2).fit(X, Y3)
    with pytest.raises(ValueError, match="step_size"):
        CLF(lr_schedule=StepDecay(step_size=0), max_iter=2).fit(X, Y3)


def test_did_you_mean():
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        CLF(optimizer="adma").fit(X, Y3)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow being reported
def test_non_finite_loss_names_learning_rate():
    rng = np.random.default_rng(0)
    X_big = 1e3 * rng.normal(size=(40, 5))
    with pytest.raises(ValueError, match="learning_rate"):
        REG(hidden_layer_sizes=(8,), optimizer="sgd", learning_rate=1e6, activation="relu",
            max_iter=20, random_state=0).fit(X_big, X_big @ np.ones(5))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_X_raises(bad):
    Xb = X.copy()
    Xb[3, 2] = bad
    with pytest.raises(ValueError):
        CLF(**SMALL).fit(Xb, Y3)
    est = CLF(**SMALL).fit(X, Y3)
    with pytest.raises(ValueError):
        est.predict(Xb)


def test_wrong_n_features_at_predict():
    est = REG(**SMALL).fit(X, YR)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :4])
    with pytest.raises(NotFittedError):
        REG(**SMALL).predict(X)


def test_bad_sample_weight():
    with pytest.raises(ValueError, match="sample_weight"):
        REG(**SMALL).fit(X, YR, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="sample_weight"):
        REG(**SMALL).fit(X, YR, sample_weight=-np.ones(len(X)))
    with pytest.raises(ValueError, match="sample_weight"):
        REG(**SMALL).fit(X, YR, sample_weight=np.zeros(len(X)))


def test_init_stores_params_unchanged():
    opt = Adam(beta_2=0.99)
    sched = StepDecay(step_size=3)
    alpha = [0.1, 0.2]
    hidden = [4]
    cw = {0: 1.0, 1: 2.0, 2: 3.0}
    rs = np.random.RandomState(0)
    est = CLF(hidden_layer_sizes=hidden, optimizer=opt, lr_schedule=sched, alpha=alpha,
              class_weight=cw, random_state=rs, batch_size=7, learning_rate=0.02)
    p = est.get_params(deep=False)
    assert p["optimizer"] is opt and p["lr_schedule"] is sched
    assert p["alpha"] is alpha and p["hidden_layer_sizes"] is hidden
    assert p["class_weight"] is cw and p["random_state"] is rs
    assert p["batch_size"] == 7 and p["learning_rate"] == 0.02
    deep = est.get_params(deep=True)
    assert deep["optimizer__beta_2"] == 0.99 and deep["lr_schedule__step_size"] == 3
    est.fit(X, Y3)
    # fit does not mutate or replace the user's objects
    assert est.optimizer is opt and opt.get_params() == Adam(beta_2=0.99).get_params()
    assert not hasattr(opt, "t_") and est.optimizer_ is not opt
    assert est.alpha is alpha and alpha == [0.1, 0.2] and est.hidden_layer_sizes is hidden
