"""Noise robustness (book 7.4, 7.5): Gaussian noise on the inputs, the hidden
units and the weights, drawn at every minibatch in training only.  The
layers are :class:`~sklreg.noise.GaussianNoise` and
:class:`~sklreg.noise.PerturbedDense`; this feature declares the parameters
and plans them into the layer stack (:meth:`Noise.layer_options`)."""

from __future__ import annotations

from .._validation import check_per_layer
from ._base import Feature, Param, interval, is_on, options, register

__all__ = ["Noise"]


def _per_layer(value):
    return value  # checked against the architecture in layer_options


@register
class Noise(Feature):
    name, section = "noise", "7.4, 7.5"
    example = {"input_noise": 0.05, "hidden_noise": 0.1, "weight_noise": 0.01}
    stochastic = True
    params = (
        Param("input_noise", 0.0, interval("input_noise", 0.0, None), """
    input_noise : float, default=0.0
        Standard deviation of Gaussian noise added to every input entry of
        every minibatch, in training only (book 7.4 dataset augmentation and
        7.5 noise robustness).  For a linear model with squared loss, noise of
        variance ``nu = input_noise**2`` is equivalent in expectation to the
        L2 penalty ``alpha = nu`` (Bishop 1995).  Densifies sparse minibatches.""", anneal_max=float("inf")),
        Param("hidden_noise", 0.0, _per_layer, """
    hidden_noise : float or sequence of float, default=0.0
        Standard deviation of Gaussian noise on the hidden units (after the
        activation), in training only (book 7.5); one value or one per hidden
        layer.""", per_layer="hidden", anneal_max=float("inf")),
        Param("hidden_noise_type", "additive",
              options("hidden_noise_type", ["additive", "multiplicative"]),
              """
    hidden_noise_type : {'additive', 'multiplicative'}, default='additive'
        ``h + s e`` or ``h (1 + s e)``, ``e ~ N(0, 1)``.  Multiplicative noise
        cannot be defeated by growing the activations (book 7.12)."""),
        Param("weight_noise", 0.0, interval("weight_noise", 0.0, None), """
    weight_noise : float, default=0.0
        Standard deviation of Gaussian noise added to all weights (not the
        biases) at every minibatch, in training only; the gradient is taken
        at the perturbed weights (book 7.5, eq. 7.30-7.33; favours flat
        minima).  One perturbation per minibatch by default; the book's one
        per example with ``weight_noise_sampling='example'``.""", anneal_max=float("inf")),
    )

    def active(self, est):
        return bool(self.stochastic_settings(est))

    def stochastic_settings(self, est):
        return [p for p in ("input_noise", "hidden_noise", "weight_noise")
                if is_on(getattr(est, p))]

    def layer_options(self, est, hidden):
        return {
            "input_noise": float(est.input_noise),
            "hidden_noise": tuple(check_per_layer("hidden_noise", est.hidden_noise,
                                                  len(hidden))),
            "hidden_noise_type": est.hidden_noise_type,
            "weight_noise": float(est.weight_noise),
        }
