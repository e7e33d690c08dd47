"""Where each parameter lives in the one flat parameter vector ``theta``.

All trainable parameters of a network live in one contiguous 1-D array
(float64, or float32 when the data are float32); layers, optimizers,
penalties, constraints, scipy solvers and the gradient checks all see that
same vector, and per-layer arrays are zero-copy reshaped views of it.

Order: **all weight matrices first** (layer order), then all biases, then any
other parameters (e.g. batch-norm scales and shifts).  Norm penalties apply
to weights only (book 7.1: biases are not penalized), so the penalized block
is the contiguous prefix ``theta[:n_weights]`` and the L2 term is one dot
product.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ParamSpec", "ParamLayout"]

_ROLE_ORDER = {"weight": 0, "bias": 1}


class ParamSpec:
    """One parameter array: owning layer index, name, shape and role."""

    __slots__ = ("layer", "name", "shape", "role", "offset", "size")

    def __init__(self, layer, name, shape, role):
        self.layer = layer
        self.name = name
        self.shape = tuple(int(s) for s in shape)
        self.role = role
        self.size = int(np.prod(self.shape)) if self.shape else 1
        self.offset = 0

    # pickle protocols >= 2 handle __slots__ without these; skops.io (and protocols 0-1)
    # need the state as a dict
    def __getstate__(self):
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state):
        for name, value in state.items():
            setattr(self, name, value)

    @property
    def slice(self):
        return slice(self.offset, self.offset + self.size)

    def __repr__(self):
        return f"ParamSpec(layer={self.layer}, {self.name}, {self.shape}, {self.role})"


class ParamLayout:
    """Offsets of every parameter inside theta, in declaration order per layer.

    Parameters
    ----------
    specs : list of ParamSpec
        In the order the layers declare them; offsets are assigned with all
        ``role='weight'`` specs first, then ``'bias'``, then the rest.
    """

    def __init__(self, specs):
        self.specs = list(specs)
        order = sorted(
            range(len(self.specs)),
            key=lambda i: (_ROLE_ORDER.get(self.specs[i].role, 2), i),
        )
        offset = 0
        for i in order:
            self.specs[i].offset = offset
            offset += self.specs[i].size
        self.n_params = offset
        self.n_weights = sum(s.size for s in self.specs if s.role == "weight")

    def views(self, theta):
        """Reshaped views of ``theta`` (one per spec, declaration order)."""
        return [theta[s.offset : s.offset + s.size].reshape(s.shape) for s in self.specs]

    def weight_specs(self):
        return [s for s in self.specs if s.role == "weight"]
