"""Helpers for sklreg's own tests: finite-difference gradient checks."""

from __future__ import annotations

import numpy as np

__all__ = ["central_diff", "rel_err"]


def central_diff(f, theta, h=1e-6):
    """Central finite differences ``(f(theta + h e_i) - f(theta - h e_i)) / 2h``."""
    g = np.zeros_like(theta)
    for i in range(theta.size):
        tp, tm = theta.copy(), theta.copy()
        tp[i] += h
        tm[i] -= h
        g[i] = (f(tp) - f(tm)) / (2 * h)
    return g


def rel_err(a, b):
    """Symmetric relative error ``||a - b|| / (||a|| + ||b||)``."""
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def training_objective(estimator, X, y, sample_weight=None):
    """The objective a fitted MLP estimator minimized, on ``(X, y)``:
    ``(objective, theta, X, Y, w)`` with ``Y`` the encoded targets and ``w``
    the normalized sample weights (None: uniform).  Feature terms contributed
    by the last ``fit`` are included (``objective.terms``)."""
    from ._hessian import _estimator_oracle

    oracle = _estimator_oracle(estimator, X, y, sample_weight)
    return oracle.objective, estimator._theta, oracle.X, oracle.Y, oracle.w
