"""sklreg: the regularization and optimization toolbox of *Deep Learning*
(Goodfellow, Bengio, Courville), chapters 7 and 8, as scikit-learn estimators.
"""

from . import initializers, inspection, optim
from .ensemble import (
    BaggingNetClassifier,
    BaggingNetRegressor,
    ensemble_error_decomposition,
)
from ._hessian import gradient_curvature, hessian_vector_product
from .linear import LassoBaseline, RidgeClosedForm, RidgeClosedFormClassifier
from .mlp import MLPRegularizedClassifier, MLPRegularizedRegressor

from ._version import __version__  # the one version source (pyproject reads it)

__all__ = [
    "BaggingNetClassifier",
    "BaggingNetRegressor",
    "LassoBaseline",
    "MLPRegularizedClassifier",
    "MLPRegularizedRegressor",
    "RidgeClosedForm",
    "RidgeClosedFormClassifier",
    "ensemble_error_decomposition",
    "gradient_curvature",
    "hessian_vector_product",
    "initializers",
    "inspection",
    "optim",
]
