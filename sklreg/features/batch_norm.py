"""Batch normalization (book 8.7.1) of every hidden pre-activation; the layer is
:class:`~sklreg.batchnorm.BatchNorm`."""

from __future__ import annotations

from ._base import Feature, Param, boolean, interval, layout_changed, register

__all__ = ["BatchNormFeature"]


@register
class BatchNormFeature(Feature):
    name, section = "batch_norm", "8.7.1"
    example = {"batch_norm": True}
    changes_layout = True
    params = (
        Param("batch_norm", False, boolean("batch_norm"), """
    batch_norm : bool, default=False
        Batch normalization of every hidden pre-activation ``XW`` (book
        8.7.1): minibatch statistics in training, running statistics at
        inference; learned per-unit scale ``gamma`` and shift ``beta`` (never
        penalized) replace the dense bias, which stays fixed.  Needs
        minibatches of at least 2 rows; adds noise that regularizes (7.12)."""),
        Param("batch_norm_momentum", 0.9,
              interval("batch_norm_momentum", 0.0, 1.0, closed="left"),
              """
    batch_norm_momentum : float in [0, 1), default=0.9
        Running statistics ``r <- momentum * r + (1 - momentum) * batch``
        (plain average over the first ``1 / (1 - momentum)`` batches)."""),
        Param("batch_norm_epsilon", 1e-5,
              interval("batch_norm_epsilon", 0.0, None, closed="neither"),
              """
    batch_norm_epsilon : float, default=1e-5
        Added to the batch variance (the book's delta is 1e-8; 1e-5 keeps
        float32 training safe)."""),
    )

    def active(self, est):
        return bool(est.batch_norm)

    def validate(self, est):
        super().validate(est)
        if est.batch_norm and not isinstance(est.batch_size, str) and est.batch_size == 1:
            raise ValueError(
                "batch_norm=True needs minibatches of at least 2 samples (batch "
                "statistics); got batch_size=1."
            )

    def check_layout(self, old, new):
        if old.batch_norm != new.batch_norm:  # gamma and beta are parameters
            raise layout_changed("batch_norm")

    def layer_options(self, est, hidden):
        return {"batch_norm": bool(est.batch_norm),
                "batch_norm_momentum": float(est.batch_norm_momentum),
                "batch_norm_epsilon": float(est.batch_norm_epsilon)}
