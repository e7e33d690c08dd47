"""Curriculum learning (draft 8.7.5; Bengio et al., 2009; Zaremba & Sutskever, 2014).

A curriculum decides which training rows each epoch visits, from a per-sample
difficulty (higher = harder).  It plugs into the training loop as its
``sampler(epoch, rng) -> row indices``.

* ``'deterministic'``: start with the easiest ``start_fraction`` of the rows and
  add harder ones linearly until every row is in use after ``n_epochs`` epochs
  (easy examples first, harder ones added over epochs).
* ``'stochastic'``: every epoch presents ``n`` rows mixing easy (below median
  difficulty) and hard (above) examples; the share of hard ones grows linearly
  from ``start_fraction`` times its natural share to the natural share, so the
  learner always sees some hard examples (the stochastic curriculum the draft
  recommends over the deterministic one).
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._early_stopping import check_validation
from .network import Context

__all__ = ["Curriculum", "per_sample_loss"]


class Curriculum:
    """Row sampler of one fit.

    Parameters
    ----------
    difficulty : ndarray of shape (n_samples,)
    kind : {'deterministic', 'stochastic'}
    start_fraction : float in (0, 1]
    n_epochs : int
        Epochs until the full data set (or the natural share of hard examples)
        is reached.
    epoch0 : int
        Epoch counter value at the start of this fit (warm starts continue it).
    shuffle : bool
        Shuffle the rows of an epoch (the deterministic curriculum without
        shuffling visits them easiest first).
    """

    def __init__(self, difficulty, kind, start_fraction, n_epochs, epoch0=0, shuffle=True):
        self.order = np.argsort(np.asarray(difficulty), kind="stable")  # easy -> hard
        self.kind = kind
        self.start_fraction = start_fraction
        self.n_epochs = max(1, n_epochs)
        self.epoch0 = epoch0
        self.shuffle = shuffle

    def progress(self, epoch):
        """Fraction of the schedule done at (absolute) ``epoch``, in [0, 1]."""
        return min(1.0, (epoch - self.epoch0) / self.n_epochs)

    def __call__(self, epoch, rng):
        n = len(self.order)
        prog = self.progress(epoch)
        if self.kind == "deterministic":
            frac = self.start_fraction + (1.0 - self.start_fraction) * prog
            active = self.order[: max(1, math.ceil(round(frac * n, 9)))]  # no float-noise extra row
            return rng.permutation(active) if self.shuffle else active
        easy, hard = self.order[: n // 2], self.order[n // 2 :]
        natural = len(hard) / n
        share = natural * (self.start_fraction + (1.0 - self.start_fraction) * prog)
        n_hard = min(len(hard), int(round(share * n)))
        picked_hard = rng.choice(hard, size=n_hard, replace=False)
        n_easy = n - n_hard
        extra = rng.choice(easy, size=max(0, n_easy - len(easy)), replace=True)
        picked_easy = np.concatenate([easy, extra]) if n_easy >= len(easy) else rng.choice(
            easy, size=n_easy, replace=False
        )
        return rng.permutation(np.concatenate([picked_easy, picked_hard]))


def per_sample_loss(estimator, X, y):
    """Per-sample loss of a fitted sklreg MLP on (X, y): the difficulty estimate.

    The output loss of the estimator (``Loss.per_sample``) at its inference-mode
    outputs: cross-entropy of the true class (summed over labels for
    multilabel targets) for classifiers, ``0.5 * ||y - f(x)||^2`` or the half
    Poisson deviance for regressors; missing labels (multi-task) count zero.
    """
    check_is_fitted(estimator, "_theta")
    X, Y, _, _ = check_validation(estimator, (X, y, None), np.float64)
    objective = estimator._objective
    z = objective.network.forward(estimator._theta, X.astype(estimator._theta.dtype),
                                  Context(training=False))
    return objective.loss.per_sample(z, Y)
