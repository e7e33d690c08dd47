"""Student-t sparsity penalty on hidden activations (book 7.10)."""

from __future__ import annotations

from numbers import Real

from .._validation import check_interval, check_per_layer, param_error
from ._base import Feature, Param, register

__all__ = ["StudentT"]


def _check(value):
    """A float >= 0 or a sequence of them (its length is checked against the
    hidden layers in :meth:`StudentT.layer_options`)."""
    if isinstance(value, Real) and not isinstance(value, bool):
        return check_interval("activity_student_t", value, 0.0, None)
    try:
        values = list(value)
    except TypeError:
        values = None
    if values is None or isinstance(value, str):
        raise param_error(
            "activity_student_t", "a float >= 0 or a sequence of floats >= 0 (one per hidden "
            "layer)", value,
        )
    for i, v in enumerate(values):
        check_interval(f"activity_student_t[{i}]", v, 0.0, None)
    return value


@register
class StudentT(Feature):
    name, section = "student_t", "7.10"
    example = {"activity_student_t": 0.01}
    params = (
        Param("activity_student_t", 0.0, _check, """
    activity_student_t : float or sequence of float, default=0.0
        Student-t sparsity penalty (book 7.10; Olshausen & Field 1996,
        Bergstra 2011): adds ``activity_student_t * mean_i sum_j log(1 +
        h_ij^2)`` for each hidden layer's activations ``h`` (weighted mean
        over rows like the loss, summed over units), alongside
        ``activity_l1`` and ``activity_kl``; one value, or one per hidden
        layer.  Its gradient ``2 h / (1 + h^2)`` acts like L1 on small
        activations and fades on large ones, so the representation becomes
        heavy-tailed: most activations near zero (not exactly zero: see
        ``docs/noise_dropout.md``, "Student-t sparsity"), a few large.  Cost:
        one element-wise pass over the activations per layer.""", per_layer="hidden"),
    )

    def active(self, est):
        v = est.activity_student_t
        if isinstance(v, Real):
            return bool(v)
        try:
            return any(bool(x) for x in v)
        except TypeError:
            return True  # invalid: validation reports it

    def layer_options(self, est, hidden):
        """The per-layer coefficients planned in the activity-penalty layers."""
        value = getattr(est, "activity_student_t", 0.0)
        return {"activity_student_t": tuple(
            check_per_layer("activity_student_t", value, len(hidden))
        )}
