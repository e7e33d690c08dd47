"""Activation objects follow scikit-learn's parameter protocol (like optimizers).

``activation=Tanh()`` or ``activation=LeakyReLU(negative_slope=0.1)`` must
work wherever a name does: fit, clone, get/set_params (nested
``activation__negative_slope``), repr, equality, pickling and grid search.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import (
    check_dont_overwrite_parameters,
    check_estimators_overwrite_params,
    check_estimators_pickle,
    check_fit_idempotent,
    check_get_params_invariance,
    check_set_params,
)

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._registry import ACTIVATIONS
from sklreg.activations import LeakyReLU, Tanh


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


FAST = dict(hidden_layer_sizes=(5,), max_iter=15, random_state=0)


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_every_activation_is_a_parameter_object(name):
    act = ACTIVATIONS[name]()
    assert isinstance(act, BaseEstimator)
    copy = clone(act)
    assert copy is not act and copy == act and hash(copy) == hash(act)
    assert pickle.loads(pickle.dumps(act)) == act
    assert repr(act) == f"{type(act).__name__}()"


def test_equality_repr_and_nested_params():
    assert Tanh() == Tanh() and Tanh() != LeakyReLU()
    assert LeakyReLU(negative_slope=0.1) == LeakyReLU(negative_slope=0.1)
    assert LeakyReLU(negative_slope=0.1) != LeakyReLU()
    assert Tanh() != "tanh"
    assert len({Tanh(), Tanh(), LeakyReLU(), LeakyReLU(0.2)}) == 3
    assert repr(LeakyReLU(negative_slope=0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert LeakyReLU().get_params() == {"negative_slope": 0.01}
    est = MLPRegularizedClassifier(activation=LeakyReLU(negative_slope=0.2))
    assert "activation=LeakyReLU(negative_slope=0.2)" in repr(est)
    assert est.get_params()["activation__negative_slope"] == 0.2


def test_clone_and_fit_do_not_share_or_mutate_the_object(data):
    X, y = data
    act = LeakyReLU(negative_slope=0.3)
    est = MLPRegularizedClassifier(activation=act, **FAST)
    copy = clone(est)
    assert copy.activation is not act and copy.activation == act
    _fit(est, X, y)
    assert est.activation is act and act.get_params() == {"negative_slope": 0.3}
    assert set(est.predict(X)) <= set(y)


def test_instance_and_name_give_the_same_model(data):
    X, y = data
    by_name = _fit(MLPRegularizedClassifier(activation="tanh", **FAST), X, y)
    by_obj = _fit(MLPRegularizedClassifier(activation=Tanh(), **FAST), X, y)
    np.testing.assert_allclose(by_obj.predict_proba(X), by_name.predict_proba(X), rtol=1e-12)


def test_nested_set_params_changes_the_slope(data):
    X, y = data
    est = MLPRegularizedClassifier(activation=LeakyReLU(), **FAST)
    est.set_params(activation__negative_slope=0.0)
    assert est.activation.negative_slope == 0.0
    relu = _fit(MLPRegularizedClassifier(activation="relu", **FAST), X, y)
    leaky0 = _fit(est, X, y)  # slope 0 is the ReLU
    np.testing.assert_allclose(leaky0.predict_proba(X), relu.predict_proba(X), rtol=1e-12)
    leaky = _fit(clone(est).set_params(activation__negative_slope=0.5), X, y)
    assert not np.allclose(leaky.predict_proba(X), relu.predict_proba(X))


@pytest.mark.parametrize("slope", [0.0, 0.3, 1.0, 2.5])
def test_leaky_relu_values_and_derivatives(slope):
    z = np.array([-2.0, -0.5, 0.5, 3.0])
    act = LeakyReLU(negative_slope=slope)
    a = act.forward(z.copy())
    np.testing.assert_allclose(a, np.where(z > 0, z, slope * z))
    d = np.where(z > 0, 1.0, slope)
    np.testing.assert_allclose(act.backward(np.ones_like(z), a), d)
    np.testing.assert_allclose(act.derivatives(a)[0], d)


@pytest.mark.parametrize("slope", [-0.1, np.nan, "0.1"])
def test_invalid_slope_names_the_parameter(data, slope):
    X, y = data
    with pytest.raises(ValueError, match="'negative_slope' parameter of LeakyReLU"):
        MLPRegularizedClassifier(activation=LeakyReLU(negative_slope=slope), **FAST).fit(X, y)


def test_unknown_name_invites_an_instance(data):
    X, y = data
    with pytest.raises(ValueError, match="or an instance of Activation.*'tanh'"):
        MLPRegularizedClassifier(activation="tahn", **FAST).fit(X, y)


def test_pickle_round_trip_of_a_fitted_model(data):
    X, y = data
    est = _fit(MLPRegularizedRegressor(activation=LeakyReLU(negative_slope=0.2), **FAST),
               X, y.astype(float))
    back = pickle.loads(pickle.dumps(est))
    assert back.activation == est.activation
    np.testing.assert_array_equal(back.predict(X), est.predict(X))


def test_grid_search_over_instances_and_names(data):
    X, y = data
    grid = {"activation": [Tanh(), "relu", LeakyReLU(negative_slope=0.2)]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gs = GridSearchCV(MLPRegularizedClassifier(**FAST), grid, cv=2).fit(X, y)
    assert list(gs.cv_results_["param_activation"]) == grid["activation"]
    assert np.all(np.isfinite(gs.cv_results_["mean_test_score"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gs = GridSearchCV(
            MLPRegularizedClassifier(activation=LeakyReLU(), **FAST),
            {"activation__negative_slope": [0.0, 0.1]}, cv=2,
        ).fit(X, y)
    assert gs.best_estimator_.activation.negative_slope in (0.0, 0.1)


@pytest.mark.parametrize(
    "check",
    [check_get_params_invariance, check_set_params, check_estimators_pickle,
     check_dont_overwrite_parameters, check_estimators_overwrite_params, check_fit_idempotent],
    ids=lambda c: c.__name__,
)
def test_sklearn_parameter_checks_with_an_activation_instance(check):
    est = MLPRegularizedClassifier(activation=LeakyReLU(negative_slope=0.1), **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(type(est).__name__, est)
