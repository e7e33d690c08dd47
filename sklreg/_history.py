"""What training records and says: ``history_`` (one dict per epoch), the
``verbose`` lines, why a fit stopped (``stop_reason_``) and which epoch's
parameters it kept (``kept_epoch_``), and the fit call's scikit-learn
callback task (:mod:`sklreg._sk_callbacks`).

Every ``fit``/``partial_fit`` of an MLP runs inside :func:`fit_call`, which
makes a :class:`FitCall` visible to the training loop through a context
variable: the loop reports each training phase to it (:func:`end_phase`) and
asks it for the scikit-learn epoch subtasks.  Nothing here runs per
minibatch: one dict per epoch, one print per epoch when ``verbose``.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from dataclasses import replace
from numbers import Integral

from ._registry import OPTIMIZERS
from ._sk_callbacks import CallbackSupport, EpochTasks, run_fit_task

__all__ = [
    "CallbackSupport", "FitCall", "fit_call", "nested_fit", "record_epoch", "end_phase",
    "STOP_REASONS",
]

#: values of ``stop_reason_`` and what they mean (the verbose summary says it)
STOP_REASONS = {
    "converged": "the optimization converged",
    "patience": "the validation score stopped improving (early stopping)",
    "max_iter": "the epoch budget was used up (max_iter; one epoch for partial_fit)",
    "stalled": "the full-batch method stopped before max_iter without meeting its tolerance",
    "callback": "a scikit-learn callback asked to stop",
    "diverged": "training diverged",
    "interrupted": "interrupted by the user (Ctrl-C)",
}

#: True while a meta-algorithm fits a helper model (greedy pretraining stage,
#: curriculum's first model): Ctrl-C must then stop the whole outer fit.
_NESTED = contextvars.ContextVar("sklreg_nested_fit", default=False)

#: the FitCall of the fit/partial_fit in progress (None outside a fit)
_CALL = contextvars.ContextVar("sklreg_fit_call", default=None)


@contextlib.contextmanager
def nested_fit():
    """Fits inside the block let KeyboardInterrupt propagate (the outer fit
    then raises it and leaves its estimator unchanged)."""
    token = _NESTED.set(True)
    try:
        yield
    finally:
        _NESTED.reset(token)


class FitCall:
    """What the training phases of one fit call report.

    ``reason`` is why the main phase stopped (a later phase -- the retraining
    of Algorithms 7.2/7.3 -- replaces it only when it diverged or was
    interrupted); ``kept_epoch`` is the epoch whose parameters the last phase
    returned and ``kept`` says so in words; ``tasks`` are the scikit-learn
    epoch subtasks or None.
    """

    def __init__(self, est, incremental=False):
        self.est, self.incremental = est, incremental
        self.tasks = None
        self.reason = self.detail = self.kept_epoch = None
        self.kept = ""

    def end_phase(self, reason, detail, kept_epoch, kept):
        if self.reason is None or reason in ("diverged", "interrupted"):
            self.reason, self.detail = reason, detail
        self.kept_epoch, self.kept = kept_epoch, kept

    def summary(self):
        """The verbose line printed at the end of the fit."""
        text = f"Training stopped ({self.reason}): {self.detail or STOP_REASONS[self.reason]}"
        return text + (f"; {self.kept}" if self.kept else "") + "."

    def finish(self):
        est = self.est
        est.stop_reason_, est.kept_epoch_ = self.reason, self.kept_epoch
        # partial_fit prints its epoch line; the summary only when it is news
        routine = self.incremental and self.reason == "max_iter"
        if est.verbose and self.reason is not None and not routine:
            print(self.summary())


def _max_epochs(est, incremental):
    """Upper bound of the epochs (iterations) of one call, None if unknown."""
    max_iter = getattr(est, "max_iter", None)
    if incremental:
        return 1
    if (not isinstance(max_iter, Integral) or max_iter < 1
            or getattr(est, "early_stopping_refit", None) is not None):
        return None  # invalid (fit will say so) or Algorithms 7.2/7.3 add epochs
    spec = est.optimizer
    if isinstance(spec, str):
        if spec not in OPTIMIZERS:
            return None
        spec = OPTIMIZERS[spec]
    if not getattr(spec, "full_batch", False):
        return max_iter
    warmup = getattr(spec, "warmup_epochs", 0) if getattr(spec, "warmup", None) else 0
    # + 1: the subtask begun after the last iteration when the method converges
    return max_iter + (warmup if isinstance(warmup, Integral) else 0) + 1


def fit_call(est, fit, X, y, sample_weight, incremental, **kwargs):
    """Run ``fit(X, y, sample_weight, incremental, **kwargs)`` as one fit call:
    the loop reports to a fresh :class:`FitCall`; with scikit-learn callbacks
    set (and not a helper model's nested fit) the call is a callback task
    whose subtasks are the epochs.  On success sets ``stop_reason_`` and
    ``kept_epoch_`` and, when ``verbose``, prints why training stopped."""
    call = FitCall(est, incremental)
    if "_theta" in vars(est) and "history_" not in vars(est):
        est.history_ = []  # a model fitted (and pickled) before history_ existed

    def body(ctx):
        if ctx is not None:
            call.tasks = EpochTasks(est, ctx, X, y, sample_weight)
        token = _CALL.set(call)
        try:
            result = fit(X, y, sample_weight, incremental, **kwargs)
        finally:
            _CALL.reset(token)
        call.finish()
        return result

    if _NESTED.get():  # a helper model: its own records, no callback task
        return body(None)
    return run_fit_task(
        est, body, X, y, sample_weight, max_subtasks=lambda: _max_epochs(est, incremental),
        task_name="partial_fit" if incremental else "fit",
    )


def with_epoch_tasks(problem):
    """``problem`` (a MinibatchProblem) with the scikit-learn epoch subtasks
    of the fit in progress, if it has any."""
    call = _CALL.get()
    if call is None or call.tasks is None:
        return problem
    return replace(problem, tasks=call.tasks)


def record_epoch(state, loss, lr, verbose):
    """Append the epoch's record to ``state.history`` and print its line."""
    now = time.perf_counter()
    record = {
        "epoch": state.epoch, "loss": float(loss), "lr": None if lr is None else float(lr),
        "n_updates": state.step, "time": now - state.tick,
    }
    if state.val_loss is not None:
        record["val_loss"], record["val_score"] = state.val_loss, state.val_score
    state.tick = now
    if state.history is not None:
        state.history.append(record)
    if verbose:
        line = f"Iteration {state.epoch}, loss = {loss:.8f}"
        if state.val_loss is not None:
            line += f", validation loss = {state.val_loss:.8f}"
            line += f", validation score = {state.val_score:.6g}"
        print(f"{line}, time = {record['time']:.3f}s")


def end_phase(state, callbacks, epoch0, default):
    """Report a finished training phase (one run of the loop) to the fit call:
    why it stopped and which epoch's parameters it returned.  ``epoch0``: the
    epoch count when the phase started; ``default``: the reason when nothing
    else stopped it ('max_iter' or, for a full-batch method, 'stalled')."""
    call = _CALL.get()
    if call is None:
        return
    if state.diverged:
        reason, detail = "diverged", f"training diverged ({state.message})"
    elif state.interrupted:
        reason, detail = "interrupted", None
    else:
        reason = state.stop_reason or ("converged" if state.converged else default)
        detail = state.stop_detail or (state.message if reason == "stalled" else None)
    kept, words = state.epoch, f"kept the parameters of epoch {state.epoch} (the last epoch)"
    if state.diverged:
        kept = None if state.kept_epoch is None else epoch0 + state.kept_epoch
        words = (f"kept the parameters of epoch {kept} (the lowest training loss seen "
                 "before divergence)" if state.kept_epoch else
                 f"kept the parameters this call started from (epoch {epoch0})"
                 if state.kept_epoch == 0 else "no parameters were worth keeping")
    notes = []
    for cb in callbacks:  # early stopping's restore; averaging's note
        described = cb.kept_parameters() if hasattr(cb, "kept_parameters") else None
        if described is not None and described[0] is None:
            notes.append(described[1])
        elif described is not None:
            kept, words = described
    call.end_phase(reason, detail, kept, ", ".join([words, *notes]))
