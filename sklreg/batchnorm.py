"""Batch normalization (book section 8.7.1; Ioffe & Szegedy 2015).

Placed on the **pre-activation** ``Z = X W`` of a hidden layer::

    mu = mean_i Z_i,   sigma = sqrt(var_i Z_i + epsilon),   Z' = (Z - mu) / sigma
    out = gamma * Z' + beta

with learned per-unit ``gamma`` (initialized to 1) and ``beta`` (to 0).  The
gradient is back-propagated *through* ``mu`` and ``sigma`` (the book insists:
otherwise the gradient keeps trying to change the statistics that the
normalization removes).  ``beta`` plays the role of the dense layer's bias,
which is redundant: the bias of a batch-normalized dense layer is kept fixed
at its initial value (``hidden_bias_init``), its gradient being exactly zero.

* Statistics are per minibatch in training (weighted by the normalized sample
  weights when there are any, so a sample weight of 2 acts like a duplicated
  row); the noise they inject regularizes, like dropout (book 8.7.1 and
  7.12; ``docs/noise_dropout.md``, "Batch normalization (8.7.1)").
* At inference, running statistics are used: the plain average of the batch
  statistics for the first ``1 / (1 - momentum)`` updates, then an
  exponential moving average ``r <- momentum * r + (1 - momentum) * batch``
  (Keras' convention for ``momentum``; PyTorch's ``momentum`` is ``1 -``
  ours).  The variance is the biased batch variance.  They are *state*, not
  parameters: they live on the layer (public attributes, kept by pickling)
  and are not in ``theta``.
* ``gamma`` and ``beta`` sit in the flat ``theta`` after the weights and
  biases (roles ``'bn_scale'`` / ``'bn_shift'``) and are never penalized.
"""

from __future__ import annotations

import numpy as np

from ._layout import ParamSpec
from .network import Context, Layer, _buffer, column_sums

__all__ = ["BatchNorm", "recalibrate_batch_norm"]


class BatchNorm(Layer):
    """Per-unit batch normalization of an ``(n, n_units)`` pre-activation.

    Parameters
    ----------
    n_units : int
    momentum : float in [0, 1)
    epsilon : float > 0
        Added to the variance (the book's delta, 1e-8 there; 1e-5 here so that
        float32 training is safe too).

    Attributes
    ----------
    running_mean, running_var : ndarray of shape (n_units,)
    n_batches : int
        Number of batch statistics averaged so far.
    """

    def __init__(self, n_units, momentum=0.9, epsilon=1e-5):
        self.n_units = int(n_units)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.running_mean = None
        self.running_var = None
        self.n_batches = 0

    def param_specs(self, index):
        n = (self.n_units,)
        return [
            ParamSpec(index, "gamma", n, "bn_scale"),
            ParamSpec(index, "beta", n, "bn_shift"),
        ]

    def init_params(self, P, rng, dtype):
        gamma, beta = P
        gamma[...] = 1.0
        beta[...] = 0.0
        self.reset_stats(dtype)

    def reset_stats(self, dtype):
        self.running_mean = np.zeros(self.n_units, dtype=dtype)
        self.running_var = np.ones(self.n_units, dtype=dtype)
        self.n_batches = 0

    def _running(self, dtype):
        if self.running_mean is None:
            self.reset_stats(dtype)
        return self.running_mean, self.running_var

    def forward(self, P, z, ctx):
        gamma, beta = P
        if not ctx.training:
            mean, var = self._running(z.dtype)
            scale = gamma / np.sqrt(var + self.epsilon)
            out = z * scale  # z may be the caller's array: never modified here
            out += beta - mean * scale
            return out
        w = ctx.sample_weight
        mu = z.mean(axis=0) if w is None else w @ z
        zhat = _buffer(self, "_zhat", z.shape, z.dtype, ctx)
        np.subtract(z, mu, out=zhat)
        sq = np.einsum("ij,ij->j", zhat, zhat) / z.shape[0] if w is None else w @ (zhat * zhat)
        inv = 1.0 / np.sqrt(sq + self.epsilon)
        zhat *= inv
        np.multiply(zhat, gamma, out=z)  # z is the dense layer's scratch output
        z += beta
        self._inv, self._w = inv, w
        self._update_running(mu, sq, z.dtype)
        return z

    def _update_running(self, mu, var, dtype):
        mean, rvar = self._running(dtype)
        rate = max(1.0 - self.momentum, 1.0 / (self.n_batches + 1))
        mean += rate * (mu - mean)
        rvar += rate * (var - rvar)
        self.n_batches += 1

    def backward(self, P, G, dy, ctx, need_dx):
        gamma, _ = P
        ggamma, gbeta = G
        zhat, inv, w = self._zhat, self._inv, self._w
        column_sums(dy, gbeta)
        ggamma[...] = np.einsum("ij,ij->j", dy, zhat)
        if not need_dx:
            return None
        # dz_i = inv * (g dy_i - a_i sum_j g dy_j - a_i zhat_i sum_j g dy_j zhat_j),
        # a_i = 1/m or the normalized sample weight
        s1, s2 = gamma * gbeta, gamma * ggamma
        dy *= gamma
        if w is None:
            m = dy.shape[0]
            dy -= s1 / m
            dy -= zhat * (s2 / m)
        else:
            dy -= w[:, None] * (s1 + zhat * s2)
        dy *= inv
        return dy


def recalibrate_batch_norm(network, theta, X, sample_weight=None):
    """Set every BatchNorm's running statistics to its statistics on ``X``.

    One inference pass in which each batch-normalized layer first measures the
    (weighted) mean and variance of its input over all of ``X`` -- the
    population statistics of Ioffe & Szegedy -- then normalizes with them.
    Used when the returned parameters are not the last minibatch iterate
    (early stopping, averaging) or were trained by a full-batch method whose
    line searches fed trial points to the running averages.
    """
    ctx = Context(training=False)
    w = None if sample_weight is None else sample_weight / sample_weight.sum()
    h = X
    for layer, p in zip(network.layers, network.layer_params(theta)):
        if isinstance(layer, BatchNorm):
            mu = h.mean(axis=0) if w is None else w @ h
            var = ((h - mu) ** 2).mean(axis=0) if w is None else w @ ((h - mu) ** 2)
            layer.running_mean = np.asarray(mu, dtype=h.dtype)
            layer.running_var = np.asarray(var, dtype=h.dtype)
        h = layer.forward(p, h, ctx)
    return network
