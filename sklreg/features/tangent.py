"""Tangent propagation (book 7.14, eq. 7.67)."""

from __future__ import annotations

from ._base import Feature, Param, interval, register

__all__ = ["TangentProp"]


@register
class TangentProp(Feature):
    implemented = False  # in progress
    name, section = "tangent", "7.14"
    example = {"tangent_prop": 0.1, "tangent_vectors": [[1.0, 0.0, 0.0, 0.0, 0.0]]}
    params = (
        Param("tangent_prop", 0.0, interval("tangent_prop", 0.0, None), """
    tangent_prop : float, default=0.0
        Weight of the tangent propagation penalty (book 7.14, eq. 7.67):
        ``sum_i ((grad_x f(x))^T v_i)^2`` over the outputs, which makes the
        model locally invariant along the ``tangent_vectors``."""),
        Param("tangent_vectors", None, lambda v: v, """
    tangent_vectors : array-like of shape (k, n_features), callable or None, default=None
        Tangent directions ``v_i`` of ``tangent_prop``: ``k`` global
        directions, or a callable ``X -> array (n_samples, k, n_features)``
        giving each row its own."""),
    )

    def active(self, est):
        return bool(est.tangent_prop)
