"""Curriculum learning (draft 8.7.5): visit easy examples first.

The row sampler itself is :class:`sklreg.curriculum.Curriculum`; this module
declares the parameters and wires the sampler into a fit, with the
difficulty from ``fit(sample_difficulty=)`` or a first model.
"""

from __future__ import annotations



from ..callbacks import LossPlateau
from ..curriculum import Curriculum, per_sample_loss
from ._base import Feature, Param, interval, optional_int, options, register


class HoldUntilComplete:
    """Pause a training-loss stopping rule while the curriculum still grows the
    training set: the epoch loss rises as harder rows join, which a plateau
    rule would take for convergence (stopping before all rows were used)."""

    def __init__(self, rule, curriculum):
        self.rule, self.curriculum = rule, curriculum

    def on_train_begin(self, state, theta):
        self.rule.on_train_begin(state, theta)

    def on_epoch_end(self, state, theta):
        if self.curriculum.progress(state.epoch - 1) < 1.0:  # epoch just run was partial
            return False
        return self.rule.on_epoch_end(state, theta)

    def on_train_end(self, state, theta):
        self.rule.on_train_end(state, theta)


@register
class CurriculumFeature(Feature):
    name, section = "curriculum", "draft 8.7.5"
    example = {"curriculum": "deterministic"}
    minibatch_only = True
    params = (
        Param("curriculum", None, options("curriculum", [None, "deterministic", "stochastic"]),
              """
    curriculum : {None, 'deterministic', 'stochastic'}, default=None
        Curriculum learning (draft 8.7.5): visit easy examples first.
        'deterministic' starts from the easiest ``curriculum_start`` share of
        the rows and adds harder ones until all are used after
        ``curriculum_epochs`` epochs; 'stochastic' always mixes easy and hard
        rows, with the share of hard ones growing to its natural value.
        Difficulty comes from ``fit(..., sample_difficulty=...)`` or, if not
        given, from the per-sample loss of a first model (a clone trained
        for ``min(max_iter, 20)`` epochs)."""),
        Param("curriculum_start", 0.2,
              interval("curriculum_start", 0.0, 1.0, closed="right"), """
    curriculum_start : float in (0, 1], default=0.2
        Initial share of the easiest rows (deterministic) or initial fraction
        of the natural share of hard rows (stochastic)."""),
        Param("curriculum_epochs", None, optional_int("curriculum_epochs"), """
    curriculum_epochs : int or None, default=None
        Epochs until the whole data set is in use; None is ``max_iter // 2``."""),
    )

    def contribute(self, trainer, data, plan):
        p = trainer.estimator_params
        if p["curriculum"] is None or trainer.incremental:
            return
        difficulty = data.difficulty
        if difficulty is None:  # the rows a first model fits worst are the hardest
            sw = data.sw if data.sample_weight_given else None
            first = trainer.fit_helper(
                data.X, data.y, sw, curriculum=None, early_stopping=False,
                early_stopping_refit=None, max_iter=min(p["max_iter"], 20), warm_start=False,
                verbose=0,
            )
            difficulty = per_sample_loss(first, data.X, data.y)
        n_epochs = p["curriculum_epochs"] or max(1, p["max_iter"] // 2)
        plan.sampler = Curriculum(
            difficulty, p["curriculum"], p["curriculum_start"], n_epochs, trainer.epoch,
            p["shuffle"],
        )
        plan.callbacks[:] = [
            HoldUntilComplete(cb, plan.sampler) if isinstance(cb, LossPlateau) else cb
            for cb in plan.callbacks
        ]
