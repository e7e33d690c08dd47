"""The plan of the layer stack: which layers the features put in the network.

The stochastic and normalization layers themselves live in one module per
concept -- :mod:`sklreg.noise` (7.4, 7.5), :mod:`sklreg.dropout` (7.12),
:mod:`sklreg.batchnorm` (8.7.1), :mod:`sklreg.activity` (7.10),
:mod:`sklreg.architecture` (draft 8.7.4, 7.7).  The parameters that switch
them on belong to feature modules (:mod:`sklreg.features`: noise, dropout,
batch_norm, activity, student_t, per_example, model_design, multitask), each
of which validates its own and returns the fields it sets of the
:class:`LayerConfig` (``Feature.layer_options``);
:func:`sklreg._params.validate_layer_params` collects them.  The plan tells
:func:`sklreg.network.build_network`, for hidden layer ``l``::

    [input noise] [input dropout]                       (first layer only)
    Dense | PerturbedDense  [BatchNorm]  activation
    [ActivityPenalty] [hidden noise] [Dropout]          (hidden layers)

and the output layer, or the ``output_block`` replacing it (multi-task heads,
book 7.7).  With every regularizer off the plan adds nothing: the network is
exactly ``Dense -> activation -> ... -> Dense``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ._validation import check_interval, check_options
from .activity import ActivityPenalty
from .architecture import AuxiliaryHead, SkipEnd, SkipStart
from .batchnorm import BatchNorm
from .dropout import INFERENCE_RULES, Dropout
from .network import Dense, build_network
from .noise import GaussianNoise, PerturbedDense

__all__ = [
    "LayerConfig",
    "validate_inference_params",
    "rebuild_network",
]

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


def validate_inference_params(est):
    """Check ``dropout_inference`` and ``n_mc_samples`` (also at predict time)."""
    rule = getattr(est, "dropout_inference", "weight_scaling")
    check_options("dropout_inference", rule, list(INFERENCE_RULES))
    check_interval("n_mc_samples", getattr(est, "n_mc_samples", 1), 1, None, integer=True)
    return rule


def rebuild_network(network, old, cfg, layer_sizes, activation, loss, layout_checks=()):
    """The network for layer options ``cfg`` (``network`` itself if they did not
    change since ``old``), keeping the batch-norm running statistics.

    Options that add parameters must not change between a fit and its warm
    start or ``partial_fit``: each ``check(old, cfg)`` of ``layout_checks``
    (``Feature.check_layout`` of the features with ``changes_layout``) raises
    naming its parameter."""
    if old == cfg:
        return network
    if old is not None:
        for check in layout_checks:
            check(old, cfg)
    new = build_network(layer_sizes, activation, cfg.plan(loss))
    old_bn = [layer for layer in network.layers if isinstance(layer, BatchNorm)]
    new_bn = [layer for layer in new.layers if isinstance(layer, BatchNorm)]
    for a, b in zip(old_bn, new_bn):
        b.running_mean, b.running_var, b.n_batches = a.running_mean, a.running_var, a.n_batches
    return new
