"""scikit-learn's callback API (sklearn.callback, scikit-learn >= 1.9) on the
sklreg estimators: tasks and subtasks, ScoringMonitor's per-epoch models,
ProgressBar, propagation through Pipeline, GridSearchCV and bagging.

Without sklearn.callback (scikit-learn < 1.9) only the last test runs: the
estimators work and set_callbacks says which version it needs."""

import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_regressor
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklreg import (
    BaggingNetRegressor,
    LassoBaseline,
    MLPRegularizedClassifier,
    MLPRegularizedRegressor,
    RidgeClosedForm,
    RidgeClosedFormClassifier,
)
from sklreg import _sk_callbacks

Xc, yc = make_classification(n_samples=150, n_features=6, random_state=0)
Xr, yr = make_regression(n_samples=150, n_features=6, noise=1.0, random_state=0)
yr = yr / yr.std()
SMALL = dict(hidden_layer_sizes=(8,), learning_rate=0.01, random_state=0,
             n_iter_no_change=1000)  # never stopped by the plateau rule


def _callback_api():
    return pytest.importorskip("sklearn.callback")


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(*args, **kwargs)


def _recorder():
    """A callback keeping (hook, context path, task name, fitted_estimator)."""
    from sklearn.callback._callback_context import get_context_path

    class Recorder:
        def __init__(self):
            self.events = []

        def setup(self, estimator, context):
            self.events.append(("setup", (), context.task_name, None))

        def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
            path = tuple(c.task_id for c in get_context_path(context))
            self.events.append(("begin", path, context.task_name, fitted_estimator))

        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            path = tuple(c.task_id for c in get_context_path(context))
            self.events.append(("end", path, context.task_name, fitted_estimator))

        def teardown(self, estimator, context):
            self.events.append(("teardown", (), context.task_name, None))

        def ends(self, name=None):
            return [e for e in self.events if e[0] == "end" and name in (None, e[2])]

    return Recorder()


def _scores(monitor, name):
    """(task path, score) of every epoch subtask the monitor scored."""
    return [(row["task_id_path"], row[name]) for row in monitor.get_logs().data
            if row["task_name"] == "epoch"]


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_scoring_monitor_scores_the_model_of_every_epoch(optimizer):
    cb = _callback_api()
    monitor = cb.ScoringMonitor(scoring="accuracy")
    est = MLPRegularizedClassifier(**SMALL, max_iter=4, optimizer=optimizer)
    _fit(est.set_callbacks(monitor), Xc, yc)
    scores = _scores(monitor, "accuracy")
    assert [path for path, _ in scores] == [(0, k) for k in range(est.n_iter_)]
    assert len(scores) == len(est.history_)
    for k, (_, score) in enumerate(scores, start=1):  # the model after epoch k
        refit = _fit(MLPRegularizedClassifier(**SMALL, max_iter=k, optimizer=optimizer), Xc, yc)
        assert score == pytest.approx(refit.score(Xc, yc), abs=1e-12)


def test_epoch_models_are_the_averaged_parameters_and_the_fit_is_unchanged():
    """Under averaging the per-epoch model is the average (what predict would
    use); the monitored fit ends with the same model as an unmonitored one."""
    cb = _callback_api()
    rec = _recorder()
    params = dict(SMALL, max_iter=3, averaging="polyak")
    est = _fit(MLPRegularizedRegressor(**params).set_callbacks(rec), Xr, yr)
    plain = _fit(MLPRegularizedRegressor(**params), Xr, yr)
    np.testing.assert_array_equal(est.predict(Xr), plain.predict(Xr))
    epochs = rec.ends("epoch")
    assert [e[1] for e in epochs] == [(0, 0), (0, 1), (0, 2)]
    last = epochs[-1][3]  # the fitted_estimator at the end of the last epoch
    np.testing.assert_allclose(last.predict(Xr), est.predict(Xr), rtol=0, atol=1e-12)
    assert last.n_iter_ == 3 and last is not est
    assert not hasattr(est, "_callback_fit_ctx")  # scikit-learn's teardown ran
    assert clone(est)._skl_callbacks == [rec]  # clone keeps callbacks, as scikit-learn
    assert cb is not None


def test_progress_bar_shows_the_fit_and_its_epochs(capsys):
    cb = _callback_api()
    pytest.importorskip("rich")
    _fit(MLPRegularizedRegressor(**SMALL, max_iter=3).set_callbacks(cb.ProgressBar()), Xr, yr)
    out = capsys.readouterr().out
    assert re.search(r"MLPRegularizedRegressor - fit", out)
    assert "100%" in out and not re.search(r"\b[0-9]{1,2}%", out)


def test_a_callback_can_stop_training():
    _callback_api()

    class StopAfterTwo:
        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context):
            pass

        def on_fit_task_end(self, estimator, context):
            return context.task_name == "epoch" and context.task_id == 1

        def teardown(self, estimator, context):
            pass

    est = _fit(MLPRegularizedRegressor(**SMALL, max_iter=20).set_callbacks(StopAfterTwo()), Xr, yr)
    assert est.n_iter_ == 2 and est.stop_reason_ == "callback"


def test_pipeline_and_grid_search_propagate_to_the_mlp():
    cb = _callback_api()
    rec = _recorder()
    rec.max_propagation_depth = None  # an auto-propagated callback
    pipe = make_pipeline(StandardScaler(), MLPRegularizedRegressor(**SMALL, max_iter=2))
    _fit(pipe.set_callbacks(rec), Xr, yr)
    epochs = rec.ends("epoch")
    assert len(epochs) == 2 and all(len(path) == 3 for _, path, _, _ in epochs)  # pipe/step/epoch
    assert epochs[-1][3].n_iter_ == 2
    search = GridSearchCV(make_pipeline(StandardScaler(), MLPRegularizedRegressor(**SMALL)),
                          {"mlpregularizedregressor__max_iter": [1, 2]}, cv=2)
    rec2 = _recorder()
    rec2.max_propagation_depth = None
    _fit(search.set_callbacks(rec2), Xr, yr)
    # 2 candidates x 2 folds (1 + 2 epochs each), then the refit of the best
    n_refit = search.best_params_["mlpregularizedregressor__max_iter"]
    assert len(rec2.ends("epoch")) == 2 * (1 + 2) + n_refit
    assert cb is not None


def test_bagging_members_are_subtasks_with_their_epochs():
    cb = _callback_api()
    rec = _recorder()
    rec.max_propagation_depth = None
    monitor = cb.ScoringMonitor(scoring="r2")
    bag = BaggingNetRegressor(MLPRegularizedRegressor(**SMALL, max_iter=2), n_estimators=3,
                              random_state=0)
    _fit(bag.set_callbacks(rec, monitor), Xr, yr)
    members = [path for kind, path, name, _ in rec.events if kind == "end" and len(path) == 2]
    assert sorted(members) == [(0, 0), (0, 1), (0, 2)]
    epochs = sorted(path for _, path, _, _ in rec.ends("epoch"))
    assert epochs == [(0, i, k) for i in range(3) for k in range(2)]
    root = [row for row in monitor.get_logs().data if row["task_id_path"] == (0,)]
    assert root[0]["r2"] == pytest.approx(bag.score(Xr, yr))


@pytest.mark.parametrize("est", [RidgeClosedForm(), RidgeClosedFormClassifier()])
def test_ridge_fit_is_one_task(est):
    cb = _callback_api()
    name, X, y = ("r2", Xr, yr) if is_regressor(est) else ("accuracy", Xc, yc)
    monitor = cb.ScoringMonitor(scoring=name)
    est.set_callbacks(monitor).fit(X, y)
    (row,) = monitor.get_logs().data
    assert row["task_name"] == "fit" and row[name] == pytest.approx(est.score(X, y))


def test_lasso_sweeps_are_subtasks():
    cb = _callback_api()
    monitor = cb.ScoringMonitor(scoring="r2")
    X = np.c_[Xr, Xr[:, :2] + 0.1 * np.random.default_rng(0).normal(size=(150, 2))]
    est = LassoBaseline(alpha=0.01).set_callbacks(monitor).fit(X, yr)
    assert est.solver_ == "cd"
    sweeps = [row["r2"] for row in monitor.get_logs().data if row["task_name"] == "sweep"]
    assert len(sweeps) == est.n_iter_
    assert sweeps[-1] == pytest.approx(est.score(X, yr))


def test_failed_fit_keeps_the_callbacks_and_tears_them_down():
    _callback_api()
    rec = _recorder()
    est = MLPRegularizedRegressor(**SMALL, max_iter=2).set_callbacks(rec)
    with pytest.raises(ValueError):
        est.fit(Xr, yr, X_val=Xr[:10, :3], y_val=yr[:10])  # wrong number of features
    assert est._skl_callbacks == [rec] and rec.events[-1][0] == "teardown"
    assert not hasattr(est, "history_")


def test_no_callbacks_no_context():
    """Without callbacks nothing of the API runs (and clones carry none)."""
    est = _fit(MLPRegularizedRegressor(**SMALL, max_iter=2), Xr, yr)
    assert "_skl_callbacks" not in vars(clone(est))
    assert not any(k.startswith("_callback") for k in vars(est))


def test_without_the_callback_api_set_callbacks_names_the_version(monkeypatch):
    """scikit-learn < 1.9: the stand-in mixin's set_callbacks raises an
    ImportError naming the version; fits run without any callback task."""
    stand_in = _sk_callbacks._StandInCallbackSupport
    if not _sk_callbacks.AVAILABLE:
        assert _sk_callbacks.CallbackSupport is stand_in
        with pytest.raises(ImportError, match=r"scikit-learn >= 1\.9"):
            MLPRegularizedRegressor().set_callbacks(object())
    with pytest.raises(ImportError, match=r"set_callbacks needs .*scikit-learn >= 1\.9"):
        stand_in().set_callbacks(object())
    monkeypatch.setattr(_sk_callbacks, "AVAILABLE", False)
    est = MLPRegularizedRegressor(**SMALL, max_iter=2)
    est._skl_callbacks = [object()]  # as if set: ignored without the API
    _fit(est, Xr, yr)
    assert len(est.history_) == 2 and not hasattr(est, "_callback_fit_ctx")
