"""Declarative hyper-parameter checks of the optimizers and schedules.

A class lists its knobs' rules in ``_knobs`` (name -> :class:`Knob`); the
rules of its bases come first (merged along the MRO, a subclass may override
a base's rule), and :meth:`KnobChecks._validate` checks them in that order.
Checks that depend on another knob or on a list of options stay in a
``_validate`` override that calls ``super()._validate()`` first.
"""

from __future__ import annotations

from typing import NamedTuple

from .._validation import check_interval

__all__ = ["Knob", "KnobChecks", "RATE", "POSITIVE", "NONNEGATIVE", "COUNT"]


class Knob(NamedTuple):
    """Interval rule of one knob (the arguments of ``check_interval``)."""

    low: object = None
    high: object = None
    closed: str = "left"
    integer: bool = False
    #: None is accepted (a default resolved when the object starts)
    optional: bool = False


RATE = Knob(0.0, 1.0)                    # decay rates and momenta, in [0, 1)
POSITIVE = Knob(0.0, None, "neither")    # > 0
NONNEGATIVE = Knob(0.0)                  # >= 0
COUNT = Knob(1, integer=True)            # integer >= 1


class KnobChecks:
    """Mixin: check the ``_knobs`` rules of the class and its bases."""

    _knobs: dict = {}

    @classmethod
    def _knob_rules(cls):
        rules = {}
        for klass in reversed(cls.__mro__):
            rules.update(vars(klass).get("_knobs", {}))
        return rules

    def _validate(self):
        """Check the hyper-parameters; raise ValueError naming the bad one."""
        for name, knob in self._knob_rules().items():
            self._check(name, *knob)

    def _check(self, name, low=None, high=None, closed="left", integer=False,
               optional=False):
        """Check hyper-parameter ``name`` lies in the interval; message names it."""
        value = getattr(self, name)
        if optional and value is None:
            return
        check_interval(name, value, low, high, closed=closed, integer=integer,
                       owner=type(self).__name__)
