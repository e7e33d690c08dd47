"""Curvature diagnostics (book 8.2.1): g'g and g'Hg of the objective per epoch."""

from __future__ import annotations

import numpy as np

from .._hessian import make_curvature_monitor
from ._base import Feature, Param, boolean, register


@register
class CurvatureDiagnostics(Feature):
    name, section = "curvature", "8.2.1"
    example = {"curvature_diagnostics": True}
    attributes = {"curvature_history_": None}
    params = (
        Param("curvature_diagnostics", False, boolean("curvature_diagnostics"), """
    curvature_diagnostics : bool, default=False
        Record, after every epoch (every iteration for full-batch
        optimizers), the squared gradient norm ``g^T g`` and the curvature
        along the gradient ``g^T H g`` of the full training objective (book
        8.2.1, eq. 8.10) in ``curvature_history_``, with exact
        Hessian-vector products (R-operator); with noise, dropout, batch
        normalization or activity penalties, central differences of exact
        gradients under one frozen noise draw (the curvature of the noisy
        objective the optimizer sees, including under ``continuation``).
        Uses all training rows, or a fixed random subset of 10,000 rows for
        larger data.  Costs about four gradient evaluations per epoch; does
        not change the training run."""),
    )

    def active(self, est):
        return bool(est.curvature_diagnostics)

    def contribute(self, trainer, data, plan):
        if not trainer.estimator_params["curvature_diagnostics"]:
            trainer.keep("curvature", None)
            return
        old = None if trainer.first else trainer.kept("curvature")
        # a generator of its own: the diagnostics must not change the training run;
        # only the history is kept between calls (the monitor holds the training
        # data and must not end up in the fitted model or its pickle)
        monitor = make_curvature_monitor(
            trainer.objective, data.X, data.Y, data.sw, np.random.default_rng(0),
            [] if old is None else old,
        )
        trainer.keep("curvature", monitor.history)
        plan.callbacks.append(monitor)

    def after_training(self, trainer, data, stopper, state):
        return {"curvature_history_": trainer.kept("curvature")}
