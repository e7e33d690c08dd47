"""Multi-task learning: a shared trunk and one head per task (book 7.7)."""

from __future__ import annotations

from ._base import Feature, Param, register

__all__ = ["MultiTask"]


@register
class MultiTask(Feature):
    implemented = False  # in progress
    name, section = "multitask", "7.7"
    example = {"task_hidden_layer_sizes": (3,)}
    changes_layout = True
    params = (
        Param("task_hidden_layer_sizes", None, lambda v: v, """
    task_hidden_layer_sizes : int, tuple of int or None, default=None
        Multi-task learning (book 7.7): ``hidden_layer_sizes`` become the
        shared trunk and every output (task) gets its own head with these
        hidden layers on top of it (multi-output regression, multilabel
        classification).  None: one output layer shared by all outputs."""),
        Param("task_weights", None, lambda v: v, """
    task_weights : array-like of shape (n_outputs,) or None, default=None
        Weight of each task's loss (None: all 1).  In the regressor, NaN in
        ``y`` means "label missing for this task": that entry is left out of
        its task's loss."""),
    )
