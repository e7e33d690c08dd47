"""The objective: network + output loss + penalties -> (value, gradient).

:class:`Objective` is the single source of truth for the function being
minimized.  The minibatch loop, the full-batch solvers, validation scoring and
the finite-difference tests all call it, so there is exactly one forward and
one backward pass in the code base.
"""

from __future__ import annotations

import numpy as np

from .network import Context

__all__ = ["Objective"]


class Objective:
    """``J~(theta) = sum_i w_i L(f(x_i; theta), y_i) + sum_k Omega_k(theta)``.

    Parameters
    ----------
    network : Network
    loss : Loss
        Output link fused with its loss.
    penalties : list of Penalty
        Already bound to ``network.layout``.
    """

    def __init__(self, network, loss, penalties=()):
        self.network = network
        self.loss = loss
        self.penalties = list(penalties)
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

    def loss_grad(self, theta, X, Y, w=None, ctx=None, grad=None):
        """Objective value and gradient at ``theta`` on (X, Y, w).

        ``w`` are per-sample weights normalized to sum to one (None: uniform).
        The returned gradient is an internal buffer reused by the next call
        unless ``grad`` is given.
        """
        if ctx is None:
            ctx = Context(training=True)
        ctx.sample_weight, ctx.extra_loss = w, 0.0  # activity penalties (book 7.10)
        ctx.targets = Y  # auxiliary heads (draft 8.7.4)
        z = self.network.forward(theta, X, ctx)
        value = self.loss.forward_backward(z, Y, w) + ctx.extra_loss
        if grad is None:
            grad = self._grad_buffer(theta)
        self.network.backward(theta, grad, z, ctx)
        for pen in self.penalties:
            value += pen.value_grad(theta, grad)
        return value, grad

    def data_loss(self, theta, X, Y, w=None):
        """Weighted mean loss in inference mode (no penalty): validation loss."""
        z = self.network.forward(theta, X, Context(training=False))
        return self.loss.forward_backward(z, Y, w)

    def value(self, theta, X, Y, w=None, ctx=None):
        """Objective value (loss + penalties) without computing a gradient."""
        if ctx is None:
            ctx = Context(training=False)
        ctx.sample_weight, ctx.extra_loss, ctx.targets = w, 0.0, Y
        z = self.network.forward(theta, X, ctx)
        value = self.loss.forward_backward(z, Y, w) + ctx.extra_loss
        scratch = np.zeros_like(theta)
        for pen in self.penalties:
            value += pen.value_grad(theta, scratch)
        return value

    def predict(self, theta, X):
        """Network outputs after the output link, in inference mode."""
        z = self.network.forward(theta, X, Context(training=False))
        return self.loss.link(z)
