"""Greedy supervised pretraining (draft 8.7.3): add hidden layers one at a time."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .._trainer import freeze_hook, load_hidden
from ..penalties import resolve_reference
from .._validation import hidden_sizes
from ._base import Feature, Param, boolean, optional_int, options, params_where, register

def _is_sequence(value):
    from numbers import Real

    return value is not None and not isinstance(value, (str, Real)) and hasattr(
        value, "__len__"
    )


def _stage_layer_params(est, k):
    """The per-layer parameters of ``est`` for a pretraining stage with its
    first ``k`` hidden layers: hidden-layer lists keep their first ``k``
    entries; weight-layer lists keep the first ``k`` hidden weight layers and
    give the stage's output layer the full network's output-layer value.
    Scalars (the same value for every layer) are kept."""
    out = {}
    for name in params_where(per_layer="weight"):
        value = getattr(est, name, None)
        if _is_sequence(value):
            values = list(value)
            out[name] = [*values[:k], values[-1]]
    for name in params_where(per_layer="hidden"):
        value = getattr(est, name, None)
        if _is_sequence(value):
            out[name] = list(value)[:k]
    return out


def _stage_reference(est, k, sizes, layout=None):
    """``l2_reference`` for a stage: the reference's first ``k`` hidden weight
    matrices, and its output matrix when the stage's output layer has the same
    shape (otherwise zero, i.e. plain L2 on the stage's temporary output layer).

    Needs the full network (built by ``fit`` before pretraining); without it
    the reference is passed on unchanged."""
    if est.l2_reference is None or layout is None:
        return est.l2_reference
    n_outputs = list(layout.weight_specs())[-1].shape[1]
    flat = resolve_reference(est.l2_reference, layout, np.float64)
    mats, at = [], 0
    for spec in layout.weight_specs():
        size = int(np.prod(spec.shape))
        mats.append(flat[at:at + size].reshape(spec.shape))
        at += size
    out_shape = (sizes[-1], n_outputs)
    last = mats[-1] if mats[-1].shape == out_shape else np.zeros(out_shape)
    return [*mats[:k], last]


def greedy_pretrain(trainer, X, y, sample_weight):
    """Greedy supervised pretraining (draft 8.7.3).

    Train a network with the first hidden layer only, then repeatedly add the
    next hidden layer (and a fresh output layer) on top of the layers trained
    so far -- frozen or fine-tuned, per ``pretraining_freeze`` -- for
    ``pretraining_epochs`` epochs per stage.  Returns the trained ``(W, b)`` of
    the first ``L - 1`` hidden layers; the caller puts them under a new last
    hidden layer and output layer and fine-tunes everything.

    Per-layer parameters (lists for the full network) are cut to each stage's
    architecture by :func:`_stage_layer_params`; ``l2_reference`` likewise.
    """
    est = SimpleNamespace(**trainer.estimator_params)
    hidden = hidden_sizes(est.hidden_layer_sizes)
    epochs = est.pretraining_epochs or max(1, est.max_iter // len(hidden))
    trained = []
    for k in range(1, len(hidden)):
        sizes = hidden[:k]
        overrides = dict(
            hidden_layer_sizes=sizes, pretraining=None, early_stopping=False,
            early_stopping_refit=None, max_iter=epochs, warm_start=False, curriculum=None,
            averaging=None, continuation=None, verbose=0,
            skip_connections=est.skip_connections and any(
                a == b for a, b in zip(sizes[:-1], sizes[1:])
            ),
            auxiliary_heads=est.auxiliary_heads and k >= 2,
            l2_reference=_stage_reference(
                est, k, sizes, None if est.l2_reference is None else trainer.objective.layout
            ),
            **_stage_layer_params(est, k),
        )
        if "class_weight" in trainer.estimator_params:
            overrides["class_weight"] = None  # already folded into sample_weight
        stage = trainer.fit_helper(
            X, y, sample_weight, initial_hidden=trained,
            frozen_layers=len(trained) if est.pretraining_freeze else 0, **overrides,
        )
        trained = [(W.copy(), b.copy()) for W, b in zip(stage.coefs_[:k], stage.intercepts_[:k])]
    return trained


@register
class Pretraining(Feature):
    name, section = "pretraining", "draft 8.7.3"
    example = {"hidden_layer_sizes": (6, 4), "pretraining": "greedy"}
    params = (
        Param("pretraining", None, options("pretraining", [None, "greedy"]), """
    pretraining : {None, 'greedy'}, default=None
        Greedy supervised pretraining (draft 8.7.3): train a network with the
        first hidden layer, then add the hidden layers one at a time on top
        of the trained ones (each stage with a fresh output layer, for
        ``pretraining_epochs`` epochs), then fine-tune the whole network
        for up to ``max_iter`` epochs.  Needs 2+ hidden layers."""),
        Param("pretraining_epochs", None, optional_int("pretraining_epochs"), """
    pretraining_epochs : int or None, default=None
        Epochs per pretraining stage; None is ``max_iter // n_hidden_layers``."""),
        Param("pretraining_freeze", False, boolean("pretraining_freeze"), """
    pretraining_freeze : bool, default=False
        Keep the already trained layers fixed during later pretraining
        stages (their weights and biases get no gradient); False fine-tunes
        them in every stage.  The final fine-tuning always trains all layers."""),
    )

    def validate(self, est):
        super().validate(est)
        hidden = hidden_sizes(est.hidden_layer_sizes)
        if est.pretraining is not None and len(hidden) < 2:
            raise ValueError(
                "pretraining='greedy' adds hidden layers one at a time and needs at least 2 "
                f"hidden layers; got hidden_layer_sizes={hidden}."
            )

    def before_training(self, trainer, data):
        trained = ()
        if trainer.first and trainer.estimator_params["pretraining"] is not None:
            trained = greedy_pretrain(trainer, data.X, data.y, data.sw)
        elif trainer.first:  # a pretraining stage: start from the layers trained so far
            trained = trainer.spec.initial_hidden
        load_hidden(trainer.objective.network, trainer.theta, trained)

    def contribute(self, trainer, data, plan):
        if trainer.frozen_layers:  # a stage with pretraining_freeze: before clipping
            plan.grad_hooks.insert(0, freeze_hook(trainer.objective.network,
                                                  trainer.frozen_layers))
