"""Pickling of every sklreg estimator (user guide: ``docs/saving.md``).

:class:`PersistenceMixin` sits before ``BaseEstimator`` in the bases of each
estimator.  Its ``__getstate__``/``__setstate__`` serve pickle, joblib,
``copy.deepcopy`` and ``skops.io`` alike, and

* record the sklreg version in the state (``_sklreg_version``); loading it
  under another version warns with
  :class:`~sklreg.exceptions.InconsistentVersionWarning`, as scikit-learn does
  for its own estimators with ``_sklearn_version``;
* for an estimator whose fitted state has an internal layout
  (``_STATE_FORMAT`` set, e.g. the MLPs' flat parameter vector), record the
  layout's format in a fitted state and refuse, with a ValueError saying to
  refit, a fitted state of another format instead of mis-loading it;
* leave out the attributes named in ``_NOT_PICKLED`` (views of other arrays)
  and rebuild them after loading with ``_rebuild_after_load``.
"""

from __future__ import annotations

import warnings

from .exceptions import InconsistentVersionWarning

__all__ = ["PersistenceMixin"]

#: ``original_sklreg_version`` of a state saved before sklreg recorded its version
UNKNOWN_VERSION = "unknown"


def _sklreg_version():
    # imported here: sklreg/__init__.py imports the estimators before it sets __version__
    from . import __version__

    return __version__


class PersistenceMixin:
    """Version recording and state-format checks for pickling sklreg estimators."""

    #: layout version of the fitted state; None: nothing to check.  Raise it
    #: when the layout changes so that older pickles cannot be used any more.
    _STATE_FORMAT = None
    #: an attribute present in the state only once fitted (with the layout above)
    _FITTED_STATE_KEY = None
    #: attributes not saved (views of other arrays): rebuilt by _rebuild_after_load
    _NOT_PICKLED = ()

    def _rebuild_after_load(self):
        """Recreate the ``_NOT_PICKLED`` attributes (no-op by default)."""

    def _has_formatted_state(self, state):
        return self._STATE_FORMAT is not None and self._FITTED_STATE_KEY in state

    def __getstate__(self):
        # a copy: on Python >= 3.11 object.__getstate__ returns the live __dict__
        state = dict(super().__getstate__())
        for name in self._NOT_PICKLED:
            state.pop(name, None)
        if self._has_formatted_state(state):
            state["_state_format"] = self._STATE_FORMAT
        state["_sklreg_version"] = _sklreg_version()
        return state

    def __setstate__(self, state):
        state = dict(state)  # the caller's dict is left as it was
        current = _sklreg_version()
        original = state.pop("_sklreg_version", UNKNOWN_VERSION)
        stored_format = state.pop("_state_format", 1)
        if self._has_formatted_state(state) and stored_format != self._STATE_FORMAT:
            which = "an earlier" if _before(stored_format, self._STATE_FORMAT) else "another"
            raise ValueError(
                f"This {type(self).__name__} was pickled by {which} sklreg release "
                f"(version {original}) whose fitted state this version ({current}) cannot "
                f"use (state format {stored_format}, expected {self._STATE_FORMAT}). Refit "
                "the model with this version, or load it with the release that saved it."
            )
        if original != current:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_sklreg_version=current,
                    original_sklreg_version=original,
                ),
                stacklevel=2,
            )
        super().__setstate__(state)
        self._rebuild_after_load()


def _before(stored, expected):
    try:
        return stored < expected
    except TypeError:  # a corrupted or foreign state: not comparable
        return False
