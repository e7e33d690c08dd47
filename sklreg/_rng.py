"""The one random generator of a fit (never the global numpy state)."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from ._validation import param_error

__all__ = ["make_rng"]


def make_rng(random_state):
    """One numpy Generator per fit from an int, RandomState, Generator or None."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:  # fresh OS entropy; the global numpy state is not used
        return np.random.default_rng()
    try:
        rs = check_random_state(random_state)
    except ValueError as exc:
        raise param_error(
            "random_state", "an int, a numpy RandomState or Generator, or None",
            random_state,
        ) from exc
    return np.random.default_rng(rs.randint(np.iinfo(np.int32).max))
