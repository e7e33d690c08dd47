"""Parameter norm penalties Omega(theta) added to the objective (book 7.1).

The regularized objective is ``J~(theta) = J(theta) + sum_k Omega_k(theta)``
with ``J`` the weighted *mean* loss (so penalty strength does not depend on
the batch size or the number of samples).  Penalties apply to the weights
only -- biases are never penalized (book 7.1) -- and the weights are the
contiguous prefix of theta (see :mod:`sklreg._layout`).  With the estimator
parameters ``alpha`` and ``l1`` the objective is::

    J~ = mean loss + sum_l alpha_l/2 ||W_l - R_l||_F^2 + sum_l l1_l ||W_l||_1

(``R`` the reference weights of ``l2_reference``, zero by default).

A penalty is bound to a layout and then called as
``value = penalty.value_grad(theta, grad)``: it returns its value and *adds*
its gradient to ``grad`` in place.  A penalty built with ``gradient=False``
only reports its value: the proximal L1 step and decoupled weight decay act
on the parameters through *step hooks* ``hook(theta, lr)`` run after every
optimizer update (:mod:`sklreg._training`), while their penalty value still
enters the reported loss.
"""

from __future__ import annotations

import numpy as np

from ._objective import Term

__all__ = [
    "Penalty",
    "L2Penalty",
    "L1Penalty",
    "L1Prox",
    "DecoupledWeightDecay",
    "resolve_reference",
    "per_layer_slices",
]


def per_layer_slices(layout, values):
    """``[(slice of theta, coefficient)]`` of a per-weight-matrix coefficient list.

    One pair over the whole weight prefix when every matrix has the same
    coefficient (a single vectorized pass), else one pair per weight matrix.
    """
    values = list(values)
    if len(set(values)) <= 1:
        return [(slice(0, layout.n_weights), values[0] if values else 0.0)]
    return [(s.slice, v) for s, v in zip(layout.weight_specs(), values)]


class Penalty(Term):
    """Base class: ``bind(layout)`` once, then ``value_grad(theta, grad)``.

    A penalty is an objective :class:`~sklreg._objective.Term` of the
    parameters only (``uses_data = False``).

    A penalty with one coefficient per weight matrix names that attribute in
    ``_coefficients``; :meth:`bind` pairs the coefficients with their slices
    of theta (``_pairs``, see :func:`per_layer_slices`).
    """

    _coefficients = None

    def bind(self, layout):
        self.layout = layout
        if self._coefficients is not None:
            self._pairs = per_layer_slices(layout, getattr(self, self._coefficients))
        return self

    def value_grad(self, theta, grad, batch=None):
        raise NotImplementedError


class L2Penalty(Penalty):
    """``Omega = sum_l alpha_l/2 * ||W_l - R_l||_F^2`` (book eq. 7.2, weight decay).

    Its gradient ``alpha * (w - r)`` is the weight-decay term of eq. 7.5.
    With a reference ``r`` (book 7.1.1 footnote and 7.9, soft parameter
    tying) the weights are pulled toward ``r`` instead of toward zero.

    Parameters
    ----------
    alpha : list of float
        One coefficient per weight matrix (dense layer).
    reference : ndarray of shape (n_weights,) or None, default=None
        Reference weights ``r`` in the layout's weight order; None means 0.
    gradient : bool, default=True
        False: only report the value (decoupled weight decay does the
        shrinking in a step hook, see :class:`DecoupledWeightDecay`).
    """

    _coefficients = "alpha"

    def __init__(self, alpha, reference=None, gradient=True):
        self.alpha = list(alpha)
        self.reference = reference
        self.gradient = gradient

    def _diff(self, theta, sl):
        w = theta[sl]
        return w if self.reference is None else w - self.reference[sl]

    def value_grad(self, theta, grad, batch=None):
        value = 0.0
        for sl, a in self._pairs:
            if a:
                d = self._diff(theta, sl)
                if self.gradient:  # grad += a * d without a temporary per update
                    tmp = self._scratch(d)
                    np.multiply(d, a, out=tmp)
                    grad[sl] += tmp
                value += 0.5 * a * float(d @ d)
        return value

    def hessian_vp(self, theta, v, out, batch=None):
        """Adds ``alpha_l v`` on the weights of each layer (constant curvature)."""
        for sl, a in self._pairs:
            if a:
                out[sl] += a * v[sl]

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_buf"}  # scratch

    def _scratch(self, d):
        buf = getattr(self, "_buf", None)
        if buf is None or buf.size < d.size or buf.dtype != d.dtype:
            buf = self._buf = np.empty(self.layout.n_weights, dtype=d.dtype)
        return buf[: d.size]


class L1Penalty(Penalty):
    """``Omega = sum_l l1_l * ||W_l||_1`` (book eq. 7.18-7.19, LASSO).

    The gradient added is the subgradient ``l1 * sign(w)`` of eq. 7.20 (0 at
    ``w = 0``).  Subgradient descent makes weights oscillate around zero but
    never sets them exactly to zero; the proximal step :class:`L1Prox` does.

    Parameters
    ----------
    l1 : list of float
        One coefficient per weight matrix.
    gradient : bool, default=True
        False: only report the value (the proximal method).
    """

    _coefficients = "l1"

    def __init__(self, l1, gradient=True):
        self.l1 = list(l1)
        self.gradient = gradient

    def value_grad(self, theta, grad, batch=None):
        value = 0.0
        for sl, a in self._pairs:
            if a:
                w = theta[sl]
                if self.gradient:
                    grad[sl] += a * np.sign(w)
                value += a * float(np.abs(w).sum())
        return value

    def hessian_vp(self, theta, v, out, batch=None):
        """Piecewise linear: no curvature away from ``w = 0``."""


class _WeightHook:
    """Base of the step hooks with one coefficient per weight matrix."""

    def __init__(self, coefficients, layout):
        self.layout = layout
        self._pairs = per_layer_slices(layout, coefficients)


class L1Prox(_WeightHook):
    """Step hook: soft-thresholding prox of the L1 penalty (book eq. 7.23).

    After every optimizer update the weights (biases untouched) go through
    the proximal operator of the L1 term in the metric of the optimizer's own
    step.  An update moves coordinate ``j`` by a step size ``s_j`` times a
    gradient estimate, ``s_j = lr`` for SGD, momentum and Nesterov and
    ``s_j = lr * d_j`` for the adaptive methods (``d`` their diagonal
    preconditioner, e.g. Adam's ``1 / (sqrt(r^_j) + delta)``; see
    :meth:`~sklreg.optim.base.FirstOrderOptimizer.step_scale`).  The prox::

        w_j <- argmin_u  l1 * |u| + (u - w_j)**2 / (2 * s_j)
             = sign(w_j) * max(|w_j| - s_j * l1, 0)

    is soft thresholding with the per-coordinate threshold ``s_j * l1``:
    book 7.1.2 eq. 7.23 with the diagonal "Hessian" ``1 / s_j`` of the step.
    With plain SGD this is ``w <- sign(w) max(|w| - lr * l1, 0)``, proximal
    gradient descent (ISTA), which converges to the exact L1-penalized
    minimum and produces exact zeros.  With an adaptive optimizer it is the
    preconditioned proximal gradient step: a weight stays at zero when the
    optimizer's (averaged) gradient estimate is below ``l1`` in magnitude,
    the optimality condition of the L1-penalized objective, whatever the
    scale of the preconditioner (a threshold ``lr * l1`` against a step
    ``lr * d_j * g_j`` would almost never zero a weight with Adam).

    Parameters
    ----------
    l1 : list of float
        One coefficient per weight matrix.
    layout : ParamLayout
    optimizer : FirstOrderOptimizer or None, default=None
        The optimizer whose updates precede this hook; asked for its step
        sizes after each update (:meth:`bind_optimizer` replaces it).  None,
        an optimizer without per-coordinate steps (``step_scale`` returns
        None) or one that has not made an update yet: the scalar ``lr``.
    """

    def __init__(self, l1, layout, optimizer=None):
        super().__init__(l1, layout)
        self.l1 = list(l1)
        self.optimizer = optimizer
        self._buf = self._steps = None

    def bind_optimizer(self, optimizer):
        """Use the step sizes of ``optimizer`` (the one that runs the updates)."""
        self.optimizer = optimizer
        return self

    def _step_sizes(self, lr, dtype):
        """Per-weight step sizes of the last update times ``lr``, or None for the
        scalar step (``lr`` may carry the uniform ``l1`` factor already)."""
        opt = self.optimizer
        if opt is None or not getattr(opt, "t_", 0) or not hasattr(opt, "step_scale"):
            return None
        if self._steps is None or self._steps.dtype != dtype:
            self._steps = np.empty(self.layout.n_weights, dtype=dtype)
        return opt.step_scale(lr, self._steps)

    def __call__(self, theta, lr):
        nw = self.layout.n_weights
        if self._buf is None or self._buf.dtype != theta.dtype:
            self._buf = np.empty(nw, dtype=theta.dtype)
        uniform = len(self._pairs) == 1
        if uniform and not self._pairs[0][1]:
            return
        # thresholds t_j = l1 * s_j (the uniform l1 folded into the step sizes)
        thr = self._step_sizes(lr * self._pairs[0][1] if uniform else lr, theta.dtype)
        for sl, a in self._pairs:
            if not a:
                continue
            w, buf = theta[sl], self._buf[sl]
            if thr is None:
                t = lr * a
                np.clip(w, -t, t, out=buf)
            else:
                t = thr[sl]
                if not uniform:
                    t *= a
                np.minimum(w, t, out=buf)
                np.negative(t, out=t)
                np.maximum(buf, t, out=buf)
            # w - clip(w, -t, t) = sign(w) max(|w| - t, 0); exactly 0 for |w| <= t
            w -= buf


class DecoupledWeightDecay(_WeightHook):
    """Step hook: decoupled weight decay (Loshchilov & Hutter, AdamW).

    After each update ``w_new = w_upd - lr * alpha * (w_old - r)``, where
    ``w_upd`` is the optimizer's result and ``w_old`` the weights *before*
    the update (``r`` the reference weights, 0 by default).  For plain SGD
    this equals the L2 penalty exactly (book eq. 7.5:
    ``w <- (1 - lr*alpha) w - lr*grad``); for momentum and adaptive methods the
    two differ, since here the decay bypasses the momentum buffers and the
    per-parameter scaling (``docs/penalties.md``, "L2 penalty and weight
    decay").  Same update as
    ``torch.optim.AdamW`` with biases in a no-decay group.  Unlike
    :class:`L1Prox`, the decay deliberately uses the scalar ``lr`` with every
    optimizer, not the optimizer's per-coordinate step sizes: decoupling the
    decay from the adaptive scaling is the point of AdamW (every weight decays
    at the same relative rate ``lr * alpha`` per step).

    The hook keeps a copy of the weights after all step hooks ran (the
    :attr:`snapshot` hook, which must run last) to know ``w_old`` at the next
    update; its ``begin(theta)`` takes the first copy when a training phase
    starts (the loop calls it, see :mod:`sklreg._training`), so parameters
    replaced between phases (early-stopping restore, retraining) are seen.

    Parameters
    ----------
    alpha : list of float
    layout : ParamLayout
    reference : ndarray of shape (n_weights,) or None
    """

    def __init__(self, alpha, layout, reference=None):
        super().__init__(alpha, layout)
        self.alpha = list(alpha)
        self.reference = reference
        self._prev = None
        self.snapshot = _Snapshot(self)

    def start(self, theta):
        """Record the current weights as ``w_old`` of the next update."""
        self._prev = np.array(theta[: self.layout.n_weights], copy=True)
        return self

    def __call__(self, theta, lr):
        if self._prev is None:
            raise RuntimeError(
                "DecoupledWeightDecay: call start(theta) (or snapshot.begin) before the "
                "first update."
            )
        for sl, a in self._pairs:
            if not a:
                continue
            prev = self._prev[sl]
            if self.reference is not None:
                prev = prev - self.reference[sl]
            theta[sl] -= (lr * a) * prev


class _Snapshot:
    """Last step hook of :class:`DecoupledWeightDecay`: remember the weights."""

    def __init__(self, decay):
        self.decay = decay

    def begin(self, theta):
        self.decay.start(theta)

    def __call__(self, theta, lr=None):
        self.decay._prev[...] = theta[: self.decay.layout.n_weights]


def _layer_shapes(layout):
    return [s.shape for s in layout.weight_specs()]


def resolve_reference(value, layout, dtype):
    """``l2_reference`` -> flat float array of the weights (layout order).

    Accepted: a fitted sklreg MLP estimator (its ``coefs_``), a list of weight
    matrices shaped like ``coefs_``, a flat array of length ``n_weights``
    (the weight prefix of theta) or of the whole parameter vector (its weight
    prefix is used).  Raises ValueError naming ``l2_reference`` when the
    architecture does not match.
    """
    if value is None:
        return None
    shapes = _layer_shapes(layout)
    nw = layout.n_weights
    name = "Invalid value for parameter 'l2_reference'"
    if hasattr(value, "get_params") and hasattr(value, "fit"):
        if not hasattr(value, "coefs_"):
            raise ValueError(
                f"{name}: {type(value).__name__} is not fitted (it has no coefs_). Pass "
                "a fitted sklreg MLP estimator, or its weights `est.coefs_`. Note that "
                "sklearn.base.clone (used by GridSearchCV, cross_validate) returns "
                "unfitted copies of estimator-valued parameters; pass the arrays "
                "`est.coefs_` in that case."
            )
        value = list(value.coefs_)
    if isinstance(value, (list, tuple)):
        try:
            mats = [np.asarray(W, dtype=np.float64) for W in value]
        except (TypeError, ValueError):
            mats = None
        got = None if mats is None else [m.shape for m in mats]
        if got != shapes:
            raise ValueError(
                f"{name}: its weight matrices have shapes {got}, but this network's "
                f"coefs_ have shapes {shapes} (layer sizes must match)."
            )
        flat = np.concatenate([m.ravel() for m in mats]) if mats else np.zeros(0)
    else:
        try:
            flat = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            flat = None
        if flat is None or flat.ndim != 1 or flat.shape[0] not in (nw, layout.n_params):
            raise ValueError(
                f"{name}: expected a fitted sklreg MLP estimator, a list of weight "
                f"matrices with shapes {shapes}, or a flat array of length {nw} (weights) "
                f"or {layout.n_params} (all parameters); got "
                f"{getattr(flat, 'shape', type(value).__name__)}."
            )
        flat = flat[:nw]
    if not np.all(np.isfinite(flat)):
        raise ValueError(f"{name}: the reference weights must be finite.")
    # weight specs are laid out contiguously in layer order from offset 0; always
    # copy so that later changes of the source (e.g. a refit) do not move the reference
    return np.array(flat, dtype=dtype, copy=True, order="C")
