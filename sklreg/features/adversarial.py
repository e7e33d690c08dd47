"""Adversarial and virtual adversarial training (book 7.13; semi-supervised 7.6)."""

from __future__ import annotations

from ._base import Feature, Param, interval, options, register

__all__ = ["Adversarial"]


@register
class Adversarial(Feature):
    implemented = False  # in progress
    name, section = "adversarial", "7.13"
    example = {"adversarial": "fgsm", "adversarial_eps": 0.1}
    params = (
        Param("adversarial", None, options("adversarial", [None, "fgsm", "virtual"]), """
    adversarial : {None, 'fgsm', 'virtual'}, default=None
        Adversarial training (book 7.13).  'fgsm' (Goodfellow et al. 2014)
        minimizes ``a J(x, y) + (1 - a) J(x + eps sign(grad_x J(x, y)), y)``
        with the perturbation recomputed for every minibatch at the current
        parameters.  'virtual' (Miyato et al.) adds the KL divergence between
        the predictions at ``x`` and at ``x + r``, ``r`` the (power-iteration)
        direction of largest change of radius ``eps``; classifier rows
        labelled -1 are unlabeled (semi-supervised, book 7.6)."""),
        Param("adversarial_eps", 0.1, interval("adversarial_eps", 0.0, None, "neither"), """
    adversarial_eps : float, default=0.1
        Size ``eps`` of the adversarial perturbation in input units (max-norm
        radius for 'fgsm', L2 radius for 'virtual'); inputs are usually
        standardized."""),
        Param("adversarial_weight", 0.5, interval("adversarial_weight", 0.0, 1.0, "both"), """
    adversarial_weight : float, default=0.5
        'fgsm': the mix ``a`` of the clean loss (Goodfellow et al. use 0.5).
        'virtual': the weight of the virtual adversarial (KL) term."""),
        Param("vat_xi", 1e-6, interval("vat_xi", 0.0, None, "neither"), """
    vat_xi : float, default=1e-6
        Finite-difference step of the power iteration of 'virtual'
        adversarial training (Miyato et al.'s ``xi``)."""),
        Param("vat_power_iterations", 1, interval("vat_power_iterations", 1, None, "left",
                                                    integer=True), """
    vat_power_iterations : int, default=1
        Power iterations that find the virtual adversarial direction."""),
    )
