"""sklreg: the regularization and optimization toolbox of *Deep Learning*
(Goodfellow, Bengio, Courville), chapters 7 and 8, as scikit-learn estimators.
"""

from . import initializers, optim
from .mlp import MLPRegularizedClassifier, MLPRegularizedRegressor

__version__ = "0.1.0"

__all__ = [
    "MLPRegularizedClassifier",
    "MLPRegularizedRegressor",
    "initializers",
    "optim",
]
