"""Layers and the feed-forward network built from them.

A layer declares its parameters (:class:`~sklreg._layout.ParamSpec`) and
implements ``forward`` and ``backward`` side by side.  Both receive the list
of views of *its* parameters (``P``) and of their gradients (``G``) in the
flat vectors, so the same code serves the minibatch loop, the full-batch
solvers (which hand over arrays of their own) and the gradient checks.

* ``forward(P, x, ctx) -> y`` may cache what backward needs on ``self``.
* ``backward(P, G, dy, ctx, need_dx) -> dx`` writes (does not accumulate)
  the parameter gradients into ``G`` and returns ``dL/dx`` when ``need_dx``.
* optionally ``r_forward``/``r_backward``, the R-operator (Pearlmutter, 1994)
  of the two passes, for exact Hessian-vector products (:mod:`sklreg._hessian`);
  a layer without them makes those products fall back to finite differences.

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
    sample_weight : ndarray or None
        Normalized weights of the batch rows (None: uniform); batch-norm
        statistics and activation penalties are weighted like the loss.
    extra_loss : float or None
        Accumulator for penalties computed inside layers (activation
        sparsity, book 7.10); None means "don't compute them".  Set to 0.0
        and read back by :class:`~sklreg._objective.Objective`.
    dropout_sampling : bool
        Sample dropout masks outside training (Monte Carlo dropout inference).
    targets : ndarray or None
        Encoded targets of the batch (auxiliary heads compute their loss).
    """

    training: bool = False
    rng: np.random.Generator | None = None
    need_input_grad: bool = False
    sample_weight: np.ndarray | None = None
    extra_loss: float | None = None
    dropout_sampling: bool = False
    targets: np.ndarray | None = None


def _buffer(layer, attr, shape, dtype, ctx):
    """A reusable (training) or fresh (inference) array of ``shape``."""
    if not ctx.training:
        return np.empty(shape, dtype=dtype)
    buf = getattr(layer, attr, None)
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        buf = np.empty(shape, dtype=dtype)
        setattr(layer, attr, buf)
    return buf


_ONES = {}


def column_sums(a, out):
    """``out[:] = a.sum(axis=0)`` as a GEMV with a cached ones vector.

    For the (batch, units) gradients of the hot loop this is ~3x faster than
    ``np.sum(axis=0)``; used for every bias-like gradient.
    """
    key = (a.shape[0], a.dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 16:
            _ONES.clear()
        ones = _ONES[key] = np.ones(a.shape[0], dtype=a.dtype)
    return np.matmul(ones, a, out=out)


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

    # R-operator R{.} = d/dr (.)(theta + r v) at r = 0, for a direction v whose
    # per-layer views are V.  Both run after forward (training ctx) and
    # allocate fresh arrays (Hessian products are not the hot loop).
    def r_forward(self, P, V, rx, ctx):
        """R{y} from R{x} (``rx`` None: x does not depend on theta)."""
        raise NotImplementedError(
            f"{type(self).__name__} has no R-operator (exact Hessian-vector product); "
            "use hvp='fd' (finite differences of gradients)."
        )

    def r_backward(self, P, V, G, dy, rdy, ctx, need_dx):
        """Write R{dL/dP} into ``G``; return ``(dx, R{dx})`` (Nones if not need_dx)."""
        raise NotImplementedError(
            f"{type(self).__name__} has no R-operator (exact Hessian-vector product); "
            "use hvp='fd' (finite differences of gradients)."
        )

    def supports_r_op(self):
        """True when the class defining forward/backward also defines the R-ops."""
        def owner(name):
            return next(k for k in type(self).__mro__ if name in vars(k))

        return owner("r_forward") is owner("forward") is not Layer and (
            owner("r_backward") is owner("backward")
        )

    def __getstate__(self):
        # drop caches and buffers: they are per-batch scratch space
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


class Dense(Layer):
    """Affine map ``y = x W + b`` with ``W`` of shape (fan_in, fan_out).

    ``train_bias = False`` (set before a batch-norm layer, whose shift replaces
    the bias) keeps ``b`` fixed: its gradient is written as exactly zero.

    The three products of the layer -- ``x W`` (:meth:`_xw`), ``x^T dy``
    (:meth:`_xt_dy`) and ``dy W^T`` (:meth:`_dy_wt`) -- are methods, so a
    structured affine map (the block-diagonal task heads of
    :class:`sklreg.architecture.BlockDense`) inherits forward, backward and
    the R-operator by overriding them.  ``groups`` is the number of diagonal
    blocks (1: a full matrix) and ``n_in`` the width of the input.
    """

    train_bias = True
    groups = 1

    def __init__(self, fan_in, fan_out):
        self.fan_in = fan_in
        self.fan_out = fan_out

    @property
    def n_in(self):
        return self.fan_in

    def param_specs(self, index):
        return [
            ParamSpec(index, "W", (self.fan_in, self.fan_out), "weight"),
            ParamSpec(index, "b", (self.fan_out,), "bias"),
        ]

    # the three products (overridden by structured maps)
    def _xw(self, x, W, out=None):
        """``x W`` (into ``out`` when given)."""
        if sp.issparse(x):
            if out is None:
                return np.asarray(x @ W)
            out[...] = x @ W
            return out
        return np.matmul(x, W, out=out)

    def _xt_dy(self, x, dy, out=None):
        """``x^T dy``, the weight gradient (into ``out`` when given)."""
        if sp.issparse(x):
            if out is None:
                return np.asarray(x.T @ dy)
            out[...] = x.T @ dy
            return out
        return np.matmul(x.T, dy, out=out)

    def _bias_grad(self, dy, gb):
        """``gb <- sum of dy over rows`` (exactly zero for a fixed bias)."""
        if self.train_bias:
            column_sums(dy, gb)
        else:
            gb[...] = 0.0

    def _dy_wt(self, dy, W, out=None):
        """``dy W^T``, the input gradient (into ``out`` when given)."""
        return np.matmul(dy, W.T, out=out)

    def forward(self, P, x, ctx):
        W, b = P
        out = _buffer(self, "_out", (x.shape[0], self.fan_out), W.dtype, ctx)
        self._xw(x, W, out)
        out += b
        if ctx.training:
            self._x = x
        return out

    def backward(self, P, G, dy, ctx, need_dx):
        W, _ = P
        gW, gb = G
        self._xt_dy(self._x, dy, gW)
        self._bias_grad(dy, gb)
        if not need_dx:
            return None
        dx = _buffer(self, "_dx", (dy.shape[0], self.n_in), W.dtype, ctx)
        return self._dy_wt(dy, W, dx)

    def r_forward(self, P, V, rx, ctx):
        # R{x W + b} = x V_W + V_b + R{x} W
        W, _ = P
        VW, Vb = V
        ry = self._xw(self._x, VW)
        ry += Vb  # b enters the output even when it is not trained
        if rx is not None:
            ry += self._xw(rx, W)
        self._rx = rx
        return ry

    def r_backward(self, P, V, G, dy, rdy, ctx, need_dx):
        # gW = x^T dy -> R{gW} = x^T R{dy} + R{x}^T dy;  dx = dy W^T -> R{dx} = R{dy} W^T + dy V_W^T
        W, _ = P
        VW, _ = V
        gW, gb = G
        self._xt_dy(self._x, rdy, gW)
        if self._rx is not None:
            gW += self._xt_dy(self._rx, dy)
        self._bias_grad(rdy, gb)
        if not need_dx:
            return None, None
        rdx = self._dy_wt(rdy, W)
        rdx += self._dy_wt(dy, VW)
        return self._dy_wt(dy, W), rdx


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

    def supports_r_op(self):
        return hasattr(self.activation, "derivatives") and super().supports_r_op()

    def r_forward(self, P, V, rx, ctx):
        # R{f(z)} = f'(z) R{z}
        self._d1, self._d2 = self.activation.derivatives(self._a)
        self._rx = rx
        return None if rx is None else rx * self._d1

    def r_backward(self, P, V, G, dy, rdy, ctx, need_dx):
        # dz = f'(z) dy -> R{dz} = f'(z) R{dy} + f''(z) R{z} dy
        rdx = rdy * self._d1
        if self._rx is not None and not (np.isscalar(self._d2) and self._d2 == 0.0):
            rdx += dy * self._d2 * self._rx
        return dy * self._d1, rdx


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

    def layer_params(self, theta):
        """Per-layer lists of parameter views of ``theta`` (layer order)."""
        return self._split(self.layout.views(theta))

    def init_params(self, theta, rng):
        """Let every layer initialize its own parameters (e.g. batch-norm scales)."""
        for layer, p in zip(self.layers, self.layer_params(theta)):
            layer.init_params(p, rng, theta.dtype)

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

    def supports_r_op(self):
        """Whether every layer implements the R-operator (exact H v products)."""
        return all(layer.supports_r_op() for layer in self.layers)

    def r_forward(self, theta, v, ctx, rx=None):
        """``R{z} = J v``: derivative of the raw outputs along ``v`` (and along
        the input direction ``rx``, same shape as X, when given).

        Runs after :meth:`forward` at ``theta`` (training ctx, same X)."""
        P = self._split(self.layout.views(theta))
        V = self._split(self.layout.views(v))
        r = rx
        for layer, p, q in zip(self.layers, P, V):
            r = layer.r_forward(p, q, r, ctx)
        return r

    def r_backward(self, theta, v, out, dz, rdz, ctx):
        """Write ``R{grad}`` into ``out`` given ``dz`` and ``R{dz}`` at the outputs.

        After :meth:`forward` and :meth:`r_forward`; ``out`` is the data part
        of the Hessian-vector product ``H v``."""
        P = self._split(self.layout.views(theta))
        V = self._split(self.layout.views(v))
        G = self._split(self.layout.views(out))
        dy, rdy = dz, rdz
        for k in range(len(self.layers) - 1, -1, -1):
            dy, rdy = self.layers[k].r_backward(P[k], V[k], G[k], dy, rdy, ctx, k > 0)
        return out

    def coefs(self, theta):
        """(coefs, intercepts) views of the dense layers."""
        P = self._split(self.layout.views(theta))
        coefs = [P[i][0] for i in self.dense_layers]
        intercepts = [P[i][1] for i in self.dense_layers]
        return coefs, intercepts


def build_network(layer_sizes, activation, plan=None):
    """Dense -> activation -> ... -> Dense (raw outputs) for ``layer_sizes``.

    ``layer_sizes`` is ``[n_features, *hidden_layer_sizes, n_outputs]``.
    ``plan`` (a :class:`sklreg.layers.LayerConfig`, or None for the plain
    stack) supplies the layers of weight layer ``i``
    (``plan.dense_block(i, fan_in, fan_out, hidden)``: input noise/dropout,
    the dense map, batch norm) and those after hidden activation ``i``
    (``plan.hidden_block(i)``: activity penalty, hidden noise, dropout), and
    the draft-8.7.4 additions around hidden block ``i`` (``plan.skip_start`` /
    ``plan.block_end``: skip connection, auxiliary head).

    **Output block.**  When ``plan.output_block`` is not None it replaces the
    output layer (weight layer ``n_hidden``): its
    ``layers(plan, i, fan_in, n_outputs, activation)`` returns the layers
    mapping the last hidden layer (width ``fan_in``) to the ``n_outputs`` raw
    outputs -- e.g. one head per task above a shared trunk (multi-task
    learning, book 7.7, :class:`sklreg.architecture.TaskHeads`).  It may call
    ``plan.dense_block`` for its first layer, so input noise/dropout, weight
    noise and DropConnect apply to it as to the plain output layer.
    """
    layers = []
    n_hidden = len(layer_sizes) - 2
    block = getattr(plan, "output_block", None)
    for i in range(len(layer_sizes) - 1):
        skip = plan.skip_start(i, layer_sizes) if plan is not None else None
        if skip is not None:
            layers.append(skip)
        if block is not None and i == n_hidden:
            layers.extend(block.layers(plan, i, layer_sizes[i], layer_sizes[i + 1], activation))
        elif plan is None:
            layers.append(Dense(layer_sizes[i], layer_sizes[i + 1]))
        else:
            layers.extend(plan.dense_block(i, layer_sizes[i], layer_sizes[i + 1], i < n_hidden))
        if i < n_hidden:
            layers.append(ActivationLayer(activation))
            if plan is not None:
                layers.extend(plan.hidden_block(i))
                layers.extend(plan.block_end(i, skip, layer_sizes))
    return Network(layers)
