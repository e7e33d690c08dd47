"""Early stopping (book 7.8, Algorithm 7.1) and the training-loss plateau rule.

The feature holds out the validation rows (or checks the user's
``X_val``/``y_val``) before training, contributes the stopping callbacks
(:class:`~sklreg.callbacks.EarlyStopping`, :class:`~sklreg.callbacks.LossPlateau`)
and records the fitted validation attributes.  The plumbing (split, checks,
callbacks) is :mod:`sklreg._early_stopping`.
"""

from __future__ import annotations

from sklearn.metrics import get_scorer, get_scorer_names

from .._early_stopping import (
    check_validation, check_validation_set, record_early_stopping, stopping_callbacks,
    validation_split,
)
from .._validation import param_error
from ._base import Feature, Param, boolean, interval, register

__all__ = ["EarlyStoppingFeature", "resolve_scoring"]


def resolve_scoring(value):
    """``scoring`` -> 'loss', a callable scorer, or raise naming ``scoring``."""
    if value == "loss" or callable(value):
        return value
    if isinstance(value, str) and value in get_scorer_names():
        return get_scorer(value)
    raise param_error(
        "scoring", "'loss' (validation loss, the default), a scikit-learn scorer name (see "
        "sklearn.metrics.get_scorer_names()) or a callable scorer(estimator, X, y)", value,
    )


@register
class EarlyStoppingFeature(Feature):
    name, section = "early_stopping", "7.8"
    example = {"early_stopping": True, "validation_fraction": 0.2}
    params = (
        Param("early_stopping", False, boolean("early_stopping"), """
    early_stopping : bool, default=False
        Algorithm 7.1 (book 7.8): hold out ``validation_fraction`` of the
        training data (stratified for classifiers, seeded by
        ``random_state``), evaluate after every epoch, stop after
        ``n_iter_no_change`` epochs without improvement and restore the
        parameters of the best epoch.  Not used by ``partial_fit``."""),
        Param("validation_fraction", 0.1,
              interval("validation_fraction", 0.0, 1.0, closed="neither"), """
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping."""),
        Param("scoring", "loss", resolve_scoring, """
    scoring : str or callable, default='loss'
        What early stopping monitors: 'loss' (validation loss, the book's
        default) or any scikit-learn scorer name / callable
        ``scorer(estimator, X, y)`` (book 7.8: stop on the true metric while
        training a surrogate loss)."""),
    )
    attributes = {}

    def active(self, est):
        return bool(est.early_stopping)

    def prepare(self, trainer, data):
        """The validation rows: the user's ``X_val``/``y_val``, or a held-out
        stratified share of the training rows under ``early_stopping``."""
        est, p = trainer.estimator, trainer.estimator_params
        early = p["early_stopping"] and not trainer.incremental
        if data.validation is not None:
            X_val, Y_val, sw_val, y_val = check_validation(est, data.validation, data.X.dtype)
        elif early:
            tr, va = validation_split(est, data.X.shape[0], data.y)
            X_val, Y_val, y_val = data.X[va], data.Y[va], data.y[va]
            sw_val = None if data.sw is None else data.sw[va]
            data.take(tr)
        else:
            return
        data.val, data.y_val = (X_val, Y_val, sw_val), y_val
        check_validation_set(est, X_val, y_val, sw_val, resolve_scoring(p["scoring"]), early)

    def contribute(self, trainer, data, plan):
        p = trainer.estimator_params
        early = p["early_stopping"] and not trainer.incremental
        X_val, Y_val, sw_val = data.val if data.val is not None else (None, None, None)
        callbacks, trainer.stopper = stopping_callbacks(
            trainer.estimator, early, X_val, Y_val, sw_val, data.y_val, trainer.incremental,
            resolve_scoring(p["scoring"]), trainer.optimizer.full_batch,
        )
        plan.callbacks.extend(callbacks)

    def after_training(self, trainer, data, stopper, state):
        return record_early_stopping(stopper)
