"""Per-epoch callbacks of the training loop: stopping rules and monitors.

A callback sees the loop's :class:`~sklreg._training.LoopState` and the
parameter vector ``theta`` (the estimator's own, updated in place):

* ``on_train_begin(state, theta)``
* ``on_epoch_end(state, theta) -> bool`` -- True asks the loop to stop (all
  callbacks still run for that epoch; no exceptions are used for control flow)
* ``on_train_end(state, theta)`` -- may write replacement parameters into
  ``theta`` in place (early stopping restores the best ones).

A callback that stops training sets ``state.stop_reason`` (and
``state.stop_detail``, which the verbose summary prints); one that decides
which parameters the fit returns says so in ``kept_parameters() -> (epoch,
words)``, or ``(None, note)`` for a note on them (averaging); see
:mod:`sklreg._history`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Callback", "LossPlateau", "EarlyStopping", "ParameterAveraging", "CurvatureMonitor"]


class Callback:
    def on_train_begin(self, state, theta):
        pass

    def on_epoch_end(self, state, theta):
        return False

    def on_train_end(self, state, theta):
        pass


class LossPlateau(Callback):
    """scikit-learn's stopping rule without early stopping: an epoch whose
    training loss is not below ``best_loss - tol`` counts as no improvement,
    and training stops when more than ``n_iter_no_change`` consecutive epochs
    did not improve (so after ``n_iter_no_change + 1`` of them, as in
    ``MLPClassifier``).  ``state.converged`` is set when it fires.
    """

    def __init__(self, tol, n_iter_no_change, best_loss=np.inf):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.best_loss = best_loss
        self.count = 0

    def on_epoch_end(self, state, theta):
        loss = state.loss_curve[-1]
        if loss > self.best_loss - self.tol:
            self.count += 1
        else:
            self.count = 0
        self.best_loss = min(self.best_loss, loss)
        if self.count > self.n_iter_no_change:
            state.converged = True
            state.stop_detail = (
                f"the training loss did not improve by more than tol={self.tol:g} for "
                f"{self.count} consecutive epochs (n_iter_no_change={self.n_iter_no_change})"
            )
            return True
        return False


class EarlyStopping(Callback):
    """Early stopping, book Algorithm 7.1 (section 7.8).

    Evaluated after every epoch (the algorithm's ``n`` steps = one epoch).
    The best epoch is the one with the highest validation score (strictly
    higher than every earlier one, as the algorithm's ``v' < v``); its
    parameters are written back at the end (``theta_best``).  ``tol`` only
    decides patience, as in scikit-learn: an epoch whose score is not above
    ``best + tol`` counts as no improvement, and after ``patience``
    consecutive such epochs training stops (the algorithm's ``j >= p``).
    ``best_iteration`` (epochs) and ``best_step`` (updates) are the book's
    ``i*`` in both units, for the retraining meta-algorithms 7.2/7.3.

    Parameters
    ----------
    val_loss : callable theta -> float
        Validation loss (weighted mean, no penalty); always recorded.
    val_score : callable theta -> float or None
        Score to maximize; None monitors ``-val_loss``.
    tol : float
    patience : int or inf
    restore_best : bool
        Write the best parameters back at the end (False: monitor only).
    """

    def __init__(self, val_loss, val_score, tol, patience, restore_best=True):
        self.restore_best = restore_best
        self.stopped = False
        self.val_loss = val_loss
        self.val_score = val_score
        self.tol = tol
        self.patience = patience
        self.scores = []
        self.losses = []
        self.best_score = -np.inf
        self.best_theta = None
        self.best_iteration = 0
        self.best_step = 0
        self.count = 0
        self.epoch0 = self.step0 = 0

    @property
    def replaces_parameters(self):
        """The returned parameters are not the last iterate (batch norm recalibrates)."""
        return self.restore_best

    def on_train_begin(self, state, theta):
        self.epoch0, self.step0 = state.epoch, state.step

    def on_epoch_end(self, state, theta):
        # evaluate the parameters used for prediction (averaged ones, if any);
        # they are swapped into theta so scorers calling predict see them
        saved = None
        if state.eval_theta is not None:
            saved = theta.copy()
            theta[...] = state.eval_theta
        loss = float(self.val_loss(theta))
        score = -loss if self.val_score is None else float(self.val_score(theta))
        self.losses.append(loss)
        self.scores.append(score)
        state.monitor = state.val_loss = loss
        state.val_score = score
        self.count = 0 if score > self.best_score + self.tol else self.count + 1
        if score > self.best_score:
            self.best_score = score
            if self.best_theta is None:
                self.best_theta = theta.copy()
            else:
                self.best_theta[...] = theta
            self.best_iteration = state.epoch
            self.best_step = state.step
        if saved is not None:
            theta[...] = saved
        self.stopped = self.count >= self.patience
        if self.stopped:
            state.stop_reason = "patience"
            state.stop_detail = (
                f"the validation score did not improve by more than tol={self.tol:g} for "
                f"{self.count} consecutive epochs (early stopping, n_iter_no_change)"
            )
        return self.stopped

    def on_train_end(self, state, theta):
        if self.restore_best and self.best_theta is not None:
            theta[...] = self.best_theta

    def kept_parameters(self):
        """(epoch, words) of the restored parameters, None when not restoring."""
        if not (self.restore_best and self.best_theta is not None):
            return None
        return self.best_iteration, (
            f"restored the parameters of epoch {self.best_iteration} "
            f"(best validation score {self.best_score:.6g})"
        )


class ParameterAveraging(Callback):
    """Polyak averaging and its exponential variant (book 8.7.3).

    Used both as a per-update step hook (``__call__(theta, lr)``) and as a
    callback.  From the end of epoch ``start`` on, it keeps

    * ``'polyak'``: the arithmetic mean of the iterates,
      ``avg <- avg + (theta - avg) / k`` after the k-th averaged update
      (Polyak & Juditsky, 1992);
    * ``'ema'``: the exponentially decaying running average
      ``m <- decay * m + (1 - decay) * theta`` from ``m = 0``, returned
      bias-corrected as ``m / (1 - decay^k)`` (as Adam corrects its moments),
      so a run shorter than the average's horizon still gets a proper
      weighted mean of its iterates.

    Training continues from the raw iterate; the average is what validation
    sees (``state.eval_theta``) and what the fit returns.
    """

    replaces_parameters = True

    def __init__(self, kind, start, decay):
        self.kind = kind
        self.start = start
        self.decay = decay
        self.average = None
        self.count = 0
        self._state = None

    def on_train_begin(self, state, theta):
        self._state = state
        if self.average is not None:  # resumed (partial_fit): train the raw iterate
            theta[...] = self.raw
            state.eval_theta = self.average
            return
        self._epoch0 = state.epoch
        self.active = self.start == 0

    def __call__(self, theta, lr):
        if not self.active:
            return
        self.count += 1
        if self.average is None:
            self.average = theta.copy()
            self._m = (1.0 - self.decay) * theta
            self._state.eval_theta = self.average
        elif self.kind == "polyak":
            self.average += (theta - self.average) * (1.0 / self.count)
        else:
            self._m *= self.decay
            self._m += (1.0 - self.decay) * theta
            np.multiply(self._m, 1.0 / (1.0 - self.decay**self.count), out=self.average)

    def on_epoch_end(self, state, theta):
        if not self.active and state.epoch - self._epoch0 >= self.start:
            self.active = True
        return False

    def kept_parameters(self):
        """A note on the returned parameters when they are the average."""
        if self.average is None:
            return None
        kind = "Polyak" if self.kind == "polyak" else "exponential moving"
        return None, f"averaged ({kind} average of the iterates since averaging started)"

    def on_train_end(self, state, theta):
        if state.diverged:  # the average holds diverged iterates: forget it
            self.average, self.count = None, 0
            state.eval_theta = None
        elif self.average is not None:
            self.raw = theta.copy()  # where training resumes (partial_fit)
            theta[...] = self.average


class CurvatureMonitor(Callback):
    """Curvature along the gradient after every epoch (book 8.2.1).

    ``probe(theta)`` returns a dict of numbers (``gTg``, ``gTHg``, ...,
    see :func:`sklreg._hessian.curvature_along_gradient`); each epoch appends
    ``{"epoch": state.epoch, **probe(theta)}`` to ``history``.  Never stops
    training.
    """

    def __init__(self, probe, history=None):
        self.probe = probe
        self.history = [] if history is None else history

    def on_epoch_end(self, state, theta):
        self.history.append({"epoch": state.epoch, **self.probe(theta)})
        return False
