"""Designing models to aid optimization (draft 8.7.4): skip connections and
auxiliary output heads.

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
"""

from __future__ import annotations

import numpy as np

from ._layout import ParamSpec
from .network import Dense, Layer, _buffer

__all__ = ["SkipStart", "SkipEnd", "AuxiliaryHead"]


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
