"""Growing minibatches, ``batch_size_growth`` (book 8.3.1, 8.1.3)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg.features.batch_growth import GrowingBatchSize

X, y = make_classification(100, 5, n_informative=4, n_redundant=0, random_state=0)
# every epoch runs (no plateau stop), plain SGD
RUN_ALL = dict(hidden_layer_sizes=(6,), optimizer="sgd", learning_rate=0.05, tol=0.0,
               n_iter_no_change=np.inf, random_state=0)


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(*args, **kwargs)


def _ceil(a, b):
    return -(-a // b)


def _updates_per_epoch(est):
    total = [0] + [h["n_updates"] for h in est.history_]
    return list(np.diff(total))


def test_updates_per_epoch_shrink_as_the_batch_grows():
    est = _fit(MLPRegularizedClassifier(batch_size=4, batch_size_growth=2.0, max_iter=7,
                                        **RUN_ALL), X, y)
    sizes = [min(4 * 2**e, 100) for e in range(7)]  # 4, 8, ..., 100 (capped), 100
    assert sizes[-2:] == [100, 100]
    expected = [_ceil(100, s) for s in sizes]  # 25, 13, 7, 4, 2, 1, 1
    assert est.n_iter_ == 7
    assert est.t_ == sum(expected)
    assert _updates_per_epoch(est) == expected
    fixed = _fit(MLPRegularizedClassifier(batch_size=4, max_iter=7, **RUN_ALL), X, y)
    assert fixed.t_ == 7 * 25 > est.t_


def test_auto_batch_size_starts_at_200():
    Xr = np.random.default_rng(0).standard_normal((500, 3))
    est = _fit(MLPRegularizedRegressor(batch_size="auto", batch_size_growth=2.0, max_iter=3,
                                       **RUN_ALL), Xr, Xr.sum(axis=1))
    assert _updates_per_epoch(est) == [3, 2, 1]  # 200, 400, then capped at 500 rows


def test_partial_fit_keeps_growing_across_calls():
    est = MLPRegularizedClassifier(batch_size=10, batch_size_growth=2.0, **RUN_ALL)
    counts = []
    for _ in range(4):
        est.partial_fit(X, y, classes=[0, 1])
        counts.append(est.t_)
    assert counts == [10, 15, 18, 20]  # sizes 10, 20, 40, 80


def test_warm_start_continues_growing():
    est = MLPRegularizedClassifier(batch_size=10, batch_size_growth=2.0, max_iter=2,
                                   warm_start=True, **RUN_ALL)
    _fit(est, X, y)
    assert est.t_ == 10 + 5
    _fit(est, X, y)  # epochs 3 and 4 of the model: sizes 40, 80
    assert est.t_ == 15 + 3 + 2 and est.n_iter_ == 2


def test_linear_schedule_decays_over_the_updates_actually_run():
    est = _fit(MLPRegularizedClassifier(batch_size=4, batch_size_growth=1.5, max_iter=8,
                                        lr_schedule="linear", **RUN_ALL), X, y)
    # tau = mean updates per epoch (rounded up) * max_iter: the run ends at the floor
    assert est.t_ <= est.lr_schedule_.tau_ < est.t_ + 8
    fixed_tau = 8 * _ceil(100, 4)
    assert est.lr_schedule_.tau_ < fixed_tau / 2


def test_growing_batch_size_schedule_object():
    s = GrowingBatchSize(8, 2.0)
    assert [s(e) for e in range(4)] == [8, 16, 32, 64]
    assert s(10**6) >= 2**62  # huge epochs: capped, no float overflow
    assert GrowingBatchSize(5, 1.0)(50) == 5
    assert s.steps_per_epoch(64, 0, 4) == _ceil(8 + 4 + 2 + 1, 4)


def test_sizes_are_capped_at_the_rows_with_a_curriculum():
    difficulty = np.abs(X[:, 0])
    kw = dict(batch_size=8, max_iter=6, curriculum="deterministic", curriculum_epochs=3,
              **RUN_ALL)
    grown = _fit(MLPRegularizedClassifier(batch_size_growth=2.0, **kw), X, y,
                 sample_difficulty=difficulty)
    fixed = _fit(MLPRegularizedClassifier(**kw), X, y, sample_difficulty=difficulty)
    per_epoch = _updates_per_epoch(grown)
    assert per_epoch[-1] == 1  # size 256 > 100 rows: one full batch
    assert all(a <= b for a, b in zip(per_epoch, _updates_per_epoch(fixed)))
    assert grown.t_ < fixed.t_ and np.all(np.isfinite(grown.predict_proba(X)))


def test_training_converges_with_fewer_updates():
    Xb, yb = make_classification(600, 8, n_informative=6, random_state=1)
    kw = dict(hidden_layer_sizes=(16,), max_iter=25, random_state=0, batch_size=16,
              learning_rate=0.01)
    grown = _fit(MLPRegularizedClassifier(batch_size_growth=1.2, **kw), Xb, yb)
    fixed = _fit(MLPRegularizedClassifier(**kw), Xb, yb)
    assert grown.score(Xb, yb) > 0.9
    assert grown.loss_curve_[-1] < 0.6 * grown.loss_curve_[0]
    assert grown.t_ < 0.5 * fixed.t_


@pytest.mark.parametrize("optimizer", ["lbfgs", "cg"])
def test_full_batch_optimizers_refuse_it(optimizer):
    est = MLPRegularizedClassifier(optimizer=optimizer, batch_size_growth=1.5, max_iter=2)
    with pytest.raises(ValueError, match="batch_size_growth"):
        est.fit(X, y)


@pytest.mark.parametrize("bad", [0.5, -1.0, "fast", np.nan])
def test_invalid_growth_is_rejected(bad):
    est = MLPRegularizedClassifier(batch_size_growth=bad, max_iter=2)
    with pytest.raises(ValueError, match="batch_size_growth"):
        est.fit(X, y)
