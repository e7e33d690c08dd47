"""Designing models to aid optimization (draft 8.7.4): skip connections and
auxiliary output heads; and multi-task heads above a shared trunk (book 7.7).

Both keep the network a flat list of layers (so every traversal of
``network.layers`` -- batch-norm statistics, activation monitors, Hessian
products -- keeps working):

* a skip connection is a pair of marker layers around the block of hidden
  layer ``l``: :class:`SkipStart` remembers the block's input ``x`` and
  :class:`SkipEnd` returns ``block(x) + x``; in backward the gradient reaching
  ``SkipEnd`` flows both through the block and, unchanged, straight to
  ``SkipStart`` (a shorter path from the output to the lower layers);
* an :class:`AuxiliaryHead` after hidden layer ``l`` is the identity in the
  network's forward pass, but during training it also maps ``h_l`` to the
  outputs with weights of its own and adds ``weight * loss(head(h_l), y)`` to
  the objective, so lower layers receive a gradient from a nearby loss.
  Predictions never use the heads.

Head parameters have the role ``'aux'``: they sit after the biases in the flat
vector and are not touched by the norm penalties or constraints (which act on
the main network's weights).

Multi-task learning (book 7.7, Fig. 7.2) replaces the output layer by one
head per task (:class:`TaskHeads`, the network's output block): the first
head layer reads the shared trunk and is an ordinary dense layer into the
concatenated heads' units; every deeper head layer is one
:class:`BlockDense` -- a block-diagonal map, task ``t``'s units reading only
task ``t``'s units -- computed for all tasks at once by batched products.
Head weights are ordinary ``'weight'`` parameters (penalized, constrained),
stored as ``(fan_in, n_tasks * fan_out)`` matrices whose column block ``t``
is task ``t``'s ``(fan_in, fan_out)`` matrix: column ``j`` is still the
incoming weight vector of unit ``j`` (max-norm per unit, initializers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._layout import ParamSpec
from .network import ActivationLayer, Dense, Layer, _buffer
from .noise import PerturbedDense

__all__ = ["SkipStart", "SkipEnd", "AuxiliaryHead", "BlockDense", "PerturbedBlockDense",
           "TaskHeads"]


class SkipStart(Layer):
    """Identity that remembers its input for the matching :class:`SkipEnd`."""

    def forward(self, P, x, ctx):
        self._x = x
        return x

    def backward(self, P, G, dy, ctx, need_dx):
        skip = self.end._skip_grad
        if dy is None:
            return skip
        dy += skip
        return dy


class SkipEnd(Layer):
    """``out = y + x`` where ``x`` is the input of the paired SkipStart."""

    def __init__(self, start):
        self.start = start
        start.end = self

    def forward(self, P, y, ctx):
        out = _buffer(self, "_out", y.shape, y.dtype, ctx)
        np.add(y, self.start._x, out=out)
        if not ctx.training:
            self.start._x = None  # do not keep inference inputs alive
        return out

    def backward(self, P, G, dy, ctx, need_dx):
        skip = _buffer(self, "_skip", dy.shape, dy.dtype, ctx)
        skip[...] = dy  # the block's backward may overwrite dy in place
        self._skip_grad = skip
        return dy


class AuxiliaryHead(Layer):
    """Auxiliary output head on a hidden layer (draft 8.7.4).

    Parameters
    ----------
    fan_in, n_outputs : int
    loss : Loss
        The network's own output loss (same targets).
    weight : float
        Weight of the auxiliary loss in the objective.
    """

    def __init__(self, fan_in, n_outputs, loss, weight):
        self.fan_in = fan_in
        self.n_outputs = n_outputs
        self.loss = loss
        self.weight = weight

    def param_specs(self, index):
        # the Dense's W and b, in the "aux" role (never penalized, after the biases)
        return [
            ParamSpec(index, f"{spec.name}_aux", spec.shape, "aux")
            for spec in self._dense().param_specs(index)
        ]

    def init_params(self, P, rng, dtype):
        W, b = P
        limit = np.sqrt(6.0 / (self.fan_in + self.n_outputs))
        W[...] = rng.uniform(-limit, limit, size=W.shape)
        b[...] = 0.0

    def forward(self, P, x, ctx):
        self._active = (
            ctx.training and ctx.extra_loss is not None and getattr(ctx, "targets", None) is not None
        )
        if not self._active:
            return x
        z = self._dense().forward(P, x, ctx)
        # z becomes dJ_aux/dz; the head's weighted loss joins the objective
        ctx.extra_loss += self.weight * self.loss.forward_backward(z, ctx.targets, ctx.sample_weight)
        self._z = z
        return x

    def backward(self, P, G, dy, ctx, need_dx):
        if not self._active:
            for g in G:
                g[...] = 0.0
            return dy
        delta = self._z
        delta *= self.weight
        dy += self._dense().backward(P, G, delta, ctx, need_dx=True)
        return dy

    def _dense(self):
        """The head's affine map (a :class:`Dense`, rebuilt after unpickling)."""
        dense = self.__dict__.get("_dense_layer")
        if dense is None:
            dense = self._dense_layer = Dense(self.fan_in, self.n_outputs)
        return dense


class BlockDense(Dense):
    """Block-diagonal affine map of ``n_tasks`` task heads (book 7.7).

    Input ``(n, n_tasks * fan_in)`` (task ``t``'s units in columns
    ``t*fan_in:(t+1)*fan_in``), output ``(n, n_tasks * fan_out)``;
    ``y_t = x_t W_t + b_t``.  ``W`` is stored as ``(fan_in, n_tasks * fan_out)``
    with ``W_t = W[:, t*fan_out:(t+1)*fan_out]``: the three products of
    :class:`~sklreg.network.Dense` become batched matrix products over the
    tasks (no loop), so forward, backward and the R-operator are inherited.
    """

    def __init__(self, n_tasks, fan_in, fan_out):
        super().__init__(fan_in, n_tasks * fan_out)
        self.groups = int(n_tasks)

    @property
    def n_in(self):
        return self.groups * self.fan_in

    def _blocks(self, a, width):
        """``(n, groups * width)`` -> ``(groups, n, width)`` view."""
        return a.reshape(a.shape[0], self.groups, width).transpose(1, 0, 2)

    def _w3(self, W):
        """``(fan_in, groups * fo)`` -> ``(groups, fan_in, fo)`` view."""
        return W.reshape(W.shape[0], self.groups, -1).transpose(1, 0, 2)

    def _xw(self, x, W, out=None):
        fo = W.shape[1] // self.groups
        if out is None:
            out = np.empty((x.shape[0], W.shape[1]), dtype=np.result_type(x, W))
        np.matmul(self._blocks(x, W.shape[0]), self._w3(W), out=self._blocks(out, fo))
        return out

    def _xt_dy(self, x, dy, out=None):
        fi, fo = self.fan_in, dy.shape[1] // self.groups
        if out is None:
            out = np.empty((fi, dy.shape[1]), dtype=np.result_type(x, dy))
        np.matmul(self._blocks(x, fi).transpose(0, 2, 1), self._blocks(dy, fo),
                  out=self._w3(out))
        return out

    def _dy_wt(self, dy, W, out=None):
        fo = W.shape[1] // self.groups
        if out is None:
            out = np.empty((dy.shape[0], self.n_in), dtype=np.result_type(dy, W))
        np.matmul(self._blocks(dy, fo), self._w3(W).transpose(0, 2, 1),
                  out=self._blocks(out, W.shape[0]))
        return out


class PerturbedBlockDense(PerturbedDense, BlockDense):
    """:class:`BlockDense` with weight noise / DropConnect (book 7.5, 7.12),
    per minibatch or per example, as :class:`~sklreg.noise.PerturbedDense`."""

    def __init__(self, n_tasks, fan_in, fan_out, weight_noise=0.0, drop=0.0,
                 per_example=False):
        BlockDense.__init__(self, n_tasks, fan_in, fan_out)
        self.weight_noise = float(weight_noise)
        self.drop = float(drop)
        self.per_example = bool(per_example)


@dataclass(frozen=True)
class TaskHeads:
    """Output block of multi-task learning (book 7.7, Fig. 7.2).

    Above the shared trunk (``hidden_layer_sizes``) every output ``t`` (task)
    gets its own head ``Dense(trunk -> h_1) -> act -> ... -> Dense(h_k -> 1)``
    with ``sizes = (h_1, ..., h_k)``; the heads of one depth are one layer:
    a dense map into the concatenated units for the first (it reads the
    shared trunk), a :class:`BlockDense` for the others.  Weight noise applies
    to every head layer; DropConnect to the first (the weights reading the
    trunk's last hidden layer), like the plain output layer.  The heads'
    hidden layers have no dropout, noise, batch norm or activity penalty
    (those act on the trunk's layers).
    """

    sizes: tuple

    def layers(self, plan, i, fan_in, n_outputs, activation):
        """The layers replacing the output layer ``i`` (see
        :func:`sklreg.network.build_network`)."""
        t = int(n_outputs)
        widths = [*self.sizes, 1]
        layers = plan.dense_block(i, fan_in, t * widths[0], hidden=False)
        noise, per_example = plan.weight_noise, plan.weight_noise_sampling == "example"
        for a, b in zip(widths[:-1], widths[1:]):
            layers.append(ActivationLayer(activation))
            if noise:
                layers.append(PerturbedBlockDense(t, a, b, noise, 0.0, per_example))
            else:
                layers.append(BlockDense(t, a, b))
        return layers
