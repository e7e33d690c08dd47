"""scikit-learn integration: clone, Pipeline + GridSearchCV over optimizer names,
optimizer instances and nested optimizer knobs, and random_state handling."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg.optim import Adam, Momentum

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
CV = StratifiedKFold(3, shuffle=True, random_state=0)
MLP = dict(hidden_layer_sizes=(8,), max_iter=30, learning_rate=0.01, batch_size=32,
           random_state=0)


def _pipe(**params):
    return Pipeline([("scale", StandardScaler()),
                     ("mlp", MLPRegularizedClassifier(**{**MLP, **params}))])


def _assert_cv_results_match_manual_fits(gs, make_pipe):
    """Each candidate's score is what an independent fit with those params gives,
    so the grid really reached the estimator (scores are deterministic)."""
    for params, score in zip(gs.cv_results_["params"], gs.cv_results_["mean_test_score"]):
        manual = cross_val_score(make_pipe().set_params(**params), X_IRIS, Y_IRIS, cv=CV)
        assert score == pytest.approx(manual.mean(), abs=1e-12), params


def _assert_refit_matches(gs, make_pipe):
    manual = make_pipe().set_params(**gs.best_params_).fit(X_IRIS, Y_IRIS)
    np.testing.assert_array_equal(gs.best_estimator_.predict_proba(X_IRIS),
                                  manual.predict_proba(X_IRIS))


# -------------------------------------------------------------------- clone
def test_clone():
    opt = Adam(beta_2=0.95)
    est = MLPRegularizedClassifier(optimizer=opt, alpha=[0.1, 0.2], **MLP)
    c = clone(est)
    assert c.optimizer is not opt and isinstance(c.optimizer, Adam)
    assert c.optimizer.get_params() == opt.get_params()
    assert c.get_params()["optimizer__beta_2"] == 0.95 and c.alpha == [0.1, 0.2]
    est.fit(X_IRIS, Y_IRIS)
    fitted_clone = clone(est)
    assert not hasattr(fitted_clone, "_theta") and not hasattr(fitted_clone, "coefs_")
    fitted_clone.fit(X_IRIS, Y_IRIS)  # same params + int seed -> same model
    np.testing.assert_array_equal(fitted_clone.predict_proba(X_IRIS), est.predict_proba(X_IRIS))


# ------------------------------------------------------------- grid search
def test_gridsearch_pipeline_optimizer_names_and_alpha():
    grid = {"mlp__optimizer": ["sgd", "adam"], "mlp__alpha": [1e-4, 1.0]}
    gs = GridSearchCV(_pipe(), grid, cv=CV).fit(X_IRIS, Y_IRIS)
    assert len(gs.cv_results_["params"]) == 4
    assert len(set(np.round(gs.cv_results_["mean_test_score"], 12))) > 1
    _assert_cv_results_match_manual_fits(gs, _pipe)
    _assert_refit_matches(gs, _pipe)
    best = gs.best_estimator_[-1]
    assert best.optimizer == gs.best_params_["mlp__optimizer"]
    assert best.optimizer_._registry_name == gs.best_params_["mlp__optimizer"]
    assert gs.best_score_ > 0.8


def test_gridsearch_nested_optimizer_parameter():
    adam = Adam()
    pipe = _pipe(optimizer=adam, learning_rate=0.05)
    grid = {"mlp__optimizer__beta_2": [0.5, 0.999], "mlp__alpha": [1e-4, 1e-2]}
    gs = GridSearchCV(pipe, grid, cv=CV).fit(X_IRIS, Y_IRIS)

    def make():
        return _pipe(optimizer=Adam(), learning_rate=0.05)

    _assert_cv_results_match_manual_fits(gs, make)
    _assert_refit_matches(gs, make)
    best = gs.best_estimator_[-1]
    assert best.optimizer.beta_2 == gs.best_params_["mlp__optimizer__beta_2"]
    assert best.optimizer_.beta_2 == gs.best_params_["mlp__optimizer__beta_2"]
    # beta_2 really changes the fit
    a = make().set_params(mlp__optimizer__beta_2=0.5).fit(X_IRIS, Y_IRIS)[-1]
    b = make().set_params(mlp__optimizer__beta_2=0.999).fit(X_IRIS, Y_IRIS)[-1]
    assert not np.allclose(a.coefs_[0], b.coefs_[0])
    # the user's optimizer object is left alone (cloned, never started)
    assert pipe[-1].optimizer is adam and adam.beta_2 == 0.999
    assert not hasattr(adam, "t_") and not hasattr(adam, "first_moment_")


def test_gridsearch_optimizer_names_and_instances_mixed():
    mom = Momentum(momentum=0.5)
    grid = {"mlp__optimizer": ["sgd", mom, "adam"]}
    gs = GridSearchCV(_pipe(), grid, cv=CV).fit(X_IRIS, Y_IRIS)
    assert list(gs.cv_results_["param_mlp__optimizer"])[0] == "sgd"
    _assert_cv_results_match_manual_fits(gs, _pipe)
    _assert_refit_matches(gs, _pipe)
    assert not hasattr(mom, "velocity_")  # the grid's instance is never started
    # the instance's knob is used: momentum 0.5 differs from the default 0.9
    p05 = _pipe(optimizer=Momentum(momentum=0.5)).fit(X_IRIS, Y_IRIS)[-1]
    p09 = _pipe(optimizer="momentum").fit(X_IRIS, Y_IRIS)[-1]
    assert p05.optimizer_.momentum == 0.5 and p09.optimizer_.momentum == 0.9
    assert not np.allclose(p05.coefs_[0], p09.coefs_[0])


# ------------------------------------------------------------ random_state
def _fit(random_state, **kw):
    params = {**MLP, "random_state": random_state, **kw}
    return MLPRegularizedClassifier(**params).fit(X_IRIS, Y_IRIS)


def test_same_int_seed_same_model_different_seed_different_model():
    a, b, c = _fit(0), _fit(0), _fit(1)
    np.testing.assert_array_equal(a._theta, b._theta)
    np.testing.assert_array_equal(a.predict_proba(X_IRIS), b.predict_proba(X_IRIS))
    assert a.loss_curve_ == b.loss_curve_
    assert not np.allclose(a._theta, c._theta)
    # also with shuffling + the validation split of early stopping
    es = dict(early_stopping=True, n_iter_no_change=3)
    d, e, f = _fit(0, **es), _fit(0, **es), _fit(1, **es)
    np.testing.assert_array_equal(d._theta, e._theta)
    assert d.validation_loss_curve_ == e.validation_loss_curve_
    assert d.validation_loss_curve_ != f.validation_loss_curve_


@pytest.mark.parametrize("kind", ["RandomState", "Generator"])
def test_random_state_instances(kind):
    make = np.random.RandomState if kind == "RandomState" else np.random.default_rng
    a, b, c = _fit(make(3)), _fit(make(3)), _fit(make(4))
    np.testing.assert_array_equal(a._theta, b._theta)
    assert not np.allclose(a._theta, c._theta)
    # a shared instance is consumed: refitting gives a different model
    rs = make(3)
    est = MLPRegularizedClassifier(**{**MLP, "random_state": rs})
    first = est.fit(X_IRIS, Y_IRIS)._theta.copy()
    np.testing.assert_array_equal(first, a._theta)
    assert not np.array_equal(est.fit(X_IRIS, Y_IRIS)._theta, first)
    assert est.random_state is rs


def _global_state_unchanged(fn):
    before = np.random.get_state()
    fn()
    after = np.random.get_state()
    return before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]


@pytest.mark.parametrize(
    "make_rs",
    [lambda: 0, lambda: np.random.RandomState(0), lambda: np.random.default_rng(0)],
    ids=["int", "RandomState", "Generator"],
)
def test_fit_does_not_touch_global_rng(make_rs):
    es = dict(early_stopping=True, n_iter_no_change=3, shuffle=True)
    assert _global_state_unchanged(lambda: _fit(make_rs(), **es))
    assert _global_state_unchanged(
        lambda: MLPRegularizedRegressor(**{**MLP, "random_state": make_rs()}).fit(
            X_IRIS[:, :3], X_IRIS[:, 3]))


def test_fit_with_none_random_state_does_not_touch_global_rng():
    assert _global_state_unchanged(lambda: _fit(None))
