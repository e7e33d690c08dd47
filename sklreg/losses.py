"""Output layers fused with their losses (canonical links, book 6.2.2).

The task chooses the pair: softmax + cross-entropy (multiclass), logistic +
cross-entropy (binary and multilabel, one sigmoid unit per label), identity +
squared error (regression, multi-output), exponential + Poisson deviance
(``loss='poisson'``, counts and rates; the log link).  With a canonical link
the gradient of the loss with respect to the output pre-activation ``z`` is
simply ``(p - y)``, so forward and backward are one fused, in-place function.

The data term of every sklreg objective is the **weighted mean** of per-sample
losses (book eq. 8.1): ``sum_i w_i L_i`` with ``w`` normalized to sum to one
(``w=None`` means ``1/n``), so its scale does not depend on the batch size.
Per-sample losses: ``0.5 * ||y_i - p_i||^2`` (squared error, the Gaussian
negative log-likelihood up to a constant), ``-sum_k y_ik log p_ik`` (softmax),
``-sum_k [y log p + (1-y) log(1-p)]`` (sigmoid units),
``sum_k [y log(y / p) - y + p]`` with ``p = exp(z)`` (half the Poisson
deviance, as scikit-learn's ``MLPRegressor(loss='poisson')``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, xlogy

__all__ = [
    "Loss", "SquaredError", "PoissonDeviance", "SoftmaxCrossEntropy", "SigmoidCrossEntropy"
]


def _weighted_sum(per_sample, w):
    """sum_i w_i l_i for normalized weights, or the mean when w is None."""
    if w is None:
        return float(per_sample.mean())
    return float(per_sample @ w)


class Loss:
    """Output link + loss.

    ``link(z)`` maps pre-activations to predictions in place.
    ``forward_backward(z, Y, w)`` returns the weighted mean loss and overwrites
    ``z`` with ``dJ/dz = w_i (p_i - y_i)`` (``1/n`` instead of ``w_i`` when w is None).
    """


    def link(self, z):
        raise NotImplementedError

    def forward_backward(self, z, Y, w):
        raise NotImplementedError

    # Subclasses supporting exact Hessian-vector products also define
    # ``output_hvp(p, rz, w) -> w_i * A_i rz_i`` with ``p = link(z)`` and ``A_i``
    # the Hessian of the per-sample loss with respect to ``z_i``.  For these
    # canonical links ``A_i`` is also the Fisher information of the output
    # distribution with respect to its natural parameters, so the same product
    # serves the Gauss-Newton/Fisher matrix (draft 8.6) and the R-operator.

    @staticmethod
    def _scale_delta(delta, w):
        if w is None:
            delta *= 1.0 / delta.shape[0]
        else:
            delta *= w[:, None]
        return delta


class SquaredError(Loss):
    """Identity output, per-sample loss 0.5 * ||y - z||^2."""


    def link(self, z):
        return z

    def forward_backward(self, z, Y, w):
        z -= Y
        loss = 0.5 * _weighted_sum(np.einsum("ij,ij->i", z, z), w)
        self._scale_delta(z, w)
        return loss

    def output_hvp(self, p, rz, w):
        """A = I (unit-variance Gaussian)."""
        return self._scale_delta(rz.copy(), w)


class PoissonDeviance(Loss):
    """Exponential output (log link), per-sample loss half the Poisson deviance.

    ``L_i = sum_k [y_ik log(y_ik / p_ik) - y_ik + p_ik]`` with ``p = exp(z)``:
    the negative Poisson log-likelihood ``p - y z`` plus the constant
    ``y log y - y`` that makes a perfect fit cost zero -- the same value as
    scikit-learn's ``MLPRegressor(loss='poisson')``; for one output,
    :func:`sklearn.metrics.mean_poisson_deviance` is twice the (unpenalized)
    objective.  The log link is the canonical link of the Poisson family:
    ``dL/dz = p - y`` and ``d^2L/dz^2 = p``, which is also the Fisher
    information of the natural parameter ``z = log p``.  Targets must be
    non-negative (checked by the estimator).
    """


    def link(self, z):
        return np.exp(z, out=z)

    def forward_backward(self, z, Y, w):
        with np.errstate(over="ignore"):
            p = np.exp(z)
        per = p - Y * z
        per += xlogy(Y, Y)
        per -= Y
        loss = _weighted_sum(per.sum(axis=1), w)
        np.subtract(p, Y, out=z)
        self._scale_delta(z, w)
        return loss

    def output_hvp(self, p, rz, w):
        """A = diag(p) (independent Poisson outputs; Hessian = Fisher for the log link)."""
        return self._scale_delta(p * rz, w)


class SoftmaxCrossEntropy(Loss):
    """Softmax output, per-sample loss -sum_k y_k log p_k (rows of Y sum to one)."""


    def link(self, z):
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def forward_backward(self, z, Y, w):
        z -= z.max(axis=1, keepdims=True)
        zy = np.einsum("ij,ij->i", Y, z)
        np.exp(z, out=z)
        s = z.sum(axis=1)
        loss = _weighted_sum(np.log(s) - zy, w)
        z /= s[:, None]
        z -= Y
        self._scale_delta(z, w)
        return loss

    def output_hvp(self, p, rz, w):
        """A = diag(p) - p p^T (covariance of the one-hot label under p)."""
        out = p * rz
        out -= p * out.sum(axis=1, keepdims=True)
        return self._scale_delta(out, w)


class SigmoidCrossEntropy(Loss):
    """Independent logistic outputs (binary or multilabel), summed over labels."""


    def link(self, z):
        return expit(z, out=z)

    def forward_backward(self, z, Y, w):
        # log(1 + exp(z)) - y z, computed stably
        per = np.logaddexp(0, z)
        per -= Y * z
        loss = _weighted_sum(per.sum(axis=1), w)
        expit(z, out=z)
        z -= Y
        self._scale_delta(z, w)
        return loss

    def output_hvp(self, p, rz, w):
        """A = diag(p (1 - p)) (independent Bernoulli labels)."""
        return self._scale_delta(p * (1.0 - p) * rz, w)
