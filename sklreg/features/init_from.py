"""Initialization by learning: start from another model's parameters (book 8.4)."""

from __future__ import annotations

from ._base import Feature, Param, register

__all__ = ["InitFrom"]


@register
class InitFrom(Feature):
    implemented = False  # in progress
    name, section = "init_from", "8.4"
    example = {}
    params = (
        Param("init_from", None, lambda v: v, """
    init_from : fitted sklreg MLP estimator, list or None, default=None
        Initialization by learning (book 8.4): start from the parameters of a
        fitted sklreg estimator of compatible shape, or of a list
        ``[coefs, intercepts]`` shaped like ``coefs_``/``intercepts_``;
        a shape mismatch raises an error.  Used by the first ``fit``
        (not by warm starts)."""),
    )
