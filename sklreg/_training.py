"""The minibatch training loop: the one place where epochs and updates happen.

Every chapter 7-8 feature plugs into :func:`run_minibatch` through one of
four hooks instead of editing the loop:

* ``grad_hooks`` -- ``hook(grad) -> grad`` transforms of each minibatch
  gradient before the optimizer sees it (clipping);
* ``step_hooks`` -- ``hook(theta, lr)`` called after each update (proximal
  steps, decoupled weight decay, norm-constraint projections); a hook with a
  ``begin(theta)`` method has it called once when the loop starts, before the
  callbacks' ``on_train_begin`` (projection of the start point, snapshots);
* ``callbacks`` -- per-epoch monitors and stopping rules (:mod:`sklreg.callbacks`);
* the optimizer and the learning-rate schedule objects themselves.

Full-batch optimizers (``optimizer.full_batch``: L-BFGS, BFGS, CG, Newton,
natural gradient) run in :func:`run_full_batch` instead, where one
*iteration* of the method plays the role of an epoch for the callbacks.
Every epoch is recorded (``history_``, the ``verbose`` line) and every run
of the loop reports why it stopped (:mod:`sklreg._history`).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from ._hessian import FullBatchOracle
from ._history import _NESTED, end_phase, nested_fit, record_epoch, with_epoch_tasks
from .exceptions import DivergenceWarning
from .network import Context

__all__ = ["LoopState", "MinibatchProblem", "run_minibatch", "run_full_batch", "nested_fit"]


@dataclass
class LoopState:
    """Counters and history shared by the loop and its callbacks."""

    epoch: int = 0  # epochs completed (n_iter_)
    step: int = 0  # updates done (t_)
    loss_curve: list = field(default_factory=list)
    monitor: float = np.nan  # loss the plateau schedule watches (validation if any)
    converged: bool = False
    # parameters to evaluate/predict with instead of the raw iterate (averaging)
    eval_theta: np.ndarray | None = None
    # why a full-batch method stopped without converging ("" otherwise)
    message: str = ""
    # set when the loss became non-finite or exploded (see DIVERGENCE_FACTOR)
    diverged: bool = False
    # set when the user pressed Ctrl-C (KeyboardInterrupt) during training
    interrupted: bool = False
    # True when the parameters the call starts from are a model worth keeping
    # (warm_start, partial_fit, Algorithm 7.3): they compete as "best seen"
    start_is_model: bool = False
    # after divergence: epoch (of this loop) whose parameters were kept; 0 for
    # the parameters the loop started from, None when there was nothing to keep
    kept_epoch: int | None = None
    history: list | None = None  # one record per epoch (history_)
    # the validation loss and score of the epoch (set by early stopping's monitor)
    val_loss: float | None = None
    val_score: float | None = None
    stop_reason: str = ""  # set by a callback that stops training ('patience', 'callback')
    stop_detail: str = ""  # ... and what it saw, for the verbose summary
    tick: float = 0.0  # perf_counter() at the end of the previous epoch


@dataclass
class MinibatchProblem:
    """Everything the loop needs besides theta and the data."""

    objective: object
    optimizer: object
    schedule: object
    learning_rate: float
    batch_size: int
    shuffle: bool
    rng: np.random.Generator  # shuffling
    noise_rng: np.random.Generator  # stochastic layers
    grad_hooks: list = field(default_factory=list)
    step_hooks: list = field(default_factory=list)
    callbacks: list = field(default_factory=list)
    verbose: int = 0
    # sampler(epoch, rng) -> row indices of the epoch, in order (curriculum);
    # None: all rows, permuted when shuffle
    sampler: object = None
    # schedule(epoch) -> minibatch size of the next epoch (capped at the rows;
    # growing minibatches, 8.3.1); None: batch_size throughout
    batch_size_schedule: object = None
    # stop after this many updates in total (Algorithm 7.2 retraining in updates)
    max_steps: int | None = None
    # hook(Xb, Yb, w, idx) -> (Xb, Yb, w) per minibatch (dataset augmentation, 7.4)
    batch_hooks: list = field(default_factory=list)
    # scikit-learn callbacks' epoch subtasks (sklreg._sk_callbacks.EpochTasks)
    tasks: object = None


#: Training is declared divergent (book 8.2.4, exploding gradients) when a
#: minibatch loss is non-finite or exceeds this factor times the reference loss:
#: the largest of 1, the first minibatch loss of the call and every earlier
#: epoch loss of the model.  No converging run comes near it.
DIVERGENCE_FACTOR = 1e4


class _BestSeen:
    """Guard against divergence (book 8.2.4).

    Keeps, without per-update copies, the candidates to fall back on: the
    parameters the loop started from when they are a trained model
    (warm_start, partial_fit), the parameters at the end of the latest epoch
    and those at the end of the epoch with the lowest training loss.  When
    training diverges, :meth:`restore` evaluates them on the training data and
    writes back the one with the lowest objective (the start model always
    qualifies; an epoch's parameters only when their objective is finite and
    below the divergence limit).
    """

    #: rows used to compare the candidates (a fixed prefix of the data)
    EVAL_ROWS = 2000

    def __init__(self, theta, state):
        self.state = state
        self.epoch0 = state.epoch
        prior = [v for v in state.loss_curve if np.isfinite(v)]
        self.reference = max([1.0, *prior])
        self.start = theta.copy() if state.start_is_model else None
        self.start_norm = float(np.linalg.norm(theta))
        self.last = self.lowest = None
        self.last_epoch = self.lowest_epoch = None
        self.lowest_loss = np.inf
        self.first = True

    @property
    def limit(self):
        return DIVERGENCE_FACTOR * self.reference

    def exploded(self, theta, objective, X, Y, sw):
        """True when the final parameters are non-finite, or their norm grew a
        thousandfold and their objective exceeds the divergence limit (the
        objective is only evaluated in that rare case)."""
        norm = float(np.linalg.norm(theta))
        if not np.isfinite(norm):
            return True
        if norm <= 1e3 * max(self.start_norm, 1.0):
            return False
        with np.errstate(all="ignore"):
            value = objective.value(theta, *self._rows(X, Y, sw))
        return not value <= self.limit

    def _rows(self, X, Y, sw):
        rows = np.arange(min(X.shape[0], self.EVAL_ROWS))
        w, total = _batch_weights(sw, rows)
        return X[rows], Y[rows], (w if total > 0 else None)

    def check(self, loss):
        """False when the minibatch loss shows divergence."""
        if self.first:
            self.first = False
            if np.isfinite(loss):
                self.reference = max(self.reference, float(loss))
        return bool(loss <= self.limit)  # False for NaN

    def end_epoch(self, epoch_loss, theta):
        epoch = self.state.epoch - self.epoch0
        if self.last is None:
            self.last = theta.copy()
        else:
            self.last[...] = theta
        self.last_epoch = epoch
        if epoch_loss < self.lowest_loss:
            self.lowest_loss, self.lowest_epoch = epoch_loss, epoch
            if self.lowest is None:
                self.lowest = theta.copy()
            else:
                self.lowest[...] = theta

    def restore(self, theta, objective, X, Y, sw):
        """Write the best candidate into ``theta``; return its epoch of this
        loop (0: the start parameters) or None when there is none."""
        data = self._rows(X, Y, sw)
        chosen, chosen_value = None, np.inf
        candidates = [(0, self.start), (self.last_epoch, self.last),
                      (self.lowest_epoch, self.lowest)]
        with np.errstate(all="ignore"):
            for epoch, params in candidates:
                if params is None:
                    continue
                value = objective.value(params, *data)
                healthy = np.isfinite(value) and (value <= self.limit or params is self.start)
                if healthy and (chosen is None or value < chosen_value):
                    chosen, chosen_value = (epoch, params), value
        if chosen is None:
            return None
        theta[...] = chosen[1]
        return chosen[0]


def _batch_weights(sw, idx):
    """Normalized weights of a batch, None for uniform; None-sum for empty."""
    if sw is None:
        return None, float(len(idx))
    w = sw[idx]
    total = float(w.sum())
    if total <= 0.0:
        return w, 0.0
    return w / total, total


def run_minibatch(problem, theta, X, Y, sw, n_epochs, state, report=True):
    """Train ``theta`` in place for up to ``n_epochs`` epochs.

    Parameters
    ----------
    sw : ndarray or None
        Raw (unnormalized) sample weights; each minibatch objective uses the
        weighted mean over its rows.
    state : LoopState
        Updated in place; ``state.epoch``/``state.step`` keep counting across
        calls (partial_fit, warm starts).
    report : bool
        Report the run to the fit call (False: a full-batch method's warm-up).
    """
    p = with_epoch_tasks(problem)
    objective, optimizer, schedule = p.objective, p.optimizer, p.schedule
    n = X.shape[0]
    bs = min(p.batch_size, n)
    ctx = Context(training=True, rng=p.noise_rng)
    best = _BestSeen(theta, state)
    for hook in p.step_hooks:
        if hasattr(hook, "bind_optimizer"):  # L1 prox in the optimizer's own metric
            hook.bind_optimizer(optimizer)
        if hasattr(hook, "begin"):
            hook.begin(theta)
    for cb in p.callbacks:
        cb.on_train_begin(state, theta)
    epoch0, state.tick = state.epoch, time.perf_counter()
    try:
        for _ in range(n_epochs):
            if p.tasks is not None:
                p.tasks.on_epoch_begin(state, theta)
            if _run_epoch(p, objective, optimizer, schedule, theta, X, Y, sw, state, ctx, bs, best):
                break
    except KeyboardInterrupt:  # as scikit-learn's MLP: stop cleanly, keep the model
        if _NESTED.get():
            raise
        state.interrupted = True
    if not state.diverged and best.exploded(theta, objective, X, Y, sw):
        state.diverged = True  # the last update blew up (no later loss to show it)
        state.message = f"parameters exploded by the last update, epoch {state.epoch}"
    if state.diverged:
        state.kept_epoch = best.restore(theta, objective, X, Y, sw)
    for cb in p.callbacks:
        cb.on_train_end(state, theta)
    if report:
        end_phase(state, p.callbacks, epoch0, "max_iter")
    return state


def _run_epoch(p, objective, optimizer, schedule, theta, X, Y, sw, state, ctx, bs, best):
    """One epoch of minibatch updates, then the callbacks; True asks to stop."""
    n = X.shape[0]
    if p.batch_size_schedule is not None:
        bs = min(int(p.batch_size_schedule(state.epoch)), n)
    if p.sampler is not None:
        order = p.sampler(state.epoch, p.rng)
    else:
        order = p.rng.permutation(n) if p.shuffle else None
    n_rows = n if order is None else len(order)
    total_loss = total_weight = 0.0
    lr = None
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked below
        for start in range(0, n_rows, bs):
            if p.max_steps is not None and state.step >= p.max_steps:
                break
            if order is None:
                idx = slice(start, min(start + bs, n))
                Xb, Yb = X[idx], Y[idx]
                idx_arr = np.arange(start, min(start + bs, n))
            else:
                idx_arr = order[start : start + bs]
                Xb, Yb = X[idx_arr], Y[idx_arr]
            w, weight = _batch_weights(sw, idx_arr)
            if weight == 0.0 and not objective.uses_unweighted_rows:
                continue  # all-zero weights: the batch objective is empty
            for hook in p.batch_hooks:
                Xb, Yb, w = hook(Xb, Yb, w, idx_arr)

            def grad_fn(point, Xb=Xb, Yb=Yb, w=w):
                loss, grad = objective.loss_grad(point, Xb, Yb, w, ctx)
                for hook in p.grad_hooks:
                    hook(grad)
                return loss, grad

            lr = p.learning_rate * schedule(state.step, state.epoch)
            loss = optimizer.step(theta, grad_fn, lr)
            if not best.check(loss):
                state.diverged = True
                state.message = f"loss {loss:.3g} at epoch {state.epoch + 1}, update {state.step + 1}"
                return True
            for hook in p.step_hooks:
                hook(theta, lr)
            state.step += 1
            total_loss += loss * weight
            total_weight += weight
    epoch_loss = total_loss / total_weight if total_weight else np.nan
    if not np.all(np.isfinite(theta)):  # the last update overflowed
        state.diverged = True
        state.message = f"non-finite parameters at epoch {state.epoch + 1}"
        return True
    stop = _close_epoch(p, state, theta, epoch_loss, lr)
    best.end_epoch(epoch_loss, theta)
    schedule.end_epoch(state.epoch - 1, state.monitor)
    return stop


def _close_epoch(p, state, theta, loss, lr=None):
    """Close one epoch (a full-batch iteration): run every callback, record
    it (history, verbose line), then end its scikit-learn subtask; True asks
    the loop to stop."""
    state.epoch += 1
    state.loss_curve.append(loss)
    state.monitor = loss
    state.val_loss = state.val_score = None
    stop = [cb.on_epoch_end(state, theta) for cb in p.callbacks]  # all of them run
    record_epoch(state, loss, lr, p.verbose)
    if p.tasks is not None:
        stop.append(p.tasks.on_epoch_end(state, theta))
        state.tick = time.perf_counter()  # the callbacks' time is not the next epoch's
    return any(stop) or (p.max_steps is not None and state.step >= p.max_steps)


def run_full_batch(problem, theta, X, Y, sw, max_iter, state):
    """Train ``theta`` in place with a full-batch optimizer for up to ``max_iter`` iterations.

    The counterpart of :func:`run_minibatch` for ``problem.optimizer.full_batch``:

    1. the optional warm-up (``optimizer.warmup_`` for ``warmup_epochs``
       epochs) runs the minibatch loop with the problem's learning rate,
       batch size and schedule, without callbacks;
    2. the optimizer minimizes the deterministic objective on all rows
       (weighted mean loss + penalties) through a
       :class:`~sklreg._hessian.FullBatchOracle`.  After every iteration the
       iterate is copied into ``theta`` (the estimator's own array), the
       objective is appended to ``state.loss_curve``, ``state.epoch`` counts
       the iteration and the callbacks' ``on_epoch_end`` run, so early
       stopping and the loss plateau rule work per iteration.

    ``state.step`` counts updates of the warm-up plus objective/gradient
    evaluations of the full-batch method.  ``state.converged`` is set when the
    method meets its own tolerance; otherwise ``state.message`` says why it
    stopped.  ``grad_hooks`` (clipping) only act during the warm-up.
    """
    p = with_epoch_tasks(problem)
    opt = p.optimizer
    if p.step_hooks or p.sampler is not None or p.batch_hooks:
        raise ValueError(
            f"The full-batch optimizer {type(opt).__name__} minimizes one fixed objective "
            "and cannot run per-update hooks, epoch samplers or per-batch hooks "
            "(parameter averaging, curriculum, constraints, augmentation); use a "
            "first-order optimizer such as 'adam'."
        )
    warm = getattr(opt, "warmup_", None)
    if warm is not None and opt.warmup_epochs > 0:
        warm_problem = replace(p, optimizer=warm.start(theta), callbacks=[], max_steps=None)
        run_minibatch(warm_problem, theta, X, Y, sw, opt.warmup_epochs, state, report=False)
        if state.interrupted or state.diverged:
            end_phase(state, [], state.epoch, "max_iter")
            return state
    w = None if sw is None else sw / sw.sum()
    name = getattr(opt, "_registry_name", type(opt).__name__)
    oracle = FullBatchOracle(
        p.objective, X, Y, w, ctx=Context(training=True, rng=p.noise_rng),
        name=f"optimizer={name!r}", dtype=theta.dtype,
    )
    step0, epoch0, state.tick = state.step, state.epoch, time.perf_counter()
    for cb in p.callbacks:
        cb.on_train_begin(state, theta)
    if p.tasks is not None:
        p.tasks.on_epoch_begin(state, theta)

    def on_iteration(x, loss):
        if x is not theta:
            theta[...] = x
        state.step = step0 + oracle.n_evals
        stop = _close_epoch(p, state, theta, loss)
        if p.tasks is not None and not stop and state.epoch - epoch0 < max_iter:
            p.tasks.on_epoch_begin(state, theta)  # the next iteration, if any
        return stop

    try:
        result = opt.minimize(oracle, theta, max_iter, on_iteration)
    except KeyboardInterrupt:  # theta holds the last completed iteration
        if _NESTED.get():
            raise
        state.interrupted = True
        result = None
    state.step = step0 + oracle.n_evals
    if result is None:
        pass
    elif result.converged:
        state.converged = True
    elif not state.converged:
        state.message = (
            f"{type(opt).__name__} (optimizer={name!r}) stopped after {opt.n_iter_} "
            f"iterations without converging: {result.message.rstrip('.')}. Increase max_iter or "
            "the optimizer's max_fun, or relax its gtol."
        )
    for cb in p.callbacks:
        cb.on_train_end(state, theta)
    ran_all = state.epoch - epoch0 >= max_iter
    end_phase(state, p.callbacks, epoch0, "max_iter" if ran_all else "stalled")
    return state


def report_stop(state, learning_rate):
    """Turn a loop that diverged or was interrupted into an error or a warning."""
    if state.diverged:
        fix = (
            f"Lower learning_rate (now {learning_rate:g}), set clip_norm (e.g. 1.0) or "
            "clip_value, or standardize the inputs (e.g. StandardScaler in a Pipeline)."
        )
        if state.kept_epoch is None:
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain "
                f"large values and need to be preprocessed. Training diverged ({state.message}): "
                "the loss became non-finite or "
                "exploded, and no parameters seen in this fit have a usable objective, "
                f"so there is no model to keep. {fix}"
            )
        kept = (
            "the parameters this call started from (the previous model)"
            if state.kept_epoch == 0 else f"the parameters after epoch {state.kept_epoch}"
        )
        warnings.warn(
            f"Training diverged ({state.message}) and was stopped; {kept}, which had "
            f"the lowest training loss seen, were kept. {fix}",
            DivergenceWarning,
        )
    if state.interrupted:
        warnings.warn("Training interrupted by user.", UserWarning)
