"""Weight noise and DropConnect drawn per example (book 7.5, 7.12)."""

from __future__ import annotations

from ._base import Feature, Param, options, register

__all__ = ["PerExampleSampling"]


@register
class PerExampleSampling(Feature):
    implemented = False  # in progress
    name, section = "per_example", "7.5, 7.12"
    example = {"weight_noise": 0.05, "weight_noise_sampling": "example"}
    params = (
        Param("weight_noise_sampling", "batch",
              options("weight_noise_sampling", ["batch", "example"]), """
    weight_noise_sampling : {'batch', 'example'}, default='batch'
        How often weight perturbations are drawn (``weight_noise``, book 7.5,
        and DropConnect masks, ``dropout_type='dropconnect'``, 7.12): 'batch'
        draws one perturbed weight matrix per minibatch (cheap); 'example'
        draws one per row, the book's semantics, at about ``batch_size``
        times the memory and time of a dense layer."""),
    )

    def active(self, est):
        return est.weight_noise_sampling != "batch"
