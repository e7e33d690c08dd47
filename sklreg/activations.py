"""Hidden-unit activation functions (book 6.3; used by every hidden layer).

Each activation is a small class whose forward and backward sit side by side.
Both work **in place** so the hot loop allocates nothing:

* ``forward(z)`` overwrites the pre-activation ``z`` with ``a = f(z)``;
* ``backward(dy, a)`` overwrites the upstream gradient ``dy`` with
  ``dy * f'(z)``, written in terms of the cached *output* ``a`` so the
  pre-activation never has to be kept.

Every derivative here can be expressed through ``a``: logistic ``a(1-a)``,
tanh ``1-a^2``, relu ``[a>0]``, leaky relu ``1`` or ``slope`` by the sign of
``a``, softplus ``sigmoid(z) = 1 - exp(-a)``.

An activation that also defines ``derivatives(a) -> (f'(z), f''(z))`` (again
in terms of ``a``) supports exact Hessian-vector products (the R-operator of
:mod:`sklreg._hessian`); without it those fall back to finite differences.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ._registry import ACTIVATIONS

__all__ = ["Activation", "Identity", "Logistic", "Tanh", "ReLU", "LeakyReLU", "Softplus"]


class Activation:
    """Base class: ``forward(z) -> a`` and ``backward(dy, a) -> dz``, both in place."""

    def forward(self, z):
        raise NotImplementedError

    def backward(self, dy, a):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


ACTIVATIONS.base = Activation


@ACTIVATIONS.register("identity")
class Identity(Activation):
    """f(z) = z."""

    def forward(self, z):
        return z

    def backward(self, dy, a):
        return dy

    def derivatives(self, a):
        return 1.0, 0.0


@ACTIVATIONS.register("logistic")
class Logistic(Activation):
    """f(z) = 1 / (1 + exp(-z)); f' = a (1 - a)."""

    def forward(self, z):
        return expit(z, out=z)

    def backward(self, dy, a):
        dy *= a
        dy *= 1.0 - a
        return dy

    def derivatives(self, a):
        d1 = a * (1.0 - a)
        return d1, d1 * (1.0 - 2.0 * a)


@ACTIVATIONS.register("tanh")
class Tanh(Activation):
    """f(z) = tanh(z); f' = 1 - a^2."""

    def forward(self, z):
        return np.tanh(z, out=z)

    def backward(self, dy, a):
        dy *= 1.0 - a * a
        return dy

    def derivatives(self, a):
        d1 = 1.0 - a * a
        return d1, -2.0 * a * d1


@ACTIVATIONS.register("relu")
class ReLU(Activation):
    """f(z) = max(z, 0); f' = [a > 0] (0 at z = 0, as scikit-learn)."""

    def forward(self, z):
        # z * [z > 0]: the same values as max(z, 0) (NaN stays NaN) and faster
        # than np.maximum, whose NaN handling costs more than a multiply
        return np.multiply(z, z > 0, out=z)

    def backward(self, dy, a):
        np.multiply(dy, a > 0, out=dy)
        return dy

    def derivatives(self, a):
        return (a > 0).astype(a.dtype), 0.0


@ACTIVATIONS.register("leaky_relu")
class LeakyReLU(Activation):
    """f(z) = z if z > 0 else slope * z (slope 0.01); f' = 1 or slope."""

    negative_slope = 0.01

    def forward(self, z):
        # max(z, s z) equals the leaky relu for 0 <= s < 1
        return np.maximum(z, self.negative_slope * z, out=z)

    def backward(self, dy, a):
        dy *= np.where(a > 0, 1.0, self.negative_slope).astype(dy.dtype, copy=False)
        return dy

    def derivatives(self, a):
        return np.where(a > 0, 1.0, self.negative_slope).astype(a.dtype, copy=False), 0.0


@ACTIVATIONS.register("softplus")
class Softplus(Activation):
    """f(z) = log(1 + exp(z)); f' = sigmoid(z) = 1 - exp(-a)."""

    def forward(self, z):
        return np.logaddexp(0, z, out=z)

    def backward(self, dy, a):
        dy *= -np.expm1(-a)
        return dy

    def derivatives(self, a):
        s = -np.expm1(-a)  # sigmoid(z)
        return s, s * (1.0 - s)
