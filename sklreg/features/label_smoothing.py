"""Label smoothing (book 7.5.1): noise on the output targets, classifiers only.

The training targets of every phase go through the feature's target
transform (``FitPlan.target_transform``); validation losses and scores use
the hard labels.
"""

from __future__ import annotations

from ..losses import SoftmaxCrossEntropy
from ..noise import smooth_labels
from ._base import Feature, Param, interval, register

__all__ = ["LabelSmoothing"]


class SmoothTargets:
    """``Y -> smooth_labels(Y, eps, softmax)`` in ``Y``'s dtype."""

    def __init__(self, eps, softmax):
        self.eps, self.softmax = eps, softmax

    def __call__(self, Y):
        return smooth_labels(Y, self.eps, self.softmax).astype(Y.dtype, copy=False)


@register
class LabelSmoothing(Feature):
    name, section = "label_smoothing", "7.5.1"
    tasks = ("classifier",)
    example = {"label_smoothing": 0.02}
    params = (
        Param("label_smoothing", 0.0, interval("label_smoothing", 0.0, 1.0, closed="left"),
              """
    label_smoothing : float in [0, 1), default=0.0
        Label smoothing (book 7.5.1): softmax targets ``1 - eps`` for the true
        class and ``eps / (k - 1)`` for the others; for binary and multilabel
        (sigmoid) outputs targets ``1 - eps`` and ``eps``.  Keeps predicted
        probabilities (and the weights) bounded on separable data.  Must be
        below ``(k - 1) / k``.  Training loss only (validation loss uses the
        hard labels)."""),
    )

    def active(self, est):
        return bool(est.label_smoothing)

    def contribute(self, trainer, data, plan):
        eps = float(trainer.estimator_params["label_smoothing"])
        if not eps:
            return
        softmax = isinstance(trainer.objective.loss, SoftmaxCrossEntropy)
        k = data.Y.shape[1] if softmax else 2
        if eps >= (k - 1) / k:
            raise ValueError(
                f"label_smoothing={eps} must be below (k - 1) / k = {(k - 1) / k:.3g} for "
                f"{k} {'classes' if softmax else 'target values per output'}, so "
                "that the true class keeps the largest target."
            )
        plan.target_transform = SmoothTargets(eps, softmax)
