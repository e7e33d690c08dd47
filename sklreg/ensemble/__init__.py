"""Bagging and other ensemble methods for neural networks (book section 7.11).

* :class:`BaggingNetClassifier` / :class:`BaggingNetRegressor` -- k members
  (default: sklreg MLPs), each trained on its own bootstrap resample of the rows
  (really resampled index arrays) or, with ``bootstrap=False``, all on the same
  rows with different random seeds only; the classifier averages the members'
  distributions (arithmetic mean, eq 7.52, or the renormalized geometric mean),
  the regressor their predictions.
* :func:`ensemble_error_decomposition` -- the book's expected squared error of
  an average of k models, ``v/k + (k-1)c/k`` (eq 7.50-7.51), measured on data.
"""

from ._classifier import BaggingNetClassifier
from ._decomposition import ensemble_error_decomposition
from ._regressor import BaggingNetRegressor

__all__ = ["BaggingNetClassifier", "BaggingNetRegressor", "ensemble_error_decomposition"]
