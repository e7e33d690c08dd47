"""The feature registry drives, for every registered book feature, the checks
that its parameters exist, are documented and validated, and that its
example trains both estimators (issue: one plugin per book feature)."""

import inspect
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._testing import training_objective
from sklreg.features import FEATURES

from _helpers import RTOL_GRAD, fd_rel_error, frozen_loss_grad

ESTIMATORS = [MLPRegularizedClassifier, MLPRegularizedRegressor]
PARAMS = [(f, p) for f in FEATURES for p in f.params]


def _ids(rows):
    return [f"{f.name}-{p.name}" for f, p in rows]


def _skip_other_task(feature, Est):
    """A feature of one task only (label smoothing: classifiers) has no row
    for the other estimator."""
    if not feature.applies_to(Est()):
        pytest.skip(f"{feature.name} is a feature of {feature.tasks} only")


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("feature, param", PARAMS, ids=_ids(PARAMS))
def test_parameter_is_in_the_signature_with_its_default(Est, feature, param):
    _skip_other_task(feature, Est)
    sig = inspect.signature(Est.__init__).parameters
    assert param.name in sig
    assert sig[param.name].default == param.default


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("feature, param", PARAMS, ids=_ids(PARAMS))
def test_parameter_doc_is_the_estimator_doc(Est, feature, param):
    _skip_other_task(feature, Est)
    entry = param.doc.strip("\n")
    assert entry.lstrip().startswith(f"{param.name} :")
    assert entry in Est.__doc__  # assembled from the feature, not written twice


@pytest.mark.parametrize("feature, param", PARAMS, ids=_ids(PARAMS))
def test_invalid_value_is_rejected_naming_the_parameter(feature, param):
    X, y = make_classification(40, 4, random_state=0)
    est = MLPRegularizedClassifier(hidden_layer_sizes=(4, 3), max_iter=2,
                                   **{param.name: "<not valid>"})
    with pytest.raises(ValueError, match=param.name):
        est.fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("feature", FEATURES, ids=[f.name for f in FEATURES])
def test_example_trains(Est, feature):
    _skip_other_task(feature, Est)
    X, y = make_classification(80, 5, random_state=0)
    target = y if Est is MLPRegularizedClassifier else X @ np.arange(5.0)
    params = {"hidden_layer_sizes": (6,), "max_iter": 8, "random_state": 0, **feature.example}
    assert feature.active(Est(**params))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = Est(**params).fit(X, target)
    assert np.all(np.isfinite(est.predict(X)))


def test_minibatch_only_features_are_refused_by_full_batch_optimizers():
    X, y = make_classification(40, 4, random_state=0)
    for feature in FEATURES:
        if not feature.minibatch_only:
            continue
        est = MLPRegularizedClassifier(optimizer="lbfgs", max_iter=2, **feature.example)
        with pytest.raises(ValueError, match=feature.params[0].name):
            est.fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("feature", FEATURES, ids=[f.name for f in FEATURES])
def test_objective_gradient_with_the_feature(Est, feature):
    """float64 finite-difference check of the objective a fit with the
    feature's example minimizes (its terms included), one frozen noise draw."""
    _skip_other_task(feature, Est)
    X, y = make_classification(24, 5, random_state=1)
    target = y if Est is MLPRegularizedClassifier else X @ np.arange(5.0)
    params = {"hidden_layer_sizes": (6,), "max_iter": 2, "random_state": 0,
              "activation": "tanh", **feature.example}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = Est(**params).fit(X, target)
    obj, theta, Xv, Y, w = training_objective(est, X, target)
    err, grad = fd_rel_error(frozen_loss_grad(obj, Xv, Y, w), theta.copy())
    assert np.linalg.norm(grad) > 0
    assert err < RTOL_GRAD
