"""Noise robustness and dataset augmentation (book sections 7.4, 7.5, 7.5.1).

* :class:`GaussianNoise` -- Gaussian noise on the inputs (7.4/7.5, Sietsma &
  Dow) or on hidden units (7.5, Poole et al.): additive ``h + s * e`` or
  multiplicative ``h * (1 + s * e)`` with ``e ~ N(0, 1)`` drawn per entry,
  i.e. per example, per unit and per step.
* :class:`PerturbedDense` -- a dense layer whose weights are perturbed while
  training: additive Gaussian **weight noise** (7.5, eq. 7.30-7.33) and/or
  **DropConnect** masks (7.12, Wan et al. 2013).
* :func:`smooth_labels` -- label smoothing, noise on the output targets
  (7.5.1), incorporated analytically (no sampling).
* :class:`AugmentHook` -- runs a user ``augment`` callable on every minibatch
  (dataset augmentation, 7.4).

All of them are active only in training (``ctx.training``): prediction is
deterministic and row-independent.  Noise is drawn from ``ctx.rng`` (seeded
from the estimator's ``random_state``) into per-layer buffers reused from
batch to batch, in the dtype of the data (float32 stays float32).

Weight noise and DropConnect masks are drawn **once per minibatch** by
default (``weight_noise_sampling='batch'``: one perturbed weight matrix shared
by the rows of the batch), or **once per example** as in the book
(``weight_noise_sampling='example'``: row ``i`` gets its own
``W~_i = (W + s E_i) * M_i``, ``y_i = x_i W~_i + b``), which keeps a
``batch x fan_in x fan_out`` array of perturbed weights (two with DropConnect)
per layer; fits needing more than :data:`PER_EXAMPLE_MAX_BYTES` for them are
refused.  The weights of *every* dense layer are perturbed (biases are not);
the gradient is taken at the perturbed weights, as the book's
``J~_W = E[(y^_{eps_W}(x) - y)^2]`` prescribes.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .network import Dense, Layer, _buffer

__all__ = [
    "GaussianNoise", "PerturbedDense", "smooth_labels", "AugmentHook", "scaled_mask",
    "PER_EXAMPLE_MAX_BYTES", "per_example_bytes", "check_per_example_memory",
]

#: memory bound (bytes) of the per-example perturbed weights of a minibatch
#: (``weight_noise_sampling='example'``): fits above it are refused with a
#: message naming ``batch_size``.  Read at every check, so it can be raised.
PER_EXAMPLE_MAX_BYTES = 256 * 2**20


def per_example_bytes(batch, n_weights, itemsize, masked):
    """Bytes of one layer's per-example buffers: the perturbed weights of every
    row, and the DropConnect masks when ``masked``."""
    return int(batch) * int(n_weights) * int(itemsize) * (2 if masked else 1)


def check_per_example_memory(nbytes, batch, where="this network"):
    """Refuse per-example perturbations needing more than PER_EXAMPLE_MAX_BYTES."""
    limit = PER_EXAMPLE_MAX_BYTES
    if nbytes > limit:
        raise ValueError(
            f"weight_noise_sampling='example' draws one perturbed weight matrix per row: "
            f"a batch of {batch} rows needs {nbytes / 2**20:.0f} MiB for {where}, above the "
            f"bound sklreg.noise.PER_EXAMPLE_MAX_BYTES = {limit / 2**20:.0f} MiB "
            "(memory ~ batch_size x fan_in x fan_out per layer, twice that with "
            "DropConnect). Lower batch_size, use narrower layers, or "
            "weight_noise_sampling='batch' (one perturbation per minibatch)."
        )


def scaled_mask(rng, out, keep):
    """Fill ``out`` with an inverted-dropout mask: ``1/keep`` w.p. ``keep``, else 0."""
    rng.random(dtype=out.dtype, out=out)
    np.less(out, keep, out=out)  # 1.0 where kept, 0.0 where dropped
    out *= 1.0 / keep
    return out


def _dense(x):
    return x.toarray() if sp.issparse(x) else x


class GaussianNoise(Layer):
    """Gaussian noise of standard deviation ``std`` on its input, in training only.

    Parameters
    ----------
    std : float
        Standard deviation ``s`` (the book's variance is ``nu = s**2``).
    mode : {'additive', 'multiplicative'}
        ``x + s e`` or ``x (1 + s e)``, ``e ~ N(0, 1)``.  Multiplicative noise
        cannot be defeated by making the units large (book 7.12).

    Sparse inputs are densified (noise hits the zeros too).
    """

    def __init__(self, std, mode="additive"):
        self.std = float(std)
        self.mode = mode

    def forward(self, P, x, ctx):
        if not ctx.training or self.std == 0.0:
            return x
        x = _dense(x)
        out = _buffer(self, "_out", x.shape, x.dtype, ctx)
        if self.mode == "additive":
            ctx.rng.standard_normal(dtype=x.dtype, out=out)
            out *= self.std
            out += x
            return out
        m = _buffer(self, "_mask", x.shape, x.dtype, ctx)
        ctx.rng.standard_normal(dtype=x.dtype, out=m)
        m *= self.std
        m += 1.0
        np.multiply(x, m, out=out)
        self._m = m
        return out

    def backward(self, P, G, dy, ctx, need_dx):
        if not need_dx:
            return None
        if self.mode == "multiplicative" and self.std != 0.0:
            dy *= self._m
        return dy


class PerturbedDense(Dense):
    """Dense layer with weight noise and/or DropConnect while training.

    ``y = x W~ + b`` with ``W~ = (W + s E) * M``: ``E ~ N(0, 1)`` per weight
    (``s = weight_noise``) and ``M`` an inverted DropConnect mask (each weight
    kept with probability ``1 - drop`` and scaled by ``1 / (1 - drop)``), both
    resampled at every forward pass in training: one draw per minibatch, or
    with ``per_example=True`` one per row (``y_i = x_i W~_i + b``, book 7.5
    and 7.12), computed as one batched product over the rows.
    Gradients, taken at the perturbed weights: per minibatch
    ``dW = (x^T dy) * M`` and ``dx = dy W~^T``; per example
    ``dW = sum_i (x_i^T dy_i) * M_i`` (``x^T dy`` for additive noise alone:
    the noise does not change it) and ``dx_i = dy_i W~_i^T``.  Inference uses
    ``W`` itself (the weight-scaling rule, exact in expectation since
    ``E[W~] = W``); Monte Carlo dropout inference (``ctx.dropout_sampling``)
    samples DropConnect masks, one per pass (also with ``per_example``).
    """

    per_example = False  # (pickles of earlier versions)

    def __init__(self, fan_in, fan_out, weight_noise=0.0, drop=0.0, per_example=False):
        super().__init__(fan_in, fan_out)
        self.weight_noise = float(weight_noise)
        self.drop = float(drop)
        self.per_example = bool(per_example)

    def forward(self, P, x, ctx):
        noise = self.weight_noise > 0.0 and ctx.training
        drop = self.drop > 0.0 and (ctx.training or ctx.dropout_sampling)
        if ctx.training:
            self._wp = self._m = None
            self._rows = False
        if not (noise or drop):
            return super().forward(P, x, ctx)
        if ctx.training and self.per_example:
            return self._forward_rows(P, x, ctx, noise, drop)
        W, b = P
        wp, m = self._perturb(W, _buffer(self, "_wbuf", W.shape, W.dtype, ctx), "_mbuf", ctx,
                              noise, drop)
        if ctx.training:
            self._wp, self._m = wp, m
        return super().forward([wp, b], x, ctx)

    def backward(self, P, G, dy, ctx, need_dx):
        if self._rows:
            return self._backward_rows(P, G, dy, ctx, need_dx)
        if self._wp is None:
            return super().backward(P, G, dy, ctx, need_dx)
        dx = super().backward([self._wp, P[1]], G, dy, ctx, need_dx)
        if self._m is not None:
            G[0] *= self._m
        return dx

    def _perturb(self, W, wp, mask_buffer, ctx, noise, drop):
        """``wp <- (W + noise * e) * m`` (one draw of the shape of ``wp``: one
        matrix, or one per row); returns ``(wp, m or None)``."""
        if noise:
            ctx.rng.standard_normal(dtype=W.dtype, out=wp)
            wp *= self.weight_noise
            wp += W
        else:
            wp[...] = W
        m = None
        if drop:
            m = scaled_mask(ctx.rng, _buffer(self, mask_buffer, wp.shape, W.dtype, ctx),
                            1.0 - self.drop)
            wp *= m
        return wp, m

    # ------------------------------------------------- one draw per example
    def _views(self, W, n):
        """``(groups, fan_in, fan_out)`` of one diagonal block, and a reshape of
        a per-row weight array ``(n, *W.shape)`` to ``(n, fan_in, groups, fan_out)``."""
        g = self.groups
        fi, fo = W.shape[0], W.shape[1] // g
        return g, fi, fo, (lambda a: a.reshape(n, fi, g, fo))

    def _forward_rows(self, P, x, ctx, noise, drop):
        W, b = P
        x = _dense(x)
        n = x.shape[0]
        check_per_example_memory(
            per_example_bytes(n, W.size, W.itemsize, drop), n,
            f"a {W.shape[0]} x {W.shape[1]} weight matrix",
        )
        wp, m = self._perturb(W, _buffer(self, "_rows_w", (n, *W.shape), W.dtype, ctx),
                              "_rows_m", ctx, noise, drop)
        g, fi, fo, per_row = self._views(W, n)
        out = _buffer(self, "_out", (n, self.fan_out), W.dtype, ctx)
        # y_i = x_i W~_i (each diagonal block g of a block-diagonal map on its own)
        np.einsum("bgi,bigo->bgo", x.reshape(n, g, fi), per_row(wp), out=out.reshape(n, g, fo))
        out += b
        self._x, self._wp, self._m, self._rows = x, wp, m, True
        return out

    def _backward_rows(self, P, G, dy, ctx, need_dx):
        W, _ = P
        gW, gb = G
        n = dy.shape[0]
        g, fi, fo, per_row = self._views(W, n)
        if self._m is None:  # additive noise: dL/dW = sum_i x_i^T dy_i = x^T dy
            self._xt_dy(self._x, dy, gW)
        else:  # dL/dW = sum_i (x_i^T dy_i) * M_i
            np.einsum("bgi,bgo,bigo->igo", self._x.reshape(n, g, fi), dy.reshape(n, g, fo),
                      per_row(self._m), out=gW.reshape(fi, g, fo))
        self._bias_grad(dy, gb)
        if not need_dx:
            return None
        dx = _buffer(self, "_dx", (n, self.n_in), W.dtype, ctx)
        np.einsum("bgo,bigo->bgi", dy.reshape(n, g, fo), per_row(self._wp),
                  out=dx.reshape(n, g, fi))
        return dx


def smooth_labels(Y, eps, softmax):
    """Label-smoothed targets (book 7.5.1).

    Softmax with ``k`` classes: the true class gets ``1 - eps`` and every other
    class ``eps / (k - 1)`` (rows still sum to one).  Independent sigmoid units
    (binary and multilabel): targets ``eps`` and ``1 - eps``.
    """
    Y = np.asarray(Y)
    if eps == 0.0:
        return Y
    if softmax:
        k = Y.shape[1]
        return Y * (1.0 - eps) + (1.0 - Y) * (eps / (k - 1))
    return Y * (1.0 - 2.0 * eps) + eps


class AugmentHook:
    """Minibatch hook running ``augment(X_batch, y_batch, rng) -> (X_batch, y_batch)``.

    The user callable sees the *raw* targets of the batch (class labels as
    passed to ``fit``, or the regression targets), decoded from the encoded
    training targets; what it returns is encoded again (and label-smoothed)
    with ``encode``.  It may return a different number of rows (e.g. append
    transformed copies) unless sample weights are used.

    Parameters
    ----------
    augment : callable
    decode, encode : callable
        Encoded targets -> raw targets and back.
    rng : numpy.random.Generator
        Passed to ``augment``.
    n_features : int
    dtype : numpy dtype
    """

    def __init__(self, augment, decode, encode, rng, n_features, dtype):
        self.augment = augment
        self.decode = decode
        self.encode = encode
        self.rng = rng
        self.n_features = n_features
        self.dtype = dtype

    def __call__(self, Xb, Yb, w, idx):
        out = self.augment(Xb, self.decode(Yb), self.rng)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise ValueError(
                "augment must return a tuple (X_batch, y_batch); got "
                f"{type(out).__name__}."
            )
        Xa, ya = out
        Xa = Xa.tocsr() if sp.issparse(Xa) else np.asarray(Xa)
        if Xa.ndim != 2 or Xa.shape[1] != self.n_features:
            raise ValueError(
                f"augment returned X_batch of shape {Xa.shape}; expected "
                f"(n_rows, {self.n_features})."
            )
        ya = np.asarray(ya)
        if ya.shape[0] != Xa.shape[0]:
            raise ValueError(
                f"augment returned {Xa.shape[0]} rows of X_batch but {ya.shape[0]} of y_batch."
            )
        if w is not None and Xa.shape[0] != len(idx):
            raise ValueError(
                "augment changed the number of rows of the minibatch, which is not "
                "supported together with sample_weight (or class_weight)."
            )
        Xa = Xa.astype(self.dtype, copy=False)
        if not np.all(np.isfinite(Xa.data if sp.issparse(Xa) else Xa)):
            raise ValueError(
                "augment returned an X_batch with NaN or infinite values; the augment "
                "callable must return finite inputs."
            )
        Ya = np.asarray(self.encode(ya), dtype=self.dtype)
        # NaN targets are missing labels where the batch had some (multi-task, 7.7)
        bad = np.isinf(Ya) if np.isnan(Yb).any() else ~np.isfinite(Ya)
        if np.any(bad):
            raise ValueError(
                "augment returned a y_batch with NaN or infinite values; the augment "
                "callable must return finite targets (NaN only as missing labels of a "
                "multi-task regressor whose y_batch had some)."
            )
        return Xa, Ya, w
