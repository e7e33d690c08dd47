"""Designing models to aid optimization (draft 8.7.4): identity skip
connections and auxiliary heads (:mod:`sklreg.architecture`)."""

from __future__ import annotations

from ._base import Feature, Param, boolean, interval, layout_changed, register

__all__ = ["ModelDesign"]


@register
class ModelDesign(Feature):
    name, section = "model_design", "draft 8.7.4"
    example = {"hidden_layer_sizes": (6, 6, 6), "skip_connections": True,
               "auxiliary_heads": True}
    changes_layout = True
    params = (
        Param("skip_connections", False, boolean("skip_connections"),
              """
    skip_connections : bool, default=False
        Designing models to aid optimization (draft 8.7.4): identity skip
        connections ``h_l = block_l(h_{l-1}) + h_{l-1}`` around every hidden
        layer whose width equals the previous one's, shortening the path from
        the output to lower layers.  Needs two consecutive hidden layers of
        equal width.  Adds no parameters."""),
        Param("auxiliary_heads", False, boolean("auxiliary_heads"), """
    auxiliary_heads : bool, default=False
        Draft 8.7.4: an extra output head (own weights, same loss and
        targets) on every hidden layer but the last; during training the
        objective adds ``auxiliary_weight`` times each head's loss, so lower
        layers get a gradient from a nearby loss.  Predictions ignore the
        heads; their weights are not penalized.  Needs 2+ hidden layers."""),
        Param("auxiliary_weight", 0.3, interval("auxiliary_weight", 0.0, None),
              """
    auxiliary_weight : float, default=0.3
        Weight of each auxiliary head's loss in the objective."""),
    )

    def active(self, est):
        return bool(est.skip_connections or est.auxiliary_heads)

    def check_layout(self, old, new):
        if bool(old.auxiliary_weight) != bool(new.auxiliary_weight):  # the heads' weights
            raise layout_changed("auxiliary_heads")

    def layer_options(self, est, hidden):
        if est.skip_connections and not any(a == b for a, b in zip(hidden[:-1], hidden[1:])):
            raise ValueError(
                "skip_connections=True adds identity skips between consecutive hidden "
                f"layers of equal width, but hidden_layer_sizes={tuple(hidden)} has none; "
                "use e.g. (64, 64, 64)."
            )
        if est.auxiliary_heads and len(hidden) < 2:
            raise ValueError(
                "auxiliary_heads=True puts an output head on every hidden layer but the "
                f"last; hidden_layer_sizes={tuple(hidden)} needs at least 2 hidden layers."
            )
        return {"skip_connections": bool(est.skip_connections),
                "auxiliary_weight": float(est.auxiliary_weight) if est.auxiliary_heads else 0.0}
