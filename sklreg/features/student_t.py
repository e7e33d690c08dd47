"""Student-t sparsity penalty on hidden activations (book 7.10)."""

from __future__ import annotations

from ._base import Feature, Param, register

__all__ = ["StudentT"]


@register
class StudentT(Feature):
    implemented = False  # in progress
    name, section = "student_t", "7.10"
    example = {"activity_student_t": 0.01}
    params = (
        Param("activity_student_t", 0.0, lambda v: v, """
    activity_student_t : float or list of float, default=0.0
        Student-t sparsity penalty (book 7.10): adds this weight times
        ``sum_j log(1 + h_j^2)`` of each hidden layer's activations (mean over
        rows), alongside ``activity_l1`` and ``activity_kl``; one value, or
        one per hidden layer."""),
    )

    def active(self, est):
        v = est.activity_student_t
        return bool(v) if not isinstance(v, (list, tuple)) else any(v)
