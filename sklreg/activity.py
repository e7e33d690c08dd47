"""Sparse representations: penalties on the hidden activations (book section 7.10).

``J~(theta) = J(theta) + alpha * Omega(h)`` (eq. 7.48) with, per hidden layer:

* ``activity_l1``: ``Omega(h) = sum_i a_i sum_j |h_ij|`` -- the L1 norm of the
  representation (eq. 7.48), averaged over the examples exactly like the loss
  (``a_i = 1/m`` or the normalized sample weights), so its strength does not
  depend on the batch size.
* ``activity_kl``: ``Omega(h) = sum_j KL(rho || rho^_j) = sum_j [rho log(rho/rho^_j)
  + (1 - rho) log((1 - rho)/(1 - rho^_j))]`` with ``rho^_j = sum_i a_i h_ij`` the
  (weighted) average activation of unit ``j`` on the minibatch and ``rho`` the
  ``sparsity_target`` (Lee et al. 2008; Goodfellow et al. 2009).  Only for
  logistic units, whose activations lie in (0, 1).
* ``activity_student_t``: ``Omega(h) = sum_i a_i sum_j log(1 + h_ij^2)``, the
  negative log of a Student-t-like prior on each activation (Olshausen &
  Field 1996; Bergstra 2011), averaged over the examples like the L1 norm.
  Its gradient ``2 h / (1 + h^2)`` grows like the L1 subgradient near zero
  but fades for large ``|h|``: it pushes the small activations toward zero
  and leaves the large ones alone, so representations become heavy-tailed
  (many near-zero values, a few large ones) rather than uniformly shrunk.

:class:`ActivityPenalty` is an identity layer placed right after a hidden
activation: forward adds the penalty's value to ``ctx.extra_loss`` (which
:class:`~sklreg._objective.Objective` adds to the objective) and remembers
``h``; backward adds the penalty's gradient to the incoming ``dL/dh``.
"""

from __future__ import annotations

import numpy as np

from .network import ActivationLayer, Context, Layer, _buffer

__all__ = ["ActivityPenalty", "hidden_zero_fractions"]


class ActivityPenalty(Layer):
    """Identity layer carrying L1, KL and/or Student-t sparsity penalties on its input.

    Parameters
    ----------
    l1 : float
        Coefficient of the L1 penalty.
    kl : float
        Coefficient of the KL penalty toward ``target``.
    target : float in (0, 1)
        Target average activation ``rho`` of the KL penalty.
    student_t : float
        Coefficient of the Student-t penalty ``sum_j log(1 + h_j^2)``.
    """

    student_t = 0.0  # (pickles of earlier versions)

    def __init__(self, l1=0.0, kl=0.0, target=0.05, student_t=0.0):
        self.l1 = float(l1)
        self.kl = float(kl)
        self.target = float(target)
        self.student_t = float(student_t)

    @staticmethod
    def _mean(h, w):
        return h.mean(axis=0) if w is None else w @ h

    def _rho_hat(self, h, w):
        tiny = np.finfo(h.dtype).eps
        return np.clip(self._mean(h, w), tiny, 1.0 - tiny)

    def value(self, h, w):
        """Penalty value on the activations ``h`` with normalized weights ``w``."""
        v = 0.0
        if self.l1:
            v += self.l1 * float(np.sum(self._mean(np.abs(h), w)))
        if self.kl:
            r, q = self.target, self._rho_hat(h, w)
            v += self.kl * float(
                np.sum(r * np.log(r / q) + (1.0 - r) * np.log((1.0 - r) / (1.0 - q)))
            )
        if self.student_t:
            v += self.student_t * float(np.sum(self._mean(np.log1p(h * h), w)))
        return v

    def forward(self, P, h, ctx):
        w = ctx.sample_weight
        if ctx.extra_loss is not None:
            ctx.extra_loss += self.value(h, w)
        if ctx.training:
            self._h, self._w = h, w
        return h

    def backward(self, P, G, dy, ctx, need_dx):
        h, w = self._h, self._w
        a = 1.0 / h.shape[0] if w is None else w[:, None]
        if self.l1:
            s = np.sign(h, out=_buffer(self, "_sign", h.shape, h.dtype, ctx))
            s *= a
            s *= self.l1
            dy += s
        if self.kl:
            r, q = self.target, self._rho_hat(h, w)
            d = self.kl * (-r / q + (1.0 - r) / (1.0 - q))
            dy += a * d
        if self.student_t:  # d/dh log(1 + h^2) = 2 h / (1 + h^2)
            g = np.multiply(h, h, out=_buffer(self, "_st", h.shape, h.dtype, ctx))
            g += 1.0
            np.divide(h, g, out=g)
            g *= a
            g *= 2.0 * self.student_t
            dy += g
        return dy


#: fitted estimators measure ``hidden_zero_fraction_`` on at most this many
#: training rows (a seeded random sample), so the monitor costs a fixed, small
#: forward pass however large the data set is
ZERO_FRACTION_ROWS = 2000


def hidden_zero_fractions(network, theta, X, chunk=4096):
    """Fraction of exactly-zero activations of each hidden layer on ``X``.

    One inference pass (``chunk`` rows at a time); returns a list with one
    float per hidden layer (the outputs of the hidden activations).  Callers
    pass a row sample when X is large (see ``ZERO_FRACTION_ROWS``).
    """
    P = network.layer_params(theta)
    n_hidden = sum(isinstance(layer, ActivationLayer) for layer in network.layers)
    zeros = np.zeros(n_hidden)
    sizes = np.zeros(n_hidden)
    ctx = Context(training=False)
    for start in range(0, X.shape[0], chunk):
        h = X[start : start + chunk]
        k = 0
        for layer, p in zip(network.layers, P):
            h = layer.forward(p, h, ctx)
            if isinstance(layer, ActivationLayer):
                zeros[k] += np.count_nonzero(h == 0)
                sizes[k] += h.size
                k += 1
    return [float(z / s) if s else 0.0 for z, s in zip(zeros, sizes)]
