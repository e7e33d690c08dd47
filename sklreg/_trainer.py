"""The narrow interface book features use to act on a fit in progress.

Meta-algorithms (retraining 7.2/7.3, greedy pretraining, the curriculum's
difficulty model, continuation) need to run more training, reinitialize the
parameters, rebuild the layer stack or fit a helper model.  They do it
through a :class:`Trainer`, never through the estimator's private methods.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

from sklearn.base import clone

__all__ = ["Trainer", "FitData", "load_hidden", "freeze_hook"]


@dataclass
class FitData:
    """The data of one fit, as the main training phase sees it.

    ``X, Y, sw``: training rows (after the early-stopping split), encoded
    targets and raw sample weights; ``y`` the targets as passed to fit;
    ``sample_weight_given`` whether the user passed weights (class weights
    may still make ``sw`` not None); ``difficulty`` the checked
    ``sample_difficulty``; ``val`` the validation ``(X, Y, sw)`` or None.
    """

    X: Any
    Y: Any
    y: Any
    sw: Any
    sample_weight_given: bool
    difficulty: Any = None
    val: Any = None


class Trainer:
    """What a feature may do to the fit of ``est`` (see the module docstring)."""

    def __init__(self, est, params, norm_hooks, first, incremental):
        self._est = est
        self.params = params  # resolved core parameters
        self.norm_hooks = list(norm_hooks)  # prox, decay, max-norm (book 7.1-7.2)
        self.first = first
        self.incremental = incremental
        self.grad_hooks = []  # the features' gradient transforms (clipping)

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
    def layer_config(self):
        return self._est._layer_config

    # ------------------------------------------------------------- acting
    def train(self, X, Y, sw, callbacks=(), step_hooks=None, n_epochs=1, keep_state=False,
              max_steps=None):
        """Run one more training phase on (X, Y, sw); see ``_BaseMLP._train_phase``."""
        hooks = self.norm_hooks if step_hooks is None else list(step_hooks)
        return self._est._train_phase(
            self.params, X, Y, sw, list(callbacks), hooks, n_epochs, keep_state=keep_state,
            max_steps=max_steps, grad_hooks=self.grad_hooks,
        )

    def reinitialize(self, Y, sw):
        """New random parameters (book 8.4) and fresh counters and curves."""
        self._est._init_theta(self.params, Y, sw)
        self._est._reset_training_counters()

    def rebuild_layers(self, **changes):
        """Rebuild the layer stack with some layer options changed (the
        parameter vector and batch-norm statistics are kept)."""
        cfg = replace(self._est._layer_config, **changes)
        self._est._sync_layers(SimpleNamespace(layers=cfg, activation=self.params.activation))

    def helper_model(self, initial_hidden=(), frozen_layers=0, **overrides):
        """An unfitted copy of the estimator with ``overrides``, whose fit
        starts its first hidden layers from ``initial_hidden`` ``(W, b)``
        pairs and keeps the first ``frozen_layers`` of them fixed."""
        model = clone(self._est).set_params(**overrides)
        model._initial_hidden = list(initial_hidden)
        model._frozen_layers = int(frozen_layers)
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
