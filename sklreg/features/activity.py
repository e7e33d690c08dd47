"""Sparse representations (book 7.10): L1 and KL penalties on the hidden
activations; the layer is :class:`~sklreg.activity.ActivityPenalty`."""

from __future__ import annotations

from .._validation import check_per_layer
from ..activations import Logistic
from .._registry import ACTIVATIONS
from ._base import Feature, Param, interval, is_on, register

__all__ = ["ActivityFeature"]


@register
class ActivityFeature(Feature):
    name, section = "activity", "7.10"
    example = {"activity_l1": 1e-3}
    params = (
        Param("activity_l1", 0.0, lambda v: v, """
    activity_l1 : float or sequence of float, default=0.0
        Sparse representations (book 7.10, eq. 7.48): penalty ``activity_l1 *
        mean_i sum_j |h_ij|`` on each hidden layer's activations (one value or
        one per hidden layer), averaged over samples like the loss.  See
        ``hidden_zero_fraction_``.""", per_layer="hidden"),
        Param("activity_kl", 0.0, lambda v: v, """
    activity_kl : float or sequence of float, default=0.0
        KL sparsity penalty ``sum_j KL(sparsity_target || mean_i h_ij)`` on
        each hidden layer (book 7.10); needs ``activation='logistic'``.""", per_layer="hidden"),
        Param("sparsity_target", 0.05,
              interval("sparsity_target", 0.0, 1.0, closed="neither"),
              """
    sparsity_target : float in (0, 1), default=0.05
        Target average activation of the ``activity_kl`` penalty."""),
    )

    def active(self, est):
        return is_on(est.activity_l1) or is_on(est.activity_kl)

    def layer_options(self, est, hidden):
        n = len(hidden)
        kl = tuple(check_per_layer("activity_kl", est.activity_kl, n))
        if any(kl) and not isinstance(ACTIVATIONS.resolve(est.activation, "activation"),
                                      Logistic):
            raise ValueError(
                f"activity_kl={est.activity_kl!r} needs hidden activations in (0, 1): use "
                f"activation='logistic' (got activation={est.activation!r}), or "
                "activity_l1 instead."
            )
        return {"activity_l1": tuple(check_per_layer("activity_l1", est.activity_l1, n)),
                "activity_kl": kl, "sparsity_target": float(est.sparsity_target)}
