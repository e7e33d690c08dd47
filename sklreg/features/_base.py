"""The feature protocol: one module per book feature, one ordered registry.

A :class:`Feature` declares

* its constructor parameters as :class:`Param` (name, default, validation
  rule, numpydoc text with the book section);
* flags the estimator derives its compatibility checks from:
  ``stochastic`` (a random objective per minibatch), ``minibatch_only``
  (works on the minibatch loop: full-batch optimizers refuse it),
  ``changes_layout`` (adds parameters: warm starts must keep it);
* what it contributes to a fit through a small set of extension points of
  :class:`FitPlan` (objective terms, gradient and step transforms,
  callbacks, the epoch sampler), a data phase (:meth:`Feature.prepare`) and two
  outer phases (:meth:`Feature.before_training`, :meth:`Feature.after_training`).

Features see the fit through a :class:`~sklreg._trainer.Trainer`, a narrow
interface (train a phase, reinitialize, the objective and parameters), never
the estimator's private methods.  :data:`FEATURES` lists them in the order
their contributions run; validation, parameter documentation and the
full-batch checks loop over it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sklearn.base import is_classifier

from .._validation import check_bool, check_interval, check_options

__all__ = ["Param", "Feature", "FitPlan", "FEATURES", "register", "options", "interval",
           "boolean", "optional_int", "is_on", "params_where", "layout_changed", "features_for"]


@dataclass(frozen=True)
class Param:
    """One constructor parameter of a feature.

    ``check(value) -> value`` raises an InvalidParameterError naming the
    parameter; ``doc`` is its numpydoc entry (type line, then indented text);
    ``per_layer`` and ``anneal_max`` tell the meta-algorithms (pretraining,
    continuation) how to treat a regularizer strength.
    """

    name: str
    default: Any
    check: Callable[[Any], Any]
    doc: str
    #: 'hidden' (one value per hidden layer) or 'weight' (one per weight
    #: matrix) for per-layer strengths: pretraining stages cut them
    per_layer: str | None = None
    #: upper bound (exclusive) of a strength ``continuation`` may anneal;
    #: None: not annealable
    anneal_max: float | None = None


def options(name, allowed):
    return lambda v: check_options(name, v, allowed)


def interval(name, low=None, high=None, closed="left", integer=False):
    return lambda v: check_interval(name, v, low, high, closed=closed, integer=integer)


def optional_int(name, low=1):
    return lambda v: v if v is None else check_interval(name, v, low, None, integer=True)


def layout_changed(param):
    """The error of a warm start that changes ``param``, a layout option."""
    return ValueError(
        f"{param} changed since the previous fit; with warm_start=True or partial_fit "
        "the architecture must stay the same. Refit from scratch (warm_start=False)."
    )


def is_on(value):
    """A strength (a float or a per-layer sequence) that is switched on;
    invalid values count as on (validation reports them)."""
    if value is None:
        return False
    try:
        return any(float(v) != 0.0 for v in (value if hasattr(value, "__len__") else [value]))
    except (TypeError, ValueError):
        return True


def boolean(name):
    return lambda v: check_bool(name, v)


@dataclass
class FitPlan:
    """What features contribute to one fit.

    For every training phase of the fit (the main one and the phases of
    meta-algorithms such as Algorithm 7.2): ``terms`` of the objective,
    ``grad_hooks`` transforming every minibatch gradient, ``step_transforms``
    ``hook(theta, lr)`` run after every update in :data:`FEATURES` order, then
    ``step_finalizers`` (snapshots that must see the final parameters of the
    step).  For the main phase only: per epoch, ``pre_callbacks`` run first
    (they change what the stopping rules evaluate), then ``callbacks`` (the
    stopping rules and monitors); ``step_hooks`` run after the transforms;
    ``sampler(epoch, rng) -> rows`` chooses each epoch's rows.
    """

    #: objective terms (:class:`sklreg._objective.Term`): norm penalties,
    #: adversarial, tangent, ...
    terms: list = field(default_factory=list)
    #: ``hook(grad)`` transforms of every minibatch gradient
    grad_hooks: list = field(default_factory=list)
    step_transforms: list = field(default_factory=list)
    step_finalizers: list = field(default_factory=list)
    pre_callbacks: list = field(default_factory=list)
    callbacks: list = field(default_factory=list)
    step_hooks: list = field(default_factory=list)
    sampler: Any = None
    #: every phase: ``transform(Y) -> training targets`` (label smoothing)
    target_transform: Any = None
    #: every phase: ``schedule(epoch) -> minibatch size`` (+ ``steps_per_epoch``,
    #: see :class:`sklreg.features.batch_growth.GrowingBatchSize`; book 8.3.1)
    batch_size_schedule: Any = None

    @property
    def every_phase_step_hooks(self):
        return self.step_transforms + self.step_finalizers


class Feature:
    """Base class of a book feature (see the module docstring)."""

    #: short name, e.g. 'averaging'
    name: str = ""
    #: book section, e.g. '8.7.3'
    section: str = ""
    params: tuple = ()
    #: parameters that switch the feature on in a small model (tests, docs)
    example: dict = {}
    stochastic: bool = False
    minibatch_only: bool = False
    changes_layout: bool = False
    #: the estimators it belongs to ('classifier', 'regressor')
    tasks: tuple = ("classifier", "regressor")

    def applies_to(self, est):
        """Whether ``est`` (a classifier or a regressor) has this feature; a
        plain namespace of parameters (not an estimator) has them all."""
        try:
            task = "classifier" if is_classifier(est) else "regressor"
        except AttributeError:
            return True
        return task in self.tasks

    #: False while a feature is being built (its parameters exist but fit
    #: refuses them); no released feature has it
    implemented: bool = True

    def validate(self, est):
        """Check every parameter of the feature on ``est`` (in fit)."""
        for p in self.params:
            p.check(getattr(est, p.name))
        if not self.implemented and self.active(est):
            raise NotImplementedError(f"{self.params[0].name} is not implemented yet.")

    def active(self, est):
        """True when the feature is switched on (its first parameter is set)."""
        return getattr(est, self.params[0].name) is not None

    def layer_options(self, est, hidden):
        """Fields of the :class:`~sklreg.layers.LayerConfig` this feature sets
        from its (validated) parameters, for the hidden layer sizes ``hidden``:
        the layers it puts in the network."""
        return {}

    def check_layout(self, old, new):
        """Raise when a warm start or ``partial_fit`` changes the parameter
        layout (``changes_layout`` features): ``old``/``new`` are the
        :class:`~sklreg.layers.LayerConfig` of the previous and this fit."""

    def stochastic_settings(self, est):
        """Names of this feature's active parameters whose effect is random
        (a new draw per minibatch): full-batch optimizers refuse them.
        Default: the first parameter of an active ``stochastic`` feature."""
        return [self.params[0].name] if self.stochastic and self.active(est) else []

    def full_batch_conflicts(self, est):
        """``[(what, fix)]``: settings of ``est`` a full-batch optimizer cannot
        run (default: all of a ``minibatch_only`` feature when active)."""
        if self.minibatch_only and self.active(est):
            first = self.params[0].name
            return [(f"{first}={getattr(est, first)!r}",
                     "it works on the minibatch loop; turn it off")]
        return []

    def prepare(self, trainer, data):
        """Change the data of the fit in place (e.g. hold out validation rows)."""

    def before_training(self, trainer, data):
        """Outer phase before the main training (e.g. pretraining)."""

    def contribute(self, trainer, data, plan):
        """Add callbacks, step hooks or a sampler to the main phase."""

    def after_training(self, trainer, data, stopper, state):
        """Outer phase after the main training (e.g. retraining, Alg. 7.2);
        returns fitted attributes to set (``attributes`` lists their defaults).
        ``state`` says whether training diverged or was interrupted."""


#: the ordered feature registry ("one registry line" per feature)
FEATURES: list = []


def register(feature_cls):
    """Class decorator appending one instance of ``feature_cls`` to FEATURES."""
    if any(type(f) is feature_cls for f in FEATURES):
        raise ValueError(f"feature {feature_cls.__name__} is registered twice")
    FEATURES.append(feature_cls())
    return feature_cls


def features_for(est):
    """The registered features ``est`` has (its task's), in registry order."""
    return [f for f in FEATURES if f.applies_to(est)]


def params_where(**flags):
    """Names of the registered features' parameters with these ``Param``
    attributes, in registry order (e.g. ``params_where(per_layer='hidden')``)."""
    return tuple(
        p.name for f in FEATURES for p in f.params
        if all(getattr(p, k) == v for k, v in flags.items())
    )
