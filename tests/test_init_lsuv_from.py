"""Data-driven initial scale (``init='lsuv'``) and initialization by learning
(``init_from``), book 8.4."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg.initializers import LSUV

X, y = make_classification(300, 10, n_informative=6, random_state=0)
X_OFF = 5.0 * X + 3.0  # badly scaled inputs: fan-in rules get the first layer wrong
#: a fit that leaves the initial parameters in place (up to ~1e-12)
FROZEN = dict(optimizer="sgd", learning_rate=1e-12, max_iter=1, random_state=0)


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(*args, **kwargs)


def _pre_activation_variances(est, X):
    act = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}[est.activation]
    h, out = X, []
    for W, b in zip(est.coefs_[:-1], est.intercepts_[:-1]):
        z = h @ W + b
        out.append(float(z.var()))
        h = act(z)
    return np.array(out)


# ------------------------------------------------------------------ LSUV
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_lsuv_gives_unit_pre_activation_variance(activation):
    kw = dict(hidden_layer_sizes=(32,) * 5, activation=activation, **FROZEN)
    est = _fit(MLPRegularizedClassifier(init="lsuv", **kw), X_OFF, y)  # 300 rows <= 500
    v = _pre_activation_variances(est, X_OFF)
    assert np.all(np.abs(v - 1.0) < 0.1), v
    plain = _pre_activation_variances(_fit(MLPRegularizedClassifier(init="orthogonal", **kw),
                                           X_OFF, y), X_OFF)
    assert plain[0] > 10.0  # what LSUV corrected


def test_lsuv_on_a_subsample_and_its_knobs():
    init = LSUV(batch_size=100, tol=0.01, max_iter=5)
    est = _fit(MLPRegularizedRegressor(hidden_layer_sizes=(24, 24), activation="tanh",
                                       init=init, **FROZEN), X_OFF, X[:, 0])
    v = _pre_activation_variances(est, X_OFF)
    assert np.all(np.abs(v - 1.0) < 0.4), v  # measured on 100 of the 300 rows
    assert init.get_params() == {"batch_size": 100, "tol": 0.01, "max_iter": 5}  # not mutated


def test_lsuv_leaves_the_output_layer_orthogonal():
    est = _fit(MLPRegularizedClassifier(hidden_layer_sizes=(8,), init="lsuv", **FROZEN),
               X_OFF, y)
    W = est.coefs_[-1]  # (8, 1): orthonormal column
    assert abs(float(W[:, 0] @ W[:, 0]) - 1.0) < 1e-6


def test_lsuv_is_seeded_by_random_state():
    kw = dict(hidden_layer_sizes=(16, 16), init=LSUV(batch_size=50), optimizer="sgd",
              learning_rate=1e-12, max_iter=1)
    a = _fit(MLPRegularizedClassifier(random_state=3, **kw), X_OFF, y)
    b = _fit(MLPRegularizedClassifier(random_state=3, **kw), X_OFF, y)
    c = _fit(MLPRegularizedClassifier(random_state=4, **kw), X_OFF, y)
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(Wa, Wb)
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


def test_lsuv_with_dropout_and_batch_norm_measures_the_inference_network():
    kw = dict(hidden_layer_sizes=(32, 32), activation="relu", init="lsuv", **FROZEN)
    est = _fit(MLPRegularizedClassifier(dropout=0.5, **kw), X_OFF, y)
    v = _pre_activation_variances(est, X_OFF)
    assert np.all(np.abs(v - 1.0) < 0.1), v  # inverted dropout: no rescaling at inference
    bn = _fit(MLPRegularizedClassifier(batch_norm=True, **kw), X_OFF, y)
    z = X_OFF @ bn.coefs_[0] + bn.intercepts_[0]  # before the first batch-norm layer
    assert abs(z.var() - 1.0) < 0.1


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_deep_net_trains_from_lsuv(activation):
    kw = dict(hidden_layer_sizes=(32,) * 6, activation=activation, max_iter=30,
              random_state=0)
    est = _fit(MLPRegularizedClassifier(init="lsuv", **kw), X_OFF, y)
    assert est.score(X_OFF, y) > 0.9
    assert est.loss_curve_[-1] < 0.5 * est.loss_curve_[0]


def test_deep_tanh_net_starts_faster_than_with_a_vanishing_init():
    # tanh with small orthogonal weights: the signal vanishes layer by layer
    kw = dict(hidden_layer_sizes=(32,) * 8, activation="tanh", optimizer="sgd",
              learning_rate=0.05, max_iter=15, random_state=0)
    lsuv = _fit(MLPRegularizedClassifier(init="lsuv", **kw), X, y)
    small = _fit(MLPRegularizedClassifier(init="orthogonal", **kw).set_params(
        init__gain=0.5), X, y)
    assert lsuv.loss_curve_[-1] < 0.7 * small.loss_curve_[-1]


def test_lsuv_zero_variance_layer_warns():
    Z = np.zeros((20, 3))
    with pytest.warns(UserWarning, match="zero variance"):
        MLPRegularizedClassifier(hidden_layer_sizes=(4,), init="lsuv", **FROZEN).fit(
            Z, np.arange(20) % 2)


def test_lsuv_bad_knob_and_pretraining_are_refused():
    with pytest.raises(ValueError, match="tol"):
        MLPRegularizedClassifier(init=LSUV(tol=0.0), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="pretraining"):
        MLPRegularizedClassifier(hidden_layer_sizes=(4, 4), init="lsuv",
                                 pretraining="greedy").fit(X, y)


def test_lsuv_rescales_again_for_algorithm_7_2():
    kw = dict(hidden_layer_sizes=(32, 32), activation="tanh", init="lsuv", optimizer="sgd",
              learning_rate=1e-12, max_iter=3, random_state=0, early_stopping=True,
              early_stopping_refit="retrain")
    est = _fit(MLPRegularizedClassifier(**kw), X_OFF, y)
    assert np.all(np.abs(_pre_activation_variances(est, X_OFF) - 1.0) < 0.3)


# ------------------------------------------------------------- init_from
SOURCE = dict(hidden_layer_sizes=(12, 8), max_iter=60, random_state=1)


@pytest.fixture(scope="module")
def source():
    return _fit(MLPRegularizedClassifier(**SOURCE), X, y)


def test_init_from_a_fitted_model_predicts_as_it(source):
    est = _fit(MLPRegularizedClassifier(hidden_layer_sizes=(12, 8), init_from=source,
                                        **FROZEN), X, y)
    np.testing.assert_allclose(est.predict_proba(X), source.predict_proba(X), atol=1e-6)
    for W, W0 in zip(est.coefs_ + est.intercepts_, source.coefs_ + source.intercepts_):
        np.testing.assert_allclose(W, W0, atol=1e-8)
    scratch = _fit(MLPRegularizedClassifier(hidden_layer_sizes=(12, 8), **FROZEN), X, y)
    assert np.abs(scratch.predict_proba(X) - source.predict_proba(X)).max() > 0.05


def test_init_from_arrays_survive_clone_and_grid_search(source):
    arrays = [source.coefs_, source.intercepts_]
    est = MLPRegularizedClassifier(hidden_layer_sizes=(12, 8), init_from=arrays, **FROZEN)
    twin = _fit(clone(est), X, y)
    np.testing.assert_allclose(twin.predict_proba(X), source.predict_proba(X), atol=1e-6)
    search = GridSearchCV(est, {"alpha": [1e-4, 1e-3]}, cv=2)
    _fit(search, X, y)
    assert search.best_score_ > 0.8  # every candidate started from the source model


def test_init_from_a_cloned_estimator_says_what_to_pass(source):
    est = clone(MLPRegularizedClassifier(hidden_layer_sizes=(12, 8), init_from=source))
    with pytest.raises(ValueError,
                       match=r"(?s)init_from.*not fitted.*est\.coefs_, est\.intercepts_"):
        est.fit(X, y)


def test_init_from_shape_mismatch_names_both_shapes(source):
    est = MLPRegularizedClassifier(hidden_layer_sizes=(12, 9), init_from=source, max_iter=1)
    with pytest.raises(ValueError, match=r"init_from") as exc:
        est.fit(X, y)
    msg = str(exc.value)
    assert "(12, 8)" in msg and "(12, 9)" in msg
    with pytest.raises(ValueError, match="init_from"):  # 10 features expected, 9 given
        MLPRegularizedClassifier(hidden_layer_sizes=(12, 8), init_from=source).fit(X[:, 1:], y)


@pytest.mark.parametrize("bad", ["<not valid>", [[np.ones((2, 2))]], [[np.ones(3)], [np.ones(3)]],
                                 [[np.full((10, 1), np.nan)], [np.zeros(1)]]])
def test_init_from_bad_values(bad):
    with pytest.raises(ValueError, match="init_from"):
        MLPRegularizedClassifier(hidden_layer_sizes=(), init_from=bad, max_iter=1).fit(X, y)


def test_init_from_is_used_by_the_first_fit_only(source):
    est = MLPRegularizedClassifier(hidden_layer_sizes=(12, 8), init_from=source,
                                   learning_rate=0.05, max_iter=10, random_state=0)
    _fit(est, X, y)
    trained = [W.copy() for W in est.coefs_]
    assert not np.allclose(trained[0], source.coefs_[0], atol=1e-3)
    est.set_params(warm_start=True, optimizer="sgd", learning_rate=1e-12, max_iter=1)
    _fit(est, X, y)  # continues from the trained model, not from init_from
    np.testing.assert_allclose(est.coefs_[0], trained[0], atol=1e-8)
    pf = MLPRegularizedClassifier(hidden_layer_sizes=(12, 8), init_from=source, **FROZEN)
    pf.partial_fit(X, y, classes=[0, 1])  # the first partial_fit starts from it
    np.testing.assert_allclose(pf.coefs_[0], source.coefs_[0], atol=1e-8)


def test_init_from_restarts_algorithm_7_2(source):
    est = _fit(MLPRegularizedClassifier(
        hidden_layer_sizes=(12, 8), init_from=source, optimizer="sgd", learning_rate=1e-12,
        max_iter=3, random_state=0, early_stopping=True, early_stopping_refit="retrain",
    ), X, y)
    np.testing.assert_allclose(est.coefs_[0], source.coefs_[0], atol=1e-8)


def test_init_from_same_layout_copies_batch_norm_parameters():
    src = _fit(MLPRegularizedClassifier(hidden_layer_sizes=(12,), batch_norm=True,
                                        max_iter=40, random_state=1), X, y)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(12,), batch_norm=True,
                                   init_from=src, **FROZEN)
    _fit(est, X, y)
    np.testing.assert_allclose(est._theta, src._theta, atol=1e-8)  # gamma, beta included
    assert np.abs(est.predict_proba(X) - src.predict_proba(X)).max() < 0.02
    other = pickle.loads(pickle.dumps(est))  # the source is not kept: nothing new to pickle
    np.testing.assert_allclose(other.predict_proba(X), est.predict_proba(X))


def test_init_from_list_into_a_float32_model(source):
    X32 = X.astype(np.float32)
    est = _fit(MLPRegularizedClassifier(hidden_layer_sizes=(12, 8),
                                        init_from=[source.coefs_, source.intercepts_],
                                        **FROZEN), X32, y)
    assert est.coefs_[0].dtype == np.float32
    np.testing.assert_allclose(est.predict_proba(X32), source.predict_proba(X), atol=1e-4)


def test_init_from_refuses_pretraining_and_lsuv(source):
    for extra in ({"pretraining": "greedy"}, {"init": "lsuv"}):
        est = MLPRegularizedClassifier(hidden_layer_sizes=(12, 8), init_from=source, **extra)
        with pytest.raises(ValueError, match=f"init_from.*{next(iter(extra.values()))}"):
            est.fit(X, y)


def test_fine_tuning_from_a_related_task_converges_faster():
    rng = np.random.default_rng(0)
    Xr = rng.standard_normal((400, 8))
    w = rng.standard_normal(8)
    w_related = w + 0.3 * rng.standard_normal(8)
    y_a = np.tanh(Xr @ w) + 0.5 * np.sin(2 * Xr[:, 0])
    y_b = np.tanh(Xr @ w_related) + 0.5 * np.sin(2 * Xr[:, 0])
    kw = dict(hidden_layer_sizes=(16, 16), tol=0.0, n_iter_no_change=np.inf)
    task_a = _fit(MLPRegularizedRegressor(max_iter=100, random_state=0, **kw), Xr, y_a)
    scratch = _fit(MLPRegularizedRegressor(max_iter=40, random_state=1, **kw), Xr, y_b)
    tuned = _fit(MLPRegularizedRegressor(max_iter=40, random_state=1, init_from=task_a, **kw),
                 Xr, y_b)
    target = scratch.loss_curve_[-1]  # where 40 epochs from scratch get
    epochs = next(i + 1 for i, v in enumerate(tuned.loss_curve_) if v <= target)
    assert epochs <= 10
    assert tuned.loss_curve_[-1] < 0.7 * target
