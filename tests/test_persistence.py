"""Saving and loading fitted estimators (docs/saving.md): pickle, joblib and
skops.io round trips, the sklreg version recorded in every pickle with its
InconsistentVersionWarning, and the MLP's refusal of a fitted state of another
format.  The skops tests need the optional ``skops`` extra and are skipped
without it; everything else runs with the core dependencies."""

import copy
import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.preprocessing import StandardScaler

import sklreg
from sklreg import (
    BaggingNetClassifier,
    BaggingNetRegressor,
    LassoBaseline,
    MLPRegularizedClassifier,
    MLPRegularizedRegressor,
    RidgeClosedForm,
    RidgeClosedFormClassifier,
)
from sklreg.exceptions import InconsistentVersionWarning
from sklreg.optim import Adam

Xc, yc = make_classification(150, 6, n_informative=4, n_classes=3, random_state=0)
Xr, yr = make_regression(150, 6, noise=1.0, random_state=0)
Xr = StandardScaler().fit_transform(Xr)
yr = (yr - yr.mean()) / yr.std()

#: a few features with fitted state of their own: optimizer moments, batch-norm
#: running statistics, the averaged parameters, the early-stopping record
FEATURES = dict(
    hidden_layer_sizes=(12, 8), max_iter=15, learning_rate=0.01, dropout=0.2,
    batch_norm=True, averaging="polyak", early_stopping=True, n_iter_no_change=3,
    random_state=0,
)
#: the same without early stopping (partial_fit refuses it), to continue training
CONTINUABLE = {k: v for k, v in FEATURES.items() if k not in ("early_stopping",
                                                              "n_iter_no_change")}
MEMBER = dict(hidden_layer_sizes=(8,), max_iter=10, learning_rate=0.01)


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of the short fits
        return est.fit(X, y)


def _fitted(name):
    """A fitted estimator and the X it predicts on."""
    if name == "mlp_classifier":
        est = MLPRegularizedClassifier(**FEATURES, optimizer=Adam(beta_1=0.8))
        return _fit(est, Xc, yc), Xc
    if name == "mlp_regressor":
        est = MLPRegularizedRegressor(**FEATURES, optimizer=Adam(beta_2=0.99))
        return _fit(est, Xr, yr), Xr
    if name == "mlp_float32":
        X32 = Xr.astype(np.float32)
        est = MLPRegularizedRegressor(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
        return _fit(est, X32, yr), X32
    if name == "bagging_classifier":
        est = BaggingNetClassifier(MLPRegularizedClassifier(**MEMBER), n_estimators=2,
                                   random_state=0)
        return _fit(est, Xc, yc), Xc
    if name == "bagging_regressor":
        est = BaggingNetRegressor(MLPRegularizedRegressor(**MEMBER), n_estimators=2,
                                  random_state=0)
        return _fit(est, Xr, yr), Xr
    if name == "ridge":
        return RidgeClosedForm(alpha=0.5).fit(Xr, yr), Xr
    if name == "ridge_classifier":
        return RidgeClosedFormClassifier(alpha=0.5).fit(Xc, yc), Xc
    assert name == "lasso"
    return _fit(LassoBaseline(alpha=0.05), Xr, yr), Xr


ESTIMATORS = ["mlp_classifier", "mlp_regressor", "mlp_float32", "bagging_classifier",
              "bagging_regressor", "ridge", "ridge_classifier", "lasso"]


def _outputs(est, X):
    out = [est.predict(X)]
    if hasattr(est, "predict_proba"):
        out.append(est.predict_proba(X))
    return out


def _assert_same_model(loaded, est, X):
    assert type(loaded) is type(est)
    assert loaded.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    for a, b in zip(_outputs(loaded, X), _outputs(est, X)):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    # the version record is consumed on load, not left as an attribute
    assert "_sklreg_version" not in vars(loaded)


def _joblib_round_trip(est):
    buf = io.BytesIO()
    joblib.dump(est, buf)
    buf.seek(0)
    return joblib.load(buf)


# ------------------------------------------------------------- pickle, joblib
@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("dump_load", [lambda e: pickle.loads(pickle.dumps(e)),
                                       _joblib_round_trip, copy.deepcopy],
                         ids=["pickle", "joblib", "deepcopy"])
def test_round_trip_predicts_the_same_without_warning(name, dump_load):
    est, X = _fitted(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same version: no InconsistentVersionWarning
        loaded = dump_load(est)
    _assert_same_model(loaded, est, X)


def test_float32_model_stays_float32():
    est, X32 = _fitted("mlp_float32")
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded.coefs_[0].dtype == np.float32
    assert loaded.predict(X32).dtype == np.float32
    # the coefs_ views are rebuilt on the loaded flat parameter vector
    assert np.shares_memory(loaded.coefs_[0], loaded._theta)


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("Est, X, y", [(MLPRegularizedClassifier, Xc, yc),
                                        (MLPRegularizedRegressor, Xr, yr)])
def test_loaded_model_continues_training_like_the_original(Est, X, y, how):
    """The optimizer state (Adam's moments, step count) and the generator are
    saved: continuing on the loaded copy takes exactly the original's steps."""
    est = _fit(Est(**CONTINUABLE, optimizer=Adam(beta_1=0.8), warm_start=how == "warm_start"),
               X, y)
    loaded = pickle.loads(pickle.dumps(est))
    for model in (est, loaded):
        if how == "partial_fit":
            model.partial_fit(X, y)
        else:
            _fit(model.set_params(max_iter=3), X, y)
    assert est.t_ > 0 and loaded.t_ == est.t_
    np.testing.assert_array_equal(loaded._theta, est._theta)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


# ------------------------------------------------------------ version warning
class _SavedState:
    """Pickles as an instance of ``cls`` with the given state: the file that
    another release, writing that state, would have produced."""

    def __init__(self, cls, state):
        self.cls, self.state = cls, state

    def __reduce__(self):
        return (object.__new__, (self.cls,), self.state)


def _load_changed_state(est, drop=(), **changes):
    """Unpickle ``est`` from its pickled state with entries changed or dropped."""
    state = est.__getstate__()
    state.update(changes)
    for key in drop:
        del state[key]
    return pickle.loads(pickle.dumps(_SavedState(type(est), state)))


@pytest.mark.parametrize("name", ["mlp_classifier", "bagging_regressor", "ridge", "lasso"])
def test_state_records_the_sklreg_version(name):
    state = _fitted(name)[0].__getstate__()
    assert state["_sklreg_version"] == sklreg.__version__


@pytest.mark.parametrize("name", ["mlp_regressor", "bagging_classifier", "ridge_classifier",
                                  "lasso"])
def test_other_version_warns_and_still_loads(name):
    est, X = _fitted(name)
    with pytest.warns(InconsistentVersionWarning) as record:
        loaded = _load_changed_state(est, _sklreg_version="0.0.1")
    (warning,) = [w.message for w in record if w.category is InconsistentVersionWarning]
    assert warning.estimator_name == type(est).__name__
    assert warning.original_sklreg_version == "0.0.1"
    assert warning.current_sklreg_version == sklreg.__version__
    assert "0.0.1" in str(warning) and type(est).__name__ in str(warning)
    assert isinstance(warning, UserWarning)
    _assert_same_model(loaded, est, X)


def test_unrecorded_version_warns_as_unknown():
    est = _fitted("ridge")[0]
    with pytest.warns(InconsistentVersionWarning, match="unknown"):
        _load_changed_state(est, drop=["_sklreg_version"])


def test_version_warning_through_joblib(monkeypatch):
    est = _fitted("ridge")[0]
    monkeypatch.setattr(sklreg, "__version__", "99.0")  # the release saving the file
    buf = io.BytesIO()
    joblib.dump(est, buf)
    monkeypatch.undo()
    buf.seek(0)
    with pytest.warns(InconsistentVersionWarning, match="99.0"):
        joblib.load(buf)


# ------------------------------------------------------------ format refusal
@pytest.mark.parametrize("stored_format", ["missing", 1, 99])
def test_fitted_mlp_of_another_state_format_is_refused(stored_format):
    est = _fitted("mlp_regressor")[0]
    change = {} if stored_format == "missing" else {"_state_format": stored_format}
    drop = ["_state_format"] if stored_format == "missing" else []
    with pytest.raises(ValueError, match="Refit the model") as excinfo:
        _load_changed_state(est, drop=drop, _sklreg_version="0.0.1", **change)
    message = str(excinfo.value)
    assert "MLPRegularizedRegressor" in message and "0.0.1" in message
    assert f"expected {type(est)._STATE_FORMAT}" in message


def test_unfitted_mlp_has_no_state_format_to_check():
    est = MLPRegularizedClassifier(**FEATURES)
    assert "_state_format" not in est.__getstate__()
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded.get_params() == est.get_params()


# ------------------------------------------------------------------- skops.io
#: modules whose types skops lists as untrusted for an sklreg model: sklreg's own
#: classes, plus any numpy/scikit-learn type skops does not trust by default
TRUSTED_MODULES = {"sklreg", "numpy", "sklearn"}


@pytest.mark.parametrize("name", ESTIMATORS)
def test_skops_round_trip(name, tmp_path):
    sio = pytest.importorskip("skops.io")
    from skops.io.exceptions import UntrustedTypesFoundException

    est, X = _fitted(name)
    path = tmp_path / f"{name}.skops"
    sio.dump(est, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert f"{type(est).__module__}.{type(est).__name__}" in untrusted
    assert {t.split(".")[0] for t in untrusted} <= TRUSTED_MODULES, untrusted
    with pytest.raises(UntrustedTypesFoundException):
        sio.load(path)  # nothing is loaded without trusting the listed types
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = sio.load(path, trusted=untrusted)
    _assert_same_model(loaded, est, X)


def test_skops_loaded_model_continues_training():
    sio = pytest.importorskip("skops.io")
    X = Xr
    est = _fit(MLPRegularizedRegressor(**CONTINUABLE, optimizer=Adam(beta_1=0.8)), X, yr)
    data = sio.dumps(est)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    est.partial_fit(X, yr)
    loaded.partial_fit(X, yr)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_skops_version_warning(monkeypatch):
    sio = pytest.importorskip("skops.io")
    est = _fitted("lasso")[0]
    monkeypatch.setattr(sklreg, "__version__", "99.0")
    data = sio.dumps(est)
    monkeypatch.undo()
    with pytest.warns(InconsistentVersionWarning, match="99.0"):
        sio.loads(data, trusted=sio.get_untrusted_types(data=data))
