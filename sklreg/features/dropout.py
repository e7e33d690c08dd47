"""Dropout (book 7.12): Bernoulli or Gaussian masks on units, DropConnect masks
on weights, and the inference rules of the dropout ensemble.  The layers are
:class:`~sklreg.dropout.Dropout` and :class:`~sklreg.noise.PerturbedDense`."""

from __future__ import annotations

from .._validation import check_per_layer
from ..dropout import INFERENCE_RULES
from ._base import Feature, Param, interval, options, is_on, register

__all__ = ["DropoutFeature"]


@register
class DropoutFeature(Feature):
    name, section = "dropout", "7.12"
    example = {"dropout": 0.2, "input_dropout": 0.1}
    stochastic = True
    params = (
        Param("dropout", 0.0, lambda v: v, """
    dropout : float or sequence of float, default=0.0
        Probability of DROPPING each hidden unit, per example and per update
        (book 7.12), one value or one per hidden layer.  The book's ``p`` is
        the probability of KEEPING a unit: ``keep = 1 - dropout`` (the book's
        typical hidden keep probability 0.5 is ``dropout=0.5``).  Inverted
        dropout: kept units are divided by ``keep`` in training, so the
        weight-scaling inference rule needs no rescaling at predict time.
        No effect without hidden layers (use ``input_dropout``).""", per_layer="hidden", anneal_max=1.0),
        Param("input_dropout", 0.0, interval("input_dropout", 0.0, 1.0, closed="left"),
              """
    input_dropout : float, default=0.0
        Probability of dropping each input unit (book 7.12; its typical keep
        probability 0.8 is ``input_dropout=0.2``).""", anneal_max=1.0),
        Param("dropout_type", "bernoulli",
              options("dropout_type", ["bernoulli", "gaussian", "dropconnect"]),
              """
    dropout_type : {'bernoulli', 'gaussian', 'dropconnect'}, default='bernoulli'
        'bernoulli': binary masks (book 7.12).  'gaussian': multiplicative
        ``N(1, dropout / (1 - dropout))`` noise, same mean and variance as the
        inverted binary mask (book 7.12, Srivastava et al. 2014).
        'dropconnect': masks on individual weights (book 7.12, Wan et al.
        2013): ``dropout``/``input_dropout`` become the drop probability of
        each weight *reading* that layer; one mask per minibatch (shared by
        its rows), or one per example with ``weight_noise_sampling='example'``."""),
        Param("dropout_inference", "weight_scaling",
              options("dropout_inference", list(INFERENCE_RULES)), """
    dropout_inference : {'weight_scaling', 'monte_carlo', 'geometric'}, default='weight_scaling'
        How predictions average the dropout ensemble (book 7.12, eq.
        7.53-7.55): 'weight_scaling' uses the full network (deterministic;
        exact for softmax regression, eq. 7.66); 'monte_carlo' averages the
        output distributions of ``n_mc_samples`` masked passes; 'geometric'
        takes their renormalized geometric mean.  The sampled rules are
        reproducible (a seed drawn at fit time starts a fresh generator at
        every call) but a row's prediction then depends on the other rows of
        X.  Read at predict time: it can be changed after fitting."""),
        Param("n_mc_samples", 20, interval("n_mc_samples", 1, None, integer=True),
              """
    n_mc_samples : int, default=20
        Masked passes of 'monte_carlo' / 'geometric' inference (the book:
        "10-20 masks are often sufficient")."""),
    )

    def active(self, est):
        return bool(self.stochastic_settings(est))

    def stochastic_settings(self, est):
        return [p for p in ("dropout", "input_dropout") if is_on(getattr(est, p))]

    def layer_options(self, est, hidden):
        return {
            "dropout": tuple(check_per_layer("dropout", est.dropout, len(hidden), 0.0, 1.0,
                                             closed="left")),
            "input_dropout": float(est.input_dropout),
            "dropout_type": est.dropout_type,
        }
