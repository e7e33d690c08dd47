"""The objective: network + output loss + terms -> value, gradient, curvature.

:class:`Objective` is the only composition of the network, the output loss
and the additive *terms* of the training objective (norm penalties, and the
terms features contribute, e.g. an adversarial loss).  The minibatch loop,
the full-batch solvers, validation scoring, the Hessian-vector products and
the finite-difference tests all call it, so there is exactly one forward and
one backward pass in the code base, and no caller can leave a term out.

A term (:class:`Term`) adds its value and gradient to a minibatch
evaluation.  It sees the batch (:class:`Batch`) and, when it asks for it
(``needs_input_grad``), the gradient of the data loss with respect to the
input rows, computed by the same backward pass.  Terms that differentiate
through the input use the derivative primitives of the objective:

* :meth:`Objective.input_grad` -- ``dJ/dX`` of the weighted mean loss;
* :meth:`Objective.output_jvp` -- ``R{z} = (d f / d x) V``, the directional
  derivative of the raw outputs along input directions ``V`` (forward mode);
* :meth:`Objective.input_mixed_grad` -- ``d/dr grad_theta phi(f(theta, X + r V))``
  at ``r = 0`` for ``phi`` the data loss or a fixed linear form ``U . f``: the
  exact parameter gradient of penalties on input derivatives (double
  backprop, tangent propagation), by the R-operator of every layer or,
  without one, by central differences under one frozen noise draw.

Curvature goes through the objective too (:meth:`Objective.hessian_vp`):
the data part by the R-operator, every term by its own ``hessian_vp``; when
a term has none the whole product falls back to central differences of the
full gradient, so no term's curvature is ever dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .network import Context

__all__ = ["Objective", "Term", "Batch"]


@dataclass
class Batch:
    """What a term sees of one evaluation of the objective.

    ``X, Y, w``: inputs, encoded targets, normalized sample weights (None:
    uniform); ``ctx`` the layers' context of the evaluation (its generator
    draws the noise); ``z`` the raw network outputs and ``input_grad`` the
    gradient of the data loss with respect to ``X`` (only when a term asks
    for it); ``objective`` the objective being evaluated.
    """

    objective: Any
    X: Any
    Y: Any
    w: Any
    ctx: Any
    input_grad: Any = None


class Term:
    """An additive part of the objective beyond the weighted mean data loss.

    ``value_grad(theta, grad, batch)`` returns the term's value and *adds*
    its gradient to ``grad``.  Class attributes:

    * ``gradient``: False for a term whose value is reported but whose
      effect is a step transform (proximal L1, decoupled decay);
    * ``uses_data``: the term depends on the batch (False: on theta only);
    * ``needs_input_grad``: the objective passes ``dJ/dX`` in ``batch``;
    * ``uses_unweighted_rows``: the term also learns from rows of zero
      sample weight (virtual adversarial training's unlabeled rows), so a
      minibatch whose weights are all zero is not skipped;
    * ``data_scale``: factor of the clean data loss (an adversarial mix
      ``a J(x) + (1 - a) J(x_adv)`` sets it to ``a``);
    * an optional ``hessian_vp(theta, v, out, batch)`` adding the term's own
      curvature; without it Hessian-vector products use finite differences.
    """

    gradient = True
    uses_data = False
    needs_input_grad = False
    uses_unweighted_rows = False
    data_scale = 1.0

    def value_grad(self, theta, grad, batch):
        raise NotImplementedError


def _training_ctx(seed):
    return Context(training=True, rng=np.random.default_rng(seed))


class Objective:
    """``J~(theta) = s * sum_i w_i L(f(x_i; theta), y_i) + sum_k Omega_k(theta; batch)``.

    Parameters
    ----------
    network : Network
    loss : Loss
        Output link fused with its loss.
    terms : list of Term
        Norm penalties (bound to ``network.layout``) and feature terms;
        ``s`` is the product of their ``data_scale``.
    """

    def __init__(self, network, loss, terms=()):
        self.network = network
        self.loss = loss
        self.terms = list(terms)
        self._grad = None

    def __getstate__(self):
        # the gradient buffer is scratch space, reallocated on first use
        return {k: v for k, v in self.__dict__.items() if k != "_grad"}

    @property
    def layout(self):
        return self.network.layout

    def _grad_buffer(self, theta):
        g = getattr(self, "_grad", None)
        if g is None or g.shape != theta.shape or g.dtype != theta.dtype:
            g = self._grad = np.empty_like(theta)
        return g

    # ------------------------------------------------------------- values
    def data_loss_grad(self, theta, X, Y, w=None, ctx=None, grad=None):
        """Weighted mean data loss (with in-layer penalties such as activity
        sparsity and auxiliary heads) and its gradient written into ``grad``;
        returns ``(value, grad, dJ/dX or None)``."""
        if ctx is None:
            ctx = Context(training=True)
        ctx.sample_weight, ctx.extra_loss = w, 0.0  # activity penalties (book 7.10)
        ctx.targets = Y  # auxiliary heads (draft 8.7.4)
        z = self.network.forward(theta, X, ctx)
        value = self.loss.forward_backward(z, Y, w) + ctx.extra_loss
        if grad is None:
            grad = self._grad_buffer(theta)
        dX = self.network.backward(theta, grad, z, ctx)
        return value, grad, dX

    def loss_grad(self, theta, X, Y, w=None, ctx=None, grad=None):
        """Objective value and gradient at ``theta`` on (X, Y, w).

        ``w`` are per-sample weights normalized to sum to one (None: uniform).
        The returned gradient is an internal buffer reused by the next call
        unless ``grad`` is given.
        """
        if ctx is None:
            ctx = Context(training=True)
        ctx.need_input_grad = any(t.needs_input_grad for t in self.terms)
        value, grad, dX = self.data_loss_grad(theta, X, Y, w, ctx, grad)
        ctx.need_input_grad = False
        scale = self.data_scale
        if scale != 1.0:
            value *= scale
            grad *= scale
        # dX is a layer buffer that the next pass through the network (a term's
        # own evaluation) overwrites: every term must see this pass's gradient
        batch = Batch(self, X, Y, w, ctx, None if dX is None else dX.copy())
        for term in self.terms:
            value += term.value_grad(theta, grad, batch)
        return value, grad

    @property
    def uses_unweighted_rows(self):
        """Whether a minibatch of zero total weight still has a term to train."""
        return any(t.uses_unweighted_rows for t in self.terms)

    @property
    def data_scale(self):
        scale = 1.0
        for term in self.terms:
            scale *= term.data_scale
        return scale

    def value(self, theta, X, Y, w=None, ctx=None):
        """Objective value (loss + terms), deterministic by default."""
        if any(t.uses_data for t in self.terms):  # data terms need the gradient pass
            ctx = _training_ctx(0) if ctx is None else ctx
            return float(self.loss_grad(theta, X, Y, w, ctx, np.empty_like(theta))[0])
        if ctx is None:
            ctx = Context(training=False)
        ctx.sample_weight, ctx.extra_loss, ctx.targets = w, 0.0, Y
        z = self.network.forward(theta, X, ctx)
        value = self.loss.forward_backward(z, Y, w) + ctx.extra_loss
        scratch = np.zeros_like(theta)
        batch = Batch(self, X, Y, w, ctx)
        for term in self.terms:
            value += term.value_grad(theta, scratch, batch)
        return value

    def data_loss(self, theta, X, Y, w=None):
        """Weighted mean loss in inference mode (no term): validation loss."""
        z = self.network.forward(theta, X, Context(training=False))
        return self.loss.forward_backward(z, Y, w)

    def predict(self, theta, X):
        """Network outputs after the output link, in inference mode."""
        z = self.network.forward(theta, X, Context(training=False))
        return self.loss.link(z)

    # ------------------------------------------- derivatives in the input
    def input_grad(self, theta, X, Y, w=None, ctx=None):
        """``dJ/dX`` of the weighted mean data loss, shape of ``X`` (row ``i``
        is ``w_i dL_i/dx_i``)."""
        ctx = Context(training=True) if ctx is None else ctx
        ctx.need_input_grad = True
        try:
            _, _, dX = self.data_loss_grad(theta, X, Y, w, ctx, np.empty_like(theta))
        finally:
            ctx.need_input_grad = False
        return dX

    def _exact_input_ops(self):
        return self.network.supports_r_op() and hasattr(self.loss, "output_hvp")

    def output_jvp(self, theta, X, V, ctx=None, seed=0):
        """Raw-output directional derivatives ``(d f(x_i) / d x_i) v_i`` for
        input directions ``V`` (shape of ``X``): the R-operator (forward
        mode), or central differences with one frozen noise draw."""
        V = np.asarray(V, dtype=theta.dtype)
        if self.network.supports_r_op():
            ctx = _training_ctx(seed) if ctx is None else ctx
            self.network.forward(theta, X, ctx)
            return self.network.r_forward(theta, np.zeros_like(theta), ctx, rx=V)
        X, h = _dense(X), _fd_step(X, V)
        fp = self.network.forward(theta, X + h * V, _training_ctx(seed)).copy()
        fm = self.network.forward(theta, X - h * V, _training_ctx(seed))
        return (fp - fm) * (1.0 / (2.0 * h))

    def input_mixed_grad(self, theta, X, V, out, *, Y=None, w=None, U=None, seed=0):
        """``d/dr grad_theta phi(f(theta, X + r V))`` at ``r = 0``, written into ``out``.

        ``phi`` is the weighted data loss (``Y``, ``w`` given) or the fixed
        linear form ``sum_i U_i . f(x_i)`` (``U`` given, shape of the raw
        outputs).  With ``V = dJ/dX`` and the loss this is half the gradient
        of ``||dJ/dX||^2`` (double backprop); with ``U = R{z}`` it is the
        gradient of ``0.5 ||R{z}||^2`` (tangent propagation).
        """
        V = np.asarray(V, dtype=theta.dtype)
        if (U is None) == (Y is None):
            raise ValueError("input_mixed_grad needs either Y (the loss) or U (a linear form).")
        net = self.network
        if self._exact_input_ops():
            ctx = _training_ctx(seed)
            ctx.sample_weight, ctx.extra_loss, ctx.targets = w, 0.0, Y
            z = net.forward(theta, X, ctx)
            zero = np.zeros_like(theta)
            rz = net.r_forward(theta, zero, ctx, rx=V)
            if U is None:
                p = self.loss.link(z.copy())
                self.loss.forward_backward(z, Y, w)  # z <- dJ/dz
                dz, rdz = z, self.loss.output_hvp(p, rz, w)
            else:
                dz, rdz = np.asarray(U, dtype=theta.dtype), np.zeros_like(rz)
            return net.r_backward(theta, zero, out, dz, rdz, ctx)
        X, h = _dense(X), _fd_step(X, V)
        gm = np.empty_like(theta)
        for sign, buf in ((1.0, out), (-1.0, gm)):
            ctx = _training_ctx(seed)
            Xs = X + sign * h * V
            if U is None:
                self.data_loss_grad(theta, Xs, Y, w, ctx, buf)
            else:
                ctx.sample_weight, ctx.extra_loss, ctx.targets = None, None, None
                net.forward(theta, Xs, ctx)
                net.backward(theta, buf, np.asarray(U, dtype=theta.dtype).copy(), ctx)
        out -= gm
        out *= 1.0 / (2.0 * h)
        return out

    # ------------------------------------------------------------ curvature
    def supports_exact_hvp(self):
        """R-operator for every layer and the loss, and an own ``hessian_vp``
        for every term that depends on the data (a parameter-only term without
        one gets central differences of its own gradient)."""
        return self._exact_input_ops() and all(
            hasattr(t, "hessian_vp") for t in self.terms if t.gradient and t.uses_data
        )

    def hessian_vp(self, theta, X, Y, w, v, out, *, method="auto", seed=None, ctx=None):
        """``H v`` of the whole objective on (X, Y, w), written into ``out``.

        ``method``: 'rop' (exact; needs :meth:`supports_exact_hvp`), 'fd'
        (central differences of the full gradient) or 'auto'.  ``seed``
        freezes the noise draw of each evaluation (stochastic layers)."""
        if method == "auto":
            method = "rop" if self.supports_exact_hvp() else "fd"

        def context():
            if seed is not None:
                return _training_ctx(seed)
            return ctx if ctx is not None else Context(training=True)

        if method == "fd":
            return self._fd_hvp(theta, X, Y, w, v, out, context)
        net, loss = self.network, self.loss
        c = context()
        c.sample_weight, c.extra_loss, c.targets = w, 0.0, Y
        z = net.forward(theta, X, c)
        p = loss.link(z.copy())
        loss.forward_backward(z, Y, w)  # z <- dJ/dz
        rz = net.r_forward(theta, v, c)
        net.r_backward(theta, v, out, z, loss.output_hvp(p, rz, w), c)
        if self.data_scale != 1.0:
            out *= self.data_scale
        batch = Batch(self, X, Y, w, c)
        for term in self.terms:
            if term.gradient:
                _term_hvp(term, theta, v, out, batch)
        return out

    def fisher_vp(self, theta, X, Y, w, v, out, *, seed=None):
        """``F v``: the Fisher (Gauss-Newton) product of the data loss plus the
        terms' own curvature; terms that depend on the data have no Fisher."""
        data_terms = [type(t).__name__ for t in self.terms if t.gradient and t.uses_data]
        if data_terms:
            raise ValueError(
                "The Fisher-vector product (optimizer='natural_gradient') is defined for "
                f"the data loss only; this objective has data-dependent term(s) "
                f"{', '.join(data_terms)}. Use optimizer='newton' or 'lbfgs'."
            )
        net, loss = self.network, self.loss
        c = _training_ctx(seed) if seed is not None else Context(training=True)
        c.sample_weight, c.extra_loss, c.targets = w, 0.0, Y
        p = loss.link(net.forward(theta, X, c))
        rz = net.r_forward(theta, v, c)
        net.backward(theta, out, loss.output_hvp(p, rz, w), c)  # J^T A J v
        batch = Batch(self, X, Y, w, c)
        for term in self.terms:
            if term.gradient:
                _term_hvp(term, theta, v, out, batch)
        return out

    def _fd_hvp(self, theta, X, Y, w, v, out, context):
        h = _param_step(theta, v)
        if h == 0.0:
            out[...] = 0.0
            return out
        self.loss_grad(theta + h * v, X, Y, w, context(), grad=out)
        _, gm = self.loss_grad(theta - h * v, X, Y, w, context(), grad=np.empty_like(theta))
        out -= gm
        out *= 1.0 / (2.0 * h)
        return out


def _term_hvp(term, theta, v, out, batch):
    """A parameter-only term's curvature: its own, or central differences."""
    if hasattr(term, "hessian_vp"):
        term.hessian_vp(theta, v, out, batch)
        return
    h = _param_step(theta, v)
    if h:
        gp, gm = np.zeros_like(theta), np.zeros_like(theta)
        term.value_grad(theta + h * v, gp, batch)
        term.value_grad(theta - h * v, gm, batch)
        out += (gp - gm) * (1.0 / (2.0 * h))


def _param_step(theta, v):
    """Central-difference step ``eps^(1/3) max(1, |theta|_inf) / |v|_inf``."""
    vmax = float(np.max(np.abs(v))) if v.size else 0.0
    if vmax == 0.0:
        return 0.0
    eps = float(np.finfo(theta.dtype).eps)
    return eps ** (1.0 / 3.0) * max(1.0, float(np.max(np.abs(theta)))) / vmax


def _dense(X):
    return X.toarray() if sp.issparse(X) else X


def _fd_step(X, V):
    """Central-difference step in the input space along ``V``."""
    X = _dense(X)
    vmax = float(np.max(np.abs(V))) if V.size else 0.0
    if vmax == 0.0:
        return 1.0
    eps = float(np.finfo(V.dtype).eps)
    return eps ** (1.0 / 3.0) * max(1.0, float(np.max(np.abs(X)))) / vmax
