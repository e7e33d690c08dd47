"""Learning-rate schedules (book section 8.3.1).

A schedule is a small picklable object following the scikit-learn parameter
protocol (``get_params``/``set_params``/``clone``): its knobs are constructor
arguments stored verbatim, its running state lives in attributes ending with
``_`` created by :meth:`Schedule.start`.  It never holds the learning rate
itself: it returns a multiplicative *factor* applied to the estimator's base
``learning_rate``.

Contract used by the training loop: ``start(steps_per_epoch, max_iter)``
once, ``lr = learning_rate * sched(step, epoch)`` before each update
(``step`` = number of updates done so far), ``sched.end_epoch(epoch, loss)``
after each epoch.

Convergence of SGD (book eqs 8.12-8.13) is guaranteed when
``sum_k eps_k = inf`` and ``sum_k eps_k**2 < inf``; ``eps_0 / k`` satisfies
both, whereas the practical schedules below (linear decay with a constant
tail, exponential decay, ...) trade that guarantee for speed.
"""

from __future__ import annotations

import math

from sklearn.base import BaseEstimator

from .._registry import SCHEDULES
from .._validation import check_interval
from ._knobs import COUNT, NONNEGATIVE, Knob, KnobChecks

__all__ = [
    "Schedule",
    "Constant",
    "LinearDecay",
    "InverseScaling",
    "ExponentialDecay",
    "StepDecay",
    "ReduceOnPlateau",
]


class Schedule(KnobChecks, BaseEstimator):
    """Base class of learning-rate schedules.

    Subclasses declare their knobs' rules in ``_knobs``
    (:mod:`sklreg.optim._knobs`) and override :meth:`_reset` (running state),
    :meth:`__call__` and, when they react to the monitored loss,
    :meth:`end_epoch`.
    """

    def start(self, steps_per_epoch: int, max_iter: int):
        """Validate the knobs and reset the running state; returns ``self``.

        Parameters
        ----------
        steps_per_epoch : int
            Number of parameter updates per epoch (>= 1).
        max_iter : int
            Maximum number of epochs of the run (>= 1).
        """
        owner = f"{type(self).__name__}.start()"
        check_interval("steps_per_epoch", steps_per_epoch, 1, integer=True, owner=owner)
        check_interval("max_iter", max_iter, 1, integer=True, owner=owner)
        self._validate()
        self._reset(int(steps_per_epoch), int(max_iter))
        return self

    def __call__(self, step: int, epoch: int) -> float:
        """Factor applied to the base learning rate for update ``step`` (0-based)."""
        raise NotImplementedError

    def end_epoch(self, epoch: int, monitor: float) -> None:
        """Called after each epoch with the monitored loss (lower is better)."""

    def _reset(self, steps_per_epoch: int, max_iter: int):
        """Create/reset the running state (attributes ending with ``_``)."""


_UNIT_RIGHT = Knob(0.0, 1.0, "right")  # decay factors gamma in (0, 1]


class _DecayStepsSchedule(Schedule):
    """Continuous decays of ``step / decay_steps``: the knob ``decay_steps``
    (time scale in updates; None: one epoch), copied as a float to
    ``decay_steps_`` at start, like each knob a subclass declares (``name_``)."""

    _knobs = {"decay_steps": Knob(0.0, closed="neither", optional=True)}

    def _reset(self, steps_per_epoch, max_iter):
        d = steps_per_epoch if self.decay_steps is None else self.decay_steps
        self.decay_steps_ = float(d)
        for name in vars(type(self))["_knobs"]:
            setattr(self, f"{name}_", float(getattr(self, name)))


@SCHEDULES.register("constant")
class Constant(Schedule):
    """Constant learning rate: factor 1 at every update."""

    def __init__(self):
        pass

    def __call__(self, step, epoch):
        return 1.0


@SCHEDULES.register("linear")
class LinearDecay(Schedule):
    r"""Linear decay to a floor, then constant (book section 8.3.1, eq 8.14).

    .. math::

        \epsilon_k = (1 - \alpha)\,\epsilon_0 + \alpha\,\epsilon_\tau,
        \quad \alpha = k / \tau \quad (k \le \tau), \qquad
        \epsilon_k = \epsilon_\tau \quad (k > \tau),

    so the factor is ``(1 - a) + a * final_ratio`` with ``a = min(k / tau, 1)``
    and ``eps_tau = final_ratio * eps_0``.  The book suggests ``tau`` of a few
    hundred passes through the training set and ``eps_tau`` about 1% of
    ``eps_0`` (the default ``final_ratio=0.01``).

    The constant tail makes ``sum_k eps_k**2`` diverge, so this practical
    schedule violates the convergence condition eq 8.13 (it satisfies
    eq 8.12); ``eps_0 / k`` (:class:`InverseScaling` with ``power_t=1``)
    satisfies both.

    Parameters
    ----------
    tau : int or None, default=None
        Number of updates over which the rate decays.  None means
        ``steps_per_epoch * max_iter``: decay over the whole run.
    final_ratio : float in [0, 1], default=0.01
        ``eps_tau / eps_0``.
    """

    def __init__(self, tau=None, final_ratio=0.01):
        self.tau = tau
        self.final_ratio = final_ratio

    _knobs = {"tau": Knob(1, integer=True, optional=True),
              "final_ratio": Knob(0.0, 1.0, "both")}

    def _reset(self, steps_per_epoch, max_iter):
        tau = steps_per_epoch * max_iter if self.tau is None else self.tau
        self.tau_ = float(tau)
        self.final_ratio_ = float(self.final_ratio)

    def __call__(self, step, epoch):
        if step >= self.tau_:
            return self.final_ratio_
        a = step / self.tau_
        return (1.0 - a) + a * self.final_ratio_


@SCHEDULES.register("invscaling")
class InverseScaling(_DecayStepsSchedule):
    r"""Inverse-power decay: factor ``(1 + step / decay_steps) ** (-power_t)``.

    With ``power_t=1`` this is the ``eps_0 / k``-type schedule that satisfies
    both convergence conditions of book section 8.3.1 (eqs 8.12 and 8.13);
    ``power_t`` in (0.5, 1] keeps both.

    Parameters
    ----------
    power_t : float >= 0, default=0.5
        Exponent of the decay.
    decay_steps : float > 0 or None, default=None
        Time scale in updates; None means ``steps_per_epoch`` (one epoch).
    """

    _knobs = {"power_t": NONNEGATIVE}

    def __init__(self, power_t=0.5, decay_steps=None):
        self.power_t, self.decay_steps = power_t, decay_steps

    def __call__(self, step, epoch):
        return (1.0 + step / self.decay_steps_) ** (-self.power_t_)


@SCHEDULES.register("exponential")
class ExponentialDecay(_DecayStepsSchedule):
    r"""Exponential decay: factor ``gamma ** (step / decay_steps)`` (continuous).

    Parameters
    ----------
    gamma : float in (0, 1], default=0.95
        Decay per ``decay_steps`` updates.
    decay_steps : float > 0 or None, default=None
        Time scale in updates; None means ``steps_per_epoch`` (so ``gamma``
        is the decay per epoch).
    """

    _knobs = {"gamma": _UNIT_RIGHT}

    def __init__(self, gamma=0.95, decay_steps=None):
        self.gamma, self.decay_steps = gamma, decay_steps

    def __call__(self, step, epoch):
        return self.gamma_ ** (step / self.decay_steps_)


@SCHEDULES.register("step")
class StepDecay(Schedule):
    r"""Piecewise-constant decay: factor ``gamma ** (epoch // step_size)``.

    Parameters
    ----------
    step_size : int >= 1, default=10
        Number of epochs between two decays.
    gamma : float in (0, 1], default=0.1
        Multiplicative decay applied every ``step_size`` epochs.
    """

    def __init__(self, step_size=10, gamma=0.1):
        self.step_size = step_size
        self.gamma = gamma

    _knobs = {"step_size": COUNT, "gamma": _UNIT_RIGHT}

    def _reset(self, steps_per_epoch, max_iter):
        self.step_size_ = int(self.step_size)
        self.gamma_ = float(self.gamma)

    def __call__(self, step, epoch):
        return self.gamma_ ** (epoch // self.step_size_)


@SCHEDULES.register("plateau")
class ReduceOnPlateau(Schedule):
    r"""Multiply the rate by ``factor`` when the monitored loss stops improving.

    The book (section 8.3.1) recommends choosing the schedule by monitoring
    learning curves; this schedule automates the common heuristic.  An epoch
    improves when ``monitor < best - threshold * abs(best)`` (relative
    threshold).  After ``patience`` consecutive non-improving epochs the
    current multiplier is multiplied by ``factor`` (never below
    ``min_factor``), the counter is reset, and the next ``cooldown`` epochs are
    not counted as non-improving.  A non-finite monitor counts as
    non-improving.  Unlike PyTorch's ``ReduceLROnPlateau`` (reduce after
    ``patience + 1`` bad epochs), the reduction happens after exactly
    ``patience`` bad epochs, like sklearn's ``n_iter_no_change``.

    Parameters
    ----------
    factor : float in (0, 1), default=0.1
        Multiplicative reduction.
    patience : int >= 1, default=10
        Number of consecutive non-improving epochs before a reduction.
    threshold : float >= 0, default=1e-4
        Relative improvement required to reset the counter.
    min_factor : float in [0, 1], default=1e-4
        Lower bound of the multiplier.
    cooldown : int >= 0, default=0
        Epochs after a reduction during which no bad epoch is counted.

    Attributes
    ----------
    factor_ : float
        Current multiplier (starts at 1).
    best_ : float
        Best monitored value so far.
    num_bad_epochs_ : int
        Consecutive non-improving counted epochs.
    cooldown_counter_ : int
        Remaining cooldown epochs.
    n_reductions_ : int
        Number of reductions done.
    """

    def __init__(self, factor=0.1, patience=10, threshold=1e-4, min_factor=1e-4,
                 cooldown=0):
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.min_factor = min_factor
        self.cooldown = cooldown

    _knobs = {
        "factor": Knob(0.0, 1.0, "neither"),
        "patience": COUNT,
        "threshold": NONNEGATIVE,
        "min_factor": Knob(0.0, 1.0, "both"),
        "cooldown": Knob(0, integer=True),
    }

    def _reset(self, steps_per_epoch, max_iter):
        self.factor_ = 1.0
        self.best_ = math.inf
        self.num_bad_epochs_ = 0
        self.cooldown_counter_ = 0
        self.n_reductions_ = 0

    def __call__(self, step, epoch):
        return self.factor_

    def end_epoch(self, epoch, monitor):
        try:
            monitor = float(monitor)
        except (TypeError, ValueError):
            monitor = math.nan
        best = self.best_
        improved = math.isfinite(monitor) and (
            not math.isfinite(best) or monitor < best - self.threshold * abs(best)
        )
        in_cooldown = self.cooldown_counter_ > 0
        if in_cooldown:
            self.cooldown_counter_ -= 1
        if improved:
            self.best_ = monitor
            self.num_bad_epochs_ = 0
        elif not in_cooldown:
            self.num_bad_epochs_ += 1
            if self.num_bad_epochs_ >= self.patience:
                self.factor_ = max(self.factor_ * float(self.factor), float(self.min_factor))
                self.num_bad_epochs_ = 0
                self.cooldown_counter_ = int(self.cooldown)
                self.n_reductions_ += 1


SCHEDULES.base = Schedule
