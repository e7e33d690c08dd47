"""Gradient clipping (book 8.2.4 and 10.11.1), applied to each minibatch gradient.

Clipping is a gradient transform applied by the training loop between the
gradient evaluation and the optimizer's update -- one home for it, whatever the
optimizer (also at Nesterov's interim point, since the optimizer sees the
clipped gradient callback).
"""

from __future__ import annotations

import numpy as np

__all__ = ["clip_by_global_norm", "clip_by_value"]


def clip_by_global_norm(grad, max_norm):
    """If ||g|| > max_norm: g <- g * max_norm / ||g|| (in place; direction kept).

    Pascanu et al. (2013), book 10.11.1.  Returns ``grad``.
    """
    norm = float(np.sqrt(grad @ grad))
    if norm > max_norm:
        grad *= max_norm / norm
    return grad


def clip_by_value(grad, max_value):
    """Clip every component to [-max_value, max_value] in place (Mikolov 2012)."""
    return np.clip(grad, -max_value, max_value, out=grad)
