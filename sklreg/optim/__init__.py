"""Optimizers (book chapter 8), learning-rate schedules and gradient clipping.

Every optimizer and schedule is a small scikit-learn-style object that can be
passed as an estimator parameter (and grid-searched through ``optimizer__*``)
or used on its own on any flat parameter vector.
"""

from .base import FirstOrderOptimizer, Optimizer
from .clipping import clip_by_global_norm, clip_by_value
from .first_order import SGD, AdaDelta, AdaGrad, Adam, Momentum, Nesterov, RMSProp, RMSPropNesterov
from .schedules import (
    Constant,
    ExponentialDecay,
    InverseScaling,
    LinearDecay,
    ReduceOnPlateau,
    Schedule,
    StepDecay,
)

__all__ = [
    "Optimizer", "FirstOrderOptimizer",
    "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "RMSPropNesterov", "Adam", "AdaDelta",
    "Schedule", "Constant", "LinearDecay", "InverseScaling", "ExponentialDecay", "StepDecay",
    "ReduceOnPlateau",
    "clip_by_global_norm", "clip_by_value",
]
