"""Warnings raised by sklreg (as :mod:`sklearn.exceptions` for scikit-learn)."""

__all__ = ["DivergenceWarning", "InconsistentVersionWarning", "InvalidParameterError"]


class DivergenceWarning(UserWarning):
    """Training diverged (book 8.2.4) and was stopped; the best parameters seen
    were kept (see ``docs/training_safety.md``).

    A ``UserWarning``, not a ``ConvergenceWarning``, so that filters silencing
    convergence warnings in grid searches do not hide it.
    """


class InconsistentVersionWarning(UserWarning):
    """An estimator was unpickled under another sklreg version than the one that
    saved it (as scikit-learn's ``InconsistentVersionWarning``); see
    ``docs/saving.md``.

    Parameters
    ----------
    estimator_name : str
        Name of the estimator's class.
    current_sklreg_version : str
        The sklreg version loading the estimator.
    original_sklreg_version : str
        The sklreg version that pickled it (``"unknown"`` if it did not record one).
    """

    def __init__(self, *, estimator_name, current_sklreg_version, original_sklreg_version):
        self.estimator_name = estimator_name
        self.current_sklreg_version = current_sklreg_version
        self.original_sklreg_version = original_sklreg_version

    def __str__(self):
        return (
            f"Trying to unpickle estimator {self.estimator_name} from sklreg version "
            f"{self.original_sklreg_version} when using version {self.current_sklreg_version}. "
            "This might lead to breaking code or invalid results. Use at your own risk; "
            "refitting with this version is safest. See docs/saving.md in the sklreg "
            "repository."
        )


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter (or a knob of an optimizer, schedule, ...) has an
    invalid value.  Subclasses both ValueError and TypeError, as
    scikit-learn's own ``InvalidParameterError``, so code catching either keeps
    working; the message follows scikit-learn's wording."""
