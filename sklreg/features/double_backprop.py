"""Double backpropagation (book 7.14, Drucker and LeCun 1992)."""

from __future__ import annotations

from ._base import Feature, Param, interval, register

__all__ = ["DoubleBackprop"]


@register
class DoubleBackprop(Feature):
    implemented = False  # in progress
    name, section = "double_backprop", "7.14"
    example = {"input_gradient_penalty": 0.1}
    params = (
        Param("input_gradient_penalty", 0.0, interval("input_gradient_penalty", 0.0, None), """
    input_gradient_penalty : float, default=0.0
        Double backprop (book 7.14): adds this weight times the mean of
        ``||grad_x L(f(x), y)||^2``, with its exact parameter gradient
        (second-order backpropagation), so the loss is flat around each
        training point."""),
    )

    def active(self, est):
        return bool(est.input_gradient_penalty)
