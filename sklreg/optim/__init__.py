"""Optimizers (book chapter 8), learning-rate schedules and gradient clipping.

First-order (minibatch) optimizers follow the book's algorithm boxes 8.1-8.7;
the full-batch methods (L-BFGS, BFGS, nonlinear CG, damped Newton, natural
gradient; draft 8.5-8.6; delta-bar-delta, 8.5) live in :mod:`.batch`,
:mod:`.conjugate`, :mod:`.second_order` and :mod:`.delta_bar_delta`.  Every
optimizer and schedule is a small scikit-learn-style object that can be
passed as an estimator parameter (and grid-searched through
``optimizer__*``) or used on its own on any flat parameter vector.
"""

from .base import FirstOrderOptimizer, Optimizer
from .batch import BFGS, LBFGS, FullBatchOptimizer
from .conjugate import CG
from .delta_bar_delta import DeltaBarDelta
from .clipping import clip_by_global_norm, clip_by_value
from .first_order import SGD, AdaDelta, AdaGrad, Adam, Momentum, Nesterov, RMSProp, RMSPropNesterov
from .second_order import NaturalGradient, Newton
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
    "FullBatchOptimizer", "LBFGS", "BFGS", "CG", "Newton", "NaturalGradient", "DeltaBarDelta",
    "Schedule", "Constant", "LinearDecay", "InverseScaling", "ExponentialDecay", "StepDecay",
    "ReduceOnPlateau",
    "clip_by_global_norm", "clip_by_value",
]
