"""Retraining after early stopping (book 7.8): Algorithms 7.2 and 7.3."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from .averaging import Averaging
from ._base import Feature, Param, options, register


def _stack(a, b):
    if a is None or b is None:  # sample weights on one side only: see below
        return None
    if sp.issparse(a):
        return sp.vstack([a, b], format="csr")
    return np.concatenate([a, b])


def _normalized(sw):
    return None if sw is None else sw / sw.sum()


def _all_data(sub, val):
    """(X, Y, sw) of the training part and the validation part together."""
    X_all, Y_all, sw_all = (_stack(a, b) for a, b in zip(sub, val))
    if sw_all is None and val[2] is not None:  # only validation weights given
        sw_all = np.concatenate([np.ones(sub[0].shape[0], val[2].dtype), val[2]])
    elif sw_all is None and sub[2] is not None:  # only training weights given
        sw_all = np.concatenate([sub[2], np.ones(val[0].shape[0], sub[2].dtype)])
    return X_all, Y_all, sw_all


def retrain(trainer, data, stopper, unit):
    """Algorithm 7.2: new random parameters, train on all data for i* steps
    (``unit='epochs'``: the same number of epochs; 'updates': of updates)."""
    X_all, Y_all, sw_all = _all_data((data.X, data.Y, data.sw), data.val)
    epochs, updates = stopper.best_iteration - stopper.epoch0, stopper.best_step - stopper.step0
    trainer.reinitialize(Y_all, sw_all)
    # i* was chosen for the averaged parameters: average the retraining run too
    averager = Averaging.make(trainer.estimator_params)
    callbacks = [] if averager is None else [averager]
    hooks = trainer.step_hooks + callbacks
    if unit == "epochs":
        trainer.train(X_all, Y_all, sw_all, callbacks, hooks, max(1, epochs))
    else:  # same number of parameter updates (each epoch of all data has more)
        trainer.train(X_all, Y_all, sw_all, callbacks, hooks, np.iinfo(np.int32).max,
                      max_steps=max(1, updates))


def continue_training(trainer, data, max_epochs):
    """Algorithm 7.3: from theta*, train on all data until the validation
    objective falls below the training objective at the stopping point.
    Returns the number of extra epochs."""
    sub, val = (data.X, data.Y, data.sw), data.val
    X_all, Y_all, sw_all = _all_data(sub, val)
    obj = trainer.objective
    target = obj.value(trainer.theta, sub[0], sub[1], _normalized(sub[2]))
    ran = 0
    while obj.value(trainer.theta, val[0], val[1], _normalized(val[2])) > target:
        if ran >= max_epochs:
            warnings.warn(
                f"early_stopping_refit='continue' (Algorithm 7.3) stopped after max_iter="
                f"{max_epochs} extra epochs without the validation objective reaching "
                f"the training objective at the stopping point ({target:.6g}); the book "
                "notes this loop may not terminate. Consider 'retrain'.",
                ConvergenceWarning,
            )
            break
        trainer.train(X_all, Y_all, sw_all, n_epochs=1, keep_state=True)
        ran += 1
    return ran


@register
class Refit(Feature):
    name, section = "refit", "7.8"
    example = {"early_stopping": True, "early_stopping_refit": "retrain"}
    params = (
        Param("early_stopping_refit", None,
              options("early_stopping_refit", [None, "retrain", "continue"]), """
    early_stopping_refit : {None, 'retrain', 'continue'}, default=None
        What to do after early stopping has found the best number of steps
        ``i*`` on the split (book 7.8): 'retrain' is Algorithm 7.2 (new
        random parameters, train on all the data -- training part plus
        validation part -- for ``i*`` epochs or updates, see
        ``refit_unit``); 'continue' is Algorithm 7.3 (keep the best
        parameters and train on all the data until the validation objective
        falls below the training objective at the stopping point; capped at
        ``max_iter`` extra epochs with a ConvergenceWarning, since the book
        notes it may never terminate).  Requires ``early_stopping=True``."""),
        Param("refit_unit", "epochs", options("refit_unit", ["epochs", "updates"]), """
    refit_unit : {'epochs', 'updates'}, default='epochs'
        Whether Algorithm 7.2 retrains for the same number of passes over
        the data or the same number of parameter updates (the book leaves
        this open; the draft recommends epochs against overfitting)."""),
    )
    #: fitted attributes this feature sets (their value when it does not run)
    attributes = {"refit_n_iter_": None}

    def validate(self, est):
        super().validate(est)
        if est.early_stopping_refit is not None and not est.early_stopping:
            raise ValueError(
                f"early_stopping_refit={est.early_stopping_refit!r} needs early_stopping=True: "
                "Algorithms 7.2/7.3 retrain after early stopping has chosen the number of steps."
            )

    def after_training(self, trainer, data, stopper, state):
        p = trainer.estimator_params
        if state.interrupted or state.diverged:  # the user or divergence stopped the fit
            return {}
        if p["early_stopping_refit"] is None or stopper is None or not stopper.restore_best:
            return {}
        if p["early_stopping_refit"] == "retrain":
            retrain(trainer, data, stopper, p["refit_unit"])
            return {}
        return {"refit_n_iter_": continue_training(trainer, data, p["max_iter"])}
