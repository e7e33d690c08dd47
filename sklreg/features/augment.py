"""Dataset augmentation (book 7.4): a user function applied to every training
minibatch (the batch hook is :class:`~sklreg.noise.AugmentHook`)."""

from __future__ import annotations

from .._validation import param_error
from ._base import Feature, Param, register

__all__ = ["Augment"]


def _check(value):
    if value is not None and not callable(value):
        raise param_error(
            "augment", "None or a callable augment(X_batch, y_batch, rng) -> "
            "(X_batch, y_batch)", value,
        )
    return value


def jitter(X, y, rng):
    """Example augmentation: Gaussian jitter of standard deviation 0.01."""
    return X + 0.01 * rng.standard_normal(X.shape), y


@register
class Augment(Feature):
    name, section = "augment", "7.4"
    example = {"augment": jitter}
    stochastic = True
    params = (Param("augment", None, _check, """
    augment : callable or None, default=None
        Dataset augmentation (book 7.4): ``augment(X_batch, y_batch, rng) ->
        (X_batch, y_batch)`` is called on every training minibatch (not on
        validation data) with the *raw* targets (class labels as passed to
        ``fit``) and a ``numpy.random.Generator`` seeded from
        ``random_state``.  It may transform rows or return more of them
        (not with ``sample_weight``).  Use a module-level function (or a
        picklable object) so the estimator can be cloned and pickled."""),)
