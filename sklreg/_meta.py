"""Meta-algorithms around the training loop (book 7.8, 8.7): retraining after
early stopping (Algorithms 7.2 and 7.3), parameter averaging and curriculum.

These functions are called by the MLP estimators' ``fit``; each builds on the
same training phase (:meth:`_BaseMLP._train_phase`) instead of a loop of its own.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from ._training import nested_fit
from .callbacks import LossPlateau, ParameterAveraging
from .curriculum import Curriculum, per_sample_loss

__all__ = ["make_averager", "make_curriculum", "refit_after_early_stopping"]


def make_averager(est):
    """The ParameterAveraging hook/callback for ``est.averaging`` (or None)."""
    if est.averaging is None:
        return None
    return ParameterAveraging(est.averaging, est.averaging_start, float(est.averaging_decay))


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


def make_curriculum(est, X, y, sample_weight, difficulty, epoch0, callbacks=None):
    """Row sampler for ``est.curriculum`` (or None).

    Without a given difficulty, a first model (a clone trained for
    ``min(max_iter, 20)`` epochs without curriculum) scores each training row
    by its loss, and the rows it fits worst count as hardest.  LossPlateau
    rules in ``callbacks`` are replaced in place by ones paused until the
    curriculum is complete.
    """
    if est.curriculum is None:
        return None
    if difficulty is None:
        first = clone(est).set_params(
            curriculum=None, early_stopping=False, early_stopping_refit=None,
            max_iter=min(est.max_iter, 20), warm_start=False, verbose=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            with nested_fit():
                first.fit(X, y, sample_weight=sample_weight)
        difficulty = per_sample_loss(first, X, y)
    n_epochs = est.curriculum_epochs or max(1, est.max_iter // 2)
    curriculum = Curriculum(
        difficulty, est.curriculum, est.curriculum_start, n_epochs, epoch0, est.shuffle
    )
    for i, cb in enumerate(callbacks or []):
        if isinstance(cb, LossPlateau):
            callbacks[i] = HoldUntilComplete(cb, curriculum)
    return curriculum


def check_difficulty(sample_difficulty, n):
    if sample_difficulty is None:
        return None
    d = np.asarray(sample_difficulty, dtype=np.float64)
    if d.shape != (n,) or not np.all(np.isfinite(d)):
        raise ValueError(
            f"sample_difficulty must be a finite array of shape ({n},) (one value per "
            f"training sample, higher = harder); got shape {d.shape}."
        )
    return d


def _stack(a, b):
    if a is None or b is None:  # sample weights on one side only: see below
        return None
    if sp.issparse(a):
        return sp.vstack([a, b], format="csr")
    return np.concatenate([a, b])


def refit_after_early_stopping(est, params, sub, val, stopper, step_hooks):
    """Algorithms 7.2 ('retrain') and 7.3 ('continue') of book section 7.8.

    ``sub`` and ``val`` are the (X, Y, sw) of the training subset and the
    validation set used by Algorithm 7.1; "all data" is their union.
    """
    X_all, Y_all, sw_all = (_stack(a, b) for a, b in zip(sub, val))
    if sw_all is None and val[2] is not None:  # only validation weights given
        sw_all = np.concatenate([np.ones(sub[0].shape[0], val[2].dtype), val[2]])
    elif sw_all is None and sub[2] is not None:  # only training weights given
        sw_all = np.concatenate([sub[2], np.ones(val[0].shape[0], sub[2].dtype)])
    if est.early_stopping_refit == "retrain":
        _retrain(est, params, X_all, Y_all, sw_all, stopper, step_hooks)
    else:
        _continue(est, params, X_all, Y_all, sw_all, sub, val, step_hooks)


def _retrain(est, params, X_all, Y_all, sw_all, stopper, step_hooks):
    """Algorithm 7.2: new random parameters, train on all data for i* steps."""
    epochs, updates = stopper.best_iteration - stopper.epoch0, stopper.best_step - stopper.step0
    est._init_theta(params, Y_all, sw_all)
    est._reset_training_counters()
    # i* was chosen for the averaged parameters: average the retraining run too
    averager = make_averager(est)
    callbacks = [] if averager is None else [averager]
    step_hooks = list(step_hooks) if averager is None else [*step_hooks, averager]
    if est.refit_unit == "epochs":
        est._train_phase(params, X_all, Y_all, sw_all, callbacks, step_hooks, max(1, epochs))
    else:  # same number of parameter updates (each epoch of all data has more)
        est._train_phase(
            params, X_all, Y_all, sw_all, callbacks, step_hooks, np.iinfo(np.int32).max,
            max_steps=max(1, updates),
        )


def _normalized(sw):
    return None if sw is None else sw / sw.sum()


def _continue(est, params, X_all, Y_all, sw_all, sub, val, step_hooks):
    """Algorithm 7.3: from theta*, train on all data until the validation
    objective falls below the training objective at the stopping point."""
    obj = est._objective
    target = obj.value(est._theta, sub[0], sub[1], _normalized(sub[2]))
    budget = est.max_iter
    ran = 0
    while obj.value(est._theta, val[0], val[1], _normalized(val[2])) > target:
        if ran >= budget:
            warnings.warn(
                f"early_stopping_refit='continue' (Algorithm 7.3) stopped after max_iter="
                f"{est.max_iter} extra epochs without the validation objective reaching "
                f"the training objective at the stopping point ({target:.6g}); the book "
                "notes this loop may not terminate. Consider 'retrain'.",
                ConvergenceWarning,
            )
            break
        est._train_phase(params, X_all, Y_all, sw_all, [], step_hooks, 1, keep_state=True)
        ran += 1
    est.refit_n_iter_ = ran


# ---------------------------------------------------------------- continuation
#: regularizer strengths a continuation can anneal, and where they live
CONTINUABLE = ("alpha", "input_noise", "hidden_noise", "weight_noise", "dropout", "input_dropout")


def check_continuation(est):
    """Validate ``continuation`` -> dict name -> (start, end), or None."""
    spec = est.continuation
    if spec is None:
        return None
    if not isinstance(spec, dict) or not spec:
        raise ValueError(
            f"Invalid value for parameter 'continuation': {spec!r}. It must be None or a "
            "dict {parameter: (start, end)} with parameters among "
            f"{list(CONTINUABLE)}."
        )
    out = {}
    for name, pair in spec.items():
        if name not in CONTINUABLE:
            raise ValueError(
                f"Invalid key {name!r} in parameter 'continuation'. Allowed keys are "
                f"{list(CONTINUABLE)}."
            )
        try:
            start, end = (float(v) for v in pair)
        except (TypeError, ValueError):
            raise ValueError(
                f"continuation[{name!r}] must be a pair (start, end) of floats; got {pair!r}."
            ) from None
        high = 1.0 if "dropout" in name else np.inf
        if not (0.0 <= start < high and 0.0 <= end < high):
            raise ValueError(
                f"continuation[{name!r}] = {pair!r} must lie in [0, {high})."
            )
        if name == "alpha" and est.weight_decay_mode != "l2":
            raise ValueError(
                "continuation of 'alpha' needs weight_decay_mode='l2' (got "
                f"weight_decay_mode={est.weight_decay_mode!r})."
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

    def __init__(self, est, params, schedule, n_epochs, epoch0):
        self.est = est
        self.params = params
        self.schedule = schedule
        self.n_epochs = max(1, n_epochs)
        self.epoch0 = epoch0

    def value(self, name, epoch):
        start, end = self.schedule[name]
        a = min(1.0, (epoch - self.epoch0) / self.n_epochs)
        return (1.0 - a) * start + a * end

    def apply(self, epoch):
        est = self.est
        cfg_changes = {}
        for name in self.schedule:
            v = self.value(name, epoch)
            if name == "alpha":
                from .penalties import L2Penalty

                for pen in est._objective.penalties:
                    if isinstance(pen, L2Penalty):
                        pen.alpha = [v] * len(pen.alpha)
                        pen.bind(pen.layout)
            elif name in ("hidden_noise", "dropout"):
                cfg_changes[name] = (v,) * est._layer_config.n_hidden
            else:
                cfg_changes[name] = v
        if cfg_changes:
            from dataclasses import replace
            from types import SimpleNamespace

            cfg = replace(est._layer_config, **cfg_changes)
            est._sync_layers(SimpleNamespace(layers=cfg, activation=self.params.activation))

    def on_train_begin(self, state, theta):
        self.apply(state.epoch)

    def on_epoch_end(self, state, theta):
        self.apply(state.epoch)  # strength of the next epoch
        return False

    def on_train_end(self, state, theta):
        pass


def make_continuation(est, params, epoch0):
    schedule = check_continuation(est)
    if schedule is None:
        return None
    n_epochs = est.continuation_epochs or max(1, est.max_iter // 2)
    return Continuation(est, params, schedule, n_epochs, epoch0)


# ------------------------------------------------- greedy supervised pretraining
#: per-layer parameters with one value per weight layer (hidden layers + output)
WEIGHT_LAYER_PARAMS = ("alpha", "l1", "max_norm")
#: per-layer parameters with one value per hidden layer
HIDDEN_LAYER_PARAMS = ("dropout", "hidden_noise", "activity_l1", "activity_kl")


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
    for name in WEIGHT_LAYER_PARAMS:
        value = getattr(est, name, None)
        if _is_sequence(value):
            values = list(value)
            out[name] = [*values[:k], values[-1]]
    for name in HIDDEN_LAYER_PARAMS:
        value = getattr(est, name, None)
        if _is_sequence(value):
            out[name] = list(value)[:k]
    return out


def _stage_reference(est, k, sizes):
    """``l2_reference`` for a stage: the reference's first ``k`` hidden weight
    matrices, and its output matrix when the stage's output layer has the same
    shape (otherwise zero, i.e. plain L2 on the stage's temporary output layer).

    Needs the full network (built by ``fit`` before pretraining); without it
    the reference is passed on unchanged."""
    if est.l2_reference is None or not hasattr(est, "_objective"):
        return est.l2_reference
    from .penalties import resolve_reference

    layout = est._objective.layout
    n_outputs = est._layer_sizes[-1]
    flat = resolve_reference(est.l2_reference, layout, np.float64)
    mats, at = [], 0
    for spec in layout.weight_specs():
        size = int(np.prod(spec.shape))
        mats.append(flat[at:at + size].reshape(spec.shape))
        at += size
    out_shape = (sizes[-1], n_outputs)
    last = mats[-1] if mats[-1].shape == out_shape else np.zeros(out_shape)
    return [*mats[:k], last]


def greedy_pretrain(est, X, y, sample_weight):
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
    from ._params import hidden_sizes

    hidden = hidden_sizes(est.hidden_layer_sizes)
    epochs = est.pretraining_epochs or max(1, est.max_iter // len(hidden))
    trained = []
    for k in range(1, len(hidden)):
        sizes = hidden[:k]
        stage = clone(est).set_params(
            hidden_layer_sizes=sizes, pretraining=None, early_stopping=False,
            early_stopping_refit=None, max_iter=epochs, warm_start=False, curriculum=None,
            averaging=None, continuation=None, verbose=0,
            skip_connections=est.skip_connections and any(
                a == b for a, b in zip(sizes[:-1], sizes[1:])
            ),
            auxiliary_heads=est.auxiliary_heads and k >= 2,
            l2_reference=_stage_reference(est, k, sizes),
            **_stage_layer_params(est, k),
        )
        if "class_weight" in stage.get_params():
            stage.set_params(class_weight=None)  # already folded into sample_weight
        stage._initial_hidden = trained
        stage._frozen_layers = len(trained) if est.pretraining_freeze else 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            with nested_fit():
                stage.fit(X, y, sample_weight=sample_weight)
        trained = [(W.copy(), b.copy()) for W, b in zip(stage.coefs_[:k], stage.intercepts_[:k])]
    return trained


def load_hidden(network, theta, trained):
    """Copy pretrained ``(W, b)`` pairs into the first dense layers of ``theta``."""
    coefs, intercepts = network.coefs(theta)
    for (W, b), W_dst, b_dst in zip(trained, coefs, intercepts):
        W_dst[...] = W
        b_dst[...] = b


def freeze_hook(network, n_layers):
    """Gradient hook zeroing the gradients of the first ``n_layers`` dense layers."""

    def hook(grad):
        coefs, intercepts = network.coefs(grad)
        for W, b in zip(coefs[:n_layers], intercepts[:n_layers]):
            W[...] = 0.0
            b[...] = 0.0
        return grad

    return hook
