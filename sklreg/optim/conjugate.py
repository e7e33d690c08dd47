"""Nonlinear conjugate gradients, draft Algorithm 8.10 (section D8.5.2).

Steepest descent with line searches zig-zags: each new gradient is
orthogonal to the previous direction, so it undoes progress made along it
(draft Fig. 8.8).  Conjugate gradients move along

    rho_t = -g_t + beta_t rho_{t-1}

with ``beta_t`` chosen so that, on a quadratic with Hessian ``H``, successive
directions are conjugate (``rho_t^T H rho_{t-1} = 0``); a ``k``-dimensional
quadratic is then minimized in at most ``k`` exact line searches.  Two
formulas need no Hessian:

* Fletcher-Reeves:  ``beta_t = g_t^T g_t / g_{t-1}^T g_{t-1}``          (D8.19)
* Polak-Ribiere:    ``beta_t = (g_t - g_{t-1})^T g_t / g_{t-1}^T g_{t-1}`` (D8.20)

Corrections relative to the draft (``docs/second_order.md``, "Sign
corrections relative to the draft chapter"): the direction is
``-g_t + beta rho`` (eq. D8.18 prints ``+g_t``), the line search minimizes
``J(theta_t + eta rho_t)`` (the draft's omits ``eta rho_t``), and the
Polak-Ribiere numerator is ``(g_t - g_{t-1})^T g_t``.

On non-quadratic objectives conjugacy is lost, so nonlinear CG restarts
(``beta = 0``, a step along the plain negative gradient, draft D8.5.2;
``docs/second_order.md``, "Conjugate gradients"): every ``restart`` iterations, when Polak-Ribiere's beta is negative
(the "PR+" rule), when the new direction is not a descent direction, and when
a line search fails along a conjugate direction.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import line_search as _wolfe_line_search

from .._registry import OPTIMIZERS
from .._validation import check_options
from ._knobs import Knob
from .batch import BatchResult, FullBatchOptimizer

__all__ = ["CG"]

BETAS = ("polak_ribiere", "fletcher_reeves")
LINE_SEARCHES = ("wolfe", "newton")


@OPTIMIZERS.register("cg")
class CG(FullBatchOptimizer):
    """Nonlinear conjugate gradients (draft Algorithm 8.10, sections D8.5.2).

    Each iteration computes the full-batch gradient ``g_t``, the direction
    ``rho_t = -g_t + beta_t rho_{t-1}`` (``beta = 0`` on the first iteration
    and at restarts) and a step ``theta <- theta + eta* rho_t`` with ``eta*``
    from a line search satisfying the strong Wolfe conditions.  The
    recursion is implemented here; the Wolfe search is scipy's
    ``scipy.optimize.line_search``.  ``restart=1`` gives steepest descent
    with line searches (the zig-zag baseline of D8.5.2).

    Parameters
    ----------
    beta : {'polak_ribiere', 'fletcher_reeves'}, default='polak_ribiere'
        Formula of ``beta_t`` (D8.20 or D8.19).  A negative Polak-Ribiere
        value restarts (PR+).
    restart : int or None, default=None
        Restart every ``restart`` iterations; None is every ``n_params``
        iterations (the horizon of exact conjugacy on a quadratic).
    line_search : {'wolfe', 'newton'}, default='wolfe'
        'wolfe': scipy's strong-Wolfe search (``c1``, ``c2``).  'newton':
        Newton-Raphson steps on ``eta`` with the exact curvature
        ``rho^T H rho`` (one Hessian-vector product per step), accepted under
        the same Wolfe conditions; it is an exact line search on a quadratic,
        where CG then ends in at most ``n_params`` iterations.  Falls back to
        'wolfe' when the curvature along ``rho`` is not positive.
    gtol : float, default=1e-5
        Stop when ``max_i |g_i| <= gtol``.
    max_fun : int, default=15000
        Maximum number of objective/gradient evaluations.
    c1, c2 : float, default=1e-4, 0.1
        Wolfe constants (sufficient decrease, curvature); ``c2 < 1/2``
        keeps Fletcher-Reeves directions descent directions.
    warmup : None, str or FirstOrderOptimizer, default=None
        First-order method to run first (draft 8.5.2: "it is often
        beneficial to initialize the optimization with a few iterations of
        stochastic gradient descent").
    warmup_epochs : int, default=5
    """

    _newton_steps = 10  # Newton-Raphson steps per 'newton' line search
    _knobs = {"restart": Knob(1, integer=True, optional=True),
              "c1": Knob(0.0, 1.0, "neither")}

    def __init__(self, beta="polak_ribiere", restart=None, line_search="wolfe", gtol=1e-5,
                 max_fun=15000, c1=1e-4, c2=0.1, warmup=None, warmup_epochs=5):
        super().__init__(gtol, max_fun, warmup, warmup_epochs)
        self.beta = beta
        self.restart = restart
        self.line_search = line_search
        self.c1 = c1
        self.c2 = c2

    def _validate(self):
        check_options("beta", self.beta, list(BETAS), owner="CG")
        check_options("line_search", self.line_search, list(LINE_SEARCHES), owner="CG")
        super()._validate()
        self._check("c2", float(self.c1), 1.0, closed="neither")

    # ------------------------------------------------------------ recursion
    def _beta(self, g_new, g, gg):
        """D8.19 / D8.20 with ``gg = g_{t-1}^T g_{t-1}``."""
        if self.beta == "fletcher_reeves":
            return float(g_new @ g_new) / gg
        return float((g_new - g) @ g_new) / gg

    def _minimize(self, oracle, theta, max_iter, callback):
        x = theta
        f, g = oracle.memo_loss_grad(x)
        g = g.copy()
        every = self.restart or x.size
        rho = -g
        gg = float(g @ g)
        f_prev = f + np.sqrt(gg) / 2.0  # first trial step ~ 1/|g|, as scipy's CG
        since_restart = 0
        for _ in range(max_iter):
            if np.max(np.abs(g)) <= self.gtol:
                return BatchResult(True, "gradient norm below gtol")
            step = self._search(oracle, x, rho, f, g, f_prev)
            if step is None and since_restart > 0:  # restart along the gradient
                rho, since_restart = -g, 0
                step = self._search(oracle, x, rho, f, g, f_prev)
            if step is None:
                return BatchResult(
                    False, "the line search along the negative gradient found no "
                    "acceptable step (the objective is flat to rounding precision)"
                )
            eta, f_new, g_new = step
            x[...] = x + eta * rho
            beta = self._beta(g_new, g, gg)
            since_restart += 1
            if since_restart >= every or beta < 0.0:
                beta, since_restart = 0.0, 0
            rho = -g_new + beta * rho
            if float(g_new @ rho) >= 0.0:  # not a descent direction
                rho, since_restart = -g_new, 0
            f_prev, f, g, gg = f, f_new, g_new, float(g_new @ g_new)
            reason = self._iterate(oracle, x, f, callback)
            if reason:
                return BatchResult(False, reason)
        done = np.max(np.abs(g)) <= self.gtol
        return BatchResult(bool(done), f"maximum number of iterations ({max_iter}) reached")

    # --------------------------------------------------------- line searches
    def _search(self, oracle, x, rho, f, g, f_prev):
        """``(eta, f(x + eta rho), g(x + eta rho))`` or None."""
        step = None
        if self.line_search == "newton":
            step = self._newton_search(oracle, x, rho, f, g)
        return step if step is not None else self._wolfe_search(oracle, x, rho, f, g, f_prev)

    def _wolfe_search(self, oracle, x, rho, f, g, f_prev):
        def fun(z):
            return oracle.memo_loss_grad(z)[0]

        def jac(z):
            return oracle.memo_loss_grad(z)[1]

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The line search algorithm")
            eta = _wolfe_line_search(
                fun, jac, x, rho, gfk=g, old_fval=f, old_old_fval=f_prev,
                c1=self.c1, c2=self.c2, maxiter=20,
            )[0]
        if eta is None:
            return None
        f_new, g_new = oracle.memo_loss_grad(x + eta * rho)
        return float(eta), f_new, g_new.copy()

    def _newton_search(self, oracle, x, rho, f, g):
        """Newton-Raphson on ``phi(eta) = J(x + eta rho)``, exact curvature."""
        d0 = float(g @ rho)
        eta, d = 0.0, d0
        for _ in range(self._newton_steps):
            curv = float(rho @ oracle.hvp(x + eta * rho, rho))
            if not curv > 0.0:
                return None
            eta -= d / curv
            f_new, g_new = oracle.memo_loss_grad(x + eta * rho)
            d = float(g_new @ rho)
            if f_new <= f + self.c1 * eta * d0 and abs(d) <= self.c2 * abs(d0):
                return eta, f_new, g_new.copy()
        return None
