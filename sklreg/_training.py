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
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ._hessian import FullBatchOracle
from .network import Context

__all__ = ["LoopState", "MinibatchProblem", "run_minibatch", "run_full_batch"]


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
    # stop after this many updates in total (Algorithm 7.2 retraining in updates)
    max_steps: int | None = None
    # hook(Xb, Yb, w, idx) -> (Xb, Yb, w) per minibatch (dataset augmentation, 7.4)
    batch_hooks: list = field(default_factory=list)


def _check_finite(loss, state):
    if not np.isfinite(loss):
        raise ValueError(
            f"The training loss became non-finite ({loss}) at epoch {state.epoch + 1}, "
            f"update {state.step + 1}. Lower `learning_rate`, set `clip_norm` (e.g. 1.0), "
            "or standardize the inputs (e.g. StandardScaler in a Pipeline)."
        )


def _batch_weights(sw, idx):
    """Normalized weights of a batch, None for uniform; None-sum for empty."""
    if sw is None:
        return None, float(len(idx))
    w = sw[idx]
    total = float(w.sum())
    if total <= 0.0:
        return w, 0.0
    return w / total, total


def run_minibatch(problem, theta, X, Y, sw, n_epochs, state):
    """Train ``theta`` in place for up to ``n_epochs`` epochs.

    Parameters
    ----------
    sw : ndarray or None
        Raw (unnormalized) sample weights; each minibatch objective uses the
        weighted mean over its rows.
    state : LoopState
        Updated in place; ``state.epoch``/``state.step`` keep counting across
        calls (partial_fit, warm starts).
    """
    p = problem
    objective, optimizer, schedule = p.objective, p.optimizer, p.schedule
    n = X.shape[0]
    bs = min(p.batch_size, n)
    ctx = Context(training=True, rng=p.noise_rng)
    for hook in p.step_hooks:
        if hasattr(hook, "begin"):
            hook.begin(theta)
    for cb in p.callbacks:
        cb.on_train_begin(state, theta)
    for _ in range(n_epochs):
        if p.sampler is not None:
            order = p.sampler(state.epoch, p.rng)
        else:
            order = p.rng.permutation(n) if p.shuffle else None
        n_rows = n if order is None else len(order)
        total_loss = total_weight = 0.0
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
            if weight == 0.0:
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
            _check_finite(loss, state)
            for hook in p.step_hooks:
                hook(theta, lr)
            state.step += 1
            total_loss += loss * weight
            total_weight += weight
        state.epoch += 1
        epoch_loss = total_loss / total_weight if total_weight else np.nan
        state.loss_curve.append(epoch_loss)
        state.monitor = epoch_loss
        stop = [cb.on_epoch_end(state, theta) for cb in p.callbacks]
        schedule.end_epoch(state.epoch - 1, state.monitor)
        if p.verbose:
            msg = f"Iteration {state.epoch}, loss = {epoch_loss:.8f}"
            if state.monitor is not epoch_loss:
                msg += f", validation loss = {state.monitor:.8f}"
            print(msg)
        if any(stop) or (p.max_steps is not None and state.step >= p.max_steps):
            break
    for cb in p.callbacks:
        cb.on_train_end(state, theta)
    return state


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
    p = problem
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
        run_minibatch(warm_problem, theta, X, Y, sw, opt.warmup_epochs, state)
    w = None if sw is None else sw / sw.sum()
    name = getattr(opt, "_registry_name", type(opt).__name__)
    oracle = FullBatchOracle(
        p.objective, X, Y, w, ctx=Context(training=True, rng=p.noise_rng),
        name=f"optimizer={name!r}", dtype=theta.dtype,
    )
    step0 = state.step
    for cb in p.callbacks:
        cb.on_train_begin(state, theta)

    def on_iteration(x, loss):
        if x is not theta:
            theta[...] = x
        state.epoch += 1
        state.step = step0 + oracle.n_evals
        state.loss_curve.append(loss)
        state.monitor = loss
        stop = [cb.on_epoch_end(state, theta) for cb in p.callbacks]
        if p.verbose:
            msg = f"Iteration {state.epoch}, loss = {loss:.8f}"
            if state.monitor is not loss:
                msg += f", validation loss = {state.monitor:.8f}"
            print(msg)
        return any(stop) or (p.max_steps is not None and state.step >= p.max_steps)

    result = opt.minimize(oracle, theta, max_iter, on_iteration)
    state.step = step0 + oracle.n_evals
    if result.converged:
        state.converged = True
    elif not state.converged:
        state.message = (
            f"{type(opt).__name__} (optimizer={name!r}) stopped after {opt.n_iter_} "
            f"iterations without converging: {result.message.rstrip('.')}. Increase max_iter or "
            "the optimizer's max_fun, or relax its gtol."
        )
    for cb in p.callbacks:
        cb.on_train_end(state, theta)
    return state
