"""Growing minibatch sizes (book 8.1.3)."""

from __future__ import annotations

from ._base import Feature, Param, interval, register

__all__ = ["BatchGrowth"]


@register
class BatchGrowth(Feature):
    implemented = False  # in progress
    name, section = "batch_growth", "8.1.3"
    example = {"batch_size": 8, "batch_size_growth": 1.5}
    minibatch_only = True
    params = (
        Param("batch_size_growth", 1.0, interval("batch_size_growth", 1.0, None), """
    batch_size_growth : float, default=1.0
        Factor >= 1 by which the minibatch size is multiplied after each
        epoch, capped at the number of rows (book 8.1.3: small noisy batches
        early, larger exact ones later); 1.0 keeps it fixed."""),
    )

    def active(self, est):
        return est.batch_size_growth != 1.0
