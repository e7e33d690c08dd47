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

**Tasks (multi-task learning, book 7.7).**  The losses with independent
outputs (squared error, Poisson, sigmoid units) can treat every output
column ``j`` as a task (:meth:`Loss.set_tasks`, done by the multi-task
feature): with ``task_weights`` ``c_j`` and, when ``missing`` is on, NaN
targets meaning "label missing", the data term becomes

    sum_j c_j * (sum_i w_i m_ij L_ij) / (sum_i w_i m_ij)

(``m_ij = 0`` for a missing label, 1 otherwise; a task without a label in
the batch contributes 0): each task's loss is the weighted mean of its
per-entry losses over the rows where it has a label, normalized by its
*own* weighted count of present labels, times its weight.  Missing entries
add 0 to the value and the gradient.  Without missing labels and with unit
weights this is exactly the plain data term.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, xlogy

__all__ = [
    "Loss", "SquaredError", "PoissonDeviance", "SoftmaxCrossEntropy", "SigmoidCrossEntropy",
    "REGRESSION_LOSSES",
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

    Losses with independent outputs also define ``entries(z, Y) -> L``
    (per-entry losses, ``z`` overwritten with ``p - y``) and
    ``entry_curvature(p)`` (``d^2 L_ij / dz_ij^2``); with them the per-task
    form of the module docstring is available (:meth:`set_tasks`).
    """

    #: per-task weights ``c_j`` (None: the plain data term), see set_tasks
    task_weights = None
    #: NaN targets mean "label missing" (multi-task regression)
    missing = False

    def set_tasks(self, task_weights=None, missing=False):
        """Per-task form of the loss (book 7.7; module docstring): weights of
        the output columns (None and ``missing=False``: the plain loss)."""
        if (task_weights is not None or missing) and not hasattr(self, "entries"):
            raise ValueError(
                f"{type(self).__name__} couples its outputs; per-task losses need "
                "independent outputs (regression, multilabel classification)."
            )
        self.task_weights = None if task_weights is None else np.asarray(task_weights, float)
        self.missing = bool(missing)
        self._entry_w = None
        return self

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def _tasks_on(self):
        return self.task_weights is not None or self.missing

    def _entry_weights(self, Y, w, n, k, dtype):
        """``(n, k)`` weights ``c_j w_i m_ij / sum_i w_i m_ij`` and the mask
        of missing entries (None when none is missing)."""
        a = np.full((n, 1), 1.0 / n) if w is None else np.asarray(w, float).reshape(n, 1)
        nan = np.isnan(Y) if self.missing else None
        if nan is not None and not nan.any():
            nan = None
        E = np.broadcast_to(a, (n, k)).copy() if nan is None else np.where(nan, 0.0, a)
        counts = E.sum(axis=0)
        c = np.ones(k) if self.task_weights is None else self.task_weights
        scale = np.divide(c, counts, out=np.zeros(k), where=counts > 0)
        E *= scale
        return E.astype(dtype, copy=False), nan

    def _task_forward_backward(self, z, Y, w):
        n, k = z.shape
        E, nan = self._entry_weights(Y, w, n, k, z.dtype)
        if nan is not None:
            Y = np.where(nan, 0.0, Y).astype(z.dtype, copy=False)
        L = self.entries(z, Y)  # z <- p - y
        if nan is not None:
            L[nan] = 0.0  # (E is 0 there too; this keeps inf * 0 out)
        z *= E
        self._entry_w = E  # the curvature of the same batch (output_hvp)
        return float(np.einsum("ij,ij->", L, E))

    def _task_output_hvp(self, p, rz, w):
        E = getattr(self, "_entry_w", None)
        if E is None or E.shape != rz.shape:
            if self.missing:
                raise RuntimeError(
                    "output_hvp of a loss with missing labels needs forward_backward on "
                    "the same batch first (its mask of missing entries)."
                )
            E = self._entry_weights(np.zeros(0), w, *rz.shape, rz.dtype)[0]
        return self.entry_curvature(p) * rz * E


    def link(self, z):
        raise NotImplementedError

    def per_sample(self, z, Y):
        """Loss of each row of raw outputs ``z`` (not modified) against the
        encoded targets ``Y``; missing (NaN) entries count zero."""
        return np.nansum(self.entries(np.array(z, dtype=np.float64), Y), axis=1)

    def forward_backward(self, z, Y, w):
        """Default for losses with per-entry losses (``entries``): their row
        sums, weighted; the per-task form when tasks are on."""
        if self._tasks_on():
            return self._task_forward_backward(z, Y, w)
        per = self.entries(z, Y)
        loss = _weighted_sum(per.sum(axis=1), w)
        self._scale_delta(z, w)
        return loss

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

    #: scikit-learn's ``out_activation_`` name of the output unit
    out_activation = "identity"
    #: the targets must be non-negative (scikit-learn's ``positive_only`` tag)
    positive_targets = False

    @classmethod
    def check_targets(cls, Y, name, require_positive_sum):
        """Raise a ValueError naming ``name`` when ``Y`` cannot be fitted."""

    @classmethod
    def link_of_mean(cls, mean, dtype):
        """The raw output whose prediction is ``mean`` (marginal output bias, 8.4)."""
        return mean


    def link(self, z):
        return z

    def forward_backward(self, z, Y, w):
        if self._tasks_on():
            return self._task_forward_backward(z, Y, w)
        z -= Y
        loss = 0.5 * _weighted_sum(np.einsum("ij,ij->i", z, z), w)
        self._scale_delta(z, w)
        return loss

    def entries(self, z, Y):
        z -= Y
        return 0.5 * z * z

    def entry_curvature(self, p):
        return 1.0

    def output_hvp(self, p, rz, w):
        """A = I (unit-variance Gaussian)."""
        if self._tasks_on():
            return self._task_output_hvp(p, rz, w)
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

    out_activation = "exp"
    positive_targets = True

    @classmethod
    def check_targets(cls, Y, name, require_positive_sum):
        """Poisson deviance needs y >= 0 (and a positive total to fit a mean)."""
        if np.any(Y < 0):  # (NaN: a missing label, 7.7, compares False)
            raise ValueError(
                f"Some value(s) of {name} are negative which is not allowed for Poisson "
                "regression (loss='poisson'). Use loss='squared_error' for real-valued "
                "targets."
            )
        if require_positive_sum and not np.nansum(Y) > 0:
            raise ValueError(
                f"Sum of {name} is not strictly positive which is necessary for Poisson "
                "regression (loss='poisson')."
            )

    @classmethod
    def link_of_mean(cls, mean, dtype):
        # an all-zero output column would want log(0) = -inf: floor it
        floor = max(1e-6 * float(mean.max()), float(np.finfo(dtype).tiny))
        return np.log(np.maximum(mean, floor))

    def link(self, z):
        return np.exp(z, out=z)

    def entries(self, z, Y):
        with np.errstate(over="ignore"):
            p = np.exp(z)
        per = p - Y * z
        per += xlogy(Y, Y)
        per -= Y
        np.subtract(p, Y, out=z)
        return per

    def entry_curvature(self, p):
        return p

    def output_hvp(self, p, rz, w):
        """A = diag(p) (independent Poisson outputs; Hessian = Fisher for the log link)."""
        if self._tasks_on():
            return self._task_output_hvp(p, rz, w)
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

    def per_sample(self, z, Y):
        z = np.array(z, dtype=np.float64)
        z -= z.max(axis=1, keepdims=True)
        return np.log(np.exp(z).sum(axis=1)) - np.einsum("ij,ij->i", Y, z)

    def output_hvp(self, p, rz, w):
        """A = diag(p) - p p^T (covariance of the one-hot label under p)."""
        out = p * rz
        out -= p * out.sum(axis=1, keepdims=True)
        return self._scale_delta(out, w)


class SigmoidCrossEntropy(Loss):
    """Independent logistic outputs (binary or multilabel), summed over labels."""


    def link(self, z):
        return expit(z, out=z)

    def entries(self, z, Y):
        # log(1 + exp(z)) - y z, computed stably
        per = np.logaddexp(0, z)
        per -= Y * z
        expit(z, out=z)
        z -= Y
        return per

    def entry_curvature(self, p):
        return p * (1.0 - p)

    def output_hvp(self, p, rz, w):
        """A = diag(p (1 - p)) (independent Bernoulli labels)."""
        if self._tasks_on():
            return self._task_output_hvp(p, rz, w)
        return self._scale_delta(p * (1.0 - p) * rz, w)


#: ``loss`` values of the regressor -> output loss class
REGRESSION_LOSSES = {"squared_error": SquaredError, "poisson": PoissonDeviance}
