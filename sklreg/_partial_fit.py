"""When ``partial_fit`` exists: first-order optimizers only, never with early
stopping (both as scikit-learn's MLP)."""

from __future__ import annotations

import functools
import types

from ._registry import OPTIMIZERS

__all__ = ["partial_fit_if", "partial_fit_available"]


class _PartialFitUnavailable(ValueError, AttributeError):
    """partial_fit refused for this configuration: a ValueError, as scikit-learn
    raises for early stopping, and an AttributeError, so ``hasattr(est,
    'partial_fit')`` is False and scikit-learn's checks skip it."""


class partial_fit_if:
    """Like :func:`sklearn.utils.metaestimators.available_if`, but the check's
    own AttributeError (with its message) reaches the caller unchanged."""

    def __init__(self, check):
        self.check = check

    def __call__(self, fn):
        self.fn = fn
        functools.update_wrapper(self, fn)
        return self

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.fn
        self.check(obj)
        return types.MethodType(self.fn, obj)


def partial_fit_available(est):
    """partial_fit exists only for first-order (minibatch) optimizers, as in
    scikit-learn, and refuses early stopping with scikit-learn's ValueError."""
    if est.early_stopping:
        raise _PartialFitUnavailable("partial_fit does not support early_stopping=True")
    spec = est.optimizer
    cls = OPTIMIZERS[spec] if isinstance(spec, str) and spec in OPTIMIZERS else type(spec)
    if getattr(cls, "full_batch", False):
        raise AttributeError(  # scikit-learn's available_if wording, then why
            f"This {type(est).__name__!r} has no attribute 'partial_fit': it is not "
            f"available with the full-batch optimizer={spec!r}; use a first-order "
            "optimizer such as 'adam' or 'sgd'."
        )
    return True
