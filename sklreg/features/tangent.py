"""Tangent propagation (book 7.14, eq. 7.67; Simard et al. 1992).

The penalty ``tangent_prop * sum_j w_j sum_i ||J(x_j) v_i||^2`` makes the raw
network outputs ``f`` locally invariant along known directions ``v_i`` of
the input (``J(x)`` the Jacobian of ``f`` in ``x``; ``w`` the normalized
sample weights of the batch, ``1/n`` without weights).

*Which outputs.* ``f`` is the raw output: the prediction for regression, the
logits (pre-softmax / pre-sigmoid) for classification.  That is what the
R-operator gives in one forward-mode pass; invariant logits give invariant
probabilities (the converse misses only a common shift of all softmax
logits, which the penalty also removes).

*Computation.* Every row is repeated once per tangent vector, so one
vectorized pass handles all ``k`` directions: ``R = J V`` by
:meth:`~sklreg._objective.Objective.output_jvp` (forward mode), then the
exact parameter gradient ``2 tangent_prop sum w R . dR/dtheta`` by
:meth:`~sklreg._objective.Objective.input_mixed_grad` with the fixed linear
form ``U = 2 tangent_prop w R`` (R-operator backward sweep).  Cost: about
2.5-3.5 gradient evaluations of the batch per tangent vector and step
(measured, docs/tangent_double_backprop.md).  Networks with
a layer without R-operator (dropout, noise, batch normalization, ...) use
central differences in the input under one frozen noise draw, seeded from
the minibatch's generator; the gradient is then exact for the
central-difference penalty.  Batch normalization normalizes the stacked
batch with unweighted statistics.  Curvature (``optimizer='newton'``, ...)
uses central differences of the whole gradient (the term has no exact
``hessian_vp``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._objective import Term
from .._validation import _OWNER
from ..exceptions import InvalidParameterError
from ..optim import NaturalGradient
from ._base import Feature, Param, interval, register

__all__ = ["TangentProp", "TangentPropTerm", "frozen_seed", "refuse_fisher"]

_EXPECTED = ("None, a finite array-like of shape (k, n_features) or a callable "
             "X -> array of shape (n_samples, k, n_features)")


def _error(got, hint=""):
    owner = _OWNER.get() or "this estimator"
    msg = f"The 'tangent_vectors' parameter of {owner} must be {_EXPECTED}. Got {got} instead."
    return InvalidParameterError(f"{msg} {hint}" if hint else msg)


def _describe(value):
    shape = getattr(value, "shape", None)
    return f"an array of shape {shape}" if shape is not None else repr(value)[:80]


def check_tangent_vectors(value):
    """The value check of ``tangent_vectors`` (shape against X: in fit)."""
    if value is None or callable(value):
        return value
    try:
        V = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _error(_describe(value)) from None
    if V.ndim != 2 or V.size == 0:
        raise _error(_describe(V), "Give one tangent vector per row, e.g. [[1.0, 1.0, 0.0]].")
    if not np.all(np.isfinite(V)):
        raise _error("non-finite values (NaN or inf)")
    return value


def frozen_seed(objective, ctx):
    """Seed of the frozen noise draw of an input-derivative term.

    Without an R-operator (dropout, noise, batch norm, ...) the primitives
    use central differences under one draw of the stochastic layers: the
    seed comes from the evaluation's generator, a new draw per minibatch.
    With the R-operator the network is deterministic: 0, and the generator
    is left untouched."""
    if objective._exact_input_ops() or ctx is None or ctx.rng is None:
        return 0
    return int(ctx.rng.integers(2**31))


def refuse_fisher(est, what):
    """The Fisher (natural gradient) is that of the data loss: refuse a data
    term there, naming its parameter (Newton and L-BFGS handle it)."""
    opt = est.optimizer
    if isinstance(opt, NaturalGradient) or (isinstance(opt, str) and opt == "natural_gradient"):
        raise ValueError(
            f"{what} adds a penalty on input derivatives, which has no Fisher matrix: "
            "optimizer='natural_gradient' cannot minimize it. Use optimizer='newton', "
            "'lbfgs' or a first-order optimizer such as 'adam', or turn it off."
        )


def _mean_weights(w, n, dtype):
    return np.full(n, 1.0 / n, dtype=dtype) if w is None else w


class TangentPropTerm(Term):
    """``strength * sum_j w_j sum_i ||(d f(x_j) / d x) v_ij||^2`` on the raw outputs.

    ``vectors``: array ``(k, n_features)`` (the same directions for every
    row) or a callable ``X -> (n_samples, k, n_features)``.
    """

    uses_data = True

    def __init__(self, strength, vectors):
        self.strength = float(strength)
        self.vectors = vectors

    def tangents(self, X):
        """The rows of ``X`` repeated once per tangent vector, the matching
        directions (both ``(n k, n_features)``) and ``k``."""
        X = X.toarray() if sp.issparse(X) else np.asarray(X)
        n, d = X.shape
        if callable(self.vectors):
            try:
                T = np.asarray(self.vectors(X), dtype=X.dtype)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"The callable tangent_vectors must return a numeric array: {exc}"
                ) from exc
            if T.ndim != 3 or T.shape[0] != n or T.shape[2] != d or T.shape[1] < 1:
                raise ValueError(
                    f"The callable tangent_vectors returned an array of shape "
                    f"{getattr(T, 'shape', None)} for {n} rows of {d} features; it must "
                    f"return shape (n_samples, k, n_features) = ({n}, k, {d}), k >= 1."
                )
            if not np.all(np.isfinite(T)):
                raise ValueError("The callable tangent_vectors returned non-finite values.")
            k = T.shape[1]
            V = T.reshape(n * k, d)
        else:
            V0 = np.asarray(self.vectors, dtype=X.dtype)
            k = V0.shape[0]
            V = np.tile(V0, (n, 1))
        return np.repeat(X, k, axis=0), V, k

    def value_grad(self, theta, grad, batch):
        obj = batch.objective
        Xs, Vs, k = self.tangents(batch.X)
        seed = frozen_seed(obj, batch.ctx)
        R = obj.output_jvp(theta, Xs, Vs, seed=seed)  # J(x_j) v_ij, row j*k + i
        c = np.repeat(_mean_weights(batch.w, batch.X.shape[0], theta.dtype), k)
        sq = np.einsum("ij,ij->i", R, R)
        value = self.strength * float(c @ sq)
        U = R * (2.0 * self.strength * c)[:, None]  # gradient of lam c ||R||^2 in R
        grad += obj.input_mixed_grad(theta, Xs, Vs, np.empty_like(theta), U=U, seed=seed)
        return value


@register
class TangentProp(Feature):
    name, section = "tangent", "7.14"
    example = {"tangent_prop": 0.1, "tangent_vectors": [[1.0, 0.0, 0.0, 0.0, 0.0]]}
    params = (
        Param("tangent_prop", 0.0, interval("tangent_prop", 0.0, None), """
    tangent_prop : float, default=0.0
        Weight of the tangent propagation penalty (book 7.14, eq. 7.67,
        Simard et al. 1992): ``tangent_prop * sum_i ((grad_x f(x))^T v_i)^2``
        summed over the raw outputs ``f`` (logits for classifiers) and the
        tangent vectors ``v_i``, weighted mean over the rows like the loss.
        It makes the model locally invariant along the ``tangent_vectors``
        (the infinitesimal counterpart of data augmentation along them);
        saturating units (tanh, sigmoid) suit it better than ReLUs.  Exact
        parameter gradient (forward-mode derivative, then backprop): about
        3 more gradient evaluations per tangent vector and step.
        Requires ``tangent_vectors``."""),
        Param("tangent_vectors", None, check_tangent_vectors, """
    tangent_vectors : array-like of shape (k, n_features), callable or None, default=None
        Tangent directions ``v_i`` of ``tangent_prop``, in the units of the
        input features: ``k`` global directions, or a callable
        ``X -> array (n_samples, k, n_features)`` giving each row its own
        (called on every minibatch's rows; use a module-level function so
        the estimator can be cloned and pickled).  Checked but unused when
        ``tangent_prop=0`` (so a grid over ``tangent_prop`` may include 0)."""),
    )

    def active(self, est):
        return bool(est.tangent_prop)

    def validate(self, est):
        super().validate(est)
        if self.active(est) and est.tangent_vectors is None:
            raise ValueError(
                f"tangent_prop={est.tangent_prop!r} needs tangent_vectors: give the "
                "directions of invariance as an array of shape (k, n_features) or a "
                "callable X -> (n_samples, k, n_features), or set tangent_prop=0."
            )
        if self.active(est):
            refuse_fisher(est, f"tangent_prop={est.tangent_prop!r}")

    def contribute(self, trainer, data, plan):
        p = trainer.estimator_params
        vectors = p["tangent_vectors"]
        if vectors is not None and not callable(vectors):
            vectors = np.asarray(vectors, dtype=np.float64)
            if vectors.shape[1] != data.X.shape[1]:
                raise ValueError(
                    f"tangent_vectors has shape {vectors.shape}: its rows must have one "
                    f"entry per input feature, (k, {data.X.shape[1]}) for this X."
                )
        if p["tangent_prop"]:
            plan.terms.append(TangentPropTerm(p["tangent_prop"], vectors))
