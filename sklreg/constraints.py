"""Explicit norm constraints applied by reprojection (book section 7.2).

Instead of a penalty, the weights are kept inside a norm ball: after every
optimizer update the parameters are projected back to the nearest point of
the feasible set (projected SGD).  The book gives two reasons to prefer this
to a penalty: reprojection only acts when weights try to leave the region,
so it does not pull weights toward the origin (no "dead units" from a too
strong penalty), and it stops the positive feedback loop large weights ->
large gradients -> large updates that can make training diverge at high
learning rates (Hinton et al. 2012 combine max-norm with a high learning
rate).  The per-unit form -- each column of a weight matrix, i.e. each
unit's incoming weight vector -- is the max-norm constraint of Srebro &
Shraibman (2005) and Srivastava et al. (2014) that the book recommends.

A constraint is bound to a :class:`~sklreg._layout.ParamLayout` and called as
a step hook ``constraint(theta, lr)`` of the training loop, which projects
``theta`` in place (and, through ``begin(theta)``, projects the start point
of every training phase).  Biases are never constrained (book 7.1).
"""

from __future__ import annotations

from numbers import Real

import numpy as np

__all__ = ["MaxNorm", "project_l2_ball"]


def project_l2_ball(w, radius):
    """Euclidean projection of ``w`` onto ``{v : ||v||_2 <= radius}`` (in place).

    ``w <- w * min(1, radius / ||w||_2)``; a point inside the ball is returned
    unchanged.  Returns ``w``.
    """
    norm = float(np.sqrt(np.dot(w.ravel(), w.ravel())))
    if norm > radius:
        w *= radius / norm
    return w


class MaxNorm:
    """Max-norm constraint by reprojection after every update (book 7.2).

    Parameters
    ----------
    max_value : float or sequence of (float or None)
        Radius ``c`` of the norm ball, one value for every weight matrix or
        one per weight matrix (``None`` leaves that matrix unconstrained, e.g.
        ``[3.0, 3.0, None]`` constrains the two hidden layers of a
        two-hidden-layer net but not its output layer).
    scope : {'unit', 'layer'}, default='unit'
        'unit': each column of a weight matrix ``W`` of shape
        (fan_in, fan_out) -- the incoming weight vector of one unit, the
        book's ``h = g(W^T x + b)`` -- is rescaled to norm ``c`` if its norm
        exceeds ``c``; columns inside the ball are left untouched.
        'layer': the whole matrix is projected onto the Frobenius ball
        ``||W||_F <= c``.

    Notes
    -----
    The projection onto the intersection of per-column balls is the
    column-wise rescaling ``W[:, j] *= min(1, c / ||W[:, j]||)``, computed for
    all columns of a matrix in one vectorized operation.  After projection
    every constrained norm is ``<= c`` up to rounding (relative ``~1e-15`` in
    float64).
    """

    def __init__(self, max_value, scope="unit"):
        self.max_value = max_value
        self.scope = scope

    def bind(self, layout):
        """Resolve the per-matrix radii for ``layout``; returns self."""
        if self.scope not in ("unit", "layer"):
            raise ValueError(
                f"Invalid value for parameter 'max_norm_scope': {self.scope!r}. "
                "Allowed values are ['layer', 'unit']."
            )
        specs = layout.weight_specs()
        if isinstance(self.max_value, Real):
            radii = [float(self.max_value)] * len(specs)
        else:
            radii = list(self.max_value)
            if len(radii) != len(specs):
                raise ValueError(
                    f"max_norm has {len(radii)} values but the network has {len(specs)} "
                    "weight matrices."
                )
        self.layout = layout
        self._targets = [
            (s.offset, s.size, s.shape, float(c))
            for s, c in zip(specs, radii)
            if c is not None
        ]
        return self

    def project(self, theta):
        """Project the constrained weight matrices of ``theta`` in place."""
        for offset, size, shape, c in self._targets:
            W = theta[offset : offset + size].reshape(shape)
            if self.scope == "layer":
                project_l2_ball(W, c)
                continue
            norms = np.sqrt(np.einsum("ij,ij->j", W, W))
            over = norms > c
            if over.any():
                # only the columns outside the ball are rescaled (bitwise untouched otherwise)
                W[:, over] *= (c / norms[over]).astype(W.dtype, copy=False)
        return theta

    def __call__(self, theta, lr=None):
        """Step-hook form: ``hook(theta, lr)``."""
        self.project(theta)

    def begin(self, theta):
        """Called by the training loop before the first update of a phase: the
        start point is projected too, so every iterate is feasible."""
        self.project(theta)

    def __repr__(self):
        return f"MaxNorm(max_value={self.max_value!r}, scope={self.scope!r})"
