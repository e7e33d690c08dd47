"""scikit-learn's callback API (:mod:`sklearn.callback`, scikit-learn >= 1.9).

Every sklreg estimator supports ``set_callbacks(...)``:

* an MLP fit (or ``partial_fit``) is a task whose subtasks are its epochs
  (iterations for full-batch optimizers), each ended with the parameters the
  model would predict with at that point, so ``ScoringMonitor`` scores the
  model of every epoch;
* a bagging fit is a task whose subtasks are the member fits (the member's
  own epochs below them, when the callbacks propagate);
* the ridge estimators are one-step tasks; ``LassoBaseline`` has one subtask
  per coordinate-descent sweep.

Callbacks set on a ``Pipeline``, ``GridSearchCV`` or a bagging ensemble reach
the estimators inside (scikit-learn's auto-propagation).  Without
``sklearn.callback`` (scikit-learn < 1.9) everything else works and
``set_callbacks`` raises an ImportError naming the version needed.  With no
callback set, nothing here runs during a fit.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from numbers import Integral

import sklearn

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9
    CallbackSupportMixin = with_callbacks = None

__all__ = [
    "AVAILABLE", "CallbackSupport", "EpochTasks", "callback_fit", "iteration_tasks",
    "member_fit", "member_tasks", "run_fit_task",
]

#: True when scikit-learn has its callback API
AVAILABLE = CallbackSupportMixin is not None



class _StandInCallbackSupport:
    """Stand-in for ``sklearn.callback.CallbackSupportMixin`` (scikit-learn < 1.9)."""

    def set_callbacks(self, *callbacks):
        """Needs scikit-learn >= 1.9 (``sklearn.callback``); raises ImportError."""
        raise ImportError(
            f"{type(self).__name__}.set_callbacks needs scikit-learn's callback API "
            f"(sklearn.callback, scikit-learn >= 1.9); scikit-learn {sklearn.__version__} "
            "is installed. Upgrade with: pip install -U 'scikit-learn>=1.9'."
        )


#: the mixin of every sklreg estimator: ``set_callbacks(*callbacks)``
CallbackSupport = CallbackSupportMixin if AVAILABLE else _StandInCallbackSupport


#: (estimator, context, X, y, metadata) of the callback task in progress
_TASK = contextvars.ContextVar("sklreg_callback_task", default=None)


def _active(est):
    """Callbacks to run for ``est``'s fit (set on it or propagated to it)."""
    return AVAILABLE and bool(getattr(est, "_skl_callbacks", None))


def _metadata(sample_weight):
    return None if sample_weight is None else {"sample_weight": sample_weight}


def run_fit_task(est, fit, X, y, sample_weight=None, *, max_subtasks=0, task_name="fit",
                 sequential=True):
    """Return ``fit(ctx)`` run as the fit task of ``est``.

    ``ctx`` is the task's :class:`~sklearn.callback.CallbackContext`, or None
    (and nothing else happens) when ``est`` has no callbacks.  ``max_subtasks``
    may be a callable returning it (only called when there are callbacks).  The callbacks'
    ``teardown`` runs even if ``fit`` raises (scikit-learn's ``with_callbacks``);
    the task ends, with the fitted estimator itself, only when it succeeds.
    """
    if not _active(est):
        return fit(None)
    metadata = _metadata(sample_weight)
    if callable(max_subtasks):
        max_subtasks = max_subtasks()

    @with_callbacks
    def managed(est):
        ctx = est._init_callback_context(
            task_name=task_name, max_subtasks=max_subtasks, sequential_subtasks=sequential
        )
        ctx.call_on_fit_task_begin(estimator=est, X=X, y=y, metadata=metadata)
        token = _TASK.set((est, ctx, X, y, metadata))
        try:
            result = fit(ctx)
        finally:
            _TASK.reset(token)
        ctx.call_on_fit_task_end(
            estimator=est, X=X, y=y, metadata=metadata, reconstruction_attributes={}
        )
        return result

    return managed(est)


def _count(value):
    return value if isinstance(value, Integral) and value >= 1 else None


def callback_fit(max_subtasks=0, sequential=True):
    """Decorate ``fit(self, X, y, sample_weight=None, ...)`` to run as a
    callback task (place it below ``atomic_fit``, so that a failed fit's
    teardown happens before the estimator is restored).  ``max_subtasks``:
    a number, or the name of the parameter that bounds the subtasks."""

    def decorate(fit):
        @functools.wraps(fit)
        def wrapper(self, X, y=None, *args, **kwargs):
            sw = kwargs.get("sample_weight", args[0] if args else None)
            bound = ((lambda: _count(getattr(self, max_subtasks, None)))
                     if isinstance(max_subtasks, str) else max_subtasks)
            return run_fit_task(
                self, lambda ctx: fit(self, X, y, *args, **kwargs), X, y, sw,
                max_subtasks=bound, sequential=sequential,
            )

        return wrapper

    return decorate


# ----------------------------------------------------------------- subtasks
class _NoTasks:
    """Iterations of a fit without callbacks: nothing to report."""

    def begin(self):
        pass

    def end(self, attributes=None):
        return False


class _IterationTasks:
    """Each iteration of the running fit task as a subtask."""

    def __init__(self, task, name):
        self.est, self.root, self.X, self.y, self.metadata = task
        self.name = name
        self.count = 0
        self.current = None

    def begin(self, attributes=None):
        root = self.root
        if root.max_subtasks is not None and self.count >= root.max_subtasks:
            root.max_subtasks = None  # more iterations than foreseen: unknown total
        self.count += 1
        self.current = root.subcontext(task_name=self.name)
        self.current.call_on_fit_task_begin(
            estimator=self.est, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=attributes,
        )

    def end(self, attributes=None):
        """End the current subtask; ``attributes()`` -> the fitted attributes
        of the model at this point (only called if a callback needs the
        model).  True when a callback asks to stop."""
        ctx, self.current = self.current, None
        if ctx is None:
            return False
        return bool(ctx.call_on_fit_task_end(
            estimator=self.est, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=attributes,
        ))


def iteration_tasks(est, name="iteration"):
    """Subtasks of ``est``'s running fit task (``begin()``/``end(attributes)``
    per iteration); a no-op object when it has no callbacks."""
    task = _TASK.get()
    if task is None or task[0] is not est:
        return _NoTasks()
    return _IterationTasks(task, name)


class EpochTasks(_IterationTasks):
    """The epochs of an MLP fit as subtasks of its fit task (the training
    loop calls ``on_epoch_begin``/``on_epoch_end``)."""

    def __init__(self, est, ctx, X, y, sample_weight):
        super().__init__((est, ctx, X, y, _metadata(sample_weight)), "epoch")

    def _attributes(self, state, theta):
        """The fitted attributes of the model at this point: the parameters
        it would predict with (the average under ``averaging``)."""
        est = self.est
        params = (theta if state.eval_theta is None else state.eval_theta).copy()
        coefs, intercepts = est._objective.network.coefs(params)
        return {
            "_theta": params, "coefs_": coefs, "intercepts_": intercepts,
            "n_iter_": state.epoch - est._call_epoch0, "loss_curve_": list(state.loss_curve),
        }

    def on_epoch_begin(self, state, theta):
        self.begin(lambda: self._attributes(state, theta))

    def on_epoch_end(self, state, theta):
        stop = self.end(lambda: self._attributes(state, theta))
        if stop and not state.stop_reason:
            state.stop_reason = "callback"
        return stop


# ---------------------------------------------------------- bagging members
def member_tasks(meta, n):
    """One subtask per member of the running fit task of ``meta`` (in any
    order: members may train in parallel), as ``(meta, context)`` pairs to
    hand to :func:`member_fit`; Nones without callbacks."""
    task = _TASK.get()
    if task is None or task[0] is not meta:
        return [None] * n
    ctx = task[1]
    return [(meta, ctx.subcontext(task_name="member", task_id=i)) for i in range(n)]


@contextlib.contextmanager
def member_fit(task, est):
    """Fit ``est`` (inside the block) as the member subtask ``task``: the
    propagated callbacks reach it and its own task joins the ensemble's."""
    if task is None:
        yield
        return
    meta, ctx = task
    ctx.call_on_fit_task_begin(estimator=meta)
    with ctx.propagate_callback_context(est):
        yield
    ctx.call_on_fit_task_end(estimator=meta)
