"""Validation of the MLP estimators' constructor parameters (run in ``fit``).

``__init__`` only stores; :func:`validate_mlp_params` turns the stored values
into resolved objects (names -> registry objects, per-layer lists) and raises
``ValueError`` naming the parameter and its allowed values.
"""

from __future__ import annotations

from numbers import Real
from types import SimpleNamespace

import numpy as np

from ._registry import ACTIVATIONS, INITIALIZERS, OPTIMIZERS, SCHEDULES
from .features import features_for
from .layers import LayerConfig
from ._validation import (
    check_bool, check_interval, check_options, hidden_sizes, param_error,
)

__all__ = [
    "validate_mlp_params", "validate_layer_params", "stochastic_regularizers",
    "check_full_batch", "hidden_sizes", "MLP_PARAMS",
]


def validate_mlp_params(est):
    """Check every common MLP parameter; return a namespace of resolved values."""
    hidden = hidden_sizes(est.hidden_layer_sizes)
    v = SimpleNamespace(hidden=hidden)
    v.activation = ACTIVATIONS.resolve(est.activation, "activation")
    v.optimizer = OPTIMIZERS.resolve(est.optimizer, "optimizer")
    if est.learning_rate is not None:
        check_interval("learning_rate", est.learning_rate, 0.0, None, closed="neither")
    v.learning_rate = (
        v.optimizer.default_learning_rate if est.learning_rate is None else float(est.learning_rate)
    )
    v.schedule = SCHEDULES.resolve(est.lr_schedule, "lr_schedule")
    if est.batch_size != "auto":
        check_interval("batch_size", est.batch_size, 1, None, integer=True)
    check_interval("max_iter", est.max_iter, 1, None, integer=True)
    check_bool("shuffle", est.shuffle)
    check_interval("tol", est.tol, 0.0, None)
    if not (isinstance(est.n_iter_no_change, Real) and est.n_iter_no_change == np.inf):
        # an int >= 1, or np.inf (never stop on a plateau), as scikit-learn
        check_interval("n_iter_no_change", est.n_iter_no_change, 1, None, integer=True)
    v.init = INITIALIZERS.resolve(est.init, "init")
    if not isinstance(est.hidden_bias_init, Real) or not np.isfinite(est.hidden_bias_init):
        raise param_error(
            "hidden_bias_init", "a finite real number (the book suggests 0.1 for ReLU units)",
            est.hidden_bias_init,
        )
    check_options("output_bias_init", est.output_bias_init, ["marginal", "zeros"])
    for feature in features_for(est):  # each feature checks its own parameters
        feature.validate(est)
    check_bool("warm_start", est.warm_start)
    check_interval("verbose", int(est.verbose) if isinstance(est.verbose, bool) else est.verbose,
                   0, None, integer=True)
    # noise, dropout, batch norm, activity penalties (book 7.4-7.12, 8.7.1)
    v.layers = validate_layer_params(est, hidden, v.activation)
    # warm starts: the options that change the parameter layout must not change
    v.layout_checks = [f.check_layout for f in features_for(est) if f.changes_layout]
    v.augment = getattr(est, "augment", None)
    return v


def validate_layer_params(est, hidden, activation=None):
    """The :class:`~sklreg.layers.LayerConfig` of ``est`` for the hidden layer
    sizes ``hidden``: every registered feature's ``layer_options`` (each
    validates its own parameters, naming them).  ``activation`` is unused."""
    options = {}
    for feature in features_for(est):
        options.update(feature.layer_options(est, tuple(hidden)))
    return LayerConfig(n_hidden=len(hidden), **options)


def stochastic_regularizers(est):
    """Names of the active stochastic-regularization parameters of ``est``
    (the features' ``stochastic_settings``, in registry order).

    Full-batch (deterministic) optimizers refuse these: each minibatch
    objective would be a different random function.  Batch norm is not listed
    (deterministic on the full batch).
    """
    return [name for f in features_for(est) for name in f.stochastic_settings(est)]


def check_full_batch(est, optimizer):
    """Full-batch optimizers minimize one deterministic objective (draft 8.5-8.6):
    they refuse stochastic regularizers and the features that work on the
    minibatch loop (``Feature.minibatch_only``)."""
    if not optimizer.full_batch:
        return
    name = est.optimizer if isinstance(est.optimizer, str) else type(optimizer).__name__
    active = [f"{a}={getattr(est, a)!r}" for a in stochastic_regularizers(est)]
    if active:
        raise ValueError(
            f"optimizer={name!r} is a deterministic full-batch method and cannot be "
            f"combined with the stochastic regularizer(s) {', '.join(active)}: every "
            "evaluation would see a different random objective. Turn them off or use a "
            "first-order optimizer such as 'adam' or 'sgd'."
        )
    conflicts = [c for f in features_for(est) for c in f.full_batch_conflicts(est)]
    if conflicts:
        what = ", ".join(w for w, _ in conflicts)
        fixes = "; ".join(fix for _, fix in conflicts)
        raise ValueError(
            f"{what} cannot be combined with the full-batch optimizer={name!r}, a "
            f"deterministic method on the whole objective: {fixes}, or use a first-order "
            "optimizer such as 'adam' or 'sgd'."
        )


# ----------------------------------------------------------- constructor
#: The MLP estimators' shared constructor parameters with their defaults, in
#: signature order (documented in :mod:`sklreg._docs`).  Both estimators write
#: their ``__init__`` out in source (:mod:`sklreg._classifier`,
#: :mod:`sklreg._regressor`) with these parameters in this order, their task's
#: own parameters inserted before ``input_noise``; ``tests/test_signatures.py``
#: keeps the signatures, this table and the docstrings in sync.
MLP_PARAMS = (
    ('hidden_layer_sizes', (100,)),
    ('activation', 'relu'),
    ('optimizer', 'adam'),
    ('learning_rate', None),
    ('lr_schedule', 'constant'),
    ('batch_size', 'auto'),
    ('batch_size_growth', 1.0),
    ('max_iter', 200),
    ('shuffle', True),
    ('tol', 0.0001),
    ('n_iter_no_change', 10),
    ('alpha', 0.0001),
    ('l1', 0.0),
    ('l1_method', 'proximal'),
    ('weight_decay_mode', 'l2'),
    ('l2_reference', None),
    ('max_norm', None),
    ('max_norm_scope', 'unit'),
    ('init', 'glorot_uniform'),
    ('hidden_bias_init', 0.0),
    ('output_bias_init', 'marginal'),
    ('init_from', None),
    ('clip_norm', None),
    ('clip_value', None),
    ('early_stopping', False),
    ('validation_fraction', 0.1),
    ('scoring', 'loss'),
    ('early_stopping_refit', None),
    ('refit_unit', 'epochs'),
    ('averaging', None),
    ('averaging_start', 0),
    ('averaging_decay', 0.999),
    ('curriculum', None),
    ('curriculum_start', 0.2),
    ('curriculum_epochs', None),
    ('input_noise', 0.0),
    ('hidden_noise', 0.0),
    ('hidden_noise_type', 'additive'),
    ('weight_noise', 0.0),
    ('weight_noise_sampling', 'batch'),
    ('augment', None),
    ('dropout', 0.0),
    ('input_dropout', 0.0),
    ('dropout_type', 'bernoulli'),
    ('dropout_inference', 'weight_scaling'),
    ('n_mc_samples', 20),
    ('batch_norm', False),
    ('batch_norm_momentum', 0.9),
    ('batch_norm_epsilon', 1e-05),
    ('activity_l1', 0.0),
    ('activity_kl', 0.0),
    ('sparsity_target', 0.05),
    ('activity_student_t', 0.0),
    ('skip_connections', False),
    ('auxiliary_heads', False),
    ('auxiliary_weight', 0.3),
    ('task_hidden_layer_sizes', None),
    ('task_weights', None),
    ('pretraining', None),
    ('pretraining_epochs', None),
    ('pretraining_freeze', False),
    ('continuation', None),
    ('continuation_epochs', None),
    ('adversarial', None),
    ('adversarial_eps', 0.1),
    ('adversarial_weight', 0.5),
    ('vat_xi', 1e-6),
    ('vat_power_iterations', 1),
    ('tangent_prop', 0.0),
    ('tangent_vectors', None),
    ('input_gradient_penalty', 0.0),
    ('curvature_diagnostics', False),
    ('warm_start', False),
    ('random_state', None),
    ('verbose', 0),
)
