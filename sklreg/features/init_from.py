"""Initialization by learning: start from another model's parameters (book 8.4).

Book 8.4: instead of random weights, a network can start from the
parameters of a model trained on the same inputs, on a related task or even
an unrelated one; this can speed up convergence, whether the benefit comes
from the information the parameters encode or merely from their scale and
diversity.

``init_from`` takes

* a fitted sklreg MLP estimator: its ``coefs_`` and ``intercepts_`` (shapes
  checked against this network).  When its parameter layout is identical to
  this network's (same layer sizes *and* the same extra layers: batch norm,
  auxiliary heads), all its parameters are copied -- batch-norm scales and
  shifts with their running statistics, auxiliary heads -- so that the new
  model predicts exactly as the old one before the first update.
* a list ``[coefs, intercepts]`` of arrays shaped like ``coefs_`` and
  ``intercepts_``: the dense layers only (every other parameter is
  initialized as usual).

Only the first ``fit`` (or the first ``partial_fit``) uses it: warm starts
and ``partial_fit`` continue from the current model; the retraining of
Algorithm 7.2 starts again from ``init_from``.  ``sklearn.base.clone`` (hence
``GridSearchCV``, ``cross_validate`` and a curriculum's difficulty model)
turns an estimator-valued parameter into an unfitted copy: pass
``[est.coefs_, est.intercepts_]`` there.
"""

from __future__ import annotations

import numpy as np

from .._validation import param_error
from ..initializers import is_lsuv
from ._base import Feature, Param, register

__all__ = ["InitFrom", "check_init_from", "load_init_from"]

_CLONE_HINT = (
    "Note that sklearn.base.clone (used by GridSearchCV, cross_validate, and by a "
    "curriculum's first model) returns unfitted copies of estimator-valued parameters; "
    "pass the arrays `[est.coefs_, est.intercepts_]` in that case."
)


def _is_estimator(value):
    return hasattr(value, "get_params") and hasattr(value, "fit")


def check_init_from(value):
    """The parameter check (types and structure; shapes are checked in fit)."""
    if value is None:
        return value
    if _is_estimator(value):
        if not hasattr(value, "coefs_") or not hasattr(value, "intercepts_"):
            raise param_error(
                "init_from", "a fitted sklreg MLP estimator", value,
                hint=f"{type(value).__name__} is not fitted (it has no coefs_). {_CLONE_HINT}",
            )
        return value
    ok = (
        isinstance(value, (list, tuple)) and len(value) == 2
        and all(isinstance(part, (list, tuple)) for part in value)
        and len(value[0]) == len(value[1]) > 0
    )
    if ok:
        try:
            coefs = [np.asarray(W, dtype=np.float64) for W in value[0]]
            intercepts = [np.asarray(b, dtype=np.float64) for b in value[1]]
        except (TypeError, ValueError):
            ok = False
        else:
            ok = (
                all(W.ndim == 2 for W in coefs) and all(b.ndim == 1 for b in intercepts)
                and all(np.all(np.isfinite(a)) for a in coefs + intercepts)
            )
    if not ok:
        raise param_error(
            "init_from", "None, a fitted sklreg MLP estimator, or a list [coefs, intercepts] "
            "of finite arrays shaped like coefs_ (2-D) and intercepts_ (1-D)", value,
        )
    return value


def _shapes(arrays):
    return [tuple(np.shape(a)) for a in arrays]


def load_init_from(value, network, theta):
    """Write the parameters of ``value`` into ``theta`` (see the module docstring)."""
    coefs, intercepts = network.coefs(theta)
    if _is_estimator(value):
        src_coefs, src_intercepts = list(value.coefs_), list(value.intercepts_)
        what = f"the fitted {type(value).__name__}"
    else:
        src_coefs, src_intercepts = list(value[0]), list(value[1])
        what = "the list [coefs, intercepts]"
    want_c, want_i = _shapes(coefs), _shapes(intercepts)
    got_c, got_i = _shapes(src_coefs), _shapes(src_intercepts)
    if (got_c, got_i) != (want_c, want_i):
        raise ValueError(
            f"init_from: {what} has coefs_ shapes {got_c} and intercepts_ shapes {got_i}, "
            f"but this network needs coefs_ shapes {want_c} and intercepts_ shapes {want_i} "
            "(same n_features_in_, hidden_layer_sizes and number of outputs). Pass a model "
            "of the same architecture, or set init_from=None."
        )
    if _is_estimator(value) and _same_layout(value, network, theta):
        theta[...] = value._theta
        for mine, theirs in zip(network.layers, value._objective.network.layers):
            if getattr(theirs, "running_mean", None) is not None:  # batch norm
                mine.running_mean = theirs.running_mean.astype(theta.dtype)
                mine.running_var = theirs.running_var.astype(theta.dtype)
                mine.n_batches = theirs.n_batches
        return
    for dst, src in zip(coefs + intercepts, src_coefs + src_intercepts):
        dst[...] = src


def _same_layout(est, network, theta):
    """True when ``est``'s whole parameter vector maps one-to-one onto ``theta``."""
    src = getattr(getattr(est, "_objective", None), "network", None)
    if src is None or getattr(est, "_theta", None) is None:
        return False
    key = [(type(layer).__name__, [(s.name, s.shape, s.role) for s in layer.param_specs(i)])
           for i, layer in enumerate(network.layers)]
    key_src = [(type(layer).__name__, [(s.name, s.shape, s.role) for s in layer.param_specs(i)])
               for i, layer in enumerate(src.layers)]
    return key == key_src and est._theta.shape == theta.shape


@register
class InitFrom(Feature):
    name, section = "init_from", "8.4"
    # the shapes of the registry tests' models: 5 features, hidden (6,), 1 output
    example = {"init_from": [
        [np.linspace(-0.5, 0.5, 30).reshape(5, 6), np.linspace(0.4, -0.4, 6).reshape(6, 1)],
        [np.full(6, 0.1), np.zeros(1)],
    ]}
    params = (
        Param("init_from", None, check_init_from, """
    init_from : fitted sklreg MLP estimator, list or None, default=None
        Initialization by learning (book 8.4): start from the parameters of
        a model trained on the same inputs or a related task.  A fitted
        sklreg MLP estimator gives its ``coefs_`` and ``intercepts_`` -- and
        all its parameters (batch norm, auxiliary heads) when its layer
        stack is identical, so predictions are unchanged before the first
        update; a list ``[coefs, intercepts]`` shaped like ``coefs_`` and
        ``intercepts_`` gives the dense layers only.  A shape mismatch
        raises an error naming both shapes.  Used by the first ``fit`` or
        ``partial_fit`` (not by warm starts) and by Algorithm 7.2's
        retraining; cannot be combined with ``pretraining`` or
        ``init='lsuv'``.  ``clone``/``GridSearchCV`` make estimator-valued
        parameters unfitted: pass ``[est.coefs_, est.intercepts_]`` there."""),
    )

    def validate(self, est):
        super().validate(est)
        if est.init_from is None:
            return
        if getattr(est, "pretraining", None) is not None:
            raise ValueError(
                f"init_from and pretraining={est.pretraining!r} both set the first layers' "
                "initial parameters; use one of them (set init_from=None or pretraining=None)."
            )

        if is_lsuv(est.init):
            raise ValueError(
                "init_from gives every initial weight, which init='lsuv' would rescale: "
                "use one of them (set init_from=None or another init)."
            )

    def before_training(self, trainer, data):
        value = trainer.estimator_params["init_from"]
        if value is None or not trainer.first:
            return
        def hook(theta):  # also after Algorithm 7.2's reinitialization
            load_init_from(value, trainer.objective.network, theta)

        hook(trainer.theta)
        trainer.init_hooks.append(hook)
