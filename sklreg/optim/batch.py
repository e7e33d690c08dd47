"""Full-batch optimizers (book 8.6 / draft D8.5): the base class and the
quasi-Newton methods BFGS and L-BFGS.

A :class:`FullBatchOptimizer` minimizes the deterministic objective
``J~(theta)`` = weighted mean loss over **all** training rows + penalties --
the same objective the minibatch optimizers sample -- through an oracle
(:class:`sklreg._hessian.FullBatchOracle`) that gives ``loss_grad(theta)``,
``hvp(theta, v)`` (exact Hessian-vector products) and ``fisher_vp``.  It
works on the flat parameter vector ``theta`` in place and calls
``callback(theta, loss) -> stop`` once per iteration: that is where the
estimator records ``loss_curve_`` and runs early stopping.

The methods (estimator parameter ``optimizer``):

================== ==================================================== =================
name               method                                               module
================== ==================================================== =================
``'lbfgs'``        L-BFGS (scipy ``L-BFGS-B``), draft 8.5.3             this module
``'bfgs'``         BFGS (scipy), draft Algorithm 8.11                   this module
``'cg'``           nonlinear conjugate gradients, draft Algorithm 8.10  :mod:`.conjugate`
``'newton'``       damped Newton (Levenberg-Marquardt), draft 8.5.1     :mod:`.second_order`
``'natural_gradient'`` damped natural gradient (Fisher), draft 8.6      :mod:`.second_order`
================== ==================================================== =================

Every method can be warmed up with a few epochs of a first-order method
(``warmup='adam', warmup_epochs=5``): the draft (8.3.2, 8.5.2) reports that
nonlinear CG benefits from starting after some SGD iterations.  The warm-up
runs the ordinary minibatch loop with the estimator's ``learning_rate``,
``batch_size``, ``lr_schedule`` and ``shuffle``.

scipy's Fortran/C code calls its own bundled OpenBLAS between numpy's matrix
products; the two thread pools then compete for the cores (see the
performance notes).  :func:`limit_scipy_blas` caps scipy's pool at one thread
while a full-batch method runs (numpy's own pool is untouched).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize as _scipy_minimize
from threadpoolctl import ThreadpoolController

from .._registry import OPTIMIZERS
from ._knobs import COUNT, NONNEGATIVE, Knob
from .base import FirstOrderOptimizer, Optimizer

__all__ = [
    "FullBatchOptimizer",
    "BatchResult",
    "LBFGS",
    "BFGS",
    "limit_scipy_blas",
    "bfgs_inverse_update",
    "lbfgs_direction",
]


@dataclass
class BatchResult:
    """Outcome of :meth:`FullBatchOptimizer.minimize`."""

    converged: bool
    message: str


def _is_scipy_blas(filepath):
    """True for the BLAS bundled in scipy's wheel (``site-packages/scipy.libs/``,
    ``site-packages/scipy/.dylibs/``), not numpy's (``numpy.libs/libscipy_openblas64_``)."""
    parts = Path(filepath or "").parts
    if "scipy.libs" in parts:
        return True
    return any(
        a in ("site-packages", "dist-packages") and b == "scipy"
        for a, b in zip(parts[:-1], parts[1:])
    )


@contextlib.contextmanager
def limit_scipy_blas(n_threads=1):
    """Cap the thread pool of scipy's own BLAS (not numpy's) inside the block.

    Matches the libraries by file path (``.../scipy.libs/...``), so a scipy
    built against the same BLAS as numpy is left alone."""
    libs = [
        lc for lc in ThreadpoolController().lib_controllers
        if lc.user_api == "blas" and _is_scipy_blas(lc.filepath)
    ]
    saved = [lc.num_threads for lc in libs]
    try:
        for lc, n in zip(libs, saved):
            lc.set_num_threads(min(n_threads, n))
        yield
    finally:
        for lc, n in zip(libs, saved):
            lc.set_num_threads(n)


class FullBatchOptimizer(Optimizer):
    """Base class of the full-batch (deterministic, line-search or second-order) methods.

    Subclasses store their knobs in ``__init__`` (scikit-learn parameter
    protocol), declare their rules in ``_knobs`` and implement
    ``_minimize(oracle, theta, max_iter, callback) -> BatchResult``; they call
    :meth:`_iterate` once per iteration.  Every subclass has the knobs below.

    Parameters
    ----------
    gtol : float
        Stop when the largest gradient component ``|g|_inf <= gtol``.
    max_fun : int
        Maximum number of objective/gradient evaluations (checked after every
        iteration; Hessian- or Fisher-vector products are not counted).
    warmup : None, str or FirstOrderOptimizer
        First-order method run for ``warmup_epochs`` epochs before this one.
    warmup_epochs : int
        Length of the warm-up in epochs (0 disables it).

    Attributes
    ----------
    t_ : int
        Objective/gradient evaluations of the last :meth:`minimize`.
    n_iter_ : int
        Iterations of the last :meth:`minimize`.
    warmup_ : FirstOrderOptimizer or None
        The resolved warm-up optimizer (after :meth:`start`).
    """

    full_batch = True
    #: refuse models with more parameters (None: no limit); a knob in subclasses
    max_params = None
    _knobs = {
        "gtol": NONNEGATIVE,
        "max_fun": COUNT,
        "warmup_epochs": Knob(0, integer=True),
        "max_params": Knob(1, integer=True, optional=True),
    }

    @property
    def default_learning_rate(self):
        """Learning rate of the warm-up when the estimator's is None."""
        warm = getattr(self, "warmup", None)
        if isinstance(warm, str) and warm in OPTIMIZERS:
            warm = OPTIMIZERS[warm]
        if isinstance(warm, FirstOrderOptimizer) or (
            isinstance(warm, type) and issubclass(warm, FirstOrderOptimizer)
        ):
            return warm.default_learning_rate
        return 1.0  # unused: no warm-up (errors are reported by start)

    @property
    def _name(self):
        return getattr(self, "_registry_name", type(self).__name__)

    def _resolve_warmup(self):
        if self.warmup is None:
            return None
        warm = OPTIMIZERS.resolve(self.warmup, f"{type(self).__name__}.warmup")
        if not isinstance(warm, FirstOrderOptimizer):
            raise ValueError(
                f"Invalid value for {type(self).__name__} parameter 'warmup': "
                f"{self.warmup!r} is not a first-order (minibatch) optimizer; use e.g. "
                "'sgd' or 'adam'."
            )
        return warm

    def start(self, theta):
        """Validate the knobs against the model size; returns self."""
        self._validate()
        n = int(np.asarray(theta).size)
        if self.max_params is not None and n > self.max_params:
            raise ValueError(
                f"optimizer={self._name!r} refuses this model: it has {n} parameters, "
                f"more than {type(self).__name__}(max_params={self.max_params}) "
                f"({self._size_reason}). Use optimizer='lbfgs' for models of this size, "
                "or raise max_params."
            )
        self.warmup_ = self._resolve_warmup()
        self.t_ = 0
        self.n_iter_ = 0
        return self

    _size_reason = "it stores an n_params x n_params matrix"

    def __init__(self, gtol=1e-5, max_fun=15000, warmup=None, warmup_epochs=5):
        # the common knobs; subclasses call this from their own __init__
        self.gtol = gtol
        self.max_fun = max_fun
        self.warmup = warmup
        self.warmup_epochs = warmup_epochs

    def minimize(self, oracle, theta, max_iter, callback=None):
        """Minimize the oracle's objective from ``theta``, updating it in place.

        Parameters
        ----------
        oracle : FullBatchOracle
        theta : ndarray of shape (n_params,)
            Start point; holds the final iterate on return.
        max_iter : int
            Maximum number of iterations.
        callback : callable ``(theta_k, loss_k) -> bool`` or None
            Called after every iteration with the iterate (possibly a
            solver-owned array: copy it to keep it) and its objective value;
            returning True stops the method.

        Returns
        -------
        BatchResult
        """
        self.n_iter_ = 0
        evals0 = oracle.n_evals
        callback = callback if callback is not None else (lambda x, f: False)
        with limit_scipy_blas():
            result = self._minimize(oracle, theta, int(max_iter), callback)
        self.t_ = oracle.n_evals - evals0
        return result

    def _iterate(self, oracle, x, f, callback):
        """Per-iteration bookkeeping; returns the reason to stop, or None."""
        self.n_iter_ += 1
        if callback(x, float(f)):
            return "stopped by a callback"
        if oracle.n_evals >= self.max_fun:
            return f"max_fun={self.max_fun} function evaluations reached"
        return None

    def _minimize(self, oracle, theta, max_iter, callback):
        raise NotImplementedError


class _ScipyMethod(FullBatchOptimizer):
    """Adapter to ``scipy.optimize.minimize(jac=True)`` on the oracle."""

    _method = None

    def _options(self, max_iter):
        raise NotImplementedError

    def _minimize(self, oracle, theta, max_iter, callback):
        stop = []

        def cb(intermediate_result):
            reason = self._iterate(
                oracle, intermediate_result.x, intermediate_result.fun, callback
            )
            if reason:
                stop.append(reason)
                raise StopIteration

        res = _scipy_minimize(
            oracle.scipy_fun, np.asarray(theta, dtype=np.float64), jac=True,
            method=self._method, callback=cb, options=self._options(max_iter),
        )
        theta[...] = res.x
        if stop:
            return BatchResult(False, stop[0])
        return BatchResult(bool(res.status == 0), str(res.message))


@OPTIMIZERS.register("lbfgs")
class LBFGS(_ScipyMethod):
    """Limited-memory BFGS (draft 8.5.3) through ``scipy.optimize.minimize``.

    scipy's ``L-BFGS-B`` (without bounds), as scikit-learn's MLP uses it, on
    the flat parameter vector: the objective and its gradient come from one
    forward/backward pass over all rows, with no packing of per-layer arrays.
    L-BFGS keeps the last ``memory`` pairs ``(Delta, phi)`` of parameter and
    gradient differences instead of the dense inverse-Hessian estimate ``M``
    of BFGS and applies ``M`` with the two-loop recursion; with ``memory=1``
    and ``M_{t-1} = I`` its direction is the draft's eq. 8.24 (see
    :func:`lbfgs_direction`, which corrects the draft's swapped coefficients;
    ``docs/second_order.md``, "Sign corrections relative to the draft chapter").  Unlike scikit-learn, ``loss_curve_`` gets one entry per
    iteration.

    Parameters
    ----------
    memory : int, default=10
        Number of stored correction pairs (scipy's ``maxcor``).
    max_fun : int, default=15000
        Maximum number of objective/gradient evaluations.
    gtol : float, default=1e-5
        Stop when ``max_i |g_i| <= gtol``.
    ftol : float, default=2.22e-9
        Stop when the relative reduction of the objective falls below ``ftol``.
    max_ls : int, default=20
        Maximum number of line-search steps per iteration.
    warmup : None, str or FirstOrderOptimizer, default=None
        First-order method to run first (see :mod:`sklreg.optim.batch`).
    warmup_epochs : int, default=5
    """

    _method = "L-BFGS-B"
    _knobs = {"memory": COUNT, "ftol": NONNEGATIVE, "max_ls": COUNT}

    def __init__(self, memory=10, max_fun=15000, gtol=1e-5, ftol=2.220446049250313e-09,
                 max_ls=20, warmup=None, warmup_epochs=5):
        super().__init__(gtol, max_fun, warmup, warmup_epochs)
        self.memory = memory
        self.ftol = ftol
        self.max_ls = max_ls

    def _options(self, max_iter):
        return {"maxcor": self.memory, "maxfun": self.max_fun, "maxiter": max_iter,
                "gtol": self.gtol, "ftol": self.ftol, "maxls": self.max_ls}


@OPTIMIZERS.register("bfgs")
class BFGS(_ScipyMethod):
    """BFGS quasi-Newton method, draft Algorithm 8.11, via ``scipy.optimize.minimize``.

    Keeps a dense estimate ``M`` of the inverse Hessian, updated from
    ``Delta = theta_t - theta_{t-1}`` and ``phi = g_t - g_{t-1}`` so that the
    secant condition ``M phi = Delta`` holds, and moves along
    ``rho = -M g`` with a Wolfe line search.  The draft prints ``rho = +M g``
    (ascent) and ``phi^T phi`` instead of ``Delta Delta^T`` in eq. 8.23
    (``docs/second_order.md``, "Sign corrections relative to the draft
    chapter"); :func:`bfgs_inverse_update` is the corrected formula.
    Memory is ``O(n_params^2)`` and scipy's update multiplies
    ``n_params x n_params`` matrices (``O(n_params^3)`` time per iteration),
    so the model size is capped; prefer :class:`LBFGS` beyond a few hundred
    parameters.

    Parameters
    ----------
    gtol : float, default=1e-5
        Stop when ``max_i |g_i| <= gtol``.
    max_fun : int, default=15000
        Maximum number of objective/gradient evaluations.
    max_params : int, default=2000
        Refuse larger models (``M`` has ``max_params**2`` entries).
    warmup : None, str or FirstOrderOptimizer, default=None
    warmup_epochs : int, default=5
    """

    _method = "BFGS"

    def __init__(self, gtol=1e-5, max_fun=15000, max_params=2000, warmup=None,
                 warmup_epochs=5):
        super().__init__(gtol, max_fun, warmup, warmup_epochs)
        self.max_params = max_params

    def _options(self, max_iter):
        return {"gtol": self.gtol, "norm": np.inf, "maxiter": max_iter}


# ---------------------------------------------------------------- book formulas
def bfgs_inverse_update(M, delta, phi):
    """BFGS update of the inverse-Hessian estimate, draft eq. 8.23 corrected.

    ``M_t = M + (1 + phi^T M phi / Delta^T phi) Delta Delta^T / Delta^T phi
    - (Delta phi^T M + M phi Delta^T) / Delta^T phi``; the result satisfies the
    secant condition ``M_t phi = Delta`` and stays symmetric positive definite
    when ``Delta^T phi > 0``.  (The draft prints ``phi^T phi`` in place of
    ``Delta Delta^T``, which breaks the secant condition.)
    """
    M = np.asarray(M, dtype=float)
    dp = float(delta @ phi)
    if dp == 0.0:
        raise ValueError("The BFGS update needs Delta^T phi != 0.")
    Mphi = M @ phi
    return (
        M + (1.0 + float(phi @ Mphi) / dp) * np.outer(delta, delta) / dp
        - (np.outer(delta, Mphi) + np.outer(Mphi, delta)) / dp
    )


def lbfgs_direction(g, delta, phi):
    """Memory-one L-BFGS direction, draft eq. 8.24 corrected.

    ``rho = -g + a Delta + b phi`` with
    ``a = -(1 + phi^T phi / Delta^T phi) Delta^T g / Delta^T phi + phi^T g / Delta^T phi``
    and ``b = Delta^T g / Delta^T phi``: this is ``-M g`` for the BFGS update of
    ``M = I``.  The draft writes ``-g + b Delta + a phi`` (see
    ``docs/second_order.md``, "Sign corrections relative to the draft chapter").
    """
    dp = float(delta @ phi)
    dg, pg = float(delta @ g), float(phi @ g)
    a = -(1.0 + float(phi @ phi) / dp) * dg / dp + pg / dp
    b = dg / dp
    return -g + a * delta + b * phi
