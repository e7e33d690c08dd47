"""sklreg.inspection.TrainingCurveDisplay: scikit-learn's Display conventions
on an MLP's history_; a missing matplotlib names sklreg's plot extra."""

import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedRegressor, RidgeClosedForm
from sklreg.inspection import TrainingCurveDisplay

X, y = make_regression(n_samples=120, n_features=5, noise=1.0, random_state=0)
y = y / y.std()
SMALL = dict(hidden_layer_sizes=(8,), learning_rate=0.01, random_state=0)


def _scripted(scores):
    it = iter(scores)
    return lambda est, X, y: next(it)


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(*args, **kwargs)


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(scope="module")
def stopped_early():
    """Early stopping with scripted scores: best epoch 2 of 5."""
    est = MLPRegularizedRegressor(**SMALL, max_iter=50, early_stopping=True,
                                  n_iter_no_change=3, scoring=_scripted([0.1, 0.7, 0.3, 0.2, 0.1]))
    return _fit(est, X, y)


def test_from_estimator_plots_losses_and_marks_the_restored_epoch(pyplot, stopped_early):
    disp = TrainingCurveDisplay.from_estimator(stopped_early)
    assert disp.ax_.figure is disp.figure_ and disp.ax2_ is None
    train, val = disp.lines_
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_allclose(train.get_ydata(), stopped_early.loss_curve_)
    np.testing.assert_allclose(val.get_ydata(), stopped_early.validation_loss_curve_)
    assert disp.best_epoch == stopped_early.kept_epoch_ == 2
    assert list(disp.best_line_.get_xdata()) == [2, 2]
    labels = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert labels == ["training loss", "validation loss", "restored epoch 2"]
    assert disp.ax_.get_xlabel() == "epoch"


def test_score_and_both_metrics(pyplot, stopped_early):
    disp = TrainingCurveDisplay.from_estimator(stopped_early, metric="score")
    (score,) = disp.lines_
    np.testing.assert_allclose(score.get_ydata(), [0.1, 0.7, 0.3, 0.2, 0.1])
    both = TrainingCurveDisplay.from_estimator(stopped_early, metric="both")
    assert len(both.lines_) == 3 and both.ax2_ is not None
    assert both.lines_[2].axes is both.ax2_ and both.lines_[0].axes is both.ax_
    assert both.ax2_.get_legend() is not None  # above the twin axis' curve


def test_plot_on_given_axes_from_arrays_with_keywords(pyplot):
    _, ax = pyplot.subplots()
    disp = TrainingCurveDisplay(epochs=[1, 2, 3], loss=[3.0, 2.0, 1.5], val_loss=[3.1, 2.5, 2.6],
                                best_epoch=2, estimator_name="model")
    assert disp.plot(ax=ax, line_kw={"linewidth": 3}, best_epoch_kw={"color": "r"}) is disp
    assert disp.ax_ is ax and ax.get_title() == "model"
    assert all(line.get_linewidth() == 3 for line in disp.lines_)
    assert disp.best_line_.get_color() == "r"
    assert disp.best_line_.get_label() == "best epoch 2"


def test_no_best_epoch_mark_when_the_last_epoch_is_kept(pyplot):
    est = _fit(MLPRegularizedRegressor(**SMALL, max_iter=4, n_iter_no_change=100), X, y)
    disp = TrainingCurveDisplay.from_estimator(make_pipeline(StandardScaler(), est))
    assert disp.best_line_ is None and len(disp.lines_) == 1


def test_bad_inputs_raise_clear_errors(pyplot, stopped_early):
    with pytest.raises(ValueError, match="metric must be one of"):
        TrainingCurveDisplay.from_estimator(stopped_early, metric="accuracy")
    plain = _fit(MLPRegularizedRegressor(**SMALL, max_iter=3), X, y)
    with pytest.raises(ValueError, match="needs validation scores.*X_val"):
        TrainingCurveDisplay.from_estimator(plain, metric="score")
    with pytest.raises(TypeError, match="MLPRegularizedClassifier or"):
        TrainingCurveDisplay.from_estimator(RidgeClosedForm().fit(X, y))
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(MLPRegularizedRegressor())
    with pytest.raises(ValueError, match="one value per epoch"):
        TrainingCurveDisplay(epochs=[1, 2], loss=[1.0]).plot()


def test_missing_matplotlib_names_the_extra(monkeypatch, stopped_early):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(ImportError, match=r'pip install "sklreg\[plot\]"'):
        TrainingCurveDisplay.from_estimator(stopped_early)
    with pytest.raises(ImportError, match="TrainingCurveDisplay.plot requires matplotlib"):
        TrainingCurveDisplay(epochs=[1], loss=[1.0]).plot()
