"""Trustworthy by default: the linear baselines and the bagging ensembles.

* NaN / None / inf in y are rejected with scikit-learn's error and wording;
* a fit that raises leaves the estimator as it was (unfitted after a failed
  first fit, the previous model after a failed refit);
* BaggingNetClassifier copes with rare classes (no single-class member);
* invalid ``class_weight`` of the members surfaces unchanged from the ensemble.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Lasso, Ridge
from sklearn.utils.validation import check_is_fitted

from sklreg import (
    BaggingNetClassifier,
    BaggingNetRegressor,
    MLPRegularizedClassifier,
    MLPRegularizedRegressor,
)
from sklreg.linear import LassoBaseline, RidgeClosedForm, RidgeClosedFormClassifier

TINY = dict(hidden_layer_sizes=(4,), max_iter=15, learning_rate=0.01)
LINEAR = [RidgeClosedForm, RidgeClosedFormClassifier, LassoBaseline]

pytestmark = pytest.mark.filterwarnings("ignore:Some inputs do not have OOB scores")


def _data(n=30, p=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    return X, (X[:, 0] > 0).astype(int)


class _FailingClassifier(ClassifierMixin, BaseEstimator):
    """A member whose fit always raises."""

    def fit(self, X, y):
        raise RuntimeError("member fit failed on purpose")


# ------------------------------------------------------------ NaN/None/inf in y
@pytest.mark.parametrize("Est", [RidgeClosedForm, LassoBaseline])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_linear_regressors_reject_nonfinite_y_like_sklearn(Est, bad):
    X, y = _data()
    y = y.astype(float)
    y[3] = bad
    ref = Ridge if Est is RidgeClosedForm else Lasso
    with pytest.raises(ValueError) as expected:
        ref().fit(X, y)
    with pytest.raises(ValueError) as got:
        Est().fit(X, y)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("Est", [RidgeClosedForm, LassoBaseline])
def test_linear_regressors_reject_none_in_y(Est):
    X, y = _data()
    y = y.astype(object)
    y[3] = None
    with pytest.raises(ValueError, match="Input y contains NaN"):
        Est().fit(X, y)


def test_ridge_rejects_nan_in_one_target_column():
    X, y = _data()
    Y = np.c_[y, y].astype(float)
    Y[5, 1] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        RidgeClosedForm().fit(X, Y)


@pytest.mark.parametrize("bad", [np.nan, None])
def test_ridge_classifier_rejects_missing_labels(bad):
    X, y = _data()
    y = y.astype(object)
    y[3] = bad
    # object y: scikit-learn's own check says "Input contains NaN" for a float NaN
    with pytest.raises(ValueError, match="contains (NaN|None)"):
        RidgeClosedFormClassifier().fit(X, y)


def test_bagging_rejects_missing_targets():
    X, y = _data()
    yr = y.astype(object)
    yr[3] = None
    with pytest.raises(ValueError, match="Input y contains NaN"):
        BaggingNetRegressor(MLPRegularizedRegressor(**TINY), n_estimators=2).fit(X, yr)
    with pytest.raises(ValueError, match="Input y contains None"):
        BaggingNetClassifier(MLPRegularizedClassifier(**TINY), n_estimators=2).fit(X, yr)


# ------------------------------------------------ failed fit leaves it unchanged
def _linear_failures(Est):
    X, y = _data()
    y_nan = y.astype(float)
    y_nan[0] = np.nan
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    return {
        "bad alpha": (clone(Est()).set_params(alpha=-1.0), X, y, {}),
        "nan y": (Est(), X, y_nan, {}),
        "nan X": (Est(), X_nan, y, {}),
        "bad sample_weight": (Est(), X, y, {"sample_weight": np.ones(4)}),
        "wider X, nan y": (Est(), np.c_[X, X], y_nan, {}),
    }


@pytest.mark.parametrize("Est", LINEAR)
@pytest.mark.parametrize(
    "case", ["bad alpha", "nan y", "nan X", "bad sample_weight", "wider X, nan y"]
)
def test_linear_failed_first_fit_leaves_estimator_unfitted(Est, case):
    est, X, y, kw = _linear_failures(Est)[case]
    with pytest.raises(ValueError):
        est.fit(X, y, **kw)
    assert not hasattr(est, "n_features_in_")
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError):
        est.predict(X[:, :3])


@pytest.mark.parametrize("Est", LINEAR)
@pytest.mark.parametrize(
    "case", ["bad alpha", "nan y", "nan X", "bad sample_weight", "wider X, nan y"]
)
def test_linear_failed_refit_keeps_previous_model(Est, case):
    X, y = _data()
    est = Est(alpha=0.1).fit(X, y)
    before = est.predict(X)
    state = {k: v for k, v in vars(est).items() if k.endswith("_")}
    bad_est, X_bad, y_bad, kw = _linear_failures(Est)[case]
    est.set_params(**bad_est.get_params())
    with pytest.raises(ValueError):
        est.fit(X_bad, y_bad, **kw)
    assert {k for k in vars(est) if k.endswith("_")} == set(state)
    for k, v in state.items():
        assert_array_equal(getattr(est, k), v)
    assert est.n_features_in_ == X.shape[1]
    assert_array_equal(est.predict(X), before)


def test_ridge_cholesky_failure_keeps_previous_model():
    X, y = _data()
    est = RidgeClosedForm(alpha=0.1).fit(X, y)
    before = est.predict(X)
    est.set_params(alpha=0.0, solver="cholesky")
    with pytest.raises(np.linalg.LinAlgError):
        est.fit(np.c_[X, X], y)  # rank-deficient with alpha=0
    assert est.solver_ == "cholesky" and est.n_features_in_ == 3
    assert_array_equal(est.predict(X), before)


def test_failed_refit_keeps_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = _data()
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    est = RidgeClosedForm().fit(df, y)
    with pytest.raises(ValueError):
        est.fit(X, np.full(len(y), np.nan))
    assert_array_equal(est.feature_names_in_, ["a", "b", "c"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        est.predict(df)


def _bagging_failures():
    X, y = _data(40)
    y_nan = y.astype(float)
    y_nan[0] = np.nan
    return {
        "bad n_estimators": (dict(n_estimators=0), X, y),
        "nan y": ({}, X, y_nan),
        "member fails": (dict(estimator=_FailingClassifier()), X, y),
        "wider X, one class": ({}, np.c_[X, X], np.zeros_like(y)),
    }


BAGGING_CASES = ["bad n_estimators", "nan y", "member fails", "wider X, one class"]


@pytest.mark.parametrize("case", BAGGING_CASES)
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_bagging_failed_first_fit_leaves_estimator_unfitted(case, n_jobs):
    params, X, y = _bagging_failures()[case]
    est = BaggingNetClassifier(
        MLPRegularizedClassifier(**TINY), n_estimators=2, n_jobs=n_jobs, random_state=0
    ).set_params(**params)
    with pytest.raises((ValueError, RuntimeError)):
        est.fit(X, y)
    assert not hasattr(est, "n_features_in_") and not hasattr(est, "classes_")
    with pytest.raises(NotFittedError):
        est.predict(X[:, :3])


@pytest.mark.parametrize("case", BAGGING_CASES)
def test_bagging_classifier_failed_refit_keeps_previous_model(case):
    X, y = _data(40)
    est = BaggingNetClassifier(
        MLPRegularizedClassifier(**TINY), n_estimators=2, oob_score=True, random_state=0
    ).fit(X, y)
    proba, members, oob = est.predict_proba(X), list(est.estimators_), est.oob_score_
    params, X_bad, y_bad = _bagging_failures()[case]
    est.set_params(**params)
    with pytest.raises((ValueError, RuntimeError)):
        est.fit(X_bad, y_bad)
    assert all(a is b for a, b in zip(est.estimators_, members))
    assert len(est.estimators_) == 2 and est.n_features_in_ == 3
    assert est.oob_score_ == oob
    assert_array_equal(est.predict_proba(X), proba)


def test_bagging_regressor_failed_refit_keeps_previous_model():
    X, y = _data(40)
    y = y.astype(float)
    est = BaggingNetRegressor(
        MLPRegularizedRegressor(**TINY), n_estimators=2, random_state=0
    ).fit(X, y)
    before = est.predict(X)
    y_bad = y.copy()
    y_bad[1] = np.inf
    with pytest.raises(ValueError, match="Input y contains infinity"):
        est.fit(X, y_bad)
    assert_array_equal(est.predict(X), before)
    fresh = BaggingNetRegressor(MLPRegularizedRegressor(**TINY), n_estimators=2)
    with pytest.raises(ValueError):
        fresh.fit(X, y_bad)
    with pytest.raises(NotFittedError):
        fresh.predict(X)


# ------------------------------------------------------------- rare classes
def test_bagging_with_three_positives_in_100_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = np.zeros(100, dtype=int)
    y[:3] = 1
    for seed in range(20):
        b = BaggingNetClassifier(
            MLPRegularizedClassifier(**TINY), n_estimators=5, oob_score=True, random_state=seed
        ).fit(X, y)
        P = b.predict_proba(X)
        assert P.shape == (100, 2) and np.all(np.isfinite(P))
        np.testing.assert_allclose(P.sum(axis=1), 1.0)
        assert np.isfinite(b.oob_score_)
        seen = b.oob_decision_function_[~np.isnan(b.oob_decision_function_).any(axis=1)]
        np.testing.assert_allclose(seen.sum(axis=1), 1.0)
        for m, rows in zip(b.estimators_, b.estimators_samples_):
            assert len(np.unique(y[rows])) == 2
            assert_array_equal(m.classes_, [0, 1])


def test_bagging_redraw_is_reproducible_and_keeps_plain_draws():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 3))
    y = np.zeros(100, dtype=int)
    y[:3] = 1
    kw = dict(n_estimators=60, random_state=3)
    a = BaggingNetClassifier(DummyClassifier(), **kw).fit(X, y)
    b = BaggingNetClassifier(DummyClassifier(), **kw).fit(X, y)
    for ra, rb in zip(a.estimators_samples_, b.estimators_samples_):
        assert_array_equal(ra, rb)
        assert np.any(y[ra] == 1)
    # the same draws as a regressor (no redraw) up to the first single-class draw
    r = BaggingNetRegressor(DummyRegressor(), **kw).fit(X, y)
    first_bad = next(i for i, rows in enumerate(r.estimators_samples_) if not y[rows].any())
    for i in range(first_bad):
        assert_array_equal(a.estimators_samples_[i], r.estimators_samples_[i])


def test_bagging_multiclass_with_a_rare_string_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.array(["a"] * 29 + ["b"] * 29 + ["c"] * 2)
    b = BaggingNetClassifier(
        MLPRegularizedClassifier(**TINY), n_estimators=8, max_samples=0.5, oob_score=True,
        random_state=0,
    ).fit(X, y)
    assert_array_equal(b.classes_, ["a", "b", "c"])
    P = b.predict_proba(X)
    assert P.shape == (60, 3) and np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert set(b.predict(X)) <= {"a", "b", "c"}
    lacking = [m for m in b.estimators_ if "c" not in m.classes_]
    assert lacking, "expected some member's resample to miss the rare class"
    for m in b.estimators_:
        assert set(m.classes_) <= {"a", "b", "c"} and len(m.classes_) >= 2
    assert np.isfinite(b.oob_score_)


def test_bagging_max_samples_too_small_for_two_classes():
    X, y = _data()
    est = BaggingNetClassifier(MLPRegularizedClassifier(**TINY), max_samples=1)
    with pytest.raises(ValueError, match="max_samples=1 .*increase max_samples"):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        est.predict(X)


def test_member_class_weight_keyed_by_original_labels():
    X, y = _data(40)
    labels = np.where(y == 1, "spam", "ham")
    b = BaggingNetClassifier(
        MLPRegularizedClassifier(class_weight={"ham": 1.0, "spam": 5.0}, **TINY),
        n_estimators=2, random_state=0,
    ).fit(X, labels)
    assert_array_equal(b.estimators_[0].classes_, ["ham", "spam"])
    assert set(b.predict(X)) <= {"ham", "spam"}


# --------------------------------------------- class_weight through bagging
# The member (MLPRegularizedClassifier, sklreg/mlp.py) rejects all-zero, negative
# and NaN class weights; the ensemble must re-raise that ValueError unchanged.
@pytest.mark.parametrize("cw", [{0: 0, 1: 0}, {0: -1.0, 1: 1.0}, {0: np.nan, 1: 1.0}])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_invalid_member_class_weight_propagates(cw, n_jobs):
    X, y = _data(40)
    est = BaggingNetClassifier(
        MLPRegularizedClassifier(class_weight=cw, **TINY), n_estimators=2, n_jobs=n_jobs,
        random_state=0,
    )
    with pytest.raises(ValueError, match="class_weight"):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        est.predict(X)
