"""Gradient clipping (book 8.2.4): cliffs and exploding gradients."""

from __future__ import annotations

from ..optim.clipping import clip_by_global_norm, clip_by_value
from ._base import Feature, Param, interval, register


def _optional_positive(name):
    check = interval(name, 0.0, None, closed="neither")
    return lambda v: v if v is None else check(v)


@register
class Clipping(Feature):
    name, section = "clipping", "8.2.4"
    example = {"clip_norm": 1.0, "clip_value": 0.5}
    params = (
        Param("clip_norm", None, _optional_positive("clip_norm"), """
    clip_norm : float or None, default=None
        Clip every minibatch gradient to this global L2 norm, keeping its
        direction (book 8.2.4 / 10.11.1)."""),
        Param("clip_value", None, _optional_positive("clip_value"), """
    clip_value : float or None, default=None
        Clip every gradient component to ``[-clip_value, clip_value]``."""),
    )

    def active(self, est):
        return est.clip_norm is not None or est.clip_value is not None

    def contribute(self, trainer, data, plan):
        p = trainer.estimator_params
        if p["clip_norm"] is not None:
            plan.grad_hooks.append(lambda g, c=float(p["clip_norm"]): clip_by_global_norm(g, c))
        if p["clip_value"] is not None:
            plan.grad_hooks.append(lambda g, c=float(p["clip_value"]): clip_by_value(g, c))
