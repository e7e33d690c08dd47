"""Multi-task learning: a shared trunk and one head per task (book 7.7).

Every output column of ``y`` is a task (multi-output regression, multilabel
classification).  ``hidden_layer_sizes`` are the shared trunk (the book's
``h(shared)``, Fig. 7.2); ``task_hidden_layer_sizes`` the hidden layers of
each task's own head above it (:class:`sklreg.architecture.TaskHeads`, the
network's output block, planned through
:meth:`MultiTask.layer_options`); ``task_weights`` weigh the tasks' losses
(:meth:`sklreg.losses.Loss.set_tasks`).  In the regressor, NaN in ``y`` is a
missing label: the entry is left out of its task's loss, which is normalized
by the task's own weighted count of labels.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import r2_score

from .._validation import param_error
from ..architecture import TaskHeads
from ..losses import SigmoidCrossEntropy, SoftmaxCrossEntropy
from ._base import Feature, Param, register

__all__ = ["MultiTask", "split_missing_labels", "present_mean", "score_missing"]


def _sizes(value):
    """``task_hidden_layer_sizes`` -> tuple of positive ints, or None."""
    if value is None:
        return None
    if isinstance(value, Integral) and not isinstance(value, bool):
        sizes = (value,)
    else:
        try:
            sizes = tuple(value)
        except TypeError:
            sizes = None
    if isinstance(value, str) or sizes is None or not all(
        isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
    ):
        raise param_error(
            "task_hidden_layer_sizes", "None, a positive integer or a sequence of positive "
            "integers (the hidden layers of every task's head; () for linear heads)", value,
        )
    return tuple(int(s) for s in sizes)


def _weights(value):
    """``task_weights`` -> 1-D float array (>= 0, finite, positive sum) or None."""
    if value is None:
        return None
    try:
        w = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        w = None
    if w is None or w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or np.any(
        w < 0
    ) or not w.sum() > 0:
        raise param_error(
            "task_weights", "None or a 1-D array-like of finite weights >= 0 with a positive "
            "sum, one per output (task)", value,
        )
    return w


@register
class MultiTask(Feature):
    name, section = "multitask", "7.7"
    example = {"task_hidden_layer_sizes": (3,)}
    changes_layout = True
    params = (
        Param("task_hidden_layer_sizes", None, _sizes, """
    task_hidden_layer_sizes : int, tuple of int or None, default=None
        Multi-task learning (book 7.7, Fig. 7.2): every output column of
        ``y`` is a task (multi-output regression, multilabel classification;
        a single-output model has one task; multiclass softmax outputs are
        refused).  ``hidden_layer_sizes`` become the shared trunk and every
        task gets its own head with these hidden layers on top of it
        (``()``: a linear head per task, the plain output layer).  The heads
        of one depth are computed as one block-diagonal layer (batched over
        the tasks).  ``coefs_``/``intercepts_`` then list the trunk's layers,
        then one entry per head depth: a ``(fan_in, n_tasks * fan_out)``
        matrix whose column block ``t`` (columns ``t*fan_out:(t+1)*fan_out``)
        is task ``t``'s weights (the last one is ``(h_last, n_tasks)``), and
        the matching ``(n_tasks * fan_out,)`` biases.  Dropout, noise on
        units, batch norm and activity penalties act on the trunk only;
        ``weight_noise`` on every layer.  ``alpha``, ``l1`` and ``max_norm``
        must be single values (they apply to the heads' weights too).  The
        task structure must stay the same for ``warm_start``/``partial_fit``.
        In the regressor, setting this or ``task_weights`` makes NaN in ``y``
        mean "missing label" (see ``task_weights``)."""),
        Param("task_weights", None, _weights, """
    task_weights : array-like of shape (n_outputs,) or None, default=None
        Weight ``c_j`` of each task's loss (None: all 1).  The data term is
        ``sum_j c_j * sum_i w_i m_ij L_ij / sum_i w_i m_ij`` over the rows of a
        minibatch (``w`` the sample weights, ``m_ij = 0`` for a missing label):
        each task's loss is normalized by its own weighted count of present
        labels.  In ``MLPRegularizedRegressor``, when this or
        ``task_hidden_layer_sizes`` is set, NaN in ``y`` (and ``y_val``) means
        "label missing for this task": the entry is left out of its task's
        loss, gradient and output-bias initialization (book 8.4 marginal
        statistics), the row keeps training the other tasks; every task
        needs at least one label in the first fit.  The validation loss is
        the same masked loss; ``score`` averages each task's R^2 over its
        labelled rows; other ``scoring`` values are refused with missing
        validation labels.  Without these parameters NaN in ``y`` is an
        error, as in scikit-learn.  The multilabel classifier does not take
        missing labels."""),
    )

    def active(self, est):
        return est.task_hidden_layer_sizes is not None or est.task_weights is not None

    @staticmethod
    def missing_labels_allowed(est):
        """NaN in y means "missing label": a regressor with the feature on."""
        return not is_classifier(est) and MultiTask().active(est)

    def validate(self, est):
        super().validate(est)
        sizes = _sizes(est.task_hidden_layer_sizes)
        if sizes:  # the heads add weight matrices: per-layer lists would not line up
            lists = [n for n in ("alpha", "l1", "max_norm")
                     if np.ndim(getattr(est, n, None)) > 0]
            if lists:
                raise ValueError(
                    f"With task_hidden_layer_sizes={sizes} the task heads add weight "
                    f"matrices; {', '.join(lists)} must then be a single value (applied to "
                    "the trunk's and the heads' weights), not one per layer."
                )

    def check_layout(self, old, new):
        if old.output_block != new.output_block:
            was, now = (getattr(c.output_block, "sizes", ()) for c in (old, new))
            raise ValueError(
                f"task_hidden_layer_sizes changed since the previous fit (task heads {was} "
                f"-> {now}); with warm_start=True or partial_fit the architecture (the task "
                "structure) must stay the same. Refit from scratch (warm_start=False)."
            )

    def layer_options(self, est, hidden):
        sizes = _sizes(getattr(est, "task_hidden_layer_sizes", None))
        return {"output_block": TaskHeads(sizes) if sizes else None}

    def before_training(self, trainer, data):
        p = trainer.estimator_params
        loss = trainer.objective.loss
        if not (p["task_hidden_layer_sizes"] is not None or p["task_weights"] is not None):
            if loss.task_weights is not None or loss.missing:
                loss.set_tasks(None, False)  # turned off since the previous fit
            return
        if isinstance(loss, SoftmaxCrossEntropy):
            raise ValueError(
                "task_hidden_layer_sizes/task_weights (multi-task learning, book 7.7) treat "
                "every output as a task with its own loss: multi-output regression or "
                "multilabel classification. This y is multiclass (one softmax output over "
                "the classes); use a multilabel indicator y or leave both None."
            )
        n_tasks = data.Y.shape[1]
        weights = _weights(p["task_weights"])
        if weights is not None and weights.shape[0] != n_tasks:
            raise ValueError(
                f"task_weights has {weights.shape[0]} values but y has {n_tasks} outputs "
                "(tasks); give one weight per output column."
            )
        missing = not isinstance(loss, SigmoidCrossEntropy)  # regression: NaN = missing
        loss.set_tasks(weights, missing)
        val = data.val
        if missing and val is not None and p["scoring"] != "loss" and np.isnan(val[1]).any():
            raise ValueError(
                f"scoring={p['scoring']!r} cannot score validation targets with missing "
                "labels (NaN in y_val, or in the validation_fraction split of y). Use "
                "scoring='loss' (the masked validation loss, each task normalized by its "
                "own labels) or a validation set without missing labels."
            )


def split_missing_labels(est, y, first):
    """``(y with missing labels set to 0, mask of them)`` when NaN in ``y``
    means "missing label" (:meth:`MultiTask.missing_labels_allowed`), else
    ``(y, None)``; in a ``first`` fit (new parameters) every task needs a label."""
    if not MultiTask.missing_labels_allowed(est):
        return y, None
    try:
        arr = None if np.iscomplexobj(y) else np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim not in (1, 2):
        return y, None  # validate_data reports it (y=None, strings, 3-D, ...)
    nan = np.isnan(arr)
    if not nan.any():
        return y, None
    empty = np.flatnonzero(nan.reshape(len(arr), -1).all(axis=0))
    if empty.size and first:
        raise ValueError(
            f"Task(s) {empty.tolist()} of y have no label (all NaN): every task needs at "
            "least one labelled row (its output bias starts from the mean of its labels). "
            "Drop those output columns."
        )
    return np.where(nan, 0.0, arr), nan


def present_mean(Y, sw):
    """Per-column (weighted) mean of the present (non-NaN) entries of ``Y``."""
    present = ~np.isnan(Y)
    a = np.ones(Y.shape[0]) if sw is None else np.asarray(sw, dtype=float)
    weights = a[:, None] * present
    total = weights.sum(axis=0)
    sums = np.einsum("ij,ij->j", weights, np.where(present, Y, 0.0))
    return np.divide(sums, total, out=np.zeros(Y.shape[1]), where=total > 0)


def score_missing(est, X, y, sample_weight, default):
    """R^2 of ``est``; with missing labels (NaN in ``y`` of a multi-task
    regressor) each task's R^2 on its labelled rows, averaged over tasks."""
    Y = np.asarray(y, dtype=float) if MultiTask.missing_labels_allowed(est) else None
    if Y is None or not np.isnan(Y).any():
        return default(X, y, sample_weight=sample_weight)
    pred = np.asarray(est.predict(X), dtype=float).reshape(len(Y), -1)
    Y = Y.reshape(len(Y), -1)
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    scores = []
    for j in range(Y.shape[1]):
        rows = ~np.isnan(Y[:, j])
        if rows.sum() >= 2:
            scores.append(r2_score(Y[rows, j], pred[rows, j],
                                   sample_weight=None if sw is None else sw[rows]))
    if not scores:
        raise ValueError("score needs at least one task with 2 labelled rows in y.")
    return float(np.mean(scores))
