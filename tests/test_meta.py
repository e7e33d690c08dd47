"""Meta-algorithms around the training loop (book 7.8, 8.7.3, draft 8.7.5).

* Algorithms 7.1-7.3: early stopping, retraining on all data ('retrain'),
  continuing on all data until a target is met ('continue');
* parameter averaging (Polyak / EMA, book 8.7.3, test catalogue T52);
* curriculum learning (draft 8.7.5, deterministic and stochastic);
* a user validation set ``fit(..., X_val=, y_val=)`` (also through Pipeline
  and metadata routing).

Most exact checks use a linear model (``hidden_layer_sizes=()``) trained by
deterministic full-batch SGD, whose iterates can be reproduced by hand.
"""

import copy
import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg.curriculum import Curriculum, per_sample_loss

W_TRUE = np.array([1.0, -2.0, 0.5])


# --------------------------------------------------------------------- helpers
def _linear_data(n=60, n_val=20, seed=0, val_scale=0.5):
    """Noisy linear training data; a noise-free validation set whose targets are
    ``val_scale`` times the signal, so that the validation loss of gradient
    descent from small weights first falls and then rises (interior minimum)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = X @ W_TRUE + 0.3 * rng.normal(size=n)
    X_val = rng.normal(size=(n_val, 3))
    y_val = val_scale * (X_val @ W_TRUE)
    return X, y, X_val, y_val


def _gd_linear(n, **kw):
    """Deterministic full-batch SGD on a linear model (one update per epoch)."""
    params = dict(
        hidden_layer_sizes=(), optimizer="sgd", learning_rate=0.1, alpha=0.0,
        batch_size=n, shuffle=False, tol=0.0, n_iter_no_change=10**6, max_iter=10,
        random_state=0,
    )
    params.update(kw)
    return MLPRegularizedRegressor(**params)


def _theta(est):
    """Flat (weights..., intercept) of a linear regressor."""
    return np.concatenate([est.coefs_[0].ravel(), est.intercepts_[0]])


def _fit_quiet(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _manual_gd(theta0, X, y, lr, k, sw=None):
    """k full-batch steps on the (weighted) mean of 0.5 * (x w + b - y)^2;
    returns all iterates."""
    w = np.full(len(y), 1.0 / len(y)) if sw is None else sw / sw.sum()
    theta = theta0.copy()
    iterates = []
    for _ in range(k):
        r = X @ theta[:-1] + theta[-1] - y
        theta = theta - lr * np.r_[X.T @ (w * r), w @ r]
        iterates.append(theta)
    return np.array(iterates)


def _mse_half(pred, y):
    """Regression data loss of the library: mean of 0.5 * ||y - f(x)||^2."""
    d = np.asarray(pred).reshape(len(y), -1) - np.asarray(y).reshape(len(y), -1)
    return 0.5 * np.mean(np.sum(d**2, axis=1))


# ------------------------------------------------------- averaging (8.7.3)
def _iterates(X, y, K, **kw):
    """theta_k for k = 1..K from separate fits with max_iter=k (same init)."""
    return np.array(
        [_theta(_fit_quiet(_gd_linear(len(y), max_iter=k, **kw), X, y)) for k in range(1, K + 1)]
    )


def test_polyak_is_mean_of_iterates():
    X, y, _, _ = _linear_data()
    K = 8
    its = _iterates(X, y, K)
    assert np.abs(its[-1] - its.mean(axis=0)).max() > 1e-2  # the average is not the last
    est = _fit_quiet(_gd_linear(len(y), max_iter=K, averaging="polyak"), X, y)
    np.testing.assert_allclose(_theta(est), its.mean(axis=0), rtol=0, atol=1e-12)
    assert est.n_iter_ == K and est.t_ == K


@pytest.mark.parametrize("start", [1, 3])
def test_polyak_averaging_start(start):
    X, y, _, _ = _linear_data()
    K = 8
    its = _iterates(X, y, K)
    est = _fit_quiet(
        _gd_linear(len(y), max_iter=K, averaging="polyak", averaging_start=start), X, y
    )
    # mean of the iterates produced after epoch `start`
    np.testing.assert_allclose(_theta(est), its[start:].mean(axis=0), rtol=0, atol=1e-12)


def test_ema_matches_closed_form():
    X, y, _, _ = _linear_data()
    K, d = 8, 0.7
    its = _iterates(X, y, K)
    est = _fit_quiet(
        _gd_linear(len(y), max_iter=K, averaging="ema", averaging_decay=d), X, y
    )
    k = np.arange(1, K + 1)
    expected = ((1 - d) * d ** (K - k)) @ its / (1 - d**K)
    np.testing.assert_allclose(_theta(est), expected, rtol=0, atol=1e-12)
    assert np.abs(expected - its.mean(axis=0)).max() > 1e-3  # differs from Polyak


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_T52_polyak_beats_last_iterate_with_constant_lr(seed):
    """T52: constant-lr minibatch SGD bounces around the optimum; the Polyak
    average of the iterates is much closer to the exact least-squares solution."""
    rng = np.random.default_rng(seed)
    n = 200
    X = rng.normal(size=(n, 5))
    y = X @ rng.normal(size=5) + rng.normal(size=n) + 0.5
    ols = np.linalg.lstsq(np.c_[X, np.ones(n)], y, rcond=None)[0]
    errors = {}
    for avg in (None, "polyak"):
        est = MLPRegularizedRegressor(
            hidden_layer_sizes=(), optimizer="sgd", learning_rate=0.1, batch_size=5,
            alpha=0.0, tol=0.0, n_iter_no_change=10**6, max_iter=30, averaging=avg,
            averaging_start=5, random_state=seed,
        )
        errors[avg] = np.linalg.norm(_theta(_fit_quiet(est, X, y)) - ols)
    assert errors["polyak"] < errors[None] / 3, errors


def test_partial_fit_averaging_continues_from_raw_iterate():
    X, y, _, _ = _linear_data(n=50)
    kw = dict(batch_size=25, averaging="polyak")  # two updates per epoch
    inc = _gd_linear(50, **kw)
    inc.partial_fit(X, y)
    inc.partial_fit(X, y)
    full = _fit_quiet(_gd_linear(50, max_iter=2, **kw), X, y)
    np.testing.assert_allclose(_theta(inc), _theta(full), rtol=0, atol=1e-12)


def test_partial_fit_equals_fit_without_averaging():  # control for the xfail above
    X, y, _, _ = _linear_data(n=50)
    inc = _gd_linear(50, batch_size=25)
    inc.partial_fit(X, y)
    inc.partial_fit(X, y)
    full = _fit_quiet(_gd_linear(50, max_iter=2, batch_size=25), X, y)
    np.testing.assert_allclose(_theta(inc), _theta(full), rtol=0, atol=1e-12)


def test_averaged_parameters_are_validated_and_restored():
    """Early stopping validates (and restores) the averaged parameters."""
    X, y, X_val, y_val = _linear_data()
    K = 12
    # monitor-only run: validation curve = loss of the averaged parameters per epoch
    mon = _fit_quiet(
        _gd_linear(len(y), max_iter=K, averaging="polyak"), X, y, X_val=X_val, y_val=y_val
    )
    assert len(mon.validation_loss_curve_) == K
    for k in (1, 4, K):
        avg_k = _fit_quiet(_gd_linear(len(y), max_iter=k, averaging="polyak"), X, y)
        raw_k = _fit_quiet(_gd_linear(len(y), max_iter=k), X, y)
        expected = _mse_half(avg_k.predict(X_val), y_val)
        assert mon.validation_loss_curve_[k - 1] == pytest.approx(expected, rel=1e-12)
        if k > 1:  # and not the loss of the raw iterate
            assert abs(_mse_half(raw_k.predict(X_val), y_val) - expected) > 1e-4

    # early stopping: restores the best averaged parameters
    est = _fit_quiet(
        _gd_linear(len(y), max_iter=200, averaging="polyak", early_stopping=True,
                   n_iter_no_change=3),
        X, y, X_val=X_val, y_val=y_val,
    )
    curve = est.validation_loss_curve_
    assert 1 < est.best_iteration_ < len(curve)  # a genuine early stop
    assert est.best_iteration_ == int(np.argmin(curve)) + 1
    assert _mse_half(est.predict(X_val), y_val) == pytest.approx(min(curve), rel=1e-12)
    avg_best = _fit_quiet(
        _gd_linear(len(y), max_iter=est.best_iteration_, averaging="polyak"), X, y
    )
    np.testing.assert_allclose(_theta(est), _theta(avg_best), rtol=0, atol=1e-12)


# -------------------------------------------------------- Algorithm 7.2
class _RecordBatches:
    """``augment`` that returns every training minibatch unchanged and records
    its rows: the public view of which rows each training phase runs on."""

    def __init__(self):
        self.X = []

    def __call__(self, X, y, rng):
        self.X.append(np.array(X, copy=True))
        return X, y


def _same_rows(A, B):
    return A.shape == B.shape and np.array_equal(A[np.lexsort(A.T)], B[np.lexsort(B.T)])


def _affine_preimage(F, out, dim):
    """The theta0 with ``F(theta0) == out`` for an affine, invertible map F of R^dim
    (full-batch gradient descent on a least-squares problem, or its average)."""
    f0 = F(np.zeros(dim))
    J = np.column_stack([F(e) - f0 for e in np.eye(dim)])
    return np.linalg.solve(J, out - f0)


@pytest.mark.parametrize("averaging, weighted", [(None, False), ("polyak", False), (None, True)])
def test_retrain_is_algorithm_7_2(averaging, weighted):
    """New random init, then i* epochs of (full-batch) training on train + val."""
    X, y, X_val, y_val = _linear_data()
    sw = np.random.default_rng(3).uniform(0.2, 3.0, len(y)) if weighted else None
    rec = _RecordBatches()
    kw = dict(max_iter=200, early_stopping=True, n_iter_no_change=3, averaging=averaging,
              batch_size=1000)
    fit_kw = dict(X_val=X_val, y_val=y_val, sample_weight=sw)
    est = _fit_quiet(
        _gd_linear(len(y), early_stopping_refit="retrain", augment=rec, **kw), X, y, **fit_kw
    )
    assert est.refit_n_iter_ is None
    i_star = est.best_iteration_
    n_phase1 = len(est.validation_loss_curve_)
    assert 1 < i_star < n_phase1
    assert est.n_iter_ == i_star == est.t_ and len(est.loss_curve_) == i_star
    # full batch, one minibatch per epoch: Algorithm 7.1 on the training rows, then
    # i* epochs on all rows
    X_all, y_all = np.r_[X, X_val], np.r_[y, y_val]
    assert len(rec.X) == n_phase1 + i_star
    assert all(_same_rows(Xb, X) for Xb in rec.X[:n_phase1])
    assert all(_same_rows(Xb, X_all) for Xb in rec.X[n_phase1:])
    # recover the initialization of each run from its result (gradient descent on a
    # quadratic is affine in its starting point).  Unweighted validation rows count
    # with weight 1 next to weighted training rows.
    w_all = None if sw is None else np.r_[sw, np.ones(len(y_val))]

    def retraining(theta0):
        its = _manual_gd(theta0, X_all, y_all, 0.1, i_star, w_all)
        return its[-1] if averaging is None else its.mean(axis=0)

    init2 = _affine_preimage(retraining, _theta(est), 4)
    one = _fit_quiet(_gd_linear(len(y), max_iter=1), X, y, sample_weight=sw)
    init1 = _affine_preimage(lambda t: _manual_gd(t, X, y, 0.1, 1, sw)[-1], _theta(one), 4)
    # output_bias_init='marginal': the first init is on the training rows ...
    assert init1[-1] == pytest.approx(np.average(y, weights=sw), rel=1e-10)
    # ... the second on all rows (so exactly i* epochs of all-data training
    # followed it), with new random weights
    assert init2[-1] == pytest.approx(np.average(y_all, weights=w_all), rel=1e-8)
    assert abs(np.average(y_all, weights=w_all) - np.average(y, weights=sw)) > 1e-3
    assert np.abs(init2[:-1] - init1[:-1]).max() > 1e-3
    assert np.abs(init2[:-1]).max() <= np.sqrt(6 / 4)  # a Glorot-uniform draw, 3 -> 1
    # differs from the early-stopped model itself
    stopped = _fit_quiet(_gd_linear(len(y), **kw), X, y, **fit_kw)
    assert stopped.best_iteration_ == i_star
    assert np.abs(_theta(stopped) - _theta(est)).max() > 1e-3


def _overfit_data(n=100, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + 0.3 * rng.normal(size=n)
    return X, y


@pytest.mark.parametrize("unit", ["epochs", "updates"])
def test_retrain_internal_split_counts_and_rows(unit):
    X, y = _overfit_data()
    params = dict(
        hidden_layer_sizes=(50,), learning_rate=0.01, batch_size=10, max_iter=300,
        early_stopping=True, validation_fraction=0.2, n_iter_no_change=5, random_state=0,
    )
    rec = _RecordBatches()
    est = _fit_quiet(
        MLPRegularizedRegressor(early_stopping_refit="retrain", refit_unit=unit, augment=rec,
                                **params),
        X, y,
    )
    # 7.1 on the 80 training rows (8 minibatches per epoch), then 7.2 retrains on
    # all 100 rows (10 minibatches per epoch)
    n_phase1 = len(est.validation_loss_curve_)
    phase1, phase2 = rec.X[: 8 * n_phase1], rec.X[8 * n_phase1:]
    assert all(Xb.shape[0] == 10 for Xb in rec.X)
    sub = np.concatenate(phase1[:8])
    assert len(np.unique(sub, axis=0)) == 80
    assert len(np.unique(np.r_[sub, X], axis=0)) == 100  # rows of X
    for e in range(n_phase1):
        assert _same_rows(np.concatenate(phase1[8 * e: 8 * e + 8]), sub)
    assert len(phase2) == est.t_
    for e in range(len(phase2) // 10):
        assert _same_rows(np.concatenate(phase2[10 * e: 10 * e + 10]), X)
    assert est.best_iteration_ < len(est.validation_loss_curve_)  # stopped early
    assert est.best_t_ == 8 * est.best_iteration_  # 80 rows / batch 10
    if unit == "epochs":
        assert est.n_iter_ == est.best_iteration_
        assert est.t_ == 10 * est.best_iteration_  # 100 rows / batch 10
    else:
        assert est.t_ == est.best_t_
        assert est.n_iter_ == math.ceil(est.best_t_ / 10)
    assert len(est.loss_curve_) == est.n_iter_
    stopped = _fit_quiet(MLPRegularizedRegressor(**params), X, y)
    assert stopped.best_iteration_ == est.best_iteration_
    assert not np.allclose(stopped.predict(X), est.predict(X))


@pytest.mark.parametrize("refit", ["retrain", "continue"])
def test_refit_with_sparse_input_matches_dense(refit):
    X, y = _overfit_data(n=60)
    est = MLPRegularizedRegressor(
        hidden_layer_sizes=(10,), learning_rate=0.01, batch_size=10, max_iter=40,
        early_stopping=True, n_iter_no_change=3, early_stopping_refit=refit, random_state=0,
    )
    dense = _fit_quiet(clone(est), X, y)
    sparse = _fit_quiet(clone(est), sp.csr_matrix(X), y)
    assert dense.n_iter_ == sparse.n_iter_ and dense.refit_n_iter_ == sparse.refit_n_iter_
    np.testing.assert_allclose(sparse.predict(X), dense.predict(X), rtol=1e-8, atol=1e-10)


# -------------------------------------------------------- Algorithm 7.3
def test_continue_terminates_when_validation_objective_reaches_target():
    """Internal split: after 7.3 the validation objective is <= the objective of
    the training subset at the stopping point, and it was above it before the
    last extra epoch (the loop stops at the first crossing).  Full-batch plain
    SGD, so each extra epoch of 7.3 is reproduced by a one-epoch warm start on
    all rows from theta* (the restored parameters of 7.1)."""
    X, y = _overfit_data(n=80)
    rec = _RecordBatches()
    est = MLPRegularizedRegressor(
        hidden_layer_sizes=(100,), optimizer="sgd", learning_rate=0.3, batch_size=1000,
        max_iter=300, early_stopping=True, validation_fraction=0.25, n_iter_no_change=5,
        early_stopping_refit="continue", random_state=0, augment=rec,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    phase1 = len(est.validation_loss_curve_)
    assert 1 < est.best_iteration_ < phase1  # a genuine early stop
    assert est.n_iter_ == phase1 + est.refit_n_iter_ == len(est.loss_curve_)
    # the rows: 60 training rows for 7.1, then all 80 (one minibatch per epoch)
    assert len(rec.X) == est.n_iter_
    X_sub = rec.X[0]
    assert X_sub.shape[0] == 60 and all(_same_rows(Xb, X_sub) for Xb in rec.X[1:phase1])
    assert all(_same_rows(Xb, X) for Xb in rec.X[phase1:])
    in_sub = np.isin(X.view([("", X.dtype)] * X.shape[1]).ravel(),
                     X_sub.view([("", X.dtype)] * X.shape[1]).ravel())
    assert in_sub.sum() == 60
    sub, val = (X[in_sub], y[in_sub]), (X[~in_sub], y[~in_sub])

    def objective(model, X_, y_):
        penalty = 0.5 * model.alpha * sum(np.sum(W**2) for W in model.coefs_)
        return _mse_half(model.predict(X_), y_) + penalty

    # 7.3 starts from theta* (the restored parameters of 7.1, same as without refit)
    stopped = _fit_quiet(clone(est).set_params(early_stopping_refit=None, augment=None), X, y)
    assert stopped.best_iteration_ == est.best_iteration_
    target = objective(stopped, *sub)
    vals = [objective(stopped, *val)]
    # (the recovered validation rows are those of 7.1: theta* has the best loss on them)
    assert _mse_half(stopped.predict(val[0]), val[1]) == pytest.approx(
        min(stopped.validation_loss_curve_), rel=1e-10
    )
    step = copy.deepcopy(stopped).set_params(warm_start=True, early_stopping=False, max_iter=1)
    for _ in range(est.refit_n_iter_):
        _fit_quiet(step, np.r_[sub[0], val[0]], np.r_[sub[1], val[1]])
        vals.append(objective(step, *val))
    np.testing.assert_allclose(step.predict(X), est.predict(X), rtol=1e-9, atol=1e-12)
    assert est.refit_n_iter_ == len(vals) - 1 >= 1
    assert vals[-1] <= target and all(v > target for v in vals[:-1])


def test_continue_from_best_parameters_with_user_validation_set():
    """With X_val/y_val the 'all data' of 7.3 is train + validation (with their
    sample weights); the loop starts from theta* of Algorithm 7.1 and stops at
    the first epoch whose validation objective is <= the training objective at
    theta*.  Reproduced by hand with weighted full-batch gradient descent."""
    X, y, _, _ = _linear_data()
    rng = np.random.default_rng(5)
    X_val = rng.normal(size=(4, 3))
    y_val = X_val @ W_TRUE + 0.5 * rng.normal(size=4)
    sw_val = np.full(4, 50.0)  # heavy validation rows: all-data training fits them
    kw = dict(max_iter=200, early_stopping=True, n_iter_no_change=3, batch_size=1000)
    fit_kw = dict(X_val=X_val, y_val=y_val, sample_weight_val=sw_val)
    stopped = _fit_quiet(_gd_linear(len(y), **kw), X, y, **fit_kw)
    est = _gd_linear(len(y), early_stopping_refit="continue", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y, **fit_kw)
    assert est.best_iteration_ == stopped.best_iteration_
    k = est.refit_n_iter_
    assert k >= 1
    assert est.n_iter_ == len(est.validation_loss_curve_) + k == len(est.loss_curve_)
    target = _mse_half(stopped.predict(X), y)  # alpha=0: objective = data loss
    # weighted full-batch GD on all rows from theta* (training rows: weight 1)
    its = _manual_gd(
        _theta(stopped), np.r_[X, X_val], np.r_[y, y_val], 0.1, k, np.r_[np.ones(len(y)), sw_val]
    )
    np.testing.assert_allclose(_theta(est), its[-1], rtol=0, atol=1e-10)
    val_obj = [_mse_half(stopped.predict(X_val), y_val)]
    val_obj += [_mse_half(X_val @ t[:-1] + t[-1], y_val) for t in its]
    assert val_obj[-1] <= target and all(v > target for v in val_obj[:-1])


def test_continue_may_not_terminate_warns_and_caps():
    """Validation labels that are pure noise for a linear model: the validation
    objective never reaches the training one; 7.3 stops after max_iter extra
    epochs with a ConvergenceWarning."""
    X, y, X_val, _ = _linear_data()
    y_val = 5.0 * np.random.default_rng(1).normal(size=len(X_val))
    est = _gd_linear(
        len(y), max_iter=15, early_stopping=True, n_iter_no_change=3,
        early_stopping_refit="continue",
    )
    with pytest.warns(ConvergenceWarning, match="Algorithm 7.3"):
        est.fit(X, y, X_val=X_val, y_val=y_val)
    assert est.refit_n_iter_ == est.max_iter == 15
    assert _mse_half(est.predict(X_val), y_val) > _mse_half(est.predict(X), y)


@pytest.mark.parametrize("refit", ["retrain", "continue"])
@pytest.mark.parametrize("with_val", [False, True])
def test_refit_requires_early_stopping(refit, with_val):
    """Algorithms 7.2/7.3 need the i* of early stopping: asking for them without
    early_stopping=True is an error naming both parameters."""
    X, y, X_val, y_val = _linear_data()
    fit_kw = dict(X_val=X_val, y_val=y_val) if with_val else {}
    est = _gd_linear(len(y), max_iter=5, early_stopping_refit=refit)
    with pytest.raises(ValueError, match="early_stopping_refit.*early_stopping=True"):
        est.fit(X, y, **fit_kw)


# ------------------------------------------------------- curriculum (8.7.5)
def test_deterministic_curriculum_sampler():
    rng = np.random.default_rng(0)
    n = 50
    d = rng.permutation(n).astype(float)
    easy_order = np.argsort(d)
    cur = Curriculum(d, "deterministic", 0.2, n_epochs=4, shuffle=False)
    sizes = []
    for epoch in range(7):
        rows = cur(epoch, rng)
        sizes.append(len(rows))
        np.testing.assert_array_equal(rows, easy_order[: len(rows)])  # easiest first
    assert sizes == [10, 20, 30, 40, 50, 50, 50]  # ceil(start*n) -> linear -> n
    # with shuffling: the same rows, in another order
    cur = Curriculum(d, "deterministic", 0.3, n_epochs=4, shuffle=True)
    rows = cur(0, rng)
    assert len(rows) == math.ceil(0.3 * n) == 15
    np.testing.assert_array_equal(np.sort(rows), np.sort(easy_order[:15]))
    assert not np.array_equal(rows, easy_order[:15])
    # warm starts: the schedule counts from epoch0
    cur = Curriculum(d, "deterministic", 0.2, n_epochs=4, epoch0=5, shuffle=False)
    assert len(cur(5, rng)) == 10 and len(cur(9, rng)) == n


def test_stochastic_curriculum_sampler():
    rng = np.random.default_rng(0)
    n, start, n_epochs = 1000, 0.2, 5
    d = rng.normal(size=n)
    hard = d > np.median(d)
    cur = Curriculum(d, "stochastic", start, n_epochs)
    shares = []
    for epoch in range(8):
        rows = cur(epoch, rng)
        assert len(rows) == n
        picked_hard = rows[hard[rows]]
        assert len(np.unique(picked_hard)) == len(picked_hard)  # no hard duplicates
        assert set(np.flatnonzero(~hard)) <= set(rows)  # every easy row present
        shares.append(hard[rows].mean())
    assert shares[0] == pytest.approx(start * 0.5, abs=1e-3)
    assert shares[n_epochs] == pytest.approx(0.5, abs=1e-3)
    assert shares[-1] == pytest.approx(0.5, abs=1e-3)
    assert np.all(np.diff(shares) >= 0) and shares[2] > shares[0]
    for e in range(n_epochs + 1):  # linear growth
        assert shares[e] == pytest.approx(0.5 * (start + (1 - start) * e / n_epochs), abs=1e-3)


def test_per_sample_loss_matches_manual():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    # regression, 1 and 2 outputs: 0.5 * ||y - f(x)||^2
    for Y in (X @ W_TRUE, np.c_[X @ W_TRUE, X[:, 0]]):
        reg = _fit_quiet(MLPRegularizedRegressor((5,), max_iter=5, random_state=0), X, Y)
        expected = 0.5 * np.sum(
            (reg.predict(X).reshape(len(X), -1) - Y.reshape(len(X), -1)) ** 2, axis=1
        )
        np.testing.assert_allclose(per_sample_loss(reg, X, Y), expected, rtol=1e-12)
    # binary and multiclass (string labels): -log p(true class)
    for y in (np.where(X[:, 0] > 0, "b", "a"), np.array(["x", "y", "z"])[rng.integers(0, 3, 60)]):
        clf = _fit_quiet(MLPRegularizedClassifier((5,), max_iter=5, random_state=0), X, y)
        P = clf.predict_proba(X)
        expected = -np.log(P[np.arange(60), np.searchsorted(clf.classes_, y)])
        np.testing.assert_allclose(per_sample_loss(clf, X, y), expected, rtol=1e-10)
    # multilabel: sum of the per-label binary cross-entropies
    Yml = (X[:, :2] > 0).astype(int)
    clf = _fit_quiet(MLPRegularizedClassifier((5,), max_iter=5, random_state=0), X, Yml)
    P = clf.predict_proba(X)
    expected = -(Yml * np.log(P) + (1 - Yml) * np.log(1 - P)).sum(axis=1)
    np.testing.assert_allclose(per_sample_loss(clf, X, Yml), expected, rtol=1e-10)


def _curriculum_data(n=100, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y, np.abs(X[:, 0])  # far from the boundary = easy... reversed is fine too


def test_deterministic_curriculum_uses_fewer_updates():
    X, y, difficulty = _curriculum_data()
    params = dict(
        hidden_layer_sizes=(5,), batch_size=10, max_iter=10, tol=0.0,
        n_iter_no_change=10**6, random_state=0,
    )
    plain = _fit_quiet(MLPRegularizedClassifier(**params), X, y, sample_difficulty=difficulty)
    assert plain.t_ == 100
    est = _fit_quiet(
        MLPRegularizedClassifier(curriculum="deterministic", curriculum_start=0.2,
                                 curriculum_epochs=5, **params),
        X, y, sample_difficulty=difficulty,
    )
    rows = [20, 36, 52, 68, 84] + [100] * 5  # ceil(0.2 n) growing linearly to n at epoch 5
    assert est.t_ == sum(math.ceil(r / 10) for r in rows) == 78 < plain.t_
    assert est.n_iter_ == 10
    stoch = _fit_quiet(
        MLPRegularizedClassifier(curriculum="stochastic", **params), X, y,
        sample_difficulty=difficulty,
    )
    assert stoch.t_ == 100  # n rows every epoch
    assert not np.allclose(stoch.coefs_[0], plain.coefs_[0])


@pytest.mark.parametrize("Est", [MLPRegularizedClassifier, MLPRegularizedRegressor])
def test_curriculum_estimates_difficulty_from_a_first_model(Est):
    X, y, _ = _curriculum_data()
    if Est is MLPRegularizedRegressor:
        y = X @ W_TRUE + 0.3 * X[:, 0] ** 2
    est = Est(hidden_layer_sizes=(5,), max_iter=30, curriculum="deterministic",
              curriculum_epochs=10, random_state=0)
    auto = _fit_quiet(clone(est), X, y)
    first = _fit_quiet(
        clone(est).set_params(curriculum=None, max_iter=20), X, y  # min(max_iter, 20)
    )
    difficulty = per_sample_loss(first, X, y)
    given = _fit_quiet(clone(est), X, y, sample_difficulty=difficulty)
    np.testing.assert_array_equal(auto.coefs_[0], given.coefs_[0])
    other = _fit_quiet(clone(est), X, y, sample_difficulty=-difficulty)
    assert not np.allclose(auto.coefs_[0], other.coefs_[0])


@pytest.mark.parametrize("kind", ["deterministic", "stochastic"])
def test_curriculum_is_not_mistaken_for_convergence(kind):
    """The training loss rises while harder rows join; the loss-plateau rule
    must not stop training before the curriculum is complete (it did, after 6
    of 30 curriculum epochs, having used a third of the rows), but it applies
    from the first epoch on the full schedule."""
    from sklearn.datasets import make_classification

    X, y = make_classification(200, 10, flip_y=0.1, random_state=0)
    params = dict(hidden_layer_sizes=(20,), curriculum=kind, curriculum_epochs=30,
                  max_iter=100, n_iter_no_change=5, random_state=0)
    est = _fit_quiet(MLPRegularizedClassifier(**params), X, y)
    assert est.n_iter_ > 30
    # a plateau rule that always fires: counting starts after the curriculum
    est = MLPRegularizedClassifier(**{**params, "tol": 1e9})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    # scikit-learn's count: stops after n_iter_no_change + 1 non-improving epochs
    assert est.n_iter_ == 30 + 1 + 5 + 1


def test_curriculum_difficulty_is_split_with_the_rows():
    """With the internal validation split, the curriculum orders the training
    rows by their own difficulties: epoch e uses the easiest rows of the
    training part (seen through a recording ``augment``)."""
    X, y, difficulty = _curriculum_data()
    rec = _RecordBatches()
    est = MLPRegularizedClassifier(
        hidden_layer_sizes=(5,), max_iter=20, early_stopping=True, validation_fraction=0.2,
        curriculum="deterministic", random_state=0, augment=rec,
    )
    _fit_quiet(est, X, y, sample_difficulty=difficulty)
    row_of = {x.tobytes(): i for i, x in enumerate(X)}
    epochs = [np.array([row_of[x.tobytes()] for x in Xb]) for Xb in rec.X]  # one batch/epoch
    assert len(epochs) == est.n_iter_ == 20
    train = np.unique(np.concatenate(epochs))
    assert len(train) == 80 and len(epochs[-1]) == 80  # the curriculum completed
    easy_order = train[np.argsort(difficulty[train], kind="stable")]
    for rows in epochs:
        np.testing.assert_array_equal(np.sort(rows), np.sort(easy_order[: len(rows)]))
    assert len(epochs[0]) == math.ceil(0.2 * 80) == 16
    # not the easiest rows overall: the held-out rows are not candidates
    assert set(epochs[0]) != set(np.argsort(difficulty, kind="stable")[:16])


# --------------------------------------------------- user validation set
def test_user_validation_set_drives_early_stopping():
    X, y, X_val, y_val = _linear_data()
    est = _fit_quiet(
        _gd_linear(len(y), max_iter=200, early_stopping=True, n_iter_no_change=3),
        X, y, X_val=X_val, y_val=y_val,
    )
    curve = est.validation_loss_curve_
    assert est.n_iter_ == len(curve) < 200  # stopped on X_val
    assert est.best_iteration_ == len(curve) - 3
    # the restored model's loss on X_val is the best value of the curve
    assert _mse_half(est.predict(X_val), y_val) == pytest.approx(min(curve), rel=1e-12)
    assert est.best_validation_score_ == pytest.approx(-min(curve), rel=1e-12)
    # the curve is the loss on X_val epoch by epoch
    for k in (1, 5):
        at_k = _fit_quiet(_gd_linear(len(y), max_iter=k), X, y)
        assert curve[k - 1] == pytest.approx(_mse_half(at_k.predict(X_val), y_val), rel=1e-12)


def test_user_validation_set_with_scorer_and_weights():
    X, y, X_val, y_val = _linear_data()
    sw_val = np.random.default_rng(0).uniform(0.5, 2.0, len(y_val))
    est = _fit_quiet(
        _gd_linear(len(y), max_iter=200, early_stopping=True, n_iter_no_change=3, scoring="r2"),
        X, y, X_val=X_val, y_val=y_val, sample_weight_val=sw_val,
    )
    pred = est.predict(X_val)
    wloss = 0.5 * np.average((pred - y_val) ** 2, weights=sw_val)
    assert est.validation_loss_curve_[est.best_iteration_ - 1] == pytest.approx(wloss)
    assert est.best_validation_score_ == pytest.approx(est.score(X_val, y_val, sw_val))
    assert est.best_validation_score_ == pytest.approx(max(est.validation_scores_))


def test_user_validation_set_without_early_stopping_only_monitors():
    X, y, X_val, _ = _linear_data()
    y_val = -(X_val @ W_TRUE)  # the validation loss only rises
    with pytest.warns(ConvergenceWarning):
        est = _gd_linear(len(y), max_iter=15).fit(X, y, X_val=X_val, y_val=y_val)
    curve = est.validation_loss_curve_
    assert est.n_iter_ == 15 == len(curve) == len(est.validation_scores_)
    assert np.all(np.diff(curve) > 0)  # would have stopped at epoch 1 with early stopping
    assert est.best_iteration_ == 1
    # no restore: the final model is the last iterate
    assert _mse_half(est.predict(X_val), y_val) == pytest.approx(curve[-1], rel=1e-12)
    ref = _fit_quiet(_gd_linear(len(y), max_iter=15), X, y)
    np.testing.assert_array_equal(_theta(est), _theta(ref))
    # and the loss plateau still ends training (convergence, no warning)
    conv = _gd_linear(len(y), max_iter=10**4, tol=1e-6, n_iter_no_change=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        conv.fit(X, y, X_val=X_val, y_val=y_val)
    assert conv.n_iter_ < 10**4 and len(conv.validation_loss_curve_) == conv.n_iter_


def test_user_validation_set_in_pipeline():
    X, y, X_val, y_val = _linear_data()
    est = _gd_linear(len(y), max_iter=200, early_stopping=True, n_iter_no_change=3)
    direct = _fit_quiet(clone(est), X, y, X_val=X_val, y_val=y_val)
    pipe = Pipeline([("id", FunctionTransformer()), ("mlp", clone(est))])
    _fit_quiet(pipe, X, y, mlp__X_val=X_val, mlp__y_val=y_val)
    assert pipe["mlp"].validation_loss_curve_ == direct.validation_loss_curve_
    np.testing.assert_array_equal(_theta(pipe["mlp"]), _theta(direct))


def test_pipeline_does_not_transform_X_val():
    """The Pipeline passes X_val to the final step untransformed: transform it
    yourself with the fitted preprocessing (documented caveat)."""
    X, y, X_val, y_val = _linear_data()
    X, X_val = 10 * X + 3, 10 * X_val + 3
    est = _gd_linear(len(y), max_iter=5, learning_rate=0.05)
    raw = Pipeline([("sc", StandardScaler()), ("mlp", clone(est))])
    _fit_quiet(raw, X, y, mlp__X_val=X_val, mlp__y_val=y_val)
    # monitored on the raw X_val, i.e. not the pipeline's loss on X_val
    assert raw["mlp"].validation_loss_curve_[-1] == pytest.approx(
        _mse_half(raw["mlp"].predict(X_val), y_val), rel=1e-12
    )
    assert abs(raw["mlp"].validation_loss_curve_[-1] - _mse_half(raw.predict(X_val), y_val)) > 1
    # workaround: pass the transformed validation set
    scaler = StandardScaler().fit(X)
    good = Pipeline([("sc", StandardScaler()), ("mlp", clone(est))])
    _fit_quiet(good, X, y, mlp__X_val=scaler.transform(X_val), mlp__y_val=y_val)
    assert good["mlp"].validation_loss_curve_[-1] == pytest.approx(
        _mse_half(good.predict(X_val), y_val), rel=1e-12
    )


def test_user_validation_set_with_metadata_routing():
    X, y, X_val, y_val = _linear_data(n=60, n_val=20)  # n_val != n: not split by the CV
    with sklearn.config_context(enable_metadata_routing=True):
        est = _gd_linear(len(y), max_iter=200, early_stopping=True, n_iter_no_change=3)
        est.set_fit_request(X_val=True, y_val=True)
        cv = KFold(3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = cross_validate(
                est, X, y, cv=cv, params={"X_val": X_val, "y_val": y_val},
                return_estimator=True,
            )
    for fitted, (tr, _) in zip(res["estimator"], cv.split(X)):
        curve = fitted.validation_loss_curve_
        assert curve is not None
        assert _mse_half(fitted.predict(X_val), y_val) == pytest.approx(min(curve), rel=1e-12)
        ref = _fit_quiet(clone(est), X[tr], y[tr], X_val=X_val, y_val=y_val)
        assert ref.validation_loss_curve_ == curve
    assert not sklearn.get_config()["enable_metadata_routing"]


def test_user_validation_set_errors():
    X, y, X_val, y_val = _linear_data()
    est = _gd_linear(len(y), max_iter=2)
    with pytest.raises(ValueError, match="X_val and y_val"):
        est.fit(X, y, X_val=X_val)
    with pytest.raises(ValueError, match="X_val and y_val"):
        est.fit(X, y, y_val=y_val)
    with pytest.raises(ValueError, match="sample_weight_val"):
        est.fit(X, y, sample_weight_val=np.ones(len(y_val)))
    with pytest.raises(ValueError, match="features"):
        est.fit(X, y, X_val=X_val[:, :2], y_val=y_val)
    with pytest.raises(ValueError, match="rows"):
        est.fit(X, y, X_val=X_val, y_val=y_val[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        est.fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=np.ones(3))
    yc = (y > 0).astype(int)
    clf = MLPRegularizedClassifier((3,), max_iter=2, random_state=0)
    with pytest.raises(ValueError, match=r"'y_val' has .*7"):
        clf.fit(X, yc, X_val=X_val, y_val=np.r_[yc[: len(y_val) - 1], 7])


# --------------------------------------------------- parameter validation
@pytest.mark.parametrize(
    "name, value",
    [
        ("early_stopping_refit", "bogus"),
        ("early_stopping_refit", True),
        ("refit_unit", "steps"),
        ("averaging", "mean"),
        ("averaging", True),
        ("averaging_start", -1),
        ("averaging_start", 1.5),
        ("averaging_decay", 0.0),
        ("averaging_decay", 1.0),
        ("averaging_decay", "0.9"),
        ("curriculum", "easy"),
        ("curriculum_start", 0.0),
        ("curriculum_start", 1.5),
        ("curriculum_epochs", 0),
        ("curriculum_epochs", 2.5),
    ],
)
@pytest.mark.parametrize("Est", [MLPRegularizedClassifier, MLPRegularizedRegressor])
def test_invalid_meta_parameters(Est, name, value):
    X, y, _ = _curriculum_data(n=20)
    est = Est(hidden_layer_sizes=(2,), max_iter=1).set_params(**{name: value})
    with pytest.raises(ValueError, match=name):
        est.fit(X, y)


@pytest.mark.parametrize("bad", [np.ones(5), np.r_[np.ones(19), np.nan], np.ones((20, 1))])
def test_invalid_sample_difficulty(bad):
    X, y, _ = _curriculum_data(n=20)
    est = MLPRegularizedClassifier((2,), max_iter=1, curriculum="deterministic")
    with pytest.raises(ValueError, match="sample_difficulty"):
        est.fit(X, y, sample_difficulty=bad)
