"""Continuation methods (draft 8.7.5): anneal regularizer strengths over training."""

from __future__ import annotations

from .._validation import param_error
from ..penalties import L2Penalty
from ._base import FEATURES, Feature, Param, optional_int, params_where, register

def _annealable():
    """``{name: upper bound}`` of the strengths a continuation can anneal
    (the features' parameters declaring ``anneal_max``)."""
    return {p.name: p.anneal_max for f in FEATURES for p in f.params
            if p.anneal_max is not None}


def check_continuation(spec, weight_decay_mode="l2"):
    """Validate ``continuation`` -> dict name -> (start, end), or None."""
    if spec is None:
        return None
    annealable = _annealable()
    if not isinstance(spec, dict) or not spec:
        raise param_error(
            "continuation", f"None or a dict {{parameter: (start, end)}} with parameters "
            f"among {list(annealable)}", spec,
        )
    out = {}
    for name, pair in spec.items():
        if name not in annealable:
            raise ValueError(
                f"Invalid key {name!r} in parameter 'continuation'. Allowed keys are "
                f"{list(annealable)}."
            )
        try:
            start, end = (float(v) for v in pair)
        except (TypeError, ValueError):
            raise ValueError(
                f"continuation[{name!r}] must be a pair (start, end) of floats; got {pair!r}."
            ) from None
        high = annealable[name]
        if not (0.0 <= start < high and 0.0 <= end < high):
            raise ValueError(
                f"continuation[{name!r}] = {pair!r} must lie in [0, {high})."
            )
        if name == "alpha" and weight_decay_mode != "l2":
            raise ValueError(
                "continuation of 'alpha' needs weight_decay_mode='l2' (got "
                f"weight_decay_mode={weight_decay_mode!r})."
            )
        out[name] = (start, end)
    return out


class Continuation:
    """Continuation method (draft 8.7.5): anneal regularizer strengths.

    A continuation method solves a sequence of objectives ``J(0), ..., J(n)``
    from easy (heavily smoothed) to the one of interest.  Here each listed
    regularizer's strength moves linearly from ``start`` to ``end`` over
    ``n_epochs`` epochs (then stays at ``end``): e.g. the draft's blurring,
    ``J(i) = E_{theta' ~ N(theta, sigma_i^2)} J(theta')``, is
    ``continuation={'weight_noise': (sigma_0, 0.0)}``.  Noise and dropout
    layers are rebuilt with the new strength (they hold no parameters); the L2
    penalty is re-bound with the new ``alpha``.
    """

    def __init__(self, trainer, schedule, n_epochs, epoch0):
        self.trainer = trainer
        self.schedule = schedule
        self.n_epochs = max(1, n_epochs)
        self.epoch0 = epoch0

    def value(self, name, epoch):
        start, end = self.schedule[name]
        a = min(1.0, (epoch - self.epoch0) / self.n_epochs)
        return (1.0 - a) * start + a * end

    def apply(self, epoch):
        changes = {}
        for name in self.schedule:
            v = self.value(name, epoch)
            if name == "alpha":
                for pen in self.trainer.objective.terms:
                    if isinstance(pen, L2Penalty):
                        pen.alpha = [v] * len(pen.alpha)
                        pen.bind(pen.layout)
            elif name in params_where(per_layer="hidden"):
                changes[name] = (v,) * self.trainer.layer_config.n_hidden
            else:
                changes[name] = v
        if changes:
            self.trainer.rebuild_layers(**changes)

    def on_train_begin(self, state, theta):
        self.apply(state.epoch)

    def on_epoch_end(self, state, theta):
        self.apply(state.epoch)  # strength of the next epoch
        return False

    def on_train_end(self, state, theta):
        pass


@register
class ContinuationFeature(Feature):
    name, section = "continuation", "draft 8.7.5"
    example = {"continuation": {"alpha": (0.1, 1e-4)}}
    minibatch_only = True
    params = (
        Param("continuation", None, lambda v: v, """
    continuation : dict or None, default=None
        Continuation method (draft 8.7.5): ``{parameter: (start, end)}`` moves
        each listed regularizer's strength linearly from ``start`` to ``end``
        over ``continuation_epochs`` epochs, then keeps ``end``.  Keys:
        'alpha', 'input_noise', 'hidden_noise', 'weight_noise', 'dropout',
        'input_dropout'.  The draft's blurred objectives
        ``J(i) = E_{theta'~N(theta, sigma_i^2)} J(theta')`` are
        ``{'weight_noise': (sigma_0, 0.0)}``.  The value given for the
        parameter itself is replaced during training."""),
        Param("continuation_epochs", None, optional_int("continuation_epochs"), """
    continuation_epochs : int or None, default=None
        Length of the continuation schedule; None is ``max_iter // 2``."""),
    )

    def validate(self, est):
        super().validate(est)
        check_continuation(est.continuation, est.weight_decay_mode)

    def contribute(self, trainer, data, plan):
        p = trainer.estimator_params
        schedule = check_continuation(p["continuation"], p["weight_decay_mode"])
        if schedule is None or trainer.incremental:
            return
        n_epochs = p["continuation_epochs"] or max(1, p["max_iter"] // 2)
        plan.pre_callbacks.append(Continuation(trainer, schedule, n_epochs, trainer.epoch))
