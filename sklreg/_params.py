"""Validation of the MLP estimators' constructor parameters (run in ``fit``).

``__init__`` only stores; :func:`validate_mlp_params` turns the stored values
into resolved objects (names -> registry objects, per-layer lists) and raises
``ValueError`` naming the parameter and its allowed values.
"""

from __future__ import annotations

from numbers import Integral, Real
from types import SimpleNamespace

import numpy as np
from sklearn.metrics import get_scorer, get_scorer_names

from ._registry import ACTIVATIONS, INITIALIZERS, OPTIMIZERS, SCHEDULES
from ._validation import check_bool, check_interval, check_options, check_per_layer

__all__ = ["validate_mlp_params", "hidden_sizes"]


def hidden_sizes(value):
    """``hidden_layer_sizes`` -> tuple of positive ints (``()`` allowed)."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        value = (value,)
    try:
        sizes = tuple(value)
    except TypeError:
        sizes = None
    if sizes is None or not all(
        isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
    ):
        raise ValueError(
            f"Invalid value for parameter 'hidden_layer_sizes': {value!r}. It must be a "
            "positive integer or a sequence of positive integers; () gives a linear "
            "(or logistic) model with no hidden layer."
        )
    return tuple(int(s) for s in sizes)


def _optional_positive(name, value):
    if value is not None:
        check_interval(name, value, 0.0, None, closed="neither")
    return value


def _scoring(value):
    if value == "loss" or callable(value):
        return value
    if isinstance(value, str) and value in get_scorer_names():
        return get_scorer(value)
    raise ValueError(
        f"Invalid value for parameter 'scoring': {value!r}. Use 'loss' (validation "
        "loss, the default), a scikit-learn scorer name (see "
        "sklearn.metrics.get_scorer_names()) or a callable scorer(estimator, X, y)."
    )


def validate_mlp_params(est):
    """Check every common MLP parameter; return a namespace of resolved values."""
    hidden = hidden_sizes(est.hidden_layer_sizes)
    n_weight_layers = len(hidden) + 1
    v = SimpleNamespace(hidden=hidden)
    v.activation = ACTIVATIONS.resolve(est.activation, "activation")
    v.optimizer = OPTIMIZERS.resolve(est.optimizer, "optimizer")
    if est.learning_rate is not None:
        check_interval("learning_rate", est.learning_rate, 0.0, None, closed="neither")
    v.learning_rate = (
        v.optimizer.default_learning_rate if est.learning_rate is None else float(est.learning_rate)
    )
    v.schedule = SCHEDULES.resolve(est.lr_schedule, "lr_schedule")
    if est.batch_size != "auto":
        check_interval("batch_size", est.batch_size, 1, None, integer=True)
    check_interval("max_iter", est.max_iter, 1, None, integer=True)
    check_bool("shuffle", est.shuffle)
    check_interval("tol", est.tol, 0.0, None)
    check_interval("n_iter_no_change", est.n_iter_no_change, 1, None, integer=True)
    v.alpha = check_per_layer("alpha", est.alpha, n_weight_layers)
    v.init = INITIALIZERS.resolve(est.init, "init")
    if not isinstance(est.hidden_bias_init, Real) or not np.isfinite(est.hidden_bias_init):
        raise ValueError(
            f"Invalid value for parameter 'hidden_bias_init': {est.hidden_bias_init!r}. "
            "It must be a finite real number (the book suggests 0.1 for ReLU units)."
        )
    check_options("output_bias_init", est.output_bias_init, ["marginal", "zeros"])
    _optional_positive("clip_norm", est.clip_norm)
    _optional_positive("clip_value", est.clip_value)
    check_bool("early_stopping", est.early_stopping)
    check_interval("validation_fraction", est.validation_fraction, 0.0, 1.0, closed="neither")
    v.scoring = _scoring(est.scoring)
    check_bool("warm_start", est.warm_start)
    check_interval("verbose", est.verbose, 0, None, integer=True)
    return v
