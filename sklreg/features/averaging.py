"""Parameter averaging (book 8.7.3): Polyak averaging and its exponential variant."""

from __future__ import annotations

from ..callbacks import ParameterAveraging
from ._base import Feature, Param, interval, options, register


@register
class Averaging(Feature):
    name, section = "averaging", "8.7.3"
    example = {"averaging": "polyak"}
    minibatch_only = True
    params = (
        Param("averaging", None, options("averaging", [None, "polyak", "ema"]), """
    averaging : {None, 'polyak', 'ema'}, default=None
        Parameter averaging (book 8.7.3): 'polyak' keeps the arithmetic mean
        of the iterates, 'ema' an exponentially decaying running average.
        Training continues from the raw iterate; the averaged parameters are
        the ones validated (early stopping) and returned for prediction."""),
        Param("averaging_start", 0, interval("averaging_start", 0, None, integer=True), """
    averaging_start : int, default=0
        Epochs of training before the averaging starts."""),
        Param("averaging_decay", 0.999,
              interval("averaging_decay", 0.0, 1.0, closed="neither"), """
    averaging_decay : float, default=0.999
        Decay of the 'ema' average per update."""),
    )

    @staticmethod
    def make(p):
        """A fresh averager for the estimator parameters ``p`` (or None)."""
        if p["averaging"] is None:
            return None
        return ParameterAveraging(
            p["averaging"], p["averaging_start"], float(p["averaging_decay"])
        )

    def contribute(self, trainer, data, plan):
        averager = self.make(trainer.estimator_params)
        if trainer.incremental and not trainer.first and trainer.kept("averager") is not None:
            averager = trainer.kept("averager")  # keep averaging across partial_fit calls
        trainer.keep("averager", averager if trainer.incremental else None)
        if averager is not None:  # evaluate and return the averaged parameters
            plan.pre_callbacks.append(averager)
            plan.step_hooks.append(averager)
