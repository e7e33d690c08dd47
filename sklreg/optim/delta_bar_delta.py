"""Delta-bar-delta, per-parameter learning rates (book 8.5 intro; Jacobs, 1988).

The book (section 8.5, draft 8.4) describes the idea without a formula: "if
the partial derivative of the loss, with respect to a given model parameter,
remains the same sign, then the learning rate should increase; if it changes
sign, then the learning rate should decrease.  Of course, this kind of rule
can only be applied to full batch optimization."  The rule of Jacobs (1988,
"Increased rates of convergence through learning rate adaptation", Neural
Networks 1(4)), for every parameter ``i`` at iteration ``t``, with
``delta_i(t)`` the partial derivative of the full-batch objective:

    bar_delta_i(t) = (1 - theta) delta_i(t) + theta bar_delta_i(t - 1)
    Delta eps_i(t) = kappa              if bar_delta_i(t - 1) delta_i(t) > 0
                   = -phi eps_i(t)      if bar_delta_i(t - 1) delta_i(t) < 0
                   = 0                  otherwise
    w_i(t + 1)     = w_i(t) - eps_i(t + 1) delta_i(t)

with ``eps_i(t + 1) = eps_i(t) + Delta eps_i(t)``: the rate grows
additively (``kappa``) while the derivative keeps the sign of its
exponential average ``bar_delta`` and shrinks geometrically (by the
fraction ``phi``) when it flips.  ``bar_delta(0) = 0``, so the first step
uses ``initial_lr`` for every parameter.
"""

from __future__ import annotations

import numpy as np

from .._registry import OPTIMIZERS
from .._validation import check_bool
from ._knobs import NONNEGATIVE, POSITIVE, Knob
from .batch import BatchResult, FullBatchOptimizer

__all__ = ["DeltaBarDelta"]

#: consecutive rejected trial steps (each shrinks every rate by ``1 - phi``)
_MAX_REJECTIONS = 60


@OPTIMIZERS.register("delta_bar_delta")
class DeltaBarDelta(FullBatchOptimizer):
    """Delta-bar-delta (Jacobs, 1988; book section 8.5 introduction).

    Full-batch gradient descent with one learning rate ``eps_i`` per
    parameter, adapted by Jacobs' rule (see :mod:`sklreg.optim.delta_bar_delta`):
    ``+kappa`` while the partial derivative keeps the sign of its exponential
    average ``bar_delta`` (weight ``theta`` on the past), ``* (1 - phi)``
    when the sign flips; then ``w <- w - eps * g``.  Full-batch only (book
    8.5: the sign of a minibatch derivative is noise), so ``max_iter``
    counts iterations and the estimator's ``learning_rate`` only acts in the
    optional first-order warm-up; the rates start at ``initial_lr``.

    Divergence protection (``monotone=True``, not in Jacobs' rule, which
    can increase the objective): a trial step that increases the objective,
    or makes it non-finite, is undone and every rate is multiplied by
    ``1 - phi`` until the step does not increase it (at most 60 times in a row;
    ``bar_delta`` is not updated by rejected trials).  Each trial costs one
    objective/gradient evaluation (counted by ``max_fun``), and the
    estimator's ``loss_curve_`` then never increases.  ``monotone=False`` is
    Jacobs' rule as published; a non-finite objective then stops the fit
    with an error.

    Stops when ``max_i |g_i| <= gtol`` (converged), when an accepted step
    reduces the objective by at most ``ftol * max(|f|, |f_new|, 1)``
    (converged, as scipy's L-BFGS ``ftol``), after ``max_iter`` iterations
    or ``max_fun`` evaluations.

    Parameters
    ----------
    initial_lr : float, default=0.1
        Initial learning rate ``eps_i(0)`` of every parameter (> 0).
    kappa : float, default=0.05
        Additive increase of a rate when the signs agree (>= 0; Jacobs'
        kappa).  In learning-rate units: scale it with ``initial_lr``.
    phi : float, default=0.5
        Fraction by which a rate decreases when the sign flips, in (0, 1)
        (Jacobs' phi: ``eps <- (1 - phi) eps``).
    theta : float, default=0.7
        Weight of the past in the average ``bar_delta`` of the derivatives,
        in [0, 1) (Jacobs' theta; not the parameter vector).
    monotone : bool, default=True
        Reject steps that increase the objective (see above).
    gtol : float, default=1e-5
        Stop when ``max_i |g_i| <= gtol``.
    ftol : float, default=1e-10
        Stop when an accepted step reduces the objective by at most
        ``ftol * max(|f|, |f_new|, 1)``; 0 disables the test.
    max_fun : int, default=15000
        Maximum number of objective/gradient evaluations.
    warmup : None, str or FirstOrderOptimizer, default=None
        First-order method to run first (see :mod:`sklreg.optim.batch`).
    warmup_epochs : int, default=5

    Attributes
    ----------
    learning_rates_ : ndarray
        Per-parameter learning rates ``eps`` after the last accepted step.
    grad_bar_ : ndarray
        Exponential average ``bar_delta`` of the partial derivatives.
    n_rejected_ : int
        Trial steps rejected by ``monotone`` in the last :meth:`minimize`.
    """

    _knobs = {
        "initial_lr": POSITIVE,
        "kappa": NONNEGATIVE,
        "phi": Knob(0.0, 1.0, "neither"),
        "theta": Knob(0.0, 1.0),
        "ftol": NONNEGATIVE,
    }

    def __init__(self, initial_lr=0.1, kappa=0.05, phi=0.5, theta=0.7, monotone=True,
                 gtol=1e-5, ftol=1e-10, max_fun=15000, warmup=None, warmup_epochs=5):
        super().__init__(gtol, max_fun, warmup, warmup_epochs)
        self.initial_lr = initial_lr
        self.kappa = kappa
        self.phi = phi
        self.theta = theta
        self.monotone = monotone
        self.ftol = ftol

    def _validate(self):
        super()._validate()
        check_bool("monotone", self.monotone, owner="DeltaBarDelta")

    def start(self, theta):
        """Validate the knobs and reset the rates and ``bar_delta``; returns self."""
        super().start(theta)
        theta = np.asarray(theta)
        self.learning_rates_ = np.full_like(theta, float(self.initial_lr))
        self.grad_bar_ = np.zeros_like(theta)
        self.n_rejected_ = 0
        return self

    def _adapt(self, g):
        """Jacobs' rule: update the rates from ``bar_delta(t-1) * g``, then ``bar_delta``."""
        eps, bar = self.learning_rates_, self.grad_bar_
        agree = bar * g
        eps[agree > 0] += float(self.kappa)
        eps[agree < 0] *= 1.0 - float(self.phi)
        bar *= float(self.theta)
        bar += (1.0 - float(self.theta)) * g

    def _trial(self, oracle, point):
        """``(f, g copy)`` at a trial point; ``None`` if non-finite and ``monotone``."""
        try:
            f, g = oracle.loss_grad(point)
        except ValueError:  # the oracle's non-finite objective/gradient error
            if not self.monotone:
                raise
            return None
        return f, g.copy()

    def _minimize(self, oracle, theta, max_iter, callback):
        if getattr(self, "learning_rates_", None) is None or \
                self.learning_rates_.shape != theta.shape:
            raise ValueError("Call DeltaBarDelta.start(theta) before minimize.")
        self.n_rejected_ = 0
        x = theta
        f, g = oracle.loss_grad(x)
        g = g.copy()
        shrink = 1.0 - float(self.phi)
        for _ in range(max_iter):
            if np.max(np.abs(g)) <= self.gtol:
                return BatchResult(True, "gradient norm below gtol")
            self._adapt(g)
            eps = self.learning_rates_
            for _ in range(_MAX_REJECTIONS + 1):
                trial = x - eps * g
                new = self._trial(oracle, trial)
                if not self.monotone or (new is not None and new[0] <= f):
                    break
                self.n_rejected_ += 1
                eps *= shrink
                if oracle.n_evals >= self.max_fun:
                    return BatchResult(False, f"max_fun={self.max_fun} function "
                                       "evaluations reached")
            else:
                return BatchResult(
                    False, f"{_MAX_REJECTIONS} consecutive trial steps increased the "
                    "objective (flat to rounding precision or too ill-conditioned)"
                )
            f_new, g = new
            x[...] = trial
            decrease = f - f_new
            small = 0.0 <= decrease <= float(self.ftol) * max(abs(f), abs(f_new), 1.0)
            f = f_new
            reason = self._iterate(oracle, x, f, callback)
            if reason:
                return BatchResult(False, reason)
            if small and self.ftol > 0:
                return BatchResult(True, "relative reduction of the objective below ftol")
        done = np.max(np.abs(g)) <= self.gtol
        return BatchResult(bool(done), f"maximum number of iterations ({max_iter}) reached")
