"""Growing minibatch sizes (book 8.3.1, with the trade-offs of 8.1.3).

Book 8.1.3: the standard error of a minibatch gradient falls like
``1 / sqrt(m)``, so small batches give cheap, noisy steps (good early, when any
rough direction helps, and a regularizer) and large batches more exact but
costly ones (useful late, near a minimum, where the noise keeps the iterate
jittering).  The end of 8.3.1: "one can also trade off the benefits of both
batch and stochastic gradient descent by gradually increasing the minibatch
size during the course of learning" (no schedule given; this one is
geometric).  ``batch_size_growth=g`` starts with ``batch_size`` and
multiplies it by ``g`` after every epoch:

    size(e) = min(n, round(b * g**e))

``e`` is the number of epochs the model has been trained since it was
initialized (``Trainer.epoch``): a fresh ``fit`` starts at ``b``; ``partial_fit``
(one epoch per call) and ``warm_start`` fits continue growing; Algorithm 7.2's
retraining (new parameters, counters reset) starts again at ``b``.  ``b`` is
``batch_size``, or 200 for ``'auto'``; ``n`` is the number of training rows of
the phase.  Rounding is to the nearest integer, halves up.
"""

from __future__ import annotations

import math

from ._base import Feature, Param, interval, register

__all__ = ["BatchGrowth", "GrowingBatchSize"]

#: sizes are capped here before the loop caps them at the number of rows
_MAX_SIZE = 2**62


class GrowingBatchSize:
    """``size(epoch) = round(batch_size * growth**epoch)`` (uncapped by the rows).

    The protocol of ``FitPlan.batch_size_schedule``: ``schedule(epoch) -> int``
    is the minibatch size of the epoch that starts after ``epoch`` epochs of
    the model (the loop caps it at the number of rows), and
    ``steps_per_epoch(n, epoch0, n_epochs)`` the mean number of updates per
    epoch over the epochs ``epoch0 .. epoch0 + n_epochs - 1`` on ``n`` rows
    (what learning-rate schedules that count updates per epoch are given).
    """

    def __init__(self, batch_size, growth):
        self.batch_size = int(batch_size)
        self.growth = float(growth)

    def __call__(self, epoch):
        e = max(int(epoch), 0)
        if e * math.log(self.growth) >= math.log(_MAX_SIZE / self.batch_size):
            return _MAX_SIZE  # (and no float overflow in growth**e)
        return max(1, math.floor(self.batch_size * self.growth**e + 0.5))

    def steps_per_epoch(self, n, epoch0, n_epochs):
        n, n_epochs = int(n), max(int(n_epochs), 1)
        total = e = 0
        while e < n_epochs and self(epoch0 + e) < n:
            total += -(-n // self(epoch0 + e))
            e += 1
        total += n_epochs - e  # full batches from there on: one update per epoch
        return max(1, -(-total // n_epochs))


@register
class BatchGrowth(Feature):
    name, section = "batch_growth", "8.3.1"
    example = {"batch_size": 8, "batch_size_growth": 1.5}
    minibatch_only = True
    params = (
        Param("batch_size_growth", 1.0, interval("batch_size_growth", 1.0, None), """
    batch_size_growth : float, default=1.0
        Growing minibatches (book 8.3.1, 8.1.3): factor >= 1 by which the minibatch
        size is multiplied after each epoch, capped at the number of rows:
        epoch ``e`` (counted from the model's initialization, so
        ``partial_fit`` and warm starts keep growing) uses
        ``min(n_samples, round(batch_size * batch_size_growth**e))`` rows per
        update, with ``batch_size='auto'`` starting at 200.  Small noisy
        batches early, larger and more exact ones later: fewer updates per
        epoch (cheaper epochs), a smoother loss late in training.
        Learning-rate schedules that count updates per epoch (the default
        ``tau`` of 'linear', the default ``decay_steps``) get the mean number
        of updates per epoch over ``max_iter`` epochs.  1.0 keeps the size
        fixed.  Minibatch optimizers only."""),
    )

    def active(self, est):
        return est.batch_size_growth != 1.0

    def contribute(self, trainer, data, plan):
        p = trainer.estimator_params
        if p["batch_size_growth"] == 1.0:
            return
        start = 200 if p["batch_size"] == "auto" else p["batch_size"]
        plan.batch_size_schedule = GrowingBatchSize(start, p["batch_size_growth"])
