"""Meta-algorithms around the training loop (book 7.8, 8.7): retraining after
early stopping (Algorithms 7.2 and 7.3), parameter averaging and curriculum.

These functions are called by the MLP estimators' ``fit``; each builds on the
same training phase (:meth:`_BaseMLP._train_phase`) instead of a loop of its own.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from .callbacks import LossPlateau, ParameterAveraging
from .curriculum import Curriculum, per_sample_loss

__all__ = ["make_averager", "make_curriculum", "refit_after_early_stopping"]


def make_averager(est):
    """The ParameterAveraging hook/callback for ``est.averaging`` (or None)."""
    if est.averaging is None:
        return None
    return ParameterAveraging(est.averaging, est.averaging_start, float(est.averaging_decay))


class HoldUntilComplete:
    """Pause a training-loss stopping rule while the curriculum still grows the
    training set: the epoch loss rises as harder rows join, which a plateau
    rule would take for convergence (stopping before all rows were used)."""

    def __init__(self, rule, curriculum):
        self.rule, self.curriculum = rule, curriculum

    def on_train_begin(self, state, theta):
        self.rule.on_train_begin(state, theta)

    def on_epoch_end(self, state, theta):
        if self.curriculum.progress(state.epoch - 1) < 1.0:  # epoch just run was partial
            return False
        return self.rule.on_epoch_end(state, theta)

    def on_train_end(self, state, theta):
        self.rule.on_train_end(state, theta)


def make_curriculum(est, X, y, sample_weight, difficulty, epoch0, callbacks=None):
    """Row sampler for ``est.curriculum`` (or None).

    Without a given difficulty, a first model (a clone trained for
    ``min(max_iter, 20)`` epochs without curriculum) scores each training row
    by its loss, and the rows it fits worst count as hardest.  LossPlateau
    rules in ``callbacks`` are replaced in place by ones paused until the
    curriculum is complete.
    """
    if est.curriculum is None:
        return None
    if difficulty is None:
        first = clone(est).set_params(
            curriculum=None, early_stopping=False, early_stopping_refit=None,
            max_iter=min(est.max_iter, 20), warm_start=False, verbose=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            first.fit(X, y, sample_weight=sample_weight)
        difficulty = per_sample_loss(first, X, y)
    n_epochs = est.curriculum_epochs or max(1, est.max_iter // 2)
    curriculum = Curriculum(
        difficulty, est.curriculum, est.curriculum_start, n_epochs, epoch0, est.shuffle
    )
    for i, cb in enumerate(callbacks or []):
        if isinstance(cb, LossPlateau):
            callbacks[i] = HoldUntilComplete(cb, curriculum)
    return curriculum


def check_difficulty(sample_difficulty, n):
    if sample_difficulty is None:
        return None
    d = np.asarray(sample_difficulty, dtype=np.float64)
    if d.shape != (n,) or not np.all(np.isfinite(d)):
        raise ValueError(
            f"sample_difficulty must be a finite array of shape ({n},) (one value per "
            f"training sample, higher = harder); got shape {d.shape}."
        )
    return d


def _stack(a, b):
    if a is None or b is None:  # sample weights on one side only: see below
        return None
    if sp.issparse(a):
        return sp.vstack([a, b], format="csr")
    return np.concatenate([a, b])


def refit_after_early_stopping(est, params, sub, val, stopper, step_hooks):
    """Algorithms 7.2 ('retrain') and 7.3 ('continue') of book section 7.8.

    ``sub`` and ``val`` are the (X, Y, sw) of the training subset and the
    validation set used by Algorithm 7.1; "all data" is their union.
    """
    X_all, Y_all, sw_all = (_stack(a, b) for a, b in zip(sub, val))
    if sw_all is None and val[2] is not None:  # only validation weights given
        sw_all = np.concatenate([np.ones(sub[0].shape[0], val[2].dtype), val[2]])
    elif sw_all is None and sub[2] is not None:  # only training weights given
        sw_all = np.concatenate([sub[2], np.ones(val[0].shape[0], sub[2].dtype)])
    if est.early_stopping_refit == "retrain":
        _retrain(est, params, X_all, Y_all, sw_all, stopper, step_hooks)
    else:
        _continue(est, params, X_all, Y_all, sw_all, sub, val, step_hooks)


def _retrain(est, params, X_all, Y_all, sw_all, stopper, step_hooks):
    """Algorithm 7.2: new random parameters, train on all data for i* steps."""
    epochs, updates = stopper.best_iteration - stopper.epoch0, stopper.best_step - stopper.step0
    est._init_theta(params, Y_all, sw_all)
    est.n_iter_, est.t_, est.loss_curve_ = 0, 0, []
    # i* was chosen for the averaged parameters: average the retraining run too
    averager = make_averager(est)
    callbacks = [] if averager is None else [averager]
    step_hooks = list(step_hooks) if averager is None else [*step_hooks, averager]
    if est.refit_unit == "epochs":
        est._train_phase(params, X_all, Y_all, sw_all, callbacks, step_hooks, max(1, epochs))
    else:  # same number of parameter updates (each epoch of all data has more)
        est._train_phase(
            params, X_all, Y_all, sw_all, callbacks, step_hooks, np.iinfo(np.int32).max,
            max_steps=max(1, updates),
        )


def _normalized(sw):
    return None if sw is None else sw / sw.sum()


def _continue(est, params, X_all, Y_all, sw_all, sub, val, step_hooks):
    """Algorithm 7.3: from theta*, train on all data until the validation
    objective falls below the training objective at the stopping point."""
    obj = est._objective
    target = obj.value(est._theta, sub[0], sub[1], _normalized(sub[2]))
    budget = est.max_iter
    ran = 0
    while obj.value(est._theta, val[0], val[1], _normalized(val[2])) > target:
        if ran >= budget:
            warnings.warn(
                f"early_stopping_refit='continue' (Algorithm 7.3) stopped after max_iter="
                f"{est.max_iter} extra epochs without the validation objective reaching "
                f"the training objective at the stopping point ({target:.6g}); the book "
                "notes this loop may not terminate. Consider 'retrain'.",
                ConvergenceWarning,
            )
            break
        est._train_phase(params, X_all, Y_all, sw_all, [], step_hooks, 1, keep_state=True)
        ran += 1
    est.refit_n_iter_ = ran
