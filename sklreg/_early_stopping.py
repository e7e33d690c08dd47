"""Early stopping plumbing (book 7.8, Algorithm 7.1): the validation split or
the user's ``X_val``, early checks of the validation set and the scorer, the
stopping callbacks, and the fitted attributes they leave."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import validate_data

from ._validation import check_sample_weight
from .callbacks import EarlyStopping, LossPlateau

__all__ = [
    "validation_split", "check_validation", "check_validation_set", "score_validation",
    "stopping_callbacks", "record_early_stopping",
]

#: input formats and dtypes accepted like predict's
ACCEPT_SPARSE = ["csr", "csc"]
DTYPES = [np.float64, np.float32]


def validation_split(est, n, y):
    """Train/validation row indices (stratified for classifiers, seeded)."""
    idx = np.arange(n)
    stratify = est._stratify(y)
    seed = int(est._rng.integers(np.iinfo(np.int32).max))
    try:
        tr, va = train_test_split(
            idx, test_size=est.validation_fraction, random_state=seed, stratify=stratify
        )
    except ValueError as exc:  # scikit-learn's wording, then what to change here
        raise ValueError(
            f"{exc} (early_stopping=True holds out a stratified validation_fraction="
            f"{est.validation_fraction} of the {n} samples: every class needs at "
            "least 2 samples and the validation set at least one per class. Pass "
            "X_val/y_val, change validation_fraction, or use early_stopping=False.)"
        ) from exc
    return tr, va

def check_validation_set(est, X_val, y_val, sw_val, scoring, early):
    """Fail at the start of fit, not after the first epoch: a validation set
    needs 2 rows, and the scorer must work on this task (book 7.8)."""
    if X_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
            if early and est.validation_fraction is not None else
            "The validation set is too small: X_val/y_val need at least 2 samples."
        )
    if not isinstance(est.scoring, str) or scoring == "loss":
        return  # a callable scorer is not called an extra time (it may keep state)
    name = repr(est.scoring)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = score_validation(est, scoring, X_val, y_val, sw_val)
    except Exception as exc:
        raise ValueError(
            f"scoring={name} cannot score {type(est).__name__} on this task: "
            f"{type(exc).__name__}: {exc}. Use a scorer for "
            f"{'classification' if is_classifier(est) else 'regression'} "
            "(see sklearn.metrics.get_scorer_names()) or scoring='loss'."
        ) from exc
    try:
        value = float(value)
    except (TypeError, ValueError):
        value = np.nan
    if np.isnan(value):
        raise ValueError(
            f"scoring={name} returned {value!r} on the validation set: it must return "
            "one number per call. Use another scorer or scoring='loss'."
        )

def score_validation(est, scoring, X_val, y_val, sw_val):
    """Score the current parameters; the validation set was validated once,
    so scikit-learn's per-call feature-name warning is not repeated."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        if sw_val is None:
            return scoring(est, X_val, y_val)
        return scoring(est, X_val, y_val, sample_weight=sw_val)

def check_validation(est, validation, dtype):
    """Validate a user validation set like predict input; encode its targets."""
    X_val, y_val, sw_val = validation
    X_val = validate_data(
        est, X_val, accept_sparse=ACCEPT_SPARSE, dtype=DTYPES, reset=False
    ).astype(dtype, copy=False)
    if sp.issparse(X_val):
        X_val = X_val.tocsr()
    y_val = np.asarray(y_val)
    if y_val.shape[0] != X_val.shape[0]:
        raise ValueError(
            f"X_val has {X_val.shape[0]} rows but y_val has {y_val.shape[0]}."
        )
    Y_val = est._encode_validation_targets(y_val).astype(dtype, copy=False)
    sw_val = check_sample_weight(sw_val, X_val.shape[0], dtype)
    return X_val, Y_val, sw_val, y_val


def stopping_callbacks(est, early, X_val, Y_val, sw_val, y_val, incremental, scoring, full_batch):
    if incremental:
        return [], None
    # full-batch methods stop by their own convergence test (as scikit-learn's lbfgs)
    plateau = [] if full_batch else [LossPlateau(est.tol, est.n_iter_no_change)]
    if X_val is None:
        return plateau, None
    if sw_val is not None and not sw_val.sum() > 0:
        warnings.warn(
            "The validation samples all have zero sample_weight, so a weighted "
            "validation loss is undefined; it is computed without weights. Pass "
            "X_val/y_val with positive weights or change validation_fraction.",
            UserWarning,
        )
        sw_val = None
    w_val = None if sw_val is None else sw_val / sw_val.sum()
    objective = est._objective

    def val_loss(theta):
        return objective.data_loss(theta, X_val, Y_val, w_val)

    val_score = None
    if scoring != "loss":
        def val_score(theta):
            return score_validation(est, scoring, X_val, y_val, sw_val)

    if not early:  # user validation set, monitored only
        stopper = EarlyStopping(val_loss, val_score, est.tol, np.inf, restore_best=False)
        return [*plateau, stopper], stopper
    stopper = EarlyStopping(val_loss, val_score, est.tol, est.n_iter_no_change)
    return [stopper], stopper

def record_early_stopping(stopper):
    """The fitted validation attributes (None when there was no validation set)."""
    if stopper is None:
        return dict.fromkeys((
            "validation_scores_", "validation_loss_curve_", "best_validation_score_",
            "best_iteration_", "best_t_",
        ))
    found = stopper.best_theta is not None
    return {
        "validation_scores_": stopper.scores,
        "validation_loss_curve_": stopper.losses,
        "best_validation_score_": stopper.best_score if found else None,
        # epochs of this call (1-based), so validation_scores_[best_iteration_ - 1]
        # is best_validation_score_
        "best_iteration_": stopper.best_iteration - stopper.epoch0 if found else None,
        "best_t_": stopper.best_step if found else None,
    }
