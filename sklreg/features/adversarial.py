"""Adversarial and virtual adversarial training (book 7.13; semi-supervised 7.6).

*FGSM* (Goodfellow et al. 2014): with ``a = adversarial_weight`` the objective
of every minibatch is ``a J(x, y) + (1 - a) J(x + eps sign(grad_x J(x, y)), y)``.
The clean pass already gives ``dJ/dX`` (``Term.needs_input_grad``), the
term scales it by ``data_scale = a`` and adds ``(1 - a)`` times the loss at
the adversarial rows and its parameter gradient, ``x_adv`` held constant as
Goodfellow et al. do (``sign`` is piecewise constant, so this is the exact
gradient wherever no component of ``dJ/dX`` is zero).  The objective is
deterministic: full-batch optimizers accept it.  Cost: about 2 gradient
evaluations per step.

*Virtual adversarial training* (Miyato et al. 2015, 2018): the same mix with
the KL divergence ``KL(p(x) || p(x + r_adv))`` of the model's predictions in
place of the adversarial loss; ``p(x)`` is the model's own prediction (held
constant) and ``r_adv`` (L2 radius ``eps`` per row) the direction of largest
change, found by ``vat_power_iterations`` power iterations from a random
direction: ``d <- grad_r KL(p(x) || p(x + xi d))``, normalized.  The
gradient in ``r`` is :meth:`Objective.input_grad` with the soft targets
``p(x)`` (cross-entropy with soft targets differs from the KL by the entropy
of ``p(x)``, a constant in ``r`` and ``theta``).  The regressor's KL is that
of unit-variance Gaussians, half the squared distance between the outputs
(Poisson rates for ``loss='poisson'``).  Each evaluation draws a random
direction, and the target, the power iterations and the KL pass share one
frozen noise draw (dropout masks).  Cost: about ``2.5 + vat_power_iterations``
gradient evaluations per step (the target is one more forward pass).

Unlabeled rows: with ``adversarial='virtual'`` classifier rows labelled -1
(scikit-learn's ``sklearn.semi_supervised`` convention) get zero targets and
weight 0 in the supervised loss (:func:`split_unlabeled`, called by the
classifier's label encoding); the virtual adversarial term is the plain mean
over every row of the minibatch, so they enter only that term.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._objective import Objective, Term, _training_ctx
from ..network import Context
from ._base import Feature, Param, interval, options, register

__all__ = ["Adversarial", "AdversarialTerm", "VirtualAdversarialTerm", "fgsm_inputs",
           "split_unlabeled"]


def _dense(X):
    return X.toarray() if sp.issparse(X) else X


def fgsm_inputs(X, G, eps, out=None):
    """``X + eps * sign(G)`` (dense, dtype of ``G``), written into ``out``."""
    out = np.sign(G, out=out)
    out *= eps
    out += _dense(X)
    return out


def _unit_rows(d):
    """Scale every row of ``d`` to unit L2 norm in place (zero rows stay zero);
    the max-abs prescaling keeps tiny float32 gradients from underflowing."""
    _scale_rows(d, np.max(np.abs(d), axis=1))
    return _scale_rows(d, np.sqrt(np.einsum("ij,ij->i", d, d)))


def _scale_rows(d, s):
    """``d_i /= s_i`` where ``s_i > 0``, in place."""
    np.divide(1.0, s, out=s, where=s > 0)
    d *= s[:, None]
    return d


class _Scratch:
    """Buffers reused between minibatches (reallocated when the shape changes),
    dropped when pickled."""

    def _buf(self, name, shape, dtype):
        b = self.__dict__.get(name)
        if b is None or b.shape != shape or b.dtype != dtype:
            b = np.empty(shape, dtype=dtype)
            setattr(self, name, b)
        return b

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


def _data_hvp(term, obj, theta, X, Y, w, v, out, ctx, scale):
    """``out += scale * H_data(X, Y, w) v``: the data loss's R-operator product
    (the objective's, without its terms)."""
    tmp = term._buf("_hv", theta.shape, theta.dtype)
    Objective(obj.network, obj.loss).hessian_vp(theta, X, Y, w, v, tmp, method="rop", ctx=ctx)
    tmp *= scale
    out += tmp
    return out


class AdversarialTerm(_Scratch, Term):
    """``(1 - a) J(x + eps sign(dJ/dx), y)``; the clean loss is scaled by ``a``."""

    uses_data = True
    needs_input_grad = True  # the clean pass gives dJ/dX

    def __init__(self, eps, weight):
        self.eps = float(eps)
        self.data_scale = float(weight)
        self.scale = 1.0 - self.data_scale

    def _adversarial_rows(self, theta, batch):
        G = batch.input_grad
        if G is None:  # not called from Objective.loss_grad
            G = batch.objective.input_grad(theta, batch.X, batch.Y, batch.w, batch.ctx)
        elif any(t.needs_input_grad for t in batch.objective.terms if t is not self):
            # a later term reads dJ/dX: move it out of the network's buffers,
            # which the adversarial pass overwrites
            keep = self._buf("_gx", G.shape, G.dtype)
            np.copyto(keep, G)
            batch.input_grad = G = keep
        return fgsm_inputs(batch.X, G, self.eps, self._buf("_xadv", G.shape, G.dtype))

    def value_grad(self, theta, grad, batch):
        if self.scale == 0.0:
            return 0.0
        X_adv = self._adversarial_rows(theta, batch)
        g = self._buf("_g", theta.shape, theta.dtype)
        value, _, _ = batch.objective.data_loss_grad(
            theta, X_adv, batch.Y, batch.w, batch.ctx, g)
        g *= self.scale
        grad += g
        return self.scale * value

    def hessian_vp(self, theta, v, out, batch):
        """``(1 - a) H_data(x_adv) v``: ``x_adv`` is locally constant in theta."""
        if self.scale == 0.0:
            return out
        X_adv = self._adversarial_rows(theta, batch)
        return _data_hvp(self, batch.objective, theta, X_adv, batch.Y, batch.w, v, out,
                         batch.ctx, self.scale)


class VirtualAdversarialTerm(_Scratch, Term):
    """``(1 - a) mean_i KL(p(x_i) || p(x_i + r_adv_i))``, ``p(x)`` and ``r_adv``
    held constant (Miyato et al.); the supervised loss is scaled by ``a``.
    Unlabeled rows (sample weight 0) enter the KL mean, so a minibatch without
    a labeled row still trains.

    After each evaluation ``last_`` holds ``(P, R, seed)``: the targets, the
    perturbation and the frozen noise seed it used (for gradient checks)."""

    uses_data = True
    uses_unweighted_rows = True

    def __init__(self, eps, weight, xi, n_power):
        self.eps = float(eps)
        self.data_scale = float(weight)
        self.scale = 1.0 - self.data_scale
        self.xi = float(xi)
        self.n_power = int(n_power)

    def perturbation(self, theta, batch):
        """``(X, P, entropy, R, seed)``: dense rows, frozen targets ``p(x)``, the
        loss at ``r = 0``, the virtual adversarial perturbation and the seed
        of the frozen noise draw."""
        obj, dtype = batch.objective, theta.dtype
        X = _dense(batch.X)
        ctx = batch.ctx
        rng = ctx.rng if ctx is not None and ctx.rng is not None else np.random.default_rng(0)
        seed = int(rng.integers(2**31))
        context = self._context(obj, seed)
        # the model's own predictions, held constant (Miyato's stop-gradient target)
        z = obj.network.forward(theta, X, context())
        Z, P = self._buf("_z", z.shape, dtype), self._buf("_p", z.shape, dtype)
        np.copyto(Z, z)
        np.copyto(P, z)
        P = obj.loss.link(P)
        entropy = obj.loss.forward_backward(Z, P, None)  # CE(p, p): KL = CE - entropy
        d = self._buf("_d", X.shape, dtype)
        rng.standard_normal(out=d, dtype=dtype)
        Xp = self._buf("_xp", X.shape, dtype)
        g = self._buf("_g", theta.shape, dtype)
        # float32: x + xi d must not be lost in rounding (a forward-difference step)
        xi = max(self.xi, float(np.sqrt(np.finfo(dtype).eps)))
        for _ in range(self.n_power):  # d <- grad_r KL(p(x) || p(x + xi d))
            _unit_rows(d)
            d *= xi
            np.add(X, d, out=Xp)
            c = context()
            c.need_input_grad = True
            np.copyto(d, obj.data_loss_grad(theta, Xp, P, None, c, g)[2])
        _unit_rows(d)
        d *= self.eps
        return X, P, entropy, d, seed

    @staticmethod
    def _context(obj, seed):
        """Contexts of the passes of one evaluation: one frozen noise draw, or
        no generator at all for a deterministic network (seeding is costly)."""
        if obj._exact_input_ops():
            return lambda: Context(training=True)
        return lambda: _training_ctx(seed)

    def value_grad(self, theta, grad, batch):
        if self.scale == 0.0:
            return 0.0
        X, P, entropy, R, seed = self.perturbation(theta, batch)
        Xp = np.add(X, R, out=self._xp)
        g = self._g
        value, _, _ = batch.objective.data_loss_grad(
            theta, Xp, P, None, self._context(batch.objective, seed)(), g)
        self.last_ = (P.copy(), R.copy(), seed)
        g *= self.scale
        grad += g
        return self.scale * (value - entropy)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("last_", None)
        return state

    def hessian_vp(self, theta, v, out, batch):
        """``(1 - a) H v`` of the KL at ``x + r_adv`` with ``p(x)`` and ``r_adv``
        held constant (the curvature of what the gradient differentiates)."""
        if self.scale == 0.0:
            return out
        X, P, _, R, seed = self.perturbation(theta, batch)
        P = P.copy()
        Xp = np.add(X, R, out=self._xp)
        return _data_hvp(self, batch.objective, theta, Xp, P, None, v, out,
                         self._context(batch.objective, seed)(), self.scale)


def _unlabeled_mask(y):
    """Rows of a 1-d ``y`` labelled -1, or None when there is none."""
    if y.ndim != 1 or y.dtype.kind not in "iufO":
        return None
    mask = np.asarray(y == -1, dtype=bool)  # object arrays compare element-wise
    return mask if mask.any() else None


def split_unlabeled(est, y, classes=None, first=False):
    """Unlabeled rows for ``adversarial='virtual'`` (book 7.6): the rows of a
    1-d ``y`` labelled -1 (scikit-learn's ``sklearn.semi_supervised``
    convention).  Returns ``(mask, y_filled)`` -- ``y_filled`` has a known
    label in those rows, for the classifier's encoding -- or None when there
    is no unlabeled row or the option is off.  With any other setting, -1 is
    an ordinary class label."""
    if getattr(est, "adversarial", None) != "virtual":
        return None
    pitfall = ("adversarial='virtual' treats the rows labelled -1 as unlabeled "
               "(scikit-learn's sklearn.semi_supervised convention)")
    fix = ("If -1 is a real class (e.g. labels -1/+1), relabel it (e.g. y = (y > 0)"
           ".astype(int)) or use adversarial=None or 'fgsm', where -1 is an ordinary class.")
    if classes is not None and np.any(np.asarray(classes, dtype=object) == -1):
        raise ValueError(f"classes contains -1, but {pitfall}: list the real classes only. "
                         f"{fix}")
    y = np.asarray(y)
    mask = _unlabeled_mask(y)
    if mask is None:
        return None
    labeled = y[~mask]
    if first and classes is None and len(np.unique(labeled)) < 2:
        raise ValueError(
            f"{pitfall}; the other rows hold {len(np.unique(labeled))} class(es) "
            f"{list(np.unique(labeled))}, and the classifier needs at least 2. {fix}")
    filler = labeled[0] if labeled.size else (
        np.asarray(classes)[0] if classes is not None else est.classes_[0])
    return mask, np.where(mask, filler, y)


@register
class Adversarial(Feature):
    name, section = "adversarial", "7.13"
    example = {"adversarial": "fgsm", "adversarial_eps": 0.1}
    params = (
        Param("adversarial", None, options("adversarial", [None, "fgsm", "virtual"]), """
    adversarial : {None, 'fgsm', 'virtual'}, default=None
        Adversarial training (book 7.13).  'fgsm' (Goodfellow et al. 2014)
        minimizes ``a J(x, y) + (1 - a) J(x + eps sign(grad_x J(x, y)), y)``
        with the perturbation recomputed for every minibatch at the current
        parameters (about 2x the cost of a step; deterministic, so
        full-batch optimizers accept it).  'virtual' (Miyato et al.)
        minimizes ``a J(x, y) + (1 - a) KL(p(x) || p(x + r))``, ``p(x)`` the
        model's own prediction (held constant), ``r`` of L2 norm ``eps`` the
        direction of largest change found by power iteration (about
        ``2.5 + vat_power_iterations`` times the cost of a step; random, so
        full-batch optimizers refuse it); for the regressor the KL of
        unit-variance Gaussians, half the squared distance of the outputs.
        With 'virtual', classifier rows labelled -1 are unlabeled
        (``sklearn.semi_supervised``'s convention, book 7.6): they enter only
        the KL term and ``classes_`` excludes -1 -- a real class labelled -1
        must be relabelled.  Sparse inputs are densified minibatch by
        minibatch.  See docs/adversarial.md."""),
        Param("adversarial_eps", 0.1, interval("adversarial_eps", 0.0, None, "neither"), """
    adversarial_eps : float, default=0.1
        Size ``eps`` of the adversarial perturbation in input units (max-norm
        radius for 'fgsm', L2 radius of each row for 'virtual'); inputs are
        usually standardized."""),
        Param("adversarial_weight", 0.5, interval("adversarial_weight", 0.0, 1.0, "both"), """
    adversarial_weight : float, default=0.5
        The weight ``a`` of the clean (supervised) loss; the adversarial loss
        ('fgsm') or the KL term ('virtual') gets ``1 - a``.  Goodfellow et
        al. use 0.5; Miyato et al.'s weight ``alpha`` of the KL term is
        ``(1 - a) / a`` (0.5 gives their ``alpha = 1``).  'virtual' needs
        ``a > 0``."""),
        Param("vat_xi", 1e-6, interval("vat_xi", 0.0, None, "neither"), """
    vat_xi : float, default=1e-6
        Finite-difference step (L2 norm per row) of the power iteration of
        'virtual' adversarial training (Miyato et al.'s ``xi``).  float32 fits
        use at least ``sqrt(float32 eps)`` ~ 3.5e-4: a smaller step is lost
        in the rounding of ``x + xi d`` (float64: at least 1.5e-8)."""),
        Param("vat_power_iterations", 1, interval("vat_power_iterations", 1, None, "left",
                                                    integer=True), """
    vat_power_iterations : int, default=1
        Power iterations that find the virtual adversarial direction
        (Miyato et al. find 1 enough); each costs one gradient evaluation."""),
    )

    def validate(self, est):
        super().validate(est)
        if est.adversarial == "virtual" and est.adversarial_weight == 0.0:
            raise ValueError(
                "adversarial_weight=0 with adversarial='virtual' leaves the labels out of the "
                "objective (weight a of the supervised loss); use a value in (0, 1], e.g. 0.5.")

    def full_batch_conflicts(self, est):
        if est.adversarial == "virtual":
            return [("adversarial='virtual' (a random direction at every evaluation)",
                     "use adversarial='fgsm' (deterministic) or adversarial=None")]
        return []

    def contribute(self, trainer, data, plan):
        p = trainer.estimator_params
        kind = p["adversarial"]
        if kind is None:
            return
        if kind == "fgsm":
            if getattr(trainer.params.optimizer, "_product", None) == "fisher_vp":
                raise ValueError(
                    "adversarial='fgsm' adds a data-dependent term to the objective, and the "
                    "natural gradient's Fisher product is defined for the data loss only; use "
                    "optimizer='newton', 'cg' or 'lbfgs', or adversarial=None.")
            plan.terms.append(AdversarialTerm(p["adversarial_eps"], p["adversarial_weight"]))
            return
        if trainer.params.optimizer.full_batch:
            raise ValueError(
                "adversarial='virtual' draws a random direction at every evaluation of the "
                "objective and cannot be combined with a full-batch optimizer; use a "
                "first-order optimizer such as 'adam', or adversarial='fgsm'.")
        mask = _unlabeled_mask(np.asarray(data.y))  # classifier rows labelled -1 have zero
        unlabeled = mask is not None and not np.any(data.Y[mask])  # targets (regressor: -1)
        if unlabeled and p["batch_norm"]:
            raise ValueError(
                "batch_norm=True cannot be combined with unlabeled rows (y == -1, "
                "adversarial='virtual'): the supervised pass gives them weight 0, so its "
                "batch statistics would come from the labeled rows only. Use batch_norm=False.")
        sw_val = None if data.val is None else data.val[2]
        if unlabeled and p["early_stopping"] and sw_val is not None and not sw_val.sum() > 0:
            raise ValueError(
                "Every validation row is unlabeled (y == -1): early stopping has nothing to "
                "score. Pass a labeled validation set (X_val, y_val), raise "
                "validation_fraction, or use early_stopping=False.")
        plan.terms.append(VirtualAdversarialTerm(
            p["adversarial_eps"], p["adversarial_weight"], p["vat_xi"],
            p["vat_power_iterations"]))
