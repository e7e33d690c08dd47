"""Seeing what training does: ``history_``, ``stop_reason_``/``kept_epoch_``
and the ``verbose`` output (docs/monitoring.md)."""

import os
import pickle
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg._history import STOP_REASONS
from sklreg.exceptions import DivergenceWarning

Xc, yc = make_classification(n_samples=120, n_features=6, random_state=0)
Xr, yr = make_regression(n_samples=120, n_features=6, noise=1.0, random_state=0)
yr = yr / yr.std()
SMALL = dict(hidden_layer_sizes=(8,), learning_rate=0.01, random_state=0)
KEYS = {"epoch", "loss", "lr", "n_updates", "time"}


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(*args, **kwargs)


def _scripted(scores):
    """A scorer returning ``scores`` one epoch after the other."""
    it = iter(scores)
    return lambda est, X, y: next(it)


def test_history_has_one_record_per_epoch_matching_the_curves():
    est = _fit(MLPRegularizedClassifier(**SMALL, max_iter=6, n_iter_no_change=100), Xc, yc)
    h = est.history_
    assert [r["epoch"] for r in h] == list(range(1, 7))
    assert all(set(r) == KEYS for r in h)  # no validation data: no val_* keys
    assert [r["loss"] for r in h] == est.loss_curve_
    assert all(r["lr"] == pytest.approx(0.01) for r in h)  # constant schedule
    updates = [r["n_updates"] for r in h]
    assert updates == sorted(updates) and updates[-1] == est.t_ and updates[0] > 0
    assert all(r["time"] >= 0.0 for r in h)
    assert est.stop_reason_ == "max_iter" and est.kept_epoch_ == 6


def test_history_records_the_validation_curves():
    est = _fit(MLPRegularizedRegressor(**SMALL, max_iter=5, scoring="r2", n_iter_no_change=100),
               Xr[20:], yr[20:], X_val=Xr[:20], y_val=yr[:20])
    assert [r["val_loss"] for r in est.history_] == est.validation_loss_curve_
    assert [r["val_score"] for r in est.history_] == est.validation_scores_
    assert len(est.history_) == 5


def test_history_accumulates_like_loss_curve_and_restarts_with_the_model():
    est = _fit(MLPRegularizedRegressor(**SMALL, max_iter=3, n_iter_no_change=100), Xr, yr)
    est.set_params(warm_start=True, max_iter=2)
    _fit(est, Xr, yr)
    assert [r["epoch"] for r in est.history_] == [1, 2, 3, 4, 5]
    assert [r["loss"] for r in est.history_] == est.loss_curve_
    est.partial_fit(Xr, yr)
    assert len(est.history_) == 6 and est.stop_reason_ == "max_iter"
    est.set_params(warm_start=False)
    _fit(est, Xr, yr)  # a new model: a new history
    assert [r["epoch"] for r in est.history_] == [1, 2]
    assert "history_" not in vars(clone(est))
    assert pickle.loads(pickle.dumps(est)).history_ == est.history_


def test_early_stopping_reason_kept_epoch_and_verbose(capsys):
    """Scripted validation scores: the best is epoch 2, patience runs out at 5."""
    est = MLPRegularizedRegressor(**SMALL, max_iter=50, early_stopping=True,
                                  n_iter_no_change=3, verbose=1,
                                  scoring=_scripted([0.1, 0.7, 0.3, 0.2, 0.1]))
    _fit(est, Xr, yr)
    assert est.stop_reason_ == "patience"
    assert est.kept_epoch_ == est.best_iteration_ == 2
    assert [r["val_score"] for r in est.history_] == [0.1, 0.7, 0.3, 0.2, 0.1]
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 6
    line = re.compile(r"^Iteration (\d+), loss = [0-9.]+, validation loss = [0-9.]+, "
                      r"validation score = [0-9.e-]+, time = [0-9.]+s$")
    assert [int(line.match(text).group(1)) for text in out[:5]] == [1, 2, 3, 4, 5]
    assert out[5].startswith("Training stopped (patience): the validation score did not "
                             "improve")
    assert "restored the parameters of epoch 2 (best validation score 0.7)" in out[5]


def test_verbose_notes_averaging_and_the_plateau_rule(capsys):
    est = MLPRegularizedRegressor(**SMALL, max_iter=50, tol=1e9, n_iter_no_change=2,
                                  averaging="polyak", verbose=1)
    _fit(est, Xr, yr)  # with tol=1e9 no epoch after the first improves
    assert est.stop_reason_ == "converged" and len(est.history_) == 4
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("Training stopped (converged): the training loss did not improve")
    assert "kept the parameters of epoch 4 (the last epoch)" in last
    assert "averaged (Polyak average" in last


def test_verbose_zero_prints_nothing(capsys):
    _fit(MLPRegularizedRegressor(**SMALL, max_iter=3), Xr, yr)
    assert capsys.readouterr().out == ""


def test_verbose_partial_fit_prints_its_epoch_line_only(capsys):
    est = MLPRegularizedRegressor(**SMALL, verbose=1)
    est.partial_fit(Xr, yr)
    est.partial_fit(Xr, yr)
    out = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in out] == ["Iteration 1", "Iteration 2"]


def test_full_batch_iterations_are_recorded():
    est = _fit(MLPRegularizedClassifier(**SMALL, optimizer="lbfgs", max_iter=4), Xc, yc)
    assert len(est.history_) == len(est.loss_curve_) == est.n_iter_
    assert all(r["lr"] is None for r in est.history_)  # step sizes come from line searches
    assert est.stop_reason_ in ("converged", "max_iter", "stalled")
    assert est.kept_epoch_ == est.history_[-1]["epoch"]


def test_divergence_is_the_stop_reason():
    good = _fit(MLPRegularizedRegressor(**SMALL, max_iter=20, optimizer="sgd"), Xr, yr)
    good.set_params(learning_rate=1e6, warm_start=True, max_iter=5)
    with pytest.warns(DivergenceWarning):
        good.fit(Xr, yr)
    assert good.stop_reason_ == "diverged"
    assert good.kept_epoch_ <= good.history_[-1]["epoch"]


def test_interruption_is_the_stop_reason():
    def interrupt(est, X, y):
        raise KeyboardInterrupt

    est = MLPRegularizedRegressor(**SMALL, max_iter=5, scoring=interrupt)
    with pytest.warns(UserWarning, match="interrupted"):
        est.fit(Xr[20:], yr[20:], X_val=Xr[:20], y_val=yr[:20])
    assert est.stop_reason_ == "interrupted"


def test_retraining_keeps_the_early_stopping_reason():
    """Algorithm 7.2 restarts the model: the history is the retraining's."""
    est = MLPRegularizedRegressor(**SMALL, max_iter=50, early_stopping=True,
                                  n_iter_no_change=2, early_stopping_refit="retrain",
                                  scoring=_scripted([0.5, 0.9, 0.1, 0.1]))
    _fit(est, Xr, yr)
    assert est.stop_reason_ == "patience"
    assert [r["epoch"] for r in est.history_] == [1, 2]  # i* = 2 epochs on all data
    assert est.kept_epoch_ == 2


def test_every_stop_reason_is_documented():
    doc = MLPRegularizedClassifier.__doc__
    for name in ("history_", "stop_reason_", "kept_epoch_"):
        assert f"{name} :" in doc
    for reason in STOP_REASONS:
        assert f"'{reason}'" in doc


def test_the_monitoring_guide_runs(tmp_path):
    """docs/monitoring.md's snippets, run in order as one script."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("rich")
    pytest.importorskip("sklearn.callback")
    guide = Path(__file__).resolve().parents[1] / "docs" / "monitoring.md"
    blocks = re.findall(r"```python\n(.*?)```", guide.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 5
    script = tmp_path / "monitoring.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Training stopped (patience)" in done.stdout
