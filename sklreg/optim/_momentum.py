"""Momentum schedules of the momentum methods (book section 8.3.3).

``momentum_schedule`` of :class:`~sklreg.optim.Momentum` and
:class:`~sklreg.optim.Nesterov`: the momentum ``alpha_t`` of update ``t``
(0 for the first update) instead of the constant ``momentum``.  The named
schedule ``'nesterov'`` is ``alpha_t = 1 - 3 / (t + 5)``, the form in which
Sutskever et al. (2013, "On the importance of initialization and momentum
in deep learning", section 2) write Nesterov's (1983) accelerated gradient:
with the gradient at the interim point (Algorithm 8.3), full batch and a
learning rate ``1/L`` (``L`` the Lipschitz constant of the gradient), the
excess error ``f(theta_k) - f*`` of a smooth convex objective decays as
``O(1/k^2)`` instead of gradient descent's ``O(1/k)`` (book 8.3.3; in the
stochastic case the rate does not improve).
"""

from __future__ import annotations

import numpy as np

from .._validation import param_error

__all__ = ["nesterov_momentum", "MOMENTUM_SCHEDULES", "ScheduledMomentum"]


def nesterov_momentum(t):
    """``1 - 3 / (t + 5)``: the momentum of update ``t`` (0-based) in Nesterov's
    accelerated gradient as written by Sutskever et al. (2013), book 8.3.3."""
    return 1.0 - 3.0 / (t + 5.0)


#: named momentum schedules (``momentum_schedule=<name>``)
MOMENTUM_SCHEDULES = {"nesterov": nesterov_momentum}


class ScheduledMomentum:
    """Mixin: the ``momentum_schedule`` knob next to a constant ``momentum``.

    :meth:`current_momentum` is the ``alpha`` of the next update: the
    constant ``momentum`` when ``momentum_schedule`` is None, the schedule at
    the update count ``t_`` otherwise (each value is checked to lie in
    [0, 1), so a faulty callable stops with an error naming the knob).
    """

    def _validate(self):
        super()._validate()
        ms = self.momentum_schedule
        named = isinstance(ms, str) and ms in MOMENTUM_SCHEDULES
        if not (ms is None or named or (callable(ms) and not isinstance(ms, str))):
            raise param_error(
                "momentum_schedule",
                f"None, one of {sorted(MOMENTUM_SCHEDULES)} or a callable t -> momentum",
                ms, owner=type(self).__name__,
            )
        if ms is not None:
            self._schedule_value(0)  # a callable's first value is checked at start

    def _schedule_value(self, t):
        ms = self.momentum_schedule
        mu = (MOMENTUM_SCHEDULES[ms] if isinstance(ms, str) else ms)(t)
        if not (isinstance(mu, (int, float, np.integer, np.floating))
                and not isinstance(mu, bool) and 0.0 <= mu < 1.0):
            raise ValueError(
                f"{type(self).__name__}: momentum_schedule returned {mu!r} at update {t}; "
                "the momentum must be a number in [0, 1)."
            )
        return float(mu)

    def current_momentum(self):
        """Momentum ``alpha`` of the next update (``momentum`` or the schedule at ``t_``)."""
        if self.momentum_schedule is None:
            return float(self.momentum)
        return self._schedule_value(getattr(self, "t_", 0))
