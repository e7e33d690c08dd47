"""Double backpropagation (book 7.14, Drucker and LeCun 1992).

The penalty ``lam * sum_i w_i ||g_i||^2``, ``g_i = dL(f(x_i), y_i)/dx_i`` the
gradient of the per-sample loss in its input and ``w`` the normalized sample
weights of the batch (``1/n`` without weights), flattens the loss around
every training point: invariance to *all* small input changes, where
tangent propagation asks for invariance along given directions.

*Weights.* :meth:`~sklreg._objective.Objective.input_grad` returns the rows
``G_i = w_i g_i`` of ``dJ/dX`` for ``J = sum_i w_i L_i``, so the penalty is
``lam sum_i ||G_i||^2 / w_i`` (rows of weight 0 contribute 0).  Its
parameter gradient is ``sum_i (2 lam / w_i) G_i . dG_i/dtheta``, and since
``d/dr grad_theta J(theta, X + r V) = grad_theta sum_i G_i . v_i`` for a fixed
``V``, it is :meth:`~sklreg._objective.Objective.input_mixed_grad` with
``V = 2 lam g`` (the per-sample gradients): one forward, one forward-mode
and one second backward sweep (R-operator): about 2-3.5 more gradient
evaluations per step (measured, docs/tangent_double_backprop.md); the
ordinary backward pass already gives ``dJ/dX``.

Networks with a layer without R-operator (dropout, noise, batch
normalization, ...) recompute ``dJ/dX`` and take the mixed derivative by
central differences in the input, both under one frozen noise draw seeded
from the minibatch's generator (up to about 6 gradient evaluations); the
gradient is exact for that draw up to the ``O(h^2)`` of the differences.
With batch normalization rows interact: ``g_i`` is then row ``i`` of the
batch gradient divided by ``w_i``.  Curvature (``optimizer='newton'``, ...)
uses central differences of the whole gradient.
"""

from __future__ import annotations

import numpy as np

from .._objective import Term, _training_ctx
from ._base import Feature, Param, interval, register
from .tangent import frozen_seed, refuse_fisher

__all__ = ["DoubleBackprop", "InputGradientPenalty"]


class InputGradientPenalty(Term):
    """``strength * sum_i w_i ||dL_i/dx_i||^2`` (double backprop)."""

    uses_data = True
    needs_input_grad = True  # the ordinary backward pass gives dJ/dX

    def __init__(self, strength):
        self.strength = float(strength)

    def value_grad(self, theta, grad, batch):
        obj, X, Y, w = batch.objective, batch.X, batch.Y, batch.w
        seed = frozen_seed(obj, batch.ctx)
        if obj._exact_input_ops() and batch.input_grad is not None:
            G = batch.input_grad  # deterministic network: the pass's own dJ/dX
        else:  # one frozen draw for the penalty and its gradient
            G = obj.input_grad(theta, X, Y, w, _training_ctx(seed))
        n = G.shape[0]
        if w is None:
            g = G * n  # w_i = 1/n
        else:
            inv = np.divide(1.0, w, out=np.zeros_like(w), where=w > 0)
            g = G * inv[:, None]
        value = self.strength * float(np.einsum("ij,ij->", G, g))  # sum w_i ||g_i||^2
        g *= 2.0 * self.strength
        grad += obj.input_mixed_grad(theta, X, g, np.empty_like(theta), Y=Y, w=w, seed=seed)
        return value


@register
class DoubleBackprop(Feature):
    name, section = "double_backprop", "7.14"
    example = {"input_gradient_penalty": 0.1}
    params = (
        Param("input_gradient_penalty", 0.0, interval("input_gradient_penalty", 0.0, None), """
    input_gradient_penalty : float, default=0.0
        Double backprop (book 7.14, Drucker and LeCun 1992): adds this
        weight times ``sum_i w_i ||grad_x L(f(x_i), y_i)||^2``, the weighted
        mean (like the loss) of the squared norm of each sample's loss
        gradient in its input, with its exact parameter gradient
        (second-order backpropagation).  The loss becomes flat around every
        training point (robustness to small input perturbations; the
        infinitesimal counterpart of adversarial training, 7.13).  Cost:
        2-3.5 more gradient evaluations per step (more with dropout, noise
        or batch normalization: central differences)."""),
    )

    def active(self, est):
        return bool(est.input_gradient_penalty)

    def validate(self, est):
        super().validate(est)
        if self.active(est):
            refuse_fisher(est, f"input_gradient_penalty={est.input_gradient_penalty!r}")

    def contribute(self, trainer, data, plan):
        strength = trainer.estimator_params["input_gradient_penalty"]
        if strength:
            plan.terms.append(InputGradientPenalty(strength))
