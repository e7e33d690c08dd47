"""Data-driven initial scale, ``init='lsuv'`` (book 8.4; Mishkin & Matas 2015).

Book 8.4: "a good rule of thumb for choosing the initial scales is to look at
the range or standard deviation of activations [...] on a single minibatch of
data [...] This procedure can in principle be automated" -- which is what
layer-sequential unit-variance initialization does.  The weights are drawn
orthogonal by :class:`sklreg.initializers.LSUV`; before training, this feature
takes ``LSUV.batch_size`` training rows and, for each hidden layer from the
input up, divides its weight matrix by the standard deviation of the layer's
pre-activations (the dense layer's output, over all rows and units), until
their variance is within ``LSUV.tol`` of 1.

Choices:

* The network runs in inference mode: dropout and noise layers are off
  (inverted dropout needs no rescaling), batch norm uses its initial running
  statistics (mean 0, variance 1) and the variance is measured *before* the
  batch-norm layer, which normalizes anyway (LSUV then only fixes the scale of
  the dense outputs).  Skip connections and auxiliary heads are part of the
  forward pass as usual; auxiliary heads keep their own initialization.
* The output layer keeps its orthogonal draw (its scale is the loss's
  business, not the next layer's); biases are ``hidden_bias_init`` and the
  marginal output bias as usual.  Sample weights are not used to pick or
  weight the rows.
* Only the first fit initializes (warm starts and ``partial_fit`` continue);
  the retraining of Algorithm 7.2 (new parameters) rescales again.
* A layer whose pre-activations have zero variance on the batch (all inputs
  constant) cannot be rescaled: it is left as drawn, with a warning.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..initializers import is_lsuv
from ..network import Context
from ._base import Feature, register

__all__ = ["LSUVInit", "lsuv_rescale"]


def lsuv_rescale(network, theta, X, init, rng):
    """Rescale the hidden dense layers of ``theta`` in place (see the module
    docstring); returns the final pre-activation variance of each hidden
    layer on the batch."""
    n = X.shape[0]
    rows = np.sort(rng.choice(n, min(int(init.batch_size), n), replace=False))
    h = X[rows]
    ctx = Context(training=False)
    hidden = set(network.dense_layers[:-1])
    variances = []
    for k, (layer, P) in enumerate(zip(network.layers, network.layer_params(theta))):
        out = layer.forward(P, h, ctx)
        if k in hidden:
            var = _variance(out)
            for _ in range(int(init.max_iter)):
                if abs(var - 1.0) < init.tol or not var > 0.0 or not np.isfinite(var):
                    break
                P[0] *= 1.0 / np.sqrt(var)
                out = layer.forward(P, h, ctx)
                var = _variance(out)
            if not var > 0.0:
                warnings.warn(
                    f"init='lsuv': the pre-activations of hidden layer {len(variances) + 1} "
                    "have zero variance on the training batch, so its weights cannot be "
                    "rescaled and were left as drawn. Check for constant input features "
                    "or use another init.", UserWarning,
                )
            variances.append(var)
        h = out
    return variances


def _variance(a):
    a = a.toarray() if hasattr(a, "toarray") else np.asarray(a)
    return float(np.var(a, dtype=np.float64))


@register
class LSUVInit(Feature):
    """Applies ``init='lsuv'`` (no constructor parameter of its own)."""

    name, section = "lsuv", "8.4"
    example = {"init": "lsuv"}
    params = ()

    def active(self, est):
        return is_lsuv(est.init)

    def validate(self, est):
        super().validate(est)
        if self.active(est) and getattr(est, "pretraining", None) is not None:
            raise ValueError(
                f"init={est.init!r} rescales every hidden layer of a fresh network on the "
                f"data and cannot be combined with pretraining={est.pretraining!r}, which "
                "replaces the first layers by pretrained ones: use init='orthogonal' (or "
                "another random init) with pretraining, or pretraining=None."
            )

    def before_training(self, trainer, data):
        if not (trainer.first and self.active(trainer.params)):
            return
        init = trainer.params.init
        seed = int(trainer.rng.integers(2**63))

        def hook(theta):  # also after Algorithm 7.2's reinitialization
            lsuv_rescale(trainer.objective.network, theta, data.X, init,
                         np.random.default_rng(seed))

        hook(trainer.theta)
        trainer.init_hooks.append(hook)
