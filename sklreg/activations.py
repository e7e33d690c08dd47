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

Activations follow scikit-learn's parameter protocol, like the optimizers:
their knobs are constructor arguments (``LeakyReLU(negative_slope=0.1)``), so
an instance can be the estimators' ``activation`` parameter and is cloned,
pickled, grid-searched (``activation__negative_slope``) and printed like any
estimator.  Two activations are equal when they are of the same class with
the same parameters.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator

from ._registry import ACTIVATIONS
from ._validation import check_interval

__all__ = ["Activation", "Identity", "Logistic", "Tanh", "ReLU", "LeakyReLU", "Softplus"]


class Activation(BaseEstimator):
    """Base class: ``forward(z) -> a`` and ``backward(dy, a) -> dz``, both in place.

    Subclasses with knobs take them as keyword arguments of ``__init__`` and
    store them unchanged (scikit-learn's parameter protocol).
    """

    def forward(self, z):
        raise NotImplementedError

    def backward(self, dy, a):
        raise NotImplementedError

    def _key(self):
        return type(self), tuple(sorted(self.get_params(deep=False).items()))

    def __eq__(self, other):
        if not isinstance(other, Activation):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())


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
    """f(z) = z if z > 0 else slope * z; f' = 1 or slope.

    Parameters
    ----------
    negative_slope : float >= 0, default=0.01
        Slope for negative inputs (0 gives the ReLU).  Non-negative so that
        ``a = f(z)`` has the sign of ``z`` and the derivative can be read off
        the output.
    """

    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def _slope(self):
        check_interval(
            "negative_slope", self.negative_slope, 0.0, None, owner="LeakyReLU"
        )
        return float(self.negative_slope)

    def forward(self, z):
        s = self._slope()
        # max(z, s z) (min for s > 1) is the leaky relu for s >= 0
        return (np.maximum if s <= 1.0 else np.minimum)(z, s * z, out=z)

    def backward(self, dy, a):
        dy *= np.where(a > 0, 1.0, self._slope()).astype(dy.dtype, copy=False)
        return dy

    def derivatives(self, a):
        return np.where(a > 0, 1.0, self._slope()).astype(a.dtype, copy=False), 0.0


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
