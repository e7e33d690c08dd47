"""Weight noise and DropConnect drawn per example (book 7.5, 7.12)."""

from __future__ import annotations

from ..noise import PerturbedDense, check_per_example_memory, per_example_bytes
from .._validation import resolve_batch_size
from ._base import Feature, Param, options, register

__all__ = ["PerExampleSampling"]


@register
class PerExampleSampling(Feature):
    name, section = "per_example", "7.5, 7.12"
    example = {"weight_noise": 0.05, "weight_noise_sampling": "example"}
    params = (
        Param("weight_noise_sampling", "batch",
              options("weight_noise_sampling", ["batch", "example"]), """
    weight_noise_sampling : {'batch', 'example'}, default='batch'
        How often the weight perturbations of ``weight_noise`` (book 7.5) and
        of DropConnect (``dropout_type='dropconnect'``, 7.12) are drawn in
        training.  'batch': one perturbed weight matrix per layer and
        minibatch, shared by its rows (cheap: one extra matrix per layer).
        'example': the book's semantics, every row ``i`` gets its own
        ``W~_i = (W + E_i) * M_i`` and ``y_i = x_i W~_i + b``, computed as one
        batched product; it keeps ``batch_size x fan_in x fan_out`` perturbed
        weights per layer (twice that with DropConnect) and costs about as
        much time as a dense layer with ``batch_size`` times more outputs.
        Fits needing more than ``sklreg.noise.PER_EXAMPLE_MAX_BYTES`` (256 MiB)
        for them are refused (lower ``batch_size``).  Needs ``weight_noise >
        0`` or DropConnect; inference and Monte Carlo dropout predictions are
        unchanged (one mask per pass)."""),
    )

    def active(self, est):
        return est.weight_noise_sampling != "batch"

    def layer_options(self, est, hidden):
        return {"weight_noise_sampling": getattr(est, "weight_noise_sampling", "batch")}

    def validate(self, est):
        super().validate(est)
        if not self.active(est):
            return
        dropconnect = est.dropout_type == "dropconnect" and (
            _positive(est.dropout) or _positive(est.input_dropout)
        )
        if not (_positive(est.weight_noise) or dropconnect):
            raise ValueError(
                "weight_noise_sampling='example' draws the weight perturbations per row, "
                f"but there are none: weight_noise={est.weight_noise!r} and no DropConnect. "
                "Set weight_noise > 0, or dropout_type='dropconnect' with dropout or "
                "input_dropout > 0, or leave weight_noise_sampling='batch'."
            )

    def contribute(self, trainer, data, plan):
        """Refuse, before training, a minibatch whose per-example weights
        exceed the memory bound (all perturbed layers together)."""
        if trainer.estimator_params["weight_noise_sampling"] != "example":
            return
        bs = trainer.estimator_params["batch_size"]
        batch = resolve_batch_size(bs, data.X.shape[0])
        total = 0
        network = trainer.objective.network
        for layer, P in zip(network.layers, network.layer_params(trainer.theta)):
            if isinstance(layer, PerturbedDense) and layer.per_example and (
                layer.weight_noise > 0 or layer.drop > 0
            ):
                W = P[0]
                total += per_example_bytes(batch, W.size, W.itemsize, layer.drop > 0)
        check_per_example_memory(total, batch, f"the network's perturbed layers "
                                 f"(batch_size={bs!r})")


def _positive(value):
    try:
        return any(float(v) > 0 for v in (value if hasattr(value, "__len__") else [value]))
    except (TypeError, ValueError):
        return False
