"""Which extra layers the estimators' regularization parameters put in the network.

The stochastic and normalization layers themselves live in one module per
concept -- :mod:`sklreg.noise` (7.4, 7.5), :mod:`sklreg.dropout` (7.12),
:mod:`sklreg.batchnorm` (8.7.1), :mod:`sklreg.activity` (7.10).  This module
validates the estimator parameters that switch them on
(:func:`validate_layer_params`) and turns them into a :class:`LayerConfig`,
the plan :func:`sklreg.network.build_network` follows.  For hidden layer ``l``
the stack is::

    [input noise] [input dropout]                       (first layer only)
    Dense | PerturbedDense  [BatchNorm]  activation
    [ActivityPenalty] [hidden noise] [Dropout]          (hidden layers)

and the output layer, or the ``output_block`` replacing it (multi-task heads,
book 7.7).  With every regularizer off the plan adds nothing: the network is
exactly ``Dense -> activation -> ... -> Dense``.

**Features' layer options.**  A registered feature
(:mod:`sklreg.features`) with a method ``layer_options(est, hidden) -> dict``
sets fields of the :class:`LayerConfig` from its own parameters (validated
there, naming them): Student-t sparsity (``activity_student_t``),
per-example weight noise (``weight_noise_sampling``), multi-task heads
(``output_block``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ._validation import check_bool, check_interval, check_options, check_per_layer
from .activations import Logistic
from .activity import ActivityPenalty
from .architecture import AuxiliaryHead, SkipEnd, SkipStart
from .batchnorm import BatchNorm
from .dropout import INFERENCE_RULES, Dropout
from .network import Dense, build_network
from .noise import GaussianNoise, PerturbedDense

__all__ = [
    "LayerConfig",
    "validate_layer_params",
    "validate_inference_params",
    "stochastic_regularizers",
    "STOCHASTIC_PARAMS",
    "rebuild_network",
]

#: estimator parameters whose training-time effect is random (one draw per batch)
STOCHASTIC_PARAMS = (
    "dropout", "input_dropout", "input_noise", "hidden_noise", "weight_noise", "augment",
)

DROPOUT_TYPES = ["bernoulli", "gaussian", "dropconnect"]
NOISE_TYPES = ["additive", "multiplicative"]


@dataclass(frozen=True)
class LayerConfig:
    """Resolved layer options; per-layer values are tuples over hidden layers."""

    n_hidden: int
    input_noise: float = 0.0
    hidden_noise: tuple = ()
    hidden_noise_type: str = "additive"
    weight_noise: float = 0.0
    input_dropout: float = 0.0
    dropout: tuple = ()
    dropout_type: str = "bernoulli"
    batch_norm: bool = False
    batch_norm_momentum: float = 0.9
    batch_norm_epsilon: float = 1e-5
    activity_l1: tuple = ()
    activity_kl: tuple = ()
    sparsity_target: float = 0.05
    activity_student_t: tuple = ()  # book 7.10 (features/student_t.py)
    weight_noise_sampling: str = "batch"  # 'example': book 7.5/7.12 (features/per_example.py)
    #: replaces the output layer (``layers(plan, i, fan_in, n_outputs, activation)``;
    #: multi-task heads, features/multitask.py); must compare equal when unchanged
    output_block: object = None
    skip_connections: bool = False
    auxiliary_weight: float = 0.0  # > 0: auxiliary heads (draft 8.7.4)
    aux_loss: object = field(default=None, compare=False)  # set when the network is built

    @property
    def has_dropout(self):
        """True if some units (or weights) are dropped in training."""
        return self.input_dropout > 0 or any(r > 0 for r in self.dropout)

    @property
    def has_activity_penalty(self):
        """True if some hidden layer's activations are penalized (book 7.10)."""
        return any(self.activity_l1) or any(self.activity_kl) or any(self.activity_student_t)

    @property
    def is_plain(self):
        """True when the plan adds no layer (the plain Dense/activation stack)."""
        return not (
            self.input_noise or any(self.hidden_noise) or self.weight_noise
            or self.has_dropout or self.batch_norm
            or any(self.activity_l1) or any(self.activity_kl) or any(self.activity_student_t)
            or self.skip_connections or self.auxiliary_weight or self.output_block is not None
        )

    def _dropconnect(self):
        return self.dropout_type == "dropconnect"

    def dense_block(self, i, fan_in, fan_out, hidden):
        """Layers of weight layer ``i``: input-side noise, the dense map, batch norm."""
        layers = []
        if i == 0:
            if self.input_noise:
                layers.append(GaussianNoise(self.input_noise, "additive"))
            if self.input_dropout and not self._dropconnect():
                layers.append(Dropout(self.input_dropout, self.dropout_type))
        # DropConnect masks the weights reading the layer a unit dropout would mask
        drop = 0.0
        if self._dropconnect():
            drop = self.input_dropout if i == 0 else self.dropout[i - 1]
        if self.weight_noise or drop:
            dense = PerturbedDense(fan_in, fan_out, self.weight_noise, drop,
                                   self.weight_noise_sampling == "example")
        else:
            dense = Dense(fan_in, fan_out)
        layers.append(dense)
        if hidden and self.batch_norm:
            dense.train_bias = False  # beta replaces the bias
            layers.append(
                BatchNorm(fan_out, self.batch_norm_momentum, self.batch_norm_epsilon)
            )
        return layers

    def hidden_block(self, i):
        """Layers after the activation of hidden layer ``i``."""
        layers = []
        student_t = self.activity_student_t[i] if self.activity_student_t else 0.0
        if self.activity_l1[i] or self.activity_kl[i] or student_t:
            layers.append(ActivityPenalty(
                self.activity_l1[i], self.activity_kl[i], self.sparsity_target, student_t
            ))
        if self.hidden_noise[i]:
            layers.append(GaussianNoise(self.hidden_noise[i], self.hidden_noise_type))
        if self.dropout[i] and not self._dropconnect():
            layers.append(Dropout(self.dropout[i], self.dropout_type))
        return layers

    def skip_start(self, i, sizes):
        """Start of a skip connection around hidden block ``i`` (draft 8.7.4):
        between consecutive hidden layers of equal width."""
        if self.skip_connections and 1 <= i <= self.n_hidden - 1 and sizes[i] == sizes[i + 1]:
            return SkipStart()
        return None

    def block_end(self, i, skip, sizes):
        """Layers closing hidden block ``i``: skip addition, auxiliary head."""
        layers = [] if skip is None else [SkipEnd(skip)]
        if self.auxiliary_weight and i < self.n_hidden - 1:
            layers.append(
                AuxiliaryHead(sizes[i + 1], sizes[-1], self.aux_loss, self.auxiliary_weight)
            )
        return layers

    def plan(self, loss=None):
        """The plan for ``build_network``, or None for the plain stack.

        ``loss`` is the output loss, which auxiliary heads reuse."""
        if self.is_plain:
            return None
        return replace(self, aux_loss=loss) if self.auxiliary_weight else self


def validate_layer_params(est, hidden, activation):
    """Check the noise/dropout/batch-norm/activity parameters of ``est``.

    ``hidden`` are the resolved hidden layer sizes and ``activation`` the
    resolved activation object.  Returns a :class:`LayerConfig`; raises
    ``ValueError`` naming the parameter (both parameters for incompatible
    combinations).  Parameters ``est`` does not have take their off value.
    """
    get = lambda name, default: getattr(est, name, default)  # noqa: E731
    n = len(hidden)
    check_interval("input_noise", get("input_noise", 0.0), 0.0, None)
    check_options("hidden_noise_type", get("hidden_noise_type", "additive"), NOISE_TYPES)
    check_interval("weight_noise", get("weight_noise", 0.0), 0.0, None)
    check_interval("input_dropout", get("input_dropout", 0.0), 0.0, 1.0, closed="left")
    check_options("dropout_type", get("dropout_type", "bernoulli"), DROPOUT_TYPES)
    check_bool("batch_norm", get("batch_norm", False))
    check_interval(
        "batch_norm_momentum", get("batch_norm_momentum", 0.9), 0.0, 1.0, closed="left"
    )
    check_interval(
        "batch_norm_epsilon", get("batch_norm_epsilon", 1e-5), 0.0, None, closed="neither"
    )
    check_interval("sparsity_target", get("sparsity_target", 0.05), 0.0, 1.0, closed="neither")
    check_bool("skip_connections", get("skip_connections", False))
    check_bool("auxiliary_heads", get("auxiliary_heads", False))
    check_interval("auxiliary_weight", get("auxiliary_weight", 0.3), 0.0, None)
    if get("skip_connections", False) and not any(
        a == b for a, b in zip(hidden[:-1], hidden[1:])
    ):
        raise ValueError(
            "skip_connections=True adds identity skips between consecutive hidden layers "
            f"of equal width, but hidden_layer_sizes={tuple(hidden)} has none; use e.g. "
            "(64, 64, 64)."
        )
    if get("auxiliary_heads", False) and n < 2:
        raise ValueError(
            "auxiliary_heads=True puts an output head on every hidden layer but the last; "
            f"hidden_layer_sizes={tuple(hidden)} needs at least 2 hidden layers."
        )
    cfg = LayerConfig(
        n_hidden=n,
        input_noise=float(get("input_noise", 0.0)),
        hidden_noise=tuple(check_per_layer("hidden_noise", get("hidden_noise", 0.0), n)),
        hidden_noise_type=get("hidden_noise_type", "additive"),
        weight_noise=float(get("weight_noise", 0.0)),
        input_dropout=float(get("input_dropout", 0.0)),
        dropout=tuple(
            check_per_layer("dropout", get("dropout", 0.0), n, 0.0, 1.0, closed="left")
        ),
        dropout_type=get("dropout_type", "bernoulli"),
        batch_norm=bool(get("batch_norm", False)),
        batch_norm_momentum=float(get("batch_norm_momentum", 0.9)),
        batch_norm_epsilon=float(get("batch_norm_epsilon", 1e-5)),
        activity_l1=tuple(check_per_layer("activity_l1", get("activity_l1", 0.0), n)),
        activity_kl=tuple(check_per_layer("activity_kl", get("activity_kl", 0.0), n)),
        sparsity_target=float(get("sparsity_target", 0.05)),
        skip_connections=bool(get("skip_connections", False)),
        auxiliary_weight=(
            float(get("auxiliary_weight", 0.3)) if get("auxiliary_heads", False) else 0.0
        ),
        **_feature_layer_options(est, hidden),
    )
    if any(cfg.activity_kl) and not isinstance(activation, Logistic):
        raise ValueError(
            f"activity_kl={get('activity_kl', 0.0)!r} needs hidden activations in (0, 1): "
            f"use activation='logistic' (got activation={get('activation', None)!r}), or "
            "activity_l1 instead."
        )
    validate_inference_params(est)
    augment = get("augment", None)
    if augment is not None and not callable(augment):
        raise ValueError(
            f"Invalid value for parameter 'augment': {augment!r}. It must be None or a "
            "callable augment(X_batch, y_batch, rng) -> (X_batch, y_batch)."
        )
    batch_size = get("batch_size", "auto")
    if cfg.batch_norm and not isinstance(batch_size, str) and batch_size == 1:
        raise ValueError(
            "batch_norm=True needs minibatches of at least 2 samples (batch statistics); "
            "got batch_size=1."
        )
    return cfg


def _feature_layer_options(est, hidden):
    """LayerConfig fields set by the registered features (``layer_options``)."""
    from .features import FEATURES  # (the features import this module's neighbours)

    options = {}
    for feature in FEATURES:
        layer_options = getattr(feature, "layer_options", None)
        if layer_options is not None:
            options.update(layer_options(est, tuple(hidden)))
    return options


def validate_inference_params(est):
    """Check ``dropout_inference`` and ``n_mc_samples`` (also at predict time)."""
    rule = getattr(est, "dropout_inference", "weight_scaling")
    check_options("dropout_inference", rule, list(INFERENCE_RULES))
    check_interval("n_mc_samples", getattr(est, "n_mc_samples", 1), 1, None, integer=True)
    return rule


def _is_active(value):
    if value is None:
        return False
    try:
        return bool(np.any(np.asarray(value, dtype=float) != 0.0))
    except (TypeError, ValueError):
        return True  # invalid values are reported by validation


def stochastic_regularizers(est):
    """Names of the active stochastic-regularization parameters of ``est``.

    Full-batch (deterministic) optimizers refuse these: each minibatch
    objective would be a different random function.  Batch norm is not listed
    (deterministic on the full batch).
    """
    names = []
    for name in STOCHASTIC_PARAMS:
        value = getattr(est, name, None)
        if name == "augment":
            if value is not None:
                names.append(name)
        elif _is_active(value):
            names.append(name)
    return names


def rebuild_network(network, old, cfg, layer_sizes, activation, loss):
    """The network for layer options ``cfg`` (``network`` itself if they did not
    change since ``old``), keeping the batch-norm running statistics.

    Options that add parameters (batch norm, auxiliary heads) must not change
    between a fit and its warm start or ``partial_fit``."""
    if old == cfg:
        return network
    for name in ("batch_norm", "auxiliary_weight"):  # these change the parameters
        if old is not None and bool(getattr(old, name)) != bool(getattr(cfg, name)):
            param = "auxiliary_heads" if name == "auxiliary_weight" else name
            raise ValueError(
                f"{param} changed since the previous fit; with warm_start=True or "
                "partial_fit the architecture must stay the same."
            )
    if old is not None and old.output_block != cfg.output_block:
        was, now = (getattr(c.output_block, "sizes", ()) for c in (old, cfg))
        raise ValueError(
            f"task_hidden_layer_sizes changed since the previous fit (task heads {was} -> "
            f"{now}); with warm_start=True or partial_fit the architecture (the task "
            "structure) must stay the same. Refit from scratch (warm_start=False)."
        )
    new = build_network(layer_sizes, activation, cfg.plan(loss))
    old_bn = [layer for layer in network.layers if isinstance(layer, BatchNorm)]
    new_bn = [layer for layer in new.layers if isinstance(layer, BatchNorm)]
    for a, b in zip(old_bn, new_bn):
        b.running_mean, b.running_var, b.n_batches = a.running_mean, a.running_var, a.n_batches
    return new
