"""The minibatch training loop: the one place where epochs and updates happen.

Every chapter 7-8 feature plugs into :func:`run_minibatch` through one of
four hooks instead of editing the loop:

* ``grad_hooks`` -- ``hook(grad) -> grad`` transforms of each minibatch
  gradient before the optimizer sees it (clipping);
* ``step_hooks`` -- ``hook(theta, lr)`` called after each update (proximal
  steps, decoupled weight decay, norm-constraint projections);
* ``callbacks`` -- per-epoch monitors and stopping rules (:mod:`sklreg.callbacks`);
* the optimizer and the learning-rate schedule objects themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .network import Context

__all__ = ["LoopState", "MinibatchProblem", "run_minibatch"]


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
