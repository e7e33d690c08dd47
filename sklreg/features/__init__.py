"""Book features as plugins: one module per feature, one ordered registry.

:data:`FEATURES` lists them in the order their contributions run (one import
line below per feature).  See :mod:`sklreg.features._base` for the protocol
and ``docs/architecture.md`` for a worked example.
"""

from ._base import FEATURES, Feature, FitPlan, Param, features_for, register

# the registry: order = order of the contributions in a fit
from . import norms  # noqa: E402,F401  7.1, 7.2, 7.9
from . import clipping  # noqa: E402,F401  8.2.4
from . import stopping  # noqa: E402,F401  7.8, Algorithm 7.1
from . import dropout  # noqa: E402,F401  7.12
from . import noise  # noqa: E402,F401  7.4, 7.5
from . import augment  # noqa: E402,F401  7.4
from . import label_smoothing  # noqa: E402,F401  7.5.1
from . import batch_norm  # noqa: E402,F401  8.7.1
from . import activity  # noqa: E402,F401  7.10
from . import model_design  # noqa: E402,F401  draft 8.7.4
from . import pretraining  # noqa: E402,F401  draft 8.7.3
from . import continuation  # noqa: E402,F401  draft 8.7.5
from . import averaging  # noqa: E402,F401  8.7.3
from . import curriculum  # noqa: E402,F401  draft 8.7.5
from . import refit  # noqa: E402,F401  7.8, Algorithms 7.2/7.3
from . import curvature  # noqa: E402,F401  8.2.1
from . import adversarial  # noqa: E402,F401  7.13
from . import tangent  # noqa: E402,F401  7.14
from . import double_backprop  # noqa: E402,F401  7.14
from . import multitask  # noqa: E402,F401  7.7
from . import student_t  # noqa: E402,F401  7.10
from . import per_example  # noqa: E402,F401  7.5, 7.12
from . import batch_growth  # noqa: E402,F401  8.3.1
from . import init_from  # noqa: E402,F401  8.4
from . import lsuv  # noqa: E402,F401  8.4 (init='lsuv')

__all__ = ["FEATURES", "Feature", "FitPlan", "Param", "features_for", "register"]
