"""Parameter norm penalties and constraints (book 7.1, 7.2, 7.9).

``alpha`` (L2, eq. 7.2), ``l1`` (eq. 7.19; proximal or subgradient),
``weight_decay_mode`` (coupled L2 or decoupled decay), ``l2_reference``
(soft parameter tying, 7.9) and ``max_norm`` (reprojection, 7.2) in one
feature: the penalties become objective terms, the proximal step, the
decoupled decay and the max-norm projection become step transforms of every
training phase, in the order decay -> L1 prox -> max-norm projection, with
the decay's snapshot of the weights last (:attr:`FitPlan.step_finalizers`).
The penalty and hook classes live in :mod:`sklreg.penalties` and
:mod:`sklreg.constraints`.
"""

from __future__ import annotations

from numbers import Real

from .._validation import check_per_layer, hidden_sizes
from ..constraints import MaxNorm
from ..penalties import DecoupledWeightDecay, L1Penalty, L1Prox, L2Penalty, resolve_reference
from ._base import Feature, Param, options, register

__all__ = ["NormPenalties", "build_norm_regularizers"]


def _per_layer(name, **kw):
    """A check of a per-weight-matrix coefficient (needs the architecture: run
    by :meth:`NormPenalties.validate`; the Param check only checks the type)."""
    return lambda v: v


@register
class NormPenalties(Feature):
    name, section = "norms", "7.1, 7.2, 7.9"
    example = {"alpha": 0.01, "l1": 0.001, "l1_method": "subgradient",
               "max_norm": 3.0}
    params = (
        Param("alpha", 1e-4, _per_layer("alpha"), """
    alpha : float or sequence of float, default=1e-4
        L2 penalty ``alpha/2 * ||W||^2`` on the weights (book eq. 7.2; biases
        are never penalized), one value for all layers or one per weight
        matrix.  The objective is the weighted *mean* loss plus the penalty,
        so alpha's effect does not depend on ``batch_size``.  Mappings:
        scikit-learn ``MLPRegressor(alpha=a, batch_size=B)`` corresponds to
        ``alpha = a / B`` here; for squared loss without hidden layer,
        ``sklearn.linear_model.Ridge(alpha=r)`` is ``alpha = r / n_samples``
        (``r / sum(sample_weight)`` with weights).  ``alpha`` is also the
        strength of ``weight_decay_mode='decoupled'`` and of the pull toward
        ``l2_reference``; ``alpha`` together with ``l1`` is the elastic net.""", per_layer="weight", anneal_max=float("inf")),
        Param("l1", 0.0, _per_layer("l1"), """
    l1 : float or sequence of float, default=0.0
        L1 penalty ``l1 * ||W||_1`` on the weights (book 7.1.2, eq. 7.19;
        biases exempt), one value for all layers or one per weight matrix.
        Drives weights to exactly zero (sparse weights, feature selection)
        with every first-order optimizer: with the adaptive ones (the default
        'adam', 'rmsprop', ...) the proximal threshold is per weight, ``l1``
        times the optimizer's own step size (see ``l1_method``).
        For squared loss without hidden layer, ``l1`` equals
        ``sklearn.linear_model.Lasso(alpha=l1)`` (objective: mean of
        ``1/2 (y - f(x))^2`` plus ``l1 * ||w||_1``).""", per_layer="weight"),
        Param("l1_method", "proximal", options("l1_method", ["proximal", "subgradient"]),
              """
    l1_method : {'proximal', 'subgradient'}, default='proximal'
        How the L1 penalty is optimized.  'proximal': after every update the
        soft-threshold ``w_j <- sign(w_j) max(|w_j| - s_j * l1, 0)`` (book
        eq. 7.23 in the optimizer's diagonal metric) gives exact zeros, with
        ``s_j`` the step size the optimizer just used for weight ``j``:
        ``lr`` for 'sgd', 'momentum', 'nesterov' (the exact ISTA step), and
        the per-coordinate step of the adaptive methods (e.g. Adam's
        ``lr / (sqrt(r^_j) + epsilon)``, RMSProp's ``lr / sqrt(epsilon + r_j)``),
        so L1 is sparse with the default 'adam' too.  'subgradient': add
        ``l1 * sign(w)`` to the gradient (eq. 7.20); weights hover around zero
        but are never exactly zero.  Either way the L1 value is part of the
        reported loss."""),
        Param("weight_decay_mode", "l2", options("weight_decay_mode", ["l2", "decoupled"]),
              """
    weight_decay_mode : {'l2', 'decoupled'}, default='l2'
        'l2': ``alpha * W`` is added to the gradient (book eq. 7.3), so
        momentum and adaptive optimizers rescale it like the data gradient.
        'decoupled': the weights are shrunk after each update,
        ``W <- W_upd - lr * alpha * W_old`` (Loshchilov & Hutter's AdamW,
        bypassing momentum buffers and per-parameter scaling).  Both are
        identical for plain SGD (eq. 7.5) and differ for every other
        optimizer.  The reported loss includes ``alpha/2 ||W||^2`` in both."""),
        Param("l2_reference", None, lambda v: v, """
    l2_reference : fitted estimator, list of ndarray, ndarray or None, default=None
        Regularize toward reference weights instead of zero (book 7.1.1
        footnote; soft parameter tying, book 7.9): the L2 term becomes
        ``alpha/2 * ||W - W_ref||^2`` (biases still exempt).  A fitted sklreg
        MLP of the same architecture, a list of matrices shaped like
        ``coefs_``, or a flat array of the weights (length ``sum of
        coefs_ sizes``).  ``sklearn.base.clone`` (GridSearchCV,
        cross_validate) unfits estimator-valued parameters: pass
        ``ref.coefs_`` there.  No effect when ``alpha=0``."""),
        Param("max_norm", None, _per_layer("max_norm"), """
    max_norm : float, sequence of (float or None), or None, default=None
        Max-norm constraint (book 7.2, Srebro & Shraibman 2005; Hinton et
        al. 2012): after every update (and before the first one)
        the weights are projected back into the norm ball of radius
        ``max_norm`` (explicit constraint with reprojection).  A float applies
        to every weight matrix *including the output layer*, like ``alpha``;
        pass one value per weight matrix, with None for unconstrained ones
        (``[3.0, None]`` bounds only the hidden units of a one-hidden-layer
        net, the form described by Hinton et al. and the book).  Biases are
        never constrained.  Stabilizes training at high learning rates.  Not
        available with full-batch optimizers.""", per_layer="weight"),
        Param("max_norm_scope", "unit", options("max_norm_scope", ["unit", "layer"]),
              """
    max_norm_scope : {'unit', 'layer'}, default='unit'
        'unit': bound the L2 norm of every unit's incoming weight vector
        (each column of ``coefs_[i]``); columns already inside the ball are
        untouched.  'layer': bound the Frobenius norm of each whole matrix."""),
    )

    def active(self, est):
        return True  # biases exempt, but alpha > 0 by default

    @staticmethod
    def resolve(p):
        """Per-weight-matrix ``alpha``, ``l1``, ``max_norm`` (None: off) of the
        parameters ``p`` (a dict), checked against the architecture."""
        n = len(hidden_sizes(p["hidden_layer_sizes"])) + 1
        max_norm = p["max_norm"]
        if max_norm is not None:
            max_norm = check_per_layer("max_norm", max_norm, n, 0.0, closed="neither",
                                       allow_none=True)
            if all(c is None for c in max_norm):
                max_norm = None
        return (check_per_layer("alpha", p["alpha"], n), check_per_layer("l1", p["l1"], n),
                max_norm)

    def validate(self, est):
        super().validate(est)
        self.resolve(est.get_params(deep=False))

    def full_batch_conflicts(self, est):
        """The projection, the prox and the decoupled decay act after every
        minibatch update: full-batch optimizers refuse them."""
        alpha, l1, max_norm = self.resolve(est.get_params(deep=False))
        return [
            (what, fix) for bad, what, fix in (
                (max_norm is not None, "max_norm",
                 "the projection follows every minibatch update; leave max_norm=None"),
                (any(l1) and est.l1_method == "proximal", "l1_method='proximal'",
                 "the prox step follows every minibatch update; use "
                 "l1_method='subgradient'"),
                (any(alpha) and est.weight_decay_mode == "decoupled",
                 "weight_decay_mode='decoupled'", "the decay follows every minibatch "
                 "update; use weight_decay_mode='l2'"),
            ) if bad
        ]

    def contribute(self, trainer, data, plan):
        p = trainer.estimator_params
        layout = trainer.objective.layout
        reference = resolve_reference(p["l2_reference"], layout, trainer.theta.dtype)
        terms, transforms, finalizers = build_norm_regularizers(
            p, layout, reference, trainer.optimizer, trainer.frozen_layers
        )
        plan.terms.extend(terms)
        plan.step_transforms.extend(transforms)
        plan.step_finalizers.extend(finalizers)


def build_norm_regularizers(p, layout, reference=None, optimizer=None, frozen_layers=0):
    """Terms and step transforms of the norm regularizers of one fit.

    Parameters
    ----------
    p : dict
        Estimator parameters (``alpha``, ``l1``, ``l1_method``,
        ``weight_decay_mode``, ``max_norm``, ``max_norm_scope``,
        ``hidden_layer_sizes``).
    layout : ParamLayout
    reference : ndarray or None
        Output of :func:`~sklreg.penalties.resolve_reference`.
    optimizer : optimizer or None
        The resolved optimizer, whose step sizes the L1 prox uses.
    frozen_layers : int, default=0
        The first ``frozen_layers`` weight matrices are held fixed (greedy
        pretraining with ``pretraining_freeze``): the transforms that move
        weights (L1 prox, decoupled decay) leave them alone.  Their penalty
        value still enters the reported loss.

    Returns
    -------
    terms : list of Penalty, bound to ``layout``
    transforms : list of ``hook(theta, lr)`` in the order decoupled decay ->
        L1 prox -> max-norm projection.  The max-norm hook's ``begin(theta)``
        projects the start point of every training phase (every iterate is
        feasible).
    finalizers : the decay snapshot (after every other step hook), whose
        ``begin`` records ``w_old`` of the first decoupled-decay step.
    """
    alpha, l1, max_norm = NormPenalties.resolve(p)
    decoupled = p["weight_decay_mode"] == "decoupled" and any(alpha)
    proximal = p["l1_method"] == "proximal"
    terms = [L2Penalty(alpha, reference, gradient=not decoupled).bind(layout)]
    transforms, finalizers = [], []
    k = min(int(frozen_layers), len(alpha))

    def moving(values):  # coefficients of the hooks: 0 on frozen layers
        return [0.0] * k + list(values)[k:]

    if decoupled:
        decay = DecoupledWeightDecay(moving(alpha), layout, reference)
        transforms.append(decay)
        finalizers.append(decay.snapshot)
    if any(l1):
        terms.append(L1Penalty(l1, gradient=not proximal).bind(layout))
        if proximal:
            # thresholds in the metric of the resolved optimizer: fit's training
            # phases start and run this very object (bind_optimizer rebinds)
            transforms.append(L1Prox(moving(l1), layout, optimizer))
    if max_norm is not None:
        # a single value bounds every weight matrix, also those of task heads (7.7)
        radii = p["max_norm"] if isinstance(p["max_norm"], Real) else max_norm
        transforms.append(MaxNorm(radii, p["max_norm_scope"]).bind(layout))
    return terms, transforms, finalizers
