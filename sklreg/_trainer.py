"""The narrow interface book features use to act on a fit in progress.

Meta-algorithms (retraining 7.2/7.3, greedy pretraining, the curriculum's
difficulty model, continuation) need to run more training, reinitialize the
parameters, rebuild the layer stack or fit a helper model.  They do it
through a :class:`Trainer`, never through the estimator's private methods.
"""

from __future__ import annotations

import contextvars
import functools
import warnings
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from ._layer_state import batch_setup, sync_layers
from ._training import (
    LoopState, MinibatchProblem, nested_fit, report_stop, run_full_batch, run_minibatch,
)
from ._validation import resolve_batch_size

__all__ = [
    "Trainer", "FitData", "HelperSpec", "helper_spec", "run_phase", "load_hidden", "freeze_hook",
]


@dataclass(frozen=True)
class HelperSpec:
    """How a helper model's fit starts (:meth:`Trainer.fit_helper`): its first
    hidden layers from ``initial_hidden`` ``(W, b)`` pairs, the first
    ``frozen_layers`` of them held fixed."""

    initial_hidden: tuple = ()
    frozen_layers: int = 0


_HELPER = contextvars.ContextVar("sklreg_helper_spec", default=HelperSpec())


def helper_spec():
    """The :class:`HelperSpec` of the fit in progress (empty for a user's fit)."""
    return _HELPER.get()


@dataclass
class FitData:
    """The data of one fit, as the main training phase sees it.

    ``X, Y, sw``: training rows (after the early-stopping split), encoded
    targets and raw sample weights; ``y`` the targets as passed to fit;
    ``sample_weight_given`` whether the user passed weights (class weights
    may still make ``sw`` not None); ``difficulty`` the checked
    ``sample_difficulty``; ``validation`` the user's ``(X_val, y_val,
    sample_weight_val)`` as passed to fit, or None; ``val`` the checked
    validation ``(X, Y, sw)`` and ``y_val`` its targets, or None (set by the
    early-stopping feature's :meth:`~sklreg.features.Feature.prepare`).
    """

    X: Any
    Y: Any
    y: Any
    sw: Any
    sample_weight_given: bool
    difficulty: Any = None
    validation: Any = None
    val: Any = None
    y_val: Any = None

    def take(self, rows):
        """Keep only the training ``rows`` (every per-row field)."""
        self.X, self.Y, self.y = self.X[rows], self.Y[rows], self.y[rows]
        self.sw = None if self.sw is None else self.sw[rows]
        self.difficulty = None if self.difficulty is None else self.difficulty[rows]


class Trainer:
    """What a feature may do to the fit of ``est`` (see the module docstring)."""

    def __init__(self, est, params, first, incremental, spec):
        self._est = est
        self.params = params  # resolved core parameters
        self.first = first
        self.incremental = incremental
        self.spec = spec  # HelperSpec of this fit
        self.stopper = None  # the stopping rule of the main phase (Algorithm 7.1)
        # every phase of the fit: set from the FitPlan once features contributed
        self.grad_hooks = []  # gradient transforms (clipping)
        self.step_hooks = []  # step transforms and finalizers (prox, decay, max-norm)
        self.batch_size_schedule = None
        self.target_transform = None  # training targets of every phase (label smoothing)  # growing minibatches (8.3.1)
        self.init_hooks = []  # hook(theta) after each (re)initialization: init_from, LSUV

    @property
    def estimator(self):
        """The estimator being fitted, for scorers and predict-like input
        checks (``scoring(estimator, X, y)``); features use this interface,
        not its private methods."""
        return self._est

    @property
    def optimizer(self):
        """The resolved optimizer (the object the training phases run)."""
        return self.params.optimizer

    @property
    def frozen_layers(self):
        """Leading dense layers a helper fit keeps fixed (greedy pretraining)."""
        return self.spec.frozen_layers

    # ------------------------------------------------------------- reading
    @functools.cached_property
    def estimator_params(self):
        """The estimator's constructor parameters (read only)."""
        return self._est.get_params(deep=False)

    @property
    def objective(self):
        return self._est._objective

    @property
    def theta(self):
        return self._est._theta

    @property
    def epoch(self):
        """Epochs run since the model was initialized (all calls)."""
        return self._est._epochs

    @property
    def rng(self):
        """The fit's random generator (from random_state): draw seeds from it."""
        return self._est._rng

    @property
    def layer_config(self):
        return self._est._layer_config

    # ------------------------------------------------------------- acting
    def train(self, X, Y, sw, callbacks=(), step_hooks=None, n_epochs=1, keep_state=False,
              max_steps=None, sampler=None, start_is_model=None):
        """Run one more training phase on (X, Y, sw) with the fit's gradient
        transforms and minibatch sizes; ``step_hooks`` default to the fit's
        step transforms (see :func:`run_phase`)."""
        hooks = self.step_hooks if step_hooks is None else list(step_hooks)
        return run_phase(
            self._est, self.params, X, Y, sw, list(callbacks), hooks, n_epochs,
            keep_state=keep_state, sampler=sampler, max_steps=max_steps,
            start_is_model=start_is_model, grad_hooks=self.grad_hooks,
            batch_size_schedule=self.batch_size_schedule, target_transform=self.target_transform,
        )

    def reinitialize(self, Y, sw):
        """New random parameters (book 8.4) and fresh counters and curves."""
        self._est._init_theta(self.params, Y, sw)
        for hook in self.init_hooks:
            hook(self.theta)
        self._est._reset_training_counters()

    def rebuild_layers(self, **changes):
        """Rebuild the layer stack with some layer options changed (the
        parameter vector and batch-norm statistics are kept)."""
        cfg = replace(self._est._layer_config, **changes)
        sync_layers(self._est, SimpleNamespace(layers=cfg, activation=self.params.activation))

    def fit_helper(self, X, y, sample_weight=None, *, initial_hidden=(), frozen_layers=0,
                   **overrides):
        """Fit and return an unfitted copy of the estimator with ``overrides``
        (a meta-algorithm's helper model: a pretraining stage, the curriculum's
        difficulty model).  Its first hidden layers start from
        ``initial_hidden`` ``(W, b)`` pairs and the first ``frozen_layers`` of
        them stay fixed (:class:`HelperSpec`, read by the helper's own fit).
        A Ctrl-C stops the whole fit; convergence warnings are silenced."""
        model = clone(self._est).set_params(**overrides)
        token = _HELPER.set(HelperSpec(tuple(initial_hidden), int(frozen_layers)))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                with nested_fit():
                    model.fit(X, y, sample_weight=sample_weight)
        finally:
            _HELPER.reset(token)
        return model

    def kept(self, name, default=None):
        """State a feature kept from the previous call (partial_fit)."""
        return self._est._feature_state.get(name, default)

    def keep(self, name, value):
        self._est._feature_state[name] = value


# ------------------------- helper models: given first layers, frozen layers
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


# ------------------------------------------------------- one training phase
def run_phase(
    est, params, X, Y, sw, callbacks, step_hooks, n_epochs, keep_state=False,
    sampler=None, max_steps=None, start_is_model=None, grad_hooks=(),
    batch_size_schedule=None, target_transform=None,
):
    """Run the training loop once on (X, Y, sw) for ``est``, continuing its
    epoch and update counters (``n_iter_`` counts the epochs of the call).

    A fresh optimizer and schedule are started unless ``keep_state``
    (partial_fit, Algorithm 7.3).  ``start_is_model`` (default:
    ``keep_state``) says the current parameters are a trained model that
    divergence must not lose.  Returns the loop's final state; raises when
    training diverged with nothing worth keeping, warns when it diverged or
    was interrupted (Ctrl-C) and kept the best parameters.
    """
    if not keep_state:
        est.optimizer_ = params.optimizer.start(est._theta)
    n = X.shape[0]
    batch_size = resolve_batch_size(est.batch_size, n)
    if not keep_state:
        steps = -(-n // batch_size) if batch_size_schedule is None else (
            batch_size_schedule.steps_per_epoch(n, est._epochs, est.max_iter))
        est.lr_schedule_ = params.schedule.start(steps, est.max_iter)
    problem = MinibatchProblem(
        objective=est._objective,
        optimizer=est.optimizer_,
        schedule=est.lr_schedule_,
        learning_rate=params.learning_rate,
        batch_size=batch_size,
        shuffle=est.shuffle,
        rng=np.random.default_rng(est._rng.integers(2**63)),
        noise_rng=np.random.default_rng(est._rng.integers(2**63)),
        grad_hooks=list(grad_hooks),
        step_hooks=step_hooks,
        callbacks=callbacks,
        verbose=est.verbose,
        sampler=sampler,
        batch_size_schedule=batch_size_schedule,
        max_steps=max_steps,
    )
    Y, problem.batch_hooks = batch_setup(est, params, X, Y, problem.noise_rng, target_transform)
    state = LoopState(
        epoch=est._epochs, step=est.t_, loss_curve=est.loss_curve_, history=est.history_,
        start_is_model=keep_state if start_is_model is None else start_is_model,
    )
    run = run_full_batch if est.optimizer_.full_batch else run_minibatch
    run(problem, est._theta, X, Y, sw, n_epochs, state)
    est._epochs, est.t_ = state.epoch, state.step
    est.n_iter_ = est._epochs - est._call_epoch0
    report_stop(state, params.learning_rate)
    return state
