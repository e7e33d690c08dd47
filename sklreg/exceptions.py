"""Warnings raised by sklreg (as :mod:`sklearn.exceptions` for scikit-learn)."""

__all__ = ["DivergenceWarning", "InvalidParameterError"]


class DivergenceWarning(UserWarning):
    """Training diverged (book 8.2.4) and was stopped; the best parameters seen
    were kept (see ``docs/training_safety.md``).

    A ``UserWarning``, not a ``ConvergenceWarning``, so that filters silencing
    convergence warnings in grid searches do not hide it.
    """


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter (or a knob of an optimizer, schedule, ...) has an
    invalid value.  Subclasses both ValueError and TypeError, as
    scikit-learn's own ``InvalidParameterError``, so code catching either keeps
    working; the message follows scikit-learn's wording."""
