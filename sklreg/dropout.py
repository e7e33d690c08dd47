"""Dropout (book section 7.12): training masks and inference rules.

**Convention.**  sklreg's ``dropout`` / ``input_dropout`` are the probability
of *dropping* a unit; the book's ``p`` is the probability of *keeping* (including)
it, so ``keep = 1 - dropout`` (the book's typical 0.8 for inputs and 0.5 for
hidden units are ``input_dropout=0.2``, ``dropout=0.5``).

**Training** (Algorithm of 7.12, Fig. 7.7): every time an example is loaded
into a minibatch a new binary mask is drawn for its input and hidden units
(one independent Bernoulli(keep) draw per example, per unit, per step; output
units are never dropped).  Kept units are divided by ``keep`` ("inverted
dropout"), so the weight-scaling rule is built in and inference needs no
rescaling.  ``dropout_type='gaussian'`` multiplies the units by
``N(1, dropout / (1 - dropout))`` noise instead -- the same mean and variance
as the inverted Bernoulli mask (variance 1 at dropout 0.5, Srivastava
et al. 2014; ``docs/noise_dropout.md``, "Dropout (7.12)").

**Inference** (:func:`dropout_predict`, eq. 7.53-7.55):

* ``'weight_scaling'`` -- the single full network (default; deterministic and
  row-independent).  Exact for softmax regression (eq. 7.66) and for networks
  without nonlinear hidden units.
* ``'monte_carlo'`` -- arithmetic mean of the output distributions of
  ``n_mc_samples`` masked passes (eq. 7.53 approximated by sampling).
* ``'geometric'`` -- normalized geometric mean of the same passes' output
  distributions (eq. 7.54-7.55).  For the canonical links this is the link of
  the *mean pre-activation*: ``softmax(mean z)`` (log-probabilities differ
  from ``z`` by a per-row constant), ``sigmoid(mean z)`` per label (the
  Bernoulli geometric mean), and for Gaussian regression outputs the mean of
  the means.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .network import Context, Layer, _buffer
from .noise import scaled_mask

__all__ = ["Dropout", "dropout_predict", "INFERENCE_RULES"]

INFERENCE_RULES = ("weight_scaling", "monte_carlo", "geometric")


class Dropout(Layer):
    """Multiplicative mask on the units of its input (one draw per example and unit).

    Parameters
    ----------
    rate : float in [0, 1)
        Drop probability (the book's keep probability is ``1 - rate``).
    kind : {'bernoulli', 'gaussian'}
        Inverted Bernoulli mask ``Bernoulli(1 - rate) / (1 - rate)``, or
        Gaussian multiplicative noise ``N(1, rate / (1 - rate))``.

    Active in training and, for Monte Carlo inference, when
    ``ctx.dropout_sampling``; the identity otherwise.  Sparse inputs are
    masked on their stored entries only (a mask on a zero has no effect).
    """

    def __init__(self, rate, kind="bernoulli"):
        self.rate = float(rate)
        self.kind = kind

    @property
    def keep(self):
        return 1.0 - self.rate

    def _fill(self, rng, m):
        if self.kind == "gaussian":
            rng.standard_normal(dtype=m.dtype, out=m)
            m *= np.sqrt(self.rate / self.keep)
            m += 1.0
            return m
        return scaled_mask(rng, m, self.keep)

    def forward(self, P, x, ctx):
        if self.rate == 0.0 or not (ctx.training or ctx.dropout_sampling):
            return x
        if sp.issparse(x):
            if not (ctx.training and ctx.need_input_grad):
                return self._forward_sparse(x, ctx)
            x = x.toarray()
        m = self._fill(ctx.rng, _buffer(self, "_mbuf", x.shape, x.dtype, ctx))
        out = _buffer(self, "_out", x.shape, x.dtype, ctx)
        np.multiply(x, m, out=out)
        if ctx.training:
            self._m = m
        return out

    def _forward_sparse(self, x, ctx):
        x = x.tocsr(copy=True)
        x.data *= self._fill(ctx.rng, np.empty(x.data.shape, dtype=x.dtype))
        if ctx.training:
            self._m = None  # first layer: no input gradient needed
        return x

    def backward(self, P, G, dy, ctx, need_dx):
        if not need_dx:
            return None
        if self.rate != 0.0:
            dy *= self._m
        return dy


def dropout_predict(objective, theta, X, rule, n_samples, seed):
    """Outputs (after the link) of the dropout ensemble by ``rule``.

    ``'monte_carlo'``: mean of ``link(z)`` over ``n_samples`` masked passes;
    ``'geometric'``: ``link(mean z)``, the renormalized geometric mean of the
    passes' output distributions.  ``seed`` makes the masks -- hence the
    predictions -- reproducible: a fresh generator is made on every call.
    """
    if rule == "weight_scaling":
        return objective.predict(theta, X)
    ctx = Context(training=False, rng=np.random.default_rng(seed), dropout_sampling=True)
    total = None
    for _ in range(n_samples):
        z = objective.network.forward(theta, X, ctx)
        if rule == "monte_carlo":
            z = objective.loss.link(z)
        if total is None:
            total = np.array(z, copy=True)
        else:
            total += z
    total /= n_samples
    return total if rule == "monte_carlo" else objective.loss.link(total)
