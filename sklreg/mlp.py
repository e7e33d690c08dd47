"""MLPRegularizedClassifier and MLPRegularizedRegressor (the public estimators).

The classifier lives in :mod:`sklreg._classifier`, the regressor in
:mod:`sklreg._regressor` (target encoding, output loss and prediction per
task); everything they share lives in :mod:`sklreg._base_mlp`.  This module
keeps ``from sklreg.mlp import MLPRegularizedClassifier`` working.
"""

from ._classifier import MLPRegularizedClassifier
from ._regressor import MLPRegularizedRegressor

__all__ = ["MLPRegularizedClassifier", "MLPRegularizedRegressor"]
