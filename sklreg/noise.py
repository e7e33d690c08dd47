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

Weight noise and DropConnect masks are drawn **once per minibatch** (one
perturbed weight matrix shared by the rows of the batch), not per example as
in the book: per-example perturbations cost a ``fan_in x fan_out`` matrix per
example.  The weights of *every* dense layer are perturbed (biases are not);
the gradient is taken at the perturbed weights, as the book's
``J~_W = E[(y^_{eps_W}(x) - y)^2]`` prescribes.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .network import Dense, Layer, _buffer

__all__ = ["GaussianNoise", "PerturbedDense", "smooth_labels", "AugmentHook", "scaled_mask"]


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
    resampled at every forward pass in training (one draw per minibatch).
    Gradients: ``dW = (x^T dy) * M`` and ``dx = dy W~^T``, i.e. taken at the
    perturbed weights.  Inference uses ``W`` itself (the weight-scaling rule,
    exact in expectation since ``E[W~] = W``); Monte Carlo dropout inference
    (``ctx.dropout_sampling``) samples DropConnect masks, one per pass.
    """

    def __init__(self, fan_in, fan_out, weight_noise=0.0, drop=0.0):
        super().__init__(fan_in, fan_out)
        self.weight_noise = float(weight_noise)
        self.drop = float(drop)

    def forward(self, P, x, ctx):
        noise = self.weight_noise > 0.0 and ctx.training
        drop = self.drop > 0.0 and (ctx.training or ctx.dropout_sampling)
        if ctx.training:
            self._wp = self._m = None
        if not (noise or drop):
            return super().forward(P, x, ctx)
        W, b = P
        wp = _buffer(self, "_wbuf", W.shape, W.dtype, ctx)
        if noise:
            ctx.rng.standard_normal(dtype=W.dtype, out=wp)
            wp *= self.weight_noise
            wp += W
        else:
            wp[...] = W
        m = None
        if drop:
            m = scaled_mask(ctx.rng, _buffer(self, "_mbuf", W.shape, W.dtype, ctx), 1.0 - self.drop)
            wp *= m
        if ctx.training:
            self._wp, self._m = wp, m
        return super().forward([wp, b], x, ctx)

    def backward(self, P, G, dy, ctx, need_dx):
        if self._wp is None:
            return super().backward(P, G, dy, ctx, need_dx)
        dx = super().backward([self._wp, P[1]], G, dy, ctx, need_dx)
        if self._m is not None:
            G[0] *= self._m
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
        if not np.all(np.isfinite(Ya)):
            raise ValueError(
                "augment returned a y_batch with NaN or infinite values; the augment "
                "callable must return finite targets."
            )
        return Xa, Ya, w
