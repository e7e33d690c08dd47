"""Book features as plugins: one module per feature, one ordered registry.

:data:`FEATURES` lists them in the order their contributions run (one import
line below per feature).  See :mod:`sklreg.features._base` for the protocol
and ``docs/architecture.md`` for a worked example.
"""

from ._base import FEATURES, Feature, FitPlan, Param, register

# the registry: order = order of the contributions in a fit
from . import clipping  # noqa: E402,F401  8.2.4
from . import pretraining  # noqa: E402,F401  draft 8.7.3
from . import continuation  # noqa: E402,F401  draft 8.7.5
from . import averaging  # noqa: E402,F401  8.7.3
from . import curriculum  # noqa: E402,F401  draft 8.7.5
from . import refit  # noqa: E402,F401  7.8, Algorithms 7.2/7.3
from . import curvature  # noqa: E402,F401  8.2.1

__all__ = ["FEATURES", "Feature", "FitPlan", "Param", "register"]
