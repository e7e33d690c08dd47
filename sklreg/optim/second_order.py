"""Damped Newton (draft 8.5.1) and natural gradient (draft 8.6).

Both minimize the local quadratic model
``m(p) = J(theta) + g^T p + 1/2 p^T B p`` with a curvature matrix ``B`` --
the Hessian ``H`` for Newton, the Fisher information ``F`` of the model's
predictive distribution for the natural gradient -- regularized
Levenberg-Marquardt style:

    p = -(B + lambda I)^{-1} g,      theta <- theta + p

(draft eq. D8.14 and its damped form, Levenberg 1944, Marquardt 1963).  The
draft prints the Newton update as ``theta + H^{-1} g`` and the natural
gradient update (D8.31) with ``+`` and no step size: both ascend; the
descent forms above are used (see ``docs/second_order.md``, "Sign
corrections relative to the draft chapter").

``lambda`` adapts with the gain ratio ``r = (J(theta) - J(theta + p)) /
(m(0) - m(p))`` (Nielsen's rule): a step that does not decrease the
objective is rejected and ``lambda`` grows (2x, 4x, 8x, ...), so the
direction turns toward the scaled gradient ``-g / lambda`` (draft D8.5.1);
an accepted step shrinks ``lambda`` by up to 3x, toward the undamped method
and its quadratic convergence on convex problems.  Non-positive curvature
met by the solver also increases ``lambda``, so the method is never pulled
toward a saddle point the way the undamped update is (draft 8.2.4).

``B v`` products come from the oracle (:mod:`sklreg._hessian`): exact
R-operator Hessian-vector products (or finite differences of exact
gradients for layers without an R-operator), and exact Fisher-vector
products for the canonical-link outputs.  The system is solved either
densely (``n_params`` products build ``B``, then Cholesky) or by linear
conjugate gradients, stopped at relative residual ``min(0.5, sqrt(|g|))``
(superlinear convergence) or at the first direction of non-positive
curvature (Steihaug).  Each iteration costs up to ``n_params`` products, so
both methods refuse models larger than ``max_params``.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve, eigvalsh

from .._registry import OPTIMIZERS
from .._validation import check_options
from ._knobs import NONNEGATIVE, Knob
from .batch import BatchResult, FullBatchOptimizer

__all__ = ["Newton", "NaturalGradient", "solve_damped_cg"]

SOLVERS = ("auto", "cg", "dense")
#: 'auto' uses the dense solve up to this many parameters
DENSE_AUTO_MAX = 100
#: damping increases tried per iteration before giving up
_MAX_TRIES = 40


def solve_damped_cg(matvec, g, lam, rtol, max_iter):
    """Solve ``(B + lam I) p = -g`` by linear conjugate gradients.

    Stops when ``|residual| <= rtol |g|``, after ``max_iter`` steps, or at a
    direction ``d`` with ``d^T (B + lam I) d <= 0`` (then the iterate so far
    is returned; at the first step there is none and ``(None, None)`` is
    returned).  Returns ``(p, p^T B p)``.
    """
    p = np.zeros_like(g)
    r = -g.copy()
    d = r.copy()
    rr = float(r @ r)
    tol = rtol * np.sqrt(rr)
    for j in range(max_iter):
        Ad = matvec(d)
        Ad += lam * d
        dAd = float(d @ Ad)
        if not dAd > 0.0:
            if j == 0:
                return None, None
            break
        a = rr / dAd
        p += a * d
        r -= a * Ad
        rr_new = float(r @ r)
        if np.sqrt(rr_new) <= tol:
            break
        d *= rr_new / rr
        d += r
        rr = rr_new
    # r = -g - (B + lam I) p  =>  p^T B p = -g^T p - r^T p - lam p^T p
    return p, -float(g @ p) - float(r @ p) - lam * float(p @ p)


class _DampedSecondOrder(FullBatchOptimizer):
    """Levenberg-Marquardt loop shared by Newton and NaturalGradient."""

    #: oracle method giving the curvature-vector product ``B v``
    _product = None
    _size_reason = "each iteration needs up to n_params curvature-vector products"
    _knobs = {"damping": NONNEGATIVE, "cg_max_iter": Knob(1, integer=True, optional=True)}

    def __init__(self, damping=1e-4, solver="auto", max_params=2000, gtol=1e-5,
                 max_fun=15000, cg_max_iter=None, warmup=None, warmup_epochs=5):
        super().__init__(gtol, max_fun, warmup, warmup_epochs)
        self.damping = damping
        self.solver = solver
        self.max_params = max_params
        self.cg_max_iter = cg_max_iter

    def _validate(self):
        check_options("solver", self.solver, list(SOLVERS), owner=type(self).__name__)
        super()._validate()

    def _minimize(self, oracle, theta, max_iter, callback):
        x = theta
        n = x.size
        solver = self.solver
        if solver == "auto":
            solver = "dense" if n <= DENSE_AUTO_MAX else "cg"
        product = getattr(oracle, self._product)
        lam, nu = float(self.damping), 2.0
        f, g = oracle.loss_grad(x)
        g = g.copy()
        for _ in range(max_iter):
            if np.max(np.abs(g)) <= self.gtol:
                return BatchResult(True, "gradient norm below gtol")

            def matvec(v, x=x):
                return product(x, v)

            step = self._damped_step(oracle, matvec, x, f, g, lam, nu, solver)
            if step is None:
                return BatchResult(
                    False, f"no damping up to lambda={lam:.3g} gave a step that decreases "
                    "the objective (flat to rounding precision or too ill-conditioned)"
                )
            x_new, f, g, lam, nu = step
            x[...] = x_new
            self.damping_ = lam
            reason = self._iterate(oracle, x, f, callback)
            if reason:
                return BatchResult(False, reason)
        done = np.max(np.abs(g)) <= self.gtol
        return BatchResult(bool(done), f"maximum number of iterations ({max_iter}) reached")

    def _damped_step(self, oracle, matvec, x, f, g, lam, nu, solver):
        """One accepted damped step ``(x_new, f_new, g_new, lam, nu)`` or None."""
        gnorm = float(np.linalg.norm(g))
        tiny = 8.0 * np.finfo(x.dtype).eps * max(1.0, abs(f))
        B = _dense_matrix(matvec, x) if solver == "dense" else None
        max_cg = self.cg_max_iter or min(x.size, 500)
        for _ in range(_MAX_TRIES):
            if B is not None:
                p, pBp, lam = _solve_dense(B, g, lam)
            else:
                p, pBp = solve_damped_cg(matvec, g, lam, min(0.5, np.sqrt(gnorm)), max_cg)
            if p is not None:
                pred = -(float(g @ p) + 0.5 * pBp)  # m(0) - m(p)
                x_new = x + p.astype(x.dtype, copy=False)
                f_new, g_new = oracle.loss_grad(x_new)
                if pred <= tiny:  # at the rounding floor of J: judge by the gradient
                    ok, rho = f_new <= f + tiny and np.linalg.norm(g_new) < gnorm, 1.0
                else:
                    rho = (f - f_new) / pred
                    ok = rho > 0.0
                if ok:
                    lam *= max(1.0 / 3.0, 1.0 - (2.0 * min(rho, 1.0) - 1.0) ** 3)
                    return x_new, f_new, g_new.copy(), lam, 2.0
            lam, nu = max(lam * nu, 1e-10), nu * 2.0
        return None


def _dense_matrix(matvec, x):
    """``B`` column by column from ``n`` products, symmetrized."""
    n = x.size
    B = np.empty((n, n), dtype=np.float64)
    e = np.zeros(n, dtype=x.dtype)
    for j in range(n):
        e[j] = 1.0
        B[:, j] = matvec(e)
        e[j] = 0.0
    B += B.T
    B *= 0.5
    return B


def _solve_dense(B, g, lam):
    """``p = -(B + lam I)^{-1} g`` by Cholesky, raising ``lam`` until ``B + lam I`` is PD."""
    n = B.shape[0]
    for _ in range(60):
        try:
            c = cho_factor(B + lam * np.eye(n), lower=True)
            break
        except LinAlgError:
            lo = float(eigvalsh(B, subset_by_index=[0, 0])[0])
            lam = max(2.0 * lam, -lo + 1e-8 * max(1.0, abs(lo)), 1e-10)
    else:
        return None, None, lam
    p = -cho_solve(c, g.astype(np.float64))
    return p, float(p @ B @ p), lam


#: the knobs after ``solver`` and the attributes, shared by both docstrings
_DAMPED_DOC_TAIL = """    max_params : int, default=2000
        Refuse larger models (use 'lbfgs').
    gtol : float, default=1e-5
        Stop when ``max_i |g_i| <= gtol``.
    max_fun : int, default=15000
        Maximum number of objective/gradient evaluations.
    cg_max_iter : int or None, default=None
        Maximum linear-CG steps per solve; None is ``min(n_params, 500)``.
    warmup : None, str or FirstOrderOptimizer, default=None
        First-order method to run first (see :mod:`sklreg.optim.batch`).
    warmup_epochs : int, default=5

    Attributes
    ----------
    damping_ : float
        ``lambda`` after the last accepted step.
"""


@OPTIMIZERS.register("newton")
class Newton(_DampedSecondOrder):
    __doc__ = """Damped Newton's method (draft Algorithm 8.9 and section D8.5.1).

    ``theta <- theta - (H + lambda I)^{-1} g`` on the full-batch objective,
    with the exact Hessian ``H`` (loss and penalties), ``lambda`` adapted
    Levenberg-Marquardt style (see :mod:`sklreg.optim.second_order`).  On a
    convex problem it converges quadratically near the optimum; on a
    positive-definite quadratic with ``damping=0`` it jumps to the minimum
    in one step (D8.14).  For small models only: the Hessian has
    ``n_params^2`` entries.  The draft prints ``Delta theta = +H^{-1} g``
    (ascent; ``docs/second_order.md``, "Sign corrections relative to the
    draft chapter").

    Parameters
    ----------
    damping : float, default=1e-4
        Initial ``lambda``; adapted after every step.
    solver : {'auto', 'cg', 'dense'}, default='auto'
        'dense': build ``H`` from ``n_params`` Hessian-vector products and
        factor ``H + lambda I`` (Cholesky; ``lambda`` is raised above
        ``-lambda_min(H)`` when needed).  'cg': truncated linear conjugate
        gradients on ``H + lambda I`` (Newton-CG).  'auto': 'dense' up to
        100 parameters, 'cg' above.
""" + _DAMPED_DOC_TAIL

    _product = "hvp"


@OPTIMIZERS.register("natural_gradient")
class NaturalGradient(_DampedSecondOrder):
    __doc__ = """Damped natural gradient (draft section 8.6).

    ``theta <- theta - (F + lambda I)^{-1} g`` with ``F`` the Fisher
    information of the model's predictive distribution ``p(y | x; theta)``,
    averaged over the (weighted) training inputs: the expectation over ``y``
    is under the *model* (draft 8.6), not the data as in Newton's Hessian.
    For the canonical-link outputs used here the expectation is exact
    (``F = sum_i w_i J_i^T A_i J_i``, the generalized Gauss-Newton matrix),
    and the penalties' Hessian is added.  Without hidden layers ``F`` equals
    the Hessian, so the natural gradient step is the Newton step.  ``F`` is
    positive semi-definite, so the damped system is always solvable.  The
    step size of D8.31 is set by the adaptive damping (``eta = 1`` along the
    damped direction); the draft's ``+`` sign is corrected
    (``docs/second_order.md``, "Sign corrections relative to the draft chapter").

    Parameters
    ----------
    damping : float, default=1e-4
        Initial ``lambda`` (Tikhonov damping of ``F``); adapted after every step.
    solver : {'auto', 'cg', 'dense'}, default='auto'
        As for :class:`Newton`.
""" + _DAMPED_DOC_TAIL

    _product = "fisher_vp"
