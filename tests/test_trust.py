"""Trust: no silent NaN model, a failed fit changes nothing, Ctrl-C, divergence,
early stopping restores the best epoch, early and clear validation, and the
scikit-learn behaviours a switching user relies on (issue "Trustworthy by
default").  Everything goes through the public API."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedClassifier as CLF
from sklreg import MLPRegularizedRegressor as REG
from sklreg.exceptions import DivergenceWarning
from sklreg.optim import Adam

FAST = dict(hidden_layer_sizes=(8,), max_iter=30, learning_rate=0.01, random_state=0)
FIRST_ORDER = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_nesterov",
               "adam", "adadelta"]

rng = np.random.default_rng(0)
Xc, yc = make_classification(120, 6, n_informative=4, n_classes=3, random_state=0)
Xr, yr = make_regression(120, 6, noise=1.0, random_state=0)
Xr = StandardScaler().fit_transform(Xr)
yr = (yr - yr.mean()) / yr.std()


def _quiet_fit(est, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(*args, **kw)


def _assert_unfitted(est, X):
    with pytest.raises(NotFittedError):
        est.predict(X)


# ------------------------------------------------------ 3. no silent NaN model
@pytest.mark.parametrize("cw", [{0: 0, 1: 0, 2: 0}, {0: -1.0, 1: 1.0, 2: 1.0},
                                {0: np.nan, 1: 1.0, 2: 1.0}])
def test_bad_class_weight_raises_and_names_it(cw):
    est = CLF(**FAST, class_weight=cw)
    with pytest.raises(ValueError, match="class_weight"):
        est.fit(Xc, yc)
    _assert_unfitted(est, Xc)


def test_class_weight_times_sample_weight_all_zero_raises():
    sw = np.where(yc == 0, 1.0, 0.0)
    est = CLF(**FAST, class_weight={0: 0.0, 1: 1.0, 2: 1.0})
    with pytest.raises(ValueError, match="class_weight"):
        est.fit(Xc, yc, sample_weight=sw)
    _assert_unfitted(est, Xc)


@pytest.mark.parametrize("bad", [np.nan, None])
def test_nan_or_none_in_regression_target_raises(bad):
    y = yr.astype(object)
    y[5] = bad
    est = REG(**FAST)
    with pytest.raises(ValueError, match="NaN"):
        est.fit(Xr, y if bad is None else y.astype(float))
    _assert_unfitted(est, Xr)


def test_augment_returning_nan_names_augment():
    def bad_augment(X, y, rng):
        X = X.copy()
        X[0, 0] = np.nan
        return X, y

    est = REG(**FAST, augment=bad_augment)
    with pytest.raises(ValueError, match="augment"):
        est.fit(Xr, yr)
    _assert_unfitted(est, Xr)


@pytest.mark.parametrize("optimizer", FIRST_ORDER)
def test_divergence_never_returns_a_nan_or_exploded_model(optimizer):
    """Book 8.2.4: a learning rate of 1e6 explodes every first-order method.
    fit either raises a ValueError naming learning_rate (and stays unfitted) or
    warns and returns the best parameters seen, which predict sanely."""
    est = REG(hidden_layer_sizes=(8,), max_iter=20, learning_rate=1e6, optimizer=optimizer,
              random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(Xr, yr)
        except ValueError as exc:
            assert "learning_rate" in str(exc) and "clip_norm" in str(exc)
            _assert_unfitted(est, Xr)
            return
    assert any(issubclass(w.category, DivergenceWarning) and "learning_rate" in str(w.message)
               and "clip_norm" in str(w.message) for w in caught)
    pred = est.predict(Xr)
    assert np.all(np.isfinite(pred))
    assert est.score(Xr, yr) > -10.0  # not the R^2 of -5e20 of an exploded model
    assert np.all(np.isfinite(est.loss_curve_))


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_diverging_continuation_keeps_the_good_model(optimizer, how):
    good = REG(hidden_layer_sizes=(8,), max_iter=60, learning_rate=0.01, optimizer=optimizer,
               random_state=0)
    _quiet_fit(good, Xr, yr)
    before = good.predict(Xr)
    good.set_params(learning_rate=1e6, warm_start=True)
    with pytest.warns(DivergenceWarning, match="diverged.*previous model"):
        if how == "warm_start":
            good.fit(Xr, yr)
        else:
            good.partial_fit(Xr, yr)
    np.testing.assert_allclose(good.predict(Xr), before, rtol=0, atol=1e-12)


# -------------------------------------------- 4. a failed fit changes nothing
def _failing_fits():
    """(estimator, fit kwargs) pairs whose fit raises after work has started."""
    def boom(X, y, rng):
        raise RuntimeError("augment failed")

    return [
        (REG(**FAST), dict(X_val=Xr[:10, :3], y_val=yr[:10])),  # bad X_val, found late
        (REG(**FAST, scoring="neg_log_loss", early_stopping=True), {}),
        (REG(**FAST, augment=boom), {}),
        (REG(hidden_layer_sizes=(8,), learning_rate=1e6, optimizer="sgd", max_iter=5,
             random_state=0, batch_size=len(yr)), {}),
    ]


@pytest.mark.parametrize("case", range(4))
def test_failed_first_fit_leaves_estimator_unfitted(case):
    est, kw = _failing_fits()[case]
    with pytest.raises(Exception):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            est.fit(Xr, yr, **kw)
    _assert_unfitted(est, Xr)
    assert not hasattr(est, "coefs_") and not hasattr(est, "n_iter_")


@pytest.mark.parametrize("case", range(3))
def test_failed_refit_keeps_the_previous_model(case):
    est, kw = _failing_fits()[case]
    good = clone(est).set_params(scoring="loss", augment=None)
    _quiet_fit(good, Xr, yr)
    before = pickle.dumps(good)
    pred = good.predict(Xr)
    failing = est.get_params()
    good.set_params(warm_start=True, **{k: failing[k] for k in ("scoring", "augment",
                                                                "early_stopping")})
    with pytest.raises(Exception):
        good.fit(Xr, yr, **kw)
    np.testing.assert_array_equal(good.predict(Xr), pred)
    after = pickle.loads(before)
    assert good.n_iter_ == after.n_iter_ and good.t_ == after.t_
    assert good.loss_curve_ == after.loss_curve_


def test_failed_partial_fit_keeps_the_previous_model():
    est = CLF(**FAST)
    est.partial_fit(Xc, yc, classes=[0, 1, 2])
    pred, t = est.predict_proba(Xc), est.t_
    with pytest.raises(ValueError):
        est.partial_fit(Xc, np.full(len(yc), 7))  # unseen label
    np.testing.assert_array_equal(est.predict_proba(Xc), pred)
    assert est.t_ == t and len(est.loss_curve_) == 1


# ------------------------------------------------------------------ 5. Ctrl-C
def test_keyboard_interrupt_in_an_epoch_stops_cleanly():
    calls = []

    def interrupt_later(X, y, rng):
        calls.append(1)
        if len(calls) == 25:  # inside epoch 5 (6 minibatches per epoch)
            raise KeyboardInterrupt
        return X, y

    est = REG(hidden_layer_sizes=(8,), max_iter=50, batch_size=20, learning_rate=0.01,
              augment=interrupt_later, random_state=0)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        est.fit(Xr, yr)
    assert est.n_iter_ == len(est.loss_curve_) == 4
    assert np.all(np.isfinite(est.predict(Xr)))


def test_keyboard_interrupt_restores_early_stopping_best_and_averages():
    scripted = [0.1, 0.7, 0.3, 0.2]
    snapshots = []

    def scorer(est, X_val, y_val):
        if len(snapshots) == len(scripted):
            raise KeyboardInterrupt
        snapshots.append(est.predict(X_val))
        return scripted[len(snapshots) - 1]

    X_val, y_val = Xr[:20], yr[:20]
    est = REG(hidden_layer_sizes=(8,), max_iter=50, learning_rate=0.01, early_stopping=True,
              n_iter_no_change=10, scoring=scorer, random_state=0, averaging="polyak")
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        est.fit(Xr[20:], yr[20:], X_val=X_val, y_val=y_val)
    assert est.n_iter_ == len(est.loss_curve_) == 5
    assert est.validation_scores_ == scripted
    assert est.best_iteration_ == 2 and est.best_validation_score_ == 0.7
    # the restored parameters are those scored at the best epoch (averaged ones)
    np.testing.assert_allclose(est.predict(X_val), snapshots[1], rtol=0, atol=1e-12)


# ----------------------------------------- 6. early stopping restores the best
@pytest.mark.parametrize("seed", range(10))
def test_early_stopping_restores_the_best_validation_epoch(seed):
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    est = _quiet_fit(REG(hidden_layer_sizes=(20,), early_stopping=True, scoring="r2",
                         random_state=seed, max_iter=100), X, y)
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.validation_scores_[est.best_iteration_ - 1] == est.best_validation_score_


def test_restored_model_scores_its_best_validation_score():
    X_val, y_val = Xr[:30], yr[:30]
    est = _quiet_fit(REG(hidden_layer_sizes=(20,), early_stopping=True, scoring="r2",
                         tol=0.05, n_iter_no_change=3, random_state=0, max_iter=100),
                     Xr[30:], yr[30:], X_val=X_val, y_val=y_val)
    assert est.score(X_val, y_val) == pytest.approx(est.best_validation_score_, abs=1e-12)
    assert est.best_validation_score_ == max(est.validation_scores_)


# ------------------------------------------------------------- 7. validation
@pytest.mark.parametrize("scoring", ["neg_log_loss", "roc_auc"])
def test_classification_scorer_on_regressor_fails_before_training(scoring):
    est = REG(**FAST, early_stopping=True, scoring=scoring)
    with pytest.raises(ValueError, match="scoring"):
        est.fit(Xr, yr)
    _assert_unfitted(est, Xr)


def test_regression_scorer_on_string_labels_and_roc_auc_on_multiclass():
    labels = np.array(["a", "b", "c"])[yc]
    for scoring, y in [("r2", labels), ("roc_auc", yc)]:
        est = CLF(**FAST, early_stopping=True, scoring=scoring)
        with pytest.raises(ValueError, match="scoring"):
            est.fit(Xc, y)
        _assert_unfitted(est, Xc)


def test_n_iter_no_change_inf_is_accepted():
    est = _quiet_fit(REG(**{**FAST, "max_iter": 15}, n_iter_no_change=np.inf, tol=1e9), Xr, yr)
    assert est.n_iter_ == 15  # the plateau rule never fires


def test_warm_start_with_other_classes_raises():
    est = _quiet_fit(CLF(**FAST, warm_start=True), Xc, yc)
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same"):
        est.fit(Xc[yc < 2], yc[yc < 2])
    assert list(est.classes_) == [0, 1, 2]


def test_stratified_split_with_a_singleton_class_raises():
    y = yc.copy()
    y[0] = 3  # a class with one member
    est = CLF(**FAST, early_stopping=True)
    with pytest.raises(ValueError, match="least populated class.*validation_fraction"):
        est.fit(Xc, y)
    _assert_unfitted(est, Xc)


def test_tiny_validation_set_raises():
    est = REG(**FAST, early_stopping=True, validation_fraction=0.01, scoring="r2")
    with pytest.raises(ValueError, match="The validation set is too small"):
        est.fit(Xr[:50], yr[:50])
    with pytest.raises(ValueError, match="The validation set is too small"):
        REG(**FAST, scoring="r2").fit(Xr, yr, X_val=Xr[:1], y_val=yr[:1])


def test_nested_optimizer_parameter_with_a_named_optimizer():
    est = REG(**FAST)  # optimizer='adam' by name
    est.set_params(optimizer__beta_2=0.99)
    assert isinstance(est.optimizer, Adam) and est.optimizer.beta_2 == 0.99
    assert est.get_params()["optimizer__beta_2"] == 0.99
    _quiet_fit(est, Xr, yr)
    assert est.optimizer_.beta_2 == 0.99
    assert clone(est).optimizer.beta_2 == 0.99


# ---------------------------------------------------------------- 8. parity
def test_sklearn_fitted_attributes():
    clf = _quiet_fit(CLF(**FAST), Xc, yc)
    assert clf.n_layers_ == 3 and clf.out_activation_ == "softmax"
    assert clf.loss_ == clf.loss_curve_[-1] and clf.best_loss_ == min(clf.loss_curve_)
    binary = _quiet_fit(CLF(**FAST), Xc, yc > 0)
    assert binary.out_activation_ == "logistic"
    reg = _quiet_fit(REG(**{**FAST, "hidden_layer_sizes": (4, 3)}, early_stopping=True), Xr, yr)
    assert reg.n_layers_ == 4 and reg.out_activation_ == "identity"
    assert reg.best_loss_ is None and reg.loss_ == reg.loss_curve_[-1]


def test_warm_start_n_iter_counts_the_epochs_of_the_call():
    params = dict(hidden_layer_sizes=(8,), learning_rate=0.01, random_state=0, tol=0.0,
                  n_iter_no_change=np.inf, warm_start=True)
    est = _quiet_fit(REG(max_iter=10, **params), Xr, yr)
    t = est.t_
    _quiet_fit(est.set_params(max_iter=20), Xr, yr)
    assert est.n_iter_ == 20  # scikit-learn gives 20, not 30
    assert est.t_ == 3 * t and len(est.loss_curve_) == 30


def test_full_batch_optimizer_ignores_the_minibatch_plateau_rule():
    # tol=1e9 makes the plateau rule fire after n_iter_no_change + 1 epochs;
    # L-BFGS must stop by its own convergence test instead
    est = _quiet_fit(REG(hidden_layer_sizes=(8,), optimizer="lbfgs", tol=1e9,
                         n_iter_no_change=2, max_iter=60, random_state=0), Xr, yr)
    assert est.n_iter_ > 3
    assert est.score(Xr, yr) > 0.95


def test_dataframe_with_early_stopping_and_scorer_warns_nothing():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(Xr, columns=[f"f{i}" for i in range(Xr.shape[1])])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", category=__import__(
            "sklearn.exceptions", fromlist=["ConvergenceWarning"]).ConvergenceWarning)
        REG(**FAST, early_stopping=True, scoring="r2").fit(df, yr)
        REG(**FAST, scoring="r2").fit(df[20:], yr[20:], X_val=df[:20], y_val=yr[:20])


def test_pipeline_transforms_x_val_with_transform_input():
    from sklearn import config_context

    X_raw = Xr * 100.0 + 50.0  # needs scaling
    X_val, y_val = X_raw[:30], yr[:30]
    with config_context(enable_metadata_routing=True):
        mlp = REG(**FAST, scoring="r2").set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline([("scale", StandardScaler()), ("mlp", mlp)], transform_input=["X_val"])
        _quiet_fit(pipe, X_raw[30:], yr[30:], X_val=X_val, y_val=y_val)
    scaled = pipe[:-1].transform(X_val)
    fitted = pipe[-1]
    # the validation scores were computed on the scaled X_val
    assert fitted.validation_scores_[-1] == pytest.approx(fitted.score(scaled, y_val), abs=1e-9)


def test_fitted_model_does_not_carry_training_rows():
    est = _quiet_fit(CLF(**FAST), Xc, yc)
    assert len(yc) not in (30, 8, 6, 3)  # no parameter-sized array has this length
    for name, value in vars(est).items():
        if isinstance(value, np.ndarray) and value.ndim >= 1:
            assert value.shape[0] != len(yc), name


def test_pickle_round_trip_and_old_format_refused():
    est = _quiet_fit(REG(**FAST), Xr, yr)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(Xr), est.predict(Xr))
    state = est.__getstate__()
    del state["_state_format"]  # as pickled by the previous release
    fresh = REG.__new__(REG)
    with pytest.raises(ValueError, match="earlier sklreg release"):
        fresh.__setstate__(state)
    # an unfitted estimator carries no fitted state and always loads
    assert pickle.loads(pickle.dumps(REG(**FAST))).get_params() == REG(**FAST).get_params()
