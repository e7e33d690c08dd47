"""Parameter norm penalties Omega(theta) added to the objective (book 7.1).

The regularized objective is ``J~(theta) = J(theta) + sum_k Omega_k(theta)``
with ``J`` the weighted *mean* loss (so penalty strength does not depend on
the batch size or the number of samples).  Penalties apply to the weights
only -- biases are never penalized (book 7.1) -- and the weights are the
contiguous prefix of theta (see :mod:`sklreg._layout`).

A penalty is bound to a layout and then called as
``value = penalty.value_grad(theta, grad)``: it returns its value and *adds*
its gradient to ``grad`` in place.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Penalty", "L2Penalty"]


class Penalty:
    """Base class: ``bind(layout)`` once, then ``value_grad(theta, grad)``."""

    def bind(self, layout):
        self.layout = layout
        return self

    def value_grad(self, theta, grad):
        raise NotImplementedError

    def _per_layer(self, values):
        """Pair each weight spec's slice with its coefficient."""
        specs = self.layout.weight_specs()
        return [(s.slice, v) for s, v in zip(specs, values)]


class L2Penalty(Penalty):
    """``Omega = alpha/2 * sum ||W_l||_F^2`` (book eq. 7.2, weight decay).

    Its gradient ``alpha * w`` is the weight-decay term of eq. 7.5.

    Parameters
    ----------
    alpha : list of float
        One coefficient per weight matrix (dense layer).
    """

    def __init__(self, alpha):
        self.alpha = list(alpha)

    def bind(self, layout):
        super().bind(layout)
        self._uniform = len(set(self.alpha)) <= 1
        self._pairs = self._per_layer(self.alpha)
        return self

    def value_grad(self, theta, grad):
        if self._uniform:
            a = self.alpha[0] if self.alpha else 0.0
            if a == 0.0:
                return 0.0
            w = theta[: self.layout.n_weights]
            grad[: self.layout.n_weights] += a * w
            return 0.5 * a * float(w @ w)
        value = 0.0
        for sl, a in self._pairs:
            if a:
                w = theta[sl]
                grad[sl] += a * w
                value += 0.5 * a * float(w @ w)
        return value
