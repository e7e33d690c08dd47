"""Layers and the feed-forward network built from them.

A layer declares its parameters (:class:`~sklreg._layout.ParamSpec`) and
implements ``forward`` and ``backward`` side by side.  Both receive the list
of views of *its* parameters (``P``) and of their gradients (``G``) in the
flat vectors, so the same code serves the minibatch loop, the full-batch
solvers (which hand over arrays of their own) and the gradient checks.

* ``forward(P, x, ctx) -> y`` may cache what backward needs on ``self``.
* ``backward(P, G, dy, ctx, need_dx) -> dx`` writes (does not accumulate)
  the parameter gradients into ``G`` and returns ``dL/dx`` when ``need_dx``.

``ctx`` (:class:`Context`) says whether we are training (stochastic layers
are active, preallocated buffers are reused) and carries the random
generator for noise and dropout.  Buffers are reused only during training:
one forward/backward pair runs at a time, and inference never keeps a large
buffer alive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._layout import ParamLayout, ParamSpec

__all__ = ["Context", "Layer", "Dense", "ActivationLayer", "Network"]


@dataclass
class Context:
    """Per-call information for layers.

    training : bool
        Training mode: stochastic regularizers active, buffers reused.
    rng : numpy.random.Generator or None
        Source of noise/dropout masks during training.
    need_input_grad : bool
        Whether backward must return dL/dX for the network input.
    """

    training: bool = False
    rng: np.random.Generator | None = None
    need_input_grad: bool = False


def _buffer(layer, attr, shape, dtype, ctx):
    """A reusable (training) or fresh (inference) array of ``shape``."""
    if not ctx.training:
        return np.empty(shape, dtype=dtype)
    buf = getattr(layer, attr, None)
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        buf = np.empty(shape, dtype=dtype)
        setattr(layer, attr, buf)
    return buf


class Layer:
    """Base class; parameter-free layers need only forward/backward."""

    def param_specs(self, index):
        return []

    def init_params(self, P, rng, dtype):
        """Fill this layer's parameter views at initialization."""

    def forward(self, P, x, ctx):
        raise NotImplementedError

    def backward(self, P, G, dy, ctx, need_dx):
        raise NotImplementedError

    def __getstate__(self):
        # drop caches and buffers: they are per-batch scratch space
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


class Dense(Layer):
    """Affine map ``y = x W + b`` with ``W`` of shape (fan_in, fan_out)."""

    def __init__(self, fan_in, fan_out):
        self.fan_in = fan_in
        self.fan_out = fan_out

    def param_specs(self, index):
        return [
            ParamSpec(index, "W", (self.fan_in, self.fan_out), "weight"),
            ParamSpec(index, "b", (self.fan_out,), "bias"),
        ]

    def forward(self, P, x, ctx):
        W, b = P
        out = _buffer(self, "_out", (x.shape[0], self.fan_out), W.dtype, ctx)
        if sp.issparse(x):
            out[...] = x @ W
        else:
            np.matmul(x, W, out=out)
        out += b
        if ctx.training:
            self._x = x
        return out

    def backward(self, P, G, dy, ctx, need_dx):
        W, _ = P
        gW, gb = G
        x = self._x
        if sp.issparse(x):
            gW[...] = x.T @ dy
        else:
            np.matmul(x.T, dy, out=gW)
        np.sum(dy, axis=0, out=gb)
        if not need_dx:
            return None
        dx = _buffer(self, "_dx", (dy.shape[0], self.fan_in), W.dtype, ctx)
        return np.matmul(dy, W.T, out=dx)


class ActivationLayer(Layer):
    """Element-wise activation, applied in place on its input buffer."""

    def __init__(self, activation):
        self.activation = activation

    def forward(self, P, x, ctx):
        a = self.activation.forward(x)
        if ctx.training:
            self._a = a
        return a

    def backward(self, P, G, dy, ctx, need_dx):
        return self.activation.backward(dy, self._a)


class Network:
    """A sequence of layers over one flat parameter vector.

    Parameters
    ----------
    layers : list of Layer
    """

    def __init__(self, layers):
        self.layers = list(layers)
        specs, self._index = [], []
        for i, layer in enumerate(self.layers):
            own = layer.param_specs(i)
            self._index.append(list(range(len(specs), len(specs) + len(own))))
            specs.extend(own)
        self.layout = ParamLayout(specs)
        self.dense_layers = [i for i, l in enumerate(self.layers) if isinstance(l, Dense)]

    @property
    def n_params(self):
        return self.layout.n_params

    def _split(self, views):
        return [[views[j] for j in idx] for idx in self._index]

    def forward(self, theta, X, ctx):
        """Raw outputs (pre-link) of the network for X."""
        P = self._split(self.layout.views(theta))
        h = X
        for layer, p in zip(self.layers, P):
            h = layer.forward(p, h, ctx)
        return h

    def backward(self, theta, grad, dz, ctx):
        """Back-propagate ``dz`` (gradient at the raw output) into ``grad``.

        Returns dL/dX when ``ctx.need_input_grad``.
        """
        P = self._split(self.layout.views(theta))
        G = self._split(self.layout.views(grad))
        dy = dz
        last = len(self.layers) - 1
        for k in range(last, -1, -1):
            need = k > 0 or ctx.need_input_grad
            dy = self.layers[k].backward(P[k], G[k], dy, ctx, need)
        return dy

    def coefs(self, theta):
        """(coefs, intercepts) views of the dense layers."""
        P = self._split(self.layout.views(theta))
        coefs = [P[i][0] for i in self.dense_layers]
        intercepts = [P[i][1] for i in self.dense_layers]
        return coefs, intercepts


def build_network(layer_sizes, activation):
    """Dense -> activation -> ... -> Dense (raw outputs) for ``layer_sizes``.

    ``layer_sizes`` is ``[n_features, *hidden_layer_sizes, n_outputs]``.
    """
    layers = []
    n_hidden = len(layer_sizes) - 2
    for i in range(len(layer_sizes) - 1):
        layers.append(Dense(layer_sizes[i], layer_sizes[i + 1]))
        if i < n_hidden:
            layers.append(ActivationLayer(activation))
    return Network(layers)
