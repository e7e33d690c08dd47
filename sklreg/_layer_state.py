"""The estimator's layer stack across fits and predictions.

What the layer options (noise, dropout, batch normalization, activity
penalties; :mod:`sklreg.layers`) need from the estimator around training:
rebuilding the stack when options changed between warm starts, per-minibatch
hooks (``augment``, book 7.4), the statistics of the returned parameters
after training (batch norm, zero-activation fractions, the seed of sampled
dropout predictions) and the dropout inference rules at predict time.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from ._early_stopping import ACCEPT_SPARSE, DTYPES
from .activity import ZERO_FRACTION_ROWS, hidden_zero_fractions
from .batchnorm import recalibrate_batch_norm
from .dropout import dropout_predict
from .layers import rebuild_network, validate_inference_params
from .noise import AugmentHook

__all__ = ["sync_layers", "batch_setup", "finish_layers", "predict_raw"]


def sync_layers(est, params):
    """Rebuild the layer stack if its options changed since the last fit."""
    objective = est._objective
    network = rebuild_network(
        objective.network, getattr(est, "_layer_config", None), params.layers,
        est._layer_sizes, params.activation, objective.loss,
        getattr(params, "layout_checks", ()),
    )
    objective.network, est._layer_config = network, params.layers


def batch_setup(est, params, X, Y, noise_rng, target_transform=None):
    """Training targets (``target_transform``: label smoothing) and
    per-minibatch hooks (``augment``, book 7.4)."""
    transform = target_transform if target_transform is not None else (lambda T: T)
    if params.augment is None:
        return transform(Y), []
    hook = AugmentHook(
        params.augment,
        est._decode_targets,
        lambda y: transform(est._encode_batch(y)),
        noise_rng.spawn(1)[0],
        X.shape[1],
        est._theta.dtype,
    )
    return Y, [hook]


def finish_layers(est, params, X, sw, first, replaced, incremental):
    """After training: batch-norm statistics of the returned parameters (when
    they are not the last minibatch iterate: ``replaced``), zero-activation
    fractions, the seed of Monte Carlo dropout predictions."""
    network, cfg = est._objective.network, params.layers
    if cfg.batch_norm and replaced:
        recalibrate_batch_norm(network, est._theta, X, sw)
    if not incremental or cfg.has_activity_penalty:
        # one inference pass: skipped by a plain partial_fit (~15% of its cost)
        if X.shape[0] > ZERO_FRACTION_ROWS:  # a fixed-size seeded sample
            rows = np.sort(est._rng.choice(X.shape[0], ZERO_FRACTION_ROWS, replace=False))
            X = X[rows]
        est.hidden_zero_fraction_ = hidden_zero_fractions(network, est._theta, X)
    elif first or not hasattr(est, "hidden_zero_fraction_"):
        est.hidden_zero_fraction_ = None
    if not cfg.has_dropout:
        est._predict_seed = None
    elif first or getattr(est, "_predict_seed", None) is None:
        est._predict_seed = int(est._rng.integers(2**63))


def predict_raw(est, X):
    """Outputs after the output link for ``X`` (predict's input checks), with
    the dropout inference rule (book 7.12: weight scaling, or Monte Carlo /
    geometric-mean ensembles of seeded masks)."""
    check_is_fitted(est, "_theta")
    X = validate_data(est, X, accept_sparse=ACCEPT_SPARSE, dtype=DTYPES, reset=False)
    X = X.astype(est._theta.dtype, copy=False)
    rule = validate_inference_params(est)
    seed = getattr(est, "_predict_seed", None)
    if seed is not None and rule != "weight_scaling":
        return dropout_predict(est._objective, est._theta, X, rule, est.n_mc_samples, seed)
    return est._objective.predict(est._theta, X)
